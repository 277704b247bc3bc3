// A kernel-shaped ELF for packager tests that need no real kernel: boot code at 1 MiB, the rest in
// the higher half (like kernel/kernel.ld), and a u64 ukify_bundle_paddr between two marker words.
// It does not boot; it is linked at test time with binutils.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const fakeKernelSource = `
    .section .boot, "ax"
    .globl _start
_start: hlt
    .text
    .globl kmain
kmain: ret
    .data
    .globl ukify_bundle_paddr
    .type ukify_bundle_paddr, @object
    .size ukify_bundle_paddr, 8
    .quad 0x1111111111111111
ukify_bundle_paddr: .quad 0
    .quad 0x2222222222222222
    .bss
    .zero 0x3000
`;

const script = `
ENTRY(_start)
SECTIONS {
  . = 0x100000;
  .boot : { *(.boot) }
  . = ALIGN(4096) + 0xffffffff80000000;
  .text : AT(ADDR(.text) - 0xffffffff80000000) { *(.text) }
  . = ALIGN(4096);
  .data : AT(ADDR(.data) - 0xffffffff80000000) { *(.data) }
  .bss : AT(ADDR(.bss) - 0xffffffff80000000) { *(.bss) }
}
`;

/** Assembles and links `asm` into dir/name.elf and returns its path. */
export function linkFakeKernel(dir: string, name: string, asm: string): string {
  writeFileSync(join(dir, `${name}.s`), asm);
  writeFileSync(join(dir, 'fake-kernel.ld'), script);
  execFileSync('as', ['--64', '-o', join(dir, `${name}.o`), join(dir, `${name}.s`)]);
  execFileSync('ld', ['-m', 'elf_x86_64', '-z', 'noexecstack', '-T', join(dir, 'fake-kernel.ld'), '-o', join(dir, `${name}.elf`), join(dir, `${name}.o`)]);
  return join(dir, `${name}.elf`);
}
