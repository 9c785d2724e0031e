/* The two calls every handle hook makes: record a descriptor that now
 * exists, forget one about to be released. Shared by the fd, socket,
 * stdio, io_uring and kqueue hook families. */
#ifndef LT_HHOOK_H
#define LT_HHOOK_H

#include <limits.h>

#include "../handle.h"
#include "../options.h"
#include "../vocab.h"
#include "../stack.h"
#include "hook.h"

/* libunwind's address-validation pipe (hooks/fd.c's pipe2): two numbers no
 * descriptor can have. The kernel keeps every descriptor below fs.nr_open,
 * whose ceiling is INT_MAX rounded down to a multiple of BITS_PER_LONG
 * (fs/file.c, sysctl_nr_open_max), so read() on them fails with EBADF. */
#define LT_UNW_PIPE_RD (INT_MAX - 1)
#define LT_UNW_PIPE_WR INT_MAX

/* A tracking section for a resource the program creates or releases
 * (enabled: its track_* option; tracing on, the guard and the handle lock
 * free): 1 with the guard held and errno saved, to be closed with
 * LT_TRACK_END (lt_hh_end), or 0. With sid, the call's stack is captured
 * too. The one entry of every handle, thread, child and mapping hook. */
static inline int lt_hh_track(int enabled, int *saved_errno, uint32_t *sid)
{
	if (!enabled || !lt_tracing() || lt_handle_held)
		return 0;
	if (!LT_TRACK_BEGIN(*saved_errno))
		return 0;
	if (sid)
		*sid = lt_stack_capture();
	return 1;
}

/* Descriptor fd now exists with this kind. Outside the tracer: captured
 * with its stack. Inside the tracer's own work (the guard is held: libdw
 * opening an ELF file, say): marked as the tracer's so reconciliation never
 * reports it. errno is kept. */
static inline void lt_hh_created(int fd, int kind)
{
	if (fd < 0 || lt_handle_held)
		return;
	int e;
	if (lt_guard_depth) {
		/* even before tracing starts: what the tracer opens during
		 * the constructor must not look inherited to the start-up
		 * scan */
		e = errno;
		lt_handle_fd_add(fd, LT_HK_TRACER, 0);
		errno = e;
		return;
	}
	uint32_t sid;
	if (lt_hh_track(lt_opt.track_fds, &e, &sid)) {
		lt_handle_fd_add(fd, kind, sid);
		LT_TRACK_END(e);
	}
}

/* Descriptor fd is about to be released (forget before release: the
 * number can be reused by another thread the moment it is closed). */
static inline void lt_hh_forget(int fd)
{
	if (fd < 0 || !lt_tracing() || lt_handle_held)
		return;
	int e = errno;
	lt_handle_fd_forget(fd);
	errno = e;
}

/* A stack for a handle that is not a descriptor (a registered buffer, a
 * kevent filter); 0 when tracking is not possible here. Pair with
 * lt_hh_end when it returned 1. */
static inline int lt_hh_begin(int *saved_errno, uint32_t *sid)
{
	return lt_hh_track(lt_opt.track_fds, saved_errno, sid);
}

static inline void lt_hh_end(int saved_errno)
{
	LT_TRACK_END(saved_errno);
}

/* popen (hooks/stdio.c) and its child (hooks/proc.c): the stack of the
 * popen call and this thread's children before it (NULL when the child is
 * not traced); then, once popen returned a stream on fd (-1: it failed),
 * the one new child is recorded with that stack, the stream and cmd. */
char *lt_hook_popen_before(uint32_t *sid);
void lt_hook_popen_after(char *before, uint32_t sid, int fd, const char *cmd);
/* pclose is about to reap the child of the stream on fd. */
void lt_hook_pclose(int fd);

/* io_uring (hooks/uring.c), shared with the syscall() hook: non-zero
 * inside a liburing hook, where inner hooks only pass through. */
extern LT_TLS int lt_hook_in_uring;
/* A successful io_uring_setup returned fd (or a failure, ignored). */
void lt_hook_uring_setup(long fd);
/* An io_uring_register(fd, op, arg, nr) call returned ret. */
void lt_hook_uring_register(int fd, unsigned op, const void *arg, unsigned nr, long ret);

#endif
