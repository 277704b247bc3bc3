// Instruction semantics on demand: the data flow only looks at the few instructions before a
// syscall site or a call, so those are decoded again here with full detail and remembered.
import { Decoder, DecoderOptions, Instruction, InstructionInfoFactory } from 'iced-x86';
import type { CodeRegion, DecodedFunction, ReadData } from './decode.js';
import { buildCfg } from './cfg.js';
import type { FlowContext } from './dataflow.js';
import { type Semantics, semanticsOf } from './effect.js';

export class SemanticsCache {
  private readonly decoder: Decoder;
  private readonly instr = new Instruction();
  private readonly factory = new InstructionInfoFactory();
  private readonly known = new Map<number, Semantics>();

  constructor(private readonly region: CodeRegion) {
    this.decoder = new Decoder(64, region.bytes, DecoderOptions.None);
  }

  at(addr: number): Semantics {
    let s = this.known.get(addr);
    if (s === undefined) {
      this.decoder.position = addr - this.region.base;
      this.decoder.ip = BigInt(addr);
      this.decoder.decodeOut(this.instr);
      s = semanticsOf(this.instr, this.factory);
      this.known.set(addr, s);
    }
    return s;
  }

  free(): void {
    this.decoder.free();
    this.instr.free();
    this.factory.free();
  }
}

export function flowContext(fn: DecodedFunction, semantics: SemanticsCache, readConst: ReadData): FlowContext {
  return { cfg: buildCfg(fn), semanticsAt: (i) => semantics.at(fn.addrs[i]), readConst };
}
