/* The tracer's early start: what the first malloc needs (boot.c). */
#ifndef LT_BOOT_H
#define LT_BOOT_H

/* Set up what recording a heap block needs, once, from whichever comes
 * first: the program's first allocation (a library constructor or a
 * preinit_array function runs before the tracer's constructor) or the
 * constructor (init.c). Returns 0 when done, -EAGAIN while it runs (in this thread,
 * nested, or in another): that allocation goes unrecorded. */
int lt_boot(void);

/* The program is about to install a seccomp filter (prctl, seccomp): the
 * tracer stops making the system calls only it makes - membarrier for
 * biased shards, MADV_POPULATE for its own memory - that a filter may not
 * expect. */
void lt_boot_seccomp(void);

#endif
