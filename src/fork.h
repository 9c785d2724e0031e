/* fork() protocol for the tracer's locks and per-process state. */
#ifndef LT_FORK_H
#define LT_FORK_H

void lt_fork_init(void);

/* Implemented by the handle tracker. */
void lt_handle_prefork(void);
void lt_handle_postfork_parent(void);
void lt_handle_postfork_child(void);

#endif
