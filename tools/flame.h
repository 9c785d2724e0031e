/* Flame-graph (icicle) trees built from a report's stacks, for the HTML page. */
#ifndef LT_TOOLS_FLAME_H
#define LT_TOOLS_FLAME_H

#include "jsonw.h"
#include "reportfile.h"

/* lt_flame_new aggregates, lt_flame_write writes {"names": [label...], "trees": {KIND: {"n": [...], "p": [...], "b": [...],
 * "c": [...]}}, "inverted": {KIND: {...}}} from the groups lt_reportfile_group_shown(g, ALL)
 * selects. "trees" is top-down (outermost frame first, below the root); "inverted" is the
 * same groups bottom-up: the allocation site (innermost frame) below the root, its callers
 * below it, so stacks cut at depth= still meet at their allocation site. Each tree is in
 * preorder: n = label index into names, p = preorder index of the parent (-1 for the root,
 * labelled with the kind), b/c = total bytes/count of the groups whose stack passes through
 * the node. Frames are merged by label along the path, and siblings are sorted by label. Returns NULL when out of memory. */
struct lt_flame;
struct lt_flame *lt_flame_new(const struct lt_report *r, bool all);
/* Writes the object described above as the next value of W; 0, or -1 out of memory. */
int lt_flame_write(struct lt_flame *fl, struct lt_jsonw *w);
void lt_flame_free(struct lt_flame *fl);
/* The same object as a jansson value (lt_flame_write's text, parsed back). */
json_t *lt_flame_build(const struct lt_report *r, bool all);

#endif
