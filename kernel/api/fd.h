/* Descriptors and open files as the syscalls see them: the calling process's descriptor table,
 * open file descriptions (shared by dup and fork: one offset and one set of flags), reading and
 * writing them, pipes, eventfds, epoll, and readiness for poll and select. */
#pragma once
#include "sched.h"
#include "types.h"

/* Open flags (Linux values). */
#define O_ACCMODE 03
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DSYNC 010000
#define O_ASYNC 020000
#define O_DIRECT 040000
#define O_LARGEFILE 0100000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_NOATIME 01000000
#define O_CLOEXEC 02000000
#define O_PATH 010000000
#define O_TMPFILE 020200000

/* The most descriptors a process can have (Linux's fs.nr_open; RLIMIT_NOFILE's hard limit can be
 * raised up to it by root). */
#define NR_FDS 65536

struct inode;
struct epitem;

/* An open file description. */
struct file {
	struct inode *ino;
	u64 off;
	u32 flags; /* O_ACCMODE, O_APPEND, O_NONBLOCK, O_PATH, ... */
	u32 refs;
	struct epitem *epitems; /* its items on epoll interest lists (fs/epoll.c) */
	char *path; /* as opened (for /proc/PID/fd and getcwd of fchdir), may be NULL */
	void *priv;
	int owner;  /* F_SETOWN: the process (or -group) for SIGIO, recorded: no SIGIO is sent */
};

/* The calling process's descriptors. */
struct file *fd_get(long fd); /* NULL if not open */
/* The lowest free fd >= min, or -EMFILE when none is below RLIMIT_NOFILE, or -ENOMEM. */
long fd_install(struct file *f, long min, bool cloexec);
/* Puts f at fd, closing what was there (dup2): fd, or -EBADF (not below RLIMIT_NOFILE) or -ENOMEM. */
long fd_install_at(long fd, struct file *f, bool cloexec);
long fd_close(long fd);
long fd_cloexec(long fd);                 /* 1 or 0, or -EBADF */
long fd_set_cloexec(long fd, bool on);    /* 0 or -EBADF */
long fd_next(long from);                  /* the first open fd >= from, or -1 */
u64 fd_limit(void);      /* the caller's RLIMIT_NOFILE: new descriptors stay below it */
u64 fd_table_size(void); /* descriptors the caller's table has room for now (select looks no further) */
/* A table of the caller's own when it shares one with another process (CLONE_FILES): 0 or -ENOMEM. */
long fd_unshare(void);

void file_get(struct file *f);
void file_put(struct file *f);
/* Reads or writes at off; buf is kernel memory or user memory already checked. Reads of a regular
 * file stop at its end. Bytes moved, or -errno. */
long file_read(struct file *f, u8 *buf, u64 len, u64 off);
long file_write(struct file *f, const u8 *buf, u64 len, u64 off);
bool file_seekable(const struct file *f); /* reads and writes use and move its offset */
/* How much of len a read at off can return at most (a data file ends), so only that much of the
 * app's buffer is checked and backed. */
u64 file_read_limit(const struct file *f, u64 off, u64 len);
long file_ioctl(struct file *f, long req, u64 arg); /* the file's own requests; -ENOTTY if none */
/* FIONREAD: the bytes a read would return now; -ENOTTY when the file cannot tell. */
long file_readable(struct file *f);

long pipe_create(struct file **rd, struct file **wr);
/* An eventfd file with the given counter (semaphore: reads take 1). */
long eventfd_new(u64 initval, bool semaphore, bool nonblock, struct file **out);

/* Readiness (poll, select, epoll). */
#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#define POLLRDHUP 0x2000
#define POLL_ALWAYS (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM) /* Linux's DEFAULT_POLLMASK */

u32 file_poll(struct file *f);      /* events ready on f now */
bool file_pollable(struct file *f); /* f's readiness can change (it has a poll op) */
/* A poll or select call's watch on its files (fs/poll.c). Each look at the files goes through
 * poll_table_file; during the first look the call is hooked on each pollable file (and holds a
 * reference to it) until poll_table_end, so that a change of one of them wakes it, and nothing
 * else does. NULL when out of memory. deadline: monotonic ns, 0 for none. */
struct poll_table;
struct poll_table *poll_table_begin(u64 deadline);
/* The events ready on f now (wanted: those the caller asks for; once one is ready, the first look
 * stops hooking the call on further files: it will not sleep). */
u32 poll_table_file(struct poll_table *t, struct file *f, u32 wanted);
/* After a look that found nothing ready: blocks until a watched file changes, the deadline or a
 * signal. WAKE_NONE: out of memory for the watch (the call fails with ENOMEM). */
enum wake_reason poll_table_wait(struct poll_table *t);
void poll_table_end(struct poll_table *t);
/* A deadline from a timeout in ms (negative: none, 0: now). */
u64 poll_deadline_ms(long ms);
bool console_is_input(struct file *f); /* f reads the console's input */

/* epoll instances: an interest list of files and a list of those that may be ready. */
#define EPOLLIN 0x001
#define EPOLLPRI 0x002
#define EPOLLOUT 0x004
#define EPOLLERR 0x008
#define EPOLLHUP 0x010
#define EPOLLRDNORM 0x040
#define EPOLLRDBAND 0x080
#define EPOLLWRNORM 0x100
#define EPOLLWRBAND 0x200
#define EPOLLMSG 0x400
#define EPOLLRDHUP 0x2000
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

/* struct epoll_event: packed on x86-64. */
struct epoll_event_k {
	u32 events;
	u64 data;
} __attribute__((packed));

long epoll_new(struct file **out);
bool is_epoll(struct file *f);
/* One EPOLL_CTL_* on the instance ep for (target, fd); ev is NULL for DEL. */
long epoll_ctl(struct file *ep, int op, int fd, struct file *target, const struct epoll_event_k *ev);
/* Waits until an item is ready or the deadline (monotonic ns; 0: none), then copies up to max
 * events to the app's array at uevents. The number of events, or -EINTR. */
long epoll_wait(struct file *ep, u64 uevents, int max, u64 deadline);
