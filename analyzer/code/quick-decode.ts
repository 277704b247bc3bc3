// The common x86-64 instructions decoded from tables, without iced-x86: each call into iced's wasm
// costs tens of ns, and a decode asked it for five to eight properties, most of the analysis's time.
// It answers only what RegionDecoder.decode needs (length, flow, branch target, reference, cmp
// immediate, rip-relative or not), and only for instructions whose encoding it knows fully: general
// purpose and common SSE opcodes with ordinary prefixes. For anything else (VEX, EVEX, x87, the
// 0F 38/3A maps, lock, 67, an opcode whose reg field or mod selects another or no instruction,
// bytes past the region's end) it answers nothing and the caller asks iced-x86, so results never
// differ: test/quick-decode.test.ts compares the two on random encodings and on real code.
import { Flow } from './flow.js';

/** Where quickDecode writes its answer (RegionDecoder's fields of the same names). */
export interface QuickResult {
  len: number;
  flow: Flow;
  target: number;
  ref: number;
  cmpImm: number;
  ipRel: boolean;
}

// Per opcode: how its bytes continue, as flags.
const MODRM = 1;
const IMM8 = 2;
/** imm16 with a 66 prefix, else imm32. */
const IMMZ = 4;
const IMM16 = 8;
/** A branch: rel8 or rel32 (IMM8 or IMMZ says which); a 66 prefix changes it: not handled. */
const REL = 16;
/** Memory operand only (mod 3 is another instruction or none). */
const MEM = 32;
/** Valid with no mandatory prefix, 66, F3, F2 (0F map only): bits 6..9. */
const P_NONE = 64;
const P_66 = 128;
const P_F3 = 256;
const P_F2 = 512;
const P_ALL = P_NONE | P_66 | P_F3 | P_F2;
/** Valid only for some reg field values (the map's regs table says which). */
const REGS = 1024;
/** Known, with none of the above: the opcode byte is the whole instruction. */
const PLAIN = 2048;

const oneByte = new Uint16Array(256);
const oneByteFlow = new Uint8Array(256).fill(Flow.Next);
const oneByteRegs = new Uint8Array(256);
const twoByte = new Uint16Array(256);
const twoByteFlow = new Uint8Array(256).fill(Flow.Next);
const twoByteRegs = new Uint8Array(256);

function set(table: Uint16Array, ops: number[], flags: number): void {
  for (const op of ops) table[op] = flags;
}
const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

// One-byte map. Arithmetic: op r/m,r; op r,r/m; op al,imm8; op eax,immz (add or adc sbb and sub xor cmp).
for (const base of [0x00, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x38]) {
  set(oneByte, [base, base + 1, base + 2, base + 3], MODRM);
  set(oneByte, [base + 4], IMM8);
  set(oneByte, [base + 5], IMMZ);
}
set(oneByte, range(0x50, 0x5f), PLAIN); // push/pop r
set(oneByte, [0x63, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b], MODRM);
set(oneByte, [0x68], IMMZ);
set(oneByte, [0x69], MODRM | IMMZ);
set(oneByte, [0x6a], IMM8);
set(oneByte, [0x6b], MODRM | IMM8);
set(oneByte, range(0x70, 0x7f), REL | IMM8);
set(oneByte, [0x80, 0x83, 0xc0, 0xc1], MODRM | IMM8);
set(oneByte, [0x81], MODRM | IMMZ);
set(oneByte, [0x8d], MODRM | MEM);
set(oneByte, [0x8f], MODRM | REGS);
oneByteRegs[0x8f] = 0b00000001;
set(oneByte, [...range(0x90, 0x99), 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, ...range(0xa4, 0xa7), ...range(0xaa, 0xaf), 0xc3, 0xc9, 0xcc, 0xf4, 0xf5, ...range(0xf8, 0xfd)], PLAIN);
set(oneByte, [0xa8, ...range(0xb0, 0xb7), 0xcd], IMM8);
set(oneByte, [0xa9], IMMZ);
set(oneByte, range(0xb8, 0xbf), IMMZ); // imm64 with REX.W: see quickDecode
set(oneByte, [0xc2], IMM16);
set(oneByte, [0xc6], MODRM | IMM8 | REGS);
oneByteRegs[0xc6] = 0b00000001;
set(oneByte, [0xc7], MODRM | IMMZ | REGS);
oneByteRegs[0xc7] = 0b00000001;
set(oneByte, [0xd0, 0xd1, 0xd2, 0xd3], MODRM);
set(oneByte, [0xe8, 0xe9], REL | IMMZ);
set(oneByte, [0xeb], REL | IMM8);
set(oneByte, [0xf6, 0xf7], MODRM); // imm for reg 0 and 1: see quickDecode
set(oneByte, [0xfe], MODRM | REGS);
oneByteRegs[0xfe] = 0b00000011;
set(oneByte, [0xff], MODRM | REGS);
oneByteRegs[0xff] = 0b01010111;
for (const op of range(0x70, 0x7f)) oneByteFlow[op] = Flow.CondJump;
oneByteFlow[0xe8] = Flow.Call;
oneByteFlow[0xe9] = Flow.Jump;
oneByteFlow[0xeb] = Flow.Jump;
oneByteFlow[0xc2] = Flow.Return;
oneByteFlow[0xc3] = Flow.Return;
oneByteFlow[0xcc] = Flow.Stop;
oneByteFlow[0xf4] = Flow.Stop;

