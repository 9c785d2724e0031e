/* Prints the errno (and result) a program sees after interposed calls:
 * allocation failures (ENOMEM), successful calls that must leave errno
 * alone, free() preserving errno, a failing open (ENOENT), a bad
 * posix_memalign alignment (EINVAL returned, errno untouched). The output
 * must be identical with and without the shim. Leaks nothing. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <malloc.h>

/* the point is to make these calls fail */
#pragma GCC diagnostic ignored "-Walloc-size-larger-than="
#pragma GCC diagnostic ignored "-Wuse-after-free"

#define SHOW(label) printf("%s errno=%s\n", label, strerrorname_np(errno) ? strerrorname_np(errno) : "0")

int main(void)
{
	void *volatile p;
	errno = 0;
	p = malloc(SIZE_MAX / 2);
	printf("malloc huge %s ", p ? "ptr" : "NULL");
	SHOW("");
	errno = 0;
	p = calloc(SIZE_MAX / 4, 8);
	printf("calloc overflow %s ", p ? "ptr" : "NULL");
	SHOW("");
	errno = 0;
	p = calloc(SIZE_MAX / 32, 8);
	printf("calloc huge %s ", p ? "ptr" : "NULL");
	SHOW("");
	void *q = malloc(32);
	errno = 0;
	p = realloc(q, SIZE_MAX / 2);
	printf("realloc huge %s ", p ? "ptr" : "NULL");
	SHOW("");
	errno = 0;
	p = reallocarray(q, SIZE_MAX / 4, 8);
	printf("reallocarray overflow %s ", p ? "ptr" : "NULL");
	SHOW("");
	free(q);

	errno = EBADF;
	p = malloc(100);
	SHOW("malloc ok keeps");
	errno = EINTR;
	free(p);
	SHOW("free keeps");
	errno = EAGAIN;
	free(NULL);
	SHOW("free(NULL) keeps");
	errno = EPERM;
	p = calloc(10, 10);
	q = realloc(p, 4000);
	SHOW("calloc+realloc ok keep");
	errno = ENOSPC;
	free(q);
	SHOW("free after realloc keeps");

	errno = 0;
	void *a = NULL;
	int rc = posix_memalign(&a, 3, 64);
	printf("posix_memalign bad align rc=%s ", strerrorname_np(rc) ? strerrorname_np(rc) : "0");
	SHOW("");
	errno = 0;
	p = aligned_alloc(64, SIZE_MAX / 2);
	printf("aligned_alloc huge %s ", p ? "ptr" : "NULL");
	SHOW("");
	errno = 0;
	p = memalign(4096, SIZE_MAX / 2);
	printf("memalign huge %s ", p ? "ptr" : "NULL");
	SHOW("");

	errno = 0;
	int fd = open("/nonexistent/leaktrace-errno", O_RDONLY);
	printf("open missing fd=%d ", fd);
	SHOW("");
	errno = 0;
	FILE *f = fopen("/nonexistent/leaktrace-errno", "r");
	printf("fopen missing %s ", f ? "FILE" : "NULL");
	SHOW("");
	errno = 0;
	rc = close(12345);
	printf("close bad rc=%d ", rc);
	SHOW("");
	errno = ERANGE;
	fd = open("/dev/null", O_RDONLY);
	SHOW("open ok keeps");
	errno = EDOM;
	close(fd);
	SHOW("close ok keeps");
	return 0;
}
