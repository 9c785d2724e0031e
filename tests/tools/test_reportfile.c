/* Unit tests of report loading: accepted fields, match keys, frame labels and the exact bad-input errors. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "fixture.h"
#include "strmap.h"

Test(reportfile, loads_every_field_of_basic)
{
	struct lt_report r;
	load_fixture("basic.json", &r);
	cr_expect_eq(r.pid, 1234);
	cr_expect_eq(r.ppid, 1200);
	cr_expect_str_eq(r.exe, "/usr/bin/server");
	cr_expect_str_eq(r.reason, "exit");
	cr_expect_eq(r.signal, -1);
	cr_expect(r.gate_failed);
	cr_expect_eq(r.gate_exitcode, 23);
	cr_expect_eq(r.leaked_bytes, 352);
	cr_expect_eq(r.by_class[LT_CLASS_REACHABLE].bytes, 1000);
	cr_assert_eq(r.ngroups, 10);
	const struct lt_group *g = &r.groups[0];
	cr_expect_str_eq(g->kind, "memory");
	cr_expect_eq(g->class_, LT_CLASS_DEFINITE);
	cr_expect(g->is_memory);
	cr_expect_eq(g->bytes, 320);
	cr_expect_eq(g->count, 2);
	cr_assert_eq(g->nframes, 3);
	cr_expect_str_eq(g->frames[0].function, "make_session");
	cr_expect_eq(g->frames[0].line, 42);
	/* handles: origin defaults, details kept as JSON */
	cr_expect_str_eq(r.groups[2].origin, "traced");
	cr_expect_eq(json_array_size(r.groups[2].handles), 1);
	cr_expect_null(r.groups[2].frames[0].function);
	cr_expect_str_eq(r.groups[8].origin, "unknown");
	cr_expect_eq(r.groups[8].nframes, 0);
	cr_expect(r.groups[9].suppressed);
	cr_expect_str_eq(r.groups[9].suppressed_by, "leak:libfoo");
	lt_reportfile_free(&r);
}

struct bad_case {
	const char *file;
	const char *message; /* after "<path>: " */
};

static const struct bad_case bad_cases[] = {
	{"bad_notjson.json", "line 3: string or '}' expected near 'oops'"},
	{"bad_empty.json", "line 1: '[' or '{' expected near end of file"},
	{"bad_toplevel.json", "expected a JSON object at the top level, got an array"},
	{"bad_missing_pid.json", "missing required key \"pid\""},
	{"bad_version.json", "format_version: unsupported format version 2 (this leaktrace reads 1)"},
	{"bad_leaks_type.json", "leaks: expected an array, got an object"},
	{"bad_frame_line.json", "leaks[0].stack[0].line: expected an integer, got a string"},
	{"bad_class_kind.json", "leaks[0].class: class \"definitely_lost\" does not fit kind \"socket\""},
	{"bad_negative.json", "leaks[0].bytes: expected a non-negative integer, got -8"},
	{"no_such_file.json", "cannot open: No such file or directory"},
};

Test(reportfile, bad_input_gives_one_exact_message)
{
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		char path[1024], err[512], want[2048];
		struct lt_report r;
		fixture_path(path, sizeof path, bad_cases[i].file);
		cr_expect_eq(lt_reportfile_load(path, &r, err, sizeof err), -1, "%s", bad_cases[i].file);
		snprintf(want, sizeof want, "%s: %s", path, bad_cases[i].message);
		cr_expect_str_eq(err, want);
	}
}

Test(reportfile, directory_is_named_as_such)
{
	char err[512];
	struct lt_report r;
	cr_assert_eq(lt_reportfile_load(LT_TEST_DATA, &r, err, sizeof err), -1);
	cr_expect_str_eq(err, LT_TEST_DATA ": is a directory");
}

Test(reportfile, diff_on_bad_input_exits_2_with_one_line, .init = cr_redirect_stderr)
{
	char *argv[] = {"diff", LT_TEST_DATA "/minimal.json", LT_TEST_DATA "/bad_version.json", NULL};
	cr_assert_eq(lt_cmd_diff(3, argv), 2);
	fflush(stderr);
	cr_assert_stderr_eq_str("leaktrace: error: " LT_TEST_DATA
				"/bad_version.json: format_version: unsupported format version 2 (this leaktrace reads 1)\n");
}

