/* Suppressions: leak:PATTERN rules matched against the report's stacks. */
#ifndef LT_SUPPRESS_H
#define LT_SUPPRESS_H

#include "report/buf.h"
#include "report/report.h"

/* Load the files named by the suppressions option (once). */
void lt_supp_load(const char *list);
/* Mark matching groups (sets g->suppressed_by). Symbolizes what it needs. */
void lt_supp_apply(lt_report_t *r);
/* Append ",\n  \"suppressions\": [...]" when rules are loaded. */
void lt_supp_write_json(lt_buf_t *b);

#endif
