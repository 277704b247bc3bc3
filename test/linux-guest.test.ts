// The benchmarks' Linux-guest baseline, without booting Linux (too slow for the suite): the bzImage
// reader on hand-made headers, the console reader on hand-written transcripts, the initramfs checked
// with the cpio tool, and the real Debian kernel checked with readelf (skipped without the package).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bzImagePayload } from '../bench/linux-guest/bzimage.js';
import { parseGuestConsole } from '../bench/linux-guest/console.js';
import { argsFile } from '../bench/linux-guest/initramfs.js';
import { imagePackage, vmlinuxFromBzImage } from '../bench/linux-guest/prepare.js';
import { LinuxGuestError, linuxQemuArgs, makeInitramfs, prepareLinuxGuest, type LinuxGuestKernel } from '../bench/lib-linux-guest.js';
import { fixturePath } from '../fixtures/index.js';

/** A minimal bzImage: boot header fields set, the payload placed where they say. */
function fakeBzImage(o: { setupSects: number; payloadOffset: number; payload: number[]; protocol?: number; magic?: string }): Uint8Array {
  const pmStart = ((o.setupSects || 4) + 1) * 512;
  const bytes = new Uint8Array(pmStart + o.payloadOffset + o.payload.length + 16);
  const view = new DataView(bytes.buffer);
  bytes[0x1f1] = o.setupSects;
  bytes.set(new TextEncoder().encode(o.magic ?? 'HdrS'), 0x202);
  view.setUint16(0x206, o.protocol ?? 0x20f, true);
  view.setUint32(0x248, o.payloadOffset, true);
  view.setUint32(0x24c, o.payload.length, true);
  bytes.set(o.payload, pmStart + o.payloadOffset);
  return bytes;
}

const xzMagic = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

describe('bzImagePayload', () => {
  it('finds an xz payload and leaves its 4-byte size trailer out', () => {
    const payload = [...xzMagic, 1, 2, 3, 4, 0x78, 0x56, 0x34, 0x12];
    const p = bzImagePayload(fakeBzImage({ setupSects: 2, payloadOffset: 100, payload }));
    expect(p).toEqual({ compression: 'xz', start: 3 * 512 + 100, length: payload.length - 4, expectedSize: 0x12345678 });
  });

  it('keeps the whole gzip stream (its ISIZE trailer is the size) and reads setup_sects 0 as 4', () => {
    const payload = [0x1f, 0x8b, 8, 0, 9, 9, 9, 9, 0x10, 0, 0, 0];
    const p = bzImagePayload(fakeBzImage({ setupSects: 0, payloadOffset: 0x200, payload }));
    expect(p).toEqual({ compression: 'gzip', start: 5 * 512 + 0x200, length: payload.length, expectedSize: 16 });
  });

  it('recognises zstd', () => {
    const payload = [0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0, 1, 0, 0, 0];
    expect(bzImagePayload(fakeBzImage({ setupSects: 1, payloadOffset: 0, payload })).compression).toBe('zstd');
  });

  it('rejects a file without the boot header, an old protocol, a payload past the end, an unknown compression', () => {
    const ok = { setupSects: 1, payloadOffset: 0, payload: [...xzMagic, 0, 0, 0, 0] };
    expect(() => bzImagePayload(new Uint8Array(100), 'x')).toThrow('x: not an x86 bzImage');
    expect(() => bzImagePayload(fakeBzImage({ ...ok, magic: 'HdrX' }))).toThrow(/not an x86 bzImage/);
    expect(() => bzImagePayload(fakeBzImage({ ...ok, protocol: 0x206 }))).toThrow('boot protocol 2.6 is too old');
    const far = fakeBzImage(ok);
    new DataView(far.buffer).setUint32(0x248, 1 << 20, true);
    expect(() => bzImagePayload(far)).toThrow(/lies outside/);
    expect(() => bzImagePayload(fakeBzImage({ ...ok, payload: [0x42, 0x5a, 0x68, 0x39, 0, 0, 0, 0] }))).toThrow('payload compression not supported (starts 42 5a 68 39');
    expect(() => bzImagePayload(fakeBzImage({ ...ok, payload: [0xfd, 0x37] }))).toThrow(LinuxGuestError);
  });

  it('is not fooled by an ELF or a random file', () => {
    expect(() => vmlinuxFromBzImage(fixturePath('hello', 'glibc-static'))).toThrow(/not an x86 bzImage/);
  });
});

