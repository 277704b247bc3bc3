// Servers under a real load tool, as a user measures them (issue 11): Debian's redis-server and
// nginx, each with its own default configuration, converted with no flags beyond a port forward,
// loaded five times in a row. What is checked here is correctness under load: every request
// completes, no error, no reset. How fast, and the longest stall, are the benchmark's
// (`npm run bench -- load`): this machine is shared and its timings are noisy.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../harness/free-port.js';
import { apacheBench, redisBenchmark } from '../harness/load-tools.js';
import { http, type Server, stopServer, ukifyRun, until } from '../harness/servers.js';

const execFileAsync = promisify(execFile);
const RUNS = 5;

describe("redis-server (Debian's, default configuration) under redis-benchmark", () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    // Protected mode refuses clients from outside the VM's loopback when there is no password (as
    // redis does in a container): the official Docker image turns it off the same way.
    server = ukifyRun(['/usr/bin/redis-server', '-p', `${port}:6379`, '--', '--protected-mode', 'no']);
    const ping = async (): Promise<boolean> => (await execFileAsync('redis-cli', ['-p', String(port), 'ping']).catch(() => ({ stdout: '' }))).stdout === 'PONG\n';
    await until('redis-server', ping, server);
  }, 120_000);
  afterAll(async () => {
    if (server !== undefined) await stopServer(server);
  });

  for (const clients of [16, 64]) {
    it(`SET and GET, 20,000 requests each at ${clients} clients, ${RUNS} runs in a row: every one completes, no error`, async () => {
      for (let run = 1; run <= RUNS; run++) {
        const r = await redisBenchmark(port, clients, 20_000);
        expect({ run, status: r.status, errors: r.errors }).toEqual({ run, status: 0, errors: [] });
        expect(r.tests.map((t) => t.name)).toEqual(['SET', 'GET']);
        for (const t of r.tests) expect(t.rps, `run ${run} ${t.name}`).toBeGreaterThan(0);
      }
      // The server saw them all: redis counts the commands it processed.
      const { stdout } = await execFileAsync('redis-cli', ['-p', String(port), 'info', 'commandstats']);
      const calls = (cmd: string): number => Number(new RegExp(`^cmdstat_${cmd}:calls=(\\d+)`, 'm').exec(stdout)?.[1] ?? 0);
      expect(calls('set')).toBeGreaterThanOrEqual(RUNS * 20_000);
      expect(calls('get')).toBeGreaterThanOrEqual(RUNS * 20_000);
    }, 600_000);
  }
});

describe("nginx (Debian's, its own /etc/nginx) under ab, a new connection per request", () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    // --verbose: the kernel's log, with the network's counts when the VM stops.
    server = ukifyRun(['/usr/sbin/nginx', '-p', `${port}:80`, '--verbose']);
    await until('nginx', async () => (await http(port, 'GET', '/').catch(() => undefined))?.status === 200, server);
  }, 120_000);
  afterAll(async () => {
    if (server !== undefined) await stopServer(server);
  });

  it(`ab -n 10000 -c 32, ${RUNS} runs in a row: every request completes, 0 failed`, async () => {
    for (let run = 1; run <= RUNS; run++) {
      const r = await apacheBench(`http://127.0.0.1:${port}/`, 10_000, 32);
      expect({ run, status: r.status, error: r.error, complete: r.complete, failed: r.failed }).toEqual({ run, status: 0, error: '', complete: 10_000, failed: 0 });
    }
    // The counts at power-off: every request's frames were counted (at least a SYN, the request and
    // two ACKs or FINs each), and each kind of drop is reported.
    await stopServer(server);
    const counts = /ukify: net: (\d+) frames in; drops: (\d+) without a buffer, (\d+) sends with the TX queue full \((\d+) waited for the TX ring\), (\d+) SYNs with a full backlog \((\d+) waited for room\), (\d+) connections with a full accept queue/.exec(server.stderr());
    expect(counts, server.stderr().slice(-2000)).not.toBeNull();
    expect(Number(counts?.[1])).toBeGreaterThan(RUNS * 10_000 * 4);
  }, 600_000);
});

describe('nginx with a listen backlog of 8 under ab -c 100: SYNs beyond the backlog wait, none is dropped', () => {
  let server: Server;
  let port: number;
  let dir: string;

  beforeAll(async () => {
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'ukify-backlog-'));
    const debian = readFileSync('/etc/nginx/sites-available/default', 'utf8');
    const site = debian.replace(/^(\s*)listen 80 default_server;$/m, '$1listen 80 default_server backlog=8;');
    expect(site, "Debian's default site has no `listen 80 default_server;`").not.toBe(debian);
    writeFileSync(join(dir, 'default'), site);
    server = ukifyRun(['/usr/sbin/nginx', '-p', `${port}:80`, '--verbose', '--file', `${join(dir, 'default')}:/etc/nginx/sites-available/default`]);
    await until('nginx', async () => (await http(port, 'GET', '/').catch(() => undefined))?.status === 200, server);
  }, 120_000);
  afterAll(async () => {
    if (server !== undefined) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  // 100 clients at once against a backlog of 8: a dropped SYN is sent again by QEMU's user
  // networking only after 3 s (ab ended on a reset when the guest dropped them).
  it(`ab -n 3000 -c 100, 3 runs in a row: every request completes, no SYN dropped`, async () => {
    for (let run = 1; run <= 3; run++) {
      const r = await apacheBench(`http://127.0.0.1:${port}/`, 3000, 100);
      expect({ run, status: r.status, error: r.error, complete: r.complete, failed: r.failed }).toEqual({ run, status: 0, error: '', complete: 3000, failed: 0 });
    }
    await stopServer(server);
    const counts = /(\d+) SYNs with a full backlog \((\d+) waited for room\)/.exec(server.stderr());
    expect(counts, server.stderr().slice(-2000)).not.toBeNull();
    expect(Number(counts?.[1])).toBe(0);
    expect(Number(counts?.[2])).toBeGreaterThan(0);
  }, 600_000);
});
