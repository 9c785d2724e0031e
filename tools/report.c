/* `leaktrace report`: re-renders saved reports as LSan-like text, folded stacks, JSON or an HTML page. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "html.h"
#include "reportfile.h"
#include "sarif.h"
#include "textreport.h"

enum format { FMT_TEXT, FMT_FOLDED, FMT_JSON, FMT_SARIF };

/* ---------------------------------------------------------------------------------------
 * Folded stacks (flamegraph.pl / inferno input)
 * ------------------------------------------------------------------------------------- */

enum unit { UNIT_BYTES, UNIT_BLOCKS, UNIT_HANDLES };

/* One unit per output (flamegraph.pl sums every line it reads): bytes or
 * blocks of memory groups, or the count of handle groups. */
static void print_folded(FILE *out, const struct lt_report *r, bool all, int unit)
{
	char label[512];
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct lt_group *g = &r->groups[i];
		if (g->is_memory != (unit != UNIT_HANDLES))
			continue;
		long long value = unit == UNIT_BYTES ? g->bytes : g->count;
		/* flamegraph.pl drops zero samples anyway; skipping keeps the output honest. */
		if (!lt_reportfile_group_shown(g, all) || value == 0)
			continue;
		if (!g->nframes)
			fputs("[unknown origin]", out);
		/* The file is innermost first; folded stacks read outermost first. */
		for (size_t k = g->nframes; k-- > 0;) {
			fputs(lt_reportfile_frame_label(&g->frames[k], label, sizeof label), out);
			if (k)
				fputc(';', out);
		}
		fprintf(out, " %lld\n", value);
	}
}

/* ---------------------------------------------------------------------------------------
 * Normalized JSON
 * ------------------------------------------------------------------------------------- */

static json_t *int_(long long x)
{
	return json_integer((json_int_t)x);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Borrowed values from the loaded tree are shared, not copied: the output lives shorter. */
static json_t *borrowed(json_t *j, json_t *dflt)
{
	if (!j)
		return dflt;
	json_decref(dflt);
	return json_incref(j);
}

static json_t *group_json(const struct lt_group *g)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", int_(g->id));
	json_object_set_new(o, "kind", json_string(g->kind));
	json_object_set_new(o, "class", json_string(lt_reportfile_class_name(g->class_)));
	json_object_set_new(o, "leaked", json_boolean(g->leaked));
	json_object_set_new(o, "suppressed", json_boolean(g->suppressed));
	if (g->suppressed)
		json_object_set_new(o, "suppressed_by", str_or_null(g->suppressed_by));
	if (!g->is_memory)
		json_object_set_new(o, "origin", json_string(g->origin));
	json_object_set_new(o, "bytes", int_(g->bytes));
	json_object_set_new(o, "count", int_(g->count));
	json_object_set_new(o, "stack_id", int_(g->stack_id));
	json_object_set_new(o, "oldest_ms", int_(g->oldest_ms));
	json_object_set_new(o, "newest_ms", int_(g->newest_ms));
	json_object_set_new(o, "stack", lt_reportfile_stack_json(g));
	if (!g->is_memory)
		json_object_set_new(o, "handles", borrowed(g->handles, json_array()));
	return o;
}

static json_t *report_json(const struct lt_report *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "tool", json_string("leaktrace"));
	json_object_set_new(o, "version", str_or_null(r->version));
	json_object_set_new(o, "format_version", int_(1));
	json_object_set_new(o, "pid", int_(r->pid));
	json_object_set_new(o, "ppid", int_(r->ppid));
	json_object_set_new(o, "exe", json_string(r->exe));
	json_object_set_new(o, "reason", json_string(r->reason));
	if (r->signal >= 0)
		json_object_set_new(o, "signal", int_(r->signal));
	json_object_set_new(o, "sequence", int_(r->sequence));
	json_object_set_new(o, "time", json_string(r->time));
	json_object_set_new(o, "uptime_ms", int_(r->uptime_ms));
	json_object_set_new(o, "classified", json_boolean(r->classified));
	json_object_set_new(o, "gate", json_pack("{s:o,s:o,s:I,s:I,s:b}",
		"counted_classes", borrowed(r->gate_counted_classes, json_array()),
		"counted_handle_kinds", borrowed(r->gate_counted_handle_kinds, json_array()),
		"threshold_bytes", (json_int_t)r->gate_threshold_bytes,
		"exitcode", (json_int_t)r->gate_exitcode, "failed", r->gate_failed));
	json_t *bc = json_object();
	for (int c = 0; c < LT_MEMORY_CLASS_COUNT; c++)
		json_object_set_new(bc, lt_reportfile_class_name((enum lt_class)c),
			json_pack("{s:I,s:I}", "bytes", (json_int_t)r->by_class[c].bytes,
				  "blocks", (json_int_t)r->by_class[c].blocks));
	json_object_set_new(o, "summary", json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:I,s:o}",
		"leaked_bytes", (json_int_t)r->leaked_bytes,
		"leaked_blocks", (json_int_t)r->leaked_blocks,
		"leaked_handles", (json_int_t)r->leaked_handles,
		"live_bytes", (json_int_t)r->live_bytes, "live_blocks", (json_int_t)r->live_blocks,
		"live_handles", (json_int_t)r->live_handles, "by_class", bc,
		"by_kind", borrowed(r->by_kind, json_object()),
		"unknown_handles", (json_int_t)r->unknown_handles,
		"suppressed", json_pack("{s:I,s:I,s:I}", "bytes", (json_int_t)r->suppressed_bytes,
			"blocks", (json_int_t)r->suppressed_blocks,
			"handles", (json_int_t)r->suppressed_handles)));
	json_t *leaks = json_array();
	for (size_t i = 0; i < r->ngroups; i++)
		json_array_append_new(leaks, group_json(&r->groups[i]));
	json_object_set_new(o, "leaks", leaks);
	if (r->suppressions)
		json_object_set(o, "suppressions", r->suppressions);
	return o;
}

