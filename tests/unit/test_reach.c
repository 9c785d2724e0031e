/* The pure reachability classifier (reach.c) on synthetic heaps: blocks are
 * carved out of a local arena, roots are arrays of words, and every class
 * is asserted exactly as memcheck would assign it. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "reach.h"
#include "report/report.h"

#define W sizeof(uintptr_t)

/* A synthetic heap: up to 64 blocks in an arena of words. */
struct heap {
	uintptr_t arena[4096];
	lt_block_t b[64];
	size_t n;
	uintptr_t roots[64];
	lt_reach_range_t range[4];
	size_t nrange;
	uint8_t cls[64];
	uint8_t rootb[64];
	lt_reach_seg_t segs[4];
	size_t nsegs;
	unsigned heur;
	int use_rootb;
};

static struct heap H;

static void heap_init(void)
{
	memset(&H, 0, sizeof H);
	H.heur = LT_HEUR_ALL;
	H.range[0].lo = (uintptr_t)H.roots;
	H.range[0].hi = (uintptr_t)(H.roots + LT_ARRAY_LEN(H.roots));
	H.nrange = 1;
}

/* A block of size bytes at word offset off of the arena; returns its index
 * (blocks must be added in address order). */
static size_t blk(size_t off, size_t size)
{
	H.b[H.n].ptr = (uintptr_t)&H.arena[off];
	H.b[H.n].size = size;
	H.b[H.n].stack = (uint32_t)H.n + 1;
	return H.n++;
}

static uintptr_t *word(size_t i, size_t k)
{
	return (uintptr_t *)(H.b[i].ptr + k * W);
}

static uintptr_t at(size_t i)
{
	return H.b[i].ptr;
}

static void run(void)
{
	static char work[1 << 16];
	cr_assert_leq(lt_reach_work_bytes(H.n), sizeof work);
	lt_reach_ctx_t c = {
		.blocks = H.b, .n = H.n,
		.roots = H.range, .nroots = H.nrange,
		.root_blocks = H.use_rootb ? H.rootb : NULL,
		.segs = H.nsegs ? H.segs : NULL, .nsegs = H.nsegs,
		.heuristics = H.heur,
		.work = work,
		.cls = H.cls,
	};
	cr_assert_eq(lt_reach_classify(&c), 0);
}

Test(reach, no_roots_means_definitely_lost)
{
	heap_init();
	blk(0, 32);
	blk(8, 16);
	run();
	cr_assert_eq(H.cls[0], LT_CLASS_DEFINITE);
	cr_assert_eq(H.cls[1], LT_CLASS_DEFINITE);
}

Test(reach, start_pointer_from_root_is_reachable_and_transitive)
{
	heap_init();
	size_t a = blk(0, 32), b = blk(8, 24), c = blk(16, 8);
	H.roots[3] = at(a);
	*word(a, 2) = at(b);
	*word(b, 0) = at(c);
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_REACHABLE);
	cr_assert_eq(H.cls[b], LT_CLASS_REACHABLE);
	cr_assert_eq(H.cls[c], LT_CLASS_REACHABLE);
}

Test(reach, interior_pointer_is_possibly_lost_and_passes_possible_on)
{
	heap_init();
	H.heur = 0;
	size_t a = blk(0, 64), b = blk(16, 16);
	H.roots[0] = at(a) + 24;       /* interior */
	*word(a, 5) = at(b);           /* start pointer, but from a possible block */
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_POSSIBLE);
	cr_assert_eq(H.cls[b], LT_CLASS_POSSIBLE);
}

Test(reach, later_start_pointer_upgrades_possible_to_reachable)
{
	heap_init();
	H.heur = 0;
	size_t a = blk(0, 64), b = blk(16, 16), c = blk(32, 16);
	H.range[1] = H.range[0];
	H.range[0].lo = (uintptr_t)&H.roots[0];
	H.range[0].hi = (uintptr_t)&H.roots[1];
	H.range[1].lo = (uintptr_t)&H.roots[1];
	H.nrange = 2;
	H.roots[0] = at(a) + 8;        /* first: interior -> possible */
	H.roots[5] = at(a);            /* later: start -> reachable, rescanned */
	*word(a, 1) = at(b);
	*word(b, 1) = at(c) + 4;       /* interior from a reachable block */
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_REACHABLE);
	cr_assert_eq(H.cls[b], LT_CLASS_REACHABLE);
	cr_assert_eq(H.cls[c], LT_CLASS_POSSIBLE);
}

