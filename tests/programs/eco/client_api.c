/* The leaktrace client API (include/leaktrace.h), each call once, with
 * known sizes. Runs with or without the shim (the entry points are weak).
 *
 * Under the shim (what the e2e test asserts):
 *   100 B ignored (leaktrace_ignore_object), and the 40 B block it points
 *         to: still reachable (an ignored block is a root)
 *   200 B allocated between leaktrace_disable/enable: still reachable
 *   300 B pointed to only from a registered mmap'ed region (a private
 *         mapping of /dev/zero): still reachable
 *    50 B pointed to only from a region registered then unregistered:
 *         definitely lost
 *    32 B allocated where an ignored 32 B block was freed (same address):
 *         definitely lost (freeing drops the mark)
 * definitely lost 82 bytes in 2 blocks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>

#include <leaktrace.h>

static void *volatile sink;

static __attribute__((noinline)) void *make_block(size_t n)
{
	void *p = malloc(n);
	memset(p, 0x5a, n);
	sink = p;
	return p;
}

static __attribute__((noinline)) void ignored_pair(void)
{
	void **keep = make_block(100);
	keep[0] = make_block(40);
	leaktrace_ignore_object(keep);
}

static __attribute__((noinline)) void disabled_region(void)
{
	leaktrace_disable();
	make_block(200);
	leaktrace_enable();
}

static __attribute__((noinline)) void *root_region(size_t n, int keep_registered)
{
	/* a private mapping of /dev/zero, not an anonymous one: anonymous
	 * writable mappings are roots anyway (as in memcheck), so only a
	 * file-backed page shows what registering changes */
	int fd = open("/dev/zero", O_RDWR);
	if (fd < 0)
		return NULL;
	void **page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (page == MAP_FAILED)
		return NULL;
	page[7] = make_block(n);
	leaktrace_register_root_region(page, 4096);
	if (!keep_registered)
		leaktrace_unregister_root_region(page, 4096);
	return page;
}

static __attribute__((noinline)) void reused_after_free(void)
{
	void *q = make_block(32);
	leaktrace_ignore_object(q);
	free(q);
	void *r = make_block(32);
	printf("reused=%d\n", r == q);
}

int main(void)
{
	ignored_pair();
	disabled_region();
	root_region(300, 1);
	root_region(50, 0);
	reused_after_free();
	sink = NULL;
	const char *snap = leaktrace_snapshot();
	printf("active=%d snapshot=%s\n", leaktrace_active(), snap ? snap : "none");
	return 0;
}
