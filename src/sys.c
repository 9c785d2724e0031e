/* Raw system calls used by the shim for its own I/O (see sys.h). Part of
 * the contract library the leaktrace command links too: depends on
 * nothing but libc. */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>


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


/* ---- the rest of the shim's system calls (see sys.h) ---- */

pid_t lt_sys_getppid(void)
{
	return (pid_t)raw(SYS_getppid, 0, 0, 0, 0);
}

unsigned lt_sys_getuid(void)
{
	return (unsigned)raw(SYS_getuid, 0, 0, 0, 0);
}

int lt_sys_tgkill(pid_t tgid, pid_t tid, int sig)
{
	return (int)raw(SYS_tgkill, tgid, tid, sig, 0);
}

int lt_sys_tgsigqueueinfo(pid_t tgid, pid_t tid, int sig, void *info)
{
	return (int)raw(SYS_rt_tgsigqueueinfo, tgid, tid, sig, (long)info);
}

/* glibc's SIGCANCEL and SIGSETXID: the two real-time signals below the
 * SIGRTMIN programs see (DESIGN.md), never blocked by pthread_sigmask. */
#define LT_SIGCANCEL 32
#define LT_SIGSETXID 33

int lt_sys_sigmask(int how, const void *set, void *old)
{
	sigset_t s;
	if (set && how != SIG_UNBLOCK) {
		memcpy(&s, set, sizeof s);
		sigdelset(&s, LT_SIGCANCEL);
		sigdelset(&s, LT_SIGSETXID);
		set = &s;
	}
	/* the kernel's sigset is 64 bits, the first word of glibc's */
	return (int)raw(SYS_rt_sigprocmask, how, (long)set, (long)old, _NSIG / 8);
}

long lt_sys_futex(void *word, int op, unsigned val, const struct timespec *timeout)
{
	return lt_sys_call6(SYS_futex, (long)word, op | FUTEX_PRIVATE_FLAG, (long)val,
			    (long)timeout, 0, 0);
}

int lt_sys_sched_yield(void)
{
	return (int)raw(SYS_sched_yield, 0, 0, 0, 0);
}

int lt_sys_set_thread_name(const char *name)
{
	return (int)raw(SYS_prctl, PR_SET_NAME, (long)name, 0, 0);
}

void *lt_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long r = lt_sys_call6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, (long)off);
	return (unsigned long)r > -4096UL ? NULL : (void *)r;
}

int lt_sys_munmap(void *addr, size_t len)
{
	return (int)raw(SYS_munmap, (long)addr, (long)len, 0, 0);
}

int lt_sys_mprotect(void *addr, size_t len, int prot)
{
	return (int)raw(SYS_mprotect, (long)addr, (long)len, prot, 0);
}

int lt_sys_madvise(void *addr, size_t len, int advice)
{
	return (int)raw(SYS_madvise, (long)addr, (long)len, advice, 0);
}

int lt_sys_fstat(int fd, struct stat *st)
{
	return (int)raw(SYS_newfstatat, fd, (long)"", (long)st, AT_EMPTY_PATH);
}

int lt_sys_stat(const char *path, struct stat *st)
{
	char pb[256];
	path = proc_path(path, pb, sizeof pb);
	return (int)raw(SYS_newfstatat, AT_FDCWD, (long)path, (long)st, 0);
}

ssize_t lt_sys_pread(int fd, void *buf, size_t len, off_t off)
{
	long r;
	do
		r = raw(SYS_pread64, fd, (long)buf, (long)len, (long)off);
	while (r == -EINTR);
	return r;
}

int lt_sys_getsockopt(int fd, int level, int name, void *val, unsigned *len)
{
	return (int)lt_sys_call6(SYS_getsockopt, fd, level, name, (long)val, (long)len, 0);
}

int lt_sys_getsockname(int fd, struct sockaddr *sa, unsigned *len)
{
	return (int)raw(SYS_getsockname, fd, (long)sa, (long)len, 0);
}

int lt_sys_getpeername(int fd, struct sockaddr *sa, unsigned *len)
{
	return (int)raw(SYS_getpeername, fd, (long)sa, (long)len, 0);
}

unsigned long long lt_sys_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

long lt_sys_each_number(const char *path, int (*fn)(long number, int dirfd, void *arg), void *arg)
{
	int dfd = lt_sys_openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0);
	if (dfd < 0)
		return dfd;
	char buf[4096] __attribute__((aligned(8)));
	long count = 0;
	for (;;) {
		ssize_t got = lt_sys_getdents64(dfd, buf, sizeof buf);
		if (got < 0) {
			lt_sys_close(dfd);
			return got;
		}
		if (got == 0)
			break;
		for (ssize_t off = 0; off < got;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			off += d->d_reclen;
			if (d->d_name[0] < '0' || d->d_name[0] > '9')
				continue;
			long n = 0;
			for (const char *c = d->d_name; *c >= '0' && *c <= '9'; c++)
				n = n * 10 + (*c - '0');
			count++;
			int stop = fn ? fn(n, dfd, arg) : 0;
			if (stop) {
				lt_sys_close(dfd);
				return stop < 0 ? stop : count;
			}
		}
	}
	lt_sys_close(dfd);
	return count;
}

size_t lt_sys_page_size(void)
{
	static size_t page;
	size_t p = __atomic_load_n(&page, __ATOMIC_RELAXED);
	if (!p) {
		p = (size_t)getauxval(AT_PAGESZ);
		if (!p)
			p = 4096;
		__atomic_store_n(&page, p, __ATOMIC_RELAXED);
	}
	return p;
}

ssize_t lt_sys_read_task_file(pid_t tid, const char *leaf, char *buf, size_t len)
{
	char path[64] = "/proc/self/task/";
	size_t k = strlen(path);
	char digits[16];
	int nd = 0;
	for (pid_t t = tid; t > 0 && nd < 15; t /= 10)
		digits[nd++] = (char)('0' + t % 10);
	while (nd)
		path[k++] = digits[--nd];
	path[k++] = '/';
	size_t ll = strlen(leaf);
	if (k + ll >= sizeof path || len == 0)
		return -EINVAL;
	memcpy(path + k, leaf, ll + 1);
	int fd = lt_sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	ssize_t got = lt_sys_read(fd, buf, len - 1);
	lt_sys_close(fd);
	buf[got > 0 ? got : 0] = 0;
	return got;
}
