// Dynamically linked programs under our kernel: the kernel maps the app and its PT_INTERP loader, the
// loader (glibc's ld.so or musl's) maps the libraries from the initrd. Every guest run is compared
// with the native run of the same binary: stdout bytes, exit status, signal. Needs the kernel (built
// by the global setup); skipped only when build/kernel/ukify-kernel.elf does not exist.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readElf } from '../analyzer/elf/index.js';
import { fixturePath, repoRoot, type Variant } from '../fixtures/index.js';
import { appEntries } from '../packager/app.js';
import { buildBundle } from '../packager/bundle.js';
import { cpioArchive, parentDirectories } from '../packager/cpio.js';
import { assembleImage } from '../packager/image.js';
import { bootImage, kernelElf, runGuest, workDir } from './kernel-boot.js';
import { runNative } from './helpers/native.js';

const dynamicVariants: Variant[] = ['glibc-dynamic', 'musl-dynamic'];
const nativeSignalStatus: Record<string, number> = { SIGSEGV: 139 };

// Programs built here from fixtures/ sources (not the fixture Makefile's variants).
mkdirSync(join(repoRoot, 'build'), { recursive: true });
const built = mkdtempSync(join(repoRoot, 'build', 'dynamic-test-'));
afterAll(() => rmSync(built, { recursive: true, force: true }));

function compileHello(out: string, compiler: string, flags: readonly string[]): string {
  const dir = join(repoRoot, 'fixtures');
  execFileSync(compiler, ['-O2', '-std=gnu11', '-D_GNU_SOURCE', '-I', dir, '-o', out, join(dir, 'hello.c'), ...flags]);
  return out;
}

/** The guest's status next to the native one (a killed native process maps to 128+signal). */
function nativeStatus(r: ReturnType<typeof runNative>): number {
  return r.signal !== null ? (nativeSignalStatus[r.signal] ?? -1) : (r.status ?? -1);
}

