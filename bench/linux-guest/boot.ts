// Boots Debian's kernel with our initramfs in the same QEMU machine ukify images use (microvm,
// PVH via -kernel) and returns what the program printed and how long the whole VM run took.
import { spawn } from 'node:child_process';
import { chooseAccel, type Accel } from '../../runner/accel.js';
import { kvmUsable, readCpuinfo, readHostTscKhz } from '../../runner/host.js';
import { parseGuestConsole, type GuestReport } from './console.js';
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
  /** The VM is killed after this long. Default 120 s. */
  timeoutMs?: number;
  qemu?: string;
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
  ];
}

export function bootLinux(options: LinuxBootOptions): Promise<LinuxRun> {
  const cpuinfo = readCpuinfo();
  const accel = options.accel ?? chooseAccel('auto', cpuinfo, kvmUsable());
  const tscKhz = options.tscKhz ?? readHostTscKhz(cpuinfo);
  const qemu = options.qemu ?? 'qemu-system-x86_64';
  const args = linuxQemuArgs({ ...options, accel, tscKhz });
  const timeoutMs = options.timeoutMs ?? 120_000;

  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let consoleText = '';
    let qemuStderr = '';
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => (consoleText += chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (qemuStderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);

    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new LinuxGuestError(error.code === 'ENOENT' ? `${qemu} not found: apt-get install qemu-system-x86` : `cannot start ${qemu}: ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const report = parseGuestConsole(consoleText);
      if ('failure' in report) {
        const qemuSaid = qemuStderr.split('\n').find((l) => l.trim() !== '');
        const why = timedOut
          ? `killed after ${timeoutMs / 1000} s`
          : qemuSaid !== undefined
            ? `QEMU: ${qemuSaid.trim()}`
            : `QEMU exit status ${code ?? 'none'}`;
        reject(new LinuxGuestError(`Linux guest: ${report.failure}; ${why}`));
        return;
      }
      // Latin-1 kept every console byte as one char; the program's output is UTF-8 text.
      resolve({ ...report, output: Buffer.from(report.output, 'latin1').toString('utf8'), wallMs });
    });
  });
}
