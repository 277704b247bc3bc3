// Fetches Debian's stock kernel and turns its bzImage into the ELF vmlinux that QEMU boots with PVH
// (`-kernel vmlinux`): under TCG the bzImage would spend ~4 s decompressing itself at every boot.
// From the same package come the modules of the network device (modules.ts), decompressed.
// Everything lands in an ignored cache folder, reused as it is once complete:
//   vmlinux, package (the package name), modules/NAME.ko and modules/order (names, load order).
// A cache from before modules/ existed has no modules/order and is fetched again.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readElf } from '../../analyzer/elf/read.js';
import { repoRoot } from '../../fixtures/index.js';
import { bzImagePayload, decompressor } from './bzimage.js';
import { LinuxGuestError } from './error.js';
import { configValue, loadOrder, moduleFiles, moduleInfo, networkDrivers, type ModuleFile } from './modules.js';

export const defaultCacheDir: string = join(repoRoot, '.cache', 'linux-guest');

export interface LinuxGuestKernel {
  vmlinux: string;
  /** The Debian package it came from, e.g. "linux-image-6.1.0-56-amd64". */
  packageName: string;
  /** The uncompressed modules the network device needs, in load order (empty when all are built in). */
  modules: string[];
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

/** Unpacks only the given members (dpkg -x would also write ~400 MB of modules we do not need). */
function extract(deb: string, dir: string, members: readonly string[]): void {
  try {
    run('bash', ['-o', 'pipefail', '-c', 'deb="$1" dir="$2"; shift 2; dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" --wildcards -- "$@"', 'extract', deb, dir, ...members]);
  } catch (error) {
    throw new LinuxGuestError(`cannot unpack ${members.join(' ')} from ${deb}: ${firstLine(error)}`);
  }
}

function listDeb(deb: string): string {
  try {
    return execFileSync('bash', ['-o', 'pipefail', '-c', 'dpkg-deb --fsys-tarfile "$1" | tar -t', 'list', deb], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new LinuxGuestError(`cannot list ${deb}: ${firstLine(error)}`);
  }
}

/** ./boot/vmlinuz-* and the kernel's ./boot/config-*. */
function extractBoot(deb: string, dir: string): { bzImage: string; config: string } {
  extract(deb, dir, ['./boot/vmlinuz-*', './boot/config-*']);
  const files = readdirSync(join(dir, 'boot'));
  const vmlinuz = files.find((f) => f.startsWith('vmlinuz-'));
  const config = files.find((f) => f.startsWith('config-'));
  if (vmlinuz === undefined || config === undefined) throw new LinuxGuestError(`${deb} holds no /boot/vmlinuz-* or no /boot/config-*`);
  return { bzImage: join(dir, 'boot', vmlinuz), config: readFileSync(join(dir, 'boot', config), 'utf8') };
}

function decompressModule(file: string, compression: ModuleFile['compression']): Buffer {
  if (compression === 'none') return readFileSync(file);
  const tool = compression === 'zstd' ? 'zstd' : compression;
  try {
    return execFileSync(tool, ['-dc', file], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new LinuxGuestError(`${tool} could not decompress ${file} (${firstLine(error)}): apt-get install ${tool === 'xz' ? 'xz-utils' : tool}`);
  }
}

/**
 * Writes the network device's modules and their dependencies, uncompressed, into `out` as NAME.ko,
 * and their load order into out/order. Each round unpacks what the previous round's .modinfo named.
 */
function extractNetworkModules(deb: string, work: string, config: string, out: string): void {
  const roots = networkDrivers.flatMap((d) => {
    const value = configValue(config, d.config);
    if (value === 'y') return [];
    if (value === 'm') return [d.module];
    throw new LinuxGuestError(`${deb}: its kernel is built without ${d.config}, so the guest cannot have a network device`);
  });
  const files = moduleFiles(listDeb(deb));
  const depends = new Map<string, string[]>();
  mkdirSync(out, { recursive: true });
  for (let wanted = roots; wanted.length > 0; ) {
    const members = wanted.map((name) => {
      const file = files.get(name);
      if (file === undefined) throw new LinuxGuestError(`${deb} holds no kernel module ${name}`);
      return file;
    });
    extract(deb, work, members.map((m) => m.path));
    wanted.forEach((name, i) => {
      const member = members[i] as ModuleFile;
      const bytes = decompressModule(join(work, member.path), member.compression);
      const info = moduleInfo(bytes, member.path);
      if (info.name !== name) throw new LinuxGuestError(`${member.path} calls itself ${info.name}`);
      writeFileSync(join(out, `${name}.ko`), bytes);
      depends.set(name, info.depends);
    });
    wanted = [...new Set([...depends.values()].flat())].filter((name) => !depends.has(name));
  }
  writeFileSync(join(out, 'order'), loadOrder(roots, depends).map((name) => `${name}\n`).join(''));
}

function readModules(dir: string): string[] {
  return readFileSync(join(dir, 'order'), 'utf8').split('\n').filter((l) => l !== '').map((name) => join(dir, `${name}.ko`));
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

/** The cached vmlinux and modules, fetched and extracted first when missing. Needs `apt-get update` done once. */
export function prepareLinuxGuest(cacheDir: string = defaultCacheDir): LinuxGuestKernel {
  const vmlinux = join(cacheDir, 'vmlinux');
  const nameFile = join(cacheDir, 'package');
  const modulesDir = join(cacheDir, 'modules');
  if (existsSync(vmlinux) && existsSync(nameFile) && existsSync(join(modulesDir, 'order'))) {
    return { vmlinux, packageName: readFileSync(nameFile, 'utf8').trim(), modules: readModules(modulesDir) };
  }
  mkdirSync(cacheDir, { recursive: true });
  const packageName = findImagePackage();
  // A private work folder and renames at the end: a concurrent or interrupted run leaves no half file.
  const work = mkdtempSync(join(cacheDir, 'work-'));
  try {
    const deb = download(packageName, work);
    const boot = extractBoot(deb, work);
    const elf = vmlinuxFromBzImage(boot.bzImage);
    extractNetworkModules(deb, work, boot.config, join(work, 'modules'));
    writeFileSync(join(work, 'vmlinux'), elf);
    writeFileSync(join(work, 'package'), `${packageName}\n`);
    // modules/ first, vmlinux and package last. A modules/ with an order file is complete (another
    // run's, from the same package); one without is a leftover.
    if (!existsSync(join(modulesDir, 'order'))) {
      rmSync(modulesDir, { recursive: true, force: true });
      try {
        renameSync(join(work, 'modules'), modulesDir);
      } catch (error) {
        if (!existsSync(join(modulesDir, 'order'))) throw error; // else another run just put its copy there
      }
    }
    renameSync(join(work, 'vmlinux'), vmlinux);
    renameSync(join(work, 'package'), nameFile);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { vmlinux, packageName, modules: readModules(modulesDir) };
}
