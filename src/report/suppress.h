/* Suppressions: leak:PATTERN rules matched against the report's stacks. */
#ifndef LT_SUPPRESS_H
#define LT_SUPPRESS_H

#include "report.h"

/* Load the files named by the suppressions option (comma-separated; once).
 * A malformed line is one error naming the file and line; the other rules
 * still apply. Returns the number of problems found. */
int lt_supp_load(const char *list);
/* Parse one file's text (exposed for the unit tests). */
int lt_supp_parse(const char *file, const char *text);
/* Drop every loaded rule. */
void lt_supp_clear(void);
size_t lt_supp_count(void);

/* LeakSanitizer's pattern language: '*' matches any run of characters, a
 * leading '^' anchors at the start and a trailing '$' at the end; otherwise
 * the pattern may match anywhere in s. */
int lt_supp_match(const char *pattern, const char *s);
/* The first rule matching any frame's function, file or module, or NULL.
 * Returns the rule text ("leak:foo"). */
const char *lt_supp_match_frames(const lt_frame_t *f, int n, int *rule_index);

/* 1 when rules are loaded (the report then opens its symbolizer early). */
int lt_supp_active(void);
/* Mark matching groups (sets g->suppressed_by), symbolizing their stacks
 * with the report's session sym (NULL: cannot symbolize, one warning). */
struct lt_sym;
void lt_supp_apply(lt_report_t *r, struct lt_sym *sym);
/* The loaded rules and their hits so far, for the report's writers (an
 * array from the private allocator, NULL and *n = 0 when none). */
lt_supp_used_t *lt_supp_used(size_t *n);

#endif
