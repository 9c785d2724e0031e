/* The sharded live-block table: add, remove, replace, growth across many
 * blocks, snapshot, and concurrent use from several threads. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "heap.h"
#include "intalloc.h"

Test(heap, add_find_remove)
{
	lt_heap_clear();
	void *p = (void *)0x100010;
	cr_assert_eq(lt_heap_add(p, 24, 7), 0);
	lt_block_t b;
	cr_assert(lt_heap_find(p, &b));
	cr_assert_eq(b.size, 24);
	cr_assert_eq(b.stack, 7);
	cr_assert(lt_heap_remove(p, &b));
	cr_assert_eq(b.size, 24);
	cr_assert_not(lt_heap_find(p, NULL));
	cr_assert_not(lt_heap_remove(p, NULL));
}

Test(heap, same_address_replaces)
{
	lt_heap_clear();
	void *p = (void *)0x200020;
	lt_heap_add(p, 10, 1);
	lt_heap_add(p, 20, 2);
	uint64_t n, bytes;
	lt_heap_totals(&n, &bytes);
	cr_assert_eq(n, 1);
	cr_assert_eq(bytes, 20);
	lt_heap_remove(p, NULL);
}

Test(heap, many_blocks_grow_and_shrink)
{
	lt_heap_clear();
	const uintptr_t N = 200000;
	for (uintptr_t i = 1; i <= N; i++)
		cr_assert_eq(lt_heap_add((void *)(i * 16), i, (uint32_t)i), 0);
	uint64_t n, bytes;
	lt_heap_totals(&n, &bytes);
	cr_assert_eq(n, N);
	cr_assert_eq(bytes, N * (N + 1) / 2);
	/* remove every other block: backward-shift deletion keeps the rest findable */
	for (uintptr_t i = 1; i <= N; i += 2)
		cr_assert(lt_heap_remove((void *)(i * 16), NULL));
	for (uintptr_t i = 2; i <= N; i += 2) {
		lt_block_t b;
		cr_assert(lt_heap_find((void *)(i * 16), &b), "lost block %lu", (unsigned long)i);
		cr_assert_eq(b.size, i);
	}
	lt_block_t *snap;
	size_t cnt, map;
	cr_assert_eq(lt_heap_snapshot(&snap, &cnt, &map), 0);
	cr_assert_eq(cnt, N / 2);
	uint64_t sum = 0;
	for (size_t i = 0; i < cnt; i++)
		sum += snap[i].size;
	lt_heap_totals(&n, &bytes);
	cr_assert_eq(sum, bytes);
	lt_ia_unmap(snap, map);
	/* memory per live block stays small: 16-byte records at a load of
	 * 3/8 or more when all N were in, half of them removed since:
	 * 16 / (3/8) * 2 = 85 bytes at most (24-byte records: 128) */
	cr_assert_leq(lt_heap_table_bytes() / (N / 2), 86, "%zu bytes", lt_heap_table_bytes() / (N / 2));
	lt_heap_clear();
}

/* Records that do not pack into a 16-byte slot (heap.c: a size of 512 KiB
 * or more, an address not 8-aligned or above 2^48) live in the shard's
 * side table, and behave exactly as the others. */
