/* The root set of a live scan: writable segments of every loaded module
 * (minus the tracer's), each thread's stack, registers and static TLS, and
 * the address ranges of the dynamic linker (its allocations are roots). */
#ifndef LT_ROOTS_H
#define LT_ROOTS_H

#include <stddef.h>
#include <stdint.h>

#include "reach.h"
#include "world.h"

typedef struct lt_map {
	uintptr_t lo, hi;
	int readable, writable;
	int anon;                  /* private, no file, no [name] but [anon:...] */
} lt_map_t;

typedef struct lt_roots {
	lt_reach_range_t *r;       /* root ranges */
	size_t n, cap;
	lt_reach_seg_t *seg;       /* every PT_LOAD segment, sorted (vtable test) */
	size_t nseg, segcap;
	uintptr_t ld_lo[8], ld_hi[8]; /* the dynamic linker's text */
	int nld;
	lt_reach_range_t *readable;  /* readable mappings, merged (mapcap) */
	size_t nreadable;
	lt_map_t *maps;            /* /proc/self/maps, sorted */
	size_t nmaps, mapcap;
	char *buf;                 /* text of /proc/self/maps */
	size_t bufcap;
	lt_reach_range_t *ex;      /* not anonymous roots: stacks, tracer memory */
	size_t nex, excap;
	size_t tls_size;           /* static TLS block size (with the TCB) */
	unsigned conservative;     /* threads scanned over their whole stack */
	unsigned unscanned;        /* threads whose stack could not be found */
	int overflow;              /* a table was too small: roots were lost */
} lt_roots_t;

/* Size the tables for about nthreads threads (before the world stops:
 * this allocates). Returns 0 or -ENOMEM. */
int lt_roots_alloc(lt_roots_t *rt, size_t nthreads);
void lt_roots_free(lt_roots_t *rt);
/* Look up the static TLS size (dlsym: before the world stops). */
void lt_roots_prepare(lt_roots_t *rt);

/* Walk the modules with dl_iterate_phdr, calling first(arg) from inside the
 * first callback (the loader lock is then ours, so no stopped thread can
 * hold it), and record their writable segments as roots. */
int lt_roots_modules(lt_roots_t *rt, void (*first)(void *), void *arg);
/* Read /proc/self/maps with raw system calls (no allocation). */
int lt_roots_read_maps(lt_roots_t *rt);
/* Add every thread's registers, stack and static TLS; self_sp/self_tp are
 * the calling thread's. */
void lt_roots_threads(lt_roots_t *rt, lt_world_t *w, uintptr_t self_sp, uintptr_t self_tp);
/* Add the anonymous private writable mappings as roots, as memcheck scans
 * every client mapping that is not a heap block (pymalloc's arenas, pool
 * allocators, mmap'd registries): all but the allocator's regions (a
 * mapping holding part of a live block; glibc's brk heap and arena heaps),
 * the tracer's own memory, module segments and thread stacks (live ones are
 * scanned from their stack pointer by lt_roots_threads, which must run
 * first; dead ones in glibc's stack cache not at all). blocks sorted. */
void lt_roots_anon(lt_roots_t *rt, const lt_block_t *blocks, size_t n);
/* Add a range to scan (a registered root region: clip keeps its readable
 * part). */
void lt_roots_add(lt_roots_t *rt, uintptr_t lo, uintptr_t hi);
/* Cut the root ranges down to readable mappings (after read_maps). */
void lt_roots_clip(lt_roots_t *rt);
/* Is pc inside the dynamic linker? */
int lt_roots_is_ldso_pc(const lt_roots_t *rt, uintptr_t pc);

#endif
