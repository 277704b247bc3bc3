// Real server stacks serving from the VM through `ukify run -p HOST:GUEST`: Go's net/http (the
// go-httpd fixture, its answers computed in the guest) and Python's http.server (Debian's python3).
// Each is run natively too with the same requests; bodies, exit status and output must agree.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { goFixturePath } from '../fixtures/go/index.js';
import { freePort } from '../harness/free-port.js';
import { exitWithin, http, type Reply, startServer, stopServer, ukifyRun, until } from '../harness/servers.js';

const work = mkdtempSync(join(tmpdir(), 'ukify-net-servers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** True when something accepts a TCP connection on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1', () => {
      sock.destroy();
      resolve(true);
    });
    sock.on('error', () => resolve(false));
  });
}

describe('Go net/http (go-httpd) serves from the VM as natively', () => {
  // 256 KiB that is not one repeated byte, so a misplaced or dropped segment shows.
  const payload = Buffer.from(Array.from({ length: 256 << 10 }, (_, i) => (i * 131 + (i >> 10)) & 0xff));
  // 1 + 2 + ... + 1000, by Gauss: not what the program does (it adds one by one).
  const sum1000 = (1000 * 1001) / 2;

  /** The requests of one run; checks each answer and returns nothing (the server's stdout tells the rest). */
  async function requests(port: number): Promise<void> {
    const root = await http(port, 'GET', '/');
    expect([root.status, root.body.toString()]).toEqual([200, 'hello from a Go net/http server\n']);
    const sum = await http(port, 'GET', '/sum?n=1000');
    expect([sum.status, sum.body.toString()]).toEqual([200, `${sum1000}\n`]);
    const echo = await http(port, 'POST', '/echo', { body: payload });
    expect(echo.status).toBe(200);
    expect(echo.body.length).toBe(payload.length);
    expect(echo.body.equals(payload)).toBe(true);
    // Two more on one kept-alive connection.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const a = await http(port, 'GET', '/sum?n=1', { agent });
      const b = await http(port, 'GET', '/sum?n=65536', { agent });
      expect([a.body.toString(), b.body.toString()]).toEqual(['1\n', `${(65536 * 65537) / 2}\n`]);
      expect(b.localPort).toBe(a.localPort);
    } finally {
      agent.destroy();
    }
  }

  for (const variant of ['static', 'stripped'] as const) {
    it(`go-httpd.${variant}: GET /, GET /sum?n=1000, POST /echo of 256 KiB, two on one kept-alive connection, then exit 0 with the native output`, async () => {
      const program = goFixturePath('httpd', variant);

      const nativePort = await freePort();
      const native = startServer(program, [String(nativePort), '5']);
      try {
        await until('native go-httpd', async () => native.stdout().startsWith(`listening on ${nativePort}\n`), native);
        await requests(nativePort);
        expect(await exitWithin(native, 15_000)).toBe(0);
      } finally {
        await stopServer(native);
      }

      const hostPort = await freePort();
      const guest = ukifyRun([program, '-p', `${hostPort}:8080`, '--', '8080', '5']);
      try {
        await until('go-httpd under ukify', async () => guest.stdout().startsWith('listening on 8080\n'), guest);
        await requests(hostPort);
        expect(await exitWithin(guest, 30_000), guest.stderr()).toBe(0);
      } finally {
        await stopServer(guest);
      }
      // The same lines, but for the port each one listened on.
      expect(guest.stdout()).toBe(native.stdout().replace(`listening on ${nativePort}\n`, 'listening on 8080\n'));
      expect(guest.stdout()).toContain(`request 2: GET /sum n=1000 -> ${sum1000}\n`);
      expect(guest.stdout()).toMatch(/\nserved 5 requests\n$/);
      expect(guest.stderr()).toBe(native.stderr());
    }, 240_000);
  }
});

describe("Python's http.server (Debian's python3) serves from the VM as natively", () => {
  it('a file, a binary file (also 6 at once), two directory listings, a symlink and a 404 as native python3 serves them; SIGTERM to ukify run ends it', async () => {
    const site = join(work, 'site');
    mkdirSync(join(site, 'sub', 'deeper'), { recursive: true });
    writeFileSync(join(site, 'page.html'), '<h1>served by python inside ukify</h1>\n');
    writeFileSync(join(site, 'data.bin'), Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7 + (i >> 9)) & 0xff)));
    writeFileSync(join(site, 'sub', 'notes.txt'), 'one\ntwo\n');
    writeFileSync(join(site, 'sub', 'Zebra & <co>.txt'), 'escaped in the listing\n');
    symlinkSync('notes.txt', join(site, 'sub', 'link.txt')); // listed as "link.txt@"
    const paths = ['/page.html', '/data.bin', '/', '/sub/', '/sub/link.txt', '/missing'];

    const serve = async (port: number): Promise<Reply[]> => {
      const replies: Reply[] = [];
      for (const p of paths) replies.push(await http(port, 'GET', p));
      return replies;
    };

    const nativePort = await freePort();
    const native = startServer('/usr/bin/python3', ['-m', 'http.server', '--bind', '127.0.0.1', '--directory', site, String(nativePort)]);
    let expected: Reply[];
    try {
      await until('native python3', () => accepts(nativePort), native);
      expected = await serve(nativePort);
    } finally {
      await stopServer(native);
    }
    // The native answers are the files on disk: a check of the oracle itself.
    expect(expected.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 404]);
    expect(expected[1].body.equals(readFileSync(join(site, 'data.bin')))).toBe(true);
    expect(expected[3].body.toString()).toContain('<a href="link.txt">link.txt@</a>');

    const hostPort = await freePort();
    const guest = ukifyRun([
      '/usr/bin/python3',
      '--dir',
      '/usr/lib/python3.11',
      '--dir',
      `${site}:/srv`,
      '-p',
      `${hostPort}:8000`,
      '--',
      '-m',
      'http.server',
      '--bind',
      '0.0.0.0',
      '--directory',
      '/srv',
      '8000',
    ]);
    try {
      // slirp accepts on the host port before the guest listens: wait for a real answer.
      await until('python3 http.server under ukify', async () => (await http(hostPort, 'GET', '/').catch(() => undefined))?.status === 200, guest);
      const got = await serve(hostPort);
      expect(got.map((r) => r.status)).toEqual(expected.map((r) => r.status));
      got.forEach((r, i) => expect(r.body.toString('latin1'), paths[i]).toBe(expected[i].body.toString('latin1')));
      // -m http.server is a ThreadingHTTPServer: a thread per connection, here 6 at once.
      const together = await Promise.all(Array.from({ length: 6 }, () => http(hostPort, 'GET', '/data.bin')));
      for (const r of together) expect(r.body.equals(expected[1].body)).toBe(true);
      // http.server logs each request on stderr, with the client's address as the guest sees it.
      expect(guest.stderr()).toMatch(/"GET \/sub\/link\.txt HTTP\/1\.1" 200 -/);

      guest.proc.kill('SIGTERM');
      expect(await exitWithin(guest, 15_000)).toBe(143);
      // QEMU is gone with it: nothing forwards the host port any more.
      expect(await accepts(hostPort)).toBe(false);
    } finally {
      await stopServer(guest);
    }
  }, 240_000);
});
