/* The kqueue test double's <sys/event.h>: libkqueue's Linux layout and
 * numbers (the shim's src/kqabi.h uses the same), so test programs
 * are written as they would be against libkqueue or a BSD libc. */
#ifndef KQDOUBLE_SYS_EVENT_H
#define KQDOUBLE_SYS_EVENT_H

#include <stdint.h>
#include <time.h>

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

#define EV_SET(kevp, a, b, c, d, e, f)                                         \
	do {                                                                   \
		struct kevent *kev_ = (kevp);                                  \
		kev_->ident = (a);                                             \
		kev_->filter = (b);                                            \
		kev_->flags = (c);                                             \
		kev_->fflags = (d);                                            \
		kev_->data = (e);                                              \
		kev_->udata = (f);                                             \
	} while (0)

int kqueue(void);
int kevent(int kq, const struct kevent *changelist, int nchanges, struct kevent *eventlist,
	   int nevents, const struct timespec *timeout);

#endif
