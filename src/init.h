/* Start-up and shutdown of the tracer (init.c): the constructor's ordered
 * init sequence, and the exit report and gate in the destructor. */
#ifndef LT_INIT_H
#define LT_INIT_H

/* Write the exit report once and apply the gate (the destructor). */
void lt_init_exit_report(void);

/* Write the exit report and apply the gate, once (the destructor, or
 * __lsan_do_leak_check earlier). */
void lt_init_exit_report(void);

#endif
