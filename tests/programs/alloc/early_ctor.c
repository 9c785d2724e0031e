/* Blocks allocated by a library constructor, before the tracer's own
 * constructor: libearlyctor's constructor leaks 100 bytes (early_leak) and
 * allocates an 8-slot registry (64 bytes, early_registry_make) reached from
 * its global; main stores a 48-byte block in the registry (registry_fill).
 * memcheck 3.19: definitely lost 100 bytes in 1 block (early_leak); still
 * reachable 112 bytes in 2 blocks (early_registry_make 64, registry_fill
 * 48) besides libc's own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void early_registry_put(int slot, void *p);

__attribute__((noinline)) static void registry_fill(size_t n)
{
	void *p = malloc(n);
	memset(p, 1, n);
	early_registry_put(3, p);
	p = NULL;
}

int main(void)
{
	registry_fill(48);
	printf("early_ctor done\n");
	return 0;
}
