/* Built without unwind tables (-fno-asynchronous-unwind-tables
 * -fno-unwind-tables) but with a frame pointer: libunwind finds no frame
 * description for no_unwind_alloc, falls back to the frame-pointer chain and
 * validates each address it reads there (its write-to-a-pipe check) before
 * stepping to the caller. See tracer_fds.c. */
#include <stdlib.h>
#include <string.h>

volatile unsigned long nounwind_sink;

__attribute__((noinline)) void *no_unwind_alloc(size_t n)
{
	char *p = malloc(n);
	memset(p, 3, n);
	nounwind_sink += (unsigned long)p[n - 1];   /* no tail call */
	return p;
}
