/* The vDSO (vdso.c, linked by kernel/Makefile into build/kernel/vdso/vdso.so) inside the kernel
 * image, page aligned and padded to whole pages: kernel/vdso.c maps these very pages into every
 * process, read-only. VDSO_SO is the built file's path. */
	.section .rodata.vdso, "a"
	.balign 4096
	.globl vdso_image_start, vdso_image_end
vdso_image_start:
	.incbin VDSO_SO
	.balign 4096
vdso_image_end:
	.section .note.GNU-stack, "", @progbits
