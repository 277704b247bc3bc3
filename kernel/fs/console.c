/* The console devices: COM1 carries the app's stdin and stdout, COM2 its stderr (IMAGE.md).
 * Received bytes move from the UART into the line discipline (tty.c) on COM1's interrupt and
 * whenever a read looks (readers sleep on a wait queue the interrupt wakes); while the discipline has no room they stay in the UART, so QEMU stops
 * reading its input and the runner stops feeding it (back-pressure). Modes (console=):
 *   tty     a terminal: Linux's default termios (canonical, echo, ICRNL, ONLCR, ISIG) until the
 *           app changes it; the runner's own terminal is raw, so ours is the only discipline.
 *   framed  piped input: 0xff 0xff stands for a data byte 0xff, 0xff 0x00 for the end of the input
 *           (reads return 0 from then on), other 0xff pairs are reserved and ignored; output
 *           bytes pass unchanged.
 *   (none)  raw bytes both ways and no end of input, for QEMU started by hand.
 * terminals= says which of fds 0, 1 and 2 are terminals on the host: those are the terminal
 * devices here, the others pipe-likes (S_IFIFO, terminal ioctls fail with ENOTTY), as Linux
 * gives a program whose stdio is redirected. Both kinds carry the same bytes.
 * With a mode the UART's FIFO is enabled and `ukify-console: ready` written on the debugcon: the
 * runner sends no input before it, as enabling the FIFO drops what the receiver holds. */
#include "console.h"
#include "clock.h"
#include "errno.h"
#include "ioapic.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "poll.h"
#include "proc.h"
#include "run_stats.h"
#include "sched.h"
#include "serial.h"
#include "signal.h"
#include "tty.h"
#include "uaccess.h"
#include "vfs.h"
#include "x86.h"

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCGPGRP 0x540f
#define TIOCSPGRP 0x5410
#define TIOCGSID 0x5429
#define TIOCGWINSZ 0x5413
#define MKDEV(ma, mi) (((u64)(ma) << 8) | (mi))
#define COM1_IRQ 4
#define DEBUGCON 0xe9
#define FRAME_ESC 0xff
#define FRAME_EOF 0x00
#define DECISECOND_NS 100000000UL

enum mode { RAW, FRAMED, TTY };
static enum mode mode = RAW;
static struct tty tty;
static bool escaped;         /* framed: the last byte was FRAME_ESC */
static struct inode *con_out, *con_err, *con_tty;
static struct inode *pipe_in, *pipe_out, *pipe_err; /* the pipe-likes for fds that are not terminals */
static int session, foreground; /* the session it controls; its foreground process group */
static int terminals = -1;      /* bit N: fd N is a terminal (terminals=); -1: not given */

void console_set_mode(const char *name)
{
	if (!strcmp(name, "tty"))
		mode = TTY;
	else if (!strcmp(name, "framed"))
		mode = FRAMED;
	else
		kwarn("console=%s is not a console mode (tty, framed): the console stays raw", name);
}

void console_set_terminals(const char *list)
{
	int set = 0;
	for (const char *p = list; strcmp(list, "none") && *p; p += p[1] ? 2 : 1) {
		if (*p < '0' || *p > '2' || (p[1] && p[1] != ',')) {
			kwarn("terminals=%s is not a list of 0, 1, 2 (or none): ignored", list);
			return;
		}
		set |= 1 << (*p - '0');
	}
	terminals = set;
}

static bool is_terminal(int fd) { return terminals & (1 << fd); }
static bool writes_com2(const struct inode *ino) { return ino == con_err || (pipe_err && ino == pipe_err); }
static bool is_pipe(const struct inode *ino) { return ino && (ino == pipe_in || ino == pipe_out || ino == pipe_err); }

static void emit(const u8 *buf, size_t len) { serial_write(COM1, buf, len); }

static void send_signal(int sig)
{
	struct siginfo_k info = { .signo = sig, .code = SI_KERNEL };
	proc_signal_group(foreground, &info);
}

static void frame_byte(u8 c)
{
	if (escaped) {
		escaped = false;
		if (c == FRAME_EOF)
			tty.eof = true;
		else if (c == FRAME_ESC && !tty.eof)
			tty_receive(&tty, c);
	} else if (c == FRAME_ESC) {
		escaped = true;
	} else if (!tty.eof) {
		tty_receive(&tty, c);
	}
}

/* Moves received bytes into the discipline while it has room. */
static void pump(void)
{
	while (tty_can_receive(&tty) && serial_can_read(COM1)) {
		u8 c = serial_read_byte(COM1);
		if (mode == FRAMED)
			frame_byte(c);
		else
			tty_receive(&tty, c);
	}
}

