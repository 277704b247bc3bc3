// Port forwards (ukify run -p): the spec parser, the config/flag merge, the QEMU arguments, the
// host-port check, and QEMU's own refusal of a taken port (the runner's fallback), under real QEMU
// with the floor kernel. Traffic through a forward is not tested: the kernel has no TCP/IP yet.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFloor } from '../bench/floor/build.js';
import { qemuArgs } from '../runner/qemu-args.js';
import { DEBUGCON_FD, runQemu, STDERR_FD } from '../runner/qemu-process.js';
import {
  checkHostPorts, failedForward, formatPortSpec, forwardingLine, mergePorts, parsePortFlags, parsePortSpec, PortError, type PortForward,
} from '../runner/ports.js';

/** The fields that matter, without `source`. */
function fields(f: PortForward): Omit<PortForward, 'source'> {
  return { address: f.address, hostPort: f.hostPort, guestPort: f.guestPort, protocol: f.protocol };
}

function parseError(spec: string): string {
  try {
    parsePortSpec(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(PortError);
    return (error as Error).message;
  }
  throw new Error(`${spec} was accepted`);
}

describe('port specs', () => {
  it('PORT, HOST:GUEST and ADDR:HOST:GUEST, tcp by default, 127.0.0.1 by default', () => {
    expect(fields(parsePortSpec('80'))).toEqual({ address: '127.0.0.1', hostPort: 80, guestPort: 80, protocol: 'tcp' });
    expect(fields(parsePortSpec('8080:80'))).toEqual({ address: '127.0.0.1', hostPort: 8080, guestPort: 80, protocol: 'tcp' });
    expect(fields(parsePortSpec('8080:80/tcp'))).toEqual({ address: '127.0.0.1', hostPort: 8080, guestPort: 80, protocol: 'tcp' });
    expect(fields(parsePortSpec('5353:53/udp'))).toEqual({ address: '127.0.0.1', hostPort: 5353, guestPort: 53, protocol: 'udp' });
    expect(fields(parsePortSpec('0.0.0.0:8443:443'))).toEqual({ address: '0.0.0.0', hostPort: 8443, guestPort: 443, protocol: 'tcp' });
    expect(fields(parsePortSpec('192.168.1.20:1:65535/udp'))).toEqual({ address: '192.168.1.20', hostPort: 1, guestPort: 65535, protocol: 'udp' });
    expect(parsePortSpec('8080:80').source).toBe('-p 8080:80');
  });

  it('bad specs are one line naming the spec', () => {
    expect(parseError('80:99999')).toBe('-p 80:99999: guest port must be 1-65535');
    expect(parseError('0:80')).toBe('-p 0:80: host port must be 1-65535');
    expect(parseError('80:0')).toBe('-p 80:0: guest port must be 1-65535');
    expect(parseError('65536')).toBe('-p 65536: the port must be 1-65535');
    expect(parseError('')).toBe('-p : the port must be 1-65535');
    expect(parseError('http')).toBe('-p http: the port must be 1-65535');
    expect(parseError(':80')).toBe('-p :80: host port must be 1-65535');
    expect(parseError('-1:80')).toBe('-p -1:80: host port must be 1-65535');
    expect(parseError('+80:80')).toBe('-p +80:80: host port must be 1-65535');
    expect(parseError('8080:8e1')).toBe('-p 8080:8e1: guest port must be 1-65535');
    expect(parseError('80/sctp')).toBe("-p 80/sctp: the protocol must be tcp or udp, not 'sctp'");
    expect(parseError('80:80/')).toBe("-p 80:80/: the protocol must be tcp or udp, not ''");
    expect(parseError('256.0.0.1:80:80')).toMatch(/^-p 256\.0\.0\.1:80:80: '256\.0\.0\.1' is not an IPv4 address/);
    expect(parseError('1.2.3:80:80')).toMatch(/'1\.2\.3' is not an IPv4 address/);
    expect(parseError('localhost:80:80')).toMatch(/'localhost' is not an IPv4 address/);
    expect(parseError('[::1]:80:80')).toMatch(/only IPv4/);
    expect(parseError('1:2:3:4')).toMatch(/only IPv4/);
    for (const spec of ['80:99999', '0:80', '80/sctp', '1.2.3:80:80']) expect(parseError(spec)).not.toContain('\n');
  });

  it('one host port, protocol and address twice is an error; 0.0.0.0 overlaps every address', () => {
    expect(() => parsePortFlags(['8080:80', '8080:81'])).toThrow('-p 8080:81: host port 8080/tcp on 127.0.0.1 is already forwarded by -p 8080:80');
    expect(() => parsePortFlags(['8080', '8080'])).toThrow(PortError);
    expect(() => parsePortFlags(['0.0.0.0:8080:80', '8080:81'])).toThrow(/already forwarded by -p 0\.0\.0\.0:8080:80/);
    // Another protocol, another address or another host port is a different forward.
    expect(parsePortFlags(['8080:80', '8080:80/udp', '127.0.0.2:8080:80', '8081:80']).map(formatPortSpec)).toEqual([
      '8080:80', '8080:80/udp', '127.0.0.2:8080:80', '8081:80',
    ]);
  });

  it('flags replace config forwards of the same host port and add the others', () => {
    const config = ['8080:80', '9090:90', '5353:53/udp'].map((s) => parsePortSpec(s, `ukify.json: ${s}`));
    const flags = parsePortFlags(['8080:81', '7070:70']);
    expect(mergePorts(config, flags).map(formatPortSpec)).toEqual(['9090:90', '5353:53/udp', '8080:81', '7070:70']);
    expect(mergePorts(config, []).map(formatPortSpec)).toEqual(['8080:80', '9090:90', '5353:53/udp']);
    expect(mergePorts([], flags).map(formatPortSpec)).toEqual(['8080:81', '7070:70']);
  });

  it('the line shown when the VM starts', () => {
    expect(forwardingLine(parsePortSpec('8080:80'))).toBe('ukify: forwarding 127.0.0.1:8080 -> guest :80/tcp');
    expect(forwardingLine(parsePortSpec('0.0.0.0:5353:53/udp'))).toBe('ukify: forwarding 0.0.0.0:5353 -> guest :53/udp');
  });
});

describe('QEMU arguments', () => {
  const base = { image: 'app.img', memoryMiB: 64, accel: 'tcg' as const, append: 'console=framed', stderrFd: 3, debugconFd: 4 };
  const after = (args: string[], flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));

  it('no forwards and no --net: no network device, the command line as given', () => {
    const args = qemuArgs(base);
    expect(args.join(' ')).not.toMatch(/netdev|virtio-net|hostfwd/);
    expect(after(args, '-append')).toEqual(['console=framed']);
  });

  it('--net alone: a user network without forwards, and the guest address on the kernel command line', () => {
    const args = qemuArgs({ ...base, network: { forwards: [] } });
    expect(after(args, '-netdev')).toEqual(['user,id=net0']);
    expect(after(args, '-device')).toContain('virtio-net-device,netdev=net0');
    expect(after(args, '-append')).toEqual(['ip=10.0.2.15/24,10.0.2.2 console=framed']);
    // acpi=off is what makes QEMU announce the virtio-mmio device on the kernel command line.
    expect(after(args, '-M')[0]).toMatch(/^microvm,(.*,)?acpi=off(,|$)/);
  });

  it('one forward', () => {
    const args = qemuArgs({ ...base, network: { forwards: parsePortFlags(['8080:80']) } });
    expect(after(args, '-netdev')).toEqual(['user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80']);
    expect(after(args, '-device').filter((d) => d.startsWith('virtio-net'))).toEqual(['virtio-net-device,netdev=net0']);
    expect(after(args, '-append')).toEqual(['ip=10.0.2.15/24,10.0.2.2 console=framed']);
  });

  it('two forwards, one of them UDP on all interfaces; the address goes before any -- arguments', () => {
    const args = qemuArgs({ ...base, append: 'verbose -- a b', network: { forwards: parsePortFlags(['8080:80', '0.0.0.0:5353:53/udp']) } });
    expect(after(args, '-netdev')).toEqual(['user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:0.0.0.0:5353-:53']);
    expect(after(args, '-append')).toEqual(['ip=10.0.2.15/24,10.0.2.2 verbose -- a b']);
  });
});

