/* The client API's state as the core sees it (api.c): objects the program
 * asked to ignore, the per-thread "do not report" depth, and registered
 * root regions. */
#ifndef LT_API_H
#define LT_API_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"
#include "lt.h"

/* >0 while this thread is inside __lsan_disable()/__lsan_enable(): its new
 * blocks are ignored. */
extern LT_TLS int lt_api_disabled;
/* While a client call writes a report from the program's thread: the
 * caller's stack pointer. The scan reads that thread's stack from there up,
 * not from its own frames (which hold stale copies of pointers from calls
 * that returned, as in the exit report: scan.c). 0 otherwise. */
extern LT_TLS uintptr_t lt_api_caller_sp;
/* How many blocks are ignored (0: the free path skips the set). */
extern uint32_t lt_api_nignored;

/* The ignore set. Every call is made with the block's heap shard lock held
 * (heap.c), or all of them (the scan): the set's own lock nests inside, so
 * no thread can hold it at fork or while the world is stopped. */
void lt_api_ignore_locked(uintptr_t p);
void lt_api_forget_locked(uintptr_t p);
/* flags[i] = 1 for every ignored block of a snapshot (all shard locks held). */
void lt_api_mark_ignored(const lt_block_t *blocks, size_t n, uint8_t *flags);
void lt_api_clear_ignored(void);

/* Register or unregister [p, p+size): 0, -EINVAL (empty), -ENOSPC (more
 * than LT_API_MAX_REGIONS), -ENOENT (not registered). */
#define LT_API_MAX_REGIONS 64
int lt_api_register_region(const void *p, size_t size);
int lt_api_unregister_region(const void *p, size_t size);
/* Registered root regions, copied out before the world stops: returns how
 * many (up to cap) were written to lo[]/hi[]. */
size_t lt_api_root_regions(uintptr_t *lo, uintptr_t *hi, size_t cap);

/* fork protocol (fork.c): the root-region lock */
void lt_api_prefork(void);
void lt_api_postfork(void);

#endif
