// Volumes for `ukify run -v HOST:GUEST[:ro]`, as `docker run -v` writes them: the host directory is
// the guest directory, read-write unless `:ro`. QEMU shares each one over virtio-9p (`-fsdev local`,
// security_model=none: QEMU acts on the files with its own rights, the guest sees the host's owners
// and modes); the kernel learns where it goes from the device's mount tag, `rw:/GUEST` or `ro:/GUEST`
// (kernel/fs/volume.c). Everything here is pure except `checkHostDirs`, which looks at the host.
import { statSync } from 'node:fs';
import { isAbsolute, posix, resolve } from 'node:path';

export interface Volume {
  /** Absolute host directory. */
  host: string;
  /** Absolute, normalized guest directory. */
  guest: string;
  readOnly: boolean;
  /** Where the user asked for it, for messages: "-v data:/data", "ukify.json: volumes[0] data:/data". */
  source: string;
}

export class VolumeError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
}

/** Guest paths the kernel makes itself (or ukify's own): no volume there or below. */
const RESERVED = ['/dev', '/proc', '/sys', '/.ukify'];
/** QEMU's mount tags hold at most this many bytes; ours is `rw:` and the guest path. */
const MAX_TAG = 255;
/** microvm has 8 virtio-mmio transports: one may be the network device. */
export const MAX_VOLUMES = 7;

const USAGE = 'write HOST_DIR:GUEST_DIR or HOST_DIR:GUEST_DIR:ro';

/** The guest directory as the kernel gets it, or an error message. */
function guestDir(text: string): string | { error: string } {
  if (!text.startsWith('/')) return { error: `the guest path '${text}' must be absolute` };
  const guest = posix.normalize(text).replace(/(.)\/+$/, '$1');
  if (guest === '/') return { error: 'a volume cannot be the guest\'s root directory /' };
  const reserved = RESERVED.find((r) => guest === r || guest.startsWith(`${r}/`));
  if (reserved !== undefined) return { error: `${guest} is ${reserved === '/.ukify' ? 'ukify\'s own' : 'made by the kernel'}: pick another guest directory` };
  if (guest.split('/').some((part) => part === '..')) return { error: `the guest path '${text}' leads out of /` };
  if (Buffer.byteLength(guest) + 3 > MAX_TAG) return { error: `the guest path is longer than ${MAX_TAG - 3} bytes` };
  return guest;
}

/**
 * Parses one spec; `source` starts each error message, relative host paths start at `base`.
 * Docker's syntax: HOST:GUEST, with an optional third field `ro` or `rw`.
 */
export function parseVolumeSpec(spec: string, base: string, source = `-v ${spec}`): Volume {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) throw new VolumeError(`${source}: ${USAGE}`);
  const [hostText = '', guestText = '', mode = 'rw'] = parts;
  if (hostText === '') throw new VolumeError(`${source}: the host directory is missing (${USAGE})`);
  if (mode !== 'ro' && mode !== 'rw') throw new VolumeError(`${source}: unknown option '${mode}' (ro or rw)`);
  const guest = guestDir(guestText);
  if (typeof guest !== 'string') throw new VolumeError(`${source}: ${guest.error}`);
  return { host: isAbsolute(hostText) ? posix.normalize(hostText) : resolve(base, hostText), guest, readOnly: mode === 'ro', source };
}

function inside(path: string, dir: string): boolean {
  return path.startsWith(`${dir}/`);
}

/** Two volumes on one guest path, or one inside another, are an error naming both. */
export function checkVolumeLayout(volumes: readonly Volume[]): void {
  if (volumes.length > MAX_VOLUMES) throw new VolumeError(`${volumes[MAX_VOLUMES]?.source ?? '-v'}: at most ${MAX_VOLUMES} volumes (QEMU's microvm has ${MAX_VOLUMES + 1} virtio slots, one kept for the network)`);
  volumes.forEach((v, i) => {
    for (const other of volumes.slice(0, i)) {
      if (other.guest === v.guest) throw new VolumeError(`${v.source}: ${v.guest} is already a volume (${other.source})`);
      const [outer, inner] = inside(v.guest, other.guest) ? [other, v] : inside(other.guest, v.guest) ? [v, other] : [undefined, undefined];
      if (outer !== undefined && inner !== undefined) {
        throw new VolumeError(`${inner.source}: ${inner.guest} is inside the volume ${outer.guest} (${outer.source}); volumes inside volumes are not supported`);
      }
    }
  });
}

/** Parses the -v flags, in order (relative host paths from the current directory), and checks them. */
export function parseVolumeFlags(specs: readonly string[], cwd: string): Volume[] {
  const volumes = specs.map((spec) => parseVolumeSpec(spec, cwd));
  checkVolumeLayout(volumes);
  return volumes;
}

/** The config file's volumes, then the flags': a flag replaces a config volume of the same guest path. */
export function mergeVolumes(config: readonly Volume[], flags: readonly Volume[]): Volume[] {
  const merged = [...config.filter((c) => !flags.some((f) => f.guest === c.guest)), ...flags];
  checkVolumeLayout(merged);
  return merged;
}

/** Every host directory must exist (QEMU would fail with a message about its -fsdev option). */
export function checkHostDirs(volumes: readonly Volume[]): void {
  for (const v of volumes) {
    let isDir: boolean;
    try {
      isDir = statSync(v.host).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be reached (permission denied)' : `cannot be read (${code ?? String(error)})`;
      throw new VolumeError(`${v.source}: the host directory ${v.host} ${why}`);
    }
    if (!isDir) throw new VolumeError(`${v.source}: ${v.host} is not a directory (a volume is a host directory)`);
  }
}

/** A value inside one of QEMU's comma-separated option lists: commas are doubled. */
function optionValue(text: string): string {
  return text.replace(/,/g, ',,');
}

/** The mount tag the kernel reads (kernel/fs/volume.c). */
export function mountTag(v: Volume): string {
  return `${v.readOnly ? 'ro' : 'rw'}:${v.guest}`;
}

/** `-fsdev local` and a virtio-9p device for each volume. */
export function volumeArgs(volumes: readonly Volume[]): string[] {
  return volumes.flatMap((v, i) => [
    '-fsdev', `local,id=vol${i},path=${optionValue(v.host)},security_model=none${v.readOnly ? ',readonly=on' : ''}`,
    '-device', `virtio-9p-device,fsdev=vol${i},mount_tag=${optionValue(mountTag(v))}`,
  ]);
}

/** The line `--verbose` shows for each volume when the VM starts. */
export function volumeLine(v: Volume): string {
  return `ukify: volume ${v.host} -> guest ${v.guest}${v.readOnly ? ' (read-only)' : ''}`;
}

/** Whether a guest path is one of the guest directories or under one. */
export function underVolume(path: string, guestDirs: readonly string[]): boolean {
  return guestDirs.some((dir) => path === dir || inside(path, dir));
}
