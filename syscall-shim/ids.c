/* Credentials of the calling process: real/effective/saved/fs user and group ids, supplementary
 * groups and capabilities, changed by the rules of Linux (kernel/sys.c, security/commoncap.c): a process
 * with CAP_SETUID (CAP_SETGID) may set any id, others only ids they already hold; leaving uid 0
 * drops capabilities, returning to euid 0 restores the permitted ones. The app starts as root with
 * every capability. The ids decide who may signal whom (signal.c) and who owns /proc/PID; files are
 * still created as root and their permissions are never checked (every process acts as root on them). */
#include "creds.h"
#include "errno.h"
#include "lib.h"
#include "process.h"
#include "syscalls.h"
#include "uaccess.h"

#define NO_ID 0xffffffffu /* (uid_t)-1: "leave unchanged" */
#define NGROUPS_MAX 65536 /* Linux's limit; more than NGROUPS (proc.h) is refused with ENOMEM */
#define CAP_SETGID 6
#define CAP_SETUID 7
#define CAP_SETPCAP 8
/* Capabilities that follow the fs uid: CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID,
 * LINUX_IMMUTABLE, MAC_OVERRIDE. */
#define CAP_FS_MASK (0x1fUL | 1UL << 9 | 1UL << 32)

static struct cred *cred(void) { return &proc_current()->cred; }

bool cred_capable(int cap) { return cred()->cap_eff & (1UL << cap); }
static bool capable(int cap) { return cred_capable(cap); }
static bool held(const struct ids *c, u32 id) { return id == c->r || id == c->e || id == c->s; }

/* Capability fix-ups after a user id change (cap_emulate_setxuid). */
static void fix_caps(struct ids old)
{
	struct cred *c = cred();
	bool old_root = !old.r || !old.e || !old.s;
	if (old_root && c->uid.r && c->uid.e && c->uid.s)
		c->cap_prm = c->cap_eff = 0;
	if (!old.e && c->uid.e)
		c->cap_eff = 0;
	if (old.e && !c->uid.e)
		c->cap_eff = c->cap_prm;
}

/* setresuid/setresgid: an unprivileged process may only pick ids it already holds. */
static long set_res(struct ids *c, int cap, u32 r, u32 e, u32 s)
{
	if (!capable(cap) && ((r != NO_ID && !held(c, r)) || (e != NO_ID && !held(c, e)) || (s != NO_ID && !held(c, s))))
		return -EPERM;
	if (r != NO_ID)
		c->r = r;
	if (e != NO_ID)
		c->e = e;
	if (s != NO_ID)
		c->s = s;
	c->fs = c->e;
	return 0;
}

static long set_re(struct ids *c, int cap, u32 r, u32 e)
{
	bool priv = capable(cap);
	if (r != NO_ID && !priv && r != c->r && r != c->e)
		return -EPERM;
	if (e != NO_ID && !priv && !held(c, e))
		return -EPERM;
	u32 old_r = c->r;
	if (r != NO_ID)
		c->r = r;
	if (e != NO_ID)
		c->e = e;
	if (r != NO_ID || (e != NO_ID && e != old_r))
		c->s = c->e;
	c->fs = c->e;
	return 0;
}

static long set_one(struct ids *c, int cap, u32 id)
{
	if (id == NO_ID)
		return -EINVAL;
	if (capable(cap))
		c->r = c->s = id;
	else if (id != c->r && id != c->s)
		return -EPERM;
	c->e = c->fs = id;
	return 0;
}

/* setfsuid/setfsgid return the old value whatever happens (so -1 reads it). */
static long set_fs(struct ids *c, int cap, u32 id)
{
	u32 old = c->fs;
	if (id != NO_ID && (capable(cap) || held(c, id) || id == c->fs))
		c->fs = id;
	return old;
}

static long get_res(const struct ids *c, u64 r, u64 e, u64 s)
{
	if (copy_to_user(r, &c->r, 4) || copy_to_user(e, &c->e, 4) || copy_to_user(s, &c->s, 4))
		return -EFAULT;
	return 0;
}

/* As Linux, a process whose effective or file-system ids change stops being dumpable (its /proc
 * files become root's) until PR_SET_DUMPABLE. */
static void undump_if_changed(struct ids before, const struct ids *now)
{
	if (before.e != now->e || before.fs != now->fs)
		proc_current()->dumpable = false;
}

/* Runs a uid change and the capability fix-up that follows it. */
#define UID_CHANGE(call)                                \
	do {                                            \
		struct ids old = cred()->uid;           \
		long err = (call);                      \
		if (!err) {                             \
			fix_caps(old);                  \
			undump_if_changed(old, &cred()->uid); \
			proc_ids_changed();             \
		}                                       \
		return err;                             \
	} while (0)

#define GID_CHANGE(call)                                \
	do {                                            \
		struct ids old = cred()->gid;           \
		long err = (call);                      \
		if (!err) {                             \
			undump_if_changed(old, &cred()->gid); \
			proc_ids_changed();             \
		}                                       \
		return err;                             \
	} while (0)

long sys_getuid(void) { return cred()->uid.r; }
long sys_geteuid(void) { return cred()->uid.e; }
long sys_getgid(void) { return cred()->gid.r; }
long sys_getegid(void) { return cred()->gid.e; }
long sys_getresuid(u64 r, u64 e, u64 s) { return get_res(&cred()->uid, r, e, s); }
long sys_getresgid(u64 r, u64 e, u64 s) { return get_res(&cred()->gid, r, e, s); }

