/* A terminal line discipline (Linux's N_TTY semantics for the cases programs rely on): input
 * processing (ICRNL, ISTRIP, ...), canonical line editing with echo (erase, kill, word erase,
 * reprint, literal next, EOF), signal characters, output processing (ONLCR, OCRNL) and the queue of
 * bytes a read can take. Hardware and signals are reached through the two callbacks only. */
#pragma once
#include "types.h"

/* struct termios as the kernel's TCGETS/TCSETS carry it (NCCS = 19). */
struct termios_k {
	u32 iflag, oflag, cflag, lflag;
	u8 line, cc[19];
};

/* c_iflag */
#define ISTRIP 0000040
#define INLCR 0000100
#define IGNCR 0000200
#define ICRNL 0000400
#define IXON 0002000
#define IUTF8 0040000
/* c_oflag */
#define OPOST 0000001
#define ONLCR 0000004
#define OCRNL 0000010
#define ONOCR 0000020
#define ONLRET 0000040
/* c_lflag */
#define ISIG 0000001
#define ICANON 0000002
#define ECHO 0000010
#define ECHOE 0000020
#define ECHOK 0000040
#define ECHONL 0000100
#define NOFLSH 0000200
#define ECHOCTL 0001000
#define ECHOKE 0004000
#define IEXTEN 0100000
/* c_cc indices */
#define VINTR 0
#define VQUIT 1
#define VERASE 2
#define VKILL 3
#define VEOF 4
#define VTIME 5
#define VMIN 6
#define VSTART 8
#define VSTOP 9
#define VSUSP 10
#define VEOL 11
#define VREPRINT 12
#define VDISCARD 13
#define VWERASE 14
#define VLNEXT 15
#define VEOL2 16

#define TTY_QUEUE 8192 /* bytes a read can take (a power of two) */
#define TTY_LINE 4095  /* longest line being edited, as Linux's N_TTY_BUF_SIZE - 1 */
#define TTY_ENDS 256   /* complete lines waiting for a read */

struct tty {
	struct termios_k t;
	/* false: bytes pass through both ways untouched whatever the termios says (a raw channel) */
	bool discipline;
	/* the input has ended for good: reads return 0 once the queue is empty */
	bool eof;
	u8 queue[TTY_QUEUE];
	u64 rpos, wpos; /* running counts of bytes queued and read */
	struct { u64 pos; bool eof; } ends[TTY_ENDS]; /* canonical line ends, oldest at ends_head */
	u32 ends_head, ends_count;
	u8 line[TTY_LINE];
	u32 line_len;
	u32 line_col;   /* output column where the line being edited started */
	u32 col;        /* output column, for erasing tabs */
	bool lnext;     /* the next byte is taken literally (^V) */
	void (*emit)(const u8 *buf, size_t len);
	void (*signal)(int sig);
};

void tty_init(struct tty *tty, bool discipline);
/* Whether one more input byte can be taken now (false: leave it in the device, back-pressure). */
bool tty_can_receive(const struct tty *tty);
void tty_receive(struct tty *tty, u8 c);
/* Bytes a read could take now: the first complete line in canonical mode, else the whole queue. */
u64 tty_available(const struct tty *tty);
/* Whether a read returns now: data, an EOF mark (^D) or the end of the input. */
bool tty_read_ready(const struct tty *tty);
/* Takes what tty_available allows, at most len; 0 at an EOF mark (consumed) or at the end. */
u64 tty_read(struct tty *tty, u8 *buf, u64 len);
/* Writes app output with output processing (OPOST). */
void tty_write(struct tty *tty, const u8 *buf, u64 len);
/* Replaces the termios (TCSETS*); flush drops queued input first (TCSETSF). */
void tty_set_termios(struct tty *tty, const struct termios_k *t, bool flush);
