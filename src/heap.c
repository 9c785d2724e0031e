/* Sharded live-block table (see heap.h). */
#include "heap.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "api.h"
#include "clock.h"
#include "guard.h"
#include "intalloc.h"
#include "lock.h"
#include "sys.h"
#include "sysfile.h"
#include "uthash_alloc.h"
#include "uthash.h"

#define SHARD_BITS 6
#define NSHARD (1u << SHARD_BITS)
#define MIN_CAP 256u        /* slots */

/* A record is one 16-byte slot, four to a cache line, so an insert or a
 * removal touches one line of the table, not a line of keys and another
 * of values: the table's lines are what it adds to the program's own
 * cache misses. The key word holds the address (8-aligned, below 2^48:
 * bits 3..47) and the size (below 512 KiB) above it; 0 is an empty slot.
 * Any other block - larger, or an address that does not pack, which
 * glibc's malloc never returns - has its record in the shard's side
 * table, a uthash. */
struct slot {
	uint64_t kw;
	uint32_t stack;
	uint32_t ms;
};

#define KEY_BITS 45
#define KEY_MASK ((UINT64_C(1) << KEY_BITS) - 1)
#define PACKED_SIZE_LIMIT (UINT64_C(1) << (64 - KEY_BITS))

struct side {
	uintptr_t ptr;
	uint64_t size;
	uint32_t stack;
	uint32_t ms;
	UT_hash_handle hh;
};

struct owner;

struct shard {
	lt_lock_t lock;
	uint32_t count;
	uint32_t mask;         /* cap - 1; 0 while unallocated */
	uint32_t nside;        /* records in side */
	struct slot *slots;
	struct side *side;     /* records that do not pack into a slot */
	uint64_t bytes;
	_Atomic(struct owner *) owner;  /* the thread it is biased to (below) */
	struct owner *paused;  /* its owner while every lock is held */
	uintptr_t ring[LT_HEAP_RING];   /* retired blocks; 0: none */
	uint32_t ring_next;
	uint32_t limit;        /* count at which the table grows */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct shard) == 128, "a shard is two cache lines");

/* The key word's address part for p, or 0 when p does not pack. */
static inline uint64_t addr_bits(uintptr_t p)
{
	return (p & 7) || (uint64_t)p >> (KEY_BITS + 3) ? 0 : (uint64_t)p >> 3;
}

static inline uintptr_t slot_ptr(uint64_t kw)
{
	return (uintptr_t)((kw & KEY_MASK) << 3);
}

static inline lt_block_t record_at(const struct shard *s, uint32_t i)
{
	const struct slot *x = &s->slots[i];
	lt_block_t b = { slot_ptr(x->kw), x->kw >> KEY_BITS, x->stack, x->ms };
	return b;
}

