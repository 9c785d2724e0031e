/* `leaktrace report --format sarif`: saved reports as a SARIF 2.1.0 log (OASIS standard),
 * so GitHub code scanning and other SARIF viewers show leaks on the diff.
 *
 * Mapping (every name below is a SARIF 2.1.0 property; see the spec sections cited):
 *   sarifLog (3.13)        version "2.1.0", $schema, one run for all the reports given
 *   run.tool.driver (3.19) name "leaktrace", version, rules: one reportingDescriptor (3.49)
 *                          per memory class ("memory/definitely_lost") or handle kind
 *                          ("handle/socket") that a result uses, in order of first use
 *   result (3.27)          one per leaked, unsuppressed group (with --all, every other
 *                          unsuppressed group too, at level "note"): ruleId + ruleIndex,
 *                          level "error" for what the gate counts, message.text,
 *                          locations[0] = the allocation site, codeFlows[0] = the stack,
 *                          partialFingerprints, and the group's numbers as properties
 *   location (3.28)        physicalLocation.artifactLocation.uri + region.startLine, the
 *                          function as a logicalLocation
 *   codeFlow (3.36)        one threadFlow whose locations run outermost frame first, as
 *                          SARIF orders a flow by execution (3.37.3), nestingLevel = depth
 *
 * GitHub code scanning (docs "SARIF support for code scanning") additionally wants: a
 * ruleId on every result, at least one location with a physicalLocation whose
 * artifactLocation.uri is relative to the repository root or an absolute file:// URI, and
 * region.startLine; partialFingerprints are optional (upload-sarif computes its own from
 * the source when absent, the REST upload does not, so we always give one). --source-root
 * makes the relative URIs: a file under it becomes "dir/file.c" with uriBaseId SRCROOT,
 * and run.originalUriBaseIds maps SRCROOT to the directory. */
#include "sarif.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SARIF_SCHEMA "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#define SRCROOT "SRCROOT"

/* ---------------------------------------------------------------------------------------
 * URIs
 * ------------------------------------------------------------------------------------- */

/* RFC 3986: unreserved characters and '/' stay, everything else (spaces, '%', '#', '?',
 * non-ASCII bytes of UTF-8 names) is percent-encoded, so any path is a valid
 * uri-reference. */
static json_t *uri_json(const char *prefix, const char *path)
{
	size_t n = strlen(prefix), cap = n + 3 * strlen(path) + 1;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	memcpy(s, prefix, n);
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		unsigned c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
			s[n++] = (char)c;
		} else {
			static const char hex[] = "0123456789ABCDEF";
			s[n++] = '%';
			s[n++] = hex[c >> 4];
			s[n++] = hex[c & 15];
		}
	}
	s[n] = 0;
	json_t *j = json_string(s);
	free(s);
	return j;
}

/* The part of FILE under ROOT ("src/a.c" for root "/w" and file "/w/src/a.c"), or NULL. */
static const char *under_root(const char *file, const char *root, size_t rootlen)
{
	if (!root || !file || strncmp(file, root, rootlen) != 0 || file[rootlen] != '/')
		return NULL;
	return file + rootlen + 1;
}

struct ctx {
	const char *root; /* without trailing slashes, or NULL */
	size_t rootlen;
	json_t *rules;    /* the driver's rules array */
};

/* An artifactLocation for FILE: relative to SRCROOT when under the source root, a
 * file:// URI when absolute, else the relative path as it is. */
static json_t *artifact_location(const struct ctx *c, const char *file)
{
	const char *rel = under_root(file, c->root, c->rootlen);
	if (rel)
		return json_pack("{s:o,s:s}", "uri", uri_json("", rel), "uriBaseId", SRCROOT);
	return json_pack("{s:o}", "uri", uri_json(file[0] == '/' ? "file://" : "", file));
}

/* ---------------------------------------------------------------------------------------
 * Locations
 * ------------------------------------------------------------------------------------- */

/* A location (3.28) for frame F: its source position when known (with MODULE_AS_FILE,
 * the module's file when only that is), its function as a logical location, and MESSAGE
 * when given. */
static json_t *frame_location(const struct ctx *c, const struct lt_frame *f, bool module_as_file,
			      const char *message)
{
	json_t *loc = json_object();
	const char *file = f->file ? f->file : module_as_file ? f->module : NULL;
	if (file && *file) {
		json_t *phys = json_object();
		json_object_set_new(phys, "artifactLocation", artifact_location(c, file));
		if (f->file && f->line > 0)
			json_object_set_new(phys, "region",
					    json_pack("{s:I}", "startLine", (json_int_t)f->line));
		json_object_set_new(loc, "physicalLocation", phys);
	}
	if (f->function)
		json_object_set_new(loc, "logicalLocations",
				    json_pack("[{s:s,s:s}]", "name", f->function, "kind", "function"));
	if (message)
		json_object_set_new(loc, "message", json_pack("{s:s}", "text", message));
	return loc;
}

