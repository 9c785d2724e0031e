/* Hooks for descriptor-creating and -closing calls: open/openat/creat (and
 * their 64-bit and _FORTIFY_SOURCE names), pipe, pipe2, dup, dup2, dup3,
 * fcntl F_DUPFD/F_DUPFD_CLOEXEC, epoll_create(1), eventfd, timerfd_create,
 * signalfd, inotify_init(1), memfd_create, close, close_range, closefrom.
 *
 * open, openat and fcntl are variadic: the optional argument is read only
 * when the call needs it (O_CREAT / O_TMPFILE; every fcntl command takes
 * at most one word, so fcntl reads one, as glibc's own fcntl does). */
#undef _FORTIFY_SOURCE
/* meson builds with _FILE_OFFSET_BITS=64, which renames open to open64 in
 * the headers: both names are hooked here, each under its own name */
#undef _FILE_OFFSET_BITS
#include <fcntl.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "../stderr.h"
#include "../sys.h"
#include "hhook.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static inline int needs_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

#define FAIL_IF_UNRESOLVED(name) LT_REAL_OR_ENOSYS(name, -1)

/* A call that returns a new descriptor (or -1), traced as kind "fd". */
#define SIMPLE_HOOK(name, params, args)                                        \
	LT_EXPORT int name params                                              \
	{                                                                      \
		FAIL_IF_UNRESOLVED(name);                                      \
		int fd = lt_real.name args;                                    \
		lt_hh_created(fd, LT_KIND_FD);                                 \
		return fd;                                                     \
	}

/* ---- open family --------------------------------------------------------- */

/* One hook of the open family: params is its parameter list (ending in
 * flags, ...), args the call of the real function; the mode argument is
 * read only when flags create a file, as open(2) reads it. */
#define OPEN_FAMILY_HOOK(name, params, args)                                  \
	LT_EXPORT int name params                                              \
	{                                                                      \
		mode_t mode = 0;                                               \
		if (needs_mode(flags)) {                                       \
			va_list ap;                                            \
			va_start(ap, flags);                                   \
			mode = va_arg(ap, mode_t);                             \
			va_end(ap);                                            \
		}                                                              \
		FAIL_IF_UNRESOLVED(name);                                      \
		int fd = lt_real.name args;                                    \
		lt_hh_created(fd, LT_KIND_FD);                                 \
		return fd;                                                     \
	}

#define OPEN_HOOK(name)                                                        \
	OPEN_FAMILY_HOOK(name, (const char *path, int flags, ...), (path, flags, mode))
#define OPENAT_HOOK(name)                                                      \
	OPEN_FAMILY_HOOK(name, (int dirfd, const char *path, int flags, ...),   \
			 (dirfd, path, flags, mode))

OPEN_HOOK(open)
OPEN_HOOK(open64)
OPENAT_HOOK(openat)
OPENAT_HOOK(openat64)

/* What _FORTIFY_SOURCE builds call for open(path, flags) without a mode. */
SIMPLE_HOOK(__open_2, (const char *path, int flags), (path, flags))
SIMPLE_HOOK(__open64_2, (const char *path, int flags), (path, flags))
SIMPLE_HOOK(__openat_2, (int dirfd, const char *path, int flags), (dirfd, path, flags))
SIMPLE_HOOK(__openat64_2, (int dirfd, const char *path, int flags), (dirfd, path, flags))
SIMPLE_HOOK(creat, (const char *path, mode_t mode), (path, mode))
SIMPLE_HOOK(creat64, (const char *path, mode_t mode), (path, mode))

/* ---- pipes and duplicates ------------------------------------------------ */

LT_EXPORT int pipe(int fds[2])
{
	FAIL_IF_UNRESOLVED(pipe);
	int r = lt_real.pipe(fds);
	if (r == 0) {
		lt_hh_created(fds[0], LT_KIND_FD);
		lt_hh_created(fds[1], LT_KIND_FD);
	}
	return r;
}

