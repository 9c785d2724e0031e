/* Leaks made inside a dlopen'ed library that is then dlclose'd: the report
 * still names the library's function, file:line and module (issue #13).
 * memcheck (default --keep-debuginfo=no):
 *   definitely lost: 80 bytes in 2 blocks, the library's frame "???"
 *   (40 bytes at main line 28, 40 at line 29). */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "../reach/common.h"

int main(int argc, char **argv)
{
	(void)argc;
	char path[4096];
	const char *slash = strrchr(argv[0], '/');
	snprintf(path, sizeof path, "%.*slibunloaded.so", slash ? (int)(slash - argv[0] + 1) : 0,
		 argv[0]);
	void *h = dlopen(path, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "%s\n", dlerror());
		return 2;
	}
	void (*leak)(size_t) = (void (*)(size_t))dlsym(h, "unloaded_alloc");
	if (!leak)
		return 3;
	printf("%s\n", path);
	leak(40);
	leak(40);
	if (dlclose(h) != 0)
		return 4;
	scrub();
	puts("unloaded");
	return 0;
}
