/* The client API's state (the calls themselves are in hooks/client.c):
 * ignored objects, the per-thread disabled depth, registered root regions.
 * What they mean, with LeakSanitizer's semantics:
 *
 *  - An ignored block (__lsan_ignore_object, or allocated by a thread
 *    between __lsan_disable and __lsan_enable) is never reported as lost:
 *    like LSan's kIgnored chunks it is a root of the reachability scan, so
 *    it is still reachable and so is everything it points to. The mark is
 *    dropped when the block is freed (or realloc'ed: the new block is a new
 *    allocation, as in LSan).
 *  - A registered root region is scanned like a module's data (its readable
 *    part only, as LSan does).
 *  - __lsan_do_leak_check is the exit report, now: written once, the gate
 *    applied (exit with the exitcode on leaks), no report at exit any more.
 *    __lsan_do_recoverable_leak_check writes a snapshot report and returns
 *    1 when it counts leaks.
 * Where LSan dies (unbalanced __lsan_enable, unregistering an unknown
 * region), the shim warns once and carries on: it never ends the program
 * but by the gate.
 *
 * The ignore set is an open-addressing table of addresses in private
 * memory; its lock nests inside the heap shard locks (api.h), so the free
 * path pays one relaxed load while nothing is ignored. */
#include "api.h"

#include <errno.h>
#include <string.h>

#include "intalloc.h"
#include "lock.h"
#include "log.h"

LT_TLS int lt_api_disabled;
LT_TLS uintptr_t lt_api_caller_sp;
uint32_t lt_api_nignored;

/* ---- the ignore set --------------------------------------------------------- */

static lt_lock_t ig_lock = LT_LOCK_INIT;
static uintptr_t *ig_slots;
static uint32_t ig_mask;      /* capacity - 1; 0 while unallocated */

static inline uint32_t ig_hash(uintptr_t p)
{
	uint64_t h = (uint64_t)p * 0x9E3779B97F4A7C15ull;
	return (uint32_t)(h >> 32);
}

static int ig_grow(void)
{
	uint32_t ncap = ig_mask ? (ig_mask + 1) * 2 : 256;
	uintptr_t *ns = lt_ia_map((size_t)ncap * sizeof *ns);
	if (!ns)
		return -ENOMEM;
	uint32_t nmask = ncap - 1;
	for (uint32_t i = 0; ig_mask && i <= ig_mask; i++) {
		if (!ig_slots[i])
			continue;
		uint32_t j = ig_hash(ig_slots[i]) & nmask;
		while (ns[j])
			j = (j + 1) & nmask;
		ns[j] = ig_slots[i];
	}
	if (ig_slots)
		lt_ia_unmap(ig_slots, (size_t)(ig_mask + 1) * sizeof *ig_slots);
	ig_slots = ns;
	ig_mask = nmask;
	return 0;
}

static int ig_find(uintptr_t p, uint32_t *at)
{
	if (!ig_mask)
		return 0;
	for (uint32_t i = ig_hash(p) & ig_mask;; i = (i + 1) & ig_mask) {
		if (ig_slots[i] == p) {
			*at = i;
			return 1;
		}
		if (!ig_slots[i])
			return 0;
	}
}

void lt_api_ignore_locked(uintptr_t p)
{
	uint32_t i;
	lt_lock(&ig_lock);
	if (!ig_find(p, &i)) {
		uint32_t n = __atomic_load_n(&lt_api_nignored, __ATOMIC_RELAXED);
		if ((!ig_mask || (n + 1) * 4 > (ig_mask + 1) * 3) && ig_grow()) {
			lt_unlock(&ig_lock);
			lt_log_warn("out of memory for the ignored-object set; a block stays reportable");
			return;
		}
		for (i = ig_hash(p) & ig_mask; ig_slots[i]; i = (i + 1) & ig_mask)
			;
		ig_slots[i] = p;
		__atomic_store_n(&lt_api_nignored, n + 1, __ATOMIC_RELAXED);
	}
	lt_unlock(&ig_lock);
}

void lt_api_forget_locked(uintptr_t p)
{
	uint32_t i;
	lt_lock(&ig_lock);
	if (ig_find(p, &i)) {
		/* backward-shift deletion, as heap.c does */
		uint32_t j = i;
		for (;;) {
			j = (j + 1) & ig_mask;
			if (!ig_slots[j])
				break;
			uint32_t home = ig_hash(ig_slots[j]) & ig_mask;
			if (((j - home) & ig_mask) >= ((j - i) & ig_mask)) {
				ig_slots[i] = ig_slots[j];
				i = j;
			}
		}
		ig_slots[i] = 0;
		__atomic_store_n(&lt_api_nignored, lt_api_nignored - 1, __ATOMIC_RELAXED);
	}
	lt_unlock(&ig_lock);
}

void lt_api_mark_ignored(const lt_block_t *blocks, size_t n, uint8_t *flags)
{
	if (!__atomic_load_n(&lt_api_nignored, __ATOMIC_RELAXED))
		return;
	lt_lock(&ig_lock);
	uint32_t at;
	for (size_t i = 0; i < n; i++)
		if (ig_find(blocks[i].ptr, &at))
			flags[i] = 1;
	lt_unlock(&ig_lock);
}

void lt_api_clear_ignored(void)
{
	lt_lock(&ig_lock);
	if (ig_slots)
		memset(ig_slots, 0, (size_t)(ig_mask + 1) * sizeof *ig_slots);
	__atomic_store_n(&lt_api_nignored, 0, __ATOMIC_RELAXED);
	lt_unlock(&ig_lock);
}

/* ---- root regions ------------------------------------------------------------ */


static lt_lock_t region_lock = LT_LOCK_INIT;
static struct { uintptr_t lo, hi; } regions[LT_API_MAX_REGIONS];
static size_t nregions;

size_t lt_api_root_regions(uintptr_t *lo, uintptr_t *hi, size_t cap)
{
	lt_lock(&region_lock);
	size_t n = nregions < cap ? nregions : cap;
	for (size_t i = 0; i < n; i++) {
		lo[i] = regions[i].lo;
		hi[i] = regions[i].hi;
	}
	lt_unlock(&region_lock);
	return n;
}

int lt_api_register_region(const void *p, size_t size)
{
	uintptr_t lo = (uintptr_t)p;
	if (!size || lo + size < lo)
		return -EINVAL;
	int rc = 0;
	lt_lock(&region_lock);
	if (nregions < LT_API_MAX_REGIONS) {
		regions[nregions].lo = lo;
		regions[nregions].hi = lo + size;
		nregions++;
	} else {
		rc = -ENOSPC;
	}
	lt_unlock(&region_lock);
	return rc;
}

int lt_api_unregister_region(const void *p, size_t size)
{
	uintptr_t lo = (uintptr_t)p;
	int rc = -ENOENT;
	lt_lock(&region_lock);
	/* LSan removes the most recent match: a region may be registered twice */
	for (size_t i = nregions; i-- > 0;) {
		if (regions[i].lo == lo && regions[i].hi == lo + size) {
			memmove(&regions[i], &regions[i + 1], (nregions - i - 1) * sizeof regions[0]);
			nregions--;
			rc = 0;
			break;
		}
	}
	lt_unlock(&region_lock);
	return rc;
}

void lt_api_prefork(void)
{
	lt_lock(&region_lock);
}

void lt_api_postfork(void)
{
	lt_unlock(&region_lock);
}
