/* A library whose constructor allocates before the tracer's constructor
 * runs (a library the program links is initialised before the preloaded
 * shim: checked with ctor_order_print=1). It leaks one block and keeps a
 * registry that main() later fills. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void **early_registry;   /* the only pointer to the registry */

__attribute__((noinline)) static void early_leak(size_t n)
{
	char *p = malloc(n);
	memset(p, 0x5a, n);
	p = NULL;                 /* dropped: definitely lost */
}

__attribute__((noinline)) static void early_registry_make(size_t slots)
{
	early_registry = calloc(slots, sizeof(void *));
}

__attribute__((constructor)) static void early_ctor(void)
{
	if (getenv("CTOR_ORDER_PRINT"))
		fprintf(stderr, "libearlyctor constructor\n");
	early_leak(100);
	early_registry_make(8);
}

/* Keep a block in the registry (called from main, traced either way). */
void early_registry_put(int slot, void *p)
{
	early_registry[slot] = p;
}
