/* free() and realloc() of blocks the tracer never saw: made by glibc's
 * __libc_malloc, which no interposer sees. They must pass through to the
 * real allocator and be counted, never crash. No leaks. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);

int main(void)
{
	char *a = __libc_malloc(32);
	char *b = __libc_malloc(64);
	memset(a, 1, 32);
	memset(b, 2, 64);
	free(a);
	b = realloc(b, 128);
	if (b[63] != 2)
		return 1;
	free(b);
	write(1, "ok\n", 3);
	return 0;
}
