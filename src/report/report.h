/* The report: a snapshot of everything live, classified, grouped by stack,
 * suppressed, totalled, sorted, symbolized, then written as text and JSON.
 * report.c runs the pipeline; the stages live in their own files. */
#ifndef LT_REPORT_H
#define LT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "../uthash_alloc.h"
#include "../vocab.h"
#include <uthash.h>

enum lt_reason { LT_REASON_EXIT, LT_REASON_SNAPSHOT, LT_REASON_SIGNAL };

#define LT_ORIGIN_FORK 2

/* One symbolized frame. Strings are interned for the report's lifetime. */
typedef struct lt_frame {
	uintptr_t addr;
	const char *function;  /* NULL when unknown */
	const char *file;      /* NULL when unknown */
	int line;
	const char *module;
	int inlined;           /* an inlined call inside the next frame */
} lt_frame_t;

/* Details of one open handle; a field is written when set. */
typedef struct lt_handle_detail {
	int fd;                    /* -1: none */
	const char *family, *type, *local, *peer, *tcp_state, *note, *path, *filter, *what;
	int ring_fd;               /* -1: none */
	long long index;           /* -1: none */
	long long ident;           /* -1: none */
	uint64_t length;           /* 0: none */
	uintptr_t addr;            /* 0: none */
	int close_wait;
	/* threads, children, mappings */
	int pid;                   /* children: -1 none */
	const char *state;         /* "running", "ended", "zombie" */
	const char *exit_status;   /* zombies: "exited 3", "killed by SIGKILL" */
	const char *prot;          /* mappings: "rw-p" as /proc/self/maps */
} lt_handle_detail_t;

void lt_handle_detail_init(lt_handle_detail_t *d);

typedef struct lt_group_key {
	int kind;
	int cls;
	int origin;                /* 0 traced, 1 unknown (handles), 2 memory
				    * allocated before fork (LT_ORIGIN_FORK) */
	uint32_t stack;
	int running;               /* a thread or child still running: listed,
				    * never leaked */
} lt_group_key_t;

typedef struct lt_group {
	lt_group_key_t key;
	uint64_t bytes;
	uint64_t count;
	uint32_t oldest_ms, newest_ms;
	int leaked;                /* counted by the gate */
	const char *suppressed_by; /* rule text, or NULL */
	lt_frame_t *frames;
	int nframes;
	lt_handle_detail_t *handles;
	size_t nhandles, handles_cap;
	UT_hash_handle hh;
} lt_group_t;

typedef struct lt_class_total {
	uint64_t bytes, blocks;
} lt_class_total_t;

typedef struct lt_report {
	int reason;
	int signo;
	unsigned sequence;
	int pid, ppid;
	int fork_parent_pid;           /* forked child: the parent's pid at fork */
	const char *exe;
	uint64_t uptime_ms;
	int classified;
	const char *classify_note;     /* e.g. "2 threads could not be stopped" */
	const char *memory_note;       /* set when memory is not traced, and why */

	lt_group_t *table;             /* uthash by key */
	lt_group_t **sorted;           /* after sorting */
	size_t ngroups;

	lt_class_total_t by_class[LT_CLASS_COUNT];
	uint64_t by_kind[LT_KIND_COUNT];
	uint64_t leaked_bytes, leaked_blocks, leaked_handles;
	uint64_t live_bytes, live_blocks, live_handles;
	uint64_t unknown_handles;
	uint64_t supp_bytes, supp_blocks, supp_handles;
	uint64_t unknown_frees;
	int gate_failed;               /* the policy's verdict (leaks over thresholds, exitcode != 0) */
	int gate_applies;              /* 0 in a fork-only child: its status is never changed */
	double pause_ms;               /* world stopped, for snapshots */
} lt_report_t;

/* Find or create the group for a key. NULL on out-of-memory. */
lt_group_t *lt_report_group(lt_report_t *r, int kind, int cls, int origin, uint32_t stack);
/* The same, for a thread or child still running (key.running). */
lt_group_t *lt_report_group_running(lt_report_t *r, int kind, uint32_t stack);
/* Add one block/handle to a group. */
void lt_group_add(lt_group_t *g, uint64_t bytes, uint32_t ms);
/* Append handle details (copied; strings must outlive the report). */
int lt_group_add_handle(lt_group_t *g, const lt_handle_detail_t *d);
/* Intern a string in the report's arena. */
const char *lt_report_strdup(const char *s);

/* Build and write a report. Returns 0; *gate_failed is set. */
int lt_report_run(int reason, int signo, int *gate_failed);

/* What the last report counted as leaked. */
void lt_report_last_totals(uint64_t *leaked_bytes, uint64_t *leaked_handles);

unsigned lt_report_next_sequence(void);
/* How long the last report kept the other threads stopped. */
double lt_report_last_pause_ms(void);
void lt_report_reset_sequence(void);

/* Handle groups (handles.c): from a copy of the handle tables, described
 * outside their lock. */
void lt_handle_collect(lt_report_t *r);
/* A symbolized stack on stderr (the handle tables' stack printer). */
void lt_handle_print_stack(const char *title, uint32_t stack);

#endif
