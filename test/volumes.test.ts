// Volumes in the guest (`ukify run -v HOST:GUEST[:ro]`, virtio-9p): what a program sees and does in
// a host directory, compared with the same program on Linux in a host directory (fixtures/volume.c
// prints every result by errno name), what reaches the host (MAP_SHARED pages too), what the host
// changes, read-only volumes against a read-only bind mount, and ".." and symlinks that must not lead
// out of a volume.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';
import { ukifyRun } from './helpers/guest.js';
import { runNative } from './helpers/native.js';
import { scratch } from './helpers/scratch.js';

const { dir: work, freshDir } = scratch('ukify-volumes');
const busybox = '/bin/busybox';

describe('files in a volume: the guest does what Linux does in a host directory', () => {
  for (const variant of ['glibc-static', 'musl-static'] as const) {
    it(`volume.${variant} ops: create, write, pwrite, O_APPEND, truncate, holes, rename (and RENAME_NOREPLACE), link, symlink, chmod, utimensat, copy_file_range, fallocate, statfs, an unlinked open file, MAP_PRIVATE, getcwd: the output of a native run`, () => {
      const program = fixturePath('volume', variant);
      const native = runNative(program, ['ops', freshDir('native')]);
      expect(native.stdout).toContain('volume ops done');
      expect(native.stdout).not.toMatch(/: E\?/);
      const host = freshDir('guest');
      const guest = ukifyRun([program, '--no-discover', '-v', `${host}:/vol`, '--', 'ops', '/vol'], { cwd: work });
      expect(guest.stdout).toBe(native.stdout);
      expect(guest.status, guest.stderr).toBe(0);
      expect(execFileSync('ls', ['-A', host], { encoding: 'utf8' })).toBe(''); // it cleans up after itself, on the host too
    });
  }

  it("the mmap fixture (MAP_SHARED writes reach the file, MAP_PRIVATE ones do not) in a volume: Linux's output, and the file on the host", () => {
    const program = fixturePath('mmap', 'glibc-static');
    const native = runNative(program, [], { cwd: freshDir('mmap-native') });
    expect(native.stdout).toContain('mmap ok');
    const host = freshDir('mmap-guest');
    const guest = ukifyRun([busybox, '--no-discover', '--file', `${program}:/mmap`, '-v', `${host}:/vol`, '--', 'sh', '-c', 'cd /vol && exec /mmap'], { cwd: work });
    expect(guest.stdout).toBe(native.stdout);
    expect(guest.status, guest.stderr).toBe(0);
  });

  it("MAP_SHARED changes reach the host's file (a forked child's, msync, munmap, a mapping left at exit): a native run's output and file", () => {
    const program = fixturePath('volume', 'glibc-static');
    const nativeDir = freshDir('mapped-native');
    const native = runNative(program, ['mapped', join(nativeDir, 'f')]);
    expect(native.stdout).toContain('volume mapped done');
    const host = freshDir('mapped');
    const guest = ukifyRun([program, '--no-discover', '-v', `${host}:/vol`, '--', 'mapped', '/vol/f'], { cwd: work });
    expect(guest.stdout).toBe(native.stdout);
    expect(guest.status, guest.stderr).toBe(0);
    expect(readFileSync(join(host, 'f')).equals(readFileSync(join(nativeDir, 'f')))).toBe(true);
  });

  it('what the guest writes is on the host, and what the host writes is seen by the running guest', async () => {
    const host = freshDir('both-ways');
    writeFileSync(join(host, 'from-host-before'), 'written before the boot\n');
    // the guest waits for a file the host makes while it runs, then answers in another file
    const script = 'cat /vol/from-host-before; echo guest was here > /vol/from-guest; echo waiting; ' +
      'while [ ! -f /vol/flag ]; do sleep 0.1; done; cat /vol/flag; wc -c < /vol/grown; cp /vol/flag /vol/answer';
    const cli = join(process.cwd(), 'dist', 'cli', 'main.js');
    const child = spawn(process.execPath, [cli, 'run', busybox, '--no-discover', '-v', `${host}:/vol`, '--', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    for (let i = 0; i < 600 && !out.includes('waiting'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(join(host, 'from-guest'), 'utf8')).toBe('guest was here\n');
    writeFileSync(join(host, 'grown'), 'x'.repeat(100));
    writeFileSync(join(host, 'grown'), 'x'.repeat(5000)); // grown on the host after the guest could have seen it
    writeFileSync(join(host, 'flag'), 'from the host while it runs\n');
    expect(await exit).toBe(0);
    expect(out).toBe('written before the boot\nwaiting\nfrom the host while it runs\n5000\n');
    expect(readFileSync(join(host, 'answer'), 'utf8')).toBe('from the host while it runs\n');
  });

  it.skipIf(process.getuid?.() !== 0)("owners and modes are the host's numbers both ways (as a Docker bind mount), the guest acting as root and as nobody", () => {
    const host = freshDir('owners');
    writeFileSync(join(host, 'theirs'), 'x');
    chownSync(join(host, 'theirs'), 4321, 8765);
    const script = 'stat -c "%u %g %a" /vol/theirs; echo y > /vol/ours; chown 1234:5678 /vol/ours; chmod 640 /vol/ours; mkdir -m 700 /vol/d; stat -c "%u %g %a" /vol/ours /vol/d';
    const r = ukifyRun([busybox, '--no-discover', '-v', `${host}:/vol`, '--', 'sh', '-c', script], { cwd: work });
    expect(r.status, r.stderr).toBe(0);
    const ours = statSync(join(host, 'ours'));
    const d = statSync(join(host, 'd'));
    expect(r.stdout).toBe(`4321 8765 644\n1234 5678 640\n${d.uid} ${d.gid} 700\n`);
    expect([ours.uid, ours.gid, ours.mode & 0o7777]).toEqual([1234, 5678, 0o640]);
    expect([d.uid, d.gid, d.mode & 0o7777]).toEqual([process.getuid?.() ?? 0, process.getgid?.() ?? 0, 0o700]);
    // a guest process that is not root makes files and directories of its own, as on Linux
    const nobody = ukifyRun([busybox, '--no-discover', '--file', `${busybox}:/bin/sh`, '-v', `${host}:/vol`, '--', 'su', '-s', '/bin/sh', '-c', 'echo z > /vol/n; mkdir /vol/nd', 'nobody'], { cwd: work });
    expect(nobody.status, nobody.stderr).toBe(0);
    for (const name of ['n', 'nd']) expect([statSync(join(host, name)).uid, statSync(join(host, name)).gid]).toEqual([65534, 65534]);
  });

  it.skipIf(process.getuid?.() !== 0)('ukify run by another user: what the guest makes is that user\'s (a 0444 file too, written by its creating open), and chown is EPERM (as rootless Docker)', () => {
    const host = mkdtempSync(join(tmpdir(), 'ukify-volumes-nobody-')); // outside `work`, which only root may enter
    try {
      chownSync(host, 65534, 65534);
      // umask 222: the shell creates r as 0444 and writes it through the creating open, as on Linux
      const script = 'echo x > /vol/f; mkdir /vol/d; chmod 600 /vol/f; chown 1234 /vol/f || echo refused; stat -c "%u %g %a" /vol/f /vol/d; ' +
        '(umask 222; echo r > /vol/r); cat /vol/r; stat -c %a /vol/r';
      const r = spawnSync(process.execPath, [join(process.cwd(), 'dist', 'cli', 'main.js'), 'run', busybox, '--no-discover', '-v', `${host}:/vol`, '--', 'sh', '-c', script], {
        cwd: host, encoding: 'utf8', uid: 65534, gid: 65534, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: host }, timeout: 120_000,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe('refused\n65534 65534 600\n65534 65534 755\nr\n444\n');
      expect(r.stderr).toContain('Operation not permitted');
      expect([statSync(join(host, 'f')).uid, statSync(join(host, 'd')).gid]).toEqual([65534, 65534]);
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  it("what a volume does not do: the host's FIFOs are listed but not opened (ENXIO), no hole punching, no RENAME_EXCHANGE, no extended attributes", () => {
    const host = freshDir('limits');
    writeFileSync(join(host, 'file'), 'hello\n');
    execFileSync('mkfifo', [join(host, 'fifo')]);
    const r = ukifyRun([fixturePath('volume', 'musl-static'), '--no-discover', '-v', `${host}:/vol`, '--', 'limits', '/vol'], { cwd: work });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe([
      'stat fifo: ok', 'fifo is a FIFO: 1', 'open fifo: ENXIO', 'fallocate PUNCH_HOLE: EOPNOTSUPP', 'renameat2 EXCHANGE: EINVAL', 'setxattr: EOPNOTSUPP',
      'volume limits done', '',
    ].join('\n'));
    expect(readFileSync(join(host, 'file'), 'utf8')).toBe('hello\n');
  });

  it('--missing-files does not list paths under a volume (the host directory holds them, not the image)', () => {
    const host = freshDir('missing');
    const r = ukifyRun([busybox, '--no-discover', '--missing-files', '-v', `${host}:/data`, '--', 'sh', '-c', 'cat /data/nothing-here /etc/ukify-nothing-here 2>/dev/null; true'], { cwd: work });
    expect(r.status, r.stderr).toBe(0);
    expect(r.missing).toContain('/etc/ukify-nothing-here');
    expect(r.missing.filter((p) => p.startsWith('/data'))).toEqual([]);
  });

  it('a volume replaces what the image has at its guest path; the working directory may be in a volume', () => {
    const image = freshDir('image-side');
    writeFileSync(join(image, 'in-image'), 'hidden\n');
    const host = freshDir('host-side');
    writeFileSync(join(host, 'on-host'), 'shown\n');
    const r = ukifyRun([busybox, '--no-discover', '--dir', `${image}:/srv/data`, '-w', '/srv/data', '-v', `${host}:/srv/data`, '--', 'sh', '-c', 'pwd; ls; cat on-host'], { cwd: work });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('/srv/data\non-host\nshown\n');
  });
});

describe('a read-only volume refuses every write with EROFS, as a read-only bind mount on Linux', () => {
  it('volume ro: open for writing, create, mkdir, unlink, rmdir, rename, truncate, chmod, chown, utimensat, symlink, link', () => {
    const program = fixturePath('volume', 'glibc-static');
    const host = freshDir('ro');
    mkdirSync(join(host, 'dir'));
    writeFileSync(join(host, 'file'), 'read only\n');
    const guest = ukifyRun([program, '--no-discover', '-v', `${host}:/vol:ro`, '--', 'ro', '/vol'], { cwd: work });
    expect(guest.status, guest.stderr).toBe(0);
    // What Linux gives: EROFS for every write, EEXIST before EROFS for mkdir of an existing name.
    const expected = [
      'open file O_RDONLY: ok', 'open file O_WRONLY: EROFS', 'open file O_RDWR: EROFS', 'open file O_APPEND: EROFS',
      'open file O_RDONLY|O_CREAT (exists): ok', 'create new: EROFS', 'create new O_RDONLY: EROFS', 'mkdir newdir: EROFS',
      'mkdir dir (exists): EEXIST', 'unlink file: EROFS', 'unlink missing: EROFS', 'rmdir dir: EROFS', 'rename file: EROFS',
      'truncate file: EROFS', 'chmod file: EROFS', 'chown file: EROFS', 'utimensat file: EROFS', 'symlink: EROFS', 'link: EROFS',
    ];
    const lines = guest.stdout.split('\n');
    expect(lines.filter((l) => /^(open|create|mkdir|unlink|rmdir|rename|truncate|chmod|chown|utimensat|symlink|link)/.test(l))).toEqual(expected);
    expect(guest.stdout).toContain('file holds 10 bytes: read only\n');
    expect(guest.stdout).toContain('statfs rdonly=1\n');
    expect(execFileSync('ls', ['-A', host], { encoding: 'utf8' })).toBe('dir\nfile\n');
    expect(readFileSync(join(host, 'file'), 'utf8')).toBe('read only\n');
    // The same program on a read-only bind mount, where this machine lets us make one (root).
    const mountPoint = freshDir('ro-bind');
    const native = spawnSync('unshare', ['-m', 'sh', '-c', `mount --bind -o ro "$1" "$2" && exec "$3" ro "$2"`, 'sh', host, mountPoint, program], { encoding: 'utf8' });
    if (native.status === 0) expect(guest.stdout).toBe(native.stdout);
    else console.log(`read-only bind mount not available here (${native.stderr.trim()}): compared with the expected list only`);
  });
});

describe('nothing under a volume leads out of it: ".." and symlinks resolve in the guest tree', () => {
  it('cd .. from the volume leads to the guest directory above it; symlinks to ../../etc/passwd and /etc/passwd read the guest\'s file, not the host\'s', () => {
    const program = fixturePath('volume', 'glibc-static');
    const host = freshDir('escape');
    mkdirSync(join(host, 'sub'));
    symlinkSync('../../etc/passwd', join(host, 'up'));
    symlinkSync('/etc/passwd', join(host, 'abs'));
    const guestPasswd = join(work, 'guest-passwd');
    writeFileSync(guestPasswd, 'guest:x:0:0::/:/bin/sh\n');
    const fnv = (data: Buffer): string => {
      let h = 0xcbf29ce484222325n;
      for (const b of data) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
      return h.toString(16).padStart(16, '0');
    };
    const guestHash = `23 bytes, fnv1a ${fnv(readFileSync(guestPasswd))}`;
    const hostPasswd = readFileSync('/etc/passwd');
    expect(fnv(hostPasswd)).not.toBe(fnv(readFileSync(guestPasswd)));
    // mounted two levels down: ".." from its root is /srv/a, from there / is three levels up
    const r = ukifyRun([program, '--no-discover', '--file', `${guestPasswd}:/etc/passwd`, '-v', `${host}:/srv/a/vol`, '--', 'escape', '/srv/a/vol'], { cwd: work });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe([
      'chdir DIR: ok', 'chdir ..: ok', 'cwd: /srv/a',
      'chdir DIR: ok', 'chdir sub/../..: ok', 'cwd: /srv/a',
      'chdir DIR: ok', 'chdir ../../../..: ok', 'cwd: /',
      // up -> ../../etc/passwd from /srv/a/vol is /srv/etc/passwd: not in the guest (and never the host's)
      'up: ENOENT', `abs: ${guestHash}`, '../etc/passwd: ENOENT', 'sub/../../etc/passwd: ENOENT', 'sub/../up: ENOENT',
      'volume escape done', '',
    ].join('\n'));
    // mounted at /vol, the same links reach the guest's /etc/passwd
    const top = ukifyRun([program, '--no-discover', '--file', `${guestPasswd}:/etc/passwd`, '-v', `${host}:/vol`, '--', 'escape', '/vol'], { cwd: work });
    expect(top.status, top.stderr).toBe(0);
    for (const path of ['up', 'abs', '../etc/passwd', 'sub/../../etc/passwd', 'sub/../up']) expect(top.stdout).toContain(`${path}: ${guestHash}\n`);
    expect(top.stdout).toContain('chdir ..: ok\ncwd: /\n');
  });
});
