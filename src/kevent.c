/* kevent's bookkeeping around the real call (see handle.h): filters added
 * with EV_ADD and removed with EV_DELETE, fired once with EV_ONESHOT, or
 * failed (EV_ERROR), per (kqueue, ident, filter), each with its stack. */
#include <errno.h>

#include "guard.h"
#include "handle.h"
#include "intalloc.h"
#include "kqabi.h"
#include "options.h"
#include "stack.h"

static int may_track(void)
{
	return lt_tracing() && lt_opt.track_fds && !lt_handle_held && !lt_guard_depth;
}

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

void lt_handle_kevent_before(lt_kevent_call_t *c, int kq, const struct kevent *changes,
			     int nchanges)
{
	c->kq = kq;
	c->track = may_track();
	c->n = 0;
	c->ch = c->local;
	if (!c->track || nchanges <= 0 || !changes)
		return;
	/* the changelist and eventlist may be the same array, overwritten by
	 * the call: keep what the changes were */
	if (nchanges > LT_KEVENT_LOCAL) {
		lt_guard_hold();
		c->ch = lt_ia_alloc((size_t)nchanges * sizeof *c->ch);
		lt_guard_release();
		if (!c->ch) {
			c->track = 0;      /* pass through, untracked */
			return;
		}
	}
	int e = errno;
	for (int i = 0; i < nchanges; i++) {
		c->ch[i].ident = changes[i].ident;
		c->ch[i].filter = changes[i].filter;
		c->ch[i].flags = changes[i].flags;
		/* forget before release */
		if (c->ch[i].flags & EV_DELETE)
			lt_handle_filter_forget(kq, c->ch[i].ident, c->ch[i].filter);
	}
	c->n = nchanges;
	errno = e;
}

void lt_handle_kevent_after(lt_kevent_call_t *c, int ret, const struct kevent *events)
{
	if (!c->track)
		return;
	int e = errno;
	if (!c->n) {
		if (ret > 0 && events)
			apply_events(c->kq, events, ret);
		errno = e;
		return;
	}
	/* -1: which changes were applied is unknown (the BSDs apply those
	 * before the failing one); record none rather than invent filters */
	if (ret >= 0 && lt_tracing() && lt_opt.track_fds && !lt_handle_held && lt_guard_enter()) {
		uint32_t sid = lt_stack_capture();
		for (int i = 0; i < c->n; i++)
			if ((c->ch[i].flags & EV_ADD) && !(c->ch[i].flags & EV_DELETE))
				lt_handle_filter_add(c->kq, c->ch[i].ident, c->ch[i].filter,
						     lt_kq_fd_based(c->ch[i].filter), sid);
		if (ret > 0 && events)
			apply_events(c->kq, events, ret);
		lt_guard_exit();
	}
	if (c->ch != c->local) {
		lt_guard_hold();
		lt_ia_free(c->ch);
		lt_guard_release();
	}
	errno = e;
}
