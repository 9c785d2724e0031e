/* Writers of a finished report: text (valgrind/LSan style) and JSON (the
 * contract in leaktrace-json(5)), and where they go (output.c). */
#ifndef LT_EMIT_H
#define LT_EMIT_H

#include "buf.h"
#include "report.h"

void lt_json_write(const lt_report_t *r, lt_buf_t *b);
void lt_text_write(const lt_report_t *r, lt_buf_t *b);
/* Does the text report show this group (show_classes, min_bytes...)? */
int lt_text_shows(const lt_group_t *g);

/* Write b to the pattern's file atomically (temp + rename, O_NOFOLLOW,
 * 0600), or to stderr for "stderr". Falls back to stderr with one warning. */
int lt_out_write(const char *pattern, int pid, unsigned seq, const lt_buf_t *b);
/* The last path written (for snapshot notifications). */
const char *lt_out_last_path(void);

/* Render and write the report per the options. */
void lt_emit_report(const lt_report_t *r);

#endif
