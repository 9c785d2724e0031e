/* The report: a snapshot of everything live, classified, grouped by stack,
 * suppressed, totalled, sorted, symbolized, then written as text and JSON.
 * report.c runs the pipeline; the stages live in their own files. */
#ifndef LT_REPORT_H
#define LT_REPORT_H

#include <stddef.h>
#include <stdint.h>

/* uthash's allocator first: the model's header includes uthash.h */
#include "../uthash_alloc.h"
#include "../vocab.h"
#include "../model/model.h"

/* Find or create the group for a key. NULL on out-of-memory. */
lt_group_t *lt_report_group(lt_report_t *r, int kind, int cls, int origin, uint32_t stack);
/* The same, for a thread or child still running (key.running). */
lt_group_t *lt_report_group_running(lt_report_t *r, int kind, uint32_t stack);
/* Add one block/handle to a group. */
void lt_group_add(lt_group_t *g, uint64_t bytes, uint32_t ms);
/* Append handle details (copied; strings must outlive the report). */
int lt_group_add_handle(lt_group_t *g, const lt_handle_detail_t *d);
/* Intern a string in the report's arena. */
const char *lt_report_strdup(const char *s);

/* Build and write a report. Returns 0; *gate_failed is set. */
int lt_report_run(int reason, int signo, int *gate_failed);

/* What the last report counted as leaked. */
void lt_report_last_totals(uint64_t *leaked_bytes, uint64_t *leaked_handles);

/* Why the last report's gate failed, one line without the "leaktrace:"
 * prefix (verdict.c); "" when it passed. */
const char *lt_report_last_verdict(void);

unsigned lt_report_next_sequence(void);
/* How long the last report kept the other threads stopped. */
double lt_report_last_pause_ms(void);
void lt_report_reset_sequence(void);

/* Handle groups (handles.c): from a copy of the handle tables, described
 * outside their lock. */
void lt_handle_collect(lt_report_t *r);
/* A symbolized stack on stderr (the handle tables' stack printer). */
void lt_handle_print_stack(const char *title, uint32_t stack);

#endif
