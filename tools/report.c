/* `leaktrace report`: re-renders saved reports as LSan-like text, folded stacks, JSON or an HTML page. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "html.h"
#include "reportfile.h"
#include "sarif.h"

enum format { FMT_TEXT, FMT_FOLDED, FMT_JSON, FMT_SARIF };

/* ---------------------------------------------------------------------------------------
 * Text
 * ------------------------------------------------------------------------------------- */

static const char *memory_title(enum lt_class c)
{
	switch (c) {
	case LT_CLASS_DEFINITE: return "Direct leak of";
	case LT_CLASS_INDIRECT: return "Indirect leak of";
	case LT_CLASS_POSSIBLE: return "Possible leak of";
	case LT_CLASS_REACHABLE: return "Still reachable:";
	default: return "Leak of";
	}
}

static void print_frame(FILE *out, size_t i, const struct lt_frame *f)
{
	fprintf(out, "    #%zu %s", i, f->address ? f->address : "0x0");
	if (f->function)
		fprintf(out, " in %s", f->function);
	if (f->file)
		fprintf(out, " %s:%lld", f->file, f->line);
	if (f->module)
		fprintf(out, " (%s)", f->module);
	if (f->inlined)
		fputs(" [inlined]", out);
	fputc('\n', out);
}

/* Appends " KEY VALUE" for an integer member, " VALUE" for a string one, when present. */
static void handle_part(FILE *out, json_t *h, const char *key, const char *prefix)
{
	json_t *j = json_object_get(h, key);
	if (json_is_string(j))
		fprintf(out, " %s%s", prefix, json_string_value(j));
	else if (json_is_integer(j))
		fprintf(out, " %s%lld", prefix, (long long)json_integer_value(j));
}

/* One detail line per handle, e.g.
 * "fd 5 inet stream 127.0.0.1:4000 -> 127.0.0.1:51234 CLOSE_WAIT (peer closed; ...)".
 * Keys appear only as they apply to the kind, so each is printed only when present. */
static void print_handle(FILE *out, json_t *h)
{
	fputs("   ", out);
	handle_part(out, h, "fd", "fd ");
	handle_part(out, h, "family", "");
	handle_part(out, h, "type", "");
	handle_part(out, h, "local", "");
	handle_part(out, h, "peer", "-> ");
	handle_part(out, h, "tcp_state", "");
	handle_part(out, h, "path", "");
	handle_part(out, h, "ring_fd", "ring fd ");
	handle_part(out, h, "index", "index ");
	handle_part(out, h, "length", "length ");
	handle_part(out, h, "ident", "ident ");
	handle_part(out, h, "filter", "");
	handle_part(out, h, "prot", "");
	handle_part(out, h, "pid", "pid ");
	handle_part(out, h, "state", "");
	handle_part(out, h, "exit_status", "");
	json_t *note = json_object_get(h, "note");
	if (json_is_string(note))
		fprintf(out, " (%s)", json_string_value(note));
	fputc('\n', out);
}

static void print_group(FILE *out, const struct lt_group *g)
{
	if (g->is_memory) {
		fprintf(out, "%s %lld byte(s) in %lld object(s) allocated from", memory_title(g->class_),
			g->bytes, g->count);
	} else {
		/* Handles the gate does not count (an uncounted kind) are open, not "leaked". */
		fprintf(out, "%s %s: %lld handle(s)", g->leaked ? "Leaked" : "Open", g->kind, g->count);
		if (g->bytes)
			fprintf(out, " (%lld byte(s))", g->bytes);
		fputs(g->nframes ? " opened from" : " of unknown origin", out);
	}
	if (g->suppressed)
		fprintf(out, " (suppressed by %s)", g->suppressed_by ? g->suppressed_by : "a rule");
	fputs(":\n", out);
	for (size_t i = 0; i < g->nframes; i++)
		print_frame(out, i, &g->frames[i]);
	size_t i;
	json_t *h;
	json_array_foreach(g->handles, i, h)
		print_handle(out, h);
	fputc('\n', out);
}

static void print_text(FILE *out, const struct lt_report *r, bool all)
{
	fprintf(out, "==%lld== leaktrace report %s: %s, reason %s", r->pid, r->path, r->exe,
		r->reason);
	if (r->signal >= 0)
		fprintf(out, " (signal %lld)", r->signal);
	fprintf(out, ", sequence %lld, %s\n\n", r->sequence, r->time);
	for (size_t i = 0; i < r->ngroups; i++)
		if (lt_reportfile_group_shown(&r->groups[i], all))
			print_group(out, &r->groups[i]);
	fprintf(out, "SUMMARY: leaktrace: %lld byte(s) leaked in %lld allocation(s); %lld handle(s) leaked.\n",
		r->leaked_bytes, r->leaked_blocks, r->leaked_handles);
}

/* ---------------------------------------------------------------------------------------
 * Folded stacks (flamegraph.pl / inferno input)
 * ------------------------------------------------------------------------------------- */

static void print_folded(FILE *out, const struct lt_report *r, bool all)
{
	char label[512];
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct lt_group *g = &r->groups[i];
		long long value = g->is_memory ? g->bytes : g->count;
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
	"usage: leaktrace report [--format text|folded|json|sarif] [--source-root DIR] [--all] [--html OUT.html] FILE.json [MORE.json ...]\n";

int lt_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"all", no_argument, NULL, 'a'},
		{"html", required_argument, NULL, 'o'},
		{"source-root", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'H'},
		{NULL, 0, NULL, 0},
	};
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
		case 'H': fputs(report_usage, stdout); return 0;
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
				print_folded(stdout, &reports[i], all);
			} else {
				if (i)
					fputc('\n', stdout);
				print_text(stdout, &reports[i], all);
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
