/* Processes inside the kernel (api/process.h has struct proc and what the syscalls call): the
 * table, the first process, ending and reaping. */
#pragma once
#include "api/process.h"
#include "cpu.h"
#include "sched.h"
#include "signal.h"

/* The first process (pid 1), made at boot before its program is loaded. */
struct proc *proc_init(void);

/* proc.c: the table */
struct proc *proc_alloc(void);    /* a zeroed process in the table, alive; NULL if out of memory */
void proc_free(struct proc *p);   /* out of the table and freed */
void proc_set_exe(struct proc *p, const char *path);  /* the program's path (/proc/PID/exe) */
void proc_set_comm(struct proc *p, const char *path); /* the command name: path's last component, cut to 15 */
/* "pid N (comm): " to start a log line about p; empty for pid 1, the program the user ran. */
const char *proc_label(const struct proc *p);

/* exec.c: the first program, started in the first process at boot (powers off when it cannot
 * be); r receives the registers to enter user mode with. */
void exec_first(const char *path, int argc, const char **argv, int envc, const char **envp, struct regs *r);

/* stop.c: job control. The calling process stops (a stop signal's default action; from_terminal:
 * ^Z and its kin), its threads wait until SIGCONT reaches it (proc_continue). */
void proc_stop(int sig, bool from_terminal);
void proc_stop_wait(void); /* a thread of a stopped process waits on its way to user mode */
void proc_continue(struct proc *p);

/* fork.c: the vfork child p has exec'd or ended: its parent goes on. */
void proc_vfork_done(struct proc *p);

/* exit.c */
void proc_made(void);             /* one more live process (proc_alloc) */
void proc_discard(struct proc *p); /* a process that never ran: out of the table */
/* Makes p end with wait_status: its threads end on their way out of the kernel (sleeps end). */
void proc_kill(struct proc *p, int wait_status);
/* SIGCHLD's siginfo fields for an ended child (si_code, si_pid, si_uid, si_status, times). */
void proc_child_siginfo(const struct proc *c, struct siginfo_k *info);
void proc_unlink_child(struct proc *c);
void proc_reap(struct proc *c);   /* a zombie's end: unlinked from its parent and freed */
/* Every process has ended: TCP drains, the VM powers off with code. */
NORETURN void machine_stop(int code);
/* Called by the last thread of p as it ends: releases what the process holds, then it is a
 * zombie for its parent to reap (or gone). */
void proc_end(struct proc *p);
/* A fault the app cannot handle: logs it with the registers and ends the process with sig. */
NORETURN void proc_fatal_signal(struct regs *r, int sig, const char *what, u64 addr);
