/* Part of the library `ukify run` preloads into QEMU when it forwards ports (LD_PRELOAD; see
 * qemu-preload-listen.c). QEMU's user-mode networking (libslirp 4.7) gives each TCP connection
 * socket buffers of its own from QEMU's main heap. glibc keeps a freed block's pages resident
 * unless the block borders the top of the heap, so each wave of connections (wrk -c 1000, run again
 * and again) lands on pages that the previous wave left in place: QEMU's heap grew from 4.5 MiB to
 * 18 MiB resident over 200,000 requests, toward its ~300 MiB of addresses, though slirp held no
 * more connections than before (the same with Debian's Linux as the guest). Once a second, a
 * thread of ours hands the whole free pages of every heap back to the host (malloc_trim); a wave
 * of connections then costs resident memory only while it lasts. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <unistd.h>

static void *trim_every_second(void *unused)
{
	(void)unused;
	for (;;) {
		sleep(1);
		malloc_trim(0);
	}
	return NULL;
}

__attribute__((constructor)) static void start_trimming(void)
{
	pthread_t thread;
	if (pthread_create(&thread, NULL, trim_every_second, NULL) == 0)
		pthread_detach(thread);
}
