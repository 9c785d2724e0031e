/* Sharded live-block table (see heap.h). */
#include "heap.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "api.h"
#include "clock.h"
#include "guard.h"
#include "intalloc.h"
#include "lock.h"

#define SHARD_BITS 6
#define NSHARD (1u << SHARD_BITS)
#define MIN_CAP 256u        /* slots */

/* A record is split: the probe sequence reads only keys, eight to a cache
 * line (over 24-byte records a probe at the load the table keeps read up
 * to three lines), and the value is touched once, at the slot found. */
struct val {
	uint64_t size;
	uint32_t stack;
	uint32_t ms;
};

struct shard {
	lt_lock_t lock;
	uint32_t count;
	uint32_t mask;         /* cap - 1; 0 while unallocated */
	uintptr_t *keys;       /* 0: empty */
	struct val *vals;      /* in the same mapping, after the keys */
	uint64_t bytes;
	char pad[64 - sizeof(lt_lock_t) - 2 * sizeof(uint32_t) - 2 * sizeof(void *) - sizeof(uint64_t)];
} __attribute__((aligned(64)));

#define SLOT_BYTES (sizeof(uintptr_t) + sizeof(struct val))

static inline lt_block_t record_at(const struct shard *s, uint32_t i)
{
	lt_block_t b = { s->keys[i], s->vals[i].size, s->vals[i].stack, s->vals[i].ms };
	return b;
}

static struct shard shards[NSHARD];

/* Set while this thread holds a shard lock: a free() from a signal handler
 * that interrupts us is then deferred (guard.h) instead of spinning on our
 * own lock; the deferred list is drained as soon as the lock is dropped. */
LT_TLS int lt_heap_held;

static inline void shard_lock(struct shard *s)
{
	lt_lock_mine(&s->lock, &lt_heap_held);
}

static inline void shard_unlock(struct shard *s)
{
	lt_unlock_mine(&s->lock, &lt_heap_held);
	if (LT_UNLIKELY(lt_guard_deferred != NULL))
		lt_guard_drain();
}
static atomic_uint_fast64_t unknown_frees;

static inline uint64_t mix(uintptr_t p)
{
	uint64_t h = (uint64_t)p * 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 29);
}

/* The shard: 3 bits from the 64 MiB region the block lies in, 3 from the
 * block's own hash. glibc gives each thread's arena its own 64 MiB heaps
 * (and jemalloc its own extents), so two threads allocating from their own
 * arenas mostly write different shards: their lock words and slots do not
 * bounce between the cores' caches on every call. */
#define REGION_SHIFT 26
#define GROUP_BITS 3

static inline struct shard *shard_of_ptr(uintptr_t p, uint64_t h)
{
	unsigned group = (unsigned)(mix(p >> REGION_SHIFT) >> (64 - GROUP_BITS));
	unsigned sub = (unsigned)(h >> (64 - (SHARD_BITS - GROUP_BITS)));
	return &shards[(group << (SHARD_BITS - GROUP_BITS)) | sub];
}

static int grow(struct shard *s)
{
	uint32_t ncap = s->mask ? (s->mask + 1) * 2 : MIN_CAP;
	uintptr_t *nk = lt_ia_map((size_t)ncap * SLOT_BYTES);
	if (!nk)
		return -ENOMEM;
	struct val *nv = (struct val *)(void *)(nk + ncap);
	uint32_t nmask = ncap - 1;
	if (s->keys) {
		for (uint32_t i = 0; i <= s->mask; i++) {
			uintptr_t k = s->keys[i];
			if (!k)
				continue;
			uint32_t j = (uint32_t)mix(k) & nmask;
			while (nk[j])
				j = (j + 1) & nmask;
			nk[j] = k;
			nv[j] = s->vals[i];
		}
		lt_ia_unmap(s->keys, (size_t)(s->mask + 1) * SLOT_BYTES);
	}
	s->keys = nk;
	s->vals = nv;
	s->mask = nmask;
	return 0;
}

int lt_heap_add(void *p, size_t size, uint32_t stack)
{
	uintptr_t key = (uintptr_t)p;
	uint64_t h = mix(key);
	struct shard *s = shard_of_ptr(key, h);
	uint32_t now = lt_clock_ms();
	shard_lock(s);
	/* keep load <= 3/4: measured, 5/8 cost 5% more memory and no time */
	if ((s->count + 1) * 4 > (s->mask + 1) * 3 || !s->mask) {
		if (grow(s)) {
			shard_unlock(s);
			return -ENOMEM;
		}
	}
	uint32_t i = (uint32_t)h & s->mask;
	while (s->keys[i] && s->keys[i] != key)
		i = (i + 1) & s->mask;
	struct val *b = &s->vals[i];
	if (s->keys[i] == key) {
		/* the allocator handed out an address we still hold: the free
		 * went around us (an internal libc free). Replace the record. */
		s->bytes -= b->size;
	} else {
		s->count++;
	}
	s->keys[i] = key;
	b->size = size;
	b->stack = stack;
	b->ms = now;
	s->bytes += size;
	/* client API (api.c): a block made in a disabled region is ignored;
	 * a replaced record's mark does not carry over */
	if (LT_UNLIKELY(lt_api_disabled))
		lt_api_ignore_locked(key);
	else if (LT_UNLIKELY(__atomic_load_n(&lt_api_nignored, __ATOMIC_RELAXED)))
		lt_api_forget_locked(key);
	shard_unlock(s);
	return 0;
}

