/* Blocks kept only by globals: a static pointer (data), an array in bss
 * and a list hanging off a global. All still reachable, nothing leaked.
 * memcheck: definitely 0, indirectly 0, possibly 0,
 * still reachable 100 + 3*32 + 2*48 = 292 bytes in 6 blocks. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

struct node { struct node *next; char pad[40]; };

static char *one = (char *)1;     /* .data */
static void *many[3];             /* .bss */
struct node *list;

__attribute__((noinline)) static void keep_one(void)
{
	one = malloc(100);
	memset(one, 1, 100);
}

__attribute__((noinline)) static void keep_many(void)
{
	for (int i = 0; i < 3; i++)
		many[i] = calloc(1, 32);
}

__attribute__((noinline)) static void keep_list(void)
{
	for (int i = 0; i < 2; i++) {
		struct node *n = calloc(1, sizeof *n);
		n->next = list;
		list = n;
	}
}

int main(void)
{
	keep_one();
	keep_many();
	keep_list();
	scrub();
	return 7;
}
