/* End-to-end test harness: run a test program with libleaktrace.so
 * preloaded in its environment only, capture its output and status, and
 * load its JSON report with jansson. */
#ifndef LT_E2E_HARNESS_H
#define LT_E2E_HARNESS_H

#include <jansson.h>
#include <stdint.h>

#define LT_E2E_MAX_REPORTS 512

typedef struct lt_run {
	json_t *report;      /* the latest JSON report (highest sequence), or NULL */
	int nreports;        /* valid JSON report files found */
	json_t *reports[LT_E2E_MAX_REPORTS];  /* all of them (owned) */
	int status;          /* exit status, or 128 + signal */
	char *out, *err;     /* captured stdout / stderr (NUL-terminated) */
	char dir[256];       /* the run's temporary directory */
	int pid;             /* while started and not yet waited for */
	char name[64];
} lt_run_t;

/* Path of a built test program (searched under $LT_PROGRAMS), or of an
 * installed one given by its absolute path (NULL when not executable). */
const char *lt_e2e_program(const char *name);
/* Run program `name` with argv (NULL-terminated, without argv[0]; may be
 * NULL) under the shim with LEAKTRACE_OPTIONS=format=json:output=DIR/r.%p.%n.json
 * followed by `options` (may be NULL). Returns 0 when the program ran. */
int lt_e2e_run(lt_run_t *r, const char *name, const char *options, char *const argv[]);
/* Same, with no shim and no options (the reference run). */
int lt_e2e_run_native(lt_run_t *r, const char *name, char *const argv[]);
/* Same with an explicit environment addition ("K=V", may be NULL). */
int lt_e2e_run_env(lt_run_t *r, const char *name, const char *options,
		   char *const argv[], const char *extra_env);
void lt_e2e_free(lt_run_t *r);

/* Start without waiting (a server); then lt_e2e_wait collects it like
 * lt_e2e_run does (status, output, last report). */
int lt_e2e_start(lt_run_t *r, const char *name, const char *options, char *const argv[]);
int lt_e2e_start_native(lt_run_t *r, const char *name, char *const argv[]);
int lt_e2e_wait(lt_run_t *r);
/* What the started program wrote to stdout so far. Caller frees. */
char *lt_e2e_read_stdout(const lt_run_t *r);
/* Files in the run's directory whose name contains the given text. */
int lt_e2e_count_files(const lt_run_t *r, const char *suffix);
/* Run a command (argv[0] is a path), capture output; returns its status.
 * Caller frees *out and *err (err may be NULL). */
int lt_e2e_command(char *const argv[], char **out, char **err);

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
