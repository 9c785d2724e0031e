/* Hooks for io_uring through liburing: rings (io_uring_queue_init,
 * io_uring_queue_init_params, io_uring_queue_exit, io_uring_setup),
 * registered buffers (register/unregister, tagged, sparse, updates, buffer
 * rings) and registered files (register/unregister/update, tagged, sparse),
 * plus liburing's raw io_uring_register. The decoding of a raw register
 * call is shared with the syscall() hook (hooks/syscall.c).
 *
 * liburing makes its system calls with inline instructions and
 * io_uring_queue_exit closes the ring descriptor itself, so the descriptor
 * hooks never see a ring: these hooks keep the fd table right. A liburing
 * function that calls another exported one (or libc's syscall()) must not
 * be counted twice: the outermost hook sets lt_hook_in_uring and inner
 * hooks only pass through. */
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#if __has_include(<liburing.h>)
#include <liburing.h>
#define HAVE_LIBURING_H 1
#else
#include <linux/io_uring.h>
#endif

#include "hhook.h"

#ifndef IORING_RSRC_REGISTER_SPARSE
#define IORING_RSRC_REGISTER_SPARSE (1U << 0)
#endif
#ifndef IORING_REGISTER_USE_REGISTERED_RING
#define IORING_REGISTER_USE_REGISTERED_RING (1U << 31)
#endif
/* sizeof(struct io_uring_buf): one buffer-ring entry */
#define BUF_RING_ENTRY 16u

LT_TLS int lt_hook_in_uring;

/* ---- the table updates, shared by both paths ------------------------- */

static void ring_created(int fd)
{
	lt_hh_created(fd, LT_KIND_IO_URING_RING);
}

static void set_bufs(int ring, unsigned off, const struct iovec *iov, unsigned nr, int update,
		     uint32_t sid)
{
	for (unsigned i = 0; i < nr; i++) {
		if (!iov[i].iov_base && !iov[i].iov_len) {
			if (update)   /* an empty iovec in an update empties the slot */
				lt_handle_rsrc_clear(ring, LT_RSRC_BUFFER, off + i);
			continue;
		}
		lt_handle_rsrc_set(ring, LT_RSRC_BUFFER, off + i, (uintptr_t)iov[i].iov_base,
				   iov[i].iov_len, -1, sid);
	}
}

static void set_files(int ring, unsigned off, const int *files, unsigned nr, int update,
		      uint32_t sid)
{
	for (unsigned i = 0; i < nr; i++) {
		if (files[i] == IORING_REGISTER_FILES_SKIP)
			continue;
		if (files[i] < 0) {
			if (update)
				lt_handle_rsrc_clear(ring, LT_RSRC_FILE, off + i);
			continue;
		}
		lt_handle_rsrc_set(ring, LT_RSRC_FILE, off + i, 0, 0, files[i], sid);
	}
}

static void set_buf_ring(int ring, const struct io_uring_buf_reg *reg, uint32_t sid)
{
	lt_handle_rsrc_set(ring, LT_RSRC_BUFRING, reg->bgid, (uintptr_t)reg->ring_addr,
			   (uint64_t)reg->ring_entries * BUF_RING_ENTRY, -1, sid);
}

/* Releases happen after a successful call: registrations are not numbers
 * the kernel can hand to another thread, so there is no reuse race. */
static int is_release(unsigned op)
{
	return op == IORING_UNREGISTER_BUFFERS || op == IORING_UNREGISTER_FILES ||
	       op == IORING_UNREGISTER_PBUF_RING;
}

/* A raw io_uring_register(fd, op, arg, nr) that returned ret: apply it to
 * the tables. Called after the call (liburing's io_uring_register, or the
 * syscall() hook). */