Test(reportfile, report_on_bad_input_exits_2_with_one_line, .init = cr_redirect_stderr)
{
	char *argv[] = {"report", LT_TEST_DATA "/bad_frame_line.json", NULL};
	cr_assert_eq(lt_cmd_report(2, argv), 2);
	fflush(stderr);
	cr_assert_stderr_eq_str("leaktrace: error: " LT_TEST_DATA
				"/bad_frame_line.json: leaks[0].stack[0].line: expected an integer, got a string\n");
}

Test(reportfile, key_ignores_stack_id_and_addresses_when_symbolized)
{
	struct lt_report r;
	load_fixture("new.json", &r);
	/* groups 2 and 6: same function/file/line list, different stack_id and address */
	char *a = lt_reportfile_group_key(&r.groups[1]);
	char *b = lt_reportfile_group_key(&r.groups[5]);
	char *c = lt_reportfile_group_key(&r.groups[0]);
	cr_expect_str_eq(a, b);
	cr_expect_str_neq(a, c);
	free(a), free(b), free(c);
	lt_reportfile_free(&r);
}

Test(reportfile, key_falls_back_to_stack_id_when_unsymbolized)
{
	struct lt_frame f = {.address = "0x1", .module = "/m"};
	struct lt_group g1 = {.kind = "memory", .class_ = LT_CLASS_UNCLASSIFIED, .is_memory = true,
			      .stack_id = 5, .frames = &f, .nframes = 1};
	struct lt_group g2 = g1;
	g2.stack_id = 6;
	char *a = lt_reportfile_group_key(&g1), *b = lt_reportfile_group_key(&g2);
	cr_expect_str_neq(a, b);
	free(a), free(b);
}

Test(reportfile, key_fields_cannot_fake_separators)
{
	/* "a|1:b" + "c" must not equal "a" + "1:b|c": fields are length-prefixed */
	struct lt_frame f1[] = {{.function = "a|1:b", .file = "c", .line = 1}};
	struct lt_frame f2[] = {{.function = "a", .file = "1:b|c", .line = 1}};
	struct lt_group g1 = {.kind = "memory", .class_ = LT_CLASS_UNCLASSIFIED, .frames = f1, .nframes = 1};
	struct lt_group g2 = {.kind = "memory", .class_ = LT_CLASS_UNCLASSIFIED, .frames = f2, .nframes = 1};
	char *a = lt_reportfile_group_key(&g1), *b = lt_reportfile_group_key(&g2);
	cr_expect_str_neq(a, b);
	free(a), free(b);
}

Test(reportfile, frame_labels)
{
	char buf[64];
	struct lt_frame named = {.function = "ns::f;g\nh", .address = "0x10"};
	struct lt_frame anon = {.module = "/usr/lib/libx.so", .address = "0x7f00"};
	struct lt_frame bare = {.address = "0x20"};
	cr_expect_str_eq(lt_reportfile_frame_label(&named, buf, sizeof buf), "ns::f:g h");
	cr_expect_str_eq(lt_reportfile_frame_label(&anon, buf, sizeof buf), "libx.so@0x7f00");
	cr_expect_str_eq(lt_reportfile_frame_label(&bare, buf, sizeof buf), "0x20");
	/* a label cut in a UTF-8 sequence is trimmed to a whole character */
	struct lt_frame wide = {.function = "abc\xc3\xa9\xc3\xa9"};
	char small[7];
	cr_expect_str_eq(lt_reportfile_frame_label(&wide, small, sizeof small), "abc\xc3\xa9");
}