describe.skipIf(!existsSync(kernelElf))('dynamically linked programs boot', () => {
  describe.each(dynamicVariants)('%s', (variant) => {
    it('hello prints argv and env like the native run and exits with the requested status', async () => {
      const hello = fixturePath('hello', variant);
      const args = ['7', 'two words', 'tab\there', 'utf-8 é ✓', ''];
      const native = runNative(hello, args, { env: { UKIFY_GREETING: 'hi there' } });
      const guest = await runGuest(hello, { args, env: ['UKIFY_GREETING=hi there'], append: 'verbose' });
      expect(guest.stdout).toBe(native.stdout);
      expect(guest.exit).toBe(native.status);
      expect(guest.exit).toBe(7);
      expect(guest.log).toMatch(variant.startsWith('musl') ? /loader \/lib\/ld-musl-x86_64\.so\.1 at / : /loader \/lib64\/ld-linux-x86-64\.so\.2 at /);
    });

    it('hello exits 0 and 255 like Linux', async () => {
      const hello = fixturePath('hello', variant);
      for (const status of ['0', '255']) {
        const native = runNative(hello, [status]);
        const guest = await runGuest(hello, { args: [status] });
        expect(guest.stdout).toBe(native.stdout);
        expect(guest.exit).toBe(native.status);
      }
    });

    it('the auxiliary vector: AT_PHDR, AT_ENTRY, AT_BASE, AT_EXECFN as on Linux', async () => {
      const program = fixturePath('sys-auxv', variant);
      const native = runNative(program);
      const guest = await runGuest(program);
      expect(native.stdout).toMatch(/AT_BASE is the load address of: ld-/);
      expect(guest.stdout).toBe(native.stdout);
      expect(guest.exit).toBe(0);
    });

    it('a crash exits 139 with a fault report naming crash_here', async () => {
      const crash = fixturePath('crash', variant);
      const native = runNative(crash);
      expect(native.signal).toBe('SIGSEGV');
      const guest = await runGuest(crash);
      expect(guest.stdout).toBe(native.stdout);
      expect(guest.exit).toBe(nativeStatus(native));
      expect(guest.log).toMatch(/SIGSEGV .* in crash_here\+0x[0-9a-f]+/);
    });

    it('an unknown syscall returns ENOSYS and the program goes on', async () => {
      const probe = fixturePath('probe', variant);
      const native = runNative(probe);
      const guest = await runGuest(probe);
      expect(guest.stdout).toContain('errno=ENOSYS');
      expect(guest.stdout).toBe(native.stdout);
      expect(guest.exit).toBe(native.status);
    });

    it('files: creates, reads, lists, renames and removes files like the native run', async () => {
      const files = fixturePath('files', variant);
      const cwd = mkdtempSync(join(built, 'files-'));
      const native = runNative(files, [], { cwd });
      const guest = await runGuest(files);
      expect(native.stdout).toMatch(/files ok\n$/);
      expect(guest.stdout).toBe(native.stdout);
      expect(guest.exit).toBe(native.status);
    });
  });

  it.each([
    ['gcc', 'glibc'],
    ['musl-gcc', 'musl'],
  ])('a non-PIE dynamic program (ET_EXEC with PT_INTERP) built with %s', async (compiler) => {
    const program = compileHello(join(built, `hello-nopie-${compiler}`), compiler, ['-no-pie']);
    const elf = readElf(new Uint8Array(readFileSync(program)), program);
    expect(elf.header.type).toBe(2); // ET_EXEC
    expect(elf.interpreter).toBeDefined();
    const native = runNative(program, ['3', 'x']);
    const guest = await runGuest(program, { args: ['3', 'x'] });
    expect(guest.stdout).toBe(native.stdout);
    expect(guest.exit).toBe(3);
  });

  it.each([
    ['gcc', 'glibc'],
    ['musl-gcc', 'musl'],
  ])('a library found through RUNPATH $ORIGIN on the host is found by the guest loader (%s)', async (compiler) => {
    const dir = mkdtempSync(join(built, 'runpath-'));
    mkdirSync(join(dir, 'sub'));
    execFileSync(compiler, ['-shared', '-fPIC', '-o', join(dir, 'sub', 'libukifyextra.so'), '-x', 'c', '/dev/null']);
    const program = compileHello(join(dir, 'hello-extra'), compiler, ['-Wl,--no-as-needed', `-L${join(dir, 'sub')}`, '-lukifyextra', '-Wl,-rpath,$ORIGIN/sub']);
    const native = runNative(program, ['4']);
    expect(native.status).toBe(4);
    const guest = await runGuest(program, { args: ['4'] });
    expect(guest.stdout).toBe(native.stdout);
    expect(guest.exit).toBe(4);
  });

  it('an image without the loader the app names: status 126 and a log line naming the loader', () => {
    const hello = fixturePath('hello', 'glibc-dynamic');
    const elf = readElf(new Uint8Array(readFileSync(hello)), hello);
    // The packager always adds the loader; this image is assembled from its parts without it.
    const entries = appEntries(elf, hello);
    const dirs = parentDirectories(entries.map((e) => e.name)).filter((d) => !entries.some((e) => e.name === d));
    const initrd = cpioArchive([...dirs.map((name) => ({ name, mode: 0o040755 })), ...entries]);
    const kernel = readElf(new Uint8Array(readFileSync(kernelElf)), kernelElf);
    const image = assembleImage(kernel, buildBundle({ initrd, args: ['/hello.glibc-dynamic'], env: [] }));
    mkdirSync(workDir, { recursive: true });
    const path = join(workDir, `${process.pid}-no-loader.img`);
    writeFileSync(path, image);
    const guest = bootImage(path);
    expect(guest.exit).toBe(126);
    expect(guest.log).toMatch(/its loader \/lib64\/ld-linux-x86-64\.so\.2 is not in the image/);
    expect(guest.stdout).toBe('');
  });

  const realPrograms: [string, string[]][] = [
    ['/usr/sbin/nginx', ['-V']],
    ['/usr/bin/sqlite3', ['-version']],
  ];
  for (const [program, args] of realPrograms) {
    it.skipIf(!existsSync(program))(`a real program: ${program} ${args.join(' ')} prints what it prints natively`, async () => {
      const native = runNative(program, args);
      const guest = await runGuest(program, { args, memoryMiB: 128 });
      expect(guest.stdout).toBe(native.stdout);
      expect(guest.stderr).toBe(native.stderr);
      expect(guest.exit).toBe(native.status);
    });
  }
});
