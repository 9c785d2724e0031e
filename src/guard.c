/* Reentrancy guard state and the deferred-free drain (see guard.h). */
#include "guard.h"

#include "heap.h"
#include "real.h"

int lt_state = LT_STATE_BOOT;
LT_TLS int lt_guard_depth;
LT_TLS void *lt_guard_deferred;

void lt_guard_drain(void)
{
	/* Hold the guard so the frees below do not recurse into tracking, and
	 * loop because a signal may defer more meanwhile. */
	lt_guard_depth++;
	void *list;
	while ((list = __atomic_exchange_n(&lt_guard_deferred, NULL, __ATOMIC_RELAXED))) {
		while (list) {
			void *next = *(void **)list;
			lt_heap_remove(list, NULL);
			lt_real.free(list);
			list = next;
		}
	}
	lt_guard_depth--;
}
