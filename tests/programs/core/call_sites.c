/* Three leaking call sites with known sizes, one freed site.
 * memcheck: definitely lost: 636 bytes in 5 blocks
 *   300 (3 x 100) in make_a, 256 (1) in make_b, 80 (10 x 8 calloc) in make_c */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void make_a(void)
{
	char *p = malloc(100);
	memset(p, 'a', 100);
	sink += (unsigned long)p[3];
}

__attribute__((noinline)) static void make_b(void)
{
	char *p = malloc(256);
	memset(p, 'b', 256);
	sink += (unsigned long)p[7];
}

__attribute__((noinline)) static void make_c(void)
{
	long *p = calloc(10, sizeof(long));
	sink += (unsigned long)p[2];
}

__attribute__((noinline)) static void not_leaked(void)
{
	char *p = malloc(999);
	memset(p, 0, 999);
	sink += (unsigned long)p[1];
	free(p);
}

int main(void)
{
	for (int i = 0; i < 3; i++)
		make_a();
	make_b();
	make_c();
	not_leaked();
	write(1, "done\n", 5);
	return 0;
}