static inline lt_block_t side_record(const struct side *x)
{
	lt_block_t b = { x->ptr, x->size, x->stack, x->ms };
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

/* ---- Biased shards ----
 *
 * An uncontended spinlock still costs a locked instruction, and a locked
 * instruction waits for the store buffer to drain: in an allocation-heavy
 * program that is the program's own cache-missing stores to the block it
 * just filled (perf put half of lt_heap_remove on the exchange). So a shard
 * that one thread keeps using is biased to it, as JVMs bias monitors: the
 * owner announces itself in its own record (busy = the shard) with a plain
 * store, checks the bias still holds, and works without the lock.
 *
 * Any other thread takes the lock and, finding the shard biased, revokes
 * the bias for good (owner = OWNER_LOCKED): it stores that, runs
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) - every running thread of the
 * process executes a full barrier - and waits while the owner's busy names
 * the shard. The barrier makes the owner's plain store-then-load safe:
 * either the owner's check ran before the barrier, and its busy store is
 * then visible to the revoker, or it ran after and saw OWNER_LOCKED (the
 * asymmetric Dekker of userspace RCU's urcu-memb flavour). The first thread
 * to lock an unbiased shard takes its bias; a thread's biases are dropped
 * at its exit; lt_heap_lock_all pauses them and brings them back.
 *
 * The owner records are a fixed table in the shim's own data, one cache
 * line each: a revoker may read the record of a thread that has just
 * exited, which TLS would not survive. A thread takes a free record at
 * its first locked entry; records of exited threads are reclaimed, when
 * the table is full, by asking the kernel which of their threads are
 * gone - no pthread key, whose pthread_setspecific can allocate (a second
 * -level slot array) in the middle of the program's own. Biasing
 * is off where membarrier is missing, where a seccomp filter is in force
 * at start (it may forbid membarrier), and from the moment the program
 * installs one (lt_heap_bias_off, from the prctl and syscall hooks). */
struct owner {
	_Atomic(struct shard *) busy;
	_Atomic int tid;       /* 0: free */
} __attribute__((aligned(64)));

#define OWNER_LOCKED ((struct owner *)1)
#define NOWNER 256
#define OWNER_RETRY 4096   /* locked entries before a thread without a
			    * record asks again */

static int bias_on;
static struct owner owners[NOWNER];
static lt_lock_t owners_lock;
static LT_TLS struct owner *my_owner;
static LT_TLS unsigned my_owner_wait;

static inline struct owner *owner_of(const struct shard *s)
{
	return atomic_load_explicit(&s->owner, memory_order_relaxed);
}

/* Every running thread of the process passes a full barrier. */
static void barrier_all(void)
{
	if (lt_sys_call6(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0, 0, 0, 0) == 0)
		return;
	/* not expected once registered; changing a page's protection sends
	 * every CPU running this address space a TLB shootdown, which also
	 * serialises it (what .NET's FlushProcessWriteBuffers does) */
	static char page[4096] __attribute__((aligned(4096)));
	*(volatile char *)page = 1;
	lt_sys_call6(SYS_mprotect, (long)page, sizeof page, PROT_READ, 0, 0, 0);
	lt_sys_call6(SYS_mprotect, (long)page, sizeof page, PROT_READ | PROT_WRITE, 0, 0, 0);
}

static void wait_not_busy(struct owner *o, struct shard *s)
{
	for (int i = 0; atomic_load_explicit(&o->busy, memory_order_acquire) == s; i++)
		lt_spin_wait(i);
}

/* Free the records of threads that have exited (owners_lock held). With
 * every shard locked, their biases are dropped as unlock_all would have
 * brought them back. */
static int reclaim_owners(void)
{
	pid_t pid = lt_sys_getpid();
	int freed = 0;
	lt_heap_lock_all();
	for (unsigned k = 0; k < NOWNER; k++) {
		struct owner *o = &owners[k];
		int tid = atomic_load_explicit(&o->tid, memory_order_relaxed);
		if (!tid || lt_sys_tgkill(pid, tid, 0) != -ESRCH)
			continue;
		for (unsigned i = 0; i < NSHARD; i++)
			if (shards[i].paused == o)
				shards[i].paused = NULL;
		atomic_store_explicit(&o->tid, 0, memory_order_relaxed);
		freed++;
	}
	lt_heap_unlock_all();
	return freed;
}

static LT_NOINLINE struct owner *owner_get(void)
{
	if (my_owner_wait) {
		my_owner_wait--;
		return NULL;
	}
	my_owner_wait = OWNER_RETRY;
	/* a signal handler's allocation meanwhile, on this thread, finds
	 * the lock taken and goes on without a record */
	if (!lt_trylock(&owners_lock))
		return NULL;
	int tid = (int)lt_sys_gettid();
	for (int pass = 0; pass < 2 && !my_owner; pass++) {
		for (unsigned k = 0; k < NOWNER; k++) {
			if (atomic_load_explicit(&owners[k].tid, memory_order_relaxed))
				continue;
			atomic_store_explicit(&owners[k].busy, NULL, memory_order_relaxed);
			atomic_store_explicit(&owners[k].tid, tid, memory_order_relaxed);
			my_owner = &owners[k];
			break;
		}
		if (!my_owner && (pass || !reclaim_owners()))
			break;
	}
	lt_unlock(&owners_lock);
	if (my_owner)
		my_owner_wait = 0;
	return my_owner;
}

/* on: asked for, and no seccomp filter in force (boot.c) */
void lt_heap_set_bias(int on)
{
	bias_on = 0;
	if (!on)
		return;
	long cmds = lt_sys_call6(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0, 0, 0, 0);
	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		return;
	if (lt_sys_call6(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0, 0, 0, 0))
		return;
	bias_on = 1;
}

int lt_heap_bias(void)
{
	return __atomic_load_n(&bias_on, __ATOMIC_RELAXED);
}

/* The program is about to install a seccomp filter: no new biases, and
 * every standing one revoked while membarrier is still allowed. */
void lt_heap_bias_off(void)
{
	if (!__atomic_load_n(&bias_on, __ATOMIC_RELAXED))
		return;
	lt_heap_lock_all();
	__atomic_store_n(&bias_on, 0, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < NSHARD; i++)
		shards[i].paused = NULL;
	lt_heap_unlock_all();
}

/* The locked way in: take the lock, then claim an unbiased shard or revoke
 * another thread's bias. */
static LT_NOINLINE void shard_lock_slow(struct shard *s, struct owner *o)
{
	int bias = __atomic_load_n(&bias_on, __ATOMIC_RELAXED);
	if (!o && bias)
		o = owner_get();
	shard_lock(s);
	struct owner *cur = owner_of(s);
	if (cur == NULL) {
		if (o && bias)
			atomic_store_explicit(&s->owner, o, memory_order_relaxed);
	} else if (cur != o && cur != OWNER_LOCKED) {
		atomic_store_explicit(&s->owner, OWNER_LOCKED, memory_order_relaxed);
		barrier_all();
		wait_not_busy(cur, s);
	}
}

/* Enter a shard: 1 when biased to this thread (no lock taken), 0 when
 * locked. lt_heap_held is set either way, so a signal handler's free on
 * this thread meanwhile is deferred (guard.h). */
static inline int shard_enter(struct shard *s)
{
	struct owner *o = my_owner;
	if (LT_LIKELY(o != NULL) && owner_of(s) == o) {
		lt_heap_held = 1;
		atomic_store_explicit(&o->busy, s, memory_order_relaxed);
		atomic_signal_fence(memory_order_seq_cst);
		if (LT_LIKELY(owner_of(s) == o))
			return 1;
		atomic_store_explicit(&o->busy, NULL, memory_order_release);
	}
	shard_lock_slow(s, o);
	return 0;
}

static inline void shard_leave(struct shard *s, int biased)
{
	if (!biased) {
		shard_unlock(s);
		return;
	}
	atomic_store_explicit(&my_owner->busy, NULL, memory_order_release);
	atomic_signal_fence(memory_order_seq_cst);
	lt_heap_held = 0;
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
	unsigned group = (unsigned)(((uint64_t)(p >> REGION_SHIFT) * 0x9E3779B97F4A7C15ull) >>
				    (64 - GROUP_BITS));
	unsigned sub = (unsigned)(h >> (64 - (SHARD_BITS - GROUP_BITS)));
	return &shards[(group << (SHARD_BITS - GROUP_BITS)) | sub];
}

/* key's record is being replaced or removed otherwise: a retired entry
 * for it must not remove it again - the entry is dropped, and its turn
 * in the ring comes with nothing to remove. */
static inline void unretire(struct shard *s, uintptr_t key)
{
	for (unsigned j = 0; j < LT_HEAP_RING; j++)
		if (s->ring[j] == key)
			s->ring[j] = 0;
}

static LT_NOINLINE int grow(struct shard *s)
{
	uint32_t ncap = s->mask ? (s->mask + 1) * 2 : MIN_CAP;
	/* faulted in at once: a table's growth to 100,000 records took
	 * ~2,000 page faults (bench/STEPS.md) */
	struct slot *ns = lt_ia_map_filled((size_t)ncap * sizeof *ns);
	if (!ns)
		return -ENOMEM;
	uint32_t nmask = ncap - 1;
	if (s->slots) {
		for (uint32_t i = 0; i <= s->mask; i++) {
			uint64_t kw = s->slots[i].kw;
			if (!kw)
				continue;
			uint32_t j = (uint32_t)mix(slot_ptr(kw)) & nmask;
			while (ns[j].kw)
				j = (j + 1) & nmask;
			ns[j] = s->slots[i];
		}
		lt_ia_unmap(s->slots, (size_t)(s->mask + 1) * sizeof *ns);
	}
	s->slots = ns;
	s->mask = nmask;
	/* keep load <= 3/4: measured, 5/8 cost 5% more memory and no time */
	s->limit = ncap / 4 * 3;
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
		uint64_t kw = s->slots[j].kw;
		if (!kw)
			break;
		uint32_t home = (uint32_t)mix(slot_ptr(kw)) & mask;
		/* move j back to i when its home is not in (i, j] cyclically */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			s->slots[i] = s->slots[j];
			i = j;
		}
	}
	s->slots[i].kw = 0;
	s->count--;
}

