/* Raw system-call I/O for the shim: never re-enters leaktrace's own hooks
 * nor libc's stdio locks. All functions return >= 0 or -errno and keep the
 * caller's errno untouched. */
#ifndef LT_SYS_H
#define LT_SYS_H

#include <stddef.h>
#include <sys/types.h>

ssize_t lt_sys_write_all(int fd, const void *buf, size_t len);
ssize_t lt_sys_read(int fd, void *buf, size_t len);
int lt_sys_openat(int dirfd, const char *path, int flags, int mode);
int lt_sys_close(int fd);
int lt_sys_rename(const char *from, const char *to);
int lt_sys_unlink(const char *path);
int lt_sys_fsync(int fd);
ssize_t lt_sys_readlink(const char *path, char *buf, size_t len);
/* Read /proc/self/task/TID/LEAF into buf, NUL-terminated (at most len - 1
 * bytes); raw, no allocation. The bytes read, or -errno of the open or the
 * read (-ENOENT, -ESRCH: the task is gone). */
ssize_t lt_sys_read_task_file(pid_t tid, const char *leaf, char *buf, size_t len);
pid_t lt_sys_getpid(void);
pid_t lt_sys_gettid(void);
/* getdents64 on an open directory (raw: never opendir/readdir). */
ssize_t lt_sys_getdents64(int fd, void *buf, size_t len);
/* Any system call with up to six arguments, raw: returns the kernel's
 * result (-errno on failure) and never touches errno. The syscall() hook
 * uses it when the real libc syscall() is not resolved yet. */
long lt_sys_call6(long nr, long a, long b, long c, long d, long e, long f);

/* ---- every other system call the shim makes for itself ----
 * Same convention: >= 0 or -errno, errno untouched. A libc wrapper called
 * from inside libleaktrace.so may be one of the shim's own hooks (syscall,
 * sigaction, close...), so nothing outside sys.c and hooks/ calls one. */
struct stat;
struct timespec;
struct sockaddr;
pid_t lt_sys_getppid(void);
unsigned lt_sys_getuid(void);
int lt_sys_tgkill(pid_t tgid, pid_t tid, int sig);
/* rt_tgsigqueueinfo: queue sig with info (a siginfo_t) to one thread. */
int lt_sys_tgsigqueueinfo(pid_t tgid, pid_t tid, int sig, void *info);
/* rt_sigprocmask on a sigset_t, as pthread_sigmask does it: glibc's own
 * two internal signals (cancellation, setxid) are never blocked, or a
 * thread started with the mask would hang the program's setuid(). */
int lt_sys_sigmask(int how, const void *set, void *old);
/* futex on a 32-bit word: FUTEX_PRIVATE_FLAG is always added. */
long lt_sys_futex(void *word, int op, unsigned val, const struct timespec *timeout);
int lt_sys_sched_yield(void);
/* Name the calling thread (prctl PR_SET_NAME, at most 15 bytes). */
int lt_sys_set_thread_name(const char *name);
/* mmap returns the address or NULL (never MAP_FAILED). */
void *lt_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int lt_sys_munmap(void *addr, size_t len);
int lt_sys_mprotect(void *addr, size_t len, int prot);
int lt_sys_madvise(void *addr, size_t len, int advice);
int lt_sys_fstat(int fd, struct stat *st);
int lt_sys_stat(const char *path, struct stat *st);
ssize_t lt_sys_pread(int fd, void *buf, size_t len, off_t off);
int lt_sys_getsockopt(int fd, int level, int name, void *val, unsigned *len);
int lt_sys_getsockname(int fd, struct sockaddr *sa, unsigned *len);
int lt_sys_getpeername(int fd, struct sockaddr *sa, unsigned *len);
/* Monotonic milliseconds (vDSO clock, not a system call). */
unsigned long long lt_sys_now_ms(void);
/* Call fn(number, dirfd, arg) for every entry of the directory at path
 * whose name is a decimal number (/proc/self/task, /proc/self/fd; dirfd is
 * the directory's own descriptor, open meanwhile); raw getdents64, never
 * opendir. fn returns nonzero to stop early with that value (negative:
 * an error). Returns the count of entries seen, or -errno. */
long lt_sys_each_number(const char *path, int (*fn)(long number, int dirfd, void *arg), void *arg);
/* The system's page size (auxv AT_PAGESZ). */
size_t lt_sys_page_size(void);

#endif
