/* Memory shared between processes without a name: MAP_SHARED|MAP_ANONYMOUS mappings (and shared
 * mappings of /dev/zero) and System V segments are mappings of an unlinked ramfs file, so fork
 * shares their frames like those of any shared file mapping. */
#include "errno.h"
#include "vfs.h"

long shmem_file(u64 size, const char *name, struct file **out)
{
	struct inode *ino = inode_new(S_IFREG | 0600);
	if (!ino)
		return -ENOMEM;
	long err = reg_truncate(ino, size);
	struct file *f = err ? NULL : file_new(ino, O_RDWR, name);
	if (!f) {
		inode_put(ino);
		return err ? err : -ENOMEM;
	}
	*out = f;
	return 0;
}
