/* free() of a buffer that is still registered with an io_uring ring: the
 * tracer reports it at once on stderr, with the free's stack
 * (release_early) and the registering one (register_heap_buf). The ring is
 * then exited properly: zero handles at exit. */
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/uio.h>

static struct io_uring ring;
static volatile int sink;

static __attribute__((noinline)) int register_heap_buf(char *p)
{
	struct iovec iov = { p, 4096 };
	int r = io_uring_register_buffers(&ring, &iov, 1);
	sink = r;
	return r;
}

static __attribute__((noinline)) void release_early(char *p)
{
	free(p);      /* still registered: the kernel may write into it */
	sink = 1;
}

int main(void)
{
	int r = io_uring_queue_init(4, &ring, 0);
	if (r < 0) {
		fprintf(stderr, "io_uring_queue_init: %d\n", r);
		return 77;
	}
	char *p = malloc(4096);
	if (register_heap_buf(p))
		return 1;
	release_early(p);
	io_uring_queue_exit(&ring);
	puts("done");
	return 0;
}
