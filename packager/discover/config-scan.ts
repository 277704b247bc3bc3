// A configuration names more paths than its program does: Debian's nginx.conf includes
// /etc/nginx/sites-enabled/*, whose default site serves /var/www/html. The text files of the
// configuration directories the program names are read for absolute paths (comment lines
// skipped), and each one is placed as a path the program names (named.ts), one level deep: what
// those paths bring is not read.
import { posix } from 'node:path';
import type { Addition, Found } from './found.js';
import type { HostFs } from './host.js';
import { placeNamed } from './named.js';

const MAX_TEXT = 64 * 1024;
const MAX_FILES = 500;
const PATH_TOKEN = /(?:^|[\s"'=(,:])(\/[A-Za-z0-9._+@,=~/-]*[A-Za-z0-9_~-])/g;

/** The config files an addition brings: itself, or the files below it (up to MAX_FILES). */
function configFiles(a: Addition, host: HostFs): string[] {
  if (a.kind === 'file') return [a.guest];
  if (a.kind !== 'dir') return [];
  const files: string[] = [];
  const pending = [a.guest];
  while (pending.length > 0 && files.length < MAX_FILES) {
    const dir = pending.pop() as string;
    for (const name of host.list(dir)) {
      const path = posix.join(dir, name);
      const kind = host.lstat(path)?.kind;
      if (kind === 'dir') pending.push(path);
      else if (kind === 'file') files.push(path);
    }
  }
  return files;
}

/** The absolute paths a config text names outside its comment lines. */
export function pathsInConfig(text: string): string[] {
  const found = new Set<string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#') || trimmed.startsWith(';') || trimmed.startsWith('//')) continue;
    for (const match of trimmed.matchAll(PATH_TOKEN)) {
      const path = match[1] as string;
      if (path.length >= 2 && !path.includes('//')) found.add(path);
    }
  }
  return [...found];
}

/** Places what the files of the given additions (configuration) name. */
export function scanConfigs(additions: readonly Addition[], host: HostFs, found: Found): void {
  const configs = additions.flatMap((a) => configFiles(a, host));
  for (const file of configs) {
    const text = host.readText(file, MAX_TEXT);
    if (text === undefined || text.includes('\0')) continue;
    for (const path of pathsInConfig(text)) placeNamed(path, `named in ${file}`, { host, found });
  }
}
