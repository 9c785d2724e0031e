/* Private allocator for leaktrace's own memory.
 *
 * Everything the tracer keeps (stack depot entries, live-block tables,
 * handle records, report buffers, uthash buckets, libdw's and libunwind's
 * allocations made under the guard) comes from here, so none of it lives in
 * the target's heap: it never shows up in the target's memory profile nor
 * as a root or a block of the reachability scan.
 *
 * All of it is carved from one reserved range of address space (PROT_NONE,
 * MAP_NORESERVE, committed on demand), so lt_ia_owns() is a single compare
 * - which is what lets free() recognise, on its hot path, a pointer that was
 * served from here during bootstrap (dlsym's calloc) or under the guard.
 * Small requests use power-of-two classes (16 B .. 64 KiB, 16-byte header)
 * with free lists; page-granular mappings (lt_ia_map) use power-of-two page
 * classes, and freed ones are returned to the kernel with MADV_DONTNEED and
 * kept for reuse. */
#include "intalloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "defer.h"
#include "lock.h"
#include "sys.h"
#include "lt.h"

#define MIN_SHIFT 4
#define MAX_SHIFT 16                  /* small classes 16 B .. 64 KiB */
#define NCLASS (MAX_SHIFT - MIN_SHIFT + 1)
#define NPCLASS 40                    /* page classes: the system page .. 2^39 pages */
#define SLAB (1u << 20)
#define COMMIT_STEP (1u << 21)
#define HDR 16

struct hdr {
	size_t size;   /* class size */
	size_t pad;
};

static lt_lock_t ia_lock_ = LT_LOCK_INIT;
/* set while this thread holds the lock: a signal handler that allocates
 * under the guard must not spin on a lock its own thread holds */
static LT_TLS int ia_held;

static inline void ia_lock(void)
{
	lt_lock_mine(&ia_lock_, &ia_held);
}

/* Frees that arrive while this thread holds the lock (a signal handler
 * freeing a block it got from here) are chained through the blocks and
 * released right after the lock is dropped, as guard.h does for the heap. */
static LT_TLS void *ia_deferred;

static inline void ia_unlock(void)
{
	lt_unlock_mine(&ia_lock_, &ia_held);
	if (LT_UNLIKELY(ia_deferred != NULL))
		lt_defer_drain(&ia_deferred, lt_ia_free);
}
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* lt_ia_map_filled populates mappings of this size and more; below it a
 * system call saves next to nothing */
#define POPULATE_MIN ((size_t)64 << 10)

static int populate_on;

void lt_ia_set_populate(int on)
{
	__atomic_store_n(&populate_on, on, __ATOMIC_RELAXED);
	ia_lock();            /* a populate that read the old value ends first */
	ia_unlock();
}

static void *free_list[NCLASS];
static void *page_free[NPCLASS];
static char *slab_cur, *slab_end;

static char *region;                  /* reserved range [region, region_end) */
static char *region_end;
static char *bump;                    /* next unused byte */
static char *committed;               /* [region, committed) is read-write */

uintptr_t lt_ia_base;
size_t lt_ia_span;

/* Reserve the range once. Called with ia_lock held. */
static int reserve(void)
{
	if (region)
		return 0;
	for (size_t sz = (size_t)1 << 40; sz >= ((size_t)1 << 30); sz >>= 1) {
		void *p = lt_sys_mmap(NULL, sz, PROT_NONE,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p) {
			region = bump = committed = p;
			region_end = region + sz;
			__atomic_store_n(&lt_ia_span, sz, __ATOMIC_RELAXED);
			__atomic_store_n(&lt_ia_base, (uintptr_t)p, __ATOMIC_RELEASE);
			return 0;
		}
	}
	return -1;
}

/* Bump-allocate len bytes (page multiple) of committed memory. ia_lock held. */
static void *carve(size_t len)
{
	if (reserve())
		return NULL;
	if ((size_t)(region_end - bump) < len)
		return NULL;
	char *p = bump;
	if (bump + len > committed) {
		size_t need = (size_t)(bump + len - committed);
		need = (need + COMMIT_STEP - 1) & ~((size_t)COMMIT_STEP - 1);
		if (committed + need > region_end)
			need = (size_t)(region_end - committed);
		if (lt_sys_mprotect(committed, need, PROT_READ | PROT_WRITE))
			return NULL;
		committed += need;
	}
	bump += len;
	return p;
}

/* log2 of the system's page size (auxv): the smallest page class, since
 * MADV_DONTNEED needs page-aligned ranges - on a 64 KiB-page arm64 kernel
 * a 4 KiB class would fail it and reused memory would not read back zero. */
static int page_shift(void)
{
	static int shift;
	int s = __atomic_load_n(&shift, __ATOMIC_RELAXED);
	if (!s) {
		size_t page = lt_sys_page_size();
		for (s = 12; ((size_t)1 << s) < page; s++)
			;
		__atomic_store_n(&shift, s, __ATOMIC_RELAXED);
	}
	return s;
}

static int pclass_of(size_t size, size_t *len)
{
	int c = 0, shift = page_shift();
	while (((size_t)1 << (c + shift)) < size)
		c++;
	*len = (size_t)1 << (c + shift);
	return c;
}

