/* A lost cycle of 3 blocks of 48 bytes: memcheck makes one of them (the
 * lowest address, its "clique leader") definitely lost and the other two
 * indirectly lost (LeakSanitizer would call all three indirect).
 * memcheck: definitely lost 48 bytes in 1 block, indirectly lost 96 bytes
 * in 2 blocks. */
#include <stdlib.h>

#include "common.h"

struct node { struct node *next; char pad[40]; };

__attribute__((noinline)) static void make_cycle(void)
{
	struct node *a = calloc(1, sizeof *a);
	struct node *b = calloc(1, sizeof *b);
	struct node *c = calloc(1, sizeof *c);
	a->next = b;
	b->next = c;
	c->next = a;
}

int main(void)
{
	make_cycle();
	scrub();
	return 0;
}
