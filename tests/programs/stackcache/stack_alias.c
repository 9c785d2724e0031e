/* Two call chains that leave the same words at the same stack addresses
 * except for one saved frame pointer: the case the stack cache must not
 * take for a hit. fill_and_leak keeps a frame pointer (alloca) and its
 * CFA is rbp + 16; it is reached through one indirect call in main either
 * as main > via_x > fill_and_leak or as main > via_y_outer > via_y >
 * fill_and_leak, with the alloca sized (measured once at start) so that
 * fill_and_leak's stack pointer, hence the tracer's, is the same on both
 * paths. via_x's large frame is never written, so the y path's return
 * addresses stay in it as stale words at the y path's return-address
 * slots: only the saved rbp (fill_and_leak's frame pointer, from which its
 * CFA is computed) tells the two apart.
 * Prints "aligned" when the two stack pointers matched.
 * Leaked (definitely lost): 200 x 8 B from each path = 3,200 B in 400
 * blocks. valgrind 3.19 memcheck (--leak-check=full
 * --show-leak-kinds=all): "definitely lost: 3,200 bytes in 400 blocks". */
#include <alloca.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NOINLINE __attribute__((noinline))
#define KEEP() __asm__ volatile("" ::: "memory")

static volatile unsigned long sink;
static size_t pad_x = 64, pad_y = 64;
static uintptr_t seen;          /* fill_and_leak's alloca address, last call */
static int probing;

static NOINLINE void fill_and_leak(size_t n)
{
	char *b = alloca(n);
	__asm__ volatile("" : : "r"(b) : "memory");   /* not written: stale words stay */
	seen = (uintptr_t)b;
	if (probing)
		return;
	void *p = malloc(8);
	sink += (unsigned long)p & 1;
	KEEP();
}

static NOINLINE void via_x(void)
{
	/* a large frame, never written: the y path's frames above
	 * fill_and_leak lie inside it and their words stay */
	char area[512];
	__asm__ volatile("" : : "r"(area) : "memory");
	fill_and_leak(pad_x);
	KEEP();
}

static NOINLINE void via_y(void)
{
	fill_and_leak(pad_y);
	KEEP();
}

static NOINLINE void via_y_outer(void)
{
	via_y();
	KEEP();
}

int main(void)
{
	void (*volatile path[2])(void) = { via_x, via_y_outer };
	probing = 1;
	path[0]();
	uintptr_t bx = seen;
	path[1]();
	uintptr_t by = seen;
	probing = 0;
	/* lower the higher path's alloca area by the difference */
	if (bx > by)
		pad_x += bx - by;
	else
		pad_y += by - bx;
	int aligned = 1;
	uintptr_t first = 0;
	for (int i = 0; i < 400; i++) {
		path[i & 1]();           /* one call site for both paths */
		if (!first)
			first = seen;
		else if (seen != first)
			aligned = 0;
	}
	printf("%s %lu\n", aligned ? "aligned" : "not aligned", sink & 1);
	return 0;
}
