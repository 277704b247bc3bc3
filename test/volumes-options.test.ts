// `ukify run -v HOST_DIR:GUEST_DIR[:ro]` and ukify.json's "volumes" before anything boots: Docker's
// syntax, the guest paths refused (/, /dev, /proc, /sys, /.ukify), two volumes on one guest path,
// a missing host directory: one line each and exit status 2, before QEMU starts (a kernel that
// cannot boot shows it: the fake kernel of packager-fake-kernel.ts). And what QEMU is given.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../packager/config.js';
import { MissingFiles } from '../runner/missing-files.js';
import { qemuArgs } from '../runner/qemu-args.js';
import { checkVolumeLayout, mergeVolumes, mountTag, parseVolumeFlags, parseVolumeSpec, underVolume, volumeArgs, VolumeError } from '../runner/volumes.js';
import { fixturePath } from '../fixtures/index.js';
import { fakeKernelSource, linkFakeKernel } from './packager-fake-kernel.js';

const cli = resolve('dist/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'ukify-volumes-options-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const hello = fixturePath('hello', 'musl-static');
let fakeKernel = '';

beforeAll(() => {
  fakeKernel = linkFakeKernel(work, 'fake-kernel', fakeKernelSource);
  mkdirSync(join(work, 'data'));
  writeFileSync(join(work, 'a-file'), 'x');
});

function ukify(args: string[], cwd = work): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, UKIFY_KERNEL: fakeKernel } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function message(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    if (error instanceof VolumeError) return error.message;
    throw error;
  }
  return 'no error';
}

describe('parsing -v specs (pure)', () => {
  it('HOST:GUEST is read-write, :ro read-only, :rw read-write; relative host paths start at the base; guest paths are normalized', () => {
    expect(parseVolumeSpec('data:/data', '/base')).toEqual({ host: '/base/data', guest: '/data', readOnly: false, source: '-v data:/data' });
    expect(parseVolumeSpec('/abs/d:/srv/x/:ro', '/base')).toMatchObject({ host: '/abs/d', guest: '/srv/x', readOnly: true });
    expect(parseVolumeSpec('./d:/a//b/../c:rw', '/base')).toMatchObject({ host: '/base/d', guest: '/a/c', readOnly: false });
  });

  it('refuses what Docker refuses and the guest paths the kernel makes, one message each', () => {
    expect(message(() => parseVolumeSpec('data', '/b'))).toBe('-v data: write HOST_DIR:GUEST_DIR or HOST_DIR:GUEST_DIR:ro');
    expect(message(() => parseVolumeSpec('a:/b:c:d', '/b'))).toBe('-v a:/b:c:d: write HOST_DIR:GUEST_DIR or HOST_DIR:GUEST_DIR:ro');
    expect(message(() => parseVolumeSpec(':/data', '/b'))).toBe('-v :/data: the host directory is missing (write HOST_DIR:GUEST_DIR or HOST_DIR:GUEST_DIR:ro)');
    expect(message(() => parseVolumeSpec('d:/data:z', '/b'))).toBe("-v d:/data:z: unknown option 'z' (ro or rw)");
    expect(message(() => parseVolumeSpec('d:data', '/b'))).toBe("-v d:data: the guest path 'data' must be absolute");
    expect(message(() => parseVolumeSpec('d:/', '/b'))).toBe("-v d:/: a volume cannot be the guest's root directory /");
    expect(message(() => parseVolumeSpec('d:/x/..', '/b'))).toBe("-v d:/x/..: a volume cannot be the guest's root directory /");
    for (const dir of ['/dev', '/proc', '/sys', '/proc/1', '/dev/shm']) {
      expect(message(() => parseVolumeSpec(`d:${dir}`, '/b'))).toBe(`-v d:${dir}: ${dir} is made by the kernel: pick another guest directory`);
    }
    expect(message(() => parseVolumeSpec('d:/.ukify', '/b'))).toBe("-v d:/.ukify: /.ukify is ukify's own: pick another guest directory");
    expect(message(() => parseVolumeSpec(`d:/${'x'.repeat(300)}`, '/b'))).toBe(`-v d:/${'x'.repeat(300)}: the guest path is longer than 252 bytes`);
  });

  it('two volumes on one guest path, or one inside another, are refused naming both', () => {
    expect(message(() => parseVolumeFlags(['a:/data', 'b:/data/'], '/w'))).toBe('-v b:/data/: /data is already a volume (-v a:/data)');
    expect(message(() => parseVolumeFlags(['a:/data/sub', 'b:/data'], '/w'))).toBe(
      '-v a:/data/sub: /data/sub is inside the volume /data (-v b:/data); volumes inside volumes are not supported',
    );
    expect(message(() => parseVolumeFlags(['a:/data', 'b:/database'], '/w'))).toBe('no error');
    expect(message(() => checkVolumeLayout(Array.from({ length: 8 }, (_, i) => parseVolumeSpec(`d:/v${i}`, '/w'))))).toBe(
      "-v d:/v7: at most 7 volumes (QEMU's microvm has 8 virtio slots, one kept for the network)",
    );
  });

  it("a flag replaces ukify.json's volume of the same guest path; the others add up", () => {
    const config = parseConfig('{"volumes": ["data:/data", "logs:/var/log/app:ro"]}', 'ukify.json', '/proj');
    expect(config.volumes?.map((v) => [v.host, v.guest, v.readOnly, v.source])).toEqual([
      ['/proj/data', '/data', false, 'ukify.json: volumes[0] data:/data'],
      ['/proj/logs', '/var/log/app', true, 'ukify.json: volumes[1] logs:/var/log/app:ro'],
    ]);
    const merged = mergeVolumes(config.volumes ?? [], parseVolumeFlags(['/elsewhere:/data:ro'], '/cwd'));
    expect(merged.map((v) => `${v.host}:${v.guest}:${v.readOnly ? 'ro' : 'rw'}`)).toEqual(['/proj/logs:/var/log/app:ro', '/elsewhere:/data:ro']);
    expect(() => parseConfig('{"volumes": "data:/data"}', 'ukify.json', '/p')).toThrow('ukify.json: volumes: must be a list of strings');
    expect(() => parseConfig('{"volumes": ["d:/proc"]}', 'ukify.json', '/p')).toThrow('ukify.json: volumes[0] d:/proc: /proc is made by the kernel: pick another guest directory');
  });

  it('QEMU gets an -fsdev local (security_model=none, readonly=on for :ro) and a virtio-9p device whose mount tag says where', () => {
    const volumes = parseVolumeFlags(['/h/a,b:/data', '/h/c:/my dir:ro'], '/');
    expect(volumes.map(mountTag)).toEqual(['rw:/data', 'ro:/my dir']);
    expect(volumeArgs(volumes)).toEqual([
      '-fsdev', 'local,id=vol0,path=/h/a,,b,security_model=none',
      '-device', 'virtio-9p-device,fsdev=vol0,mount_tag=rw:/data',
      '-fsdev', 'local,id=vol1,path=/h/c,security_model=none,readonly=on',
      '-device', 'virtio-9p-device,fsdev=vol1,mount_tag=ro:/my dir',
    ]);
    const args = qemuArgs({ image: 'x.img', memoryMiB: 64, accel: 'tcg', append: '', stderrFd: 3, debugconFd: 4, volumes });
    expect(args.slice(-8)).toEqual(volumeArgs(volumes));
    expect(args.join(' ')).toContain('acpi=off'); // the devices' virtio_mmio.device= words reach the kernel
  });

  it('--missing-files leaves out paths under a volume', () => {
    const missing = new MissingFiles(['/data']);
    for (const path of ['/data/x.db-journal', '/data', '/etc/app.conf', '/database']) expect(missing.take(`ukify: missing-file ${path}`)).toBe(true);
    expect(missing.sorted()).toEqual(['/database', '/etc/app.conf']);
    expect(underVolume('/data/a/b', ['/data'])).toBe(true);
    expect(underVolume('/datab', ['/data'])).toBe(false);
  });
});

