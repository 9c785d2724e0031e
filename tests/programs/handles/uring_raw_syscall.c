/* io_uring without liburing, through libc's syscall(): a ring set up with
 * __NR_io_uring_setup and one buffer registered with
 * __NR_io_uring_register, never released (one io_uring_ring, one
 * io_uring_buffer of 4096 bytes). Also checks that syscall() passes other
 * numbers through with their result and errno. */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static char buf[4096] __attribute__((aligned(4096)));
static volatile long sink;

static __attribute__((noinline)) int raw_setup(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	long fd = syscall(__NR_io_uring_setup, 4, &p);
	sink = fd;
	return (int)fd;
}

static __attribute__((noinline)) long raw_register(int fd)
{
	struct iovec iov = { buf, sizeof buf };
	long r = syscall(__NR_io_uring_register, fd, IORING_REGISTER_BUFFERS, &iov, 1);
	sink = r;
	return r;
}

int main(void)
{
	if (syscall(SYS_getpid) != getpid())
		return 2;
	errno = 0;
	if (syscall(SYS_close, -1) != -1 || errno != EBADF)
		return 3;
	int fd = raw_setup();
	if (fd < 0) {
		fprintf(stderr, "io_uring_setup: %s\n", strerror(errno));
		return 77;
	}
	if (raw_register(fd))
		return 1;
	puts("raw ring left open");
	return 0;
}
