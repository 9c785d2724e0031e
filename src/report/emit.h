/* Writers of a finished report: text (valgrind/LSan style) and JSON (the
 * contract in leaktrace-json(5)), and where they go (output.c). */
#ifndef LT_EMIT_H
#define LT_EMIT_H

#include "report.h"

void lt_json_write(const lt_report_t *r, lt_buf_t *b);
/* The text writer, lt_text_write, is the model's (model/model.h): the
 * leaktrace command prints a saved report with it too. */

/* Write b to the pattern's file atomically (temp + rename, O_NOFOLLOW,
 * 0600), or to stderr for "stderr". Falls back to stderr with one warning. */
int lt_out_write(const char *pattern, int pid, unsigned seq, const lt_buf_t *b);
/* The last path written (for snapshot notifications). */
const char *lt_out_last_path(void);

/* Render and write the report per the options. */
void lt_emit_report(const lt_report_t *r);

#endif
