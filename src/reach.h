/* Reachability classification (memcheck's classes) of the live heap.
 *
 * Two layers: lt_reach_classify() is a pure function over a sorted array of
 * blocks and a list of root ranges (unit tests run it on synthetic heaps);
 * lt_reach_classify_live() snapshots the shim's heap table, stops the
 * world (world.h), collects the roots (roots.h) and calls it. */
#ifndef LT_REACH_H
#define LT_REACH_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"

/* A root range, scanned conservatively word by word. */
typedef struct lt_reach_range {
	uintptr_t lo, hi;
	unsigned flags;
} lt_reach_range_t;

/* Only pointers to a block's start count from this range: glibc's
 * main_arena (in libc's data) holds the top-chunk and bin pointers, which
 * land inside the live block just below them; memcheck never sees these
 * because it replaces the allocator. */
#define LT_RANGE_START_ONLY 1u

/* A mapped file segment, for the multiple-inheritance heuristic's "is this a
 * vtable" test (sorted by lo, non-overlapping). */
typedef struct lt_reach_seg {
	uintptr_t lo, hi;
	int exec;
} lt_reach_seg_t;

/* memcheck's --leak-check-heuristics (all on by default there too). */
enum {
	LT_HEUR_STDSTRING = 1u << 0,
	LT_HEUR_LENGTH64 = 1u << 1,
	LT_HEUR_NEWARRAY = 1u << 2,
	LT_HEUR_MULTIPLEINHERITANCE = 1u << 3,
	LT_HEUR_ALL = 15u,
};

typedef struct lt_reach_ctx {
	/* in */
	const lt_block_t *blocks;         /* sorted by ptr, non-overlapping */
	size_t n;
	const lt_reach_range_t *roots;
	size_t nroots;
	const uint8_t *root_blocks;       /* NULL, or 1 = this block is a root itself */
	const lt_reach_seg_t *segs;       /* NULL disables the vtable test */
	size_t nsegs;
	unsigned heuristics;
	/* NULL (synthetic heaps: all readable), or the readable address
	 * ranges (sorted, merged): no word outside them is ever read - not a
	 * block, not a heuristic's header word, not a vtable - and a pointer
	 * to an address outside them counts for nothing (as in memcheck),
	 * since a program may mprotect any page of its own blocks */
	const lt_reach_range_t *readable;
	size_t nreadable;
	void *work;                       /* lt_reach_work_bytes(n) bytes */
	/* NULL, or told of every root word that points into a block (why is
	 * this block reachable? verbosity=2) */
	void (*on_root)(void *arg, size_t range, uintptr_t where, size_t block);
	void *on_root_arg;
	/* out */
	uint8_t *cls;                     /* n enum lt_class values */
	uint64_t scanned_words;
} lt_reach_ctx_t;

/* Scratch the classifier needs for n blocks. */
size_t lt_reach_work_bytes(size_t n);
/* Sort blocks by address (LSD radix sort); tmp holds n records. */
void lt_reach_sort(lt_block_t *blocks, size_t n, lt_block_t *tmp);
/* Classify. Never allocates; returns 0. */
int lt_reach_classify(lt_reach_ctx_t *c);
/* Index of the block containing p (a zero-sized block contains its start),
 * or -1. Blocks sorted by ptr. */
long lt_reach_find(const lt_block_t *blocks, size_t n, uintptr_t p);

/* Stop the other threads, snapshot the live blocks, scan the roots and
 * classify every block; resume the threads. On success (0): *blocks is an
 * lt_ia_map'ed array of *n records (*map_bytes long), *cls a parallel
 * lt_ia_map'ed array (*cls_bytes long) of enum lt_class values, *pause_ms
 * how long the world was stopped, note (note_cap >= 256 bytes) what could
 * not be scanned exactly, or "". Returns -errno when
 * classification is unavailable (the caller then reports unclassified). */
int lt_reach_classify_live(lt_block_t **blocks, size_t *n, size_t *map_bytes,
			   uint8_t **cls, size_t *cls_bytes, double *pause_ms,
			   char *note, size_t note_cap);

#endif
