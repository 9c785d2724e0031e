/* A leaf of a process tree that leaks 48 bytes in tree_leak, prints
 * "leaf PID" and exits 0 (the gate makes it 23). Run by a shell under the
 * launcher, which must fail even when the shell ignores this status.
 * memcheck --leak-check=full: "definitely lost: 48 bytes in 1 blocks"
 * (tree_leak). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void tree_leak(void)
{
	char *p = malloc(48);
	memset(p, 4, 48);
	sink += (unsigned long)p[2];
}

int main(void)
{
	tree_leak();
	printf("leaf %d\n", (int)getpid());
	return 0;
}