/* Threads blocked in a console read; any received byte wakes them to look. */
static struct waitq readers;

void console_irq(void)
{
	pump();
	waitq_wake_all(&readers);
	poll_wake(con_out);
	poll_wake(con_tty);
	if (pipe_in)
		poll_wake(pipe_in);
}

void console_attach(int sid, int pgid)
{
	session = sid;
	foreground = pgid;
}

int console_session(void) { return session; }
int console_foreground_group(void) { return foreground; }

bool console_awaited(void) { return readers.head != NULL || poll_awaits_console(); }

bool console_is_input(struct file *f) { return f->ino == con_out || f->ino == con_tty || (pipe_in && f->ino == pipe_in); }

bool console_reopens(const struct file *f) { return is_pipe(f->ino); }

static bool canonical(void) { return tty.discipline && (tty.t.lflag & ICANON); }

/* Whether a read wanting `want` bytes (non-canonical) returns now. */
static bool satisfied(u64 want)
{
	pump();
	if (canonical() || tty.eof)
		return tty_read_ready(&tty);
	return tty_available(&tty) >= want;
}

/* Linux's rules: canonical mode returns one line; otherwise VMIN bytes are awaited and VTIME
 * (tenths of a second) bounds the wait, for the first byte when VMIN is 0, between bytes else.
 * A signal ends the wait (restarted after an SA_RESTART handler) unless some input is there. */
static long console_read(struct file *f, u8 *buf, u64 len, u64 off)
{
	(void)off;
	if (!len)
		return 0;
	u64 vmin = 1, vtime = 0;
	if (tty.discipline && !canonical()) {
		vmin = tty.t.cc[VMIN];
		vtime = tty.t.cc[VTIME];
	}
	u64 want = canonical() ? 1 : MIN(vmin, len), deadline = 0, seen = 0;
	if (!vmin && vtime) {
		want = 1;
		deadline = clock_monotonic_ns() + vtime * DECISECOND_NS;
	}
	while (!satisfied(want)) {
		if (f->flags & O_NONBLOCK) {
			if (tty_read_ready(&tty))
				break;
			return -EAGAIN;
		}
		if (vmin && vtime && tty_available(&tty) != seen) { /* a byte came: the timer starts over */
			seen = tty_available(&tty);
			deadline = clock_monotonic_ns() + vtime * DECISECOND_NS;
		}
		enum wake_reason why = sched_block(&readers, deadline, true);
		if (why == WAKE_TIMEOUT)
			break;
		if (why == WAKE_SIGNAL) {
			if (tty_read_ready(&tty))
				break;
			return -ERESTARTSYS;
		}
	}
	long n = (long)tty_read(&tty, buf, len);
	run_stats.console_in += (u64)n;
	pump(); /* room was made: take what waits in the UART */
	return n;
}

static long console_write(struct file *f, const u8 *buf, u64 len, u64 off)
{
	(void)off;
	run_stats.console_out += len;
	if (writes_com2(f->ino))
		serial_write(COM2, buf, len);
	else
		tty_write(&tty, buf, len);
	return (long)len;
}

