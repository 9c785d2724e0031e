/* Resolution of the real functions behind the hooks (see real.h). */
#include "real.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "guard.h"
#include "lock.h"

struct lt_real lt_real;
int lt_real_ready;

/* glibc's own allocator entry points: the fallback when RTLD_NEXT finds no
 * allocator (a static-pie oddity, or a library loaded in an unusual order). */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

static int posix_memalign_fallback(void **out, size_t align, size_t size)
{
	if (align % sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	void *p = __libc_memalign(align, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

static size_t usable_fallback(void *p)
{
	(void)p;
	return 0;
}

static void fallback(void)
{
	if (!lt_real.malloc) lt_real.malloc = __libc_malloc;
	if (!lt_real.calloc) lt_real.calloc = __libc_calloc;
	if (!lt_real.realloc) lt_real.realloc = __libc_realloc;
	if (!lt_real.free) lt_real.free = __libc_free;
	if (!lt_real.memalign) lt_real.memalign = __libc_memalign;
	if (!lt_real.valloc) lt_real.valloc = __libc_valloc;
	if (!lt_real.pvalloc) lt_real.pvalloc = __libc_pvalloc;
	if (!lt_real.posix_memalign) lt_real.posix_memalign = posix_memalign_fallback;
	if (!lt_real.malloc_usable_size) lt_real.malloc_usable_size = usable_fallback;
}

static atomic_int state;        /* 0 none, 1 resolving, 2 done */
static LT_TLS int resolving_here;

int lt_real_init(void)
{
	if (atomic_load_explicit(&state, memory_order_acquire) == 2)
		return 0;
	if (resolving_here)
		return -EAGAIN;   /* dlsym re-entered malloc: use the private arena */
	int expect = 0;
	if (!atomic_compare_exchange_strong(&state, &expect, 1)) {
		/* another thread resolves: wait for it (only at process start) */
		while (atomic_load_explicit(&state, memory_order_acquire) != 2)
			sched_yield();
		return 0;
	}
	resolving_here = 1;
	struct lt_real r = { 0 };
#define LT_REAL(ret, name, params, kind) \
	*(void **)&r.name = dlsym(RTLD_NEXT, #name);
#include "real.inc"
#undef LT_REAL
	lt_real = r;
	fallback();
	resolving_here = 0;
	__atomic_store_n(&lt_real_ready, 1, __ATOMIC_RELEASE);
	atomic_store_explicit(&state, 2, memory_order_release);
	return 0;
}
