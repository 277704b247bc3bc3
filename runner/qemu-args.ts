// The QEMU command line for an image, as a pure function of the options (channels: kernel/IMAGE.md).
import type { Accel } from './accel.js';
import { gdbQemuArgs } from './gdb/qemu.js';
import { hostfwd, type PortForward } from './ports.js';
import { volumeArgs, type Volume } from './volumes.js';

/**
 * The guest's address on QEMU's user network (slirp's defaults: guest 10.0.2.15, gateway 10.0.2.2),
 * passed to the kernel as `ip=ADDR/PREFIX,GATEWAY` (kernel/IMAGE.md).
 */
export const GUEST_IP_OPTION = 'ip=10.0.2.15/24,10.0.2.2';

export interface QemuOptions {
  image: string;
  memoryMiB: number;
  accel: Accel;
  append: string;
  /** Child file descriptors (connected sockets) that carry COM2 (the app's stderr) and the debugcon. */
  stderrFd: number;
  debugconFd: number;
  /** The child fd (a connected socket) that carries the `--strace` records of port 0xea, if any. */
  traceFd?: number;
  /** A user-mode network with these forwards (possibly none); without it the VM has no network device. */
  network?: { forwards: readonly PortForward[] };
  /** Host directories shared with the guest (virtio-9p devices). */
  volumes?: readonly Volume[];
  /** QEMU's gdbstub on this port of 127.0.0.1, the VM paused until gdb continues (`--gdb`). */
  gdbPort?: number;
}

/** The kernel command line QEMU gets: with a network, the guest address goes first (before any `--`). */
export function guestAppend(append: string, network: boolean): string {
  if (!network) return append;
  return append === '' ? GUEST_IP_OPTION : `${GUEST_IP_OPTION} ${append}`;
}

/**
 * `-netdev user` (slirp) with one hostfwd per forward, and a virtio-net device. On microvm a
 * `-device virtio-net-device` sits on a virtio-mmio transport, which QEMU (with acpi=off) announces
 * by appending `virtio_mmio.device=512@ADDR:IRQ` to the kernel command line.
 */
export function networkArgs(forwards: readonly PortForward[]): string[] {
  return ['-netdev', ['user', 'id=net0', ...forwards.map(hostfwd)].join(','), '-device', 'virtio-net-device,netdev=net0'];
}

export function qemuArgs(o: QemuOptions): string[] {
  return [
    // microvm's own single serial port is off: both COM ports are declared below. acpi=off makes
    // QEMU put virtio-mmio devices on the command line; no option ROMs are needed to boot PVH.
    '-M', 'microvm,isa-serial=off,acpi=off,x-option-roms=off',
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-accel', o.accel,
    '-cpu', o.accel === 'kvm' ? 'host' : 'max',
    '-m', `${o.memoryMiB}M`,
    '-kernel', o.image,
    '-append', guestAppend(o.append, o.network !== undefined),
    // COM1: QEMU's own stdin and stdout, so a terminal reaches the app directly. signal=on: QEMU
    // leaves the terminal's ISIG as the runner set it (off in its raw mode: Ctrl-C is the guest's).
    '-chardev', 'stdio,id=com1,signal=on',
    '-device', 'isa-serial,chardev=com1,index=0',
    '-chardev', `socket,id=com2,fd=${o.stderrFd}`,
    '-device', 'isa-serial,chardev=com2,index=1',
    '-chardev', `socket,id=dbg,fd=${o.debugconFd}`,
    '-device', 'isa-debugcon,chardev=dbg,iobase=0xe9',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
    ...(o.traceFd === undefined ? [] : ['-chardev', `socket,id=trace,fd=${o.traceFd}`, '-device', 'isa-debugcon,chardev=trace,iobase=0xea']),
    ...(o.network === undefined ? [] : networkArgs(o.network.forwards)),
    ...volumeArgs(o.volumes ?? []),
    ...(o.gdbPort === undefined ? [] : gdbQemuArgs(o.gdbPort)),
  ];
}
