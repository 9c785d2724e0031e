/* Stack capture and interning.
 *
 * Capture is libunwind's unw_backtrace with per-thread caching: ~110 ns for
 * 15 frames once warm, the floor of the tracer's per-allocation cost (a
 * step-by-step unw_step loop is 300x slower; glibc backtrace() 20x). The
 * leading frames that belong to the tracer (the hook and this file) are
 * trimmed by address range - the shim's own text segment - never by count,
 * which drifts with inlining and build type.
 *
 * The depot interns stacks: a lock-free open-addressing index of 32-bit ids
 * (lookups of known stacks take no lock and touch no new memory) in front of
 * an append-only array of entries; only the first sight of a stack takes the
 * depot lock. The index doubles when half full; retired indexes are kept
 * (never freed) so a concurrent reader can finish its probe on one. */
#include "stack.h"

#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <libunwind.h>
#include <link.h>
#include <stdatomic.h>
#include <string.h>

#include "intalloc.h"
#include "lt.h"
#include "lock.h"
#include "log.h"
#include "real.h"

#define CHUNK_BITS 12
#define CHUNK (1u << CHUNK_BITS)
#define MAX_CHUNKS 4096                 /* 16M distinct stacks */
#define INITIAL_INDEX (1u << 14)

struct index {
	uint32_t mask;
	_Atomic uint32_t slot[];            /* 0 empty, else id */
};

static lt_stack_t **_Atomic chunks[MAX_CHUNKS];
static struct index *_Atomic cur_index;
static _Atomic uint32_t nstacks;        /* ids are 1..nstacks */
static lt_lock_t depot_lock = LT_LOCK_INIT;
static int capture_depth = 16;

/* address ranges whose frames are trimmed from the top of a stack: the
 * shim's own text, and libstdc++'s operator new family, so the first frame
 * is the caller of malloc or new */
#define MAX_TRIM 16
static struct {
	uintptr_t lo, hi;
} trim[MAX_TRIM];
static int ntrim;

static uintptr_t shim_lo, shim_hi;      /* the shim's own text */

int lt_stack_is_shim_pc(uintptr_t pc)
{
	return pc >= shim_lo && pc < shim_hi;
}

int lt_stack_is_tracer_pc(uintptr_t pc)
{
	for (int i = 0; i < ntrim; i++)
		if (pc >= trim[i].lo && pc < trim[i].hi)
			return 1;
	return 0;
}

static int self_text_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	uintptr_t me = (uintptr_t)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		uintptr_t hi = lo + ph->p_memsz;
		if (me >= lo && me < hi && ntrim < MAX_TRIM) {
			shim_lo = lo;
			shim_hi = hi;
			trim[ntrim].lo = lo;
			trim[ntrim].hi = hi;
			ntrim++;
			return 1;
		}
	}
	return 0;
}

static void add_symbol_range(const char *name)
{
	/* not dlsym: a name no object defines makes dlsym allocate its error
	 * message with the program's malloc (real.c) */
	size_t size = 0;
	void *addr = lt_real_lookup(name, 0, &size);
	if (addr && size && ntrim < MAX_TRIM) {
		trim[ntrim].lo = (uintptr_t)addr;
		trim[ntrim].hi = (uintptr_t)addr + size;
		ntrim++;
	}
}

void lt_stack_init(int depth)
{
	capture_depth = depth < 0 ? 0 : depth > LT_STACK_MAX_DEPTH ? LT_STACK_MAX_DEPTH : depth;
	if (unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD))
		lt_log_warn("libunwind per-thread caching unavailable; stacks will be slower to capture");
	dl_iterate_phdr(self_text_cb, (void *)(uintptr_t)&lt_stack_init);
	/* operator new and friends (libstdc++ may not be loaded: then these
	 * are absent and C++ is not in the picture) */
	static const char *const news[] = {
		"_Znwm", "_Znam", "_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t",
		"_ZnwmSt11align_val_t", "_ZnamSt11align_val_t",
		"_ZnwmSt11align_val_tRKSt9nothrow_t", "_ZnamSt11align_val_tRKSt9nothrow_t",
	};
	for (size_t i = 0; i < sizeof news / sizeof news[0]; i++)
		add_symbol_range(news[i]);
	struct index *ix = lt_ia_map(sizeof(struct index) + INITIAL_INDEX * sizeof(uint32_t));
	if (ix)
		ix->mask = INITIAL_INDEX - 1;
	atomic_store(&cur_index, ix);
}

void lt_stack_clear_trim(void)
{
	ntrim = 0;
}

static inline uint64_t hash_frames(const uintptr_t *pc, uint32_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ n;
	for (uint32_t i = 0; i < n; i++) {
		h ^= pc[i];
		h *= 0x9E3779B97F4A7C15ull;
		h ^= h >> 31;
	}
	return h | 1;
}

