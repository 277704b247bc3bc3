// The QEMU command line for an image, as a pure function of the options (channels: kernel/IMAGE.md).
import type { Accel } from './accel.js';

export interface QemuOptions {
  image: string;
  memoryMiB: number;
  accel: Accel;
  append: string;
  /** Child file descriptors (connected sockets) that carry COM2 (the app's stderr) and the debugcon. */
  stderrFd: number;
  debugconFd: number;
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
    '-append', o.append,
    // COM1: QEMU's own stdin and stdout, so a terminal reaches the app directly. signal=on keeps
    // Ctrl-C a signal to QEMU (which stops the VM) rather than a byte for the guest.
    '-chardev', 'stdio,id=com1,signal=on',
    '-device', 'isa-serial,chardev=com1,index=0',
    '-chardev', `socket,id=com2,fd=${o.stderrFd}`,
    '-device', 'isa-serial,chardev=com2,index=1',
    '-chardev', `socket,id=dbg,fd=${o.debugconFd}`,
    '-device', 'isa-debugcon,chardev=dbg,iobase=0xe9',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
  ];
}
