// Boots Debian's kernel with our initramfs in the same QEMU machine ukify images use (microvm,
// PVH via -kernel) and returns what the program printed and how long the whole VM run took;
// or, for a server, starts it and hands back a way to stop it (startLinux).
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { qemuPreloadLibrary } from '../../packager/paths.js';
import { chooseAccel, type Accel } from '../../runner/accel.js';
import { kvmUsable, readCpuinfo, readHostTscKhz } from '../../runner/host.js';
import type { PortForward } from '../../runner/ports.js';
import { networkArgs } from '../../runner/qemu-args.js';
import { parseGuestConsole, programStarted, type GuestReport } from './console.js';
import { LinuxGuestError } from './error.js';

export interface LinuxBootOptions {
  vmlinux: string;
  initrd: string;
  /** Guest RAM in MiB; Debian's 6.1 kernel needs 83 at the least with a small initrd. Default 128. */
  memoryMiB?: number;
  /** Extra kernel command-line words. */
  append?: string;
  /** Default: what `ukify run` picks (KVM only with real VT-x/AMD-V, else TCG). */
  accel?: Accel;
  /** Default: the host's, read by the runner; passed as tsc_early_khz=. */
  tscKhz?: number;
  /** The VM is killed after this long (startLinux: when the program has not started by then). Default 120 s. */
  timeoutMs?: number;
  qemu?: string;
  /**
   * QEMU user networking with these forwards and a virtio-net device, exactly as `ukify run -p`
   * adds them; the initramfs must then hold the network modules (makeInitramfs with a network).
   */
  network?: { forwards: readonly PortForward[] };
}

export interface LinuxRun extends GuestReport {
  /** From starting QEMU to its exit, including QEMU's own start-up and the guest's power-off. */
  wallMs: number;
}

export const defaultMemoryMiB = 128;

export function linuxQemuArgs(o: LinuxBootOptions & { accel: Accel }): string[] {
  const cmdline = [
    'console=ttyS0',
    // Only emergencies (a panic) on the console: the program's output is what we read there.
    'quiet', 'loglevel=1',
    // A panic reboots at once, and -no-reboot turns that into QEMU's exit instead of a hang.
    'panic=-1',
    // Under TCG, calibrating the TSC against the PIT is unreliable (about 1 boot in 3 hangs).
    ...(o.tscKhz !== undefined ? [`tsc_early_khz=${o.tscKhz}`] : []),
    ...(o.append !== undefined && o.append !== '' ? [o.append] : []),
  ].join(' ');
  return [
    // ACPI stays on (microvm's default): with acpi=off, Linux cannot power the VM off and halts.
    '-M', 'microvm',
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-accel', o.accel,
    '-cpu', o.accel === 'kvm' ? 'host' : 'max',
    '-m', `${o.memoryMiB ?? defaultMemoryMiB}M`,
    '-kernel', o.vmlinux,
    '-initrd', o.initrd,
    '-append', cmdline,
    '-serial', 'stdio',
    // With ACPI on, microvm lists the virtio-mmio transport in its DSDT, where virtio_mmio finds it.
    ...(o.network === undefined ? [] : networkArgs(o.network.forwards)),
  ];
}

function qemuCommand(options: LinuxBootOptions): { qemu: string; args: string[] } {
  const cpuinfo = readCpuinfo();
  const accel = options.accel ?? chooseAccel('auto', cpuinfo, kvmUsable());
  const tscKhz = options.tscKhz ?? readHostTscKhz(cpuinfo);
  return { qemu: options.qemu ?? 'qemu-system-x86_64', args: linuxQemuArgs({ ...options, accel, tscKhz }) };
}

function spawnError(qemu: string, error: NodeJS.ErrnoException): LinuxGuestError {
  return new LinuxGuestError(error.code === 'ENOENT' ? `${qemu} not found: apt-get install qemu-system-x86` : `cannot start ${qemu}: ${error.message}`);
}