Test(reach, lost_list_head_definite_tail_indirect_whatever_the_addresses)
{
	heap_init();
	/* the head lies above its tail, so the tail is met first in the
	 * address-ordered clique pass: memcheck still ends with one leader */
	size_t t2 = blk(0, 16), t1 = blk(8, 16), head = blk(16, 16);
	*word(head, 0) = at(t1);
	*word(t1, 0) = at(t2);
	run();
	cr_assert_eq(H.cls[head], LT_CLASS_DEFINITE);
	cr_assert_eq(H.cls[t1], LT_CLASS_INDIRECT);
	cr_assert_eq(H.cls[t2], LT_CLASS_INDIRECT);
}

Test(reach, lost_cycle_has_one_definite_block)
{
	heap_init();
	size_t a = blk(0, 16), b = blk(8, 16), c = blk(16, 16);
	*word(b, 0) = at(c);
	*word(c, 0) = at(a);
	*word(a, 0) = at(b);
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_DEFINITE);
	cr_assert_eq(H.cls[b], LT_CLASS_INDIRECT);
	cr_assert_eq(H.cls[c], LT_CLASS_INDIRECT);
}

Test(reach, interior_pointer_from_lost_block_still_makes_indirect)
{
	heap_init();
	size_t a = blk(0, 16), b = blk(8, 32);
	*word(a, 1) = at(b) + 12;
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_DEFINITE);
	cr_assert_eq(H.cls[b], LT_CLASS_INDIRECT);
}

Test(reach, hidden_pointers_do_not_count)
{
	heap_init();
	size_t a = blk(0, 16), b = blk(8, 16);
	H.roots[0] = at(a) ^ 0x5a5a5a5a5aull;
	H.roots[1] = at(b) >> 32;
	H.roots[2] = at(b) & 0xffffffffull;
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_DEFINITE);
	cr_assert_eq(H.cls[b], LT_CLASS_DEFINITE);
}

Test(reach, newarray_cookie_counts_as_start)
{
	heap_init();
	size_t a = blk(0, 8 + 3 * 16);
	*word(a, 0) = 3;               /* element count */
	H.roots[0] = at(a) + 8;
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_REACHABLE);
	heap_init();
	H.heur = LT_HEUR_ALL & ~(LT_HEUR_NEWARRAY | LT_HEUR_LENGTH64);
	a = blk(0, 8 + 3 * 16);
	*word(a, 0) = 3;
	H.roots[0] = at(a) + 8;
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_POSSIBLE);
}

Test(reach, newarray_count_must_divide_the_rest)
{
	heap_init();
	size_t a = blk(0, 8 + 50);
	*word(a, 0) = 3;               /* 50 % 3 != 0, and 50 != 3 (length64) */
	H.roots[0] = at(a) + 8;
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_POSSIBLE);
}

Test(reach, length64_counts_as_start)
{
	heap_init();
	H.heur = LT_HEUR_LENGTH64;
	size_t a = blk(0, 8 + 100);
	*word(a, 0) = 100;
	H.roots[0] = at(a) + 8;
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_REACHABLE);
}

Test(reach, cow_stdstring_counts_as_start)
{
	heap_init();
	H.heur = LT_HEUR_STDSTRING;
	size_t a = blk(0, 3 * 8 + 20 + 1);
	*word(a, 0) = 5;               /* length */
	*word(a, 1) = 20;              /* capacity */
	H.roots[0] = at(a) + 24;
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_REACHABLE);
	*word(a, 0) = 21;              /* length > capacity: not a string */
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_POSSIBLE);
}

/* Fake code addresses and two fake vtables living in a "file" segment. */
static uintptr_t vtables[2][4];

