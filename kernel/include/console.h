/* The console (kernel/fs/console.c): the app's stdin and stdout on COM1, its stderr on COM2,
 * behind a line discipline (tty.h). The mode comes from the kernel command line (IMAGE.md). */
#pragma once
#include "types.h"

struct file;

#define CONSOLE_VECTOR 0x24 /* COM1's receive interrupt (ISA IRQ 4) */
#define CONSOLE_TTY_NR ((4 << 8) | 64) /* /dev/ttyS0's device number, as /proc/PID/stat shows it */

struct file;
struct inode;

/* console=NAME from the command line: "tty", "framed"; without it the console is raw. */
void console_set_mode(const char *name);
/* terminals=LIST from the command line: which of fds 0, 1, 2 are terminals ("0,1,2", "none");
 * without it all three are, except a framed stdin. */
void console_set_terminals(const char *list);
/* Makes the console devices in dev and starts taking input from COM1. */
void console_init(struct inode *dev);
/* The interrupt handler for CONSOLE_VECTOR: moves received bytes into the line discipline
 * (which may echo, or send the app SIGINT). */
void console_irq(void);
/* The console becomes the controlling terminal of session sid, group pgid in the foreground. */
void console_attach(int sid, int pgid);
/* The session it controls (0: none yet) and its foreground process group (TIOCSPGRP): ^C and ^\
 * go to that group. */
int console_session(void);
int console_foreground_group(void);
/* Whether a thread waits for console input: then an idle CPU is not a deadlock. */
bool console_awaited(void);
/* Whether f reads the console's input (its readiness changes on COM1's interrupt). */
bool console_is_input(struct file *f);
/* The first process's fds 0, 1 and 2: the terminal devices (fds 0 and 1 one open file of
 * /dev/ttyS0, fd 2 /dev/ttyS1) for the fds that are terminals, pipe-likes for the others. */
void console_std_files(struct file *std[3]);
/* Whether f is one of the console's pipe-likes, which /proc/PID/fd/N opens again (its name,
 * "pipe:[N]", leads nowhere). */
bool console_reopens(const struct file *f);
