// ELF notes (build-id, GNU properties, ABI tag) from PT_NOTE segments, or SHT_NOTE sections when
// the file has no PT_NOTE (relocatable objects).
import { PT_NOTE, SHT_NOTE } from './constants.js';
import type { ByteReader } from './reader.js';
import type { ElfNote, ProgramHeader, SectionHeader } from './types.js';

export function parseNotes(r: ByteReader, phs: ProgramHeader[], sections: SectionHeader[]): ElfNote[] {
  const areas = phs.some((p) => p.type === PT_NOTE)
    ? phs.filter((p) => p.type === PT_NOTE).map((p) => ({ offset: p.offset, size: p.filesz, align: p.align, what: `PT_NOTE segment ${p.index}` }))
    : sections.filter((s) => s.type === SHT_NOTE).map((s) => ({ offset: s.offset, size: s.size, align: s.addralign, what: s.name || `section ${s.index}` }));
  const notes: ElfNote[] = [];
  for (const area of areas) {
    // Notes are padded to 4 bytes, except in 8-aligned areas (GNU property notes).
    const pad = area.align === 8n ? 8 : 4;
    const d = r.sub(area.offset, area.size, area.what);
    for (let at = 0; at + 12 <= d.length; ) {
      const namesz = d.u32(at);
      const descsz = d.u32(at + 4);
      const type = d.u32(at + 8);
      const nameAt = at + 12;
      // Padding counts from the note's start: with 8-byte alignment, "GNU\0" ends at 16, already aligned.
      const descAt = at + roundUp(12 + namesz, pad);
      d.check(nameAt, namesz, 'a note name');
      d.check(descAt, descsz, 'a note descriptor');
      const nameEnd = namesz > 0 && d.bytes[nameAt + namesz - 1] === 0 ? nameAt + namesz - 1 : nameAt + namesz;
      const owner = String.fromCharCode(...d.bytes.subarray(nameAt, Math.min(nameEnd, nameAt + 256)));
      notes.push({ owner, type, desc: d.bytes.slice(descAt, descAt + descsz) });
      at = roundUp(descAt + descsz, pad);
    }
  }
  return notes;
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
