// Thousands of descriptors and connections (issue 11, part 2), inside the guest and compared with the
// same program run natively: the scale fixture (RLIMIT_NOFILE up to 65536 and EMFILE past it,
// 10,000 descriptors under epoll, poll and select, 1,000 TCP connections over 127.0.0.1 made before
// any accept), the guest's free memory across 20,000 connections, and Debian's nginx holding 1,000
// keep-alive connections opened at once through `ukify run -p`. Speeds are measured by
// `npm run bench -- scale`, not here.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';
import { freePort } from '../harness/free-port.js';
import { runGuest } from './kernel-boot.js';
import { runNative } from './helpers/native.js';

/** The host's hard RLIMIT_NOFILE for our children: the native run sets its limit to at most that. */
function hostHardNofile(): number {
  const r = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' });
  const n = r.stdout.trim() === 'unlimited' ? Infinity : Number(r.stdout.trim());
  return Number.isFinite(n) ? n : 65536;
}

describe('the scale fixture: the guest prints what the program prints natively', () => {
  const cases: Array<{ args: string[]; native?: string[]; variants: Array<'glibc-static' | 'musl-static'> }> = [
    // natively the limit is the host's hard limit when that is lower (raising it takes CAP_SYS_RESOURCE)
    { args: ['limits', '65536'], native: ['limits', String(Math.min(65536, hostHardNofile()))], variants: ['glibc-static', 'musl-static'] },
    { args: ['pipes', '10000'], variants: ['glibc-static', 'musl-static'] },
    { args: ['sockets', '1000'], variants: ['glibc-static'] },
  ];
  for (const c of cases) {
    for (const variant of c.variants) {
      it(`scale ${c.args.join(' ')} (${variant})`, async () => {
        const path = fixturePath('scale', variant);
        const nativeArgs = c.native ?? c.args;
        // at least a thousand descriptors natively, or the comparison says little
        expect(Number(nativeArgs[1])).toBeGreaterThanOrEqual(1000);
        const native = runNative(path, nativeArgs, { timeoutMs: 60_000 });
        expect(native.stdout).toMatch(/\ndone\n$/);
        expect(native.status).toBe(0);
        const guest = await runGuest(path, { args: c.args, memoryMiB: 128 });
        expect(guest.stdout).toBe(native.stdout);
        expect(guest.exit).toBe(0);
        expect(guest.log).not.toMatch(/unsupported syscall|panic/);
      }, 120_000);
    }
  }
});

describe('memory in the guest', () => {
  it('20,000 TCP connections one after another over 127.0.0.1 leave nothing behind: free memory after 2,000 and after 20,000 agree', async () => {
    const path = fixturePath('scale', 'glibc-static');
    const native = runNative(path, ['churn', '2000'], { timeoutMs: 60_000 });
    expect(native.stdout).toMatch(/^churn connections=2000 .*\ndone\n$/);
    const guest = await runGuest(path, { args: ['churn', '20000'], memoryMiB: 64 });
    expect(guest.exit, guest.log).toBe(0);
    const m = /^churn connections=20000 free_kib_after_tenth=(\d+) free_kib_after_all=(\d+)$/m.exec(guest.stdout);
    expect(m, guest.stdout).not.toBeNull();
    const [tenth, all] = [Number(m?.[1]), Number(m?.[2])];
    // 18,000 connections: a leak of 15 bytes each would show
    expect(tenth - all).toBeLessThanOrEqual(256);
  }, 120_000);
});

/** Sends one GET on a kept-alive connection; resolves with the status line once the whole response came. */
function get(sock: Socket): Promise<string> {
  return new Promise((done, fail) => {
    let text = '';
    const onData = (d: Buffer): void => {
      text += d.toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: (\d+)/i.exec(text);
      if (head >= 0 && len !== null && text.length >= head + 4 + Number(len[1])) {
        sock.off('data', onData);
        done(text.slice(0, text.indexOf('\r\n')));
      }
    };
    sock.on('data', onData);
    sock.once('error', fail);
    sock.once('close', () => fail(new Error(`closed after ${text.length} bytes`)));
    sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((done, fail) => {
    const s = connect(port, '127.0.0.1', () => done(s));
    s.once('error', fail);
  });
}

describe("Debian's nginx under ukify run -p", () => {
  const work = mkdtempSync(join(tmpdir(), 'ukify-scale-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('holds 1,000 keep-alive connections opened at once: every one gets two answers on the same connection', async () => {
    // Debian's own nginx.conf with what a user changes for many connections (as on Linux)
    const debian = readFileSync('/etc/nginx/nginx.conf', 'utf8');
    const conf = debian.replace('worker_connections 768;', 'worker_connections 4096;').replace(/^worker_processes auto;$/m, 'worker_processes auto;\nworker_rlimit_nofile 8192;');
    expect(conf).toContain('worker_connections 4096;');
    writeFileSync(join(work, 'nginx.conf'), conf);
    const port = await freePort();
    const cli = resolve('dist/cli/main.js');
    const vm = spawn(process.execPath, [cli, 'run', '/usr/sbin/nginx', '--file', `${join(work, 'nginx.conf')}:/etc/nginx/nginx.conf`, '-p', `${port}:80`], {
      cwd: work,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    vm.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
    const sockets: Socket[] = [];
    try {
      for (let i = 0; ; i++) {
        if (vm.exitCode !== null) throw new Error(`ukify run ended: ${log}`);
        if (i > 600) throw new Error(`nginx did not answer: ${log}`);
        const ok = await open(port).then(
          async (s) => {
            const line = await get(s).catch(() => '');
            s.destroy();
            return line.startsWith('HTTP/1.1 200');
          },
          () => false,
        );
        if (ok) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const n = 1000;
      sockets.push(...(await Promise.all(Array.from({ length: n }, () => open(port)))));
      const first = await Promise.all(sockets.map(get));
      expect(first.filter((l) => l.startsWith('HTTP/1.1 200')).length).toBe(n);
      const second = await Promise.all(sockets.map(get));
      expect(second.filter((l) => l.startsWith('HTTP/1.1 200')).length).toBe(n);
    } finally {
      for (const s of sockets) s.destroy();
      vm.kill('SIGTERM');
      await new Promise((done) => vm.on('exit', done));
    }
    expect(log).not.toMatch(/panic|unsupported syscall/);
  }, 240_000);
});
