/* Hooks for kqueue and kevent: kqueue descriptors, and filters added with
 * EV_ADD and removed with EV_DELETE (or fired once with EV_ONESHOT), per
 * (kqueue, ident, filter), each with its stack. Closing the kqueue
 * releases its filters and closing a descriptor releases the filters
 * watching it (handle.c cascades both).
 *
 * Linux has no kqueue: the real functions come from whatever library
 * provides them (BSD libc, libkqueue, the tests' double), resolved with
 * lt_real_lookup (RTLD_NEXT order); one loaded later with dlopen is picked up on first
 * use. Missing, the hooks fail as the absent function would: ENOSYS. */
#include <string.h>

#include "hhook.h"
#include "kqabi.h"

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

/* What kevent needs to remember of a change: the changelist and eventlist
 * may be the same array, overwritten by the call. */
struct change {
	uintptr_t ident;
	short filter;
	unsigned short flags;
};

#define STACK_CHANGES 64

static void apply_events(int kq, const struct kevent *ev, int n)
{
	for (int i = 0; i < n; i++) {
		/* EV_ERROR with data != 0: that change failed (EV_RECEIPT, or no
		 * room to fail the call); EV_ONESHOT: the filter fired once and
		 * the kernel deleted it */
		if (((ev[i].flags & EV_ERROR) && ev[i].data != 0) ||
		    (!(ev[i].flags & EV_ERROR) && (ev[i].flags & EV_ONESHOT)))
			lt_handle_filter_forget(kq, ev[i].ident, ev[i].filter);
	}
}

LT_EXPORT int kevent(int kq, const struct kevent *changes, int nchanges,
		     struct kevent *events, int nevents, const struct timespec *timeout)
{
	if (!resolve() || !lt_real.kevent) {
		errno = ENOSYS;
		return -1;
	}
	int track = lt_tracing() && lt_opt.track_fds && !lt_handle_held && !lt_guard_depth;
	if (!track || nchanges <= 0 || !changes) {
		int r = lt_real.kevent(kq, changes, nchanges, events, nevents, timeout);
		if (track && r > 0 && events) {
			int e = errno;
			apply_events(kq, events, r);
			errno = e;
		}
		return r;
	}
	struct change local[STACK_CHANGES], *ch = local;
	if (nchanges > STACK_CHANGES) {
		lt_guard_hold();
		ch = lt_ia_alloc((size_t)nchanges * sizeof *ch);
		lt_guard_release();
		if (!ch)
			return lt_real.kevent(kq, changes, nchanges, events, nevents, timeout);
	}
	int e = errno;
	for (int i = 0; i < nchanges; i++) {
		ch[i].ident = changes[i].ident;
		ch[i].filter = changes[i].filter;
		ch[i].flags = changes[i].flags;
		/* forget before release */
		if (ch[i].flags & EV_DELETE)
			lt_handle_filter_forget(kq, ch[i].ident, ch[i].filter);
	}
	errno = e;
	int r = lt_real.kevent(kq, changes, nchanges, events, nevents, timeout);
	/* -1: which changes were applied is unknown (the BSDs apply those
	 * before the failing one); record none rather than invent filters */
	if (r >= 0) {
		uint32_t sid;
		if (lt_hh_begin(&e, &sid)) {
			for (int i = 0; i < nchanges; i++)
				if ((ch[i].flags & EV_ADD) && !(ch[i].flags & EV_DELETE))
					lt_handle_filter_add(kq, ch[i].ident, ch[i].filter,
							     lt_kq_fd_based(ch[i].filter), sid);
			if (r > 0 && events)
				apply_events(kq, events, r);
			lt_hh_end(e);
		}
	}
	if (ch != local) {
		lt_guard_hold();
		lt_ia_free(ch);
		lt_guard_release();
	}
	return r;
}