/* The allocation site: the innermost frame with a source line under the source root,
 * else the innermost frame with a source line, else with a file, else the first frame.
 * Frames of libc (no debug information) are skipped so the site is the caller's code. */
static const struct lt_frame *site_frame(const struct ctx *c, const struct lt_group *g)
{
	for (size_t i = 0; c->root && i < g->nframes; i++)
		if (g->frames[i].line > 0 && under_root(g->frames[i].file, c->root, c->rootlen))
			return &g->frames[i];
	for (size_t i = 0; i < g->nframes; i++)
		if (g->frames[i].file && g->frames[i].line > 0)
			return &g->frames[i];
	for (size_t i = 0; i < g->nframes; i++)
		if (g->frames[i].file)
			return &g->frames[i];
	return g->nframes ? &g->frames[0] : NULL;
}

/* "#2 handle_request /src/server.c:97 (/usr/bin/server)", the text report's frame line. */
static char *frame_text(size_t i, const struct lt_frame *f)
{
	char *s = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&s, &len);
	if (!m)
		return NULL;
	fprintf(m, "#%zu %s", i, f->address ? f->address : "0x0");
	if (f->function)
		fprintf(m, " in %s", f->function);
	if (f->file)
		fprintf(m, " %s:%lld", f->file, f->line);
	if (f->module)
		fprintf(m, " (%s)", f->module);
	if (f->inlined)
		fputs(" [inlined]", m);
	fclose(m);
	return s;
}

/* codeFlows: one code flow with one thread flow, outermost frame first. */
static json_t *code_flows(const struct ctx *c, const struct lt_group *g)
{
	json_t *locs = json_array();
	for (size_t k = 0; k < g->nframes; k++) {
		size_t i = g->nframes - 1 - k; /* the file lists frames innermost first */
		const struct lt_frame *f = &g->frames[i];
		char *text = frame_text(i, f);
		json_t *tfl = json_object();
		json_object_set_new(tfl, "location", frame_location(c, f, false, text));
		json_object_set_new(tfl, "nestingLevel", json_integer((json_int_t)k));
		if (f->module)
			json_object_set_new(tfl, "module", json_string(f->module));
		json_array_append_new(locs, tfl);
		free(text);
	}
	return json_pack("[{s:[{s:o}]}]", "threadFlows", "locations", locs);
}

/* ---------------------------------------------------------------------------------------
 * Rules and results
 * ------------------------------------------------------------------------------------- */

static const char *class_description(enum lt_class cl)
{
	switch (cl) {
	case LT_CLASS_DEFINITE: return "Memory definitely lost: no pointer to the block remains";
	case LT_CLASS_INDIRECT: return "Memory indirectly lost: pointed to only from lost blocks";
	case LT_CLASS_POSSIBLE: return "Memory possibly lost: only pointers into the middle of the block remain";
	case LT_CLASS_REACHABLE: return "Memory still reachable at exit";
	default: return "Memory live at exit (not classified)";
	}
}

/* The index of the rule for G in the driver's rules, adding the rule on first use. */
static size_t rule_index(struct ctx *c, const struct lt_group *g, char *id, size_t idlen)
{
	if (g->is_memory)
		snprintf(id, idlen, "memory/%s", lt_reportfile_class_name(g->class_));
	else
		snprintf(id, idlen, "handle/%s", g->kind);
	size_t i;
	json_t *r;
	json_array_foreach(c->rules, i, r)
		if (strcmp(json_string_value(json_object_get(r, "id")), id) == 0)
			return i;
	char desc[256];
	if (g->is_memory)
		snprintf(desc, sizeof desc, "%s", class_description(g->class_));
	else
		snprintf(desc, sizeof desc, "Handle of kind %s left open", g->kind);
	json_array_append_new(c->rules, json_pack("{s:s,s:{s:s}}", "id", id,
						  "shortDescription", "text", desc));
	return json_array_size(c->rules) - 1;
}

/* FNV-1a 64 over the group's identity that survives rebuilds and other checkouts: kind,
 * class, and per frame the function and the file (relative to the source root when under
 * it), without line numbers so an edit elsewhere in the file keeps the alert. */
