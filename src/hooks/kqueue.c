/* Hooks for kqueue and kevent: kqueue descriptors, and the filters kevent
 * adds and removes (kept by core: kevent.c, handle.c). Closing the kqueue
 * releases its filters and closing a descriptor releases the filters
 * watching it (handle.c cascades both).
 *
 * Linux has no kqueue: the real functions come from whatever library
 * provides them (BSD libc, libkqueue, the tests' double), resolved with
 * lt_real_lookup (RTLD_NEXT order); one loaded later with dlopen is picked up on first
 * use. Missing, the hooks fail as the absent function would: ENOSYS. */
#include <string.h>

#include "hhook.h"
#include "../kqabi.h"

/* Resolve lazily: libkqueue may be dlopen'ed after the constructor ran. */
static int resolve(void)
{
	if (!lt_hook_ready())
		return 0;
	if (__atomic_load_n(&lt_real.kqueue, __ATOMIC_ACQUIRE) &&
	    __atomic_load_n(&lt_real.kevent, __ATOMIC_ACQUIRE))
		return 1;
	/* not dlsym: a missing name would allocate with the program's malloc */
	void *kq = lt_real_lookup("kqueue", 1, NULL);
	void *ke = lt_real_lookup("kevent", 1, NULL);
	if (kq)
		__atomic_store_n((void **)&lt_real.kqueue, kq, __ATOMIC_RELEASE);
	if (ke)
		__atomic_store_n((void **)&lt_real.kevent, ke, __ATOMIC_RELEASE);
	return kq && ke;
}

LT_EXPORT int kqueue(void)
{
	if (!resolve() || !lt_real.kqueue) {
		errno = ENOSYS;
		return -1;
	}
	int fd = lt_real.kqueue();
	lt_hh_created(fd, LT_KIND_KQUEUE);
	return fd;
}

LT_EXPORT int kevent(int kq, const struct kevent *changes, int nchanges,
		     struct kevent *events, int nevents, const struct timespec *timeout)
{
	if (!resolve() || !lt_real.kevent) {
		errno = ENOSYS;
		return -1;
	}
	lt_kevent_call_t c;
	lt_handle_kevent_before(&c, kq, changes, nchanges);
	int r = lt_real.kevent(kq, changes, nchanges, events, nevents, timeout);
	lt_handle_kevent_after(&c, r, events);
	return r;
}