describe('parseGuestConsole', () => {
  const boot = '[    0.211682] PCI: Fatal: No config space access function found\r\n\r\n';

  it('returns the output between the markers, CRLF turned into LF', () => {
    const text = `${boot}@@ukify-guest start uptime_ns=1016431784\r\nargc=1\r\nsecond line\r\n\r\n@@ukify-guest end status=3 uptime_ns=1034624999\r\n[    1.05] reboot: Power down\r\n`;
    expect(parseGuestConsole(text)).toEqual({ output: 'argc=1\nsecond line\n', status: 3, startNs: 1016431784, endNs: 1034624999 });
  });

  it('keeps output without a final newline, and an empty output', () => {
    expect(parseGuestConsole('\r\n@@ukify-guest start uptime_ns=5\r\nno newline\r\n@@ukify-guest end status=0 uptime_ns=9\r\n')).toMatchObject({ output: 'no newline' });
    expect(parseGuestConsole('\n@@ukify-guest start uptime_ns=5\n\n@@ukify-guest end status=0 uptime_ns=9\n')).toMatchObject({ output: '' });
  });

  it('reports a signal', () => {
    const r = parseGuestConsole('\n@@ukify-guest start uptime_ns=5\nboom\n\n@@ukify-guest end signal=11 uptime_ns=9\n');
    expect(r).toEqual({ output: 'boom\n', signal: 11, startNs: 5, endNs: 9 });
  });

  it('explains a run that never started or never ended, or an init error', () => {
    const panic = `${boot}[    0.37] Kernel panic - not syncing: System is deadlocked on memory\r\n[    0.79] Kernel Offset: disabled\r\n`;
    expect(parseGuestConsole(panic)).toEqual({ failure: 'the guest kernel panicked: System is deadlocked on memory' });
    expect(parseGuestConsole(`${boot}[    0.37] VFS: Cannot open root device\r\n`)).toEqual({
      failure: 'the program never started (console ends: [    0.37] VFS: Cannot open root device)',
    });
    expect(parseGuestConsole('\n@@ukify-guest start uptime_ns=5\nhalf')).toEqual({ failure: 'the program did not finish (console ends: half)' });
    expect(parseGuestConsole('\n@@ukify-guest start uptime_ns=5\n\n@@ukify-guest error cannot exec /prog\n')).toEqual({ failure: 'guest init: cannot exec /prog' });
  });
});

describe('linuxQemuArgs', () => {
  it('boots the vmlinux with PVH on microvm, the TSC frequency on the command line', () => {
    const args = linuxQemuArgs({ vmlinux: 'v', initrd: 'i', accel: 'tcg', tscKhz: 2596122 });
    const at = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
    expect([at('-M'), at('-kernel'), at('-initrd'), at('-m'), at('-accel')]).toEqual(['microvm', 'v', 'i', '128M', 'tcg']);
    expect(at('-append')?.split(' ')).toEqual(expect.arrayContaining(['console=ttyS0', 'panic=-1', 'tsc_early_khz=2596122']));
    expect(args).toContain('-no-reboot');
    const kvm = linuxQemuArgs({ vmlinux: 'v', initrd: 'i', accel: 'kvm', memoryMiB: 83, append: 'mitigations=off' });
    expect(kvm[kvm.indexOf('-cpu') + 1]).toBe('host');
    expect(kvm[kvm.indexOf('-m') + 1]).toBe('83M');
    expect(kvm[kvm.indexOf('-append') + 1]).not.toContain('tsc_early_khz');
    expect(kvm[kvm.indexOf('-append') + 1]).toMatch(/ mitigations=off$/);
  });
});

