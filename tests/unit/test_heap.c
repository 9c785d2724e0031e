/* The sharded live-block table: add, remove, replace, growth across many
 * blocks, snapshot, and concurrent use from several threads. */
#include <criterion/criterion.h>
#include <pthread.h>
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
	/* memory per live block stays small (24-byte records, load <= 3/4) */
	cr_assert_leq(lt_heap_table_bytes() / (N / 2), 128);
	lt_heap_clear();
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
