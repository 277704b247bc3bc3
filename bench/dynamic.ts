// `npm run bench -- dynamic [RUNS]`: what dynamic linking costs under ukify. For hello in each libc,
// static next to dynamic (and nginx -V when installed): image size, and the median wall time of
// `ukify run IMAGE` over RUNS (default 10) interleaved rounds, with the native run for reference.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fixturePath } from '../fixtures/index.js';
import { imageFor } from '../packager/build.js';
import { median } from './lib-table.js';

const cli = resolve('dist/cli/main.js');

interface Row {
  what: string;
  program: string;
  args: string[];
  image: string;
  bytes: number;
  guest: number[];
  native: number[];
}

function timeOnce(command: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: {} });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${r.status}: ${String(r.stderr)}`);
  return ms;
}

export async function run(args: string[]): Promise<void> {
  const runs = Number(args[0] ?? '10');
  const work = mkdtempSync(join(tmpdir(), 'ukify-bench-dynamic-'));
  try {
    const programs: [string, string, string[]][] = [
      ['hello glibc static', fixturePath('hello', 'glibc-static'), []],
      ['hello glibc dynamic', fixturePath('hello', 'glibc-dynamic'), []],
      ['hello musl static', fixturePath('hello', 'musl-static'), []],
      ['hello musl dynamic', fixturePath('hello', 'musl-dynamic'), []],
    ];
    if (existsSync('/usr/sbin/nginx')) programs.push(['nginx -V (7 libraries)', '/usr/sbin/nginx', ['-V']]);
    const rows: Row[] = [];
    for (const [i, [what, program, programArgs]] of programs.entries()) {
      const { image } = await imageFor({ program, args: programArgs, env: [] });
      const path = join(work, `${i}.img`);
      writeFileSync(path, image);
      rows.push({ what, program, args: programArgs, image: path, bytes: image.length, guest: [], native: [] });
    }
    for (let i = 0; i <= runs; i++) {
      for (const r of rows) {
        const guest = timeOnce(process.execPath, [cli, 'run', r.image]);
        const native = timeOnce(r.program, r.args);
        if (i > 0) {
          // round 0 warms the page cache
          r.guest.push(guest);
          r.native.push(native);
        }
      }
    }
    process.stdout.write(`dynamic linking under ukify: medians of ${runs} runs of \`ukify run IMAGE\`\n`);
    process.stdout.write(`${'program'.padEnd(26)} ${'image KiB'.padStart(10)} ${'ukify ms'.padStart(9)} ${'native ms'.padStart(10)}\n`);
    for (const r of rows) {
      process.stdout.write(
        `${r.what.padEnd(26)} ${(r.bytes / 1024).toFixed(0).padStart(10)} ${median(r.guest).toFixed(1).padStart(9)} ${median(r.native).toFixed(1).padStart(10)}\n`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
