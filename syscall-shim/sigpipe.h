/* A write that fails with EPIPE (a pipe without readers, a socket whose peer is gone) also sends
 * SIGPIPE to the writing thread, as Linux does (sends with MSG_NOSIGNAL excepted). */
#pragma once
#include "errno.h"
#include "process.h"

static inline long with_sigpipe(long result)
{
	if (result == -EPIPE) {
		struct siginfo_k info = { .signo = SIGPIPE, .code = SI_USER };
		info.kill.pid = proc_current()->pid;
		info.kill.uid = proc_current()->cred.uid.r;
		signal_send_thread(current, &info);
	}
	return result;
}