Test(heap, records_too_big_to_pack_behave_like_the_rest)
{
	lt_heap_clear();
	static const struct { uintptr_t p; uint64_t size; } r[] = {
		{ 0x300010, (1u << 19) - 1 },            /* packs */
		{ 0x300020, 1u << 19 },                   /* too big */
		{ 0x300031, 40 },                         /* not 8-aligned */
		{ (uintptr_t)1 << 48 | 0x40, 56 },        /* above 2^48 */
		{ 0x300040, (uint64_t)5 << 32 },          /* 20 GiB */
	};
	const size_t n = sizeof r / sizeof r[0];
	uint64_t want_bytes = 0;
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(lt_heap_add((void *)r[i].p, r[i].size, (uint32_t)(100 + i)), 0);
		want_bytes += r[i].size;
	}
	/* an 8-aligned neighbour of the odd address is a different block */
	cr_assert_not(lt_heap_find((void *)0x300030, NULL));
	uint64_t blocks, bytes;
	lt_heap_totals(&blocks, &bytes);
	cr_assert_eq(blocks, n);
	cr_assert_eq(bytes, want_bytes);
	for (size_t i = 0; i < n; i++) {
		lt_block_t b;
		cr_assert(lt_heap_find((void *)r[i].p, &b), "record %zu lost", i);
		cr_assert_eq(b.ptr, r[i].p);
		cr_assert_eq(b.size, r[i].size);
		cr_assert_eq(b.stack, 100 + i);
	}
	lt_heap_mark_inherited();
	lt_block_t *snap;
	size_t cnt, map;
	cr_assert_eq(lt_heap_snapshot(&snap, &cnt, &map), 0);
	cr_assert_eq(cnt, n);
	uint64_t sum = 0;
	for (size_t i = 0; i < cnt; i++) {
		sum += snap[i].size;
		cr_assert(snap[i].stack & LT_BLOCK_INHERITED);
	}
	cr_assert_eq(sum, want_bytes);
	lt_ia_unmap(snap, map);
	for (size_t i = 0; i < n; i++) {
		lt_block_t b;
		cr_assert(lt_heap_remove((void *)r[i].p, &b));
		cr_assert_eq(b.size, r[i].size);
		cr_assert_not(lt_heap_find((void *)r[i].p, NULL));
	}
	lt_heap_totals(&blocks, &bytes);
	cr_assert_eq(blocks, 0);
	cr_assert_eq(bytes, 0);
	/* retired (the free hook's way), each is gone by the next snapshot;
	 * the odd address too (the ring once tagged entries in bit 0) */
	uint64_t unknown = lt_heap_unknown_frees();
	for (size_t i = 0; i < n; i++)
		lt_heap_add((void *)r[i].p, r[i].size, 1);
	for (size_t i = 0; i < n; i++)
		lt_heap_retire((void *)r[i].p);
	cr_assert_eq(lt_heap_snapshot(&snap, &cnt, &map), 0);
	cr_assert_eq(cnt, 0, "%zu retired records left", cnt);
	lt_ia_unmap(snap, map);
	cr_assert_eq(lt_heap_unknown_frees(), unknown);
}

/* An address the allocator hands out again (a free that went around the
 * hooks) replaces its record whichever kind each record is. */
Test(heap, a_replaced_record_may_change_kind)
{
	lt_heap_clear();
	void *p = (void *)0x400080;
	uint64_t blocks, bytes;
	lt_block_t b;
	lt_heap_add(p, 64, 1);
	lt_heap_add(p, 1u << 20, 2);          /* packed -> side */
	lt_heap_totals(&blocks, &bytes);
	cr_assert_eq(blocks, 1);
	cr_assert_eq(bytes, 1u << 20);
	cr_assert(lt_heap_find(p, &b));
	cr_assert_eq(b.stack, 2);
	lt_heap_add(p, 32, 3);                /* side -> packed */
	lt_heap_totals(&blocks, &bytes);
	cr_assert_eq(blocks, 1);
	cr_assert_eq(bytes, 32);
	cr_assert(lt_heap_remove(p, &b));
	cr_assert_eq(b.size, 32);
	cr_assert_eq(b.stack, 3);
	cr_assert_not(lt_heap_remove(p, NULL));
	lt_heap_totals(&blocks, &bytes);
	cr_assert_eq(blocks, 0);
	cr_assert_eq(bytes, 0);
	/* a cleared table forgets side records too */
	lt_heap_add(p, 1u << 20, 4);
	lt_heap_clear();
	cr_assert_not(lt_heap_find(p, NULL));
	lt_heap_totals(&blocks, &bytes);
	cr_assert_eq(blocks, 0);
}

