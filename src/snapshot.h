/* Snapshot and termination signals, and the shim's helper thread that
 * turns them into reports. */
#ifndef LT_SNAPSHOT_H
#define LT_SNAPSHOT_H

/* Parse a signal name ("SIGUSR1", "USR1", "10", "RTMIN+4", "off" -> 0).
 * Returns the number, 0 for off, -1 when unrecognised. */
int lt_signal_parse(const char *s);
/* Install the handlers and start the helper thread (constructor). */
void lt_signal_init(void);
/* The snapshot signal in use (0: none). */
int lt_signal_snapshot_signo(void);
/* A program's sigaction() for signo: 1 when the shim stands aside for it
 * (its own handler replaces ours), after saying so once. */
int lt_signal_app_takes(int signo, const void *new_action_handler, int is_ignore);
/* Restart the helper thread in a forked child. */
void lt_signal_postfork_child(void);
/* Serialise report writing between the helper thread and exit. */
void lt_signal_report_lock(void);
void lt_signal_report_unlock(void);

#endif