/* libunwind's address-validation pipe. libunwind 1.6 (src/x86_64/Ginit.c)
 * validates an address it is about to read, when a frame has no unwind
 * information and it falls back to frame-pointer heuristics, by writing one
 * byte from it into a private pipe: read(pipe[0]) first (EAGAIN: the pipe is
 * fine), pipe2(O_CLOEXEC | O_NONBLOCK) again after closing both ends when that
 * read fails otherwise, then syscall(SYS_write, pipe[1], addr, 1). A real
 * pipe is two descriptors the program can see: a child that fstat()s every
 * number below sysconf(_SC_OPEN_MAX) lists them (CPython's
 * test_subprocess.test_pass_fds_redirected), a program that closes every
 * descriptor closes them, one that lowers RLIMIT_NOFILE loses them.
 *
 * So the tracer opens none: a pipe2 with libunwind's flags made inside the
 * tracer's own work (the guard is held: libunwind runs nowhere else in the
 * shim, and the shim itself never makes a pipe) gets LT_UNW_PIPE_RD/WR,
 * numbers the kernel never hands out. libunwind's read() of the first fails
 * with EBADF, so it calls close() on both (ignored below) and pipe2() again
 * (these numbers again, no system call), and the syscall() hook
 * (hooks/syscall.c) answers the write to the second itself. */
LT_EXPORT int pipe2(int fds[2], int flags)
{
	if (lt_guard_depth && !lt_handle_held && flags == (O_CLOEXEC | O_NONBLOCK)) {
		fds[0] = LT_UNW_PIPE_RD;
		fds[1] = LT_UNW_PIPE_WR;
		return 0;
	}
	FAIL_IF_UNRESOLVED(pipe2);
	int r = lt_real.pipe2(fds, flags);
	if (r == 0) {
		lt_hh_created(fds[0], LT_KIND_FD);
		lt_hh_created(fds[1], LT_KIND_FD);
	}
	return r;
}

/* A duplicate of a socket is a socket; of anything else, a descriptor. */
static int dup_kind(int oldfd)
{
	lt_fdrec_t rec;
	if (!lt_tracing() || lt_handle_held)
		return LT_KIND_FD;
	if (lt_handle_fd_get(oldfd, &rec) && rec.kind == LT_KIND_SOCKET)
		return LT_KIND_SOCKET;
	return LT_KIND_FD;
}

LT_EXPORT int dup(int oldfd)
{
	FAIL_IF_UNRESOLVED(dup);
	int fd = lt_real.dup(oldfd);
	if (fd >= 0)
		lt_hh_created(fd, dup_kind(oldfd));
	return fd;
}

/* dup2/dup3 close newfd atomically when it is open: recording the new
 * descriptor replaces whatever the slot held (and releases what hung off
 * it), which is exactly that implicit close. newfd cannot be handed to
 * another thread in between: it stays open throughout. */
LT_EXPORT int dup2(int oldfd, int newfd)
{
	FAIL_IF_UNRESOLVED(dup2);
	if (newfd == 2 && oldfd != 2)
		lt_stderr_keep();
	int fd = lt_real.dup2(oldfd, newfd);
	if (fd >= 0 && oldfd != newfd)
		lt_hh_created(fd, dup_kind(oldfd));
	return fd;
}

LT_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	FAIL_IF_UNRESOLVED(dup3);
	if (newfd == 2 && oldfd != 2)
		lt_stderr_keep();
	int fd = lt_real.dup3(oldfd, newfd, flags);
	if (fd >= 0)
		lt_hh_created(fd, dup_kind(oldfd));
	return fd;
}

#define FCNTL_HOOK(name)                                                       \
	LT_EXPORT int name(int fd, int cmd, ...)                               \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, cmd);                                             \
		void *arg = va_arg(ap, void *);                                \
		va_end(ap);                                                    \
		FAIL_IF_UNRESOLVED(name);                                      \
		int r = lt_real.name(fd, cmd, arg);                            \
		if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))      \
			lt_hh_created(r, dup_kind(fd));                        \
		return r;                                                      \
	}

FCNTL_HOOK(fcntl)
FCNTL_HOOK(fcntl64)

/* ---- special descriptors ----------------------------------------------------- */