describe('imagePackage', () => {
  it('reads the versioned package from apt-cache depends', () => {
    expect(imagePackage('linux-image-amd64\n  Depends: linux-image-6.1.0-56-amd64\n')).toBe('linux-image-6.1.0-56-amd64');
    expect(imagePackage('linux-image-amd64\n')).toBeUndefined();
  });
});

describe('makeInitramfs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ukify-linux-guest-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes init, prog and args in a newc archive the cpio tool reads back', () => {
    const hello = fixturePath('hello', 'glibc-static');
    const archive = join(dir, 'rd.cpio');
    makeInitramfs(hello, ['a b', '', 'ü'], archive);
    const listing = execFileSync('cpio', ['-itv', '--quiet', '-F', archive], { encoding: 'utf8' }).trim().split('\n');
    expect(listing.map((l) => l.split(/\s+/).at(-1))).toEqual(['init', 'prog', 'args']);
    expect(listing.map((l) => l.slice(0, 10))).toEqual(['-rwxr-xr-x', '-rwxr-xr-x', '-rw-r--r--']);
    const out = join(dir, 'x');
    execFileSync('cpio', ['-id', '--quiet', '-D', out, '-F', archive]);
    expect(readFileSync(join(out, 'prog')).equals(readFileSync(hello))).toBe(true);
    expect(readFileSync(join(out, 'args'), 'latin1')).toBe('a b\0\0\xc3\xbc\0');
    // The kernel runs /init with no libraries around: it must be a static executable.
    const headers = execFileSync('readelf', ['-lW', join(out, 'init')], { encoding: 'utf8' });
    expect(headers).toContain('Elf file type is EXEC');
    expect(headers).not.toContain('INTERP');
  });

  it('refuses a NUL inside an argument and a missing program, in one line', () => {
    expect(() => argsFile(['a\0b'])).toThrow('a program argument cannot contain a NUL byte');
    expect(() => makeInitramfs(join(dir, 'nope'), [], join(dir, 'n.cpio'))).toThrow(/cannot read .*nope: ENOENT/);
  });
});

describe('prepareLinuxGuest (downloads Debian\'s kernel package once into .cache/linux-guest)', () => {
  let kernel: LinuxGuestKernel | undefined;
  let unavailable = '';
  beforeAll(() => {
    try {
      kernel = prepareLinuxGuest();
    } catch (error) {
      if (!(error instanceof LinuxGuestError && error.unavailable)) throw error;
      unavailable = error.message;
    }
  });

  it('yields an ELF64 x86-64 vmlinux with a PVH entry note, as readelf sees it', (ctx) => {
    if (kernel === undefined) return ctx.skip(`kernel package not available: ${unavailable}`);
    expect(kernel.packageName).toMatch(/^linux-image-\d[\w.+-]*-amd64$/);
    const header = execFileSync('readelf', ['-hW', kernel.vmlinux], { encoding: 'utf8' });
    expect(header).toMatch(/Class:\s+ELF64/);
    expect(header).toMatch(/Machine:\s+Advanced Micro Devices X86-64/);
    // XEN_ELFNOTE_PHYS32_ENTRY (18): the 32-bit entry point of the PVH boot protocol.
    const notes = execFileSync('readelf', ['-nW', kernel.vmlinux], { encoding: 'utf8' });
    expect(notes).toMatch(/^\s*Xen\s+0x[0-9a-f]+\s+Unknown note type: \(0x00000012\)/m);
  });

  it('reuses the cache: a second call rewrites nothing', (ctx) => {
    if (kernel === undefined) return ctx.skip(`kernel package not available: ${unavailable}`);
    const before = statSync(kernel.vmlinux).mtimeMs;
    expect(prepareLinuxGuest()).toEqual(kernel);
    expect(statSync(kernel.vmlinux).mtimeMs).toBe(before);
  });
});