long sys_setuid(unsigned id) { UID_CHANGE(set_one(&cred()->uid, CAP_SETUID, id)); }
long sys_setreuid(unsigned r, unsigned e) { UID_CHANGE(set_re(&cred()->uid, CAP_SETUID, r, e)); }
long sys_setresuid(unsigned r, unsigned e, unsigned s) { UID_CHANGE(set_res(&cred()->uid, CAP_SETUID, r, e, s)); }
long sys_setgid(unsigned id) { GID_CHANGE(set_one(&cred()->gid, CAP_SETGID, id)); }
long sys_setregid(unsigned r, unsigned e) { GID_CHANGE(set_re(&cred()->gid, CAP_SETGID, r, e)); }
long sys_setresgid(unsigned r, unsigned e, unsigned s) { GID_CHANGE(set_res(&cred()->gid, CAP_SETGID, r, e, s)); }
/* setfsuid and setfsgid return the previous fs id, not an error */
long sys_setfsgid(unsigned id)
{
	struct ids before = cred()->gid;
	long old = set_fs(&cred()->gid, CAP_SETGID, id);
	undump_if_changed(before, &cred()->gid);
	return old;
}

long sys_setfsuid(unsigned id)
{
	struct cred *c = cred();
	struct ids before = c->uid;
	u32 old = c->uid.fs;
	long ret = set_fs(&c->uid, CAP_SETUID, id);
	undump_if_changed(before, &c->uid);
	/* the fs capabilities follow the fs uid */
	if (!old && c->uid.fs)
		c->cap_eff &= ~CAP_FS_MASK;
	if (old && !c->uid.fs)
		c->cap_eff |= c->cap_prm & CAP_FS_MASK;
	return ret;
}

long sys_getgroups(int size, u64 list)
{
	if (size < 0)
		return -EINVAL;
	struct cred *c = cred();
	if (size == 0)
		return c->ngroups;
	if ((u64)size < c->ngroups)
		return -EINVAL;
	return copy_to_user(list, c->groups, c->ngroups * 4) ? -EFAULT : (long)c->ngroups;
}

long sys_setgroups(int size, u64 list)
{
	if (!capable(CAP_SETGID))
		return -EPERM;
	if (size < 0 || size > NGROUPS_MAX)
		return -EINVAL;
	if (size > NGROUPS)
		return -ENOMEM;
	u32 next[NGROUPS];
	if (copy_from_user(next, list, (u64)size * 4))
		return -EFAULT;
	/* kept sorted, as Linux does (getgroups returns them in order) */
	for (int i = 1; i < size; i++)
		for (int j = i; j > 0 && next[j - 1] > next[j]; j--) {
			u32 t = next[j];
			next[j] = next[j - 1];
			next[j - 1] = t;
		}
	memcpy(cred()->groups, next, (u64)size * 4);
	cred()->ngroups = (u32)size;
	return 0;
}

#define CAP_V1 0x19980330
#define CAP_V2 0x20071026
#define CAP_V3 0x20080522

struct cap_header {
	u32 version;
	i32 pid;
};

struct cap_data {
	u32 effective, permitted, inheritable;
};

/* The number of cap_data words the header's version carries; an unknown version is answered with
 * the preferred one written back and EINVAL. */
static long cap_words(u64 header, struct cap_header *h)
{
	if (copy_from_user(h, header, sizeof(*h)))
		return -EFAULT;
	if (h->version == CAP_V1)
		return 1;
	if (h->version == CAP_V2 || h->version == CAP_V3)
		return 2;
	u32 v = CAP_V3;
	return copy_to_user(header, &v, 4) ? -EFAULT : -EINVAL;
}

long sys_capget(u64 header, u64 data)
{
	struct cap_header h;
	long words = cap_words(header, &h);
	if (!data) /* a version probe: EINVAL only tells the version, written back */
		return words == -EINVAL ? 0 : MIN(words, 0L);
	if (words < 0)
		return words;
	if (h.pid < 0)
		return -EINVAL;
	struct proc *p = h.pid ? proc_find(h.pid) : proc_current();
	if (!p || p->state != PROC_ALIVE)
		return -ESRCH;
	const struct cred *c = &p->cred;
	struct cap_data d[2];
	for (int i = 0; i < 2; i++)
		d[i] = (struct cap_data){ (u32)(c->cap_eff >> 32 * i), (u32)(c->cap_prm >> 32 * i), (u32)(c->cap_inh >> 32 * i) };
	return copy_to_user(data, d, (u64)words * sizeof(d[0]));
}

long sys_capset(u64 header, u64 data)
{
	struct cap_header h;
	long words = cap_words(header, &h);
	if (words < 0)
		return words;
	if (h.pid != 0 && h.pid != proc_current()->pid)
		return -EPERM;
	struct cap_data d[2] = { 0 };
	if (copy_from_user(d, data, (u64)words * sizeof(d[0])))
		return -EFAULT;
	u64 eff = 0, prm = 0, inh = 0;
	for (int i = 0; i < words; i++) {
		eff |= (u64)d[i].effective << 32 * i;
		prm |= (u64)d[i].permitted << 32 * i;
		inh |= (u64)d[i].inheritable << 32 * i;
	}
	eff &= CAP_ALL, prm &= CAP_ALL, inh &= CAP_ALL;
	/* the bounding set is full: only these subset rules apply */
	struct cred *c = cred();
	if (!capable(CAP_SETPCAP) && (inh & ~(c->cap_inh | c->cap_prm)))
		return -EPERM;
	if ((prm & ~c->cap_prm) || (eff & ~prm))
		return -EPERM;
	c->cap_eff = eff, c->cap_prm = prm, c->cap_inh = inh;
	return 0;
}
