// Interpreters' own trees, found from the binary without running it: their size is no reason to
// leave them out (without them the interpreter cannot start).
// - Python: the program (or a library) is pythonX.Y / libpythonX.Y; its standard library is
//   PREFIX/lib/pythonX.Y (lib-dynload inside), PREFIX being two levels above the binary as Python's
//   own search finds it; Debian's dist-packages go in when small (they can be large: the user decides).
// - Perl: the @INC directories are strings in the perl binary or libperl (/usr/share/perl/5.36, ...).
// node carries everything in its binary; ruby and php are not handled yet.
import { basename, posix } from 'node:path';
import type { ProgramFiles } from '../../analyzer/analysis.js';
import type { Found } from './found.js';
import type { HostFs } from './host.js';
import { placeNamed } from './named.js';

function pythonVersion(files: ProgramFiles, real: string): string | undefined {
  const fromName = /^python(\d+\.\d+)$/.exec(basename(real))?.[1];
  if (fromName !== undefined) return fromName;
  for (const lib of files.libraries) {
    const v = /^libpython(\d+\.\d+)/.exec(lib.soname)?.[1];
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Adds Python's trees; whether its standard library went in. */
function addPython(files: ProgramFiles, host: HostFs, found: Found): boolean {
  const real = host.realpath(files.binary) ?? files.binary;
  const version = pythonVersion(files, real);
  if (version === undefined) return false;
  const prefix = posix.dirname(posix.dirname(real));
  const stdlib = posix.join(prefix, 'lib', `python${version}`);
  if (host.lstat(stdlib)?.kind !== 'dir') return false;
  const name = basename(real);
  placeNamed(stdlib, `${name}'s standard library`, { host, found, noLimit: true });
  for (const dir of [posix.join(prefix, 'lib', 'python3', 'dist-packages'), posix.join(prefix, 'local', 'lib', `python${version}`, 'dist-packages')]) {
    if (host.lstat(dir)?.kind === 'dir' && host.list(dir).length > 0) placeNamed(dir, `${name}'s installed packages`, { host, found });
  }
  return true;
}

function addPerl(files: ProgramFiles, host: HostFs, found: Found): void {
  const perlObjects = [files.binary, ...files.libraries.map((l) => l.path)].filter((p) => /^(perl[\d.]*|libperl\.so.*)$/.test(basename(p)));
  if (perlObjects.length === 0) return;
  for (const named of files.paths) {
    if (!named.namedBy.some((o) => perlObjects.includes(o)) || !/\/perl/.test(named.path) || named.path.includes('/debug/')) continue;
    placeNamed(named.path, `perl's @INC (named in ${basename(named.namedBy[0] as string)})`, { host, found, noLimit: true });
  }
}

/** Adds the trees of the interpreter the program is, if any; whether Python's standard library went in. */
export function addInterpreterTrees(files: ProgramFiles, host: HostFs, found: Found): { pythonStdlib: boolean } {
  const pythonStdlib = addPython(files, host, found);
  addPerl(files, host, found);
  return { pythonStdlib };
}
