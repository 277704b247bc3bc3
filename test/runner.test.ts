// The runner's pure parts: accelerator choice, host TSC frequency, -m sizes, the kernel command line,
// the QEMU argv and the debugcon exit record.
import { describe, expect, it } from 'vitest';
import { chooseAccel, hasHardwareVirtualization } from '../runner/accel.js';
import { hostTscKhz } from '../runner/tsc.js';
import { minimumMemoryMiB, parseMemoryMiB } from '../runner/memory.js';
import { kernelCommandLine, quoteWord } from '../runner/cmdline.js';
import { qemuArgs } from '../runner/qemu-args.js';
import { exitOutcome, LineSplitter, parseExitRecord } from '../runner/exit-record.js';
import { firstQemuError } from '../runner/qemu-process.js';

const cpuinfo = (flags: string, extra = ''): string =>
  `processor\t: 0\nvendor_id\t: GenuineIntel\n${extra}flags\t\t: fpu vme de ${flags} lm\n\nprocessor\t: 1\nflags\t\t: vmx svm\n`;

describe('accelerator', () => {
  it('auto picks KVM only with vmx or svm and a usable /dev/kvm', () => {
    expect(chooseAccel('auto', cpuinfo('vmx'), true)).toBe('kvm');
    expect(chooseAccel('auto', cpuinfo('svm'), true)).toBe('kvm');
    expect(chooseAccel('auto', cpuinfo('vmx'), false)).toBe('tcg');
    // A /dev/kvm without hardware virtualization (kvm_pvm): TCG.
    expect(chooseAccel('auto', cpuinfo('hypervisor constant_tsc'), true)).toBe('tcg');
    // Only the flags line counts, and only whole words ("svmx" is not "svm").
    expect(hasHardwareVirtualization(cpuinfo('svmx vmxe', 'model name\t: vmx svm\n'))).toBe(false);
  });

  it('an explicit --accel wins', () => {
    expect(chooseAccel('kvm', cpuinfo(''), false)).toBe('kvm');
    expect(chooseAccel('tcg', cpuinfo('vmx'), true)).toBe('tcg');
  });
});

describe('host TSC frequency', () => {
  it('prefers the kernel-exported tsc_freq_khz', () => {
    expect(hostTscKhz(cpuinfo('constant_tsc', 'cpu MHz\t\t: 2596.122\n'), '2595998\n')).toBe(2595998);
  });

  it('uses the nominal frequency of an Intel brand string', () => {
    const text = cpuinfo('constant_tsc aperfmperf', 'model name\t: Intel(R) Core(TM) i7-1165G7 @ 2.80GHz\ncpu MHz\t\t: 1198.530\n');
    expect(hostTscKhz(text, '')).toBe(2_800_000);
  });

  it('uses cpu MHz only when it is the calibrated frequency (constant TSC, no aperfmperf)', () => {
    expect(hostTscKhz(cpuinfo('constant_tsc', 'model name\t: AMD EPYC\ncpu MHz\t\t: 2596.122\n'))).toBe(2_596_122);
    expect(hostTscKhz(cpuinfo('constant_tsc aperfmperf', 'model name\t: AMD EPYC\ncpu MHz\t\t: 1500.000\n'))).toBeUndefined();
    expect(hostTscKhz(cpuinfo('', 'cpu MHz\t\t: 2596.122\n'))).toBeUndefined();
    expect(hostTscKhz('')).toBeUndefined();
  });
});

describe('memory size', () => {
  it('reads QEMU-style sizes into MiB', () => {
    expect(parseMemoryMiB('64')).toBe(64);
    expect(parseMemoryMiB('8M')).toBe(8);
    expect(parseMemoryMiB('1G')).toBe(1024);
    expect(parseMemoryMiB('2g')).toBe(2048);
    expect(parseMemoryMiB('4096k')).toBe(4);
    expect(parseMemoryMiB('1000k')).toBe(1);
  });

  it('refuses malformed sizes in one clear error', () => {
    for (const bad of ['', 'abc', '-1', '0', '1.5G', '12Q', '64 M', '99999999999999T']) {
      expect(() => parseMemoryMiB(bad), bad).toThrow(/bad memory size/);
    }
  });

  it('needs room for every loaded byte', () => {
    expect(minimumMemoryMiB(0x400000n + 0x1234n)).toBe(5);
    expect(minimumMemoryMiB(0x400000n)).toBe(4);
  });
});