/* Drop slot i's record, and its bytes (as side_remove does). */
static void remove_slot(struct shard *s, uint32_t i)
{
	s->bytes -= s->slots[i].kw >> KEY_BITS;
	remove_at(s, i);
}

/* The slot of the block whose address bits are a (0: not a packed
 * address, never in a slot). */
static int lookup(const struct shard *s, uint64_t a, uint64_t h, uint32_t *at)
{
	if (!a || !s->mask)
		return 0;
	uint32_t i = (uint32_t)h & s->mask;
	for (;;) {
		uint64_t kw = s->slots[i].kw;
		if ((kw & KEY_MASK) == a) {
			*at = i;
			return 1;
		}
		if (!kw)
			return 0;
		i = (i + 1) & s->mask;
	}
}

static LT_NOINLINE struct side *side_lookup(struct shard *s, uintptr_t key)
{
	struct side *x;
	HASH_FIND(hh, s->side, &key, sizeof key, x);
	return x;
}

static inline struct side *side_find(struct shard *s, uintptr_t key)
{
	return LT_UNLIKELY(s->nside != 0) ? side_lookup(s, key) : NULL;
}

static void side_remove(struct shard *s, struct side *x)
{
	HASH_DEL(s->side, x);
	s->nside--;
	s->bytes -= x->size;
	lt_ia_free(x);
}

