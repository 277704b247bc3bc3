/* PVH entry: QEMU starts us in 32-bit protected mode, paging off, %ebx = hvm_start_info.
 * We build throwaway page tables (identity, higher half and direct map of the first 1 GiB),
 * enter long mode and jump to kmain in the higher half; vmm_init replaces these tables. */
#define DIRECT_PML4_SLOT 273 /* 0xffff888000000000 */

	.section .note.Xen, "a", @note
	.align 4
	.long 4, 4, 18 /* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long pvh_start

	.section .boot.text, "ax"
	.code32
	.globl pvh_start
pvh_start:
	cli
	cld
	mov %ebx, %esi
	mov $boot_pml4, %edi
	mov $(4 * 4096 / 4), %ecx
	xor %eax, %eax
	rep stosl
	/* 512 x 2 MiB pages: physical 0..1 GiB */
	mov $boot_pd, %edi
	mov $0x83, %eax
	xor %ecx, %ecx
1:	mov %eax, (%edi,%ecx,8)
	add $0x200000, %eax
	inc %ecx
	cmp $512, %ecx
	jb 1b
	movl $(boot_pd + 3), boot_pdpt_low
	movl $(boot_pd + 3), boot_pdpt_high + 510 * 8
	movl $(boot_pdpt_low + 3), boot_pml4
	movl $(boot_pdpt_low + 3), boot_pml4 + DIRECT_PML4_SLOT * 8
	movl $(boot_pdpt_high + 3), boot_pml4 + 511 * 8
	mov %cr4, %eax
	or $0x20, %eax /* PAE */
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx
	rdmsr
	or $0x901, %eax /* EFER: SCE | LME | NXE */
	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax /* PG | WP | PE */
	mov %eax, %cr0
	lgdt boot_gdt_desc
	ljmp $0x08, $boot64

	.code64
boot64:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	movabs $boot_stack_top, %rsp
	xor %ebp, %ebp
	mov %esi, %edi
	movabs $kmain, %rax
	call *%rax
2:	hlt
	jmp 2b

	.section .boot.data, "aw"
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff /* 64-bit code */
	.quad 0x00cf92000000ffff /* data */
boot_gdt_desc:
	.word boot_gdt_desc - boot_gdt - 1
	.long boot_gdt

	.section .boot.bss, "aw", @nobits
	.align 4096
boot_pml4: .skip 4096
boot_pdpt_low: .skip 4096
boot_pdpt_high: .skip 4096
boot_pd: .skip 4096

	.bss
	.align 16
	.skip 16384
boot_stack_top:
