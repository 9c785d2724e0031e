/* Stack capture (libunwind) and the stack depot: equal stacks share one id. */
#ifndef LT_STACK_H
#define LT_STACK_H

#include <stddef.h>
#include <stdint.h>

#define LT_STACK_MAX_DEPTH 64

typedef struct lt_stack {
	uint64_t hash;
	uint32_t id;
	uint32_t depth;
	uintptr_t pc[];     /* innermost first; return addresses */
} lt_stack_t;

/* Capture the current stack (minus the tracer's own frames and allocator
 * frames) and intern it. Returns the stack id; 0 means "no stack" (depth 0
 * or out of memory). caller: the hook's return address into the program
 * (__builtin_return_address(0) in the hook), or 0 - a hint for the stack
 * cache, which looks there first; the stack is the same either way. */
uint32_t lt_stack_capture_at(uintptr_t caller);
#define lt_stack_capture() lt_stack_capture_at(0)

/* Intern an explicit list of frames. */
uint32_t lt_stack_intern(const uintptr_t *pc, uint32_t depth);

/* Id -> stack (NULL for 0 or unknown ids). */
const lt_stack_t *lt_stack_get(uint32_t id);
uint32_t lt_stack_count(void);

/* One-time setup: caching policy, own text range, capture depth. */
void lt_stack_init(int depth);
/* Forget the trimmed ranges (unit tests, where the "tracer" is the test). */
void lt_stack_clear_trim(void);
/* Is pc inside a tracer or allocator-wrapper frame that must be trimmed? */
int lt_stack_is_tracer_pc(uintptr_t pc);
/* Whether pc is in the shim's own text (a hook frame in mid-stack: an
 * allocation glibc made inside a hooked call such as pthread_create). */
int lt_stack_is_shim_pc(uintptr_t pc);

/* The validated per-thread stack cache (stack.c): off, on, or verify (on,
 * and every hit is checked against a full walk). Off until set. */
enum { LT_STACK_CACHE_OFF, LT_STACK_CACHE_ON, LT_STACK_CACHE_VERIFY };
void lt_stack_set_cache(int mode);

struct lt_stack_cache_stats {
	int mode;
	uint64_t hits, misses, fills, verified, mismatches;
};
/* Counts so far; hits of other threads are added in batches of 256. */
void lt_stack_cache_stats(struct lt_stack_cache_stats *st);

/* Non-zero while this thread walks its stack with libunwind: the
 * sigprocmask hook then calls lt_stack_walk_sigmask with its caller's
 * address, which, for a call from libunwind, blocks every signal once for
 * the whole walk and answers libunwind's own masking without a system
 * call (stack.c). -1: pass the call through. */
#include <signal.h>
#include "lt.h"
extern LT_TLS int lt_stack_masking;
int lt_stack_walk_sigmask(uintptr_t caller, sigset_t *old);

void lt_stack_prefork(void);
void lt_stack_postfork(void);

#endif
