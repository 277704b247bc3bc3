// The Linux-guest baseline for the benchmarks: Debian's stock kernel booted in the same QEMU machine
// as ukify images, running one static program from an initramfs. The parts live in bench/linux-guest/.
export { bootLinux, defaultMemoryMiB, linuxQemuArgs, startLinux, type LinuxBootOptions, type LinuxGuest, type LinuxRun } from './linux-guest/boot.js';
export { buildInit, makeInitramfs, supportEntries, type GuestDir, type GuestFile, type GuestNetwork } from './linux-guest/initramfs.js';
export { LinuxGuestError } from './linux-guest/error.js';
export { defaultCacheDir, prepareLinuxGuest, type LinuxGuestKernel } from './linux-guest/prepare.js';
