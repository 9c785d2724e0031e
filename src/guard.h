/* Per-thread reentrancy guard and the process-wide tracing state.
 *
 * Rules:
 *  - Every hook calls the real function first, then, only if
 *    lt_guard_enter() succeeds, does its tracking and calls lt_guard_exit().
 *    Hooks never hold the guard while calling the real function, so what the
 *    target allocates (a FILE in fopen, say) is the target's.
 *  - The tracer holds the guard around anything that can call a hooked
 *    function: dlsym, dl_iterate_phdr, libunwind, libdw, formatting, thread
 *    creation. Allocation requests made while the guard is held are served by
 *    the private allocator (intalloc.c), so the tracer's own memory never
 *    lands in the target's heap and cannot recurse into tracking.
 *  - A free() that arrives while this thread holds a heap shard lock (a
 *    signal handler interrupting the tracer) is deferred: the block is
 *    chained on a per-thread list, and the shard-unlock path removes its
 *    record and then releases it, so a lock is never taken twice.
 *  - Helper threads of the shim hold the guard for their whole life; the
 *    guard is held across fork by the forking thread.
 *
 * The TLS variables use the initial-exec model: the default model in a
 * shared library calls __tls_get_addr, which can allocate on first touch,
 * from inside malloc. */
#ifndef LT_GUARD_H
#define LT_GUARD_H

#include <stdatomic.h>

#include "defer.h"
#include "lt.h"

enum lt_state {
	LT_STATE_BOOT = 0,     /* constructor not run yet: pass through */
	LT_STATE_ON = 1,       /* tracing */
	LT_STATE_OFF = 2,      /* disabled (error, report=off child, shutdown) */
};

extern int lt_state;
extern LT_TLS int lt_guard_depth;

/* Frees deferred while this thread holds a heap shard lock (defer.h). */
extern LT_TLS void *lt_guard_deferred;

static inline void lt_guard_defer_free(void *p)
{
	lt_defer_push(&lt_guard_deferred, p);
}

static inline int lt_tracing(void)
{
	return __atomic_load_n(&lt_state, __ATOMIC_RELAXED) == LT_STATE_ON;
}

/* Returns 1 when the caller may track (and now holds the guard). */
static inline int lt_guard_enter(void)
{
	if (lt_guard_depth)
		return 0;
	lt_guard_depth = 1;
	return 1;
}

/* Remove and release every deferred block (called with no shard lock). */
void lt_guard_drain(void);

/* A termination signal (SIGTERM, SIGINT, SIGHUP, SIGQUIT) that arrived
 * while this thread was inside the tracer (signal.c): its report waits
 * for the tracer's locks this thread may hold, so it is raised again, at
 * this thread, when the guard is released. */
extern LT_TLS int lt_guard_pending_sig;
void lt_guard_raise_pending(void);

static inline void lt_guard_exit(void)
{
	lt_guard_depth = 0;
	if (LT_UNLIKELY(lt_guard_pending_sig))
		lt_guard_raise_pending();
}

/* Unconditional hold for tracer-internal work (nests). */
static inline void lt_guard_hold(void)
{
	lt_guard_depth++;
}

static inline void lt_guard_release(void)
{
	if (--lt_guard_depth == 0 && LT_UNLIKELY(lt_guard_pending_sig))
		lt_guard_raise_pending();
}

#endif
