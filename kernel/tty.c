/* The line discipline behind the console (tty.h): what Linux's N_TTY does between a terminal and
 * a program, for one terminal. Echo goes through the same output processing as the app's writes. */
#include "tty.h"
#include "lib.h"
#include "signal.h"

/* Linux's tty_std_termios: B38400 CS8 CREAD HUPCL, canonical mode with echo. */
static const struct termios_k defaults = {
	.iflag = ICRNL | IXON,
	.oflag = OPOST | ONLCR,
	.cflag = 0xbf,
	.lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
	.cc = { [VINTR] = 3, [VQUIT] = 28, [VERASE] = 127, [VKILL] = 21, [VEOF] = 4, [VMIN] = 1,
		[VSTART] = 17, [VSTOP] = 19, [VSUSP] = 26, [VREPRINT] = 18, [VDISCARD] = 15,
		[VWERASE] = 23, [VLNEXT] = 22 },
};

/* Echo and output bytes are gathered and handed to emit in chunks. */
struct outbuf {
	u8 b[128];
	size_t n;
};

enum erase_kind { ERASE, WERASE, KILL };

void tty_init(struct tty *tty, bool discipline)
{
	tty->t = defaults;
	tty->discipline = discipline;
}

static bool canonical(const struct tty *tty) { return tty->discipline && (tty->t.lflag & ICANON); }
static u64 queued(const struct tty *tty) { return tty->wpos - tty->rpos; }
static void put(struct tty *tty, u8 c) { tty->queue[tty->wpos++ % TTY_QUEUE] = c; }

/* c is the special character cc[idx] (a zero entry is disabled, _POSIX_VDISABLE). */
static bool is(const struct tty *tty, u8 c, int idx) { return tty->t.cc[idx] && c == tty->t.cc[idx]; }
static bool is_ctrl(u8 c) { return c < 0x20 || c == 0x7f; }
static bool utf8_cont(const struct tty *tty, u8 c) { return (tty->t.iflag & IUTF8) && (c & 0xc0) == 0x80; }

static void flush(struct tty *tty, struct outbuf *o)
{
	if (o->n)
		tty->emit(o->b, o->n);
	o->n = 0;
}

static void push(struct tty *tty, struct outbuf *o, u8 c)
{
	if (o->n == sizeof(o->b))
		flush(tty, o);
	o->b[o->n++] = c;
}

/* One byte through output processing (OPOST), keeping track of the column. */
static void out(struct tty *tty, struct outbuf *o, u8 c)
{
	u32 of = tty->t.oflag;
	if (!tty->discipline || !(of & OPOST)) {
		push(tty, o, c);
		return;
	}
	if (c == '\n') {
		if (of & ONLCR) {
			push(tty, o, '\r');
			tty->col = 0;
		} else if (of & ONLRET) {
			tty->col = 0;
		}
	} else if (c == '\r') {
		if ((of & ONOCR) && tty->col == 0)
			return;
		if (of & OCRNL) {
			c = '\n';
			if (of & ONLRET)
				tty->col = 0;
		} else {
			tty->col = 0;
		}
	} else if (c == '\t') {
		tty->col = (tty->col | 7) + 1;
	} else if (c == '\b') {
		if (tty->col)
			tty->col--;
	} else if (!is_ctrl(c) && !utf8_cont(tty, c)) {
		tty->col++;
	}
	push(tty, o, c);
}

/* Echo of an input byte: control characters as ^X with ECHOCTL (not tab or newline). */
static void echo_char(struct tty *tty, struct outbuf *o, u8 c)
{
	if ((tty->t.lflag & ECHOCTL) && is_ctrl(c) && c != '\t' && c != '\n') {
		out(tty, o, '^');
		out(tty, o, c ^ 0x40);
	} else {
		out(tty, o, c);
	}
}

/* The column the echo of line[0..end) ends at, from where the line started. */
static u32 line_column(const struct tty *tty, u32 end)
{
	u32 col = tty->line_col;
	for (u32 i = 0; i < end; i++) {
		u8 c = tty->line[i];
		if (c == '\t')
			col = (col | 7) + 1;
		else if (is_ctrl(c))
			col += (tty->t.lflag & ECHOCTL) ? 2 : 0;
		else if (!utf8_cont(tty, c))
			col++;
	}
	return col;
}

