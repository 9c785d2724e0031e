/* Heap blocks too big for the live table's 16-byte records (512 KiB and
 * more: heap.c keeps them in a side table) among ordinary ones, in every
 * way a block can move between the two: malloc, calloc, realloc up across
 * 512 KiB and down again, posix_memalign, free.
 *
 *   big_leak        malloc(1 MiB), lost                 1,048,576 B
 *   big_kept        calloc(600 KiB), kept in `kept`       614,400 B
 *   grow_and_leak   malloc(100), realloc to 2 MiB, back to 64 B, lost: 64 B
 *   aligned_leak    posix_memalign(4096, 768 KiB), lost     786,432 B
 *   small_leak      malloc(48), lost                           48 B
 *   churn           64 blocks of 520 KiB and 64 of 32 B, all freed
 *
 * Expected (from the code): definitely lost 1,835,120 bytes in 4 blocks
 * (big_leak, grow_and_leak, aligned_leak, small_leak); still reachable
 * 614,400 bytes in 1 block (big_kept); nothing else. valgrind 3.19
 * memcheck (--leak-check=full --show-leak-kinds=all): "definitely lost:
 * 1,835,120 bytes in 4 blocks", "still reachable: 614,400 bytes in 1
 * blocks", "total heap usage: 136 allocs, 131 frees" (with stdout's buffer, which
 * its __libc_freeres frees; leaktrace reports it still reachable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))

static void *volatile sink;
static char *kept;

static NOINLINE void big_leak(void)
{
	char *p = malloc(1 << 20);
	memset(p, 1, 1 << 20);
	sink = p;
}

static NOINLINE void big_kept(void)
{
	kept = calloc(600, 1024);
	kept[0] = 1;
}

static NOINLINE void grow_and_leak(void)
{
	char *p = malloc(100);
	memset(p, 2, 100);
	p = realloc(p, 2 << 20);
	p[(2 << 20) - 1] = 2;
	p = realloc(p, 64);
	sink = p;
}

static NOINLINE void aligned_leak(void)
{
	void *p = NULL;
	if (posix_memalign(&p, 4096, 768 << 10) == 0)
		memset(p, 3, 768 << 10);
	sink = p;
}

static NOINLINE void small_leak(void)
{
	sink = malloc(48);
}

static NOINLINE void churn(void)
{
	void *big[64], *small[64];
	for (int i = 0; i < 64; i++) {
		big[i] = malloc(520 << 10);
		small[i] = malloc(32);
		memset(big[i], i, 4096);
	}
	for (int i = 0; i < 64; i++) {
		free(big[63 - i]);
		free(small[i]);
	}
}

int main(void)
{
	big_leak();
	big_kept();
	grow_and_leak();
	aligned_leak();
	small_leak();
	churn();
	sink = NULL;
	puts(kept[0] == 1 ? "big_blocks done" : "?");
	return 0;
}
