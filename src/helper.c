/* The helper thread's registration (see helper.h). */
#include "helper.h"

static int helper_tid;
static void (*main_exit_cb)(void);

void lt_helper_set(int tid, void (*on_main_exit)(void))
{
	__atomic_store_n(&main_exit_cb, on_main_exit, __ATOMIC_RELEASE);
	__atomic_store_n(&helper_tid, tid, __ATOMIC_RELEASE);
}

int lt_helper_tid(void)
{
	return __atomic_load_n(&helper_tid, __ATOMIC_ACQUIRE);
}

void lt_helper_main_exiting(void)
{
	void (*cb)(void) = __atomic_load_n(&main_exit_cb, __ATOMIC_ACQUIRE);
	if (cb)
		cb();
}
