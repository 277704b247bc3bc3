/* The working directory, root and umask of processes (vfs.h). The directories are held (inode
 * references) so that a removed working directory stays valid, as on Linux. */
#include "lib.h"
#include "mm.h"
#include "proc.h"
#include "thread.h"
#include "vfs.h"

struct fs_context *fs_context_new(void)
{
	struct fs_context *c = kzalloc(sizeof(*c));
	if (!c)
		return NULL;
	c->refs = 1;
	c->cwd = c->root = fs_root;
	inode_get(fs_root);
	inode_get(fs_root);
	c->umask = 022;
	return c;
}

struct fs_context *fs_context_copy(const struct fs_context *from)
{
	struct fs_context *c = kzalloc(sizeof(*c));
	if (!c)
		return NULL;
	*c = *from;
	c->refs = 1;
	inode_get(c->cwd);
	inode_get(c->root);
	return c;
}

void fs_context_get(struct fs_context *c) { c->refs++; }

void fs_context_put(struct fs_context *c)
{
	if (--c->refs)
		return;
	inode_put(c->cwd);
	inode_put(c->root);
	kfree(c);
}

struct fs_context *fs_current(void) { return current->proc->fs; }

void fs_set_cwd(struct inode *dir)
{
	struct fs_context *c = fs_current();
	inode_get(dir);
	inode_put(c->cwd);
	c->cwd = dir;
}

void fs_set_root(struct inode *dir)
{
	struct fs_context *c = fs_current();
	inode_get(dir);
	inode_put(c->root);
	c->root = dir;
}