/** A listener on a free loopback port, held until the test ends. */
const held: (Server | Socket)[] = [];
afterEach(async () => {
  await Promise.all(held.splice(0).map((h) => new Promise<void>((resolve) => h.close(() => resolve()))));
});

function holdTcp(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    held.push(server);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function holdUdp(): Promise<number> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    held.push(socket);
    socket.bind(0, '127.0.0.1', () => resolve(socket.address().port));
  });
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const port = await holdTcp();
  await new Promise<void>((resolve) => (held.pop() as Server).close(() => resolve()));
  return port;
}

describe('host ports in use', () => {
  it('a TCP port someone listens on is reported in one line', async () => {
    const port = await holdTcp();
    await expect(checkHostPorts(parsePortFlags([`${port}:80`]))).rejects.toThrow(`-p ${port}:80: host port ${port} on 127.0.0.1 is in use`);
    // 0.0.0.0 includes 127.0.0.1, where the port is taken.
    await expect(checkHostPorts(parsePortFlags([`0.0.0.0:${port}:80`]))).rejects.toThrow(`host port ${port} on 0.0.0.0 is in use`);
    // The same number over UDP is another port.
    await expect(checkHostPorts(parsePortFlags([`${port}:80/udp`]))).resolves.toBeUndefined();
  });

  it('a UDP port someone has bound is reported in one line', async () => {
    const port = await holdUdp();
    await expect(checkHostPorts(parsePortFlags([`${port}:53/udp`]))).rejects.toThrow(`-p ${port}:53/udp: host port ${port} on 127.0.0.1 is in use`);
  });

  it('a free port passes, and the check gives it back at once', async () => {
    const port = await freePort();
    await expect(checkHostPorts(parsePortFlags([`${port}:80`, `${port}:80/udp`]))).resolves.toBeUndefined();
    // Bindable again right after the check (it did not keep the port).
    const again = createServer();
    held.push(again);
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(port, '127.0.0.1', () => resolve());
    });
  });

  it('an address that is not this machine\'s', async () => {
    // 192.0.2.0/24 is TEST-NET-1, never assigned to a host: bind fails with EADDRNOTAVAIL (nothing is sent).
    await expect(checkHostPorts(parsePortFlags(['192.0.2.1:8080:80']))).rejects.toThrow('-p 192.0.2.1:8080:80: 192.0.2.1 is not an address of this machine');
  });
});

