/* poll, ppoll, select, pselect6: wait until one of several descriptors is ready (see poll.h).
 * Interrupted by a handler they fail with EINTR; with no handler run they start again. */
#include "sched.h"
#include "fd.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "syscalls.h"
#include "uaccess.h"
#include "vfs.h"
#include "wait.h"

struct pollfd_k {
	i32 fd;
	u16 events, revents;
};

/* One look at every pollfd: revents written back, the count of ready ones returned. The array is
 * read a block at a time, and a revents is written only when it changes (an idle descriptor's
 * stays 0): thousands of descriptors cost two copies per block, not per entry. */
#define POLL_BLOCK 64

static long poll_once(struct poll_table *t, u64 ufds, u64 nfds)
{
	long ready = 0;
	struct pollfd_k p[POLL_BLOCK];
	for (u64 base = 0; base < nfds; base += POLL_BLOCK) {
		u64 n = MIN(nfds - base, (u64)POLL_BLOCK);
		if (copy_from_user(p, ufds + base * sizeof(*p), n * sizeof(*p)))
			return -EFAULT;
		for (u64 i = 0; i < n; i++) {
			struct file *f = p[i].fd < 0 ? NULL : fd_get(p[i].fd);
			u32 rev = 0;
			if (p[i].fd >= 0 && !f)
				rev = POLLNVAL;
			else if (f)
				rev = poll_table_file(t, f, p[i].events | POLLERR | POLLHUP) & (p[i].events | POLLERR | POLLHUP);
			ready += rev != 0;
			if (rev == p[i].revents)
				continue;
			p[i].revents = (u16)rev;
			if (copy_to_user(ufds + (base + i) * sizeof(*p) + 6, &p[i].revents, sizeof(p[i].revents)))
				return -EFAULT;
		}
	}
	return ready;
}

static long do_poll(u64 ufds, u64 nfds, u64 deadline)
{
	if (nfds > fd_limit())
		return -EINVAL;
	if (!user_range_ok(ufds, nfds * sizeof(struct pollfd_k), true))
		return -EFAULT;
	struct poll_table *t = poll_table_begin(deadline);
	if (!t)
		return -ENOMEM;
	long n;
	for (;;) {
		n = poll_once(t, ufds, nfds);
		if (n)
			break;
		enum wake_reason why = poll_table_wait(t);
		if (why == WAKE_SIGNAL || why == WAKE_NONE) {
			n = why == WAKE_NONE ? -ENOMEM : -ERESTARTNOHAND;
			break;
		}
		if (why == WAKE_TIMEOUT) {
			n = poll_once(t, ufds, nfds);
			break;
		}
	}
	poll_table_end(t);
	return n;
}

long sys_poll(u64 ufds, unsigned nfds, int timeout_ms)
{
	return do_poll(ufds, nfds, poll_deadline_ms(timeout_ms));
}

long sys_ppoll(u64 ufds, unsigned nfds, u64 utimeout, u64 umask, u64 sigsetsize)
{
	u64 deadline, old;
	long err = wait_deadline(utimeout, &deadline);
	if (!err)
		err = wait_mask_begin(umask, sigsetsize, &old);
	if (err)
		return err;
	long r = do_poll(ufds, nfds, deadline);
	wait_mask_end(umask, old, r);
	if (utimeout && wait_time_left(utimeout, deadline, false))
		return -EFAULT;
	return r;
}

/* select's three sets are read and written a block of descriptors at a time: no copy of them
 * is kept, whatever nfds (up to the table's size). */
#define BLOCK_WORDS 16
#define BLOCK_FDS (BLOCK_WORDS * 64)
#define SELECT_IN (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SELECT_OUT (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SELECT_EX POLLPRI

/* One look at the descriptors asked for in the sets at usets (in, out, except; 0: none); with
 * write, each set is overwritten by its ready ones. The number of ready bits, or -errno. */
