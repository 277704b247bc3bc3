/* The initial stack of the app, laid out as Linux does: argc, argv[], NULL, envp[], NULL, auxv,
 * then the strings and AT_RANDOM bytes near the top. */
#include "clock.h"
#include "cpu.h"
#include "elf.h"
#include "lib.h"
#include "mm.h"
#include "uaccess.h"
#include "vma.h"

enum {
	AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8,
	AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16,
	AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31, AT_MINSIGSTKSZ = 51,
};

static bool push_bytes(u64 *sp, const void *p, size_t n)
{
	*sp -= n;
	return copy_to_user(*sp, p, n) == 0;
}

static bool push_string(u64 *sp, const char *s, u64 *addr)
{
	bool ok = push_bytes(sp, s, strlen(s) + 1);
	*addr = *sp;
	return ok;
}

/* Pushes n strings as one block; returns the block's user address. */
static bool push_strings(u64 *sp, int n, const char **v, u64 *block)
{
	u64 total = 0;
	for (int i = 0; i < n; i++)
		total += strlen(v[i]) + 1;
	*sp -= total;
	*block = *sp;
	u64 at = *sp;
	for (int i = 0; i < n; i++) {
		u64 len = strlen(v[i]) + 1;
		if (copy_to_user(at, v[i], len))
			return false;
		at += len;
	}
	return true;
}

/* Writes the pointer vector for n strings stored back to back at block. */
static bool put_pointers(u64 *at, int n, const char **v, u64 block)
{
	for (int i = 0; i < n; i++) {
		if (copy_to_user(*at, &block, 8))
			return false;
		*at += 8;
		block += strlen(v[i]) + 1;
	}
	u64 zero = 0;
	bool ok = copy_to_user(*at, &zero, 8) == 0;
	*at += 8;
	return ok;
}

u64 exec_build_stack(const struct exec_image *img, int argc, const char **argv, int envc, const char **envp,
		     const char *execfn)
{
	/* 8 MiB stack; the page below it stays unmapped as a guard */
	if (!vma_map(mm_current(), STACK_TOP - STACK_SIZE, STACK_TOP, PROT_READ | PROT_WRITE))
		return 0;
	u64 sp = STACK_TOP - 16;
	u64 execfn_addr, platform_addr, random_addr, env_block, arg_block;
	u64 rnd[2] = { entropy_u64(), entropy_u64() };
	bool ok = push_string(&sp, execfn, &execfn_addr) && push_string(&sp, "x86_64", &platform_addr) &&
		  push_bytes(&sp, rnd, sizeof(rnd));
	random_addr = sp;
	u64 env_end = sp;
	ok = ok && push_strings(&sp, envc, envp, &env_block) && push_strings(&sp, argc, argv, &arg_block);
	if (!ok)
		return 0;
	mm_current()->arg_start = arg_block;
	mm_current()->arg_end = env_block;
	(void)env_end;
	u64 auxv[] = {
		AT_PHDR, img->phdr, AT_PHENT, 56, AT_PHNUM, img->phnum, AT_PAGESZ, PAGE_SIZE,
		AT_BASE, img->interp_base, AT_FLAGS, 0, AT_ENTRY, img->app_entry,
		AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0,
		AT_SECURE, 0, AT_RANDOM, random_addr, AT_HWCAP, cpu_hwcap(), AT_HWCAP2, 0,
		AT_PLATFORM, platform_addr, AT_EXECFN, execfn_addr, AT_CLKTCK, 100,
		AT_MINSIGSTKSZ, ALIGN_UP(cpu_xsave_size() + 1024, 16), AT_NULL, 0,
	};
	u64 words = 1 + (u64)argc + 1 + (u64)envc + 1 + ARRAY_LEN(auxv);
	sp = ALIGN_DOWN(sp, 16) - words * 8;
	sp = ALIGN_DOWN(sp, 16); /* rsp is 16-byte aligned at argc */
	u64 at = sp, argc64 = (u64)argc;
	ok = copy_to_user(at, &argc64, 8) == 0;
	at += 8;
	ok = ok && put_pointers(&at, argc, argv, arg_block) && put_pointers(&at, envc, envp, env_block) &&
	     copy_to_user(at, auxv, sizeof(auxv)) == 0;
	return ok ? sp : 0;
}
