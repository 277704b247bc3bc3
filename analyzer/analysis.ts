// The result of analyzing a program: what the reports print and the packager consumes.
import type { SyscallStatus } from '../syscall-shim/catalog.js';

export type BinaryKind = 'static' | 'static-pie' | 'dynamic' | 'dynamic-pie' | 'shared-library';

export interface SharedLibrary {
  soname: string; // as named by DT_NEEDED (or the PT_INTERP path for the loader)
  path: string; // resolved host path
  neededBy: string[]; // paths of the objects that need it
}

/** One place a syscall can come from: an object (the binary or a library, by path) and a function in it. */
export interface SyscallOrigin {
  object: string;
  function: string;
}

export interface SyscallUse {
  nr: number;
  name: string;
  status: SyscallStatus;
  note: string;
  /** Number of syscall instructions that can issue this number. */
  sites: number;
  from: SyscallOrigin[];
}

export interface UnresolvedSite {
  object: string;
  address: string; // hex, e.g. "0x4011a0"
  function: string;
  reason: string;
}

export interface Coverage {
  total: number;
  full: number;
  partial: number;
  fake: number;
  stub: number;
  missing: number;
  unresolved: number;
}

export interface Analysis {
  binary: string;
  arch: 'x86-64';
  type: BinaryKind;
  interpreter: string | null;
  libraries: SharedLibrary[];
  syscalls: SyscallUse[]; // sorted by nr
  unresolved: UnresolvedSite[];
  /** Sites using the 32-bit ABI (int 0x80, sysenter), reported apart: ukify runs 64-bit code only. */
  abi32Sites: UnresolvedSite[];
  coverage: Coverage;
}
