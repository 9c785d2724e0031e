/* The kqueue ABI the kqueue hooks read: the platform's <sys/event.h> where
 * there is one (the BSDs, macOS, libkqueue installed on Linux), otherwise
 * libkqueue's Linux layout and numbers, which the kqueue test double and
 * libkqueue share. */
#ifndef LT_KQABI_H
#define LT_KQABI_H

#if __has_include(<sys/event.h>)
#include <sys/event.h>
#else
#include <stdint.h>

struct kevent {
	uintptr_t ident;
	short filter;
	unsigned short flags;
	unsigned int fflags;
	intptr_t data;
	void *udata;
};

#define EVFILT_READ (-1)
#define EVFILT_WRITE (-2)
#define EVFILT_AIO (-3)
#define EVFILT_VNODE (-4)
#define EVFILT_PROC (-5)
#define EVFILT_SIGNAL (-6)
#define EVFILT_TIMER (-7)
#define EVFILT_USER (-11)

#define EV_ADD 0x0001
#define EV_DELETE 0x0002
#define EV_ENABLE 0x0004
#define EV_DISABLE 0x0008
#define EV_ONESHOT 0x0010
#define EV_CLEAR 0x0020
#define EV_RECEIPT 0x0040
#define EV_DISPATCH 0x0080
#define EV_ERROR 0x4000
#define EV_EOF 0x8000
#endif

/* Filters whose ident is a descriptor: closing it removes them. */
static inline int lt_kq_fd_based(int filter)
{
	return filter == EVFILT_READ || filter == EVFILT_WRITE || filter == EVFILT_VNODE;
}

#endif