/* Record a packed block (entered). */
static int add_slot(struct shard *s, uintptr_t key, uint64_t a, uint64_t h,
		    size_t size, uint32_t stack, uint32_t now)
{
	if (LT_UNLIKELY(s->count >= s->limit) && grow(s))
		return -ENOMEM;
	uint32_t i = (uint32_t)h & s->mask;
	uint64_t kw;
	while ((kw = s->slots[i].kw) && (kw & KEY_MASK) != a)
		i = (i + 1) & s->mask;
	if (kw) {
		/* the allocator handed out an address we still hold: the free
		 * went around us (an internal libc free). Replace the record. */
		s->bytes -= kw >> KEY_BITS;
		unretire(s, key);
	} else {
		struct side *x = side_find(s, key);
		if (LT_UNLIKELY(x != NULL)) {
			side_remove(s, x);      /* as above, a block that was big */
			unretire(s, key);
		}
		s->count++;
	}
	s->slots[i] = (struct slot){ a | (uint64_t)size << KEY_BITS, stack, now };
	s->bytes += size;
	return 0;
}

/* Record a block that does not pack (entered). */
static LT_NOINLINE int add_side(struct shard *s, uintptr_t key, uint64_t a, uint64_t h,
				size_t size, uint32_t stack, uint32_t now)
{
	struct side *x = side_find(s, key);
	uint32_t i;
	if (x) {
		s->bytes -= x->size;
		unretire(s, key);
	} else {
		if (lookup(s, a, h, &i)) {
			remove_slot(s, i);
			unretire(s, key);
		}
		x = lt_ia_alloc(sizeof *x);
		if (!x)
			return -ENOMEM;
		x->ptr = key;
		HASH_ADD(hh, s->side, ptr, sizeof x->ptr, x);
		if (!x->hh.tbl) {
			lt_ia_free(x);
			return -ENOMEM;
		}
		s->nside++;
	}
	x->size = size;
	x->stack = stack;
	x->ms = now;
	s->bytes += size;
	return 0;
}

