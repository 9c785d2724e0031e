/* Stop and resume the other threads of the process for a heap scan. */
#ifndef LT_WORLD_H
#define LT_WORLD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LT_WORLD_NREGS 32

enum {
	LT_THREAD_SIGNALLED = 0,  /* asked, not answered (yet) */
	LT_THREAD_STOPPED,        /* waiting in the handler: sp, tp, regs valid */
	LT_THREAD_GONE,           /* exited before it could be asked */
	LT_THREAD_UNSTOPPABLE,    /* blocks the signal or did not answer in time */
};

typedef struct lt_world_thread {
	pid_t tid;
	int state;
	uintptr_t sp;             /* stack pointer where it was interrupted */
	uintptr_t tp;             /* thread pointer (struct pthread) */
	uintptr_t regs[LT_WORLD_NREGS];
	int nregs;
} lt_world_thread_t;

typedef struct lt_world {
	lt_world_thread_t *t;     /* caller-provided, cap entries */
	size_t n, cap;
	size_t stopped;           /* threads in LT_THREAD_STOPPED */
	size_t unstoppable;       /* threads in LT_THREAD_UNSTOPPABLE or over cap */
} lt_world_t;

/* How many threads the process has now (for sizing the table). */
size_t lt_world_count_threads(void);

/* Stop every thread but the caller's. Never allocates and takes no lock
 * another thread could hold (safe with the heap table locked). Threads that
 * do not answer within timeout_ms are left running, marked unstoppable.
 * Returns 0 or -errno (the signal handler could not be installed: nothing
 * was stopped). */
int lt_world_stop(lt_world_t *w, int timeout_ms);
/* Let the stopped threads go and wait (briefly) until they have left the
 * handler. */
void lt_world_resume(lt_world_t *w);

#endif
