/* Blocks kept only by a dlopen'ed library's __thread variable, in the main
 * thread and in a running worker: still reachable (the dynamic TLS blocks
 * come from the dynamic linker and are roots themselves).
 * memcheck: definitely 0, indirectly 0, possibly 0; still reachable
 * 40 + 120 bytes from lib_tls_store. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

static void (*store)(size_t);

static void *worker(void *arg)
{
	(void)arg;
	store(120);
	scrub();
	announce_and_wait();
	return NULL;
}

int main(int argc, char **argv)
{
	(void)argc;
	char path[4096];
	const char *slash = strrchr(argv[0], '/');
	snprintf(path, sizeof path, "%.*slibtlsdata.so", slash ? (int)(slash - argv[0] + 1) : 0, argv[0]);
	void *h = dlopen(path, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "%s\n", dlerror());
		return 2;
	}
	store = (void (*)(size_t))dlsym(h, "lib_tls_store");
	store(40);
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	wait_ready();
	scrub();
	return 0;
}