/* ---------------------------------------------------------------------------------------
 * Command
 * ------------------------------------------------------------------------------------- */

static const char report_usage[] =
	"usage: leaktrace report [--format text|folded|json|sarif] [--unit bytes|blocks|handles] [--source-root DIR] [--all] [--html OUT.html] FILE.json [MORE.json ...]\n";

static const char report_help[] =
	"\n"
	"Render JSON reports (written with format=json) for a person or another tool.\n"
	"\n"
	"  --format FMT       text (default): leaks with their stacks, as the shim prints them\n"
	"                     folded: one line per stack for flamegraph.pl, in one --unit\n"
	"                     json: the reports normalized (an array for several files)\n"
	"                     sarif: SARIF 2.1.0 for code scanning, one run for all files\n"
	"  --unit UNIT        folded only: bytes (default) or blocks of leaked memory, or\n"
	"                     handles; the units never add up in one output\n"
	"  --all              also show still reachable and suppressed groups\n"
	"  --source-root DIR  sarif: write source paths relative to DIR\n"
	"  --html OUT.html    write a self-contained page (several files: one page with\n"
	"                     growth between snapshots); with --format, print that too\n"
	"  --help             this help\n"
	"\n"
	"Exit status: 0; 2 on bad input or when the output cannot be written.\n";

int lt_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"all", no_argument, NULL, 'a'},
		{"html", required_argument, NULL, 'o'},
		{"source-root", required_argument, NULL, 'r'},
		{"unit", required_argument, NULL, 'u'},
		{"help", no_argument, NULL, 'H'},
		{NULL, 0, NULL, 0},
	};
	int unit = UNIT_BYTES;
	enum format fmt = FMT_TEXT;
	bool fmt_given = false, all = false;
	const char *html = NULL, *source_root = NULL;
	int c;
	optind = 0; /* full getopt reset: the dispatcher may have parsed its own options */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fmt_given = true;
			if (strcmp(optarg, "text") == 0)
				fmt = FMT_TEXT;
			else if (strcmp(optarg, "folded") == 0)
				fmt = FMT_FOLDED;
			else if (strcmp(optarg, "json") == 0)
				fmt = FMT_JSON;
			else if (strcmp(optarg, "sarif") == 0)
				fmt = FMT_SARIF;
			else {
				fprintf(stderr, "leaktrace: error: report: unknown format \"%s\" (expected text, folded, json or sarif)\n",
					optarg);
				return 2;
			}
			break;
		case 'a': all = true; break;
		case 'o': html = optarg; break;
		case 'r': source_root = optarg; break;
		case 'u':
			if (strcmp(optarg, "bytes") == 0)
				unit = UNIT_BYTES;
			else if (strcmp(optarg, "blocks") == 0)
				unit = UNIT_BLOCKS;
			else if (strcmp(optarg, "handles") == 0)
				unit = UNIT_HANDLES;
			else {
				fprintf(stderr, "leaktrace: error: report: unknown unit \"%s\" (expected bytes, blocks or handles)\n",
					optarg);
				return 2;
			}
			break;
		case 'H': fputs(report_usage, stdout); fputs(report_help, stdout); return 0;
		default:
			fprintf(stderr, "leaktrace: error: report: unknown or incomplete option \"%s\"\n",
				argv[optind - 1]);
			fputs(report_usage, stderr);
			return 2;
		}
	}
	int nfiles = argc - optind;
	if (nfiles < 1) {
		fprintf(stderr, "leaktrace: error: report: expected at least one report file\n");
		fputs(report_usage, stderr);
		return 2;
	}
	struct lt_report *reports = calloc((size_t)nfiles, sizeof(*reports));
	if (!reports) {
		fprintf(stderr, "leaktrace: error: report: out of memory\n");
		return 2;
	}
	int status = 0, loaded = 0;
	/* Load everything first so bad input fails before any output is written. */
	for (; loaded < nfiles; loaded++) {
		if (lt_reportfile_load_or_complain(argv[optind + loaded], &reports[loaded]) != 0) {
			status = 2;
			goto out;
		}
	}
	if (html && lt_html_write(html, reports, (size_t)nfiles, all) != 0) {
		status = 2;
		goto out;
	}
	/* With --html alone the page is the output; --format asks for stdout as well. */
	if (!html || fmt_given) {
		if (fmt == FMT_SARIF) {
			/* one run for all the files: a CI job hands over every process's report */
			if (lt_sarif_write(stdout, reports, (size_t)nfiles, all, source_root) != 0)
				status = 2;
		} else if (fmt == FMT_JSON) {
			json_t *j = nfiles == 1 ? report_json(&reports[0]) : json_array();
			for (int i = 0; nfiles > 1 && i < nfiles; i++)
				json_array_append_new(j, report_json(&reports[i]));
			if (json_dumpf(j, stdout, JSON_INDENT(2)) != 0)
				status = 2;
			fputc('\n', stdout);
			json_decref(j);
		}
		for (int i = 0; fmt != FMT_JSON && fmt != FMT_SARIF && i < nfiles; i++) {
			if (fmt == FMT_FOLDED) {
				print_folded(stdout, &reports[i], all, unit);
			} else {
				if (i)
					fputc('\n', stdout);
				if (lt_textreport_write(stdout, &reports[i], all) != 0)
					status = 2;
			}
		}
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "leaktrace: error: report: cannot write output: %s\n", strerror(errno));
		status = 2;
	}
out:
	for (int i = 0; i < loaded; i++)
		lt_reportfile_free(&reports[i]);
	free(reports);
	return status;
}
