/* Hooks for the malloc family: malloc, calloc, realloc, reallocarray, free,
 * posix_memalign, aligned_alloc, memalign, valloc, pvalloc and
 * malloc_usable_size.
 *
 * Three paths: before the real allocator is resolved (a hook that runs first
 * in a thread resolves it: real.c, which never allocates)
 * and whenever this thread is inside the tracer (guard held), requests are
 * served by the private allocator; otherwise the real allocator serves them
 * and, with tracing on, the block is recorded with its stack. free() and
 * realloc() recognise private-allocator pointers by address range. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "../handle.h"
#include "../heap.h"
#include "../boot.h"
#include "../intalloc.h"
#include "../options.h"
#include "../stack.h"
#include "../sys.h"
#include "hook.h"

#define CALLER ((uintptr_t)__builtin_return_address(0))

static LT_NOINLINE int boot_tracing(void)
{
	return lt_boot() == 0;
}

/* Whether blocks are recorded: from the program's first allocation on, not
 * only after the constructor (boot.c, lt_boot), so what library
 * constructors allocate is the program's, tracked and scanned. */
static inline int mem_tracing(void)
{
	int s = __atomic_load_n(&lt_state, __ATOMIC_RELAXED);
	if (LT_LIKELY(s == LT_STATE_ON))
		return 1;
	return s == LT_STATE_BOOT && boot_tracing();
}

/* Record p: one stack capture plus one table insert. caller: the hook's
 * return address, the stack cache's hint (stack.h). */
static LT_NOINLINE void track(void *p, size_t n, uintptr_t caller)
{
	/* the program's own allocator serves malloc and free ahead of these
	 * hooks: a block recorded here would never be seen freed */
	if (LT_UNLIKELY(lt_real_foreign_malloc != NULL))
		return;
	if (!lt_guard_enter())
		return;
	int e = errno;
	uint64_t h = lt_heap_prefetch(p);
	uint32_t sid = lt_stack_capture_at(caller);
	lt_heap_add_hashed(p, h, n, sid);
	LT_TRACK_END(e);
}

/* Forget p before it is released. Returns 1 if it was tracked. */
static inline int forget(void *p, lt_block_t *rec)
{
	if (!mem_tracing())
		return 0;
	lt_guard_hold();
	int found = lt_heap_remove(p, rec);
	lt_guard_release();
	if (!found)
		lt_heap_count_unknown_free();
	return found;
}

/* Allocation while this thread is inside the tracer: the tracer's own
 * memory (libdw, libunwind, dlsym). A signal handler that interrupted the
 * private allocator itself gets an untracked block from the real one. */
static void *internal_alloc(size_t n)
{
	void *p = lt_ia_try_alloc(n);
	if (!p && lt_real.malloc)
		p = lt_real.malloc(n);
	return p;
}

LT_EXPORT void *malloc(size_t n)
{
	if (LT_UNLIKELY(!lt_hook_ready()))
		return lt_ia_alloc(n);
	if (LT_UNLIKELY(lt_guard_depth))
		return internal_alloc(n);
	void *p = lt_real.malloc(n);
	if (LT_LIKELY(p != NULL) && mem_tracing())
		track(p, n, CALLER);
	return p;
}

/* calloc under the guard from code that allocates for the program
 * (real.h: pthread_setspecific's slot array, when libunwind sets its key
 * inside a capture): the program's allocator serves it and it is recorded
 * like any block of the program, with the calling frame as its stack (a
 * capture cannot run inside a capture). */
static LT_NOINLINE void *calloc_for_program(size_t n, size_t size, size_t total,
					    uintptr_t caller)
{
	void *p = lt_real.calloc(n, size);
	if (p && !lt_heap_held && !lt_real_foreign_malloc && mem_tracing()) {
		int e = errno;
		lt_heap_add(p, total, lt_stack_intern(&caller, 1));
		errno = e;
	}
	return p;
}

LT_EXPORT void *calloc(size_t n, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	if (LT_UNLIKELY(!lt_hook_ready()))
		return lt_ia_alloc(total);          /* zeroed */
	if (LT_UNLIKELY(lt_guard_depth)) {
		uintptr_t caller = (uintptr_t)__builtin_return_address(0);
		if (LT_UNLIKELY(lt_real_for_program(caller)))
			return calloc_for_program(n, size, total, caller);
		void *p = internal_alloc(total);
		if (p && !lt_ia_owns(p))
			memset(p, 0, total);
		return p;
	}
	void *p = lt_real.calloc(n, size);
	if (LT_LIKELY(p != NULL) && mem_tracing())
		track(p, total, CALLER);
	return p;
}

