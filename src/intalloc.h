/* The tracer's private allocator: one reserved range of address space,
 * never the target's heap (see intalloc.c). */
#ifndef LT_INTALLOC_H
#define LT_INTALLOC_H

#include <stddef.h>
#include <stdint.h>

void *lt_ia_alloc(size_t size);          /* zeroed memory or NULL */
void *lt_ia_try_alloc(size_t size);      /* never waits for the lock: NULL if busy */
void *lt_ia_memalign(size_t align, size_t size);
void *lt_ia_realloc(void *p, size_t old, size_t size);  /* old may be 0 */
void lt_ia_free(void *p);
size_t lt_ia_usable_size(void *p);
void *lt_ia_map(size_t size);            /* page-granular, zeroed, or NULL */
void lt_ia_unmap(void *p, size_t size);
char *lt_ia_strdup(const char *s);
/* lt_ia_map for memory the caller is about to write in full (a table it
 * rehashes into, a snapshot): from 64 KiB up it is faulted in by one
 * madvise(MADV_POPULATE_WRITE) instead of one page fault per first touch,
 * which under a VM's paging costs ~15 us (bench/STEPS.md). Linux 5.14+;
 * before, pages fault in as touched. Populating is off until
 * lt_ia_set_populate(1) and from the moment a seccomp filter may forbid
 * the call: turning it off waits for a populate in flight. */
void *lt_ia_map_filled(size_t size);
void lt_ia_set_populate(int on);
void lt_ia_prefork(void);
void lt_ia_postfork(void);

extern uintptr_t lt_ia_base;
extern size_t lt_ia_span;

/* Does p belong to the private allocator? One subtraction and compare. */
static inline int lt_ia_owns(const void *p)
{
	return (uintptr_t)p - __atomic_load_n(&lt_ia_base, __ATOMIC_RELAXED) <
	       __atomic_load_n(&lt_ia_span, __ATOMIC_RELAXED);
}

#endif