static void fingerprint(const struct ctx *c, const struct lt_group *g, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ull;
#define MIX(s)                                                                     \
	do {                                                                       \
		for (const unsigned char *p_ = (const unsigned char *)(s); *p_; p_++) \
			h = (h ^ *p_) * 0x100000001b3ull;                            \
		h = (h ^ 0xff) * 0x100000001b3ull; /* field separator: not UTF-8 */  \
	} while (0)
	MIX(g->kind);
	MIX(lt_reportfile_class_name(g->class_));
	for (size_t i = 0; i < g->nframes; i++) {
		const struct lt_frame *f = &g->frames[i];
		const char *rel = under_root(f->file, c->root, c->rootlen);
		MIX(f->function ? f->function : "");
		MIX(rel ? rel : f->file ? f->file : "");
	}
#undef MIX
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static json_t *result_json(struct ctx *c, const struct lt_report *r, const struct lt_group *g)
{
	char id[160];
	size_t ri = rule_index(c, g, id, sizeof id);
	const struct lt_frame *site = site_frame(c, g);

	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return NULL;
	if (g->is_memory) {
		char cls[32]; /* "definitely_lost" -> "definitely lost" */
		snprintf(cls, sizeof cls, "%s", lt_reportfile_class_name(g->class_));
		for (char *p = cls; *p; p++)
			if (*p == '_')
				*p = ' ';
		fprintf(m, "%lld byte(s) in %lld block(s) %s", g->bytes, g->count,
			g->class_ == LT_CLASS_UNCLASSIFIED ? "live at exit" : cls);
	} else {
		fprintf(m, "%lld %s handle(s) %s", g->count, g->kind, g->leaked ? "leaked" : "open");
	}
	if (site && site->function)
		fprintf(m, ", %s in %s", g->is_memory ? "allocated" : "opened", site->function);
	else if (!g->nframes)
		fputs(", of unknown origin", m);
	if (site && site->file && site->line > 0) {
		const char *rel = under_root(site->file, c->root, c->rootlen);
		fprintf(m, " (%s:%lld)", rel ? rel : site->file, site->line);
	}
	fprintf(m, ", in process %lld (%s)", r->pid, r->exe);
	fclose(m);

	json_t *res = json_object();
	json_object_set_new(res, "ruleId", json_string(id));
	json_object_set_new(res, "ruleIndex", json_integer((json_int_t)ri));
	json_object_set_new(res, "level", json_string(g->leaked ? "error" : "note"));
	json_object_set_new(res, "message", json_pack("{s:s}", "text", text));
	free(text);
	/* A result with no frame at all (a descriptor seen open but never seen created) is
	 * placed at the program file: code scanning requires a physical location. */
	struct lt_frame exe_frame = { .module = r->exe };
	json_object_set_new(res, "locations",
			    json_pack("[o]", frame_location(c, site ? site : &exe_frame, true, NULL)));
	if (g->nframes)
		json_object_set_new(res, "codeFlows", code_flows(c, g));
	char fp[17];
	fingerprint(c, g, fp);
	json_object_set_new(res, "partialFingerprints", json_pack("{s:s}", "leaktraceStack/v1", fp));
	json_t *props = json_pack("{s:s,s:s,s:I,s:I,s:I,s:s}", "kind", g->kind, "class",
				  lt_reportfile_class_name(g->class_), "bytes", (json_int_t)g->bytes,
				  "count", (json_int_t)g->count, "pid", (json_int_t)r->pid, "exe",
				  r->exe);
	if (g->handles)
		json_object_set(props, "handles", g->handles);
	json_object_set_new(res, "properties", props);
	return res;
}

/* ---------------------------------------------------------------------------------------
 * The log
 * ------------------------------------------------------------------------------------- */

json_t *lt_sarif_log(const struct lt_report *reports, size_t n, bool all, const char *source_root)
{
	struct ctx c = { .rules = json_array() };
	if (source_root && *source_root) {
		c.root = source_root;
		c.rootlen = strlen(source_root);
		while (c.rootlen > 1 && source_root[c.rootlen - 1] == '/')
			c.rootlen--;
	}
	json_t *results = json_array();
	for (size_t k = 0; k < n; k++) {
		const struct lt_report *r = &reports[k];
		for (size_t i = 0; i < r->ngroups; i++) {
			const struct lt_group *g = &r->groups[i];
			if (g->suppressed || !(g->leaked || (all && lt_reportfile_group_shown(g, true))))
				continue;
			json_array_append_new(results, result_json(&c, r, g));
		}
	}
	const char *version = n && reports[0].version ? reports[0].version : LT_VERSION;
	json_t *driver = json_pack("{s:s,s:s,s:o}", "name", "leaktrace", "version", version,
				   "rules", c.rules);
	json_t *run = json_pack("{s:{s:o},s:o}", "tool", "driver", driver, "results", results);
	if (c.root) {
		/* 3.14.14: the base URI of a uriBaseId ends with a slash. */
		char *dir = strndup(c.root, c.rootlen);
		if (dir) {
			json_t *u = uri_json("file://", dir);
			char *withslash = NULL;
			if (u && asprintf(&withslash, "%s%s", json_string_value(u),
					  c.rootlen == 1 ? "" : "/") >= 0) {
				json_object_set_new(run, "originalUriBaseIds",
						    json_pack("{s:{s:s}}", SRCROOT, "uri", withslash));
				free(withslash);
			}
			json_decref(u);
			free(dir);
		}
	}
	return json_pack("{s:s,s:s,s:[o]}", "$schema", SARIF_SCHEMA, "version", "2.1.0", "runs", run);
}

int lt_sarif_write(FILE *out, const struct lt_report *reports, size_t n, bool all,
		   const char *source_root)
{
	json_t *log = lt_sarif_log(reports, n, all, source_root);
	if (!log)
		return -1;
	int rc = json_dumpf(log, out, JSON_INDENT(2));
	fputc('\n', out);
	json_decref(log);
	return rc ? -1 : 0;
}
