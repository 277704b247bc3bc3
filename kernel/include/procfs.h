/* /proc: the files of the whole system (fs/procfs.c) and of each process (fs/procfs_pid.c). A
 * file's text is made when it is opened, as a snapshot kept in an unnamed ramfs inode. */
#pragma once
#include "proc.h"
#include "vfs.h"

/* Writes a file's text; p is the process the file is about (NULL for the system's files). */
typedef void (*procfs_gen)(struct proc *p, struct inode *out);

/* Appends formatted text to a snapshot. */
void procfs_put(struct inode *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A file of dir whose text gen makes; tag is the pid it is about (0: none). NULL if out of memory. */
struct inode *procfs_file(struct inode *dir, const char *name, procfs_gen gen, u64 tag);
/* A symlink whose target make returns (kmalloc'd) when it is followed. */
struct inode *procfs_link(char *(*make)(struct inode *lnk), u64 tag);
char *procfs_text(const char *s); /* a kmalloc'd copy, for make */

/* The /proc/PID directory of p, made on first use (NULL if out of memory). */
struct inode *procfs_pid_dir(struct proc *p, struct inode *proc_root);
/* p is reaped: its directory goes (once nothing holds it). */
void procfs_forget(struct proc *p);
