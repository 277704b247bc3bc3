// Programs that serve over the network from inside the VM, reached from the host through
// `ukify run -p HOST:GUEST` (QEMU user networking, virtio-net, the kernel's lwIP): what comes back
// is compared with what was sent, with the files served, and with the program's native output.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';
import { freePort } from '../harness/free-port.js';
import { http, stopServer, ukifyRun, until } from '../harness/servers.js';

const work = mkdtempSync(join(tmpdir(), 'ukify-net-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Sends payload on one connection, half-closes, and returns all that comes back. */
function echo(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    const sock = connect(port, '127.0.0.1', () => sock.end(payload));
    sock.on('data', (d: Buffer) => got.push(d));
    sock.on('end', () => resolve(Buffer.concat(got)));
    sock.on('error', reject);
  });
}

/** GET / as HTTP/1.0 (the server closes first) from the given local port: all that came back once the socket is closed. */
function getFromPort(port: number, localPort: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const sock = connect({ port, host: '127.0.0.1', localPort }, () => sock.write('GET / HTTP/1.0\r\n\r\n'));
    sock.setEncoding('utf8').on('data', (d: string) => (got += d));
    sock.on('close', (failed) => failed || resolve(got));
    sock.setTimeout(10_000, () => sock.destroy(new Error(`no answer from port ${localPort} in 10 s`)));
    sock.on('error', reject);
  });
}

/** The backlog of the host socket listening on port (`ss` shows a listener's as its Send-Q). */
function listenBacklog(port: number): number {
  const listener = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  return Number(listener.trim().split(/\s+/)[2]);
}

describe('serving from the VM through -p', () => {
  for (const variant of ['musl-static', 'glibc-dynamic'] as const) {
    it(`echo-server.${variant}: two connections of 1 MiB echoed byte for byte, then exit 0 as natively`, async () => {
      const port = await freePort();
      const guest = ukifyRun([fixturePath('echo-server', variant), '-p', `${port}:7777`, '--', '7777', '2']);
      try {
        await until('echo-server', async () => guest.stdout().startsWith('listening on 7777\n'), guest);
        const payloads = [Buffer.alloc(1 << 20, 0x5a), Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 31) & 0xff))];
        for (const p of payloads) expect((await echo(port, p)).equals(p)).toBe(true);
        expect(await guest.exit).toBe(0);
        expect(guest.stdout()).toBe(`listening on 7777\nconnection 1: echoed ${1 << 20} bytes\nconnection 2: echoed ${1 << 20} bytes\n`);
      } finally {
        await stopServer(guest);
      }
    });
  }

  /** A site folder with an nginx.conf whose one server has the given listen lines. */
  function nginxSite(name: string, listen: string): string {
    const site = join(work, name);
    mkdirSync(join(site, 'html'), { recursive: true });
    // One process, in the foreground; temporary files under the guest's /tmp.
    writeFileSync(
      join(site, 'nginx.conf'),
      [
        'master_process off;',
        'daemon off;',
        'error_log stderr notice;',
        'pid /tmp/nginx.pid;',
        'events { worker_connections 64; }',
        'http {',
        '  access_log off; sendfile on; keepalive_timeout 30;',
        '  client_body_temp_path /tmp/body; proxy_temp_path /tmp/proxy; fastcgi_temp_path /tmp/fastcgi;',
        '  uwsgi_temp_path /tmp/uwsgi; scgi_temp_path /tmp/scgi;',
        `  server { ${listen} root ${site}/html; }`,
        '}',
        '',
      ].join('\n'),
    );
    return site;
  }

  it('nginx (Debian): a page, a 1 MiB file with sendfile, a 404, HEAD and keep-alive, as the files on disk', async () => {
    const site = nginxSite('site', 'listen 80;');
    const page = '<h1>served by nginx inside ukify</h1>\n';
    const big = Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 7 + (i >> 9)) & 0xff));
    writeFileSync(join(site, 'html', 'index.html'), page);
    writeFileSync(join(site, 'html', 'big.bin'), big);
    const port = await freePort();
    const guest = ukifyRun(['/usr/sbin/nginx', '--dir', site, '-p', `${port}:80`, '--', '-c', join(site, 'nginx.conf'), '-p', site]);
    try {
      await until('nginx', async () => (await http(port, 'GET', '/').catch(() => undefined))?.status === 200, guest);
      const index = await http(port, 'GET', '/');
      expect(index.body.toString()).toBe(page);
      expect(index.headers['content-length']).toBe(String(page.length));
      const file = await http(port, 'GET', '/big.bin');
      expect(file.status).toBe(200);
      expect(file.body.equals(readFileSync(join(site, 'html', 'big.bin')))).toBe(true);
      expect((await http(port, 'GET', '/missing')).status).toBe(404);
      const head = await http(port, 'HEAD', '/');
      expect([head.status, head.body.length, head.headers['content-length']]).toEqual([200, 0, String(page.length)]);
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (let i = 0; i < 3; i++) expect((await http(port, 'GET', '/', { agent })).body.toString()).toBe(page);
      } finally {
        agent.destroy();
      }
      // A client back from the port of a connection nginx closed, which the guest holds in TIME_WAIT
      // for a minute: its SYN starts a new connection, as on Linux (load tools reuse ports so).
      const localPort = await freePort();
      for (let i = 0; i < 3; i++) expect(await getFromPort(port, localPort)).toMatch(new RegExp(`^HTTP/1.1 200 OK\r\n[^]*\r\n\r\n${page}$`));
      // QEMU's forward listens with SOMAXCONN's backlog, not libslirp's 1 (runner/qemu-preload-listen.c):
      // 40 connections opened at once are all taken, none waits for a SYN retransmission.
      expect(listenBacklog(port)).toBeGreaterThanOrEqual(128);
      const burst = await Promise.all(Array.from({ length: 40 }, () => http(port, 'GET', '/')));
      expect(burst.map((r) => r.body.toString())).toEqual(Array(40).fill(page));
    } finally {
      await stopServer(guest);
    }
  });

  // The forward reaches the guest over IPv4. nginx sets IPV6_V6ONLY on [::] unless told
  // ipv6only=off, so the dual-stack case says so; Debian's default site instead listens on both
  // 80 and [::]:80, an AF_INET socket and a v6-only one sharing the port.
  for (const [what, listen] of [
    ['listen [::]:80 ipv6only=off (one dual-stack socket takes the IPv4 forward)', 'listen [::]:80 ipv6only=off;'],
    ["listen 80 and listen [::]:80 (Debian's default site)", 'listen 80; listen [::]:80;'],
  ] as const) {
    it(`nginx with ${what}: pages served through -p`, async () => {
      const site = nginxSite(`site6-${listen.length}`, listen);
      const page = `<p>${listen}</p>\n`;
      writeFileSync(join(site, 'html', 'index.html'), page);
      const port = await freePort();
      const guest = ukifyRun(['/usr/sbin/nginx', '--dir', site, '-p', `${port}:80`, '--', '-c', join(site, 'nginx.conf'), '-p', site]);
      try {
        await until('nginx', async () => (await http(port, 'GET', '/').catch(() => undefined))?.status === 200, guest);
        for (let i = 0; i < 3; i++) expect((await http(port, 'GET', '/')).body.toString()).toBe(page);
        expect((await http(port, 'GET', '/missing')).status).toBe(404);
        expect(guest.stderr()).not.toMatch(/\[emerg\]/);
      } finally {
        await stopServer(guest);
      }
    });
  }
});
