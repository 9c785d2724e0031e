/* fork() protocol for the tracer's locks and per-process state. */
#ifndef LT_FORK_H
#define LT_FORK_H

/* Install the fork handlers. The upper layers' handlers (the triggers':
 * the report lock, the helper thread, the report sequence) run first in
 * prepare and last in the parent and the child. */
void lt_fork_init(void (*prepare_up)(void), void (*parent_up)(void), void (*child_up)(void));

/* In a forked child, the parent's pid at the fork (0 in a process that was
 * not forked under the tracer): blocks marked LT_BLOCK_INHERITED were
 * allocated there. */
extern int lt_fork_parent_pid;

/* Implemented by the handle tracker. */
void lt_handle_prefork(void);
void lt_handle_postfork_parent(void);
void lt_handle_postfork_child(void);

#endif