Test(reach, second_base_class_pointer_counts_as_start)
{
	heap_init();
	H.heur = LT_HEUR_MULTIPLEINHERITANCE;
	uintptr_t code = 0x7f0000100000ull;
	for (int v = 0; v < 2; v++) {
		vtables[v][0] = code + 16 * (uintptr_t)v;
		vtables[v][1] = code + 16 * (uintptr_t)v + 8;
		vtables[v][2] = 0;
		vtables[v][3] = 0;
	}
	uintptr_t vlo = (uintptr_t)vtables, vhi = vlo + sizeof vtables;
	if (code < vlo) {
		H.segs[0] = (lt_reach_seg_t){ code, code + 4096, 1 };
		H.segs[1] = (lt_reach_seg_t){ vlo, vhi, 0 };
	} else {
		H.segs[0] = (lt_reach_seg_t){ vlo, vhi, 0 };
		H.segs[1] = (lt_reach_seg_t){ code, code + 4096, 1 };
	}
	H.nsegs = 2;
	size_t a = blk(0, 32);
	*word(a, 0) = (uintptr_t)vtables[0];   /* first base's vptr */
	*word(a, 2) = (uintptr_t)vtables[1];   /* second base's vptr */
	H.roots[0] = at(a) + 16;
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_REACHABLE);
	*word(a, 2) = 12345;                   /* not a vtable */
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_POSSIBLE);
}

Test(reach, start_only_ranges_ignore_interior_pointers)
{
	heap_init();
	H.range[0].flags = LT_RANGE_START_ONLY;
	size_t a = blk(0, 32), b = blk(8, 32);
	H.roots[0] = at(a) + 16;
	H.roots[1] = at(b);
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_DEFINITE);
	cr_assert_eq(H.cls[b], LT_CLASS_REACHABLE);
}

Test(reach, root_blocks_are_reachable_and_scanned)
{
	heap_init();
	size_t a = blk(0, 16), b = blk(8, 16);
	H.use_rootb = 1;
	H.rootb[a] = 1;
	*word(a, 1) = at(b);
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_REACHABLE);
	cr_assert_eq(H.cls[b], LT_CLASS_REACHABLE);
}

Test(reach, zero_sized_block_is_found_by_its_start)
{
	heap_init();
	size_t a = blk(0, 0), b = blk(1, 0);
	H.roots[0] = at(a);
	run();
	cr_assert_eq(H.cls[a], LT_CLASS_REACHABLE);
	cr_assert_eq(H.cls[b], LT_CLASS_DEFINITE);
	cr_assert_eq(lt_reach_find(H.b, H.n, at(a)), (long)a);
	cr_assert_eq(lt_reach_find(H.b, H.n, at(b) + 1), -1);
}

Test(reach, find_covers_exactly_the_requested_bytes)
{
	heap_init();
	size_t a = blk(0, 20), b = blk(8, 8);
	cr_assert_eq(lt_reach_find(H.b, H.n, at(a) - 1), -1);
	cr_assert_eq(lt_reach_find(H.b, H.n, at(a) + 19), (long)a);
	cr_assert_eq(lt_reach_find(H.b, H.n, at(a) + 20), -1);
	cr_assert_eq(lt_reach_find(H.b, H.n, at(b) + 7), (long)b);
	cr_assert_eq(lt_reach_find(H.b, H.n, at(b) + 8), -1);
}

Test(reach, radix_sort_orders_by_address)
{
	enum { N = 5000 };
	lt_block_t *b = malloc(N * sizeof *b), *tmp = malloc(N * sizeof *tmp);
	srand(7);
	for (size_t i = 0; i < N; i++) {
		b[i].ptr = ((uintptr_t)rand() << 20 ^ (uintptr_t)rand()) << 4;
		b[i].size = b[i].ptr >> 4;
	}
	lt_reach_sort(b, N, tmp);
	for (size_t i = 1; i < N; i++) {
		cr_assert_leq(b[i - 1].ptr, b[i].ptr);
		cr_assert_eq(b[i].size, b[i].ptr >> 4);
	}
	free(b);
	free(tmp);
}

/* A million 32-byte blocks: a quarter reached through lists from one root,
 * a quarter in lost lists, half unreferenced. Prints the time taken; the
 * assertion is on the classes, not the clock. */