void lt_hook_uring_register(int fd, unsigned op, const void *arg, unsigned nr, long ret)
{
	if (ret < 0 || fd < 0 || (op & IORING_REGISTER_USE_REGISTERED_RING))
		return;   /* failed, or fd is an index into registered rings */
	int e;
	uint32_t sid = 0;
	if (is_release(op)) {
		if (!lt_tracing() || lt_handle_held)
			return;
		e = errno;
		if (op == IORING_UNREGISTER_BUFFERS)
			lt_handle_rsrc_clear_all(fd, LT_RSRC_BUFFER);
		else if (op == IORING_UNREGISTER_FILES)
			lt_handle_rsrc_clear_all(fd, LT_RSRC_FILE);
		else if (arg)
			lt_handle_rsrc_clear(fd, LT_RSRC_BUFRING,
					     ((const struct io_uring_buf_reg *)arg)->bgid);
		errno = e;
		return;
	}
	if (!arg)
		return;
	switch (op) {
	case IORING_REGISTER_BUFFERS:
	case IORING_REGISTER_BUFFERS2:
	case IORING_REGISTER_BUFFERS_UPDATE:
	case IORING_REGISTER_FILES:
	case IORING_REGISTER_FILES2:
	case IORING_REGISTER_FILES_UPDATE:
	case IORING_REGISTER_FILES_UPDATE2:
	case IORING_REGISTER_PBUF_RING:
		break;
	default:
		return;
	}
	if (!lt_hh_begin(&e, &sid))
		return;
	const struct io_uring_rsrc_register *rr = arg;
	const struct io_uring_rsrc_update2 *u2 = arg;
	const struct io_uring_rsrc_update *u1 = arg;
	switch (op) {
	case IORING_REGISTER_BUFFERS:
		set_bufs(fd, 0, arg, nr, 0, sid);
		break;
	case IORING_REGISTER_BUFFERS2:
		if (!(rr->flags & IORING_RSRC_REGISTER_SPARSE) && rr->data)
			set_bufs(fd, 0, (const struct iovec *)(uintptr_t)rr->data, rr->nr, 0, sid);
		break;
	case IORING_REGISTER_BUFFERS_UPDATE:
		if (u2->data)
			set_bufs(fd, u2->offset, (const struct iovec *)(uintptr_t)u2->data,
				 (unsigned)ret < u2->nr ? (unsigned)ret : u2->nr, 1, sid);
		break;
	case IORING_REGISTER_FILES:
		set_files(fd, 0, arg, nr, 0, sid);
		break;
	case IORING_REGISTER_FILES2:
		if (!(rr->flags & IORING_RSRC_REGISTER_SPARSE) && rr->data)
			set_files(fd, 0, (const int *)(uintptr_t)rr->data, rr->nr, 0, sid);
		break;
	case IORING_REGISTER_FILES_UPDATE:
		if (u1->data)
			set_files(fd, u1->offset, (const int *)(uintptr_t)u1->data,
				  (unsigned)ret < nr ? (unsigned)ret : nr, 1, sid);
		break;
	case IORING_REGISTER_FILES_UPDATE2:
		if (u2->data)
			set_files(fd, u2->offset, (const int *)(uintptr_t)u2->data,
				  (unsigned)ret < u2->nr ? (unsigned)ret : u2->nr, 1, sid);
		break;
	case IORING_REGISTER_PBUF_RING:
		set_buf_ring(fd, arg, sid);
		break;
	}
	lt_hh_end(e);
}

void lt_hook_uring_setup(long fd)
{
	if (fd >= 0)
		ring_created((int)fd);
}

#ifdef HAVE_LIBURING_H

/* ---- liburing's exported functions ---------------------------------------- */

/* Run the real liburing call with inner hooks passing through. */
#define INNER(expr)                                                            	({                                                                     		int outer_ = !lt_hook_in_uring;                                		lt_hook_in_uring++;                                            		__typeof__(expr) r_ = (expr);                                  		lt_hook_in_uring--;                                            		(void)outer_;                                                  		r_;                                                            	})

#define TRACKING() (!lt_hook_in_uring)

