/* Leaks made inside a dlopen'ed library (left loaded).
 * memcheck: definitely lost 192 bytes in 3 blocks (leaky_alloc). */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

int main(int argc, char **argv)
{
	(void)argc;
	char path[4096];
	const char *slash = strrchr(argv[0], '/');
	snprintf(path, sizeof path, "%.*slibleaky.so", slash ? (int)(slash - argv[0] + 1) : 0, argv[0]);
	void *h = dlopen(path, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "%s\n", dlerror());
		return 2;
	}
	void (*leak)(size_t) = (void (*)(size_t))dlsym(h, "leaky_alloc");
	for (int i = 0; i < 3; i++)
		leak(64);
	scrub();
	return 0;
}
