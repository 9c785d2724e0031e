/* A custom registry in an anonymous private mmap region (as pymalloc's
 * arenas and pool allocators are) holds the only pointers to ten 1,000-byte
 * malloc'd blocks; a second region holds the only pointer to a 40-byte
 * block that points to a 24-byte block. One more block is really lost.
 * memcheck 3.19 (--leak-check=full --show-leak-kinds=all): definitely lost
 * 123 bytes in 1 block (really_lost); indirectly 0, possibly 0; still
 * reachable: registry 10 x 1,000 (fill_registry), 40 + 24 (keep_list). */
#include <stdlib.h>
#include <sys/mman.h>

#include "common.h"

static volatile unsigned long sink;

__attribute__((noinline)) static void fill_registry(void **reg)
{
	for (int i = 0; i < 10; i++) {
		reg[i * 7] = malloc(1000);
		((char *)reg[i * 7])[0] = (char)i;
	}
}

__attribute__((noinline)) static void keep_list(void **slot)
{
	void **a = malloc(40);
	a[0] = malloc(24);
	*slot = a;
}

__attribute__((noinline)) static void really_lost(void)
{
	char *p = malloc(123);
	p[0] = 3;
	sink += (unsigned long)p[0];
}

int main(void)
{
	void **reg = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void **other = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (reg == MAP_FAILED || other == MAP_FAILED)
		return 2;
	fill_registry(reg);
	keep_list(other + 700);
	really_lost();
	/* the only copies of the region addresses are on this frame: drop
	 * them (the regions stay mapped, as an arena allocator's do) */
	reg = NULL;
	other = NULL;
	scrub();
	return 0;
}
