/* The QEMU floor: the least a PVH kernel can do. QEMU enters _start in 32-bit protected mode
 * (the XEN_ELFNOTE_PHYS32_ENTRY note below); we write 0 to isa-debug-exit at 0xf4, which powers
 * the VM off at once. Built with -DCHANNELS it first writes known bytes to COM1, COM2 and the
 * debugcon, so that tests can check the runner's channels without the real kernel. */

    .section .note.Xen, "a"
    .p2align 2
    .long 4, 4, 18              /* namesz, descsz, type XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long _start

    .text
    .code32
    .globl _start
_start:
#ifdef CHANNELS
    mov $0x3f8, %dx
    mov $com1, %esi
    mov $com1_end - com1, %ecx
    rep outsb
    mov $0x2f8, %dx
    mov $com2, %esi
    mov $com2_end - com2, %ecx
    rep outsb
    mov $0xe9, %dx
    mov $dbg, %esi
    mov $dbg_end - dbg, %ecx
    rep outsb
#endif
    mov $0xf4, %dx
    xor %eax, %eax
    out %eax, %dx
1:  hlt
    jmp 1b

#ifdef CHANNELS
    .data
/* Bytes a terminal layer would mangle: CR, LF, NUL, 0xff. */
com1: .ascii "out\n\r\n\0\377end"
com1_end:
com2: .ascii "err\n"
com2_end:
dbg:  .ascii "ukify: channel test\nukify-exit: 42\n"
dbg_end:
#endif
