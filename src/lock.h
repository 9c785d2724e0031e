/* A small spinlock for the tracer's short critical sections.
 *
 * pthread mutexes would do, but a spinlock has no futex state to repair in a
 * forked child, is async-signal-tolerant (a handler that spins on a lock its
 * own thread holds is a bug we avoid by the reentrancy guard), and costs one
 * atomic exchange uncontended. Contention yields the CPU after a short spin. */
#ifndef LT_LOCK_H
#define LT_LOCK_H

#include <stdatomic.h>

#include "sys.h"

#if defined(__x86_64__) || defined(__i386__)
#define LT_CPU_RELAX() __builtin_ia32_pause()
#else
#define LT_CPU_RELAX() __asm__ volatile("" ::: "memory")
#endif

typedef struct {
	atomic_int v;
} lt_lock_t;

#define LT_LOCK_INIT { 0 }

static inline void lt_lock(lt_lock_t *l)
{
	for (;;) {
		if (!atomic_exchange_explicit(&l->v, 1, memory_order_acquire))
			return;
		for (int i = 0; atomic_load_explicit(&l->v, memory_order_relaxed); i++) {
			if (i > 64)
				lt_sys_sched_yield();
			else
				LT_CPU_RELAX();
		}
	}
}

static inline int lt_trylock(lt_lock_t *l)
{
	return !atomic_exchange_explicit(&l->v, 1, memory_order_acquire);
}

static inline void lt_unlock(lt_lock_t *l)
{
	atomic_store_explicit(&l->v, 0, memory_order_release);
}

static inline void lt_lock_reset(lt_lock_t *l)
{
	atomic_store_explicit(&l->v, 0, memory_order_relaxed);
}

#endif