// Two-byte map (0F xx).
set(twoByte, [0x05, 0x0b, 0x31, 0xa2], PLAIN | P_NONE);
set(twoByte, [0x1f], MODRM | P_ALL);
set(twoByte, [0x1e], MODRM | P_NONE | P_66 | P_F3);
set(twoByte, [...range(0x40, 0x4f), ...range(0x90, 0x9f), 0xa3, 0xa5, 0xab, 0xad, 0xaf, 0xb0, 0xb1, 0xb3, 0xb6, 0xb7, 0xbb, 0xbe, 0xbf, 0xc0, 0xc1], MODRM | P_NONE | P_66);
set(twoByte, [0xbc, 0xbd], MODRM | P_NONE | P_66 | P_F3);
set(twoByte, [0xa4, 0xac], MODRM | IMM8 | P_NONE | P_66);
set(twoByte, [0xba], MODRM | IMM8 | P_NONE | P_66 | REGS);
twoByteRegs[0xba] = 0b11110000;
set(twoByte, range(0xc8, 0xcf), PLAIN | P_NONE | P_66);
set(twoByte, range(0x80, 0x8f), REL | IMMZ | P_NONE);
set(twoByte, [0x10, 0x11, 0x58, 0x59, 0x5c, 0x5d, 0x5e, 0x5f], MODRM | P_ALL);
set(twoByte, [0x28, 0x29, 0x2e, 0x2f, 0x54, 0x55, 0x56, 0x57, 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x74, 0x75, 0x76, 0xd4, 0xdb, 0xdf, 0xeb, 0xef, 0xfa, 0xfe], MODRM | P_NONE | P_66);
set(twoByte, [0x6c, 0x6d, 0xd6], MODRM | P_66);
set(twoByte, [0x6f, 0x7f], MODRM | P_NONE | P_66 | P_F3);
set(twoByte, [0x6e], MODRM | P_NONE | P_66);
set(twoByte, [0x7e], MODRM | P_NONE | P_66 | P_F3);
set(twoByte, [0x2a, 0x2c, 0x2d], MODRM | P_F3 | P_F2);
set(twoByte, [0x70], MODRM | IMM8 | P_ALL);
set(twoByte, [0xc6], MODRM | IMM8 | P_NONE | P_66);
for (const op of range(0x80, 0x8f)) twoByteFlow[op] = Flow.CondJump;
twoByteFlow[0x05] = Flow.Syscall;
twoByteFlow[0x0b] = Flow.Stop;

const PREFIX_66 = 0x66;

/**
 * Decodes the instruction at bytes[at] (virtual address addr) into out and returns true, or returns
 * false (out untouched) when it is not one this decoder knows fully.
 */
