// Fetches Debian's stock kernel and turns its bzImage into the ELF vmlinux that QEMU boots with PVH
// (`-kernel vmlinux`): under TCG the bzImage would spend ~4 s decompressing itself at every boot.
// Everything lands in an ignored cache folder; a finished vmlinux there is reused as it is.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readElf } from '../../analyzer/elf/read.js';
import { repoRoot } from '../../fixtures/index.js';
import { bzImagePayload, decompressor } from './bzimage.js';
import { LinuxGuestError } from './error.js';

export const defaultCacheDir: string = join(repoRoot, '.cache', 'linux-guest');

export interface LinuxGuestKernel {
  vmlinux: string;
  /** The Debian package it came from, e.g. "linux-image-6.1.0-56-amd64". */
  packageName: string;
}

const EM_X86_64 = 62;
const XEN_ELFNOTE_PHYS32_ENTRY = 18; // the PVH entry point QEMU looks for

function run(tool: string, args: string[], cwd?: string): string {
  return execFileSync(tool, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function firstLine(error: unknown): string {
  const e = error as { stderr?: string | Buffer; message?: string };
  const text = (e.stderr?.toString() ?? '') + (e.message ?? String(error));
  return text.split('\n').find((l) => l.trim() !== '' && !l.startsWith('W: '))?.trim() ?? 'unknown error';
}

/** The versioned image package that a metapackage depends on, from `apt-cache depends` output. */
export function imagePackage(aptCacheDepends: string): string | undefined {
  return /^\s*Depends:\s*(linux-image-\d\S*-amd64)\s*$/m.exec(aptCacheDepends)?.[1];
}

function findImagePackage(): string {
  let out: string;
  try {
    out = run('apt-cache', ['depends', 'linux-image-amd64']);
  } catch (error) {
    throw new LinuxGuestError(`apt-cache depends linux-image-amd64 failed (${firstLine(error)}): run apt-get update`, true);
  }
  const name = imagePackage(out);
  if (name === undefined) {
    throw new LinuxGuestError('linux-image-amd64 names no linux-image-*-amd64 package: run apt-get update', true);
  }
  return name;
}

function download(packageName: string, dir: string): string {
  try {
    run('apt-get', ['download', '-qq', packageName], dir);
  } catch (error) {
    throw new LinuxGuestError(`cannot download ${packageName} (${firstLine(error)}): check the network, run apt-get update`, true);
  }
  const deb = readdirSync(dir).find((f) => f.startsWith(`${packageName}_`) && f.endsWith('.deb'));
  if (deb === undefined) throw new LinuxGuestError(`apt-get download ${packageName} left no .deb in ${dir}`, true);
  return join(dir, deb);
}

/** Unpacks only ./boot/vmlinuz-* (dpkg -x would also write ~400 MB of modules we do not need). */
function extractBzImage(deb: string, dir: string): string {
  try {
    run('bash', ['-o', 'pipefail', '-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --wildcards "./boot/vmlinuz-*"', 'extract', deb, dir]);
  } catch (error) {
    throw new LinuxGuestError(`cannot unpack /boot/vmlinuz-* from ${deb}: ${firstLine(error)}`);
  }
  const name = readdirSync(join(dir, 'boot')).find((f) => f.startsWith('vmlinuz-'));
  if (name === undefined) throw new LinuxGuestError(`${deb} holds no /boot/vmlinuz-*`);
  return join(dir, 'boot', name);
}

/** Decompresses the bzImage's payload with the system tool and checks the result is a PVH-bootable x86-64 ELF. */
export function vmlinuxFromBzImage(bzImagePath: string): Buffer {
  const bz = readFileSync(bzImagePath);
  const payload = bzImagePayload(bz, bzImagePath);
  const [tool, args] = decompressor(payload.compression);
  let elf: Buffer;
  try {
    elf = execFileSync(tool, args, {
      input: bz.subarray(payload.start, payload.start + payload.length),
      maxBuffer: 1 << 30,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    throw new LinuxGuestError(`${tool} could not decompress the kernel in ${bzImagePath} (${firstLine(error)}): apt-get install ${tool === 'xz' ? 'xz-utils' : tool}`);
  }
  if (elf.length % 2 ** 32 !== payload.expectedSize) {
    throw new LinuxGuestError(`${bzImagePath}: decompressed ${elf.length} bytes, the image records ${payload.expectedSize}`);
  }
  const parsed = readElf(elf, bzImagePath);
  if (parsed.header.machine !== EM_X86_64) throw new LinuxGuestError(`${bzImagePath}: the kernel inside is not x86-64`);
  if (!parsed.notes.some((n) => n.owner === 'Xen' && n.type === XEN_ELFNOTE_PHYS32_ENTRY)) {
    throw new LinuxGuestError(`${bzImagePath}: the kernel has no PVH entry note (built without CONFIG_PVH)`);
  }
  return elf;
}

/** The cached vmlinux, fetched and extracted first when missing. Needs `apt-get update` done once. */
export function prepareLinuxGuest(cacheDir: string = defaultCacheDir): LinuxGuestKernel {
  const vmlinux = join(cacheDir, 'vmlinux');
  const nameFile = join(cacheDir, 'package');
  if (existsSync(vmlinux) && existsSync(nameFile)) {
    return { vmlinux, packageName: readFileSync(nameFile, 'utf8').trim() };
  }
  mkdirSync(cacheDir, { recursive: true });
  const packageName = findImagePackage();
  // A private work folder and renames at the end: a concurrent or interrupted run leaves no half file.
  const work = mkdtempSync(join(cacheDir, 'work-'));
  try {
    const elf = vmlinuxFromBzImage(extractBzImage(download(packageName, work), work));
    writeFileSync(join(work, 'vmlinux'), elf);
    writeFileSync(join(work, 'package'), `${packageName}\n`);
    renameSync(join(work, 'vmlinux'), vmlinux);
    renameSync(join(work, 'package'), nameFile);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { vmlinux, packageName };
}
