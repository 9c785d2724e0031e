/* Leaks from each aligned entry point. memcheck: definitely lost 836
 * bytes in 4 blocks: 128 posix_memalign, 512 aligned_alloc, 96 memalign,
 * 100 valloc. pvalloc(100) is freed: valgrind 3.19's pvalloc replacement
 * fails on it, so it cannot serve as the reference for that call. */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static volatile uintptr_t sink;

__attribute__((noinline)) static void leak_posix_memalign(void)
{
	void *p;
	if (posix_memalign(&p, 64, 128) == 0)
		sink += (uintptr_t)p & 63;
}

__attribute__((noinline)) static void leak_aligned_alloc(void)
{
	void *p = aligned_alloc(256, 512);
	sink += (uintptr_t)p & 255;
}

__attribute__((noinline)) static void leak_memalign(void)
{
	void *p = memalign(32, 96);
	sink += (uintptr_t)p & 31;
}

__attribute__((noinline)) static void leak_valloc(void)
{
	void *p = valloc(100);
	sink += (uintptr_t)p & 4095;
}

__attribute__((noinline)) static void freed_pvalloc(void)
{
	void *p = pvalloc(100);
	sink += (uintptr_t)p & 4095;
	free(p);
}

int main(void)
{
	leak_posix_memalign();
	leak_aligned_alloc();
	leak_memalign();
	leak_valloc();
	freed_pvalloc();
	write(1, "done\n", 5);
	return sink == 0 ? 0 : 1;
}
