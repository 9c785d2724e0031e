/* LEAKTRACE_OPTIONS: the parsed options (table in options.inc). */
#ifndef LT_OPTIONS_H
#define LT_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "vocab.h"

#define LT_OPT_STR_MAX 1024

/* bits of fail_on: LT_FAIL_* in vocab.h */
/* bits of fail_classes / show_classes */
enum {
	LT_CLS_DEFINITE = 1u << 0,
	LT_CLS_INDIRECT = 1u << 1,
	LT_CLS_POSSIBLE = 1u << 2,
	LT_CLS_REACHABLE = 1u << 3,
};
enum { LT_FMT_TEXT, LT_FMT_JSON, LT_FMT_BOTH };
enum { LT_REPORT_OFF, LT_REPORT_EXIT };
enum { LT_DEBUGINFO_SHOWN, LT_DEBUGINFO_ALL };
enum { LT_FORKREP_NEVER, LT_FORKREP_LEAKS, LT_FORKREP_ALWAYS };

#define LT_OPT_FIELD_BOOL int
#define LT_OPT_FIELD_INT long
#define LT_OPT_FIELD_SIZE uint64_t
#define LT_OPT_FIELD_ENUM int
#define LT_OPT_FIELD_SET unsigned
#define LT_OPT_FIELD_STR char
#define LT_OPT_DIM_BOOL
#define LT_OPT_DIM_INT
#define LT_OPT_DIM_SIZE
#define LT_OPT_DIM_ENUM
#define LT_OPT_DIM_SET
#define LT_OPT_DIM_STR [LT_OPT_STR_MAX]

typedef struct lt_options {
#define LT_OPTION(kind, name, def, spec, help) LT_OPT_FIELD_##kind name LT_OPT_DIM_##kind;
#include "options.inc"
#undef LT_OPTION
} lt_options_t;

extern lt_options_t lt_opt;

/* Reset to defaults, then apply a "k=v:k=v" string. Every problem is one
 * warning line (key, value, what was expected); the default stays. secure:
 * ignore file-touching keys (setuid processes). Returns the number of
 * problems found. Never allocates. */
int lt_opt_defaults(lt_options_t *o);
int lt_opt_parse(lt_options_t *o, const char *s, int secure);
/* Load from LEAKTRACE_OPTIONS (and __leaktrace_default_options()). */
void lt_opt_load(void);
/* Print the effective options (verbosity>=1 or help=1). */
void lt_opt_print(const lt_options_t *o);
/* A byte count as SIZE options take it ("4096", "64K", "1M", "2G"; K = 1024):
 * 0, or -1 when it is not one. The leaktrace command parses its byte
 * thresholds with it too. */
int lt_opt_parse_size(const char *v, uint64_t *out);

/* The options `leaktrace snapshot` needs, kept in the shim's own writable
 * data behind this marker: programs that rewrite their environment for a
 * process title (redis, nginx, postgres) wipe LEAKTRACE_OPTIONS from
 * /proc/PID/environ, so the command finds the shim in /proc/PID/maps and
 * reads these from /proc/PID/mem. Layout: the marker (NUL-padded to
 * LT_PUBLISHED_MARKER_LEN bytes), then snapshot_signal and output, each
 * LT_OPT_STR_MAX bytes, NUL-terminated. */
#define LT_PUBLISHED_MARKER "leaktrace:published-options:1"
#define LT_PUBLISHED_MARKER_LEN 32
#define LT_PUBLISHED_SIZE (LT_PUBLISHED_MARKER_LEN + 2 * LT_OPT_STR_MAX)

/* The name of value v of the ENUM option named option, as the option is
 * written ("verify" for stack_cache 2), into out; "?" when there is none. */
void lt_opt_enum_name(const char *option, int v, char *out, size_t cap);

/* Table access for tests and the man-page check. */
int lt_opt_count(void);
const char *lt_opt_name(int i);

#endif
