/* The table of real (next-in-lookup-order) functions behind every hook.
 *
 * real.inc lists each hooked function once; this header turns it into one
 * struct of typed pointers, resolved with dlsym(RTLD_NEXT) by lt_real_init()
 * (heaptrack's HOOK(name, Required/Optional), in C). Required allocator
 * entries fall back to glibc's __libc_* functions when RTLD_NEXT finds
 * nothing; an optional entry that is absent stays NULL and its hook fails
 * the way a missing function would (-1 and errno ENOSYS). */
#ifndef LT_REAL_H
#define LT_REAL_H

#include <dirent.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>

struct kevent;
struct timespec;
struct io_uring;
struct io_uring_params;
struct iovec;
struct io_uring_buf_reg;
struct rlimit;

#define LT_REAL(ret, name, params, kind) ret(*name) params;
struct lt_real {
#include "real.inc"
};
#undef LT_REAL

extern struct lt_real lt_real;

/* 0 until every entry is resolved; hooks check it with one relaxed load. */
extern int lt_real_ready;

/* Resolve every entry (idempotent, thread-safe). Returns 0, or -EAGAIN
 * when called recursively from inside dlsym (the caller then uses the
 * private allocator). */
int lt_real_init(void);

#endif
