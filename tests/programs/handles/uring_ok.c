/* A correct io_uring program: ring, registered buffers (updated once),
 * registered files (updated once), a buffer ring, a NOP round trip, then
 * everything unregistered and the ring exited. Zero handles. */
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
	struct io_uring ring;
	int r = io_uring_queue_init(8, &ring, 0);
	if (r < 0) {
		fprintf(stderr, "io_uring_queue_init: %d\n", r);
		return 77;
	}
	char *a = malloc(4096), *b = malloc(4096);
	struct iovec iov[2] = { { a, 4096 }, { b, 4096 } };
	if (io_uring_register_buffers(&ring, iov, 2))
		return 1;
	struct iovec upd = { b, 2048 };
	__u64 tag = 0;
	if (io_uring_register_buffers_update_tag(&ring, 0, &upd, &tag, 1) < 0)
		return 1;
	int p[2];
	if (pipe(p))
		return 1;
	int files[2] = { p[0], -1 };
	if (io_uring_register_files(&ring, files, 2))
		return 1;
	int upf = p[1];
	if (io_uring_register_files_update(&ring, 1, &upf, 1) < 0)
		return 1;
	struct io_uring_buf_ring *br = NULL;
	if (posix_memalign((void **)&br, 4096, 4096) == 0) {
		struct io_uring_buf_reg reg = { .ring_addr = (unsigned long)br, .ring_entries = 8, .bgid = 3 };
		if (io_uring_register_buf_ring(&ring, &reg, 0) == 0)
			io_uring_unregister_buf_ring(&ring, 3);
	}
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_submit(&ring);
	struct io_uring_cqe *cqe;
	if (io_uring_wait_cqe(&ring, &cqe) == 0)
		io_uring_cqe_seen(&ring, cqe);
	io_uring_unregister_files(&ring);
	io_uring_unregister_buffers(&ring);
	io_uring_queue_exit(&ring);
	close(p[0]);
	close(p[1]);
	free(a);
	free(b);
	free(br);
	puts("ring exited");
	return 0;
}