static void *churn(void *arg)
{
	uintptr_t base = (uintptr_t)arg;
	for (int round = 0; round < 20; round++) {
		for (uintptr_t i = 0; i < 5000; i++)
			lt_heap_add((void *)(base + i * 16), 8, 1);
		for (uintptr_t i = 0; i < 5000; i++)
			if (!lt_heap_remove((void *)(base + i * 16), NULL))
				return (void *)1;
	}
	return NULL;
}

Test(heap, concurrent_threads)
{
	lt_heap_clear();
	pthread_t t[4];
	for (uintptr_t i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, churn, (void *)((i + 1) << 32));
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		cr_assert_null(r, "a record went missing under concurrency");
	}
	uint64_t n, bytes;
	lt_heap_totals(&n, &bytes);
	cr_assert_eq(n, 0);
	cr_assert_eq(bytes, 0);
}

/* ---- retired frees (heap.h): what the table says after a free is the
 * same as if the record were removed at once ---- */

static size_t live_in_snapshot(uintptr_t lo, uintptr_t hi, uint64_t *bytes)
{
	lt_block_t *snap;
	size_t cnt, map, n = 0;
	cr_assert_eq(lt_heap_snapshot(&snap, &cnt, &map), 0);
	*bytes = 0;
	for (size_t i = 0; i < cnt; i++)
		if (snap[i].ptr >= lo && snap[i].ptr < hi) {
			n++;
			*bytes += snap[i].size;
		}
	lt_ia_unmap(snap, map);
	return n;
}

Test(heap, retired_blocks_are_never_in_a_snapshot)
{
	lt_heap_clear();
	const uintptr_t base = 0x7000000, N = 1000;
	for (uintptr_t i = 0; i < N; i++)
		lt_heap_add((void *)(base + i * 32), 1 + i, 1);
	/* retire every odd one: 500 frees over 64 shards leave some of
	 * them in every ring */
	uint64_t want = 0;
	for (uintptr_t i = 0; i < N; i++) {
		if (i & 1)
			lt_heap_retire((void *)(base + i * 32));
		else
			want += 1 + i;
	}
	uint64_t unknown = lt_heap_unknown_frees(), bytes;
	cr_assert_eq(live_in_snapshot(base, base + N * 32, &bytes), N / 2);
	cr_assert_eq(bytes, want);
	cr_assert_eq(lt_heap_unknown_frees(), unknown, "a retired block counted as unknown");
	uint64_t n;
	lt_heap_totals(&n, &bytes);
	cr_assert_eq(n, N / 2, "the snapshot left retired records in the table");
	for (uintptr_t i = 0; i < N; i += 2)
		cr_assert(lt_heap_remove((void *)(base + i * 32), NULL));
}

Test(heap, an_address_given_out_again_keeps_its_new_record)
{
	lt_heap_clear();
	void *p = (void *)0x8000040;
	lt_heap_add(p, 10, 1);
	lt_heap_retire(p);
	lt_heap_add(p, 99, 5);          /* the allocator reused it at once */
	/* enough frees elsewhere to turn every ring several times */
	const uintptr_t base = 0x9000000;
	for (uintptr_t i = 0; i < 4096; i++) {
		lt_heap_add((void *)(base + i * 48), 8, 2);
		lt_heap_retire((void *)(base + i * 48));
	}
	lt_block_t b;
	cr_assert(lt_heap_find(p, &b), "the retired entry removed the new record");
	cr_assert_eq(b.size, 99);
	cr_assert_eq(b.stack, 5);
	uint64_t bytes;
	cr_assert_eq(live_in_snapshot(base, base + 4096 * 48, &bytes), 0);
	lt_heap_remove(p, NULL);
}

