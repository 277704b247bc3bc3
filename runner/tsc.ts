// The host's TSC frequency, passed to the kernel as tsc_khz= so that it needs no calibration.
// Under KVM and under TCG alike the guest's TSC ticks at the host's rate (TCG reads the host TSC).
// Node cannot execute CPUID or RDTSC, so we read what Linux publishes, most exact source first:
//   1. /sys/devices/system/cpu/cpu0/tsc_freq_khz (exported by some kernels): the kernel's tsc_khz.
//   2. An Intel brand string "... @ 2.80GHz": the nominal frequency, which is the TSC's on Intel
//      CPUs with an invariant TSC.
//   3. "cpu MHz", but only when the CPU has a constant TSC and no `aperfmperf` flag: then Linux
//      prints its calibrated cpu_khz there (equal to tsc_khz on such CPUs), not the current clock.
// Otherwise nothing is passed and the kernel calibrates (CPUID 0x15/0x16, then the PIT).

import { cpuFlags } from './accel.js';

export function hostTscKhz(cpuinfo: string, sysfsTscKhz?: string): number | undefined {
  const sysfs = Number.parseInt(sysfsTscKhz?.trim() ?? '', 10);
  if (Number.isSafeInteger(sysfs) && sysfs > 0) return sysfs;

  const brand = /^model name\s*:.*@\s*(\d+(?:\.\d+)?)\s*GHz\s*$/m.exec(cpuinfo);
  if (brand?.[1] !== undefined) return Math.round(Number(brand[1]) * 1e6);

  const flags = cpuFlags(cpuinfo);
  const mhz = /^cpu MHz\s*:\s*(\d+(?:\.\d+)?)\s*$/m.exec(cpuinfo);
  if (mhz?.[1] !== undefined && flags.has('constant_tsc') && !flags.has('aperfmperf')) {
    return Math.round(Number(mhz[1]) * 1000);
  }
  return undefined;
}
