// What the runner reads from the host: /proc/cpuinfo, /dev/kvm, the TSC frequency. I/O only.
import { accessSync, constants, readFileSync } from 'node:fs';
import { hostTscKhz } from './tsc.js';

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

export function readCpuinfo(): string {
  return readOr('/proc/cpuinfo', '');
}

export function kvmUsable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function readHostTscKhz(cpuinfo: string): number | undefined {
  return hostTscKhz(cpuinfo, readOr('/sys/devices/system/cpu/cpu0/tsc_freq_khz', ''));
}
