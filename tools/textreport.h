/* `leaktrace report`'s text: a saved report printed by the shim's own text
 * emitter (src/model/), so it reads exactly as the program's report did. */
#ifndef LT_TOOLS_TEXTREPORT_H
#define LT_TOOLS_TEXTREPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "reportfile.h"

/* Print in as the shim's text report would (the shim's default view; all:
 * every class, suppressed and inherited group). 0, or -1 when out of
 * memory or the write failed. */
int lt_textreport_write(FILE *out, const struct lt_report *in, bool all);

#endif
