// The result of analyzing a program: what the reports print and the packager consumes.
import type { SyscallStatus } from '../syscall-shim/catalog.js';

export type BinaryKind = 'static' | 'static-pie' | 'dynamic' | 'dynamic-pie' | 'shared-library';

export interface SharedLibrary {
  soname: string; // as named by DT_NEEDED (or the PT_INTERP path for the loader)
  path: string; // resolved host path
  neededBy: string[]; // paths of the objects that need it
}

/**
 * How a function on a reachability path was reached from the step before it (the first step: why
 * it counts as reachable at all).
 */
export type PathHow =
  | 'root' // entry point, init function, or an export looked up by name
  | 'export' // the analyzed file is a library: all its exports count
  | 'data' // its address is stored in data
  | 'call' // a direct call from the step before
  | 'pointer' // the step before takes its address
  | 'import' // the step before calls it through the PLT or GOT
  | 'import-pointer' // the step before takes its address through the GOT
  | 'number' // the step before calls it, passing the syscall number (like glibc's syscall())
  | 'name'; // the step before passes its name to dlsym or dlvsym

export interface PathStep {
  object: string;
  function: string;
  how: PathHow;
}

/** One place a syscall can come from: an object (the binary or a library, by path) and a function in it. */
export interface SyscallOrigin {
  object: string;
  function: string;
  /** With the `paths` option: a shortest chain from a root to this function, ending with it. */
  path?: PathStep[];
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

/**
 * A syscall instruction in reachable code (the rewriter's input): the numbers it can issue and, for
 * one known number, the bytes around it a jump may replace (whole movable instructions, no branch
 * landing inside), or why none may.
 */
export interface SyscallSite {
  object: string;
  address: number;
  nrs: number[];
  window?: { start: number; end: number };
  unpatchable?: string;
}

export interface UnresolvedSite {
  object: string;
  address: string; // hex, e.g. "0x4011a0"
  function: string;
  reason: string;
}

/** Something the analysis could not be sure about (it then counts more code as reachable, never less), with how often, in which object. */
export interface Doubt {
  object: string;
  reason: string;
  count: number;
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

/** An absolute path named in the program or one of its libraries (a string in its read-only data). */
export interface NamedPath {
  path: string;
  /** The host paths of the objects that name it. */
  namedBy: string[];
}

/** What a program is made of on the host: the packager's input (analyzeFiles, or a whole Analysis). */
export interface ProgramFiles {
  binary: string;
  type: BinaryKind;
  interpreter: string | null;
  libraries: SharedLibrary[];
  paths: NamedPath[];
  /** The program itself imports iconv_open: glibc then loads gconv modules for charsets beyond its
   * built-in ones (UTF-8, ASCII, ISO-8859-1, UCS-4); a library's use is left out (libsystemd's journal). */
  usesIconv: boolean;
}

export interface Analysis extends ProgramFiles {
  arch: 'x86-64';
  syscalls: SyscallUse[]; // sorted by nr
  /** Every reachable syscall instruction, by object then address. */
  sites: SyscallSite[];
  unresolved: UnresolvedSite[];
  /** Sites using the 32-bit ABI (int 0x80, sysenter), reported apart: ukify runs 64-bit code only. */
  abi32Sites: UnresolvedSite[];
  /** Where the analysis was unsure, per object and reason. */
  doubts: Doubt[];
  coverage: Coverage;
}