int lt_heap_add(void *p, size_t size, uint32_t stack)
{
	return lt_heap_add_hashed(p, mix((uintptr_t)p), size, stack);
}

int lt_heap_add_hashed(void *p, uint64_t h, size_t size, uint32_t stack)
{
	uintptr_t key = (uintptr_t)p;
	uint64_t a = addr_bits(key);
	struct shard *s = shard_of_ptr(key, h);
	uint32_t now = lt_clock_ms();
	int biased = shard_enter(s);
	int rc;
	if (LT_LIKELY(a != 0 && size < PACKED_SIZE_LIMIT))
		rc = add_slot(s, key, a, h, size, stack, now);
	else
		rc = add_side(s, key, a, h, size, stack, now);
	/* client API (api.c): a block made in a disabled region is ignored;
	 * a replaced record's mark does not carry over */
	if (LT_UNLIKELY(rc == 0 && lt_api_disabled))
		lt_api_ignore_locked(key);
	else if (LT_UNLIKELY(rc == 0 && __atomic_load_n(&lt_api_nignored, __ATOMIC_RELAXED)))
		lt_api_forget_locked(key);
	shard_leave(s, biased);
	return rc;
}

/* key's record in s (entered), if it is tracked. */
static int find_entered(struct shard *s, uintptr_t key, uint64_t h, lt_block_t *out)
{
	uint32_t i;
	if (lookup(s, addr_bits(key), h, &i)) {
		if (out)
			*out = record_at(s, i);
		return 1;
	}
	struct side *x = side_find(s, key);
	if (x && out)
		*out = side_record(x);
	return x != NULL;
}

/* Forget key in s (entered); 1 when it was tracked. */
static inline int remove_entered(struct shard *s, uintptr_t key, uint64_t h, lt_block_t *out)
{
	uint32_t i;
	struct side *x;
	if (lookup(s, addr_bits(key), h, &i)) {
		if (out)
			*out = record_at(s, i);
		remove_slot(s, i);
	} else if ((x = side_find(s, key)) != NULL) {
		if (out)
			*out = side_record(x);
		side_remove(s, x);
	} else {
		return 0;
	}
	if (LT_UNLIKELY(__atomic_load_n(&lt_api_nignored, __ATOMIC_RELAXED)))
		lt_api_forget_locked(key);
	return 1;
}

int lt_heap_remove(void *p, lt_block_t *out)
{
	uintptr_t key = (uintptr_t)p;
	uint64_t h = mix(key);
	struct shard *s = shard_of_ptr(key, h);
	int biased = shard_enter(s);
	int found = remove_entered(s, key, h, out);
	if (found)
		unretire(s, key);
	shard_leave(s, biased);
	return found;
}

/* An asm statement: gcc 12 drops __builtin_prefetch here (its value
 * numbering removes the call along with the loads feeding it). */
static inline void prefetch(const void *a)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)a));
#else
	__builtin_prefetch(a, 1);
