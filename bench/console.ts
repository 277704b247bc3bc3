// Piped stdin throughput under `ukify run` (console=framed): `npm run bench -- console [MIB]`.
// busybox wc -c (input only) and cat (input and output) read MIB MiB from a file; the boot of the
// same image with </dev/null is subtracted to give the console's own rate.
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatTable, type TableRow } from './lib-table.js';

const cli = resolve('dist/cli/main.js');

/** Wall ms of `command` with the file as stdin; throws with its stderr's first line on failure. */
function timed(command: string, args: string[], input: string): number {
  const fd = openSync(input, 'r');
  try {
    const started = process.hrtime.bigint();
    const r = spawnSync(command, args, { stdio: [fd, 'pipe', 'pipe'], timeout: 600_000, killSignal: 'SIGKILL', maxBuffer: 1 << 30 });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.error !== undefined || r.status !== 0) throw new Error(`${args.join(' ')}: ${r.error?.message ?? String(r.stderr).split('\n')[0]}`);
    return ms;
  } finally {
    closeSync(fd);
  }
}

const best = (runs: number, f: () => number): number => Math.min(...Array.from({ length: runs }, f));

export async function run(args: string[]): Promise<void> {
  const mib = Number(args[0] ?? 4);
  const dir = mkdtempSync(join(tmpdir(), 'ukify-bench-console-'));
  try {
    const image = join(dir, 'busybox.img');
    const built = spawnSync(process.execPath, [cli, 'build', '/bin/busybox', '-o', image], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`ukify build /bin/busybox: ${built.stderr.split('\n')[0]}`);
    const data = join(dir, 'input.bin');
    const bytes = Buffer.alloc(mib << 20);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    writeFileSync(data, bytes);

    const boot = best(3, () => timed(process.execPath, [cli, 'run', image, '--', 'true'], '/dev/null'));
    const rows: TableRow[] = [{ label: 'boot, </dev/null (true)', cells: [boot.toFixed(0), '-'] }];
    for (const applet of [['wc', '-c'], ['cat']]) {
      const ms = best(2, () => timed(process.execPath, [cli, 'run', image, '--', ...applet], data));
      const native = best(2, () => timed('/bin/busybox', applet, data));
      const rate = (mib / Math.max(ms - boot, 1)) * 1000;
      rows.push({ label: `${applet.join(' ')} ${mib} MiB under ukify`, cells: [ms.toFixed(0), `${rate.toFixed(2)} MiB/s`] });
      rows.push({ label: `${applet.join(' ')} ${mib} MiB native`, cells: [native.toFixed(1), `${((mib / native) * 1000).toFixed(0)} MiB/s`] });
    }
    console.log(`piped stdin (console=framed), best of 2-3 runs; rate = size / (time - boot)`);
    console.log(formatTable(['run', 'wall ms', 'rate'], rows));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
