// readElf: the whole file parsed into an ElfFile. Bad input of any kind is an ElfError.
import { parseDynamicEntries, decodeDynamic } from './dynamic.js';
import { parseFdes } from './ehframe.js';
import { NT_GNU_BUILD_ID, R_X86_64_RELATIVE, SHT_DYNSYM, SHT_SYMTAB } from './constants.js';
import { ElfError } from './error.js';
import { parseHeader, tableCounts } from './header.js';
import { parseNotes } from './notes.js';
import { ByteReader } from './reader.js';
import { parseRelocations } from './relocations.js';
import { parseSectionHeaders } from './sections.js';
import { parseInterpreter, parseProgramHeaders } from './segments.js';
import { parseDynamicSymbols, parseSymbolTable } from './symbols.js';
import type { ElfFile, ElfSymbol } from './types.js';
import { applyVersions } from './versions.js';

export function readElf(bytes: Uint8Array, fileName?: string): ElfFile {
  try {
    return parse(bytes, fileName);
  } catch (error) {
    if (error instanceof ElfError) throw error;
    // A parser bug must still not escape as a stack trace on user input: report it as this file's problem.
    const message = error instanceof Error ? error.message : String(error);
    throw new ElfError(`malformed ELF file (${message})`, fileName);
  }
}

function parse(bytes: Uint8Array, fileName: string | undefined): ElfFile {
  const r = new ByteReader(bytes, fileName);
  const header = parseHeader(r);
  const counts = tableCounts(r, header);
  const programHeaders = parseProgramHeaders(r, header, counts.phnum);
  const sections = parseSectionHeaders(r, header, counts.shnum, counts.shstrndx);

  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  const dynsymSection = sections.find((s) => s.type === SHT_DYNSYM);
  const symbols = symtab === undefined ? [] : parseSymbolTable(r, sections, symtab);
  const entries = parseDynamicEntries(r, programHeaders, sections);
  let dynamicSymbols: ElfSymbol[] = [];
  if (dynsymSection !== undefined) {
    dynamicSymbols = parseSymbolTable(r, sections, dynsymSection);
    applyVersions(r, sections, dynsymSection, dynamicSymbols);
  } else if (sections.length === 0 && entries !== undefined) {
    // No section headers (stripped by sstrip or similar): find .dynsym as the loader does. Unversioned.
    dynamicSymbols = parseDynamicSymbols(r, programHeaders, entries);
  }

  const relocations = parseRelocations(r, { bytes, programHeaders, sections, dynamic: entries, symbols, dynamicSymbols });
  const relative = new Map<bigint, bigint>();
  for (const rel of relocations) {
    if (rel.type === R_X86_64_RELATIVE) relative.set(rel.offset, BigInt.asUintN(64, rel.addend));
  }
  const mapped = { bytes, programHeaders, fileName };
  const dynamic = entries === undefined ? undefined : decodeDynamic(r, mapped, sections, entries, relative);

  const notes = parseNotes(r, programHeaders, sections);
  const buildIdNote = notes.find((n) => n.owner === 'GNU' && n.type === NT_GNU_BUILD_ID);
  const elf: ElfFile = {
    bytes,
    header,
    programHeaders,
    sections,
    symbols,
    dynamicSymbols,
    relocations,
    notes,
    fdes: parseFdes(r, programHeaders, sections),
  };
  if (fileName !== undefined) elf.fileName = fileName;
  const interpreter = parseInterpreter(r, programHeaders);
  if (interpreter !== undefined) elf.interpreter = interpreter;
  if (dynamic !== undefined) elf.dynamic = dynamic;
  if (buildIdNote !== undefined) elf.buildId = Buffer.from(buildIdNote.desc).toString('hex');
  return elf;
}
