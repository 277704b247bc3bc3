// Static discovery: from what the analysis found (the program, its libraries, the paths they name)
// and the host's file system, without running anything, the files and directories the program
// needs in its image, each with why (README, "What goes into an image").
import { basename } from 'node:path';
import type { NamedPath, ProgramFiles } from '../../analyzer/analysis.js';
import { scanConfigs } from './config-scan.js';
import { type Discovery, Found } from './found.js';
import type { HostFs } from './host.js';
import { addInterpreterTrees } from './interpreters.js';
import { placeNamed } from './named.js';
import { addRuntimeData } from './runtime.js';
import { systemGroups, systemUsers, userNames } from './users.js';

const MAX_ACCOUNTS_TEXT = 1024 * 1024;
// The C library names many paths of its own (/etc/fstab, /var/log/wtmp, /etc/shells...); of those
// named by it alone, only what its common calls read goes in.
const C_LIBRARY = /^(libc\.so|ld-linux|libm\.so|libmvec\.so|libresolv\.so|libpthread\.so|libdl\.so|librt\.so|libutil\.so|libanl\.so|libnss_|ld-musl|libc\.musl)/;
const C_LIBRARY_READS = ['/etc/localtime', '/etc/services', '/etc/protocols', '/etc/host.conf', '/etc/gai.conf', '/etc/networks', '/etc/rpc', '/bin/sh'];

function addUsers(host: HostFs, found: Found): void {
  const passwd = host.readText('/etc/passwd', MAX_ACCOUNTS_TEXT);
  const group = host.readText('/etc/group', MAX_ACCOUNTS_TEXT);
  if (passwd === undefined || group === undefined) return;
  const users = systemUsers(passwd);
  if (!users.startsWith('root:')) return; // not a passwd file the guest can use as it is
  const groups = systemGroups(group, userNames(users));
  const count = users.split('\n').length - 1;
  found.add({ kind: 'generated', guest: '/etc/passwd', text: users, why: `the host's ${count} system users (no password hashes)`, bytes: users.length });
  found.add({ kind: 'generated', guest: '/etc/group', text: groups, why: "the host's system groups", bytes: groups.length });
}

const byCLibraryOnly = (named: NamedPath): boolean => named.namedBy.every((o) => C_LIBRARY.test(basename(o)));

function wanted(named: NamedPath): boolean {
  return !byCLibraryOnly(named) || C_LIBRARY_READS.includes(named.path);
}

function whyNamed(named: NamedPath, files: ProgramFiles): string {
  return byCLibraryOnly(named) ? 'the C library reads it' : `${basename(named.namedBy[0] ?? files.binary)} names ${named.path}`;
}

export function discover(files: ProgramFiles, host: HostFs): Discovery {
  const found = new Found();
  const skip = new Set([files.interpreter ?? '', ...files.libraries.map((l) => l.path)]);
  const { pythonStdlib } = addInterpreterTrees(files, host, found);
  for (const named of files.paths.filter(wanted)) {
    // what only libraries name: their files (libmagic's database), not their directories and
    // state (libsystemd names half of systemd)
    const filesOnly = !named.namedBy.includes(files.binary);
    placeNamed(named.path, whyNamed(named, files), { host, found, skip, filesOnly });
  }
  // the program's own configuration directories: what they name goes in too
  const ownDirs = new Set(files.paths.filter((p) => p.namedBy.includes(files.binary)).map((p) => p.path.replace(/(.)\/$/, '$1')));
  const configDirs = found.result().additions.filter((a) => a.kind === 'dir' && a.guest.startsWith('/etc/') && ownDirs.has(a.guest));
  scanConfigs(configDirs, host, found);
  addRuntimeData(files, host, found, pythonStdlib);
  addUsers(host, found);
  return found.result();
}