describe('kernel command line', () => {
  it('quotes only the words that need it', () => {
    expect(quoteWord('plain')).toBe('plain');
    expect(quoteWord('')).toBe('""');
    expect(quoteWord('a b')).toBe('"a b"');
    expect(quoteWord('say "hi"')).toBe('"say \\"hi\\""');
    expect(quoteWord('back\\slash')).toBe('"back\\\\slash"');
  });

  it('puts options first, then -- and the arguments', () => {
    expect(kernelCommandLine({ tscKhz: 2596122, env: ['A=1', 'B=x y'], verbose: false, args: ['a b', 'c'] })).toBe(
      'tsc_khz=2596122 env=A=1 "env=B=x y" -- "a b" c',
    );
    expect(kernelCommandLine({ env: [], verbose: true })).toBe('verbose');
    expect(kernelCommandLine({ env: [], verbose: false, args: [] })).toBe('--');
    expect(kernelCommandLine({ env: [], verbose: false })).toBe('');
  });
});

describe('QEMU command line', () => {
  const args = qemuArgs({ image: '/tmp/x.img', memoryMiB: 8, accel: 'tcg', append: 'quiet -- a', stderrFd: 3, debugconFd: 4 });
  const value = (flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));

  it('boots a bare microvm with no defaults, no display and no reboot', () => {
    expect(value('-M')[0]).toMatch(/^microvm(,|$)/);
    for (const flag of ['-nodefaults', '-no-user-config', '-no-reboot']) expect(args).toContain(flag);
    expect(value('-display')).toEqual(['none']);
    expect(value('-m')).toEqual(['8M']);
    expect(value('-kernel')).toEqual(['/tmp/x.img']);
    expect(value('-append')).toEqual(['quiet -- a']);
    expect(value('-accel')).toEqual(['tcg']);
  });

  it('wires the channels of kernel/IMAGE.md', () => {
    const devices = value('-device');
    const chardevs = value('-chardev');
    expect(devices).toContain('isa-serial,chardev=com1,index=0');
    expect(devices).toContain('isa-serial,chardev=com2,index=1');
    expect(devices).toContain('isa-debugcon,chardev=dbg,iobase=0xe9');
    expect(devices).toContain('isa-debug-exit,iobase=0xf4,iosize=4');
    expect(chardevs).toContain('stdio,id=com1,signal=on');
    expect(chardevs).toContain('socket,id=com2,fd=3');
    expect(chardevs).toContain('socket,id=dbg,fd=4');
  });

  it('uses the host CPU under KVM', () => {
    const kvm = qemuArgs({ image: 'i', memoryMiB: 8, accel: 'kvm', append: '', stderrFd: 3, debugconFd: 4 });
    expect(kvm[kvm.indexOf('-cpu') + 1]).toBe('host');
    expect(kvm[kvm.indexOf('-accel') + 1]).toBe('kvm');
  });
});

describe('exit record', () => {
  it('reads the status or the panic from the final line', () => {
    expect(parseExitRecord('ukify-exit: 0')).toEqual({ kind: 'status', status: 0 });
    expect(parseExitRecord('ukify-exit: 139')).toEqual({ kind: 'status', status: 139 });
    expect(parseExitRecord('ukify-exit: 255\r')).toEqual({ kind: 'status', status: 255 });
    expect(parseExitRecord('ukify-exit: panic')).toEqual({ kind: 'panic' });
    for (const other of ['ukify-exit: 256', 'ukify-exit: -1', 'ukify-exit:', 'ukify: exit 3', ' ukify-exit: 1', 'ukify-exit: 1 2']) {
      expect(parseExitRecord(other), other).toBeUndefined();
    }
  });

  it('maps a panic and a missing record to 125 with one line', () => {
    expect(exitOutcome({ kind: 'status', status: 42 })).toEqual({ status: 42 });
    expect(exitOutcome({ kind: 'panic' })).toMatchObject({ status: 125, message: expect.stringMatching(/panic/) });
    expect(exitOutcome(undefined)).toMatchObject({ status: 125, message: 'the VM stopped without an exit record' });
  });

  it('splits the channel into lines across chunk boundaries', () => {
    const s = new LineSplitter();
    expect(s.push('ukify: bo')).toEqual([]);
    expect(s.push('ot\nukify-exit')).toEqual(['ukify: boot']);
    expect(s.push(': 3\n')).toEqual(['ukify-exit: 3']);
    expect(s.push('tail')).toEqual([]);
    expect(s.end()).toEqual(['tail']);
  });

  it('keeps the first line of a QEMU error without the program name', () => {
    expect(firstQemuError("qemu-system-x86_64: -accel kvm: failed to initialize kvm: Permission denied\nmore\n")).toBe(
      '-accel kvm: failed to initialize kvm: Permission denied',
    );
    expect(firstQemuError('\n')).toBeUndefined();
  });
});
