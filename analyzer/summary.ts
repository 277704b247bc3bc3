// What the analysis of one object (program or library) leaves behind: everything the whole-program
// step needs, as plain JSON so it can be cached by the file's content hash.
import type { BinaryKind } from './analysis.js';

/** Bump when the summary's shape or meaning changes: old cache entries are then ignored. */
export const summaryVersion = 7;

export interface SiteSummary {
  addr: number;
  nrs: number[];
  /** Registers at function entry the number comes from (the function passes its argument on). */
  params: number[];
  unresolved: string[];
  /** For a site with one known number: the bytes a jump can replace (see code/patch-window.ts), or why none can. */
  window?: { start: number; end: number };
  unpatchable?: string;
}

export interface FunctionSummary {
  start: number;
  name: string;
  /** Local functions called or tail-jumped to. */
  calls: number[];
  /** Imported symbols called (through the PLT or the GOT), as import keys "name@version" or "name". */
  imports: string[];
  /** Local functions whose address the code takes (called later through a pointer). */
  refs: number[];
  importRefs: string[];
  sites: SiteSummary[];
  /**
   * Names this function passes to dlsym or dlvsym: every object's export of such a name counts as
   * reachable from it.
   */
  names?: string[];
  /** Addresses of int 0x80 / sysenter instructions. */
  abi32: number[];
}

/** A call to a function that passes a syscall number on (like glibc's syscall()), with the number's values. */
export interface ForwardCall {
  caller: number;
  addr: number;
  /** Local function start, or import key. */
  callee: number | string;
  reg: number;
  nrs: number[];
  params: number[];
  unresolved: string[];
}

export interface ExportSummary {
  name: string;
  version?: string;
  addr: number;
}

export interface ObjectSummary {
  version: number;
  sha256: string;
  kind: BinaryKind;
  functions: FunctionSummary[];
  exports: ExportSummary[];
  /** Entry point, DT_INIT, init and preinit arrays. */
  roots: number[];
  /** Function starts stored in data (relocations, pointers in data): reachable through pointers. */
  dataRefs: number[];
  /** Imports whose address data holds (a fixed-address executable's PLT stub stored as a function pointer). */
  dataImports: string[];
  /** What the analysis is unsure about in this object: a count for each reason. */
  doubts: Record<string, number>;
  /** (function, register) pairs whose syscall number comes from that argument. */
  forwarders: { fn: number; reg: number }[];
  forwardCalls: ForwardCall[];
  /** Imported forwarders known when this object was analyzed (part of the cache key). */
  assumedImports: Record<string, number[]>;
  decodedBytes: number;
}