#endif
}

/* Also called without the shard (lt_heap_prefetch): a grow meanwhile may
 * pair a stale mask with new arrays, and a prefetch never faults. */
static inline void prefetch_slot(const struct shard *s, uint64_t h)
{
	uint32_t m = __atomic_load_n(&s->mask, __ATOMIC_RELAXED);
	if (!m)
		return;
	prefetch(__atomic_load_n(&s->slots, __ATOMIC_RELAXED) + ((uint32_t)h & m));
}

uint64_t lt_heap_prefetch(const void *p)
{
	uintptr_t key = (uintptr_t)p;
	uint64_t h = mix(key);
	prefetch_slot(shard_of_ptr(key, h), h);
	return h;
}

/* The retired block's turn: forget it (its slot was prefetched when it
 * was retired, LT_HEAP_RING frees into this shard ago). */
static inline void forget_retired(struct shard *s, uintptr_t q)
{
	if (!remove_entered(s, q, mix(q), NULL))
		lt_heap_count_unknown_free();
}

void lt_heap_retire(void *p)
{
	uintptr_t key = (uintptr_t)p;
	uint64_t h = mix(key);
	struct shard *s = shard_of_ptr(key, h);
	int biased = shard_enter(s);
	/* a block freed twice, never allocated between, is in the ring
	 * twice: the first entry's turn removes the record and the second's
	 * finds none, so the second free counts as a free of a block not
	 * tracked, as without the ring */
	prefetch_slot(s, h);
	uint32_t k = s->ring_next;
	s->ring_next = (k + 1) % LT_HEAP_RING;
	uintptr_t q = s->ring[k];
	s->ring[k] = key;
	if (q)
		forget_retired(s, q);
	shard_leave(s, biased);
}

/* Under every lock: the retired blocks are freed, not live - forget them
 * now and empty the rings. */
static void forget_all_retired(void)
{
	for (unsigned i = 0; i < NSHARD; i++) {
		struct shard *s = &shards[i];
		for (unsigned j = 0; j < LT_HEAP_RING; j++) {
			if (s->ring[j])
				forget_retired(s, s->ring[j]);
			s->ring[j] = 0;
		}
	}
}

int lt_heap_ignore(void *p)
{
	uintptr_t key = (uintptr_t)p;
	uint64_t h = mix(key);
	struct shard *s = shard_of_ptr(key, h);
	int biased = shard_enter(s);
	int found = find_entered(s, key, h, NULL);
	if (found)
		lt_api_ignore_locked(key);
	shard_leave(s, biased);
	return found;
}

int lt_heap_find(void *p, lt_block_t *out)
{
	uintptr_t key = (uintptr_t)p;
	uint64_t h = mix(key);
	struct shard *s = shard_of_ptr(key, h);
	int biased = shard_enter(s);
	int found = find_entered(s, key, h, out);
	shard_leave(s, biased);
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
		n += __atomic_load_n(&shards[i].nside, __ATOMIC_RELAXED);
		b += __atomic_load_n(&shards[i].bytes, __ATOMIC_RELAXED);
	}
	*blocks = n;
	*bytes = b;
}

/* Every shard, for the scan and fork: held like one shard, so a signal
 * handler's free on this thread meanwhile is deferred, not a deadlock.
 * Biases are paused (one barrier for all of them) and come back at
 * unlock. */
void lt_heap_lock_all(void)
{
	lt_heap_held = 1;
	atomic_signal_fence(memory_order_seq_cst);
	int others = 0;
	for (unsigned i = 0; i < NSHARD; i++) {
		struct shard *s = &shards[i];
		lt_lock(&s->lock);
		struct owner *o = owner_of(s);
		s->paused = NULL;
		if (o != NULL && o != OWNER_LOCKED) {
			s->paused = o;
			atomic_store_explicit(&s->owner, NULL, memory_order_relaxed);
			others |= o != my_owner;
		}
	}
	if (!others)
		return;
	barrier_all();
	for (unsigned i = 0; i < NSHARD; i++)
		if (shards[i].paused && shards[i].paused != my_owner)
			wait_not_busy(shards[i].paused, &shards[i]);
}

