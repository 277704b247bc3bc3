// Where calls through the PLT and the GOT go: PLT stub address -> imported symbol (or, for
// IRELATIVE slots in static binaries, the local resolver function), and GOT slot -> the same.
import type { RegionDecoder } from './code/decode.js';
import { Flow } from './code/flow.js';
import type { ElfFile } from './elf/index.js';

export type ImportTarget = { kind: 'import'; key: string } | { kind: 'local'; addr: number };

const R_X86_64_64 = 1;
const R_X86_64_GLOB_DAT = 6;
const R_X86_64_JUMP_SLOT = 7;
const R_X86_64_RELATIVE = 8;
const R_X86_64_IRELATIVE = 37;

export function importKey(name: string, version: string | undefined): string {
  return version === undefined ? name : `${name}@${version}`;
}

/** GOT slot address -> what it holds once the loader has filled it. */
export function gotSlots(elf: ElfFile): Map<number, ImportTarget> {
  const out = new Map<number, ImportTarget>();
  for (const r of elf.relocations) {
    const at = Number(r.offset);
    if ((r.type === R_X86_64_JUMP_SLOT || r.type === R_X86_64_GLOB_DAT || r.type === R_X86_64_64) && r.symbolName) {
      out.set(at, { kind: 'import', key: importKey(r.symbolName, r.symbolVersion) });
    } else if (r.type === R_X86_64_IRELATIVE || r.type === R_X86_64_RELATIVE) {
      out.set(at, { kind: 'local', addr: Number(r.addend) });
    }
  }
  return out;
}

const pltSections = new Set(['.plt', '.plt.sec', '.plt.got', '.iplt']);

/** PLT stub start -> target, by decoding each stub's `jmp [rip+slot]`. */
export function pltStubs(elf: ElfFile, decoderFor: (addr: number) => RegionDecoder | undefined, slots: Map<number, ImportTarget>): Map<number, ImportTarget> {
  const out = new Map<number, ImportTarget>();
  for (const s of elf.sections) {
    if (!pltSections.has(s.name) || s.size === 0n) continue;
    const start = Number(s.addr);
    const end = start + Number(s.size);
    const dec = decoderFor(start);
    if (dec === undefined) continue;
    const entry = s.name === '.plt.got' ? 8 : 16;
    for (let stub = start; stub + entry <= end; stub += entry) {
      for (let a = stub; a < stub + entry; ) {
        const r = dec.decodeAt(a);
        if (r.flow === Flow.IndirectJump && !Number.isNaN(r.ref)) {
          const t = slots.get(r.ref);
          if (t !== undefined) out.set(stub, t);
          break;
        }
        if (r.flow !== Flow.Next) break;
        a += r.len;
      }
    }
  }
  return out;
}

export function isPltSection(name: string): boolean {
  return pltSections.has(name);
}
