/* A kqueue test double for Linux: kqueue() returns a real descriptor (an
 * epoll instance, made with a raw system call so only the kqueue hook sees
 * it created), and kevent() keeps the filters in a table. EVFILT_READ and
 * EVFILT_WRITE filters report readiness with poll(); EV_ONESHOT ones are
 * deleted when they fire; other filters never fire. Enough bookkeeping to
 * exercise the shim's kqueue hooks, not an implementation. */
#include <errno.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sys/event.h"

#define MAXF 256

static struct {
	int used, kq;
	uintptr_t ident;
	short filter;
	unsigned short flags;
} tab[MAXF];

static int find(int kq, uintptr_t ident, short filter)
{
	for (int i = 0; i < MAXF; i++)
		if (tab[i].used && tab[i].kq == kq && tab[i].ident == ident && tab[i].filter == filter)
			return i;
	return -1;
}

__attribute__((visibility("default"))) int kqueue(void)
{
	return (int)syscall(SYS_epoll_create1, EPOLL_CLOEXEC);
}

static int change(int kq, const struct kevent *c)
{
	int i = find(kq, c->ident, c->filter);
	if (c->flags & EV_DELETE) {
		if (i < 0)
			return ENOENT;
		tab[i].used = 0;
		return 0;
	}
	if (c->flags & EV_ADD) {
		if (i < 0) {
			for (i = 0; i < MAXF && tab[i].used; i++)
				;
			if (i == MAXF)
				return ENOMEM;
			tab[i].used = 1;
			tab[i].kq = kq;
			tab[i].ident = c->ident;
			tab[i].filter = c->filter;
		}
		tab[i].flags = c->flags;
		return 0;
	}
	return i < 0 ? ENOENT : 0;
}

__attribute__((visibility("default"))) int kevent(int kq, const struct kevent *changes,
						  int nchanges, struct kevent *events,
						  int nevents, const struct timespec *timeout)
{
	(void)timeout;
	int n = 0;
	struct kevent copy[64];
	if (nchanges > 64) {
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; i < nchanges; i++)
		copy[i] = changes[i];
	for (int i = 0; i < nchanges; i++) {
		int err = change(kq, &copy[i]);
		if (err || (copy[i].flags & EV_RECEIPT)) {
			if (n >= nevents) {
				errno = err;
				return -1;
			}
			events[n] = copy[i];
			events[n].flags = EV_ERROR;
			events[n].data = err;
			n++;
		}
	}
	for (int i = 0; i < MAXF && n < nevents; i++) {
		if (!tab[i].used || tab[i].kq != kq)
			continue;
		if (tab[i].filter != EVFILT_READ && tab[i].filter != EVFILT_WRITE)
			continue;
		struct pollfd p = { (int)tab[i].ident,
				    tab[i].filter == EVFILT_READ ? POLLIN : POLLOUT, 0 };
		if (poll(&p, 1, 0) != 1 || !(p.revents & p.events))
			continue;
		events[n].ident = tab[i].ident;
		events[n].filter = tab[i].filter;
		events[n].flags = tab[i].flags;
		events[n].fflags = 0;
		events[n].data = 1;
		events[n].udata = 0;
		n++;
		if (tab[i].flags & EV_ONESHOT)
			tab[i].used = 0;
	}
	return n;
}
