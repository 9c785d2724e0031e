/* A leak in a program built with clang, which emits no .debug_aranges: the
 * report must still give each frame's file:line (issue #13).
 * memcheck: definitely lost: 48 bytes in 1 blocks, at clang_make (line 15)
 * called from clang_middle (line 23) called from main (line 30). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile unsigned long sink;

/* noinline, and work after each call, so no frame is folded away */
__attribute__((noinline)) char *clang_make(size_t n)
{
	char *p;
	p = malloc(n);                 /* line 15 */
	memset(p, 1, n);
	sink += (unsigned long)p[0];
	return p;
}

__attribute__((noinline)) char *clang_middle(size_t n)
{
	char *p = clang_make(n);       /* line 23 */
	sink += (unsigned long)p[1];
	return p;
}

int main(void)
{
	char *p = clang_middle(48);    /* line 30 */
	sink += (unsigned long)p[2];
	p = NULL;
	puts("done");
	return 0;
}
