/* Signal names as the snapshot_signal option and `leaktrace snapshot
 * --signal` spell them. Part of the contract library. */
#ifndef LT_SIGNAME_H
#define LT_SIGNAME_H

#include <stddef.h>

/* Parse a signal name ("SIGUSR1", "USR1", "10", "RTMIN+4", "off" -> 0).
 * Returns the number, 0 for off, -1 when unrecognised. */
int lt_signal_parse(const char *s);
/* The name a person reads: "SIGSEGV", "SIGRTMIN+4", else "signal N"
 * (formatted into buf, which must hold 24 bytes, when needed).
 * Async-signal-safe for the fixed names. */
const char *lt_signal_name(int sig, char *buf, size_t cap);

#endif
