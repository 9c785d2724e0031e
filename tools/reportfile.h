/* Loading and validating saved leaktrace JSON reports (format_version 1) into C structures. */
#ifndef LT_TOOLS_REPORTFILE_H
#define LT_TOOLS_REPORTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Classes (enum lt_class, LT_MEMORY_CLASS_COUNT) and their names: the
 * contract's vocabulary, shared with the shim. Handles use LT_CLASS_OPEN. */
#include "vocab.h"

/* Every string below points into memory owned by the lt_report (its json_t tree, or its
 * interned frame strings), so it lives as long as the report does; a NULL function/file means "unknown" as in the contract. */
struct lt_frame {
	const char *address;
	const char *function;
	const char *file;
	long long line; /* 0 when unknown */
	const char *module;
	bool inlined;
};

struct lt_group {
	long long id;
	const char *kind;     /* "memory", "socket", ... */
	enum lt_class class_;
	bool is_memory;
	bool leaked;
	bool suppressed;
	const char *suppressed_by; /* NULL unless suppressed */
	const char *origin;        /* "traced"/"unknown" for handles, NULL for memory */
	long long bytes;
	long long count;
	long long stack_id;
	long long oldest_ms, newest_ms;
	struct lt_frame *frames; /* innermost first, as in the file */
	size_t nframes;
	json_t *handles;         /* borrowed: array of objects, or NULL */
};

struct lt_class_total {
	long long bytes, blocks;
};

struct lt_strmap;

struct lt_report {
	char *path;   /* as given on the command line, for messages */
	json_t *root; /* owns every string the structures point to but the frames' */
	/* owns the frames' strings when the streaming reader read the file (then the groups
	 * in root have no "stack" member: read the frames, not the tree); else NULL */
	struct lt_strmap *strings;
	const char *version;
	long long pid, ppid;
	const char *exe;
	const char *reason;
	long long signal; /* -1 when absent */
	long long sequence;
	const char *time;
	long long uptime_ms;
	bool classified;
	/* gate */
	json_t *gate_counted_classes;      /* borrowed array of strings */
	json_t *gate_counted_handle_kinds; /* borrowed array of strings */
	long long gate_threshold_bytes;
	long long gate_exitcode;
	bool gate_failed;
	/* summary */
	long long leaked_bytes, leaked_blocks, leaked_handles;
	long long live_bytes, live_blocks, live_handles;
	struct lt_class_total by_class[LT_MEMORY_CLASS_COUNT];
	json_t *by_kind; /* borrowed object kind -> count */
	long long unknown_handles;
	long long suppressed_bytes, suppressed_blocks, suppressed_handles;
	struct lt_group *groups;
	size_t ngroups;
	json_t *suppressions; /* borrowed array or NULL */
};

/* Loads and validates PATH. On failure returns -1 and writes one message (without the
 * "leaktrace: error: " prefix, starting with the path) into ERR. */
int lt_reportfile_load(const char *path, struct lt_report *out, char *err, size_t errlen);
/* Loads PATH or prints "leaktrace: error: ..." to stderr; returns 0 or -1. */
int lt_reportfile_load_or_complain(const char *path, struct lt_report *out);
void lt_reportfile_free(struct lt_report *r);

const char *lt_reportfile_class_name(enum lt_class c);

/* A JSON type as the loaders' messages name it ("an object", "an
 * integer", ...): the streaming reader words its errors as this one. */
const char *lt_reportfile_type_name(json_type t);

/* The match key of a group: kind, class, and (function, file, line) of every frame, or the
 * stack_id when every frame is unsymbolized. Returns a malloc'ed NUL-terminated string in
 * which each field is length-prefixed so no name can fake a separator. */
char *lt_reportfile_group_key(const struct lt_group *g);

/* The label of a frame in folded stacks and flame graphs: the function, else
 * "module@address" (the contract has no module offset), else the address. Semicolons and
 * line breaks are replaced so a label cannot split a folded line. Writes into BUF. */
const char *lt_reportfile_frame_label(const struct lt_frame *f, char *buf, size_t buflen);

/* A new JSON array of G's frames, innermost first, with the contract's frame keys. */
json_t *lt_reportfile_stack_json(const struct lt_group *g);

/* Groups shown by default: not suppressed and not still reachable. ALL shows everything. */
bool lt_reportfile_group_shown(const struct lt_group *g, bool all);

#endif
