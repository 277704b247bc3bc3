// The image: the kernel ELF with its `ukify_bundle_paddr` variable set and the bundle appended as
// one more PT_LOAD (kernel/IMAGE.md). Pure: kernel bytes and bundle in, image bytes out.
import { appendLoadSegment, patchAtVaddr, PF_R, PT_LOAD, type ElfFile } from '../analyzer/elf/index.js';

const BUNDLE_ALIGN = 2n * 1024n * 1024n;
const BUNDLE_SYMBOL = 'ukify_bundle_paddr';
const FILE_ALIGN = 4096n;

export class KernelError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
}

export interface BundlePlacement {
  /** Guest-physical address: 2 MiB-aligned, above every kernel segment. */
  paddr: bigint;
  /** Virtual address, with the same virtual-physical offset as the kernel's last segment. */
  vaddr: bigint;
  /** Virtual address of the kernel's u64 `ukify_bundle_paddr`. */
  variable: bigint;
}

export function planBundle(kernel: ElfFile): BundlePlacement {
  const loads = kernel.programHeaders.filter((p) => p.type === PT_LOAD);
  const last = loads.reduce<(typeof loads)[number] | undefined>((top, p) => (top === undefined || p.paddr > top.paddr ? p : top), undefined);
  if (last === undefined) throw new KernelError('the kernel ELF has no PT_LOAD segment (rebuild it: make -C kernel)');
  const end = loads.reduce((e, p) => (p.paddr + p.memsz > e ? p.paddr + p.memsz : e), 0n);
  const paddr = ((end + BUNDLE_ALIGN - 1n) / BUNDLE_ALIGN) * BUNDLE_ALIGN;
  const variable = kernel.symbols.find((s) => s.name === BUNDLE_SYMBOL && s.shndx !== 0);
  if (variable === undefined) {
    throw new KernelError(`the kernel ELF has no '${BUNDLE_SYMBOL}' symbol (is it stripped? rebuild it: make -C kernel)`);
  }
  if (variable.size !== 8n) throw new KernelError(`the kernel's '${BUNDLE_SYMBOL}' is ${variable.size} bytes, not a u64`);
  return { paddr, vaddr: paddr + (last.vaddr - last.paddr), variable: variable.value };
}

/** The kernel with the bundle appended and `ukify_bundle_paddr` patched. */
export function assembleImage(kernel: ElfFile, bundle: Uint8Array): Uint8Array {
  const place = planBundle(kernel);
  const value = new Uint8Array(8);
  new DataView(value.buffer).setBigUint64(0, place.paddr, true);
  const patched = patchAtVaddr(kernel.bytes, kernel, place.variable, value);
  // Page alignment in the file is enough: only the physical address must sit on 2 MiB, and a
  // 2 MiB p_align would pad the file with up to 2 MiB of zeros.
  return appendLoadSegment(patched, kernel, { data: bundle, vaddr: place.vaddr, paddr: place.paddr, flags: PF_R, align: FILE_ALIGN });
}