/* A liburing call that sets up ring: the ring's descriptor is created. */
#define UR_RING_INIT(name, args)                                               \
	LT_REAL_OR_ENOSYS(name, -ENOSYS);                                      \
	int track = TRACKING();                                                \
	int r = INNER(lt_real.name args);                                      \
	if (r == 0 && track)                                                   \
		ring_created(ring->ring_fd);                                   \
	return r

LT_EXPORT int io_uring_queue_init(unsigned entries, struct io_uring *ring, unsigned flags)
{
	UR_RING_INIT(io_uring_queue_init, (entries, ring, flags));
}

LT_EXPORT int io_uring_queue_init_params(unsigned entries, struct io_uring *ring,
					 struct io_uring_params *p)
{
	UR_RING_INIT(io_uring_queue_init_params, (entries, ring, p));
}

/* io_uring_queue_exit closes the ring descriptor itself (never through
 * close()): forget the ring, its buffers and its files first. */
LT_EXPORT void io_uring_queue_exit(struct io_uring *ring)
{
	if (!lt_hook_ready() || !lt_real.io_uring_queue_exit)
		return;
	if (TRACKING())
		lt_hh_forget(ring->ring_fd);
	lt_hook_in_uring++;
	lt_real.io_uring_queue_exit(ring);
	lt_hook_in_uring--;
}

LT_EXPORT int io_uring_setup(unsigned int entries, struct io_uring_params *p)
{
	LT_REAL_OR_ENOSYS(io_uring_setup, -ENOSYS);
	int track = TRACKING();
	int r = INNER(lt_real.io_uring_setup(entries, p));
	if (track)
		lt_hook_uring_setup(r);
	return r;
}

LT_EXPORT int io_uring_register(unsigned int fd, unsigned int op, const void *arg,
				unsigned int nr)
{
	LT_REAL_OR_ENOSYS(io_uring_register, -ENOSYS);
	int track = TRACKING();
	int r = INNER(lt_real.io_uring_register(fd, op, arg, nr));
	if (track)
		lt_hook_uring_register((int)fd, op, arg, nr, r);
	return r;
}

/* liburing's wrappers return 0 or -errno (updates: how many changed). */
#define UR_BEGIN(name)                                                         	LT_REAL_OR_ENOSYS(name, -ENOSYS);                                      	int track_ = TRACKING()

/* A liburing wrapper that does what the raw io_uring_register(ring fd, op,
 * arg, nr) does: the real call with inner hooks passing through, then the
 * same table update (lt_hook_uring_register ignores a failed call). */
#define UR_AS_REGISTER(name, args, op, arg, nr)                               \
	UR_BEGIN(name);                                                        \
	int r = INNER(lt_real.name args);                                      \
	if (track_)                                                            \
		lt_hook_uring_register(ring->ring_fd, op, arg, nr, r);         \
	return r

/* The update wrappers: IORING_REGISTER_*_UPDATE2 with data at offset off. */
static void rsrc_update(struct io_uring *ring, unsigned op, unsigned off, const void *data,
			unsigned nr, int r)
{
	struct io_uring_rsrc_update2 u;
	memset(&u, 0, sizeof u);
	u.offset = off;
	u.data = (uintptr_t)data;
	u.nr = nr;
	lt_hook_uring_register(ring->ring_fd, op, &u, sizeof u, r);
}

#define UR_AS_UPDATE(name, args, op, off, data, nr)                           \
	UR_BEGIN(name);                                                        \
	int r = INNER(lt_real.name args);                                      \
	if (track_)                                                            \
		rsrc_update(ring, op, off, data, nr, r);                       \
	return r

#define TAGS(t) ((const unsigned long long *)(t))

LT_EXPORT int io_uring_register_buffers(struct io_uring *ring, const struct iovec *iov,
					unsigned nr)
{
	UR_AS_REGISTER(io_uring_register_buffers, (ring, iov, nr), IORING_REGISTER_BUFFERS, iov, nr);
}

