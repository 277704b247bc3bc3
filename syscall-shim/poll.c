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

/* One look at every pollfd: revents written back, the count of ready ones returned. */
static long poll_once(u64 ufds, u64 nfds, bool *console)
{
	long ready = 0;
	for (u64 i = 0; i < nfds; i++) {
		struct pollfd_k p;
		if (copy_from_user(&p, ufds + i * sizeof(p), sizeof(p)))
			return -EFAULT;
		struct file *f = p.fd < 0 ? NULL : fd_get(p.fd);
		u32 rev = 0;
		if (p.fd >= 0 && !f)
			rev = POLLNVAL;
		else if (f)
			rev = file_poll(f) & (p.events | POLLERR | POLLHUP);
		if (f && console_is_input(f))
			*console = true;
		p.revents = (u16)rev;
		if (copy_to_user(ufds + i * sizeof(p) + 6, &p.revents, sizeof(p.revents)))
			return -EFAULT;
		ready += rev != 0;
	}
	return ready;
}

static long do_poll(u64 ufds, u64 nfds, u64 deadline)
{
	if (nfds > NR_FDS)
		return -EINVAL;
	if (!user_range_ok(ufds, nfds * sizeof(struct pollfd_k), true))
		return -EFAULT;
	for (bool timed_out = false;;) {
		bool console = false;
		long n = poll_once(ufds, nfds, &console);
		if (n || timed_out)
			return n;
		enum wake_reason why = poll_sleep(deadline, console);
		if (why == WAKE_SIGNAL)
			return -ERESTARTNOHAND;
		timed_out = why == WAKE_TIMEOUT;
	}
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

/* select's three sets, as bitmaps of up to NR_FDS descriptors. */
#define SET_WORDS (NR_FDS / 64)
#define SELECT_IN (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SELECT_OUT (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SELECT_EX POLLPRI

struct fdsets {
	u64 in[SET_WORDS], out[SET_WORDS], ex[SET_WORDS];
};

static long read_set(u64 uset, u64 *set, u64 bytes)
{
	memset(set, 0, SET_WORDS * 8);
	return uset ? copy_from_user(set, uset, bytes) : 0;
}

/* One look at the asked descriptors: the ready ones in got, their count returned. */
static long select_once(long nfds, const struct fdsets *ask, struct fdsets *got, bool *console)
{
	long ready = 0;
	memset(got, 0, sizeof(*got));
	for (long fd = 0; fd < nfds; fd++) {
		u64 bit = 1UL << (fd % 64), w = (u64)fd / 64;
		if (!((ask->in[w] | ask->out[w] | ask->ex[w]) & bit))
			continue;
		struct file *f = fd_get(fd);
		if (!f)
			return -EBADF;
		*console |= console_is_input(f);
		u32 ev = file_poll(f);
		if ((ask->in[w] & bit) && (ev & SELECT_IN))
			got->in[w] |= bit, ready++;
		if ((ask->out[w] & bit) && (ev & SELECT_OUT))
			got->out[w] |= bit, ready++;
		if ((ask->ex[w] & bit) && (ev & SELECT_EX))
			got->ex[w] |= bit, ready++;
	}
	return ready;
}

static long do_select(int nfds, u64 uin, u64 uout, u64 uex, u64 deadline)
{
	if (nfds < 0)
		return -EINVAL;
	nfds = MIN(nfds, NR_FDS);
	u64 bytes = (u64)(nfds + 63) / 64 * 8;
	struct fdsets *ask = kmalloc(sizeof(*ask)), *got = kmalloc(sizeof(*got));
	long r = ask && got ? 0 : -ENOMEM;
	if (!r && (read_set(uin, ask->in, bytes) || read_set(uout, ask->out, bytes) || read_set(uex, ask->ex, bytes)))
		r = -EFAULT;
	for (bool timed_out = false; !r;) {
		bool console = false;
		r = select_once(nfds, ask, got, &console);
		if (r < 0)
			break;
		if (r || timed_out) {
			if ((uin && copy_to_user(uin, got->in, bytes)) || (uout && copy_to_user(uout, got->out, bytes)) ||
			    (uex && copy_to_user(uex, got->ex, bytes)))
				r = -EFAULT;
			break;
		}
		enum wake_reason why = poll_sleep(deadline, console);
		if (why == WAKE_SIGNAL)
			r = -ERESTARTNOHAND;
		timed_out = why == WAKE_TIMEOUT;
	}
	kfree(ask);
	kfree(got);
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
