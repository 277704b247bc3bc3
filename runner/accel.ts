// Which QEMU accelerator to use. Hardware KVM only when the CPU itself has VT-x or AMD-V: a /dev/kvm
// backed by a software hypervisor (kvm_pvm) emulates guest ring 0 an instruction at a time and is
// far slower than TCG for a kernel like ours (see DESIGN.md).

export type AccelRequest = 'auto' | 'kvm' | 'tcg';
export type Accel = 'kvm' | 'tcg';

export const accelRequests: readonly AccelRequest[] = ['auto', 'kvm', 'tcg'];

/** The CPU flags of the first processor in a /proc/cpuinfo text. */
export function cpuFlags(cpuinfo: string): Set<string> {
  const line = /^flags\s*:(.*)$/m.exec(cpuinfo);
  return new Set((line?.[1] ?? '').trim().split(/\s+/).filter((f) => f !== ''));
}

export function hasHardwareVirtualization(cpuinfo: string): boolean {
  const flags = cpuFlags(cpuinfo);
  return flags.has('vmx') || flags.has('svm');
}

/** auto: KVM when the CPU has vmx/svm and /dev/kvm can be opened read-write, else TCG. */
export function chooseAccel(request: AccelRequest, cpuinfo: string, kvmUsable: boolean): Accel {
  if (request !== 'auto') return request;
  return kvmUsable && hasHardwareVirtualization(cpuinfo) ? 'kvm' : 'tcg';
}
