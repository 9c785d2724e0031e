/* Reads into the private allocator's memory, raw (sys.c): never stdio nor
 * opendir, which the shim's own hooks would see. 0 or -errno. */
#ifndef LT_SYSFILE_H
#define LT_SYSFILE_H

#include <stddef.h>

/* Whole file into a buffer of the private allocator (NUL-terminated). */
int lt_sys_read_file(const char *path, char **out, size_t *len);
/* A number from /proc/self/status ("Threads", "Seccomp"): 0, or -ENOENT
 * when the line is missing, or the read's -errno. */
int lt_sys_status_field(const char *name, long *out);
/* 1 when a seccomp filter is in force (or it cannot be told). */
int lt_sys_seccomp_filtered(void);
/* Every open descriptor of this process, ascending, in a private-allocator
 * array (the descriptor used to read /proc/self/fd is left out). */
int lt_sys_open_fds(int **out, size_t *n);

#endif
