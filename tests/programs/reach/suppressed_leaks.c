/* Two leak sites; the suppression files hide one of them.
 * memcheck: definitely lost 80 bytes in 3 blocks (leak_alpha 2 x 16,
 * leak_beta 1 x 48). */
#include <stdlib.h>
#include <string.h>

#include "common.h"

static volatile unsigned long sink;

__attribute__((noinline)) static void leak_alpha(void)
{
	char *p = malloc(16);
	memset(p, 0, 16);
	sink += (unsigned long)p[0];
}

__attribute__((noinline)) static void leak_beta(void)
{
	char *p = malloc(48);
	memset(p, 0, 48);
	sink += (unsigned long)p[0];
}

int main(void)
{
	leak_alpha();
	leak_alpha();
	leak_beta();
	scrub();
	return 0;
}
