/* The self-contained HTML page of `leaktrace report --html`: data assembly, escaping, output. */
#ifndef LT_TOOLS_HTML_H
#define LT_TOOLS_HTML_H

#include <stdio.h>

#include "reportfile.h"

/* Writes the page for REPORTS (several snapshots of one process give the timeline and the
 * growth table) to OUT_PATH through a temporary file renamed into place. Prints one
 * "leaktrace: error: ..." line and returns -1 on failure, 0 on success. */
int lt_html_write(const char *out_path, const struct lt_report *reports, size_t n, bool all);

/* The JSON object the page's script draws from (see the top of html.c for its layout):
 * the text lt_html_write streams into the page, parsed back (for tests and callers that
 * want a value). The detailed report is the latest one. NULL when out of memory. */
json_t *lt_html_page_data(const struct lt_report *reports, size_t n, bool all);

/* Writes S as HTML text or attribute content: & < > " ' become entities. */
void lt_html_escape_text(FILE *out, const char *s);

/* Dumps J compactly for a <script type="application/json"> element, with every < > &
 * written as \u003c \u003e \u0026 so no string in it can close the element ("</script>")
 * or open a comment ("<!--"). Returns 0, or -1 on a write error. */
int lt_html_dump_script_json(FILE *out, const json_t *j);

#endif
