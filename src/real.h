/* The table of real (next-in-lookup-order) functions behind every hook.
 *
 * real.inc lists each hooked function once; this header turns it into one
 * struct of typed pointers, resolved by lt_real_init() the way
 * dlsym(RTLD_NEXT) would, but by reading the loaded objects' dynamic symbol
 * tables itself, so that resolving never allocates (real.c says why)
 * (heaptrack's HOOK(name, Required/Optional), in C). Required allocator
 * entries fall back to glibc's __libc_* functions when RTLD_NEXT finds
 * nothing; an optional entry that is absent stays NULL and its hook fails
 * the way a missing function would (-1 and errno ENOSYS). */
#ifndef LT_REAL_H
#define LT_REAL_H

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

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

/* Resolve every entry (idempotent, thread-safe; never allocates and never
 * calls a hooked function). Returns 0. */
int lt_real_init(void);

/* Look a symbol up as dlsym would - RTLD_NEXT when next is 1 (objects after
 * the tracer), RTLD_DEFAULT when 0 - in the dynamic symbol tables of the
 * objects on the link map, without allocating. *size (may be NULL) gets
 * the symbol's st_size. NULL when no object defines it. */
void *lt_real_lookup(const char *name, int next, size_t *size);

/* Set by lt_real_init when malloc or free resolves, for the program, to an
 * object ahead of the tracer (the executable links its own allocator, or
 * one was preloaded first): that allocator's blocks never pass through the
 * tracer's hooks, so memory is not traced. The object's path; "" is the
 * executable. NULL otherwise. */
extern const char *lt_real_foreign_malloc;

/* Code in libc that allocates on the program's behalf even when the
 * allocation happens inside the tracer: glibc's pthread_setspecific callocs
 * the calling thread's second-level slot array for keys 32 and up, and
 * libunwind sets its own key inside the tracer's first capture in each
 * thread. The array then holds the program's values too, so it must be the
 * program's block (tracked and scanned), not the tracer's private memory.
 * [lo, hi) is pthread_setspecific's code; empty when not found. */
extern uintptr_t lt_real_tsd_lo, lt_real_tsd_hi;

/* free() as the program's own code calls it, for a block a library
 * malloc'd on the tracer's behalf (__cxa_demangle, libdw): the private
 * allocator's blocks go back there, any other to the first free() in
 * lookup order (the shim's hook, or an allocator the executable brings).
 * A direct call to free() from the shim would bind the same way; this
 * makes it explicit. */
void lt_real_program_free(void *p);

static inline int lt_real_for_program(uintptr_t caller)
{
	return caller >= lt_real_tsd_lo && caller < lt_real_tsd_hi;
}

/* posix_memalign's contract (EINVAL for an alignment that is not a power
 * of two multiple of sizeof(void *), ENOMEM) over a memalign function: the
 * fallback real function and the hook's private-memory path. */
int lt_posix_memalign_with(void *(*memalign_fn)(size_t, size_t), void **out, size_t align,
			   size_t size);

#endif
