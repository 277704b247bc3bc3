// What the whole-program step needs of one object besides its syscall summary: its kind, what the
// library search reads, the paths it names, its imports. A function of the file's content alone, so it
// is cached by the file's hash and a warm analysis never parses the file.
import type { BinaryKind } from './analysis.js';
import type { ElfFile } from './elf/index.js';
import { importKey } from './imports.js';
import { binaryKind } from './kind.js';
import type { LoaderView } from './libraries.js';
import { namedPaths } from './named-paths.js';

export interface ObjectFacts {
  kind: BinaryKind;
  loader: LoaderView;
  /** Absolute paths named in its read-only data. */
  namedPaths: string[];
  /** It imports iconv_open (see ProgramFiles.usesIconv). */
  importsIconv: boolean;
  /** The import keys its relocations name: the imported forwarders an analysis of it assumes are among these. */
  importKeys: string[];
}

export function objectFacts(elf: ElfFile): ObjectFacts {
  const loader: LoaderView = {};
  if (elf.interpreter !== undefined) loader.interpreter = elf.interpreter;
  if (elf.dynamic !== undefined) {
    const { needed, rpath, runpath } = elf.dynamic;
    loader.dynamic = { needed, ...(rpath === undefined ? {} : { rpath }), ...(runpath === undefined ? {} : { runpath }) };
  }
  const keys = new Set<string>();
  for (const r of elf.relocations) if (r.symbolName) keys.add(importKey(r.symbolName, r.symbolVersion));
  return {
    kind: binaryKind(elf),
    loader,
    namedPaths: namedPaths(elf),
    importsIconv: elf.dynamicSymbols.some((s) => s.shndx === 0 && s.name === 'iconv_open'),
    importKeys: [...keys],
  };
}