LT_EXPORT int io_uring_register_buffers_tags(struct io_uring *ring, const struct iovec *iov,
					     const __u64 *tags, unsigned nr)
{
	UR_AS_REGISTER(io_uring_register_buffers_tags, (ring, iov, TAGS(tags), nr),
		       IORING_REGISTER_BUFFERS, iov, nr);
}

LT_EXPORT int io_uring_register_buffers_sparse(struct io_uring *ring, unsigned nr)
{
	UR_BEGIN(io_uring_register_buffers_sparse);
	(void)track_;   /* every slot empty: nothing registered yet */
	return INNER(lt_real.io_uring_register_buffers_sparse(ring, nr));
}

LT_EXPORT int io_uring_register_buffers_update_tag(struct io_uring *ring, unsigned off,
						   const struct iovec *iov, const __u64 *tags,
						   unsigned nr)
{
	UR_AS_UPDATE(io_uring_register_buffers_update_tag, (ring, off, iov, TAGS(tags), nr),
		     IORING_REGISTER_BUFFERS_UPDATE, off, iov, nr);
}

LT_EXPORT int io_uring_unregister_buffers(struct io_uring *ring)
{
	UR_AS_REGISTER(io_uring_unregister_buffers, (ring), IORING_UNREGISTER_BUFFERS, NULL, 0);
}

LT_EXPORT int io_uring_register_files(struct io_uring *ring, const int *files, unsigned nr)
{
	UR_AS_REGISTER(io_uring_register_files, (ring, files, nr), IORING_REGISTER_FILES, files, nr);
}

LT_EXPORT int io_uring_register_files_tags(struct io_uring *ring, const int *files,
					   const __u64 *tags, unsigned nr)
{
	UR_AS_REGISTER(io_uring_register_files_tags, (ring, files, TAGS(tags), nr),
		       IORING_REGISTER_FILES, files, nr);
}

LT_EXPORT int io_uring_register_files_sparse(struct io_uring *ring, unsigned nr)
{
	UR_BEGIN(io_uring_register_files_sparse);
	(void)track_;
	return INNER(lt_real.io_uring_register_files_sparse(ring, nr));
}

LT_EXPORT int io_uring_register_files_update(struct io_uring *ring, unsigned off,
					     const int *files, unsigned nr)
{
	UR_AS_UPDATE(io_uring_register_files_update, (ring, off, files, nr),
		     IORING_REGISTER_FILES_UPDATE2, off, files, nr);
}

LT_EXPORT int io_uring_register_files_update_tag(struct io_uring *ring, unsigned off,
						 const int *files, const __u64 *tags, unsigned nr)
{
	UR_AS_UPDATE(io_uring_register_files_update_tag, (ring, off, files, TAGS(tags), nr),
		     IORING_REGISTER_FILES_UPDATE2, off, files, nr);
}

LT_EXPORT int io_uring_unregister_files(struct io_uring *ring)
{
	UR_AS_REGISTER(io_uring_unregister_files, (ring), IORING_UNREGISTER_FILES, NULL, 0);
}

LT_EXPORT int io_uring_register_buf_ring(struct io_uring *ring, struct io_uring_buf_reg *reg,
					 unsigned int flags)
{
	UR_AS_REGISTER(io_uring_register_buf_ring, (ring, reg, flags),
		       IORING_REGISTER_PBUF_RING, reg, 1);
}

LT_EXPORT int io_uring_unregister_buf_ring(struct io_uring *ring, int bgid)
{
	struct io_uring_buf_reg reg;
	memset(&reg, 0, sizeof reg);
	reg.bgid = (__u16)bgid;
	UR_AS_REGISTER(io_uring_unregister_buf_ring, (ring, bgid),
		       IORING_UNREGISTER_PBUF_RING, &reg, 1);
}

#endif /* HAVE_LIBURING_H */