static void rubout(struct tty *tty, struct outbuf *o)
{
	out(tty, o, '\b');
	out(tty, o, ' ');
	out(tty, o, '\b');
}

static bool word_char(u8 c)
{
	return c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* ERASE (one character), WERASE (back to the start of a word) or KILL (the whole line). */
static void eraser(struct tty *tty, struct outbuf *o, enum erase_kind kind)
{
	u32 lf = tty->t.lflag;
	if (!tty->line_len)
		return;
	if (kind == KILL && (!(lf & ECHO) || !(lf & ECHOK) || !(lf & ECHOKE) || !(lf & ECHOE))) {
		tty->line_len = 0;
		if (lf & ECHO) {
			echo_char(tty, o, tty->t.cc[VKILL]);
			if (lf & ECHOK)
				out(tty, o, '\n');
		}
		return;
	}
	bool seen_word = false;
	while (tty->line_len) {
		u32 start = tty->line_len - 1;
		while (start > 0 && utf8_cont(tty, tty->line[start]))
			start--;
		u8 c = tty->line[start];
		if (kind == WERASE) {
			if (word_char(c))
				seen_word = true;
			else if (seen_word)
				break;
		}
		tty->line_len = start;
		if (lf & ECHO) {
			if (kind == ERASE && !(lf & ECHOE)) {
				echo_char(tty, o, tty->t.cc[VERASE]);
			} else if (c == '\t') {
				for (u32 to = line_column(tty, start); tty->col > to;)
					out(tty, o, '\b');
			} else {
				if (is_ctrl(c) && (lf & ECHOCTL))
					rubout(tty, o);
				if (!is_ctrl(c) || (lf & ECHOCTL))
					rubout(tty, o);
			}
		}
		if (kind == ERASE)
			break;
	}
}

/* The line being edited becomes readable; eof: ended by VEOF (no delimiter is stored). */
static void commit(struct tty *tty, bool eof)
{
	for (u32 i = 0; i < tty->line_len; i++)
		put(tty, tty->line[i]);
	tty->line_len = 0;
	u32 slot = (tty->ends_head + tty->ends_count++) % TTY_ENDS;
	tty->ends[slot].pos = tty->wpos;
	tty->ends[slot].eof = eof;
}

static void flush_input(struct tty *tty)
{
	tty->rpos = tty->wpos;
	tty->ends_count = 0;
	tty->line_len = 0;
}

/* Signal, flow-control and (in canonical mode) editing characters; true when c was one. */
static bool special(struct tty *tty, struct outbuf *o, u8 c)
{
	u32 lf = tty->t.lflag;
	/* XON/XOFF are taken out of the input; output is never actually stopped */
	if ((tty->t.iflag & IXON) && (is(tty, c, VSTART) || is(tty, c, VSTOP)))
		return true;
	if (lf & ISIG) {
		int sig = is(tty, c, VINTR) ? SIGINT : is(tty, c, VQUIT) ? SIGQUIT : is(tty, c, VSUSP) ? SIGTSTP : 0;
		if (sig) {
			if (!(lf & NOFLSH))
				flush_input(tty);
			if (lf & ECHO)
				echo_char(tty, o, c);
			tty->signal(sig);
			return true;
		}
	}
	if (!(lf & ICANON))
		return false;
	if (is(tty, c, VERASE) || is(tty, c, VKILL) || ((lf & IEXTEN) && is(tty, c, VWERASE))) {
		eraser(tty, o, is(tty, c, VERASE) ? ERASE : is(tty, c, VKILL) ? KILL : WERASE);
		return true;
	}
	if ((lf & IEXTEN) && is(tty, c, VLNEXT)) {
		tty->lnext = true;
		if ((lf & ECHO) && (lf & ECHOCTL)) {
			out(tty, o, '^');
			out(tty, o, '\b');
		}
		return true;
	}
	if ((lf & IEXTEN) && is(tty, c, VREPRINT)) {
		if (lf & ECHO) {
			echo_char(tty, o, c);
			out(tty, o, '\n');
			tty->line_col = tty->col;
			for (u32 i = 0; i < tty->line_len; i++)
				echo_char(tty, o, tty->line[i]);
		}
		return true;
	}
	if (c == '\n' || is(tty, c, VEOL) || ((lf & IEXTEN) && is(tty, c, VEOL2))) {
		if ((lf & ECHO) || (c == '\n' && (lf & ECHONL)))
			echo_char(tty, o, c);
		tty->line[tty->line_len++] = c; /* room is kept for the delimiter */
		commit(tty, false);
		return true;
	}
	if (is(tty, c, VEOF)) {
		commit(tty, true);
		return true;
	}
	return false;
}

static void receive(struct tty *tty, struct outbuf *o, u8 c)
{
	const struct termios_k *t = &tty->t;
	if (t->iflag & ISTRIP)
		c &= 0x7f;
	if (tty->lnext) {
		tty->lnext = false;
	} else {
		if (c == '\r') {
			if (t->iflag & IGNCR)
				return;
			if (t->iflag & ICRNL)
				c = '\n';
		} else if (c == '\n' && (t->iflag & INLCR)) {
			c = '\r';
		}
		if (special(tty, o, c))
			return;
	}
	if (!(t->lflag & ICANON)) {
		if (t->lflag & ECHO)
			echo_char(tty, o, c);
		put(tty, c);
		return;
	}
	if (tty->line_len >= TTY_LINE - 1)
		return; /* the line is full: dropped, as Linux does, until a delimiter */
	if (!tty->line_len)
		tty->line_col = tty->col;
	if (t->lflag & ECHO)
		echo_char(tty, o, c);
	tty->line[tty->line_len++] = c;
}

bool tty_can_receive(const struct tty *tty)
{
	u64 room = TTY_QUEUE - queued(tty);
	if (!canonical(tty))
		return room >= 1;
	return tty->ends_count < TTY_ENDS && room >= tty->line_len + 1;
}

void tty_receive(struct tty *tty, u8 c)
{
	if (!tty->discipline) {
		put(tty, c);
		return;
	}
	struct outbuf o = { .n = 0 };
	receive(tty, &o, c);
	flush(tty, &o);
}

u64 tty_available(const struct tty *tty)
{
	if (!canonical(tty))
		return queued(tty);
	return tty->ends_count ? tty->ends[tty->ends_head].pos - tty->rpos : 0;
}

bool tty_read_ready(const struct tty *tty)
{
	if (canonical(tty) ? tty->ends_count > 0 : queued(tty) > 0)
		return true;
	return tty->eof && !queued(tty);
}

static void take(struct tty *tty, u8 *buf, u64 n)
{
	u64 at = tty->rpos % TTY_QUEUE, first = MIN(n, TTY_QUEUE - at);
	memcpy(buf, tty->queue + at, first);
	memcpy(buf + first, tty->queue, n - first);
	tty->rpos += n;
}

u64 tty_read(struct tty *tty, u8 *buf, u64 len)
{
	u64 n = MIN(len, tty_available(tty));
	take(tty, buf, n);
	if (canonical(tty) && tty->ends_count && tty->rpos == tty->ends[tty->ends_head].pos) {
		tty->ends_head = (tty->ends_head + 1) % TTY_ENDS;
		tty->ends_count--;
	}
	return n;
}

void tty_write(struct tty *tty, const u8 *buf, u64 len)
{
	if (!tty->discipline || !(tty->t.oflag & OPOST)) {
		tty->emit(buf, len);
		return;
	}
	struct outbuf o = { .n = 0 };
	for (u64 i = 0; i < len; i++)
		out(tty, &o, buf[i]);
	flush(tty, &o);
}

void tty_set_termios(struct tty *tty, const struct termios_k *t, bool flush_first)
{
	bool was_canonical = canonical(tty);
	if (flush_first)
		flush_input(tty);
	tty->t = *t;
	if (was_canonical && !canonical(tty)) {
		/* the partial line becomes readable input, as in Linux */
		for (u32 i = 0; i < tty->line_len; i++)
			put(tty, tty->line[i]);
		tty->line_len = 0;
		tty->ends_count = 0;
	} else if (!was_canonical && canonical(tty) && queued(tty)) {
		tty->ends_head = 0;
		tty->ends_count = 1;
		tty->ends[0].pos = tty->wpos;
		tty->ends[0].eof = false;
	}
}