static void remove_at(struct shard *s, uint32_t i)
{
	/* backward-shift deletion keeps probe sequences intact without
	 * tombstones, so lookups never slow down as blocks churn */
	uint32_t mask = s->mask;
	uint32_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		uintptr_t k = s->keys[j];
		if (!k)
			break;
		uint32_t home = (uint32_t)mix(k) & mask;
		/* move j back to i when its home is not in (i, j] cyclically */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			s->keys[i] = k;
			s->vals[i] = s->vals[j];
			i = j;
		}
	}
	s->keys[i] = 0;
	s->count--;
}

static int lookup(struct shard *s, uintptr_t key, uint64_t h, uint32_t *at)
{
	if (!s->mask)
		return 0;
	uint32_t i = (uint32_t)h & s->mask;
	for (;;) {
		uintptr_t k = s->keys[i];
		if (k == key) {
			*at = i;
			return 1;
		}
		if (!k)
			return 0;
		i = (i + 1) & s->mask;
	}
}

int lt_heap_remove(void *p, lt_block_t *out)
{
	uintptr_t key = (uintptr_t)p;
	uint64_t h = mix(key);
	struct shard *s = shard_of_ptr(key, h);
	uint32_t i;
	shard_lock(s);
	if (!lookup(s, key, h, &i)) {
		shard_unlock(s);
		return 0;
	}
	if (out)
		*out = record_at(s, i);
	s->bytes -= s->vals[i].size;
	remove_at(s, i);
	if (LT_UNLIKELY(__atomic_load_n(&lt_api_nignored, __ATOMIC_RELAXED)))
		lt_api_forget_locked(key);
	shard_unlock(s);
	return 1;
}

int lt_heap_ignore(void *p)
{
	uintptr_t key = (uintptr_t)p;
	uint64_t h = mix(key);
	struct shard *s = shard_of_ptr(key, h);
	uint32_t i;
	shard_lock(s);
	int found = lookup(s, key, h, &i);
	if (found)
		lt_api_ignore_locked(key);
	shard_unlock(s);
	return found;
}

int lt_heap_find(void *p, lt_block_t *out)
{
	uintptr_t key = (uintptr_t)p;
	uint64_t h = mix(key);
	struct shard *s = shard_of_ptr(key, h);
	uint32_t i;
	int found;
	shard_lock(s);
	found = lookup(s, key, h, &i);
	if (found && out)
		*out = record_at(s, i);
	shard_unlock(s);
	return found;
}

uint64_t lt_heap_unknown_frees(void)
{
	return atomic_load_explicit(&unknown_frees, memory_order_relaxed);
}

void lt_heap_count_unknown_free(void)
{
	atomic_fetch_add_explicit(&unknown_frees, 1, memory_order_relaxed);
}

void lt_heap_totals(uint64_t *blocks, uint64_t *bytes)
{
	uint64_t n = 0, b = 0;
	for (unsigned i = 0; i < NSHARD; i++) {
		n += __atomic_load_n(&shards[i].count, __ATOMIC_RELAXED);
		b += __atomic_load_n(&shards[i].bytes, __ATOMIC_RELAXED);
	}
	*blocks = n;
	*bytes = b;
}

/* Every shard, for the scan and fork: held like one shard, so a signal
 * handler's free on this thread meanwhile is deferred, not a deadlock. */
void lt_heap_lock_all(void)
{
	lt_heap_held = 1;
	atomic_signal_fence(memory_order_seq_cst);
	for (unsigned i = 0; i < NSHARD; i++)
		lt_lock(&shards[i].lock);
}

void lt_heap_unlock_all(void)
{
	for (unsigned i = NSHARD; i-- > 0;)
		lt_unlock(&shards[i].lock);
	atomic_signal_fence(memory_order_seq_cst);
	lt_heap_held = 0;
	if (LT_UNLIKELY(lt_guard_deferred != NULL))
		lt_guard_drain();
}

void lt_heap_reset_locks(void)
{
	for (unsigned i = 0; i < NSHARD; i++)
		lt_lock_reset(&shards[i].lock);
}

int lt_heap_snapshot(lt_block_t **out, size_t *n, size_t *map_bytes)
{
	size_t total = 0;
	for (unsigned i = 0; i < NSHARD; i++)
		total += shards[i].count;
	size_t bytes = (total ? total : 1) * sizeof(lt_block_t);
	bytes = (bytes + 4095) & ~(size_t)4095;
	lt_block_t *arr = lt_ia_map(bytes);
	if (!arr)
		return -ENOMEM;
	size_t k = 0;
	for (unsigned i = 0; i < NSHARD; i++) {
		struct shard *s = &shards[i];
		if (!s->mask)
			continue;
		for (uint32_t j = 0; j <= s->mask && k < total; j++)
			if (s->keys[j])
				arr[k++] = record_at(s, j);
	}
	*out = arr;
	*n = k;
	*map_bytes = bytes;
	return 0;
}

void lt_heap_clear(void)
{
	for (unsigned i = 0; i < NSHARD; i++) {
		struct shard *s = &shards[i];
		if (s->keys)
			memset(s->keys, 0, (size_t)(s->mask + 1) * sizeof(uintptr_t));
		s->count = 0;
		s->bytes = 0;
	}
	lt_api_clear_ignored();
}

void lt_heap_mark_inherited(void)
{
	for (unsigned i = 0; i < NSHARD; i++) {
		struct shard *s = &shards[i];
		if (!s->mask)
			continue;
		for (uint32_t j = 0; j <= s->mask; j++)
			if (s->keys[j])
				s->vals[j].stack |= LT_BLOCK_INHERITED;
	}
}

size_t lt_heap_table_bytes(void)
{
	size_t b = 0;
	for (unsigned i = 0; i < NSHARD; i++)
		if (shards[i].mask)
			b += (size_t)(shards[i].mask + 1) * SLOT_BYTES;
	return b;
}