LT_EXPORT void free(void *p)
{
	if (!p)
		return;
	if (lt_ia_owns(p)) {
		lt_ia_free(p);
		return;
	}
	if (LT_UNLIKELY(!lt_hook_ready()))
		return;       /* cannot happen: nothing was allocated yet */
	if (LT_UNLIKELY(lt_heap_held)) {
		/* a signal handler interrupted this thread inside the table */
		lt_guard_defer_free(p);
		return;
	}
	lt_handle_freeing(p);     /* io_uring buffers still registered */
	if (lt_opt.retire_frees && mem_tracing()) {
		lt_guard_hold();
		lt_heap_retire(p);
		lt_guard_release();
	} else {
		forget(p, NULL);
	}
	lt_real.free(p);
}

static void *realloc_private(void *p, size_t n)
{
	/* p came from the private allocator (bootstrap or tracer-internal) */
	if (lt_guard_depth || !lt_real_ready)
		return lt_ia_realloc(p, 0, n);
	/* the target took over a bootstrap block: move it to its heap */
	void *q = malloc(n);
	if (q) {
		size_t have = lt_ia_usable_size(p);
		memcpy(q, p, have < n ? have : n);
		lt_ia_free(p);
	}
	return q;
}

LT_EXPORT void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	if (lt_ia_owns(p))
		return realloc_private(p, n);
	if (LT_UNLIKELY(!lt_hook_ready()))
		return NULL;
	if (LT_UNLIKELY(lt_heap_held)) {
		/* signal handler inside the table: copy out, defer the free */
		void *q = internal_alloc(n ? n : 1);
		if (q) {
			size_t have = lt_real.malloc_usable_size(p);
			memcpy(q, p, have < n ? have : n);
			lt_guard_defer_free(p);
		}
		return q;
	}
	if (LT_UNLIKELY(lt_guard_depth)) {
		forget(p, NULL);
		return lt_real.realloc(p, n);    /* untracked from here on */
	}
	lt_block_t old;
	int had = forget(p, &old);
	void *q = lt_real.realloc(p, n);
	if (!q) {
		/* failure leaves p allocated (or realloc(p, 0) freed it) */
		if (had && n != 0) {
			int e = errno;
			lt_guard_hold();
			lt_heap_add(p, old.size, old.stack);
			lt_guard_release();
			errno = e;
		}
		return NULL;
	}
	if (mem_tracing())
		track(q, n, CALLER);
	return q;
}

LT_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

LT_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	if (LT_UNLIKELY(!lt_hook_ready() || lt_guard_depth))
		return lt_posix_memalign_with(lt_ia_memalign, out, align, n);
	int r = lt_real.posix_memalign(out, align, n);
	if (r == 0 && mem_tracing())
		track(*out, n, CALLER);
	return r;
}

#define ALIGNED_HOOK(name, call, params, args)                                 \
	LT_EXPORT void *name params                                            \
	{                                                                      \
		if (LT_UNLIKELY(!lt_hook_ready() || lt_guard_depth))           \
			return lt_ia_memalign(align_of_##name args, size_of_##name args); \
		void *p = call;                                                \
		if (LT_LIKELY(p != NULL) && mem_tracing())                      \
			track(p, size_of_##name args, CALLER);                         \
		return p;                                                      \
	}

static inline size_t page_size(void)
{
	return lt_sys_page_size();   /* the system's (auxv), 64 KiB on some arm64 kernels */
}
#define align_of_memalign(a, n) (a)
#define size_of_memalign(a, n) (n)
#define align_of_aligned_alloc(a, n) (a)
#define size_of_aligned_alloc(a, n) (n)
#define align_of_valloc(n) page_size()
#define size_of_valloc(n) (n)
#define align_of_pvalloc(n) page_size()
#define size_of_pvalloc(n) (((n) + page_size() - 1) & ~(page_size() - 1))

ALIGNED_HOOK(memalign, lt_real.memalign(align, n), (size_t align, size_t n), (align, n))
ALIGNED_HOOK(valloc, lt_real.valloc(n), (size_t n), (n))
ALIGNED_HOOK(pvalloc, lt_real.pvalloc(n), (size_t n), (n))

LT_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	if (LT_UNLIKELY(!lt_hook_ready() || lt_guard_depth))
		return lt_ia_memalign(align, n);
	void *p = lt_real.aligned_alloc ? lt_real.aligned_alloc(align, n)
					: lt_real.memalign(align, n);
	if (LT_LIKELY(p != NULL) && mem_tracing())
		track(p, n, CALLER);
	return p;
}

LT_EXPORT size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	if (lt_ia_owns(p))
		return lt_ia_usable_size(p);
	if (!lt_hook_ready())
		return 0;
	return lt_real.malloc_usable_size(p);
}
