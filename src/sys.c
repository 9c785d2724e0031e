/* Raw system calls used by the shim for its own I/O (see sys.h). */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "intalloc.h"

/* libc's syscall() is interposed by the shim itself (io_uring detection),
 * and a call to it from inside libleaktrace.so would bind to that hook. So
 * the shim's own I/O issues the instruction directly; errno is never set. */
long lt_sys_call6(long nr, long a, long b, long c, long d, long e, long f)
{
#if defined(__x86_64__)
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
#else
#error "leaktrace: raw system calls are implemented for x86_64 and aarch64"
#endif
}

static inline long raw(long nr, long a, long b, long c, long d)
{
	return lt_sys_call6(nr, a, b, c, d, 0, 0);
}

ssize_t lt_sys_getdents64(int fd, void *buf, size_t len)
{
	long r;
	do
		r = raw(SYS_getdents64, fd, (long)buf, (long)len, 0);
	while (r == -EINTR);
	return r;
}

ssize_t lt_sys_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;
	while (done < len) {
		long r = raw(SYS_write, fd, (long)(p + done), (long)(len - done), 0);
		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		if (r == 0)
			return -EIO;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

ssize_t lt_sys_read(int fd, void *buf, size_t len)
{
	long r;
	do
		r = raw(SYS_read, fd, (long)buf, (long)len, 0);
	while (r == -EINTR);
	return r;
}

/* /proc/self is the thread group leader's entry: once main() has called
 * pthread_exit the leader is a zombie whose maps, fd and exe read empty
 * while the process lives on. /proc/thread-self shows the same shared
 * address space, descriptor table and executable from the calling thread,
 * so the shim reads those through it (the task list stays per process). */
static const char *proc_path(const char *path, char *buf, size_t cap)
{
	static const char self[] = "/proc/self/";
	if (strncmp(path, self, sizeof self - 1) || !strncmp(path + sizeof self - 1, "task", 4))
		return path;
	if ((size_t)snprintf(buf, cap, "/proc/thread-self/%s", path + sizeof self - 1) >= cap)
		return path;
	return buf;
}

int lt_sys_openat(int dirfd, const char *path, int flags, int mode)
{
	char pb[256];
	path = proc_path(path, pb, sizeof pb);
	long r;
	do
		r = raw(SYS_openat, dirfd, (long)path, flags | O_CLOEXEC, mode);
	while (r == -EINTR);
	return (int)r;
}

int lt_sys_close(int fd)
{
	return (int)raw(SYS_close, fd, 0, 0, 0);
}

int lt_sys_rename(const char *from, const char *to)
{
	return (int)raw(SYS_renameat, AT_FDCWD, (long)from, AT_FDCWD, (long)to);
}

int lt_sys_unlink(const char *path)
{
	return (int)raw(SYS_unlinkat, AT_FDCWD, (long)path, 0, 0);
}

int lt_sys_fsync(int fd)
{
	return (int)raw(SYS_fsync, fd, 0, 0, 0);
}

ssize_t lt_sys_readlink(const char *path, char *buf, size_t len)
{
	char pb[256];
	path = proc_path(path, pb, sizeof pb);
	long r = raw(SYS_readlinkat, AT_FDCWD, (long)path, (long)buf, (long)len);
	if (r >= 0 && (size_t)r < len)
		buf[r] = 0;
	else if (r >= 0 && len)
		buf[len - 1] = 0;
	return r;
}

pid_t lt_sys_getpid(void)
{
	return (pid_t)raw(SYS_getpid, 0, 0, 0, 0);
}

pid_t lt_sys_gettid(void)
{
	return (pid_t)raw(SYS_gettid, 0, 0, 0, 0);
}

int lt_sys_read_file(const char *path, char **out, size_t *len)
{
	int fd = lt_sys_openat(AT_FDCWD, path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	size_t cap = 4096, n = 0;
	char *buf = lt_ia_alloc(cap);
	if (!buf) {
		lt_sys_close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (n + 1 >= cap) {
			char *nb = lt_ia_realloc(buf, cap, cap * 2);
			if (!nb) {
				lt_ia_free(buf);
				lt_sys_close(fd);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = lt_sys_read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			lt_ia_free(buf);
			lt_sys_close(fd);
			return (int)r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	lt_sys_close(fd);
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}
