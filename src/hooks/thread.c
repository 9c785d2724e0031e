/* Hook for pthread_exit: a main() that ends with pthread_exit leaves the
 * process to its other threads, and glibc ends it (exit(0)) when the last
 * of them exits. The shim's helper thread is one of them: told here that
 * the main thread is going, it ends itself once it is the last one
 * (signal.c, through helper.c), so the process ends as it would without the shim. */
#include <pthread.h>
#include <sys/syscall.h>

#include "../helper.h"
#include "../sys.h"
#include "hook.h"

LT_EXPORT void pthread_exit(void *retval)
{
	if (lt_hook_ready() && lt_real.pthread_exit) {
		if (lt_sys_gettid() == lt_sys_getpid())
			lt_helper_main_exiting();
		lt_real.pthread_exit(retval);
	}
	/* the lookup failed (cannot happen with glibc, which defines it):
	 * end this thread as the kernel would, without its cleanup */
	for (;;)
		lt_sys_call6(SYS_exit, 0, 0, 0, 0, 0, 0);
}
