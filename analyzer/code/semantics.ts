// Instruction semantics on demand: the data flow only looks at the few instructions before a
// syscall site or a call, so those are decoded again here with full detail and remembered. Given the
// region's RegionDecoder, the cache decodes with it (an iced Decoder holds a copy of the region's
// bytes: node's code is 25 MB); else with a decoder of its own, made when first needed.
import { Decoder, DecoderOptions, Instruction, InstructionInfoFactory } from 'iced-x86';
import type { CodeRegion, DecodedFunction, ReadData, RegionDecoder } from './decode.js';
import { buildCfg } from './cfg.js';
import type { FlowContext } from './dataflow.js';
import { type Semantics, semanticsOf } from './effect.js';

export class SemanticsCache {
  private decoder: Decoder | undefined;
  private readonly instr = new Instruction();
  private readonly factory = new InstructionInfoFactory();
  private readonly known = new Map<number, Semantics>();

  constructor(private readonly region: CodeRegion, private readonly shared?: RegionDecoder) {}

  at(addr: number): Semantics {
    let s = this.known.get(addr);
    if (s === undefined) {
      if (this.shared !== undefined) this.shared.decodeInto(addr, this.instr);
      else {
        this.decoder ??= new Decoder(64, this.region.bytes, DecoderOptions.None);
        this.decoder.position = addr - this.region.base;
        this.decoder.ip = BigInt(addr);
        this.decoder.decodeOut(this.instr);
      }
      s = semanticsOf(this.instr, this.factory);
      this.known.set(addr, s);
    }
    return s;
  }

  free(): void {
    this.decoder?.free();
    this.instr.free();
    this.factory.free();
  }
}

export function flowContext(fn: DecodedFunction, semantics: SemanticsCache, readConst: ReadData): FlowContext {
  return { cfg: buildCfg(fn), semanticsAt: (i) => semantics.at(fn.addrs[i]), readConst };
}
