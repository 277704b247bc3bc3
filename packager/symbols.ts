// /.ukify/symbols: the app's function symbols, one `<hex start> <hex size> <name>` line each, sorted
// by start (link-time addresses), for the kernel's fault reports.
import type { ElfFile, ElfSymbol } from '../analyzer/elf/types.js';

const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;

function isDefinedFunction(s: ElfSymbol): boolean {
  return (s.type === STT_FUNC || s.type === STT_GNU_IFUNC) && s.shndx !== 0 && s.value !== 0n && s.name !== '';
}

export function symbolLines(elf: Pick<ElfFile, 'symbols' | 'dynamicSymbols'>): string {
  const seen = new Set<string>();
  const unique: ElfSymbol[] = [];
  for (const s of [...elf.symbols, ...elf.dynamicSymbols].filter(isDefinedFunction)) {
    const key = `${s.value}:${s.name}`;
    if (!seen.has(key)) {
      seen.add(key);
      unique.push(s);
    }
  }
  unique.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return unique.map((s) => `${s.value.toString(16)} ${s.size.toString(16)} ${s.name}\n`).join('');
}