static void *map(size_t size, int filled)
{
	size_t len;
	int c = pclass_of(size ? size : 1, &len);
	if (c >= NPCLASS)
		return NULL;
	ia_lock();
	void *p = page_free[c];
	if (p) {
		page_free[c] = *(void **)p;
		*(void **)p = NULL;          /* the rest was zeroed by MADV_DONTNEED */
	} else {
		p = carve(len);
	}
	if (p && filled && size >= POPULATE_MIN && __atomic_load_n(&populate_on, __ATOMIC_RELAXED))
		lt_sys_madvise(p, size, MADV_POPULATE_WRITE);
	ia_unlock();
	return p;
}

void *lt_ia_map(size_t size)
{
	return map(size, 0);
}

void *lt_ia_map_filled(size_t size)
{
	return map(size, 1);
}

void lt_ia_unmap(void *p, size_t size)
{
	if (!p)
		return;
	size_t len;
	int c = pclass_of(size ? size : 1, &len);
	/* private anonymous: reads back zero; should the kernel refuse, zero
	 * it here, since lt_ia_map promises zeroed memory */
	if (lt_sys_madvise(p, len, MADV_DONTNEED) != 0)
		memset(p, 0, len);
	ia_lock();
	*(void **)p = page_free[c];
	page_free[c] = p;
	ia_unlock();
}

static int class_of(size_t total)
{
	int c = 0;
	while (((size_t)1 << (c + MIN_SHIFT)) < total)
		c++;
	return c;
}

static void *alloc_small(size_t total, int blocking)
{
	int c = class_of(total);
	size_t csize = (size_t)1 << (c + MIN_SHIFT);
	struct hdr *h;
	if (!blocking && ia_held)
		return NULL;
	ia_lock();
	if (free_list[c]) {
		h = free_list[c];
		free_list[c] = *(void **)((char *)h + HDR);
		ia_unlock();
		memset(h, 0, csize);
	} else {
		if ((size_t)(slab_end - slab_cur) < csize) {
			char *s = carve(SLAB);
			if (!s) {
				ia_unlock();
				return NULL;
			}
			slab_cur = s;
			slab_end = s + SLAB;
		}
		h = (struct hdr *)slab_cur;   /* fresh memory is zero */
		slab_cur += csize;
		ia_unlock();
	}
	h->size = csize;
	return (char *)h + HDR;
}

static void *alloc_any(size_t size, int blocking)
{
	size_t total = size + HDR;
	if (total < size)
		return NULL;
	if (total <= ((size_t)1 << MAX_SHIFT))
		return alloc_small(total, blocking);
	if (!blocking && ia_held)
		return NULL;
	size_t len;
	pclass_of(total, &len);
	struct hdr *h = lt_ia_map(len);
	if (!h)
		return NULL;
	h->size = len;
	return (char *)h + HDR;
}

void *lt_ia_alloc(size_t size)
{
	return alloc_any(size, 1);
}

void *lt_ia_try_alloc(size_t size)
{
	return alloc_any(size, 0);
}

void *lt_ia_memalign(size_t align, size_t size)
{
	/* blocks are 16-aligned; larger alignments over-allocate and the
	 * header is placed right before the aligned address */
	if (align <= 16)
		return lt_ia_alloc(size);
	char *raw = lt_ia_alloc(size + align);
	if (!raw)
		return NULL;
	uintptr_t a = ((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1);
	if (a == (uintptr_t)raw)
		return raw;
	/* leave a forwarding header: size 0 marks it, pad holds the real block */
	struct hdr *h = (struct hdr *)(a - HDR);
	h->size = 0;
	h->pad = (size_t)raw;
	return (void *)a;
}

static struct hdr *header(void *p)
{
	struct hdr *h = (struct hdr *)((char *)p - HDR);
	if (h->size == 0)                 /* aligned forwarding header */
		h = (struct hdr *)((char *)h->pad - HDR);
	return h;
}

size_t lt_ia_usable_size(void *p)
{
	struct hdr *h = header(p);
	return h->size - HDR - (size_t)((char *)p - ((char *)h + HDR));
}

void lt_ia_free(void *p)
{
	if (!p)
		return;
	if (LT_UNLIKELY(ia_held)) {
		lt_defer_push(&ia_deferred, p);
		return;
	}
	struct hdr *h = header(p);
	if (h->size > ((size_t)1 << MAX_SHIFT)) {
		lt_ia_unmap(h, h->size);
		return;
	}
	int c = class_of(h->size);
	ia_lock();
	*(void **)((char *)h + HDR) = free_list[c];
	free_list[c] = h;
	ia_unlock();
}

void *lt_ia_realloc(void *p, size_t old, size_t size)
{
	if (!p)
		return lt_ia_alloc(size);
	size_t have = lt_ia_usable_size(p);
	if (size <= have)
		return p;
	void *n = lt_ia_alloc(size);
	if (!n)
		return NULL;
	if (!old || old > have)
		old = have;
	memcpy(n, p, old < size ? old : size);
	lt_ia_free(p);
	return n;
}

char *lt_ia_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = lt_ia_alloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

void lt_ia_prefork(void)
{
	ia_lock();
}

void lt_ia_postfork(void)
{
	ia_unlock();
}
