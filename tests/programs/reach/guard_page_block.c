/* A malloc'ed block with a PROT_NONE guard page in its middle (as some
 * coroutine libraries do with malloc'ed stacks), kept by a global; a block
 * it points to from past the guard. The scan must skip the guard page, not
 * crash, and still find the pointer behind it.
 * memcheck: definitely 0, indirectly 0, possibly 0; still reachable
 * 3 * 4096 (make_guarded) + 56 (make_guarded). */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "common.h"

static char *guarded;

__attribute__((noinline)) static void make_guarded(void)
{
	if (posix_memalign((void **)&guarded, 4096, 3 * 4096))
		exit(2);
	memset(guarded, 0, 3 * 4096);
	*(void **)(guarded + 2 * 4096 + 64) = calloc(1, 56);
	mprotect(guarded + 4096, 4096, PROT_NONE);
}

int main(void)
{
	make_guarded();
	scrub();
	return 0;
}
