// The data an ELF64 file is read into. 64-bit addresses, offsets and sizes are BigInt;
// counts, indices and small enumerations are number. Names are decoded strings.
// Implemented by the reader in this folder; consumed by the analyzer, the packager and the rewriter.

export interface ElfHeader {
  type: number; // e_type: ET_EXEC=2, ET_DYN=3, ...
  machine: number; // e_machine: EM_X86_64=62
  version: number;
  osabi: number;
  abiversion: number;
  entry: bigint;
  phoff: bigint;
  shoff: bigint;
  flags: number;
  ehsize: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export interface ProgramHeader {
  index: number;
  type: number; // PT_LOAD=1, PT_DYNAMIC=2, PT_INTERP=3, PT_NOTE=4, PT_TLS=7, PT_GNU_EH_FRAME, PT_GNU_STACK, PT_GNU_RELRO, PT_GNU_PROPERTY
  flags: number; // PF_X=1, PF_W=2, PF_R=4
  offset: bigint;
  vaddr: bigint;
  paddr: bigint;
  filesz: bigint;
  memsz: bigint;
  align: bigint;
}

export interface SectionHeader {
  index: number;
  name: string;
  type: number; // SHT_*
  flags: bigint; // SHF_*
  addr: bigint;
  offset: bigint;
  size: bigint;
  link: number;
  info: number;
  addralign: bigint;
  entsize: bigint;
}

export interface ElfSymbol {
  index: number;
  name: string;
  value: bigint;
  size: bigint;
  type: number; // STT_*: FUNC=2, OBJECT=1, GNU_IFUNC=10, ...
  bind: number; // STB_*: LOCAL=0, GLOBAL=1, WEAK=2
  visibility: number;
  shndx: number; // SHN_UNDEF=0 for imports
  /** Symbol version from .gnu.version{,_d,_r}, e.g. "GLIBC_2.2.5"; undefined when unversioned. */
  version?: string;
  /** True when the version is hidden (readelf prints '@' rather than '@@' for definitions). */
  versionHidden?: boolean;
  /** True when the version is required from another object (.gnu.version_r): imports and copy-relocated data. */
  versionNeeded?: boolean;
}

export interface DynamicEntry {
  tag: bigint; // DT_*
  value: bigint;
}

/** The dynamic section decoded into the parts users of the module ask for. */
export interface DynamicInfo {
  entries: DynamicEntry[];
  needed: string[];
  soname?: string;
  runpath?: string;
  rpath?: string;
  flags?: bigint;
  flags1?: bigint;
  init?: bigint;
  fini?: bigint;
  initArray: bigint[]; // function addresses read from DT_INIT_ARRAY (after RELATIVE relocation for PIE: the link-time value)
  finiArray: bigint[];
  preinitArray: bigint[];
}

export interface Relocation {
  /**
   * The section the relocation came from, e.g. ".rela.dyn", ".rela.plt", ".relr.dyn". Packed RELR
   * relocations are unpacked into one R_X86_64_RELATIVE each, with the implicit addend read from the slot.
   */
  section: string;
  offset: bigint;
  type: number; // R_X86_64_*: 64=1, GLOB_DAT=6, JUMP_SLOT=7, RELATIVE=8, TPOFF64=18, IRELATIVE=37, ...
  typeName: string; // "R_X86_64_JUMP_SLOT"
  symbolIndex: number;
  symbolName?: string; // resolved through the linked symbol table
  symbolVersion?: string;
  addend: bigint;
}

export interface ElfNote {
  owner: string; // "GNU"
  type: number; // NT_GNU_BUILD_ID=3, NT_GNU_PROPERTY_TYPE_0=5, NT_GNU_ABI_TAG=1
  desc: Uint8Array;
}

export interface FdeRange {
  start: bigint;
  end: bigint; // exclusive
}

/** A stretch of code to disassemble: an executable section, or an executable segment when there are no sections. */
export interface CodeRegion {
  name: string; // ".text", or "segment N"
  vaddr: bigint;
  offset: bigint; // file offset of the first byte
  bytes: Uint8Array;
}

export interface ElfFile {
  bytes: Uint8Array;
  /** The name given to readElf, used in error messages. */
  fileName?: string;
  header: ElfHeader;
  programHeaders: ProgramHeader[];
  sections: SectionHeader[];
  interpreter?: string; // PT_INTERP path
  symbols: ElfSymbol[]; // .symtab (empty when stripped)
  dynamicSymbols: ElfSymbol[]; // .dynsym
  dynamic?: DynamicInfo;
  relocations: Relocation[];
  notes: ElfNote[];
  buildId?: string; // hex
  /** Function ranges from .eh_frame (located through .eh_frame_hdr or the section), sorted by start. */
  fdes: FdeRange[];
}
