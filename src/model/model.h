/* The report model: what a finished report holds (groups with their frames
 * and handle details, totals, notes, the suppression rules used), and the
 * text emitter that prints it. One model for both writers of text: the
 * shim builds it from its snapshots (src/report/), the leaktrace command
 * reads it back from the JSON contract (tools/textreport.c), and both print
 * it with lt_text_write, so the two texts are the same bytes.
 *
 * The model layer uses the contract only; memory comes from the two
 * functions below, which each program that links lt_model defines: the shim
 * from its private allocator (src/report/modelmem.c), the command from libc
 * (tools/textreport.c). */
#ifndef LT_MODEL_H
#define LT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <uthash.h>

#include "../vocab.h"
#include "buf.h"

/* Reallocate p (old bytes long) to n bytes; NULL on failure, p kept. */
void *lt_model_realloc(void *p, size_t old, size_t n);
void lt_model_free(void *p);

enum lt_reason { LT_REASON_EXIT, LT_REASON_SNAPSHOT, LT_REASON_SIGNAL };

#define LT_ORIGIN_FORK 2

/* One symbolized frame. Strings live as long as the report. */
typedef struct {
	uintptr_t addr;
	const char *function;  /* NULL when unknown */
	const char *file;      /* NULL when unknown */
	int line;
	const char *module;
	int inlined;           /* an inlined call inside the next frame */
} lt_frame_t;

/* Details of one open handle; a field is written when set. */
typedef struct {
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
	/* streams (kind file) made by popen: 1, and the command when known */
	int popen;
	const char *command;
} lt_handle_detail_t;

void lt_handle_detail_init(lt_handle_detail_t *d);

typedef struct {
	int kind;
	int cls;
	int origin;                /* 0 traced, 1 unknown (handles), 2 memory
				    * allocated before fork (LT_ORIGIN_FORK) */
	uint32_t stack;
	int running;               /* a thread or child still running: listed,
				    * never leaked */
} lt_group_key_t;

typedef struct {
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
	UT_hash_handle hh;         /* the shim's grouping table */
} lt_group_t;

typedef struct {
	uint64_t bytes, blocks;
} lt_class_total_t;

/* A suppression rule and what it matched. */
typedef struct {
	const char *text;          /* the whole rule, "leak:foo" */
	const char *file;
	int line;
	uint64_t hits, bytes, blocks, handles;
} lt_supp_used_t;

typedef struct {
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
	const char *const *notes;      /* the run's one-line notes */
	size_t nnotes;

	lt_group_t *table;             /* uthash by key (the shim, while grouping) */
	lt_group_t **sorted;           /* after sorting */
	size_t ngroups;

	const lt_supp_used_t *rules;   /* every suppression rule loaded */
	size_t nrules;

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
	struct {                       /* the stack cache (option stack_cache) */
		const char *mode;      /* "off", "on", "verify"; NULL: not known */
		uint64_t hits, misses, fills, verified, mismatches;
	} stack_cache;
} lt_report_t;

/* Append "NAME COUNT" (fmt, given the kind's name and count) for each
 * handle kind with open handles, ", " between; b NULL: only count them.
 * Returns how many kinds have open handles. */
int lt_report_kinds(const lt_report_t *r, lt_buf_t *b, const char *fmt);

/* What the text shows beyond the totals (the options show_classes,
 * min_bytes, max_leaks, show_suppressed, report_inherited). */
typedef struct {
	unsigned show_classes;         /* LT_CLS_* bits */
	uint64_t min_bytes;
	long max_leaks;                /* 0: all */
	int show_suppressed;
	int report_inherited;
} lt_text_view_t;

/* The view options ask for (the shim passes lt_opt). */
struct lt_options;
void lt_text_view_from_options(lt_text_view_t *v, const struct lt_options *o);
/* Does the text report show this group? */
int lt_text_shows(const lt_text_view_t *v, const lt_group_t *g);
/* The text report (valgrind/LSan style). */
void lt_text_write(const lt_report_t *r, const lt_text_view_t *v, lt_buf_t *b);

#endif
