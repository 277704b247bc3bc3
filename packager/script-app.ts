// What of a script goes into the image: the script as the program (at /<basename>, executable: the
// kernel runs it through its #! line), the interpreter chain at its host paths (script.ts), the
// libraries of an interpreter that is not the analyzed ELF (env), and the analyzed ELF's symbols.
import { realpathSync } from 'node:fs';
import type { ElfFile } from '../analyzer/elf/index.js';
import { analyzeFiles } from '../analyzer/analyze.js';
import { appEntries, guestPath } from './app.js';
import type { CpioEntry } from './cpio.js';
import { libraryEntries } from './libraries.js';
import { chainEntries, type ScriptInterpreter } from './script.js';

export function scriptEntries(script: string, bytes: Uint8Array, runner: ScriptInterpreter, elf: ElfFile): CpioEntry[] {
  const symbols = appEntries(elf, script).filter((e) => e.name.startsWith('.ukify'));
  const chain = runner.paths.flatMap((p) => chainEntries(p));
  const others = chain.filter((e) => (e.mode & 0o170000) === 0o100000 && realpathSync(`/${e.name}`) !== runner.elf);
  const otherLibraries = others.flatMap((e) => {
    const files = analyzeFiles(`/${e.name}`);
    return libraryEntries(files.interpreter, files.libraries);
  });
  return [{ name: guestPath(script).slice(1), mode: 0o100755, data: bytes }, ...symbols, ...chain, ...otherLibraries];
}
