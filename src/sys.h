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
pid_t lt_sys_getpid(void);
pid_t lt_sys_gettid(void);
/* Whole file into a buffer of the private allocator (NUL-terminated). */
int lt_sys_read_file(const char *path, char **out, size_t *len);

#endif
