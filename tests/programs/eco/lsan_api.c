/* LeakSanitizer's interface as annotated code declares it (weak, so the
 * program also runs without any sanitizer or tracer), used under the shim.
 *
 * Under the shim (what the e2e test asserts):
 *   100 B passed to __lsan_ignore_object: still reachable
 *   200 B allocated between __lsan_disable/__lsan_enable: still reachable
 *   300 B pointed to only from a registered mmap'ed region: still reachable
 *    16 B held by a global at the first recoverable check (no leak: 0),
 *         dropped before the second (leak: 1)
 *    32 B dropped before __lsan_do_leak_check: definitely lost; with the
 *         gate on (exitcode=23) the process ends there with status 23
 *    64 B dropped after __lsan_do_leak_check: never reported (LSan: the
 *         check at exit does not run after __lsan_do_leak_check)
 * The leak check reports definitely lost 48 bytes in 2 blocks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void __lsan_ignore_object(const void *p) __attribute__((weak));
void __lsan_disable(void) __attribute__((weak));
void __lsan_enable(void) __attribute__((weak));
void __lsan_do_leak_check(void) __attribute__((weak));
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));
void __lsan_register_root_region(const void *p, size_t size) __attribute__((weak));
void __lsan_unregister_root_region(const void *p, size_t size) __attribute__((weak));

static void *volatile sink;
static void *volatile hold;

static __attribute__((noinline)) void *lsan_block(size_t n)
{
	void *p = malloc(n);
	memset(p, 0x5a, n);
	sink = p;
	return p;
}

static __attribute__((noinline)) void annotated(void)
{
	if (__lsan_ignore_object)
		__lsan_ignore_object(lsan_block(100));
	if (__lsan_disable)
		__lsan_disable();
	lsan_block(200);
	if (__lsan_enable)
		__lsan_enable();
	void **page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page != MAP_FAILED) {
		page[3] = lsan_block(300);
		if (__lsan_register_root_region)
			__lsan_register_root_region(page, 4096);
	}
}

static __attribute__((noinline)) void drop_block(size_t n)
{
	lsan_block(n);
}

int main(void)
{
	int have = __lsan_do_leak_check != NULL;
	annotated();
	hold = lsan_block(16);
	sink = NULL;
	int rec1 = have ? __lsan_do_recoverable_leak_check() : 0;
	hold = NULL;
	int rec2 = have ? __lsan_do_recoverable_leak_check() : 0;
	printf("lsan=%d rec1=%d rec2=%d\n", have, rec1, rec2);
	fflush(stdout);
	drop_block(32);
	sink = NULL;
	if (have)
		__lsan_do_leak_check();
	drop_block(64);
	sink = NULL;
	printf("after check\n");
	return 0;
}
