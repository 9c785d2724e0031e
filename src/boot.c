/* The tracer's early start (see boot.h). */
#include "boot.h"

#include <errno.h>

#include "clock.h"
#include "gate.h"
#include "heap.h"
#include "intalloc.h"
#include "sysfile.h"
#include "guard.h"
#include "options.h"
#include "real.h"
#include "stack.h"

/* 0 not started, 1 running, 2 done */
static int early_state;

/* Library constructors, and the executable's preinit_array functions, run
 * before this library's constructor (ld.so initialises dependencies first,
 * and a preloaded library depends on nothing of the program's), yet the
 * hooks are live as soon as the library is mapped and relocated. So the
 * first allocation the program makes sets up what tracking a block needs:
 * the real functions (real.c never allocates), the clock, the options (read
 * from environ, no allocation), the stack depot and the capture (libunwind
 * has no initialiser of its own, and every object is relocated before the
 * first constructor runs, so capturing is safe here). The rest
 * (suppressions, descriptors inherited, fork handlers, the signal helper
 * thread) waits for the constructor (init.c): handles are traced from
 * there on. */
int lt_boot(void)
{
	int s = __atomic_load_n(&early_state, __ATOMIC_ACQUIRE);
	if (LT_LIKELY(s == 2))
		return 0;
	int expect = 0;
	if (s != 0 || !__atomic_compare_exchange_n(&early_state, &expect, 1, 0,
						   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -EAGAIN;   /* running here (nested) or in another thread */
	lt_guard_hold();
	lt_real_init();
	lt_clock_start_ms = lt_clock_abs_ms();
	lt_opt_load();
	lt_gate_init();
	lt_stack_init((int)lt_opt.depth);
	lt_stack_set_cache((int)lt_opt.stack_cache);
	int unfiltered = !lt_sys_seccomp_filtered();
	lt_ia_set_populate(unfiltered);
	lt_heap_set_bias(lt_opt.heap_bias && unfiltered);
	lt_guard_release();
	__atomic_store_n(&early_state, 2, __ATOMIC_RELEASE);
	return 0;
}

void lt_boot_seccomp(void)
{
	lt_ia_set_populate(0);
	lt_heap_bias_off();
}
