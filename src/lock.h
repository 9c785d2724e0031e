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

/* One round of a wait for another thread: a short spin, then the CPU is
 * yielded (i counts the rounds). */
static inline void lt_spin_wait(int i)
{
	if (i > 64)
		lt_sys_sched_yield();
	else
		LT_CPU_RELAX();
}

static inline void lt_lock(lt_lock_t *l)
{
	for (;;) {
		if (!atomic_exchange_explicit(&l->v, 1, memory_order_acquire))
			return;
		for (int i = 0; atomic_load_explicit(&l->v, memory_order_relaxed); i++)
			lt_spin_wait(i);
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

/* The one reentrancy primitive: a lock and this thread's "held" flag for
 * it (a thread-local int of the lock's owner). The flag is set before the
 * lock is taken and cleared after it is released, so a signal handler that
 * interrupts this thread anywhere in between sees it held - and defers its
 * free or passes through - instead of spinning on a lock its own thread
 * holds. (Setting it after taking, or clearing it before releasing, leaves
 * exactly that window.) */
static inline void lt_lock_mine(lt_lock_t *l, int *held)
{
	*held = 1;
	atomic_signal_fence(memory_order_seq_cst);
	lt_lock(l);
}

static inline void lt_unlock_mine(lt_lock_t *l, int *held)
{
	lt_unlock(l);
	atomic_signal_fence(memory_order_seq_cst);
	*held = 0;
}

#endif
