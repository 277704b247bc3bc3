/* Readiness of files and the threads waiting for it (see poll.h): each inode's list of watchers,
 * poll_wake, and the tables of poll and select calls. A poll or select call hooks itself on each
 * of its files' inodes during its first look (holding a reference to the file, as Linux's
 * poll_table does), sleeps until one of them wakes it, looks again, and unhooks at the end. */
#include "poll.h"
#include "clock.h"
#include "console.h"
#include "epoll.h"
#include "errno.h"
#include "mm.h"

/* A poll or select call watching one file. */
struct poll_entry {
	struct poll_hook hook; /* first: poll_wake finds the entry from it */
	struct file *f;
	struct poll_table *t;
};

#define INLINE_ENTRIES 16
#define PAGE_ENTRIES ((PAGE_SIZE - 16) / sizeof(struct poll_entry))

/* More entries, a frame at a time, for calls watching many files. */
struct poll_page {
	struct poll_page *next;
	u64 used;
	struct poll_entry e[PAGE_ENTRIES];
};

struct poll_table {
	struct waitq wq;
	u64 deadline;
	bool registering; /* the first look: each file looked at gets an entry */
	bool found;       /* the first look found a file ready: no need to watch the others */
	bool woken;       /* a watched file changed since the last look */
	bool console;     /* a watched file reads the console's input */
	bool failed;      /* out of memory for an entry */
	u32 used;
	struct poll_page *pages;
	struct poll_entry inline_entries[INLINE_ENTRIES];
};

static u64 exclusive_wakes; /* EPOLLEXCLUSIVE wakes so far: epoll->chosen_at's clock */
static int console_waiters;  /* threads in poll, select or epoll_wait watching the console's input */

u32 file_poll(struct file *f)
{
	const struct file_ops *ops = f->ino->ops;
	return ops && ops->poll ? ops->poll(f) : POLL_ALWAYS;
}

bool file_pollable(struct file *f)
{
	const struct file_ops *ops = f->ino->ops;
	return ops && ops->poll;
}

void poll_hook_add(struct inode *ino, struct poll_hook *h, enum poll_hook_kind kind)
{
	h->kind = kind;
	h->next = ino->poll_hooks;
	if (h->next)
		h->next->pprev = &h->next;
	h->pprev = &ino->poll_hooks;
	ino->poll_hooks = h;
}

void poll_hook_del(struct poll_hook *h)
{
	*h->pprev = h->next;
	if (h->next)
		h->next->pprev = h->pprev;
	h->next = NULL;
	h->pprev = NULL;
}

void poll_wake(struct inode *ino)
{
	struct epoll *chosen = NULL;
	for (struct poll_hook *h = ino->poll_hooks, *next; h; h = next) {
		next = h->next;
		if (h->kind == HOOK_WAITER) {
			struct poll_table *t = ((struct poll_entry *)h)->t;
			t->woken = true;
			waitq_wake_all(&t->wq);
			continue;
		}
		/* an exclusive item joins its ready list (its instance sees it at its next wait) but
		 * wakes nobody: one instance is chosen below */
		bool exclusive = h->kind == HOOK_EPOLL_EXCLUSIVE;
		struct epoll *ep = epoll_item_fire(h, !exclusive);
		if (exclusive && ep->waiters.head && (!chosen || ep->chosen_at < chosen->chosen_at))
			chosen = ep;
	}
	if (chosen) {
		chosen->chosen_at = ++exclusive_wakes;
		epoll_wake_one(chosen);
	}
}

void poll_console_waiters(int delta) { console_waiters += delta; }

bool poll_awaits_console(void) { return console_waiters > 0; }

u64 poll_deadline_ms(long ms)
{
	if (ms < 0)
		return 0;
	return clock_monotonic_ns() + (u64)ms * 1000000;
}

struct poll_table *poll_table_begin(u64 deadline)
{
	struct poll_table *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->deadline = deadline;
	/* a call that cannot wait (timeout 0) never needs to be woken */
	t->registering = !deadline || deadline > clock_monotonic_ns();
	return t;
}

static struct poll_entry *new_entry(struct poll_table *t)
{
	if (t->used < INLINE_ENTRIES)
		return &t->inline_entries[t->used++];
	if (!t->pages || t->pages->used == PAGE_ENTRIES) {
		u64 pa = pmm_alloc_uninit();
		if (!pa)
			return NULL;
		struct poll_page *pg = phys_to_virt(pa);
		pg->next = t->pages;
		pg->used = 0;
		t->pages = pg;
	}
	return &t->pages->e[t->pages->used++];
}

u32 poll_table_file(struct poll_table *t, struct file *f, u32 wanted)
{
	u32 ev = file_poll(f);
	t->console |= console_is_input(f);
	if (t->registering && !t->found && file_pollable(f)) {
		struct poll_entry *e = new_entry(t);
		if (!e) {
			t->failed = true;
		} else {
			e->f = f;
			e->t = t;
			file_get(f);
			poll_hook_add(f->ino, &e->hook, HOOK_WAITER);
		}
	}
	t->found |= (ev & wanted) != 0;
	return ev;
}

enum wake_reason poll_table_wait(struct poll_table *t)
{
	t->registering = false;
	if (t->failed)
		return WAKE_NONE;
	if (t->woken) {
		t->woken = false;
		return WAKE_UP;
	}
	poll_console_waiters(t->console);
	enum wake_reason why = sched_block(&t->wq, t->deadline, true);
	poll_console_waiters(-(int)t->console);
	t->woken = false;
	return why;
}

static void drop_entry(struct poll_entry *e)
{
	poll_hook_del(&e->hook);
	file_put(e->f);
}

void poll_table_end(struct poll_table *t)
{
	for (u32 i = 0; i < t->used; i++)
		drop_entry(&t->inline_entries[i]);
	while (t->pages) {
		struct poll_page *pg = t->pages;
		for (u64 i = 0; i < pg->used; i++)
			drop_entry(&pg->e[i]);
		t->pages = pg->next;
		pmm_free(virt_to_phys(pg));
	}
	kfree(t);
}
