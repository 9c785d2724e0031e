/* Descriptor leaks through pipe, dup, dup2 and fcntl(F_DUPFD):
 *  - make_pipe: pipe(), the write end closed, the read end leaked (1 fd)
 *  - dup_it: dup() of /dev/null, the original closed, the copy leaked (1 fd)
 *  - dup2_over: dup2(a, b) onto an open b (implicit close of the old b),
 *    then a closed: b leaked, created by dup2 (1 fd)
 *  - fcntl_dup: fcntl(F_DUPFD_CLOEXEC) copy leaked (1 fd)
 * Four leaked descriptors, four call sites. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static volatile int sink;

static __attribute__((noinline)) int make_pipe(void)
{
	int p[2];
	if (pipe(p))
		return -1;
	sink = p[0];
	close(p[1]);
	return p[0];
}

static __attribute__((noinline)) int dup_it(void)
{
	int fd = open("/dev/null", O_RDONLY);
	int d = dup(fd);
	sink = d;
	close(fd);
	return d;
}

static __attribute__((noinline)) int dup2_over(void)
{
	int a = open("/dev/null", O_RDONLY);
	int b = open("/dev/zero", O_RDONLY);
	int r = dup2(a, b);
	sink = r;
	close(a);
	return r;
}

static __attribute__((noinline)) int fcntl_dup(void)
{
	int fd = open("/dev/null", O_RDONLY);
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 20);
	sink = d;
	close(fd);
	return d;
}

int main(void)
{
	int a = make_pipe(), b = dup_it(), c = dup2_over(), d = fcntl_dup();
	printf("%d %d %d %d\n", a, b, c, d);
	return 0;
}
