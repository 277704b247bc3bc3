/* epoll instances inside the kernel (fs/epoll.c; the API is in api/fd.h). */
#pragma once
#include "api/fd.h"

/* f's last reference is going: it leaves every interest list (close removes it, as on Linux). */
void epoll_forget_file(struct file *f);
