/* A leak in a program whose DWARF lives only in a separate debug file: the
 * build keeps it with objcopy --only-keep-debug and strips the program
 * (split_debug.sh, debug file split_debug.dbg); the test places the debug file under a temporary
 * debug_root, by build-id or by .gnu_debuglink, and expects file:line.
 * memcheck (on the stripped program, which it cannot name: "???" frames):
 *   definitely lost: 72 bytes in 1 blocks; in use at exit: 72 bytes in 1 blocks */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile unsigned long sink;

__attribute__((noinline)) char *split_leak(size_t n)
{
	char *p = malloc(n);           /* line 15: the leak */
	memset(p, 7, n);
	sink += (unsigned long)p[0];
	return p;
}

int main(void)
{
	char *p = split_leak(72);
	sink += (unsigned long)p[1];
	p = NULL;
	puts("done");
	return 0;
}
