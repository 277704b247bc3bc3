// `ukify run -p` and `ukify PROGRAM -p` as a user runs them (node dist/cli/main.js): bad specs and
// taken host ports are one line and exit status 2 before QEMU starts; ukify.json's "ports" and the
// flags combine; --verbose shows each forward and the QEMU network arguments. Most images here are built on
// a kernel-shaped ELF that does not boot (test/packager-fake-kernel.ts); one run boots the real kernel.
// Traffic through a forward is not tested: the kernel has no TCP/IP yet.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';
import { kernelElf } from './kernel-boot.js';
import { fakeKernelSource, linkFakeKernel } from './packager-fake-kernel.js';

const cli = resolve('dist/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'ukify-ports-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const hello = fixturePath('hello', 'musl-static');
let fakeKernel = '';
let image = '';

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function ukify(args: string[], options: { kernel?: string; cwd?: string } = {}): Result {
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd: options.cwd ?? work, encoding: 'utf8', timeout: 120_000, env: { ...process.env, UKIFY_KERNEL: options.kernel ?? fakeKernel },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectError(r: Result, line: string): void {
  expect(r.stderr).toBe(`ukify: ${line}\n`);
  expect(r.status).toBe(2);
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((done) => s.close(() => done()))));
});

/** Listens on a free loopback port until the test ends; returns the port. */
function takePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer();
    servers.push(server);
    server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port));
  });
}

async function freePort(): Promise<number> {
  const port = await takePort();
  await new Promise<void>((done) => (servers.pop() as Server).close(() => done()));
  return port;
}

beforeAll(() => {
  expect(existsSync(cli)).toBe(true);
  fakeKernel = linkFakeKernel(work, 'kernel', fakeKernelSource);
  image = join(work, 'hello.img');
  expect(ukify(['build', hello, '-o', image]).status).toBe(0);
});

describe('ukify run -p: bad input', () => {
  it('a port out of range, for an image and for a program', () => {
    expectError(ukify(['run', image, '-p', '80:99999']), '-p 80:99999: guest port must be 1-65535');
    expectError(ukify(['run', hello, '-p', '80:99999']), '-p 80:99999: guest port must be 1-65535');
    expectError(ukify(['run', image, '--publish', '0:80']), '-p 0:80: host port must be 1-65535');
  });

  it('not an IPv4 address, not tcp or udp, one host port twice', () => {
    expect(ukify(['run', image, '-p', 'localhost:8080:80']).stderr).toMatch(/^ukify: -p localhost:8080:80: 'localhost' is not an IPv4 address[^\n]*\n$/);
    expectError(ukify(['run', image, '-p', '8080:80/sctp']), "-p 8080:80/sctp: the protocol must be tcp or udp, not 'sctp'");
    expectError(ukify(['run', image, '-p', '8080:80', '-p', '8080:81']), '-p 8080:81: host port 8080/tcp on 127.0.0.1 is already forwarded by -p 8080:80');
  });

  it('a host port in use, before QEMU starts (the PATH has no QEMU)', async () => {
    const port = await takePort();
    const noQemu = { ...process.env, PATH: join(work, 'empty-path'), UKIFY_KERNEL: fakeKernel };
    const r = spawnSync(process.execPath, [cli, 'run', image, '-p', `${port}:80`], { cwd: work, encoding: 'utf8', env: noQemu });
    expectError({ status: r.status, stdout: r.stdout, stderr: r.stderr }, `-p ${port}:80: host port ${port} on 127.0.0.1 is in use`);
    // The same port on 0.0.0.0 overlaps 127.0.0.1; a program (built into an image first) is checked too.
    expectError(ukify(['run', image, '-p', `0.0.0.0:${port}:80`]), `-p 0.0.0.0:${port}:80: host port ${port} on 0.0.0.0 is in use`);
    expectError(ukify(['run', hello, '-p', `${port}:8080`]), `-p ${port}:8080: host port ${port} on 127.0.0.1 is in use`);
  });
});

