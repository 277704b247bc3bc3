// Port forwards for `ukify run -p`, as `docker run -p` writes them: PORT, HOST:GUEST or
// ADDR:HOST:GUEST, each with an optional /tcp or /udp (tcp by default). The host side binds to
// 127.0.0.1 unless an address is given: a forward then reaches the guest from this machine only.
// Everything here is pure except `checkHostPorts`, which binds each host port for a moment.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

export type Protocol = 'tcp' | 'udp';

export const DEFAULT_BIND_ADDRESS = '127.0.0.1';
const ALL_INTERFACES = '0.0.0.0';

export interface PortForward {
  /** IPv4 address on the host that QEMU listens on. */
  address: string;
  hostPort: number;
  guestPort: number;
  protocol: Protocol;
  /** Where the user asked for it, for messages: "-p 8080:80", "ukify.json: ports[0] 8080:80". */
  source: string;
}

export class PortError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
}

const USAGE = 'write PORT, HOST:GUEST or ADDR:HOST:GUEST, with an optional /tcp or /udp';

function port(text: string, what: string, source: string): number {
  const value = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(value >= 1 && value <= 65535)) throw new PortError(`${source}: ${what} must be 1-65535`);
  return value;
}

/** True for a dotted-quad IPv4 address (four decimal numbers 0-255, no leading zeros). */
export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** Parses one spec; `source` starts each error message (e.g. "-p 80:99999"). */
export function parsePortSpec(spec: string, source = `-p ${spec}`): PortForward {
  if (spec.startsWith('[') || (spec.match(/:/g)?.length ?? 0) > 2) {
    throw new PortError(`${source}: only IPv4 host addresses are supported (QEMU user networking)`);
  }
  const slash = spec.indexOf('/');
  const body = slash < 0 ? spec : spec.slice(0, slash);
  const suffix = slash < 0 ? 'tcp' : spec.slice(slash + 1);
  if (suffix !== 'tcp' && suffix !== 'udp') throw new PortError(`${source}: the protocol must be tcp or udp, not '${suffix}'`);
  const parts = body.split(':');
  if (parts.length === 1) {
    const same = port(parts[0] ?? '', 'the port', source);
    return { address: DEFAULT_BIND_ADDRESS, hostPort: same, guestPort: same, protocol: suffix, source };
  }
  const [address, host, guest] = parts.length === 2 ? [DEFAULT_BIND_ADDRESS, parts[0] ?? '', parts[1] ?? ''] : [parts[0] ?? '', parts[1] ?? '', parts[2] ?? ''];
  if (!isIPv4(address)) throw new PortError(`${source}: '${address}' is not an IPv4 address (${USAGE})`);
  return { address, hostPort: port(host, 'host port', source), guestPort: port(guest, 'guest port', source), protocol: suffix, source };
}

/**
 * Two forwards that cannot both listen: the same protocol and host port on the same address, or
 * on 0.0.0.0 and any address (Linux refuses the second bind).
 */
export function clash(a: PortForward, b: PortForward): boolean {
  return (
    a.protocol === b.protocol &&
    a.hostPort === b.hostPort &&
    (a.address === b.address || a.address === ALL_INTERFACES || b.address === ALL_INTERFACES)
  );
}

/** Forwards of one layer (the flags, or the config file) that clash are an error: the user must pick one. */
export function checkUniquePorts(forwards: readonly PortForward[]): void {
  forwards.forEach((f, i) => {
    const other = forwards.slice(0, i).find((o) => clash(o, f));
    if (other !== undefined) {
      throw new PortError(`${f.source}: host port ${f.hostPort}/${f.protocol} on ${f.address} is already forwarded by ${other.source}`);
    }
  });
}

/** Parses the -p flags, in order, and checks they do not clash. */
export function parsePortFlags(specs: readonly string[]): PortForward[] {
  const forwards = specs.map((spec) => parsePortSpec(spec));
  checkUniquePorts(forwards);
  return forwards;
}

/** The config file's forwards, then the flags': a flag replaces a config forward on the same host port. */
export function mergePorts(config: readonly PortForward[], flags: readonly PortForward[]): PortForward[] {
  return [...config.filter((c) => !flags.some((f) => clash(c, f))), ...flags];
}

/** The spec as the user could write it again (for `ukify run ... -p SPEC` hints). */
export function formatPortSpec(f: PortForward): string {
  const address = f.address === DEFAULT_BIND_ADDRESS ? '' : `${f.address}:`;
  return `${address}${f.hostPort}:${f.guestPort}${f.protocol === 'udp' ? '/udp' : ''}`;
}

/** QEMU's `hostfwd=` value; the empty guest address is slirp's guest, 10.0.2.15. */
export function hostfwd(f: PortForward): string {
  return `hostfwd=${f.protocol}:${f.address}:${f.hostPort}-:${f.guestPort}`;
}

/** The line shown when the VM starts. */
export function forwardingLine(f: PortForward): string {
  return `ukify: forwarding ${f.address}:${f.hostPort} -> guest :${f.guestPort}/${f.protocol}`;
}

/** Why a host port cannot be bound, as the one line the user sees. */
export function bindFailure(f: PortForward, code: string | undefined): string {
  const where = `host port ${f.hostPort} on ${f.address}`;
  switch (code) {
    case 'EADDRINUSE':
      return `${f.source}: ${where} is in use`;
    case 'EACCES':
      return `${f.source}: ${where}: permission denied (ports below 1024 need root; pick a higher host port, e.g. -p 8080:${f.guestPort})`;
    case 'EADDRNOTAVAIL':
      return `${f.source}: ${f.address} is not an address of this machine`;
    default:
      return `${f.source}: cannot listen on ${where} (${code ?? 'unknown error'})`;
  }
}

/**
 * QEMU's own words when a forward could not be set up (it exits before the guest starts):
 * `Could not set up host forwarding rule 'tcp:127.0.0.1:8080-:80'`. Returns the forward it names.
 * A fallback for a port taken between our check and QEMU's bind.
 */
export function failedForward(qemuMessage: string, forwards: readonly PortForward[]): PortForward | undefined {
  const match = /Could not set up host forwarding rule '(tcp|udp):([^:']*):(\d+)-/.exec(qemuMessage);
  if (match === null) return undefined;
  return forwards.find((f) => f.protocol === match[1] && f.address === match[2] && f.hostPort === Number(match[3]));
}

/** The error code of binding the forward's host port now (undefined: it is free), released at once. */
function tryBind(f: PortForward): Promise<string | undefined> {
  return new Promise((resolve) => {
    const failed = (error: NodeJS.ErrnoException): void => resolve(error.code ?? 'unknown error');
    if (f.protocol === 'tcp') {
      const server = createServer();
      server.once('error', failed);
      server.listen({ host: f.address, port: f.hostPort, exclusive: true }, () => server.close(() => resolve(undefined)));
    } else {
      const socket = createSocket('udp4');
      socket.once('error', (error) => {
        socket.close();
        failed(error);
      });
      socket.bind({ address: f.address, port: f.hostPort, exclusive: true }, () => socket.close(() => resolve(undefined)));
    }
  });
}

/** Checks, before QEMU starts, that every host port can be bound; throws the first failure as one line. */
export async function checkHostPorts(forwards: readonly PortForward[]): Promise<void> {
  for (const f of forwards) {
    const code = await tryBind(f);
    if (code !== undefined) throw new PortError(bindFailure(f, code));
  }
}
