/* Blocks whose pages are PROT_NONE at exit (a program's guard pages, a
 * sandboxed buffer): the scan must neither read them nor die.
 *  - kept_big: 64 KiB, page-aligned, kept by a start pointer, then made
 *    PROT_NONE whole; the 48-byte block behind_big is referenced only from
 *    inside it.
 *  - inner_big: 64 KiB, page-aligned, PROT_NONE, referenced only by a
 *    pointer 8 bytes in (the length64/newarray heuristics would read its
 *    first word to judge that pointer).
 *  - lost_big: 64 KiB, PROT_NONE, no pointer to it; holds the only pointer
 *    to the 16-byte behind_lost.
 *  - small: 64 bytes on a page of its own start, kept by a start pointer,
 *    holding the only pointer to the 32-byte behind_small; its page is made
 *    PROT_NONE last (the allocator's next chunk header shares the page, so
 *    nothing may allocate after that).
 * A pointer to an unreadable address counts for nothing (memcheck's
 * lc_is_a_chunk_ptr ignores it), so every block here is lost.
 * memcheck 3.19 (--leak-check=full --show-leak-kinds=all): definitely lost
 * 196,768 bytes in 7 blocks (kept_big, inner_big and lost_big 65,536 each
 * in aligned(), small 64 in aligned(); behind_big 48 in make_kept_big,
 * behind_small 32 in make_small, behind_lost 16 in make_lost_big),
 * indirectly 0, possibly 0, still reachable 0. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "common.h"

#define BIG 65536

static char *kept_big;
static char *inner_ptr;
static char *small;

__attribute__((noinline)) static char *aligned(size_t n)
{
	void *p;
	if (posix_memalign(&p, 4096, n))
		exit(2);
	memset(p, 0, n);
	return p;
}

__attribute__((noinline)) static void make_kept_big(void)
{
	kept_big = aligned(BIG);
	*(void **)(kept_big + 100 * 8) = calloc(1, 48);   /* behind_big */
}

__attribute__((noinline)) static void make_inner_big(void)
{
	char *p = aligned(BIG);
	inner_ptr = p + 8;
}

__attribute__((noinline)) static void make_lost_big(void)
{
	char *p = aligned(BIG);
	*(void **)(p + 4096) = calloc(1, 16);              /* behind_lost */
	if (mprotect(p, BIG, PROT_NONE))
		exit(3);
}

__attribute__((noinline)) static void make_small(void)
{
	small = aligned(64);
	*(void **)(small + 8) = calloc(1, 32);             /* behind_small */
}

int main(void)
{
	make_kept_big();
	make_inner_big();
	make_lost_big();
	make_small();
	if (mprotect(kept_big, BIG, PROT_NONE) || mprotect(inner_ptr - 8, BIG, PROT_NONE))
		exit(3);
	scrub();
	/* last: the page also holds the allocator's header of the next chunk */
	if (mprotect(small, 4096, PROT_NONE))
		exit(3);
	return 0;
}
