/* A lost linked list of 5 nodes of 32 bytes: the head definitely lost, the
 * 4 others indirectly lost.
 * memcheck: definitely lost 32 bytes in 1 block, indirectly lost 128 bytes
 * in 4 blocks. */
#include <stdlib.h>

#include "common.h"

struct node { struct node *next; char pad[24]; };

__attribute__((noinline)) static struct node *make_list(int n)
{
	struct node *head = NULL;
	for (int i = 0; i < n; i++) {
		struct node *x = calloc(1, sizeof *x);
		x->next = head;
		head = x;
	}
	return head;
}

__attribute__((noinline)) static void lose_list(void)
{
	struct node *h = make_list(5);
	h->pad[0] = 1;
}

int main(void)
{
	lose_list();
	scrub();
	return 0;
}
