// Files in the kernel (VFS, ramfs from the initrd, devices, pipes, /proc, file mappings): each
// program runs natively and in the guest, and the outputs must be equal.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';
import { runGuest } from './kernel-boot.js';
import { runNative } from './helpers/native.js';

const staticVariants = ['glibc-static', 'glibc-static-pie', 'musl-static'] as const;

const scratch = mkdtempSync(join(tmpdir(), 'ukify-kernel-files-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('files fixture in /tmp', () => {
  for (const variant of staticVariants) {
    it(`files.${variant}: the guest prints what Linux prints`, async () => {
      const path = fixturePath('files', variant);
      const ref = runNative(path, [scratch]);
      expect(ref.stdout).toContain('files ok');
      const guest = await runGuest(path, { args: ['/tmp'] });
      expect(guest.stdout).toBe(ref.stdout);
      expect(guest.exit).toBe(ref.status);
      expect(guest.log).not.toMatch(/unsupported syscall/);
    });
  }
});

describe('mmap fixture (anonymous and file mappings, faults caught by a SIGSEGV handler)', () => {
  for (const variant of staticVariants) {
    it(`mmap.${variant}: a file it creates, MAP_SHARED and MAP_PRIVATE, as on Linux`, async () => {
      const path = fixturePath('mmap', variant);
      const ref = runNative(path, [], { cwd: scratch });
      expect(ref.stdout).toContain('mmap ok');
      const guest = await runGuest(path);
      expect(guest.stdout).toBe(ref.stdout);
      expect(guest.exit).toBe(ref.status);
    });
  }

  it('mmap of a file of the initrd (the program itself, read in place) hashes as on Linux', async () => {
    const path = fixturePath('mmap', 'musl-static');
    const ref = runNative(path, [path]);
    expect(ref.stdout).toMatch(/file size=\d+ fnv1a=[0-9a-f]{16}/);
    // --no-rewrite: the file in the image is the host's, byte for byte (rewritten, it has trampolines)
    const guest = await runGuest(path, { args: [`/${basename(path)}`], rewrite: false });
    expect(guest.stdout).toBe(ref.stdout);
    expect(guest.exit).toBe(0);
  });
});

describe('sys-files (every file syscall by name, devices, /proc)', () => {
  // glibc-static and musl-static also run in kernel.test.ts with the other sys-* programs
  it('sys-files.glibc-static-pie: the guest prints what Linux prints', async () => {
    const path = fixturePath('sys-files', 'glibc-static-pie');
    const ref = runNative(path);
    expect(ref.status).toBe(0);
    expect(ref.stdout).toContain('rmdir the temporary directory: 0');
    const guest = await runGuest(path);
    expect(guest.stdout).toBe(ref.stdout);
    expect(guest.exit).toBe(0);
    expect(guest.log).not.toMatch(/unsupported syscall/);
  });
});

describe('Debian busybox-static on the ramfs', () => {
  const busybox = '/bin/busybox';

  it('md5sum of the program itself (an initrd file) matches the host file', async () => {
    const want = createHash('md5').update(readFileSync(busybox)).digest('hex');
    const guest = await runGuest(busybox, { args: ['md5sum', '/busybox'], rewrite: false });
    expect(guest.stdout).toBe(`${want}  /busybox\n`);
    expect(guest.exit).toBe(0);
  });

  it('cat of a missing file: the message and status of Linux', async () => {
    const ref = runNative(busybox, ['cat', '/no/such/file']);
    const guest = await runGuest(busybox, { args: ['cat', '/no/such/file'] });
    expect(guest.stderr).toBe(ref.stderr);
    expect(guest.exit).toBe(ref.status);
  });

  it('ls -1d of the standard directories, as on Linux', async () => {
    const dirs = ['/dev', '/proc', '/sys', '/tmp', '/dev/null'];
    const ref = runNative(busybox, ['ls', '-1d', ...dirs]);
    const guest = await runGuest(busybox, { args: ['ls', '-1d', ...dirs] });
    expect(guest.stdout).toBe(ref.stdout);
    expect(guest.exit).toBe(0);
  });
});
