/* The fork protocol: every tracer lock is taken, in one fixed order, before
 * fork() and released in both processes after it (jemalloc_fork.c's "acquire
 * all mutexes in a safe order"), so the child's tables are consistent. The
 * child then becomes a process of its own: its pid in reports, its report
 * sequence from 0, its own helper thread, and - unless fork_inherit=1 - no
 * blocks of its parent's counted as its leaks. It keeps tracing.
 *
 * Order: report lock, stack depot, heap shards, root regions (api.c),
 * handle tables, private allocator (last: the others allocate from it
 * while holding their own).
 * The forking thread holds the guard across the window, so nothing it calls
 * meanwhile recurses into tracking. */
#include <pthread.h>

#include "api.h"
#include "fork.h"
#include "guard.h"
#include "heap.h"
#include "intalloc.h"
#include "options.h"
#include "snapshot.h"
#include "stack.h"

void lt_report_reset_sequence(void);

static void prepare(void)
{
	lt_guard_hold();
	lt_signal_report_lock();
	lt_stack_prefork();
	lt_heap_lock_all();
	lt_api_prefork();
	lt_handle_prefork();
	lt_ia_prefork();
}

static void parent(void)
{
	lt_ia_postfork();
	lt_handle_postfork_parent();
	lt_api_postfork();
	lt_heap_unlock_all();
	lt_stack_postfork();
	lt_signal_report_unlock();
	lt_guard_release();
}

static void child(void)
{
	lt_ia_postfork();
	lt_handle_postfork_child();
	lt_api_postfork();
	lt_heap_unlock_all();
	lt_stack_postfork();
	lt_signal_report_unlock();
	if (!lt_opt.fork_inherit)
		lt_heap_clear();
	lt_report_reset_sequence();
	lt_signal_postfork_child();
	lt_guard_release();
}

void lt_fork_init(void)
{
	pthread_atfork(prepare, parent, child);
}
