// Where a path a program names leads: a file or a small directory that exists on the host goes in
// as it is; a symlink goes in with what it points at; a path under a directory of run-time state
// (/var/lib, /var/log, /run...) gets its directory, made empty and writable (the host's state and
// logs stay out); kernel trees, generated files and what the C library manages are left to their
// own rules; a directory too large, or a system directory, is reported, not packed.
import { posix } from 'node:path';
import type { Found } from './found.js';
import type { HostFs } from './host.js';
import { holdsPrivateKey, neverPacked } from './never-packed.js';

/** A directory a program names goes in whole up to this size; above it the user decides. */
export const DIR_LIMIT = 4 * 1024 * 1024;
const MAX_LINKS = 8;

// Run-time state: each named path below one gets the directory it sits in, empty.
const STATE_DIRS = ['/var/lib', '/var/log', '/var/cache', '/var/spool', '/var/tmp', '/var/run', '/var/lock', '/run', '/tmp'];
// Too broad to pack whole when named (programs name them as search paths).
const SYSTEM_DIRS = ['/usr/lib', '/usr/lib64', '/usr/lib32', '/usr/libexec', '/usr/bin', '/usr/sbin', '/usr/share', '/usr/include', '/usr/local', '/usr/src', '/usr/games', '/var', '/opt', '/srv', '/mnt', '/media', '/boot', '/lib', '/lib64', '/bin', '/sbin', '/etc', '/usr'];
// Left to other rules: the C library's own trees and caches (the guest has no ld.so cache), and
// the /etc files every image gets generated.
const LEFT_TO_OTHERS = [
  '/etc/ld.so.cache', '/etc/ld.so.preload', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/usr/lib/locale', '/usr/share/locale',
  '/usr/share/zoneinfo', '/usr/lib/x86_64-linux-gnu/gconv', '/etc/passwd', '/etc/group', '/etc/hosts', '/etc/nsswitch.conf',
  '/etc/resolv.conf', '/etc/hostname', '/usr/lib/debug',
];

const within = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

export interface NamedContext {
  host: HostFs;
  found: Found;
  /** Directories above DIR_LIMIT still go in (an interpreter's own tree). */
  noLimit?: boolean;
  /** Paths the image holds already (the loader, the libraries): left alone. */
  skip?: ReadonlySet<string>;
  /** Files only (and links to them): a library's paths, which are often a whole system's (libsystemd). */
  filesOnly?: boolean;
}

function stateDir(path: string): string | undefined {
  const base = STATE_DIRS.find((dir) => within(path, dir));
  if (base === undefined) return undefined;
  const rest = path.slice(base.length + 1).split('/');
  // "/var/lib/nginx/body" → /var/lib/nginx; "/run/nginx.pid" → /run
  return rest.length >= 2 ? `${base}/${rest[0]}` : base;
}

function placeStateDir(dir: string, why: string, ctx: NamedContext, links: number): void {
  // /var/run and /var/lock are symlinks into /run on Debian: the link, then its target
  for (let i = 1, parts = dir.split('/'); i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    if (prefix === '' || ctx.host.lstat(prefix)?.kind !== 'symlink') continue;
    const target = ctx.host.readlink(prefix);
    if (target === undefined || links >= MAX_LINKS) return;
    ctx.found.add({ kind: 'symlink', guest: prefix, target, why, bytes: 0 });
    return placeStateDir(posix.join(posix.resolve(posix.dirname(prefix), target), dir.slice(prefix.length)), why, ctx, links + 1);
  }
  ctx.found.add({ kind: 'empty-dir', guest: dir, why: `${why} (made empty: run-time state)`, bytes: 0 });
}

/** Adds what the path leads to (see the top of this file); `why` says who names it. */
export function placeNamed(named: string, why: string, ctx: NamedContext, links = 0): void {
  const path = posix.normalize(named).replace(/(.)\/$/, '$1');
  // top-level names (/bin, /lib, /tmp...) are the system's layout, not something a program brings
  if (path.split('/').length < 3 || path.includes('/../') || ctx.skip?.has(path)) return;
  const refused = neverPacked(path);
  if (refused !== undefined) {
    // said for what the program names and exists (a library's names are many and mostly not used)
    const told = ctx.filesOnly !== true && !['/proc', '/sys', '/dev'].some((d) => within(path, d)) && ctx.host.lstat(path) !== undefined;
    if (told) ctx.found.skip(path, `${refused}: never packed unless you name it (${why})`);
    return;
  }
  // a link may lead into them (/etc/localtime → /usr/share/zoneinfo/Etc/UTC): then its target goes in
  if (links === 0 && LEFT_TO_OTHERS.some((dir) => within(path, dir))) return;
  const state = stateDir(path);
  if (state !== undefined) return ctx.filesOnly === true ? undefined : placeStateDir(state, why, ctx, links);
  const stat = ctx.host.lstat(path);
  if (stat === undefined || stat.kind === 'other') return;
  // a link inside a directory already added is there, but what it points at may not be
  if (ctx.found.covers(path) && stat.kind !== 'symlink') return;
  if (stat.kind === 'symlink') {
    const target = ctx.host.readlink(path);
    if (target === undefined || links >= MAX_LINKS) return;
    ctx.found.add({ kind: 'symlink', guest: path, target, why, bytes: 0 });
    return placeNamed(posix.resolve(posix.dirname(path), target), why, ctx, links + 1);
  }
  if (stat.kind === 'file') {
    if (holdsPrivateKey(ctx.host.readText(path, 4096) ?? '')) return ctx.found.skip(path, `a private key: never packed unless you name it (${why})`);
    return ctx.found.add({ kind: 'file', guest: path, host: path, why, bytes: stat.size });
  }
  if (ctx.filesOnly === true || SYSTEM_DIRS.includes(path) || path.split('/').length < 3) return;
  const size = ctx.host.treeSize(path, ctx.noLimit === true ? Number.MAX_SAFE_INTEGER : DIR_LIMIT);
  if (ctx.noLimit !== true && size > DIR_LIMIT) {
    return ctx.found.skip(path, `a directory of more than ${DIR_LIMIT / 1024 / 1024} MiB: not packed (${why}); add it with --dir if the program needs it`);
  }
  ctx.found.add({ kind: 'dir', guest: path, host: path, why, bytes: size });
}
