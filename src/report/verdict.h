/* The gate's reason as one line of text (verdict.c). */
#ifndef LT_VERDICT_H
#define LT_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

/* Whether the gate counts this kind (fail_on), in report.c. */
int lt_report_kind_counts(int kind);
/* "120 byte(s) in 3 block(s) leaked > leak_threshold 0 and 3 handle(s) >
 * handle_threshold 0 (fd 5 epoll, fd 6-7 pipe)": MEM says memory failed,
 * HANDLES is the number of gated handles when they failed, else 0. */
void lt_verdict_build(const lt_report_t *r, int mem, uint64_t handles, char *out, size_t cap);

#endif
