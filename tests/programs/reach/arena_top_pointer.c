/* The last block malloc carved before its top chunk, leaked: glibc's
 * main_arena (in libc's data) then points at the top chunk header, which
 * lies inside this 24-byte block (its last 8 bytes borrow the next chunk's
 * prev_size field). memcheck replaces malloc and never sees that pointer;
 * leaktrace must not call the block possibly lost either.
 * memcheck: definitely lost 24 bytes in 1 block. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

__attribute__((noinline)) static void leak24(void)
{
	char *p = malloc(24);
	memset(p, 1, 24);
}

int main(void)
{
	void *x = malloc(1000);
	free(x);
	leak24();
	scrub();
	return 0;
}
