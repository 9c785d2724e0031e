/* The fork protocol: every tracer lock is taken, in one fixed order, before
 * fork() and released in both processes after it (jemalloc_fork.c's "acquire
 * all mutexes in a safe order"), so the child's tables are consistent. The
 * child then becomes a process of its own: its pid in reports, its report
 * sequence from 0, its own helper thread. The blocks it inherited stay in its
 * table, marked as allocated before the fork, so one it loses is reported
 * as memcheck and LeakSanitizer report it (fork_inherit=0 drops them
 * instead). It keeps tracing.
 *
 * Order: the upper layers' locks (the report lock, taken by the handlers
 * the triggers register with lt_fork_init), stack depot, heap shards,
 * root regions (api.c),
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
#include "proctab.h"
#include "stack.h"
#include "sys.h"

int lt_fork_parent_pid;
static void (*up_prepare)(void), (*up_parent)(void), (*up_child)(void);
static int prefork_pid;

static void prepare(void)
{
	lt_guard_hold();
	prefork_pid = (int)lt_sys_getpid();
	if (up_prepare)
		up_prepare();
	lt_stack_prefork();
	lt_heap_lock_all();
	lt_api_prefork();
	lt_handle_prefork();
	lt_proctab_prefork();
	lt_ia_prefork();
}

static void parent(void)
{
	lt_ia_postfork();
	lt_proctab_postfork_parent();
	lt_handle_postfork_parent();
	lt_api_postfork();
	lt_heap_unlock_all();
	lt_stack_postfork();
	if (up_parent)
		up_parent();
	lt_guard_release();
}

static void child(void)
{
	lt_ia_postfork();
	lt_proctab_postfork_child();
	lt_handle_postfork_child();
	lt_api_postfork();
	lt_heap_postfork_child();
	lt_heap_unlock_all();
	lt_stack_postfork();
	if (!lt_opt.fork_inherit)
		lt_heap_clear();
	else
		lt_heap_mark_inherited();
	lt_fork_parent_pid = prefork_pid;
	if (up_child)
		up_child();
	lt_guard_release();
}

void lt_fork_init(void (*prepare_up)(void), void (*parent_up)(void), void (*child_up)(void))
{
	up_prepare = prepare_up;
	up_parent = parent_up;
	up_child = child_up;
	pthread_atfork(prepare, parent, child);
}