const lt_stack_t *lt_stack_get(uint32_t id)
{
	if (!id || id > atomic_load_explicit(&nstacks, memory_order_acquire))
		return NULL;
	lt_stack_t **c = atomic_load_explicit(&chunks[(id - 1) >> CHUNK_BITS], memory_order_acquire);
	return c ? c[(id - 1) & (CHUNK - 1)] : NULL;
}

uint32_t lt_stack_count(void)
{
	return atomic_load_explicit(&nstacks, memory_order_acquire);
}

static int same(const lt_stack_t *s, uint64_t h, const uintptr_t *pc, uint32_t n)
{
	return s && s->hash == h && s->depth == n &&
	       memcmp(s->pc, pc, n * sizeof(uintptr_t)) == 0;
}

/* Probe ix for the stack; returns id, 0 if absent (*empty = first free slot). */
static uint32_t probe(struct index *ix, uint64_t h, const uintptr_t *pc, uint32_t n,
		      uint32_t *empty)
{
	uint32_t i = (uint32_t)h & ix->mask;
	for (;;) {
		uint32_t id = atomic_load_explicit(&ix->slot[i], memory_order_acquire);
		if (!id) {
			*empty = i;
			return 0;
		}
		if (same(lt_stack_get(id), h, pc, n))
			return id;
		i = (i + 1) & ix->mask;
	}
}

static struct index *grow_index(struct index *old)
{
	uint32_t ncap = (old->mask + 1) * 2;
	size_t bytes = sizeof(struct index) + (size_t)ncap * sizeof(uint32_t);
	struct index *ix = lt_ia_map(bytes);
	if (!ix)
		return NULL;
	ix->mask = ncap - 1;
	uint32_t total = atomic_load(&nstacks);
	for (uint32_t id = 1; id <= total; id++) {
		const lt_stack_t *s = lt_stack_get(id);
		uint32_t i = (uint32_t)s->hash & ix->mask;
		while (atomic_load_explicit(&ix->slot[i], memory_order_relaxed))
			i = (i + 1) & ix->mask;
		atomic_store_explicit(&ix->slot[i], id, memory_order_relaxed);
	}
	/* the old index stays mapped: readers may still be probing it */
	return ix;
}

uint32_t lt_stack_intern(const uintptr_t *pc, uint32_t n)
{
	if (!n)
		return 0;
	uint64_t h = hash_frames(pc, n);
	struct index *ix = atomic_load_explicit(&cur_index, memory_order_acquire);
	if (!ix)
		return 0;
	uint32_t empty;
	uint32_t id = probe(ix, h, pc, n, &empty);
	if (id)
		return id;

	lt_lock(&depot_lock);
	ix = atomic_load_explicit(&cur_index, memory_order_acquire);
	id = probe(ix, h, pc, n, &empty);
	if (id)
		goto out;
	uint32_t next = atomic_load_explicit(&nstacks, memory_order_relaxed) + 1;
	if (next > MAX_CHUNKS * CHUNK)
		goto out;                          /* depot full: id 0 */
	uint32_t ci = (next - 1) >> CHUNK_BITS;
	lt_stack_t **c = atomic_load_explicit(&chunks[ci], memory_order_relaxed);
	if (!c) {
		c = lt_ia_map(CHUNK * sizeof(lt_stack_t *));
		if (!c)
			goto out;
		atomic_store_explicit(&chunks[ci], c, memory_order_release);
	}
	lt_stack_t *s = lt_ia_alloc(sizeof(lt_stack_t) + n * sizeof(uintptr_t));
	if (!s)
		goto out;
	s->hash = h;
	s->id = next;
	s->depth = n;
	memcpy(s->pc, pc, n * sizeof(uintptr_t));
	c[(next - 1) & (CHUNK - 1)] = s;
	atomic_store_explicit(&nstacks, next, memory_order_release);
	if ((next + 1) * 2 > ix->mask + 1) {
		struct index *nix = grow_index(ix);
		if (nix) {
			atomic_store_explicit(&cur_index, nix, memory_order_release);
			id = next;
			goto out;
		}
	}
	atomic_store_explicit(&ix->slot[empty], next, memory_order_release);
	id = next;
out:
	lt_unlock(&depot_lock);
	return id;
}

LT_NOINLINE uint32_t lt_stack_capture(void)
{
	void *buf[LT_STACK_MAX_DEPTH + 8];
	if (!capture_depth)
		return 0;
	/* the tracer adds three frames (the hook, track, this function) and
	 * libstdc++ one more (operator new): ask for just those beyond depth,
	 * every frame walked costs ~8 ns */
	int want = capture_depth + 4;
	int n = unw_backtrace(buf, want);
	int i = 0;
	while (i < n && lt_stack_is_tracer_pc((uintptr_t)buf[i]))
		i++;
	int depth = n - i;
	if (depth > capture_depth)
		depth = capture_depth;
	if (depth <= 0)
		return 0;
	return lt_stack_intern((const uintptr_t *)(buf + i), (uint32_t)depth);
}

void lt_stack_prefork(void)
{
	lt_lock(&depot_lock);
}

void lt_stack_postfork(void)
{
	lt_unlock(&depot_lock);
}