static long console_ioctl(struct file *f, long req, u64 arg)
{
	(void)f;
	switch (req) {
	case TCGETS:
		return copy_to_user(arg, &tty.t, sizeof(tty.t));
	case TCSETS:
	case TCSETSW: /* output is written synchronously: nothing to drain */
	case TCSETSF: {
		struct termios_k t;
		long err = copy_from_user(&t, arg, sizeof(t));
		if (!err)
			tty_set_termios(&tty, &t, req == TCSETSF);
		return err;
	}
	case TIOCGWINSZ: {
		u16 ws[4] = { 24, 80, 0, 0 };
		return copy_to_user(arg, ws, sizeof(ws));
	}
	case TIOCGPGRP:
	case TIOCGSID: {
		if (proc_current()->sid != session)
			return -ENOTTY; /* not the caller's controlling terminal */
		i32 id = req == TIOCGPGRP ? foreground : session;
		return copy_to_user(arg, &id, sizeof(id));
	}
	case TIOCSPGRP: {
		i32 pgrp;
		if (proc_current()->sid != session)
			return -ENOTTY;
		if (copy_from_user(&pgrp, arg, sizeof(pgrp)))
			return -EFAULT;
		if (pgrp < 0)
			return -EINVAL;
		if (!proc_group_in_session(pgrp, session))
			return -EPERM;
		foreground = pgrp;
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

static u64 console_readable(struct file *f)
{
	if (writes_com2(f->ino) || f->ino == pipe_out)
		return 0;
	pump();
	return tty_available(&tty);
}

/* Readable when a read would not block (a line, in canonical mode), as Linux's n_tty; output
 * never waits. The stdin pipe-like is hung up at the end of the input. */
static u32 console_poll(struct file *f)
{
	if (writes_com2(f->ino) || f->ino == pipe_out)
		return POLLOUT | POLLWRNORM;
	pump();
	bool ready = tty_read_ready(&tty) && !(f->ino == pipe_in && tty.eof && !tty_available(&tty));
	u32 in = ready ? POLLIN | POLLRDNORM : 0;
	if (f->ino == pipe_in)
		return in | (tty.eof ? POLLHUP : 0);
	return in | POLLOUT | POLLWRNORM;
}

static void pipe_name(const struct inode *ino, char *buf, size_t size) { snprintf(buf, size, "pipe:[%lu]", ino->ino); }

/* Opened again through /proc/self/fd/N (/dev/stdout): named as the pipe it is, as on Linux. */
static long pipe_open(struct file *f)
{
	char name[32];
	pipe_name(f->ino, name, sizeof(name));
	char *copy = kmalloc(strlen(name) + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, name, strlen(name) + 1);
	kfree(f->path);
	f->path = copy;
	return 0;
}

static const struct file_ops console_ops = {
	.read = console_read, .write = console_write, .ioctl = console_ioctl, .readable = console_readable, .poll = console_poll,
};
/* The pipe-likes: read or written like the console, no terminal ioctls (ENOTTY) */
static const struct file_ops pipe_in_ops = { .open = pipe_open, .read = console_read, .readable = console_readable, .poll = console_poll };
static const struct file_ops pipe_out_ops = { .open = pipe_open, .write = console_write, .readable = console_readable, .poll = console_poll };


static void announce_ready(void)
{
	static const char line[] = "ukify-console: ready\n";
	for (size_t i = 0; i < sizeof(line) - 1; i++)
		outb(DEBUGCON, (u8)line[i]);
}

void console_init(struct inode *dev)
{
	con_out = dev_node(S_IFCHR | 0620, MKDEV(4, 64), &console_ops);
	con_err = dev_node(S_IFCHR | 0620, MKDEV(4, 65), &console_ops);
	dev_add(dev, "console", con_out);
	con_tty = dev_node(S_IFCHR | 0666, MKDEV(5, 0), &console_ops);
	dev_add(dev, "tty", con_tty);
	dev_add(dev, "ttyS0", con_out);
	dev_add(dev, "ttyS1", con_err);
	if (terminals < 0) /* not given (QEMU started by hand): only framed input is not a terminal */
		terminals = mode == FRAMED ? 6 : 7;
	if (!is_terminal(0))
		pipe_in = dev_node(S_IFIFO | 0600, 0, &pipe_in_ops);
	if (!is_terminal(1))
		pipe_out = dev_node(S_IFIFO | 0600, 0, &pipe_out_ops);
	if (!is_terminal(2))
		pipe_err = dev_node(S_IFIFO | 0600, 0, &pipe_out_ops);

	tty_init(&tty, mode == TTY);
	tty.emit = emit;
	tty.signal = send_signal;
	ioapic_route(COM1_IRQ, CONSOLE_VECTOR);
	if (mode != RAW)
		serial_enable_fifo(COM1);
	serial_enable_rx_irq(COM1);
	if (mode != RAW)
		announce_ready();
}

static struct file *open_or_panic(struct inode *ino, u32 flags, const char *path)
{
	char name[32];
	if (is_pipe(ino))
		pipe_name(ino, name, sizeof(name));
	struct file *f = file_new(ino, flags, is_pipe(ino) ? name : path);
	if (!f)
		panic("out of memory opening the console");
	return f;
}

void console_std_files(struct file *std[3])
{
	/* fds 0 and 1 on the terminal share one open file, as a login's dup of one open does */
	struct file *tty = is_terminal(0) || is_terminal(1) ? open_or_panic(con_out, O_RDWR, "/dev/ttyS0") : NULL;
	if (is_terminal(0) && is_terminal(1))
		file_get(tty);
	std[0] = is_terminal(0) ? tty : open_or_panic(pipe_in, O_RDONLY, NULL);
	std[1] = is_terminal(1) ? tty : open_or_panic(pipe_out, O_WRONLY, NULL);
	std[2] = open_or_panic(is_terminal(2) ? con_err : pipe_err, O_WRONLY, "/dev/ttyS1");
}
