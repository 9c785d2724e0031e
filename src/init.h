/* Start-up of the tracer (init.c). */
#ifndef LT_INIT_H
#define LT_INIT_H

/* Set up what recording a heap block needs, once, from whichever comes
 * first: the program's first allocation (a library constructor or a
 * preinit_array function runs before the tracer's constructor) or the
 * constructor. Returns 0 when done, -EAGAIN while it runs (in this thread,
 * nested, or in another): that allocation goes unrecorded. */
int lt_init_early(void);

/* Write the exit report and apply the gate, once (the destructor, or
 * __lsan_do_leak_check earlier). */
void lt_init_exit_report(void);

#endif
