/* End-to-end test harness: run a test program with libleaktrace.so
 * preloaded in its environment only, capture its output and status, and
 * load its JSON report with jansson. */
#ifndef LT_E2E_HARNESS_H
#define LT_E2E_HARNESS_H

#include <jansson.h>
#include <stdint.h>

typedef struct lt_run {
	json_t *report;      /* the (last) JSON report, or NULL */
	int nreports;        /* JSON report files found */
	int status;          /* exit status, or 128 + signal */
	char *out, *err;     /* captured stdout / stderr (NUL-terminated) */
	char dir[256];       /* the run's temporary directory */
} lt_run_t;

/* Path of a built test program (searched under $LT_PROGRAMS). */
const char *lt_e2e_program(const char *name);
/* Run program `name` with argv (NULL-terminated, without argv[0]; may be
 * NULL) under the shim with LEAKTRACE_OPTIONS=format=json:output=DIR/r.%p.json
 * followed by `options` (may be NULL). Returns 0 when the program ran. */
int lt_e2e_run(lt_run_t *r, const char *name, const char *options, char *const argv[]);
/* Same, with no shim and no options (the reference run). */
int lt_e2e_run_native(lt_run_t *r, const char *name, char *const argv[]);
/* Same with an explicit environment addition ("K=V", may be NULL). */
int lt_e2e_run_env(lt_run_t *r, const char *name, const char *options,
		   char *const argv[], const char *extra_env);
void lt_e2e_free(lt_run_t *r);

/* A summary number by dotted path, e.g. "leaked_bytes",
 * "by_class.definitely_lost.bytes"; -1 when absent. */
long long lt_e2e_summary(const lt_run_t *r, const char *path);
/* The group of that kind and class (NULL = any) whose stack has a frame
 * with that function name (NULL = any); NULL when none. */
json_t *lt_e2e_find_group(const lt_run_t *r, const char *kind, const char *cls,
			  const char *function);
int lt_e2e_count_groups(const lt_run_t *r, const char *kind, const char *cls);
long long lt_e2e_group_bytes(const json_t *g);
long long lt_e2e_group_count(const json_t *g);
int lt_e2e_stack_has(const json_t *g, const char *function);
/* Function name of frame i of the group's stack (NULL if absent). */
const char *lt_e2e_frame_function(const json_t *g, size_t i);

#endif
