/* What a descriptor is, read from the kernel at report time: socket family,
 * type, addresses and TCP state; otherwise the /proc/self/fd link target. */
#ifndef LT_HANDLEINFO_H
#define LT_HANDLEINFO_H

#include <stddef.h>

#include "report.h"

/* Fill d for fd (fd, family/type/local/peer/tcp_state/note for sockets,
 * what/path otherwise; strings interned in the report). kind is the traced
 * kind or -1 when unknown; returns the kind to report it as (LT_KIND_SOCKET
 * or LT_KIND_FD for an unknown descriptor, kind otherwise). */
int lt_hinfo_describe(int fd, int kind, lt_handle_detail_t *d);

/* EVFILT_* number -> name ("EVFILT_READ"); unknown ones as "filter -N". */
const char *lt_hinfo_filter_name(int filter);

/* TCP state number (tcpi_state) -> name ("CLOSE_WAIT"). */
const char *lt_hinfo_tcp_state(int state);

#endif