describe('ukify run -v: bad input is one line and exit status 2, before QEMU starts', () => {
  const cases: [string, string[], string][] = [
    ['a missing host directory', ['-v', 'nowhere:/data'], `-v nowhere:/data: the host directory ${join(work, 'nowhere')} does not exist`],
    ['a host file', ['-v', 'a-file:/data'], `-v a-file:/data: ${join(work, 'a-file')} is not a directory (a volume is a host directory)`],
    ['the root', ['-v', 'data:/'], "-v data:/: a volume cannot be the guest's root directory /"],
    ['/dev', ['-v', 'data:/dev'], '-v data:/dev: /dev is made by the kernel: pick another guest directory'],
    ['/proc', ['-v', 'data:/proc'], '-v data:/proc: /proc is made by the kernel: pick another guest directory'],
    ['/sys', ['-v', 'data:/sys'], '-v data:/sys: /sys is made by the kernel: pick another guest directory'],
    ['/.ukify', ['-v', 'data:/.ukify'], "-v data:/.ukify: /.ukify is ukify's own: pick another guest directory"],
    ['two volumes on one guest path', ['-v', 'data:/data', '-v', '/tmp:/data'], '-v /tmp:/data: /data is already a volume (-v data:/data)'],
  ];
  for (const [what, flags, line] of cases) {
    it(`${what}: ${line}`, () => {
      const r = ukify(['run', hello, '--no-discover', ...flags]);
      expect(r.stderr).toBe(`ukify: ${line}\n`);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
    });
  }

  it("ukify.json's volumes are checked the same way, host paths from the file's folder", () => {
    const dir = join(work, 'proj');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ukify.json'), JSON.stringify({ volumes: ['missing-dir:/data'] }));
    const r = ukify(['run', hello, '--no-discover'], dir);
    expect(r.stderr).toBe(`ukify: ukify.json: volumes[0] missing-dir:/data: the host directory ${join(dir, 'missing-dir')} does not exist\n`);
    expect(r.status).toBe(2);
  });

  it('an image takes -v too (a run flag, not a build flag)', () => {
    const image = join(work, 'hello.img');
    expect(ukify(['build', hello, '--no-discover', '-o', image]).status).toBe(0);
    const r = ukify(['run', image, '-v', 'nowhere:/data']);
    expect(r.stderr).toBe(`ukify: -v nowhere:/data: the host directory ${join(work, 'nowhere')} does not exist\n`);
    expect(r.status).toBe(2);
  });
});