Test(heap, a_free_of_an_untracked_block_is_counted_once)
{
	lt_heap_clear();
	uint64_t before = lt_heap_unknown_frees();
	lt_heap_retire((void *)0xa000010);     /* never added */
	void *q = (void *)0xa000050;
	lt_heap_add(q, 16, 1);
	lt_heap_retire(q);
	lt_heap_retire(q);                      /* freed twice */
	uint64_t bytes;
	cr_assert_eq(live_in_snapshot(0xa000000, 0xa001000, &bytes), 0);
	cr_assert_eq(lt_heap_unknown_frees() - before, 2);
	/* the snapshot forgot them: their turn in the ring counts nothing */
	for (uintptr_t i = 0; i < 4096; i++) {
		lt_heap_add((void *)(0xb000000 + i * 32), 8, 2);
		lt_heap_retire((void *)(0xb000000 + i * 32));
	}
	live_in_snapshot(0, 1, &bytes);
	cr_assert_eq(lt_heap_unknown_frees() - before, 2);
}

Test(heap, a_cleared_table_forgets_its_retired_blocks)
{
	lt_heap_clear();
	uint64_t before = lt_heap_unknown_frees();
	for (uintptr_t i = 0; i < 256; i++) {
		lt_heap_add((void *)(0xc000000 + i * 32), 8, 2);
		lt_heap_retire((void *)(0xc000000 + i * 32));
	}
	lt_heap_clear();                        /* a forked child's start */
	for (uintptr_t i = 0; i < 4096; i++)
		lt_heap_retire((void *)(0xd000000 + i * 32));
	uint64_t bytes;
	live_in_snapshot(0, 1, &bytes);
	cr_assert_eq(lt_heap_unknown_frees() - before, 4096,
		     "blocks retired before the clear were counted unknown");
}

/* ---- biased shards: a thread that frees what another allocated revokes
 * the other's biases while it is using them ---- */

struct handoff {
	uintptr_t base;
	unsigned n;
	_Atomic unsigned made;
	int stop_adds;
};

static void *producer(void *arg)
{
	struct handoff *h = arg;
	for (unsigned i = 0; i < h->n; i++) {
		if (lt_heap_add((void *)(h->base + (uintptr_t)i * 16), i + 1, 3))
			return (void *)1;
		atomic_store_explicit(&h->made, i + 1, memory_order_release);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct handoff *h = arg;
	/* remove every block the producer made, as it makes them, through
	 * both ways a free takes */
	for (unsigned i = 0; i < h->n; i++) {
		while (atomic_load_explicit(&h->made, memory_order_acquire) <= i)
			;
		void *p = (void *)(h->base + (uintptr_t)i * 16);
		if (i & 1) {
			lt_heap_retire(p);
		} else {
			lt_block_t b;
			if (!lt_heap_remove(p, &b) || b.size != i + 1)
				return (void *)1;
		}
	}
	return NULL;
}

Test(heap, biased_shards_survive_cross_thread_frees)
{
	lt_heap_clear();
	lt_heap_set_bias(1);
	cr_assert(lt_heap_bias(), "membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) is not available");
	uint64_t before = lt_heap_unknown_frees();
	/* each round, every shard starts unbiased (as in a forked child), so
	 * the producers take biases the consumers then revoke mid-use */
	for (int round = 0; round < 40; round++) {
		lt_heap_lock_all();
		lt_heap_postfork_child();
		lt_heap_unlock_all();
		struct handoff h[2] = { { .base = 0x10000000, .n = 20000 },
					{ .base = 0x30000000, .n = 20000 } };
		pthread_t t[4];
		for (int i = 0; i < 2; i++) {
			pthread_create(&t[2 * i], NULL, producer, &h[i]);
			pthread_create(&t[2 * i + 1], NULL, consumer, &h[i]);
		}
		for (int i = 0; i < 4; i++) {
			void *r;
			pthread_join(t[i], &r);
			cr_assert_null(r, "round %d, thread %d: a record went missing or was wrong",
				       round, i);
		}
		uint64_t bytes;
		cr_assert_eq(live_in_snapshot(0x10000000, 0x40000000, &bytes), 0, "round %d", round);
	}
	cr_assert_eq(lt_heap_unknown_frees(), before);
	uint64_t n, bytes;
	lt_heap_totals(&n, &bytes);
	cr_assert_eq(n, 0);
	cr_assert_eq(bytes, 0);
	lt_heap_bias_off();
	cr_assert_not(lt_heap_bias());
}
