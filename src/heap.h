/* The live-block table: every traced heap block, sharded by address.
 *
 * Each shard is an open-addressing table (linear probing, backward-shift
 * deletion) of 16-byte records - the address and the size packed in one
 * word, the stack id and the time in the other - behind its own spinlock
 * (or biased to the one thread that uses it: heap.c), so threads touching
 * different addresses rarely meet and a live block costs 16 bytes at 100%
 * load (21-43 bytes between the 3/8 and 3/4 load the table keeps; the
 * probe that costs is the first, a cache miss), against ~88 bytes for a
 * uthash record (UT_hash_handle alone is 56 bytes). A block of 512 KiB or
 * more (or at an address that does not pack) has its record in the
 * shard's side table, a uthash. */
#ifndef LT_HEAP_H
#define LT_HEAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	uintptr_t ptr;    /* 0: empty slot */
	uint64_t size;
	uint32_t stack;   /* stack depot id, | LT_BLOCK_INHERITED */
	uint32_t ms;      /* allocation time, ms since tracer start */
} lt_block_t;

/* In a forked child: the block was allocated before the fork (in the
 * parent). Depot ids stay below 2^24. */
#define LT_BLOCK_INHERITED 0x80000000u
#define LT_BLOCK_STACK(b) ((b)->stack & ~LT_BLOCK_INHERITED)

#include "lt.h"

/* Non-zero while this thread holds a shard lock. */
extern LT_TLS int lt_heap_held;

/* Record a new block. Returns 0 or -ENOMEM (the block is then untracked). */
int lt_heap_add(void *p, size_t size, uint32_t stack);
/* Forget a block; returns 1 and fills *out when it was tracked. */
int lt_heap_remove(void *p, lt_block_t *out);
/* Mark a tracked block ignored (client API, api.c); 1 when it is tracked. */
int lt_heap_ignore(void *p);
/* Look up without removing. */
int lt_heap_find(void *p, lt_block_t *out);

/* Counters: frees of pointers never seen (allocated before the shim or by
 * another allocator), and live totals. */
uint64_t lt_heap_unknown_frees(void);
void lt_heap_count_unknown_free(void);
void lt_heap_totals(uint64_t *blocks, uint64_t *bytes);

/* Take or release every shard lock (fork, stop-the-world, consistent
 * snapshots). */
void lt_heap_lock_all(void);
void lt_heap_unlock_all(void);
void lt_heap_reset_locks(void);
/* In a forked child, before lt_heap_unlock_all: drop the biases of the
 * threads the child does not have. */
void lt_heap_postfork_child(void);

/* Biased shards (heap.c): with on, and where membarrier allows it, a shard
 * one thread keeps using is entered without a locked instruction. */
void lt_heap_set_bias(int on);
int lt_heap_bias(void);
/* The program installs a seccomp filter (which may forbid membarrier):
 * revoke every bias, take no more. */
void lt_heap_bias_off(void);

/* Start loading the slot a block's record lives in (before the stack
 * capture of a new block, so the insert finds it in cache). Returns the
 * block's hash, for lt_heap_add_hashed. */
uint64_t lt_heap_prefetch(const void *p);
/* lt_heap_add with h = lt_heap_prefetch(p). */
int lt_heap_add_hashed(void *p, uint64_t h, size_t size, uint32_t stack);

/* The program frees p: its record is retired, not removed at once. Each
 * shard keeps the last LT_HEAP_RING blocks freed into it, their slots
 * prefetched, and removes the oldest record when a new one comes, its
 * lines in cache by then. The caller releases p right away: the
 * allocator sees the free when the program makes it. An address that
 * comes back from the allocator meanwhile replaces its retired record
 * (lt_heap_add), and a snapshot forgets every retired record first. */
#define LT_HEAP_RING 4
void lt_heap_retire(void *p);

/* Copy all live records into a fresh mapping; the caller holds every lock
 * (retired blocks are forgotten first: they are freed, not live). *out is
 * lt_ia_map'ed with *cap bytes. */
int lt_heap_snapshot(lt_block_t **out, size_t *n, size_t *map_bytes);

/* Drop every record (forked child that must not inherit the parent's). */
void lt_heap_clear(void);
/* Mark every record LT_BLOCK_INHERITED (forked child). */
void lt_heap_mark_inherited(void);

/* Tracer memory held by the table, for verbosity/bench. */
size_t lt_heap_table_bytes(void);

#endif