Test(reach, one_million_blocks, .timeout = 60)
{
	enum { N = 1000000, SZ = 32, LIST = 1000 };
	size_t arena_bytes = (size_t)N * SZ;
	char *arena = mmap(NULL, arena_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(arena, MAP_FAILED);
	lt_block_t *b = malloc(N * sizeof *b), *tmp = malloc(N * sizeof *tmp);
	uint8_t *cls = malloc(N);
	void *work = malloc(lt_reach_work_bytes(N));
	/* shuffled order in the table, as the sharded heap gives it */
	for (size_t i = 0; i < N; i++) {
		size_t j = (i * 7919) % N;
		b[i].ptr = (uintptr_t)(arena + j * SZ);
		b[i].size = SZ;
	}
	static uintptr_t roots[N / 4 / LIST];
	size_t nroots = 0;
	for (size_t j = 0; j < N / 2; j += LIST) {
		/* block j heads a list of LIST blocks j..j+LIST-1 */
		for (size_t k = j; k < j + LIST - 1; k++)
			*(uintptr_t *)(arena + k * SZ) = (uintptr_t)(arena + (k + 1) * SZ);
		if (j < N / 4)
			roots[nroots++] = (uintptr_t)(arena + j * SZ);
	}
	lt_reach_range_t range = { (uintptr_t)roots, (uintptr_t)(roots + nroots), 0 };
	struct timespec t0, t1, t2, c0, c2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	lt_reach_sort(b, N, tmp);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	lt_reach_ctx_t c = {
		.blocks = b, .n = N, .roots = &range, .nroots = 1,
		.heuristics = LT_HEUR_ALL, .work = work, .cls = cls,
	};
	lt_reach_classify(&c);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c2);
	double cpu_ms = (c2.tv_sec - c0.tv_sec) * 1e3 + (c2.tv_nsec - c0.tv_nsec) / 1e6;
	double sort_ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	double cls_ms = (t2.tv_sec - t1.tv_sec) * 1e3 + (t2.tv_nsec - t1.tv_nsec) / 1e6;
	fprintf(stderr, "reach: 1,000,000 blocks: sort %.1f ms + classify %.1f ms wall, %.1f ms CPU (%llu words scanned)\n",
		sort_ms, cls_ms, cpu_ms, (unsigned long long)c.scanned_words);
	size_t count[LT_CLASS_COUNT] = {0};
	for (size_t i = 0; i < N; i++)
		count[cls[i]]++;
	cr_assert_eq(count[LT_CLASS_REACHABLE], N / 4);
	cr_assert_eq(count[LT_CLASS_DEFINITE], N / 4 / LIST + N / 2);
	cr_assert_eq(count[LT_CLASS_INDIRECT], N / 4 - N / 4 / LIST);
	cr_assert_eq(count[LT_CLASS_POSSIBLE], 0);
	free(b);
	free(tmp);
	free(cls);
	free(work);
	munmap(arena, arena_bytes);
}

Test(reach, big_blocks_are_scanned_only_where_readable)
{
	char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(m, MAP_FAILED);
	static uintptr_t small[2];
	static uintptr_t root;
	lt_block_t b[2];
	/* sorted by address: whichever comes first */
	int big_first = (uintptr_t)m < (uintptr_t)small;
	lt_block_t big = { (uintptr_t)m, 3 * 4096, 1, 0 }, sm = { (uintptr_t)small, 16, 2, 0 };
	b[0] = big_first ? big : sm;
	b[1] = big_first ? sm : big;
	*(uintptr_t *)(m + 2 * 4096 + 8) = (uintptr_t)small;
	mprotect(m + 4096, 4096, PROT_NONE);
	root = (uintptr_t)m;
	lt_reach_range_t roots = { (uintptr_t)&root, (uintptr_t)(&root + 1), 0 };
	/* the table lists all readable memory, small included: a pointer to
	 * an address outside it counts for nothing */
	lt_reach_range_t pages[2] = {
		{ (uintptr_t)m, (uintptr_t)m + 4096, 0 },
		{ (uintptr_t)m + 2 * 4096, (uintptr_t)m + 3 * 4096, 0 },
	};
	lt_reach_range_t st = { (uintptr_t)small, (uintptr_t)(small + 2), 0 };
	lt_reach_range_t readable[3];
	readable[big_first ? 2 : 0] = st;
	readable[big_first ? 0 : 1] = pages[0];
	readable[big_first ? 1 : 2] = pages[1];
	static char work[4096];
	uint8_t cls[2];
	lt_reach_ctx_t c = {
		.blocks = b, .n = 2, .roots = &roots, .nroots = 1,
		.heuristics = LT_HEUR_ALL, .readable = readable, .nreadable = 3,
		.work = work, .cls = cls,
	};
	lt_reach_classify(&c);   /* would fault on the guard page otherwise */
	cr_assert_eq(cls[0], LT_CLASS_REACHABLE);
	cr_assert_eq(cls[1], LT_CLASS_REACHABLE);
	cr_assert_eq(c.scanned_words, 1 + 2 * 4096 / 8 + 2);   /* root, two readable pages, small */
	munmap(m, 3 * 4096);
}
