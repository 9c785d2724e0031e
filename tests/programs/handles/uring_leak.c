/* An io_uring ring that is never exited, with two registered buffers
 * (4096 and 8192 bytes, static so no heap block is involved) and one
 * registered file: one io_uring_ring, two io_uring_buffer (12288 bytes),
 * one io_uring_file; the registered pipe's read end was closed by the
 * program (the ring still holds the file), the write end is closed too. */
#include <liburing.h>
#include <stdio.h>
#include <sys/uio.h>
#include <unistd.h>

static char buf_a[4096] __attribute__((aligned(4096)));
static char buf_b[8192] __attribute__((aligned(4096)));
static struct io_uring ring;

static __attribute__((noinline)) int setup_ring(void)
{
	int r = io_uring_queue_init(8, &ring, 0);
	if (r == 0)
		buf_a[0] = 1;
	return r;
}

static __attribute__((noinline)) int register_bufs(void)
{
	struct iovec iov[2] = { { buf_a, sizeof buf_a }, { buf_b, sizeof buf_b } };
	int r = io_uring_register_buffers(&ring, iov, 2);
	buf_b[0] = 1;
	return r;
}

static __attribute__((noinline)) int register_file(int fd)
{
	int r = io_uring_register_files(&ring, &fd, 1);
	buf_b[1] = 1;
	return r;
}

int main(void)
{
	int r = setup_ring();
	if (r < 0) {
		fprintf(stderr, "io_uring_queue_init: %d\n", r);
		return 77;
	}
	int p[2];
	if (pipe(p))
		return 1;
	if (register_bufs() || register_file(p[0]))
		return 1;
	close(p[0]);
	close(p[1]);
	puts("ring left open");
	return 0;
}
