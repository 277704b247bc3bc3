/* Boot: memory map, page tables, CPU tables, console, clocks; then load the app from the bundle
 * and enter it in ring 3. */
#include "9p.h"
#include "allowlist.h"
#include "bundle.h"
#include "clock.h"
#include "cmdline.h"
#include "control.h"
#include "cpu.h"
#include "elf.h"
#include "fs.h"
#include "vfs.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "net.h"
#include "netdev.h"
#include "proc.h"
#include "run_stats.h"
#include "serial.h"
#include "trace.h"
#include "vdso.h"
#include "vma.h"
#include "x86.h"

#define PVH_MAGIC 0x336ec578
#define E820_RAM 1

struct hvm_start_info {
	u32 magic, version, flags, nr_modules;
	u64 modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	u32 memmap_entries, reserved;
};

struct hvm_memmap_entry {
	u64 addr, size;
	u32 type, reserved;
};

extern char __kernel_end[];
static struct cmdline cmd;

/* Boot phase timestamps (TSC), logged with `verbose` once the app is about to start. */
enum { T_ENTRY, T_TABLES, T_CPU, T_CLOCK, T_FS, T_NET, T_LOAD, T_COUNT };
static u64 stamps[T_COUNT];

static void log_boot_phases(void)
{
	static const char *const names[T_COUNT] = { "", "memory and page tables", "cpu tables", "clock",
						   "file system", "network device", "app load" };
	u64 khz = clock_tsc_khz();
	for (int i = 1; i < T_COUNT; i++)
		kinfo("boot: %s %lu us", names[i], (stamps[i] - stamps[i - 1]) * 1000 / khz);
	kinfo("boot: kernel entry to app %lu us", (stamps[T_COUNT - 1] - stamps[T_ENTRY]) * 1000 / khz);
}

/* Registers RAM with the frame allocator; returns the top of RAM. */
static u64 read_memory_map(const struct hvm_start_info *si)
{
	if (si->version < 1 || !si->memmap_entries)
		panic("PVH start info has no memory map");
	const struct hvm_memmap_entry *m = phys_to_virt(si->memmap_paddr);
	u64 top = 0, total = 0;
	for (u32 i = 0; i < si->memmap_entries; i++) {
		if (m[i].type != E820_RAM)
			continue;
		pmm_add_region(m[i].addr, m[i].addr + m[i].size);
		top = MAX(top, m[i].addr + m[i].size);
		total += m[i].size;
	}
	pmm_set_ram_size(total);
	return top;
}

/* argv from the bundle, argv[1..] replaced by the command line's `--` part, env merged. */
static void build_args(struct boot_args *a)
{
	bundle_args(a);
	if (cmd.has_args) {
		const char **argv = kmalloc(sizeof(char *) * (u64)(cmd.nargs + 2));
		argv[0] = a->argv[0];
		for (int i = 0; i < cmd.nargs; i++)
			argv[i + 1] = cmd.args[i];
		argv[cmd.nargs + 1] = NULL;
		a->argv = argv;
		a->argc = cmd.nargs + 1;
	}
	if (cmd.nenv) {
		const char **envp = kmalloc(sizeof(char *) * (u64)(a->envc + cmd.nenv + 1));
		int n = 0;
		for (int i = 0; i < a->envc; i++) {
			const char *eq = strchr(a->envp[i], '=');
			size_t klen = eq ? (size_t)(eq - a->envp[i]) + 1 : strlen(a->envp[i]);
			bool replaced = false;
			for (int j = 0; j < cmd.nenv; j++)
				replaced |= !strncmp(cmd.env[j], a->envp[i], klen);
			if (!replaced)
				envp[n++] = a->envp[i];
		}
		for (int j = 0; j < cmd.nenv; j++)
			envp[n++] = cmd.env[j];
		envp[n] = NULL;
		a->envp = envp;
		a->envc = n;
	}
}


/* The app's working directory: the one /.ukify/workdir names when the image has it (IMAGE.md), else /.
 * The file is read in place from the initrd, like the app: opening it through the VFS would run
 * (and, under TCG, translate) the whole open path for one small file at every boot. */
static void enter_workdir(void)
{
	static char dir[1024];
	struct file_ref f;
	if (!initrd_find("/.ukify/workdir", &f) || !S_ISREG(f.mode) || !f.size)
		return;
	u64 n = MIN(f.size, sizeof(dir) - 1);
	memcpy(dir, f.data, n);
	dir[n] = 0;
	long err = vfs_chdir(dir);
	if (err) {
		kerr("the working directory '%s' cannot be entered (error %ld)", dir, -err);
		power_off(127);
	}
}

static NORETURN void start_app(void)
{
	struct boot_args a;
	build_args(&a);
	char path[256];
	snprintf(path, sizeof(path), "%s%s", a.argv[0][0] == '/' ? "" : "/", a.argv[0]);
	static struct regs r;
	exec_first(path, a.argc, a.argv, a.envc, a.envp, &r);
	stamps[T_LOAD] = rdtsc();
	log_boot_phases();
	vdso_ids_before_user();
	run_stats_to_user();
	enter_user(&r);
}

void kmain(u32 start_info_pa)
{
	stamps[T_ENTRY] = rdtsc();
	const struct hvm_start_info *si = phys_to_virt(start_info_pa);
	if (si->magic != PVH_MAGIC)
		panic("not started through PVH");
	cmdline_parse(si->cmdline_paddr ? phys_to_virt(si->cmdline_paddr) : NULL, &cmd);
	u64 ram_top = read_memory_map(si);
	pmm_reserve(0x100000, virt_to_phys(__kernel_end));
	bool have_bundle = bundle_open(ram_top);
	if (have_bundle) {
		u64 bs, be;
		bundle_extent(&bs, &be);
		pmm_reserve(bs, be);
	}
	pmm_init_refs(ram_top);
	vmm_init(ram_top);
	stamps[T_TABLES] = rdtsc();
	gdt_init();
	idt_init();
	fpu_init();
	syscall_init();
	serial_init(COM1);
	serial_init(COM2);
	stamps[T_CPU] = rdtsc();
	clock_init(cmd.tsc_khz);
	lapic_init();
	stamps[T_CLOCK] = rdtsc();
	kinfo("boot: %lu KiB RAM, %lu KiB free", ram_top >> 10, pmm_free_bytes() >> 10);
	if (!have_bundle)
		power_off(127);
	fs_init();
	control_init();
	proc_init();
	volumes_init(cmd.raw); /* before the working directory, which may be in a volume */
	enter_workdir();
	fs_trace_missing = cmd.trace_missing;
	trace_on = cmd.strace;
	allowlist_init();
	stamps[T_FS] = rdtsc();
	netdev_init(cmd.raw);
	net_configure(cmd.raw);
	stamps[T_NET] = rdtsc();
	start_app();
}
