// The kernel modules the Linux guest needs for a network device, worked out from Debian's image
// package itself: which .ko files it holds (the tar listing), which options its kernel has built in
// (/boot/config-*), and what each module needs (the `depends=` entry of its .modinfo section; the
// package has no modules.dep, depmod writes that at install time). Everything here is pure.
import { readElf } from '../../analyzer/elf/read.js';
import { LinuxGuestError } from './error.js';

/** A driver the guest needs and the config option that says whether the kernel has it built in. */
export interface Driver {
  module: string;
  config: string;
}

/**
 * virtio-net on virtio-mmio, as on QEMU microvm. With ACPI on, microvm describes each virtio-mmio
 * transport in its DSDT, where virtio_mmio finds it (Debian builds it without
 * CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES, so the virtio_mmio.device= words would not work).
 */
export const networkDrivers: readonly Driver[] = [
  { module: 'virtio_mmio', config: 'CONFIG_VIRTIO_MMIO' },
  { module: 'virtio_net', config: 'CONFIG_VIRTIO_NET' },
];

const MODULE_FILE = /\/([^/]+)\.ko(\.xz|\.zst|\.gz)?$/;

export type ModuleCompression = 'none' | 'xz' | 'zstd' | 'gzip';

export interface ModuleFile {
  /** Path inside the package's tar, e.g. "./lib/modules/6.1.0-56-amd64/kernel/drivers/net/virtio_net.ko". */
  path: string;
  compression: ModuleCompression;
}

/** Module names as the kernel spells them: "-" and "_" are the same, "_" is canonical. */
export function canonicalName(name: string): string {
  return name.replace(/-/g, '_');
}

/** The modules in a `tar -t` listing of the package, by canonical name. */
export function moduleFiles(listing: string): Map<string, ModuleFile> {
  const files = new Map<string, ModuleFile>();
  for (const line of listing.split('\n')) {
    const path = line.trim();
    if (!path.includes('/lib/modules/')) continue;
    const m = MODULE_FILE.exec(path);
    if (m === null || m[1] === undefined) continue;
    const compression: ModuleCompression = m[2] === '.xz' ? 'xz' : m[2] === '.zst' ? 'zstd' : m[2] === '.gz' ? 'gzip' : 'none';
    files.set(canonicalName(m[1]), { path, compression });
  }
  return files;
}

/** "y", "m" or undefined (not set) for CONFIG_NAME in a kernel .config. */
export function configValue(config: string, option: string): string | undefined {
  const m = new RegExp(`^${option}=(\\S+)$`, 'm').exec(config);
  return m?.[1];
}

/** The module's own name and the modules it depends on, from its .modinfo section. */
export function moduleInfo(bytes: Uint8Array, file: string): { name: string; depends: string[] } {
  let elf;
  try {
    elf = readElf(bytes, file);
  } catch (error) {
    throw new LinuxGuestError(`${file}: not a kernel module (${error instanceof Error ? error.message : String(error)})`);
  }
  const section = elf.sections.find((s) => s.name === '.modinfo');
  if (section === undefined) throw new LinuxGuestError(`${file}: not a kernel module (no .modinfo section)`);
  const start = Number(section.offset);
  const end = start + Number(section.size);
  if (end > bytes.length) throw new LinuxGuestError(`${file}: the .modinfo section lies outside the file`);
  const entries = Buffer.from(bytes.subarray(start, end)).toString('latin1').split('\0');
  const value = (key: string): string | undefined => entries.find((e) => e.startsWith(`${key}=`))?.slice(key.length + 1);
  const name = value('name');
  if (name === undefined || name === '') throw new LinuxGuestError(`${file}: its .modinfo has no name=`);
  const depends = (value('depends') ?? '').split(',').filter((d) => d !== '').map(canonicalName);
  return { name: canonicalName(name), depends };
}

/**
 * The order to load `roots` and everything they depend on: each module after its dependencies,
 * each once, roots in the order given. `depends` must hold every module reached.
 */
export function loadOrder(roots: readonly string[], depends: ReadonlyMap<string, readonly string[]>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: readonly string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new LinuxGuestError(`kernel modules depend on each other in a circle: ${[...chain, name].join(' -> ')}`);
    const deps = depends.get(name);
    if (deps === undefined) throw new LinuxGuestError(`kernel module ${name} is needed${chain.length > 0 ? ` by ${chain.at(-1) ?? ''}` : ''} but the package does not hold it`);
    state.set(name, 'visiting');
    for (const dep of deps) visit(dep, [...chain, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const root of roots) visit(root, []);
  return order;
}
