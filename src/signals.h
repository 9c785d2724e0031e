/* Snapshot and termination signals, and the shim's helper thread that
 * turns them into reports. */
#ifndef LT_SIGNALS_H
#define LT_SIGNALS_H

/* Install the handlers and start the helper thread (constructor). */
void lt_signal_init(void);
/* Fork handlers (registered with lt_fork_init): the report lock is held
 * across fork; the child starts its report sequence from 0 and its own
 * helper thread. */
void lt_signal_prefork(void);
void lt_signal_postfork_parent(void);
void lt_signal_postfork_child(void);
/* Serialise report writing between the helper thread and exit. */
void lt_signal_report_lock(void);
void lt_signal_report_unlock(void);

#endif