export function quickDecode(bytes: Uint8Array, at: number, addr: number, out: QuickResult): boolean {
  const end = Math.min(bytes.length, at + 15);
  let p = at;
  let has66 = false;
  /** The last of F2 and F3, 0 when neither. */
  let rep = 0;
  for (;;) {
    if (p >= end) return false;
    const b = bytes[p];
    if (b === PREFIX_66) has66 = true;
    else if (b === 0xf2 || b === 0xf3) rep = b;
    else if (!(b === 0x2e || b === 0x3e || b === 0x26 || b === 0x36 || b === 0x64 || b === 0x65)) break;
    p++;
  }
  let rexW = false;
  if ((bytes[p] & 0xf0) === 0x40) {
    rexW = (bytes[p] & 8) !== 0;
    p++;
    if (p >= end) return false;
  }
  let op = bytes[p++];
  let flags: number;
  let flow: Flow;
  let regsAllowed: number;
  let twoByteMap = false;
  if (op === 0x0f) {
    if (p >= end) return false;
    op = bytes[p++];
    flags = twoByte[op];
    if (flags === 0) return false;
    // The mandatory prefix: F2/F3 win over 66; more than one of them is left to iced.
    if (has66 && rep !== 0) return false;
    const mandatory = rep === 0xf3 ? P_F3 : rep === 0xf2 ? P_F2 : has66 ? P_66 : P_NONE;
    if ((flags & mandatory) === 0) return false;
    flow = twoByteFlow[op] as Flow;
    regsAllowed = twoByteRegs[op];
    twoByteMap = true;
  } else {
    flags = oneByte[op];
    if (flags === 0) return false;
    flow = oneByteFlow[op] as Flow;
    regsAllowed = oneByteRegs[op];
  }
  if ((flags & REL) !== 0 && has66) return false;

  let ipRel = false;
  let disp = 0;
  let dispAt = -1;
  let sibNoBase = false;
  let reg = 0;
  let mod = 0;
  if ((flags & MODRM) !== 0) {
    if (p >= end) return false;
    const modrm = bytes[p++];
    mod = modrm >> 6;
    reg = (modrm >> 3) & 7;
    const rm = modrm & 7;
    if ((flags & MEM) !== 0 && mod === 3) return false;
    if ((flags & REGS) !== 0 && (regsAllowed & (1 << reg)) === 0) return false;
    if (mod !== 3) {
      let base = rm;
      if (rm === 4) {
        if (p >= end) return false;
        base = bytes[p++] & 7;
      }
      if (mod === 0 && base === 5) {
        // disp32 and no base register: rip-relative without a SIB byte, an absolute address with one.
        ipRel = rm === 5;
        sibNoBase = rm === 4;
        dispAt = p;
        p += 4;
      } else p += mod === 1 ? 1 : mod === 2 ? 4 : 0;
    }
    if (dispAt >= 0) {
      if (p > end) return false;
      disp = readI32(bytes, dispAt);
    }
  }

  const immAt = p;
  const immSize = immediateSize(op, twoByteMap, flags, reg, has66, rexW);
  p += immSize;
  if (p > end) return false;
  const len = p - at;
  const next = addr + len;

  let target = NaN;
  let ref = NaN;
  let cmpImm = NaN;
  if ((flags & REL) !== 0) {
    target = wrap64(next + (immSize === 1 ? (bytes[immAt] << 24) >> 24 : readI32(bytes, immAt)));
  }
  if (!twoByteMap) {
    if (op === 0xcd) flow = bytes[immAt] === 0x80 ? Flow.Abi32 : Flow.Next;
    else if (op === 0xff) {
      if (reg === 2) flow = Flow.IndirectCall;
      else if (reg === 4) flow = Flow.IndirectJump;
    }
  }
  if (ipRel) ref = wrap64(next + disp);
  else if (flow === Flow.Next && !twoByteMap) {
    // mov/push with a 32- or 64-bit immediate: a constant that may be an address.
    if (op >= 0xb8 && op <= 0xbf && immSize >= 4) ref = immSize === 8 ? readU64(bytes, immAt) : readU32(bytes, immAt);
    else if (op === 0xc7 && immSize === 4) ref = rexW ? wrap64(readI32(bytes, immAt)) : readU32(bytes, immAt);
    else if (op === 0x68 && immSize === 4) ref = wrap64(readI32(bytes, immAt));
  } else if ((flow === Flow.IndirectJump || flow === Flow.IndirectCall) && sibNoBase) ref = wrap64(disp);
  // cmp REG, imm: the bound of a switch.
  if (!twoByteMap) {
    const isCmpImm = op === 0x3c || op === 0x3d || ((op === 0x80 || op === 0x81 || op === 0x83) && reg === 7 && mod === 3);
    // 66 83 /7 compares with an imm8 made 16-bit, a kind the caller does not take (nor any imm16).
    if (isCmpImm && immSize !== 2 && !(op === 0x83 && has66 && !rexW)) {
      if (immSize === 1) cmpImm = op === 0x83 ? wrap64((bytes[immAt] << 24) >> 24) : bytes[immAt];
      else cmpImm = rexW ? wrap64(readI32(bytes, immAt)) : readU32(bytes, immAt);
    }
  }
  out.len = len;
  out.flow = flow;
  out.target = target;
  out.ref = ref;
  out.cmpImm = cmpImm;
  out.ipRel = ipRel;
  return true;
}

/** Bytes of immediate after the ModRM bytes: a 66 prefix makes an operand 16-bit unless REX.W makes it 64. */
function immediateSize(op: number, twoByteMap: boolean, flags: number, reg: number, has66: boolean, rexW: boolean): number {
  const z = has66 && !rexW ? 2 : 4;
  if (!twoByteMap) {
    if (op === 0xf6 || op === 0xf7) return reg > 1 ? 0 : op === 0xf6 ? 1 : z;
    if (op >= 0xb8 && op <= 0xbf) return rexW ? 8 : z;
  }
  if ((flags & IMM8) !== 0) return 1;
  if ((flags & IMM16) !== 0) return 2;
  if ((flags & IMMZ) !== 0) return (flags & REL) !== 0 ? 4 : z;
  return 0;
}

function readI32(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
}

function readU32(b: Uint8Array, at: number): number {
  return readI32(b, at) >>> 0;
}

/** A little-endian u64 as the nearest double (as Number(bigint) rounds). */
function readU64(b: Uint8Array, at: number): number {
  return readU32(b, at + 4) * 2 ** 32 + readU32(b, at);
}

/** A signed value taken modulo 2^64, as a double: iced's u64 addresses and sign-extended immediates. */
function wrap64(v: number): number {
  return v < 0 ? 2 ** 64 + v : v;
}