/* Every distinct string of the frames in FILE, counted from jansson's own tree. */
static size_t distinct_frame_strings(const char *file)
{
	char path[1024];
	fixture_path(path, sizeof path, file);
	json_t *root = json_load_file(path, 0, NULL), *seen = json_object();
	cr_assert_not_null(root);
	size_t gi, fi;
	json_t *g, *f;
	json_array_foreach(json_object_get(root, "leaks"), gi, g) {
		json_array_foreach(json_object_get(g, "stack"), fi, f) {
			const char *k;
			json_t *v;
			json_object_foreach(f, k, v)
				if (json_is_string(v))
					json_object_set(seen, json_string_value(v), json_true());
		}
	}
	size_t n = json_object_size(seen);
	json_decref(seen);
	json_decref(root);
	return n;
}

Test(reportfile, frames_are_streamed_once_per_distinct_string)
{
	/* The work of loading a report must not grow with a tree per frame (jansson's
	 * ~20 allocations and a hash table for each frame object made an 80 MB report
	 * take 8 s): the frames are not in the tree, and each distinct string is
	 * stored once, shared by every frame that names it. */
	struct lt_report r;
	load_fixture("basic.json", &r);
	cr_assert_not_null(r.strings, "the streaming reader was not used");
	json_t *leaks = json_object_get(r.root, "leaks");
	for (size_t i = 0; i < json_array_size(leaks); i++)
		cr_expect_null(json_object_get(json_array_get(leaks, i), "stack"),
			       "leaks[%zu] keeps a jansson stack", i);
	cr_expect_eq(r.strings->len, distinct_frame_strings("basic.json"));
	/* groups 1 and 2 both end in main (/src/server.c): one copy of each */
	cr_expect_str_eq(r.groups[0].frames[2].function, "main");
	cr_expect_eq(r.groups[0].frames[2].function, r.groups[1].frames[2].function);
	cr_expect_eq(r.groups[0].frames[2].file, r.groups[1].frames[2].file);
	lt_reportfile_free(&r);
}

Test(reportfile, declined_stream_is_read_by_jansson)
{
	/* A duplicate "stack" key: jansson keeps the last value, so the streaming reader
	 * leaves the file to it, and the result is the same as for any other report. */
	char path[] = "/tmp/lt-dupstack-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	char src[1024];
	fixture_path(src, sizeof src, "minimal.json");
	json_t *root = json_load_file(src, 0, NULL);
	cr_assert_not_null(root);
	json_object_del(root, "leaks");
	char *head = json_dumps(root, JSON_COMPACT);
	head[strlen(head) - 1] = '\0'; /* drop the closing brace */
	fprintf(f, "%s,\"leaks\":[{\"id\":1,\"kind\":\"memory\",\"class\":\"definitely_lost\","
		"\"leaked\":true,\"bytes\":8,\"count\":1,\"stack_id\":1,\"stack\":\"x\","
		"\"stack\":[{\"address\":\"0x1\",\"function\":\"f\",\"file\":null,\"line\":3}]}]}",
		head);
	fclose(f);
	free(head);
	json_decref(root);
	struct lt_report r;
	char err[512];
	cr_assert_eq(lt_reportfile_load(path, &r, err, sizeof err), 0, "%s", err);
	unlink(path);
	cr_expect_null(r.strings);
	cr_assert_eq(r.ngroups, 1);
	cr_assert_eq(r.groups[0].nframes, 1);
	cr_expect_str_eq(r.groups[0].frames[0].function, "f");
	cr_expect_eq(r.groups[0].frames[0].line, 3);
	lt_reportfile_free(&r);
}

Test(reportfile, nesting_deeper_than_jansson_reads_is_refused)
{
	/* jansson refuses more than 2048 levels (and frees trees recursively): the streaming
	 * reader must not accept what it refuses, so the message is jansson's. */
	char path[] = "/tmp/lt-deep-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	fputs("{\"notes\":", f);
	for (int i = 0; i < 5000; i++)
		fputc('[', f);
	for (int i = 0; i < 5000; i++)
		fputc(']', f);
	fputs("}", f);
	fclose(f);
	struct lt_report r;
	char err[512];
	cr_assert_eq(lt_reportfile_load(path, &r, err, sizeof err), -1);
	unlink(path);
	cr_expect(strstr(err, "maximum parsing depth reached") != NULL, "%s", err);
}