/** Boots the floor kernel under QEMU with a network; returns the status and what reached stderr. */
async function bootWithNetwork(variant: 'floor' | 'channels', forwards: PortForward[]): Promise<{ status: number; stderr: string }> {
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  stderr.on('data', (c: Buffer) => chunks.push(c));
  const args = qemuArgs({ image: buildFloor(variant), memoryMiB: 8, accel: 'tcg', append: 'quiet', stderrFd: STDERR_FD, debugconFd: DEBUGCON_FD, network: { forwards } });
  const status = await runQemu({ qemu: 'qemu-system-x86_64', args, onLog: () => undefined, stdout: new PassThrough(), stderr });
  return { status, stderr: Buffer.concat(chunks).toString('utf8') };
}

describe('under QEMU (floor kernel)', () => {
  it('microvm takes the network arguments: the channel test still ends with its status', async () => {
    const port = await freePort();
    const r = await bootWithNetwork('channels', parsePortFlags([`${port}:80`, `${port}:53/udp`]));
    expect(r.status).toBe(42);
  });

  it('QEMU refuses a taken port with a message the runner recognizes (the fallback)', async () => {
    const port = await holdTcp();
    const forwards = parsePortFlags([`${port}:80`]);
    const r = await bootWithNetwork('floor', forwards);
    expect(r.status).toBe(125);
    expect(r.stderr).toContain(`Could not set up host forwarding rule 'tcp:127.0.0.1:${port}-:80'`);
    expect(failedForward(r.stderr, forwards)).toBe(forwards[0]);
    expect(failedForward(r.stderr, parsePortFlags([`${port + 1}:80`]))).toBeUndefined();
  });
});