/** QEMU running the guest, with its serial console and stderr collected as they come. */
interface SpawnedGuest {
  qemu: string;
  child: ChildProcessByStdio<null, Readable, Readable>;
  started: bigint;
  timeoutMs: number;
  console(): string;
  /** QEMU's first line on stderr, if it said anything. */
  qemuSaid(): string | undefined;
}

function spawnGuest(options: LinuxBootOptions): SpawnedGuest {
  const { qemu, args } = qemuCommand(options);
  const started = process.hrtime.bigint();
  // With forwards, QEMU gets the library `ukify run` preloads (runner/qemu-preload-*.c: its listening
  // sockets' backlog raised from 1, its freed heap pages returned), so both guests meet the same host side.
  const preload = options.network !== undefined && existsSync(qemuPreloadLibrary) ? { LD_PRELOAD: qemuPreloadLibrary } : {};
  const child = spawn(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...preload } });
  let consoleText = '';
  let qemuStderr = '';
  child.stdout.setEncoding('latin1');
  child.stdout.on('data', (chunk: string) => (consoleText += chunk));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (qemuStderr += chunk));
  return {
    qemu,
    child,
    started,
    timeoutMs: options.timeoutMs ?? 120_000,
    console: () => consoleText,
    qemuSaid: () => qemuStderr.split('\n').find((l) => l.trim() !== '')?.trim(),
  };
}

/** A guest whose program (a server) has started and keeps running. */
export interface LinuxGuest {
  /** From starting QEMU until init started the program (its start line on the console). */
  startedMs: number;
  running(): boolean;
  /** Everything on the serial console so far (kernel messages, init's lines, the program's output). */
  console(): string;
  /** Kills the VM; resolves once QEMU has exited. */
  stop(): Promise<void>;
}

/**
 * Boots the guest and resolves once init has started the program, for servers that do not exit
 * by themselves; rejects with one line when the guest fails or the program has not started
 * within `timeoutMs`.
 */
export function startLinux(options: LinuxBootOptions): Promise<LinuxGuest> {
  const { qemu, child, started, timeoutMs, console: consoleText, qemuSaid } = spawnGuest(options);
  return new Promise((resolve, reject) => {
    let settled = false;
    const exited = new Promise<void>((done) => child.on('close', () => done()));
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new LinuxGuestError(`Linux guest: ${why}`));
    };
    const timer = setTimeout(() => fail(`the program did not start within ${timeoutMs / 1000} s`), timeoutMs);
    child.stdout.on('data', () => {
      if (settled) return;
      const report = parseGuestConsole(consoleText());
      if ('failure' in report && report.failure.startsWith('guest init:')) return fail(report.failure);
      if (programStarted(consoleText()) === undefined) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        startedMs: Number(process.hrtime.bigint() - started) / 1e6,
        running: () => child.exitCode === null && child.signalCode === null,
        console: consoleText,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    });
    child.on('error', (error: NodeJS.ErrnoException) => fail(spawnError(qemu, error).message));
    child.on('close', (code) => {
      const report = parseGuestConsole(consoleText());
      const said = qemuSaid();
      const reason = 'failure' in report ? report.failure : 'the program ended at once';
      fail(`${reason}; ${said !== undefined ? `QEMU: ${said}` : `QEMU exit status ${code ?? 'none'}`}`);
    });
  });
}

export function bootLinux(options: LinuxBootOptions): Promise<LinuxRun> {
  const { qemu, child, started, timeoutMs, console: consoleText, qemuSaid } = spawnGuest(options);
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);

    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(spawnError(qemu, error));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const report = parseGuestConsole(consoleText());
      if ('failure' in report) {
        const said = qemuSaid();
        const why = timedOut ? `killed after ${timeoutMs / 1000} s` : said !== undefined ? `QEMU: ${said}` : `QEMU exit status ${code ?? 'none'}`;
        reject(new LinuxGuestError(`Linux guest: ${report.failure}; ${why}`));
        return;
      }
      // Latin-1 kept every console byte as one char; the program's output is UTF-8 text.
      resolve({ ...report, output: Buffer.from(report.output, 'latin1').toString('utf8'), wallMs });
    });
  });
}
