/* Per-thread lists of blocks whose free must wait until this thread leaves
 * a lock it holds (a signal handler freed them meanwhile). The list is
 * chained through the blocks' own first word: a push is two stores and
 * lt_defer_drain takes the whole list with one exchange, so a handler
 * interrupting either end can neither lose nor repeat a block. */
#ifndef LT_DEFER_H
#define LT_DEFER_H

#include <stddef.h>

static inline void lt_defer_push(void **head, void *p)
{
	*(void **)p = *head;
	__atomic_store_n(head, p, __ATOMIC_RELAXED);
}

/* Call release(block) on every deferred block, including those a handler
 * adds while this runs. */
static inline void lt_defer_drain(void **head, void (*release)(void *))
{
	void *list;
	while ((list = __atomic_exchange_n(head, NULL, __ATOMIC_RELAXED))) {
		while (list) {
			void *next = *(void **)list;
			release(list);
			list = next;
		}
	}
}

#endif