describe('ukify.json "ports"', () => {
  it('a bad entry names the file and the entry', () => {
    const dir = mkdtempSync(join(work, 'cfg-'));
    writeFileSync(join(dir, 'ukify.json'), JSON.stringify({ ports: ['8080:80', '80:0'] }));
    expectError(ukify(['run', hello], { cwd: dir }), 'ukify.json: ports[1] 80:0: guest port must be 1-65535');
    writeFileSync(join(dir, 'ukify.json'), JSON.stringify({ ports: '8080:80' }));
    expectError(ukify(['run', hello], { cwd: dir }), 'ukify.json: ports: must be a list of strings');
    writeFileSync(join(dir, 'ukify.json'), JSON.stringify({ ports: ['8080:80', '8080:81'] }));
    expectError(ukify(['run', hello], { cwd: dir }), 'ukify.json: ports[1] 8080:81: host port 8080/tcp on 127.0.0.1 is already forwarded by ukify.json: ports[0] 8080:80');
  });

  it('config forwards are used, and a flag replaces the one of the same host port', async () => {
    const taken = await takePort();
    const dir = mkdtempSync(join(work, 'cfg-'));
    writeFileSync(join(dir, 'ukify.json'), JSON.stringify({ ports: [`${taken}:80`] }));
    expectError(ukify(['run', hello], { cwd: dir }), `ukify.json: ports[0] ${taken}:80: host port ${taken} on 127.0.0.1 is in use`);
    // -p of the same host port replaces the config's forward: now the flag's is the one found taken.
    expectError(ukify(['run', hello, '-p', `${taken}:81`], { cwd: dir }), `-p ${taken}:81: host port ${taken} on 127.0.0.1 is in use`);
  });
});

describe('ukify PROGRAM -p', () => {
  it('checks the specs and puts the forwards (flags and ukify.json) into the command it suggests', () => {
    const dir = mkdtempSync(join(work, 'default-'));
    expectError(ukify([hello, '-p', '80:99999'], { cwd: dir }), '-p 80:99999: guest port must be 1-65535');
    writeFileSync(join(dir, 'ukify.json'), JSON.stringify({ ports: ['5353:53/udp', '8080:80'] }));
    const r = ukify([hello, '-p', '8080:8000', '-p', '0.0.0.0:9090:90'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('run it: ukify run hello.musl-static.img -p 5353:53/udp -p 8080:8000 -p 0.0.0.0:9090:90 -- ARGS...');
    rmSync(join(dir, 'ukify.json'));
    expect(ukify([hello, '--net'], { cwd: dir }).stdout).toContain('run it: ukify run hello.musl-static.img --net -- ARGS...');
    expect(ukify([hello], { cwd: dir }).stdout).toContain('run it: ukify run hello.musl-static.img -- ARGS...');
  });

  it('-v: checks the specs and puts the volumes (flags and ukify.json, host paths made absolute) into the command it suggests', () => {
    const dir = mkdtempSync(join(work, 'default-v-'));
    expectError(ukify([hello, '-v', 'data'], { cwd: dir }), '-v data: write HOST_DIR:GUEST_DIR or HOST_DIR:GUEST_DIR:ro');
    writeFileSync(join(dir, 'ukify.json'), JSON.stringify({ volumes: ['conf:/etc/app:ro', 'old:/data'] }));
    const r = ukify([hello, '-v', 'data:/data', '-p', '8080:80'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // the flag's /data replaces the config's
    expect(r.stdout).toContain(`run it: ukify run hello.musl-static.img -p 8080:80 -v ${join(dir, 'conf')}:/etc/app:ro -v ${join(dir, 'data')}:/data -- ARGS...`);
  });
});

describe('ukify run -p on the real kernel', () => {
  it('--verbose shows each forward and the network arguments; the program runs as without them', async () => {
    const port = await freePort();
    const r = ukify(['run', hello, '--verbose', '-p', `${port}:80`, '-p', `${port}:53/udp`], { kernel: kernelElf });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('argc=1\n');
    const lines = r.stderr.split('\n');
    expect(lines).toContain(`ukify: forwarding 127.0.0.1:${port} -> guest :80/tcp`);
    expect(lines).toContain(`ukify: forwarding 127.0.0.1:${port} -> guest :53/udp`);
    expect(r.stderr).toContain(`-netdev user,id=net0,hostfwd=tcp:127.0.0.1:${port}-:80,hostfwd=udp:127.0.0.1:${port}-:53 -device virtio-net-device,netdev=net0`);
    expect(r.stderr).toContain("-append 'ip=10.0.2.15/24,10.0.2.2 ");
  });

  it('without -p or --net: no network device, and no forwarding lines', () => {
    const r = ukify(['run', hello, '--verbose'], { kernel: kernelElf });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/netdev|virtio-net|forwarding|ip=/);
  });
});