void lt_heap_unlock_all(void)
{
	for (unsigned i = NSHARD; i-- > 0;) {
		struct shard *s = &shards[i];
		if (s->paused)
			atomic_store_explicit(&s->owner, s->paused, memory_order_relaxed);
		s->paused = NULL;
		lt_unlock(&s->lock);
	}
	atomic_signal_fence(memory_order_seq_cst);
	lt_heap_held = 0;
	if (LT_UNLIKELY(lt_guard_deferred != NULL))
		lt_guard_drain();
}

/* In a forked child, under lt_heap_lock_all: the other threads are gone,
 * so every shard is free to be biased to the one left. */
void lt_heap_postfork_child(void)
{
	for (unsigned i = 0; i < NSHARD; i++) {
		shards[i].paused = NULL;
		atomic_store_explicit(&shards[i].owner, NULL, memory_order_relaxed);
	}
	for (unsigned k = 0; k < NOWNER; k++)
		if (&owners[k] != my_owner)
			atomic_store_explicit(&owners[k].tid, 0, memory_order_relaxed);
	if (my_owner)
		atomic_store_explicit(&my_owner->tid, (int)lt_sys_gettid(), memory_order_relaxed);
	lt_lock_reset(&owners_lock);
}

void lt_heap_reset_locks(void)
{
	for (unsigned i = 0; i < NSHARD; i++)
		lt_lock_reset(&shards[i].lock);
}

int lt_heap_snapshot(lt_block_t **out, size_t *n, size_t *map_bytes)
{
	forget_all_retired();
	size_t total = 0;
	for (unsigned i = 0; i < NSHARD; i++)
		total += shards[i].count + shards[i].nside;
	size_t bytes = (total ? total : 1) * sizeof(lt_block_t);
	bytes = (bytes + 4095) & ~(size_t)4095;
	lt_block_t *arr = lt_ia_map_filled(bytes);
	if (!arr)
		return -ENOMEM;
	size_t k = 0;
	for (unsigned i = 0; i < NSHARD; i++) {
		struct shard *s = &shards[i];
		for (uint32_t j = 0; s->mask && j <= s->mask && k < total; j++)
			if (s->slots[j].kw)
				arr[k++] = record_at(s, j);
		for (struct side *x = s->side; x && k < total; x = x->hh.next)
			arr[k++] = side_record(x);
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
		if (s->slots)
			memset(s->slots, 0, (size_t)(s->mask + 1) * sizeof *s->slots);
		struct side *x, *tmp;
		HASH_ITER(hh, s->side, x, tmp) {
			HASH_DEL(s->side, x);
			lt_ia_free(x);
		}
		s->nside = 0;
		memset(s->ring, 0, sizeof s->ring);
		s->count = 0;
		s->bytes = 0;
	}
	lt_api_clear_ignored();
}

void lt_heap_mark_inherited(void)
{
	for (unsigned i = 0; i < NSHARD; i++) {
		struct shard *s = &shards[i];
		for (uint32_t j = 0; s->mask && j <= s->mask; j++)
			if (s->slots[j].kw)
				s->slots[j].stack |= LT_BLOCK_INHERITED;
		for (struct side *x = s->side; x; x = x->hh.next)
			x->stack |= LT_BLOCK_INHERITED;
	}
}

size_t lt_heap_table_bytes(void)
{
	size_t b = 0;
	for (unsigned i = 0; i < NSHARD; i++) {
		if (shards[i].mask)
			b += (size_t)(shards[i].mask + 1) * sizeof(struct slot);
		b += (size_t)shards[i].nside * sizeof(struct side);
	}
	return b;
}
