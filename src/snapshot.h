/* Snapshot and termination signals, and the shim's helper thread that
 * turns them into reports. */
#ifndef LT_SNAPSHOT_H
#define LT_SNAPSHOT_H

/* Parse a signal name ("SIGUSR1", "USR1", "10", "RTMIN+4", "off" -> 0).
 * Returns the number, 0 for off, -1 when unrecognised. */
int lt_signal_parse(const char *s);
/* Install the handlers and start the helper thread (constructor). */
void lt_signal_init(void);
/* Restart the helper thread in a forked child. */
void lt_signal_postfork_child(void);
/* The main thread is about to pthread_exit: the helper thread then ends
 * itself once it is the last one, so glibc's exit(0) can run. */
void lt_signal_main_exiting(void);
/* Thread id of the helper thread (0 before it runs). */
int lt_signal_helper_tid(void);
/* Serialise report writing between the helper thread and exit. */
void lt_signal_report_lock(void);
void lt_signal_report_unlock(void);

#endif
