/* Reentrancy guard state and the deferred-free drain (see guard.h). */
#include "guard.h"

#include "heap.h"
#include "real.h"
#include "sys.h"

int lt_state = LT_STATE_BOOT;
LT_TLS int lt_guard_depth;
LT_TLS void *lt_guard_deferred;
LT_TLS int lt_guard_pending_sig;

void lt_guard_raise_pending(void)
{
	int sig = lt_guard_pending_sig;
	lt_guard_pending_sig = 0;
	/* delivered before this returns: the signal is not blocked here */
	lt_sys_tgkill(lt_sys_getpid(), lt_sys_gettid(), sig);
}

static void forget_and_free(void *p)
{
	lt_heap_remove(p, NULL);
	lt_real.free(p);
}

void lt_guard_drain(void)
{
	/* Hold the guard so the frees below do not recurse into tracking, and
	 * loop because a signal may defer more meanwhile. */
	lt_guard_hold();
	lt_defer_drain(&lt_guard_deferred, forget_and_free);
	lt_guard_release();
}