SIMPLE_HOOK(epoll_create, (int size), (size))
SIMPLE_HOOK(epoll_create1, (int flags), (flags))
SIMPLE_HOOK(eventfd, (unsigned int initval, int flags), (initval, flags))
SIMPLE_HOOK(timerfd_create, (int clockid, int flags), (clockid, flags))
SIMPLE_HOOK(inotify_init, (void), ())
SIMPLE_HOOK(inotify_init1, (int flags), (flags))
SIMPLE_HOOK(memfd_create, (const char *name, unsigned int flags), (name, flags))

/* signalfd(-1, ...) creates a descriptor; signalfd(fd, ...) changes fd's
 * mask and returns fd, which is already tracked. */
LT_EXPORT int signalfd(int fd, const sigset_t *mask, int flags)
{
	FAIL_IF_UNRESOLVED(signalfd);
	int r = lt_real.signalfd(fd, mask, flags);
	if (fd == -1)
		lt_hh_created(r, LT_KIND_FD);
	return r;
}

/* ---- release --------------------------------------------------------------- */

LT_EXPORT int close(int fd)
{
	/* libunwind closing its validation "pipe" (see pipe2): nothing is open */
	if (LT_UNLIKELY(fd >= LT_UNW_PIPE_RD) && lt_guard_depth)
		return 0;
	if (LT_UNLIKELY(!lt_hook_ready() || !lt_real.close)) {
		/* inside dlsym at start: close it raw, as close(2) would */
		int r = lt_sys_close(fd);
		if (r < 0) {
			errno = -r;
			return -1;
		}
		return 0;
	}
	/* A program thread that closes every descriptor it did not open
	 * (daemons do) while a report runs would close the files libdw has
	 * open for it; libdw would then read whatever reuses the number. The
	 * descriptor is the tracer's, never the program's: leave it open and
	 * report success. */
	if (fd == 2)
		lt_stderr_keep();
	else if (fd >= 3 && fd == lt_stderr_kept())
		return 0;      /* the report's stream (see below) */
	lt_fdrec_t rec;
	if (!lt_guard_depth && lt_tracing() && lt_handle_fd_get(fd, &rec) &&
	    rec.kind == LT_HK_TRACER)
		return 0;
	lt_hh_forget(fd);
	return lt_real.close(fd);
}

LT_EXPORT int close_range(unsigned int lo, unsigned int hi, int flags)
{
	FAIL_IF_UNRESOLVED(close_range);
	/* CLOSE_RANGE_CLOEXEC only marks them close-on-exec */
	if (!(flags & CLOSE_RANGE_CLOEXEC) && lo <= hi && lt_tracing() && !lt_handle_held) {
		int e = errno;
		lt_handle_fd_forget_range(lo, hi);
		errno = e;
	}
	if (!(flags & CLOSE_RANGE_CLOEXEC) && lo <= 2 && hi >= 2)
		lt_stderr_keep();
	/* the kept stderr stays open: close around it */
	int k = lt_stderr_kept();
	if (!(flags & CLOSE_RANGE_CLOEXEC) && k >= 3 && lo <= (unsigned)k && hi >= (unsigned)k) {
		int r = 0;
		if (lo < (unsigned)k)
			r = lt_real.close_range(lo, (unsigned)k - 1, flags);
		if (r == 0 && hi > (unsigned)k)
			r = lt_real.close_range((unsigned)k + 1, hi, flags);
		return r;
	}
	return lt_real.close_range(lo, hi, flags);
}

LT_EXPORT void closefrom(int lo)
{
	if (!lt_hook_ready() || !lt_real.closefrom)
		return;
	if (lo >= 0 && lt_tracing() && !lt_handle_held) {
		int e = errno;
		lt_handle_fd_forget_range((unsigned)lo, ~0u);
		errno = e;
	}
	if (lo <= 2)
		lt_stderr_keep();
	int k = lt_stderr_kept();
	if (k >= 3 && lo <= k && lt_real.close_range) {
		int e = errno;
		if (lo < k)
			lt_real.close_range((unsigned)lo, (unsigned)k - 1, 0);
		lt_real.close_range((unsigned)k + 1, ~0u, 0);
		errno = e;
		return;
	}
	lt_real.closefrom(lo);
}
