/* SARIF 2.1.0 output of `leaktrace report --format sarif`: one result per leaked group. */
#ifndef LT_TOOLS_SARIF_H
#define LT_TOOLS_SARIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "reportfile.h"

/* The sarifLog for REPORTS, as one run of the leaktrace driver: a result per leaked,
 * unsuppressed group (ALL adds every other unsuppressed group at level "note"), its
 * allocation site as the location and its stack as a code flow. SOURCE_ROOT (or NULL) is
 * the checkout directory: files under it become URIs relative to the base id SRCROOT, the
 * form GitHub code scanning expects, and the allocation site is the innermost frame in it.
 * NULL when out of memory. */
json_t *lt_sarif_log(const struct lt_report *reports, size_t n, bool all,
		     const char *source_root);

/* Writes lt_sarif_log() to OUT, indented, with a final newline. 0, or -1 on error. */
int lt_sarif_write(FILE *out, const struct lt_report *reports, size_t n, bool all,
		   const char *source_root);

#endif
