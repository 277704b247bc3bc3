/* The console devices: COM1 carries the app's stdin and stdout, COM2 its stderr (IMAGE.md).
 * Received bytes move from the UART into the line discipline (tty.c) on COM1's interrupt and
 * whenever a read looks (readers sleep on a wait queue the interrupt wakes); while the discipline has no room they stay in the UART, so QEMU stops
 * reading its input and the runner stops feeding it (back-pressure). Modes (console=):
 *   tty     a terminal: Linux's default termios (canonical, echo, ICRNL, ONLCR, ISIG) until the
 *           app changes it; the runner's own terminal is raw, so ours is the only discipline.
 *   framed  piped input: 0xff 0xff stands for a data byte 0xff, 0xff 0x00 for the end of the input
 *           (reads return 0 from then on), other 0xff pairs are reserved and ignored. Stdin is a
 *           pipe-like file, not a terminal; output bytes pass unchanged.
 *   (none)  raw bytes both ways and no end of input, for QEMU started by hand.
 * With a mode the UART's FIFO is enabled and `ukify-console: ready` written on the debugcon: the
 * runner sends no input before it, as enabling the FIFO drops what the receiver holds. */
#include "console.h"
#include "clock.h"
#include "errno.h"
#include "ioapic.h"
#include "lib.h"
#include "log.h"
#include "poll.h"
#include "proc.h"
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
static struct inode *con_out, *con_err, *con_pipe, *con_tty;
static int session, foreground; /* the session it controls; its foreground process group */

void console_set_mode(const char *name)
{
	if (!strcmp(name, "tty"))
		mode = TTY;
	else if (!strcmp(name, "framed"))
		mode = FRAMED;
	else
		kwarn("console=%s is not a console mode (tty, framed): the console stays raw", name);
}

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
	if (con_pipe)
		poll_wake(con_pipe);
}

void console_attach(int sid, int pgid)
{
	session = sid;
	foreground = pgid;
}

int console_session(void) { return session; }
int console_foreground_group(void) { return foreground; }

bool console_awaited(void) { return readers.head != NULL || poll_awaits_console(); }

bool console_is_input(struct file *f) { return f->ino == con_out || f->ino == con_tty || (con_pipe && f->ino == con_pipe); }

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
	pump(); /* room was made: take what waits in the UART */
	return n;
}

static long console_write(struct file *f, const u8 *buf, u64 len, u64 off)
{
	(void)off;
	if (f->ino == con_err)
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
	if (f->ino == con_err)
		return 0;
	pump();
	return tty_available(&tty);
}

/* Readable when a read would not block (a line, in canonical mode), as Linux's n_tty; output
 * never waits. The framed stdin is a pipe: hung up at the end of the input. */
static u32 console_poll(struct file *f)
{
	if (f->ino == con_err)
		return POLLOUT | POLLWRNORM;
	pump();
	bool ready = tty_read_ready(&tty) && !(f->ino == con_pipe && tty.eof && !tty_available(&tty));
	u32 in = ready ? POLLIN | POLLRDNORM : 0;
	if (f->ino == con_pipe)
		return in | (tty.eof ? POLLHUP : 0);
	return in | POLLOUT | POLLWRNORM;
}

static const struct file_ops console_ops = {
	.read = console_read, .write = console_write, .ioctl = console_ioctl, .readable = console_readable, .poll = console_poll,
};
/* console=framed's stdin: reads like the console, no terminal ioctls (ENOTTY), not writable */
static const struct file_ops pipe_ops = { .read = console_read, .readable = console_readable, .poll = console_poll };


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
	if (mode == FRAMED)
		con_pipe = dev_node(S_IFIFO | 0600, 0, &pipe_ops);

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

struct file *console_file(bool err)
{
	struct file *f = file_new(err ? con_err : con_out, err ? O_WRONLY : O_RDWR, err ? "/dev/ttyS1" : "/dev/ttyS0");
	if (!f)
		panic("out of memory opening the console");
	return f;
}

struct file *console_stdin(struct file *out)
{
	if (!con_pipe) {
		file_get(out);
		return out;
	}
	struct file *f = file_new(con_pipe, O_RDONLY, "pipe:[1]");
	if (!f)
		panic("out of memory opening the console");
	return f;
}
