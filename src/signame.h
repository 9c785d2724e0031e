/* Signal names as the snapshot_signal option and `leaktrace snapshot
 * --signal` spell them. Part of the contract library. */
#ifndef LT_SIGNAME_H
#define LT_SIGNAME_H

/* Parse a signal name ("SIGUSR1", "USR1", "10", "RTMIN+4", "off" -> 0).
 * Returns the number, 0 for off, -1 when unrecognised. */
int lt_signal_parse(const char *s);

#endif