static long select_once(struct poll_table *t, long nfds, const u64 usets[3], bool write)
{
	static const u32 wanted[3] = { SELECT_IN, SELECT_OUT, SELECT_EX };
	long ready = 0;
	for (long base = 0; base < nfds; base += BLOCK_FDS) {
		long n = MIN(nfds - base, BLOCK_FDS);
		u64 bytes = (u64)(n + 63) / 64 * 8, ask[3][BLOCK_WORDS], got[3][BLOCK_WORDS];
		memset(ask, 0, sizeof(ask));
		memset(got, 0, sizeof(got));
		for (int k = 0; k < 3; k++)
			if (usets[k] && copy_from_user(ask[k], usets[k] + (u64)base / 8, bytes))
				return -EFAULT;
		for (long i = 0; i < n; i++) {
			u64 bit = 1UL << (i % 64), w = (u64)i / 64;
			if (!((ask[0][w] | ask[1][w] | ask[2][w]) & bit))
				continue;
			struct file *f = fd_get(base + i);
			if (!f)
				return -EBADF;
			u32 want = 0;
			for (int k = 0; k < 3; k++)
				want |= ask[k][w] & bit ? wanted[k] : 0;
			u32 ev = poll_table_file(t, f, want);
			for (int k = 0; k < 3; k++) {
				if ((ask[k][w] & bit) && (ev & wanted[k])) {
					got[k][w] |= bit;
					ready++;
				}
			}
		}
		for (int k = 0; write && k < 3; k++)
			if (usets[k] && copy_to_user(usets[k] + (u64)base / 8, got[k], bytes))
				return -EFAULT;
	}
	return ready;
}

static long do_select(int nfds, u64 uin, u64 uout, u64 uex, u64 deadline)
{
	if (nfds < 0)
		return -EINVAL;
	nfds = (int)MIN((u64)nfds, fd_table_size()); /* as Linux: bits past the table are not looked at */
	const u64 usets[3] = { uin, uout, uex };
	struct poll_table *t = poll_table_begin(deadline);
	if (!t)
		return -ENOMEM;
	long r;
	for (;;) {
		r = select_once(t, nfds, usets, false);
		if (r)
			break;
		enum wake_reason why = poll_table_wait(t);
		if (why == WAKE_SIGNAL || why == WAKE_NONE) {
			r = why == WAKE_NONE ? -ENOMEM : -ERESTARTNOHAND;
			break;
		}
		if (why == WAKE_TIMEOUT)
			break;
	}
	if (r >= 0) /* the sets are written once, at the end: the ready ones, or none */
		r = select_once(t, nfds, usets, true);
	poll_table_end(t);
	return r;
}

struct timeval_k {
	i64 sec, usec;
};

long sys_select(int nfds, u64 uin, u64 uout, u64 uex, u64 utimeout)
{
	u64 deadline = 0;
	if (utimeout) {
		struct timeval_k tv;
		if (copy_from_user(&tv, utimeout, sizeof(tv)))
			return -EFAULT;
		/* whole seconds of microseconds count as seconds (Linux normalizes before checking) */
		i64 sec = tv.sec + tv.usec / 1000000, usec = tv.usec % 1000000;
		if (sec < 0 || usec < 0)
			return -EINVAL;
		u64 ns = MIN((u64)sec, 1UL << 32) * 1000000000UL + (u64)usec * 1000;
		deadline = clock_monotonic_ns() + ns;
	}
	long r = do_select(nfds, uin, uout, uex, deadline);
	if (utimeout && wait_time_left(utimeout, deadline, true))
		return -EFAULT;
	return r;
}

/* pselect6's sixth argument points at { const sigset_t *mask; size_t size; }. */
long sys_pselect6(int nfds, u64 uin, u64 uout, u64 uex, u64 utimeout, u64 usig)
{
	u64 deadline, sig[2] = { 0, 0 }, old;
	long err = wait_deadline(utimeout, &deadline);
	if (!err && usig && copy_from_user(sig, usig, sizeof(sig)))
		err = -EFAULT;
	if (!err)
		err = wait_mask_begin(sig[0], sig[1], &old);
	if (err)
		return err;
	long r = do_select(nfds, uin, uout, uex, deadline);
	wait_mask_end(sig[0], old, r);
	if (utimeout && wait_time_left(utimeout, deadline, false))
		return -EFAULT;
	return r;
}
