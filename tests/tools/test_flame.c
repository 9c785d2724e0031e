/* Unit tests of the flame-graph aggregation: frames merged by label along the path, outermost first. */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "flame.h"

/* Renders a preorder tree as "label:bytes/count" lines indented by depth, which makes the
 * expected structure readable in the test. */
static void render_view(json_t *flame, const char *view, const char *kind, char *out,
			size_t len)
{
	json_t *names = json_object_get(flame, "names");
	json_t *t = json_object_get(json_object_get(flame, view), kind);
	cr_assert_not_null(t, "no tree for %s", kind);
	size_t n = json_array_size(json_object_get(t, "n"));
	int depth[256];
	size_t off = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && i < 256; i++) {
		json_int_t p = json_integer_value(json_array_get(json_object_get(t, "p"), i));
		depth[i] = p < 0 ? 0 : depth[p] + 1;
		cr_assert(p < (json_int_t)i, "parent must precede the child");
		const char *label = json_string_value(json_array_get(names,
			json_integer_value(json_array_get(json_object_get(t, "n"), i))));
		off += snprintf(out + off, len - off, "%*s%s:%lld/%lld\n", 2 * depth[i], "", label,
			(long long)json_integer_value(json_array_get(json_object_get(t, "b"), i)),
			(long long)json_integer_value(json_array_get(json_object_get(t, "c"), i)));
	}
}

static void render(json_t *flame, const char *kind, char *out, size_t len)
{
	render_view(flame, "trees", kind, out, len);
}

Test(flame, memory_tree_merges_common_prefixes)
{
	struct lt_report r;
	char got[4096];
	load_fixture("basic.json", &r);
	json_t *fl = lt_flame_build(&r, false);
	cr_assert_not_null(fl);
	render(fl, "memory", got, sizeof got);
	/* still reachable (config_load) and suppressed (foo_init) groups are left out */
	cr_expect_str_eq(got,
		"memory:368/4\n"
		"  cache_put:16/1\n"
		"  main:352/3\n"
		"    handle_client:320/2\n"
		"      make_session:320/2\n"
		"    make_session:32/1\n"
		"      session_name:32/1\n");
	render(fl, "socket", got, sizeof got);
	cr_expect_str_eq(got,
		"socket:0/1\n"
		"  main:0/1\n"
		"    handle_client:0/1\n"
		"      libc.so.6@0x7f0000001000:0/1\n");
	render(fl, "fd", got, sizeof got);
	cr_expect_str_eq(got,
		"fd:0/2\n"
		"  [unknown origin]:0/1\n"
		"  open_log:0/1\n");
	cr_expect_null(json_object_get(json_object_get(fl, "trees"), "dir"));
	json_decref(fl);
	lt_reportfile_free(&r);
}

Test(flame, all_includes_reachable_and_suppressed)
{
	struct lt_report r;
	char got[4096];
	load_fixture("basic.json", &r);
	json_t *fl = lt_flame_build(&r, true);
	cr_assert_not_null(fl);
	render(fl, "memory", got, sizeof got);
	cr_expect_str_eq(got,
		"memory:1376/6\n"
		"  cache_put:16/1\n"
		"  config_load:1000/1\n"
		"  foo_init:8/1\n"
		"  main:352/3\n"
		"    handle_client:320/2\n"
		"      make_session:320/2\n"
		"    make_session:32/1\n"
		"      session_name:32/1\n");
	json_decref(fl);
	lt_reportfile_free(&r);
}

Test(flame, equal_labels_from_different_lines_merge)
{
	/* new.json: two make_session groups (different addresses) become one path */
	struct lt_report r;
	char got[4096];
	load_fixture("new.json", &r);
	json_t *fl = lt_flame_build(&r, false);
	render(fl, "memory", got, sizeof got);
	cr_expect_str_eq(got,
		"memory:1100/16\n"
		"  cache_put:500/5\n"
		"  libx.so@0x7f0000009000:30/3\n"
		"  main:420/5\n"
		"    make_session:420/5\n"
		"  new_thing:50/2\n"
		"  shrinker:100/1\n");
	json_decref(fl);
	lt_reportfile_free(&r);
}

Test(flame, bottom_up_roots_at_the_allocation_site)
{
	/* bottomup.json (innermost first): xmalloc<-parse_request<-serve<-main 100/1,
	 * xmalloc<-load_config<-main 40/2, xmalloc<-parse_request<-serve 8/1 (cut at depth 3,
	 * no main), strdup<-load_config<-main 16/1, and a socket from connect_db<-main. */
	struct lt_report r;
	char got[4096];
	load_fixture("bottomup.json", &r);
	json_t *fl = lt_flame_build(&r, false);
	cr_assert_not_null(fl);
	/* top-down: the cut stack is a second root (serve beside main) */
	render(fl, "memory", got, sizeof got);
	cr_expect_str_eq(got,
		"memory:164/5\n"
		"  main:156/4\n"
		"    load_config:56/3\n"
		"      strdup:16/1\n"
		"      xmalloc:40/2\n"
		"    serve:100/1\n"
		"      parse_request:100/1\n"
		"        xmalloc:100/1\n"
		"  serve:8/1\n"
		"    parse_request:8/1\n"
		"      xmalloc:8/1\n");
	/* bottom-up: one xmalloc with its two callers, the cut stack merged under
	 * parse_request <- serve and ending there */
	render_view(fl, "inverted", "memory", got, sizeof got);
	cr_expect_str_eq(got,
		"memory:164/5\n"
		"  strdup:16/1\n"
		"    load_config:16/1\n"
		"      main:16/1\n"
		"  xmalloc:148/4\n"
		"    load_config:40/2\n"
		"      main:40/2\n"
		"    parse_request:108/2\n"
		"      serve:108/2\n"
		"        main:100/1\n");
	/* handles count the same way in both directions */
	render_view(fl, "inverted", "socket", got, sizeof got);
	cr_expect_str_eq(got,
		"socket:0/1\n"
		"  socket:0/1\n"
		"    connect_db:0/1\n"
		"      main:0/1\n");
	json_decref(fl);
	lt_reportfile_free(&r);
}

Test(flame, bottom_up_of_basic_keeps_unknown_origin)
{
	struct lt_report r;
	char got[4096];
	load_fixture("basic.json", &r);
	json_t *fl = lt_flame_build(&r, false);
	cr_assert_not_null(fl);
	render_view(fl, "inverted", "memory", got, sizeof got);
	cr_expect_str_eq(got,
		"memory:368/4\n"
		"  cache_put:16/1\n"
		"  make_session:320/2\n"
		"    handle_client:320/2\n"
		"      main:320/2\n"
		"  session_name:32/1\n"
		"    make_session:32/1\n"
		"      main:32/1\n");
	render_view(fl, "inverted", "fd", got, sizeof got);
	cr_expect_str_eq(got,
		"fd:0/2\n"
		"  [unknown origin]:0/1\n"
		"  open_log:0/1\n");
	json_decref(fl);
	lt_reportfile_free(&r);
}

/* Labels are looked up by the loader's interned pointers: an unsymbolized address seen in
 * one module must not lend its label to the same address in another module. */
Test(flame, same_address_in_two_modules_keeps_two_labels)
{
	char path[] = "/tmp/lt-flame-mods-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	fputs("{\"format_version\":1,\"pid\":9,\"exe\":\"/t\",\"reason\":\"exit\",\"sequence\":0,"
	      "\"time\":\"2026-11-26T09:00:00Z\",\"gate\":{\"failed\":false},"
	      "\"summary\":{\"leaked_bytes\":0,\"leaked_blocks\":0,\"leaked_handles\":0,"
	      "\"live_bytes\":0,\"live_blocks\":0,\"live_handles\":0,\"by_class\":{}},\"leaks\":["
	      "{\"id\":1,\"kind\":\"memory\",\"class\":\"definitely_lost\",\"leaked\":true,"
	      "\"bytes\":8,\"count\":1,\"stack_id\":1,\"stack\":["
	      "{\"address\":\"0x10\",\"function\":null,\"file\":null,\"line\":0,\"module\":\"/l/a.so\"},"
	      "{\"address\":\"0x10\",\"function\":null,\"file\":null,\"line\":0,\"module\":\"/l/b.so\"}]},"
	      "{\"id\":2,\"kind\":\"memory\",\"class\":\"definitely_lost\",\"leaked\":true,"
	      "\"bytes\":4,\"count\":1,\"stack_id\":2,\"stack\":["
	      "{\"address\":\"0x10\",\"function\":null,\"file\":null,\"line\":0,\"module\":\"/l/b.so\"},"
	      "{\"address\":\"0x10\",\"function\":\"main\",\"file\":null,\"line\":0,\"module\":\"/l/a.so\"}]}]}",
	      f);
	fclose(f);
	struct lt_report r;
	char err[512], got[4096];
	cr_assert_eq(lt_reportfile_load(path, &r, err, sizeof err), 0, "%s", err);
	unlink(path);
	json_t *fl = lt_flame_build(&r, false);
	cr_assert_not_null(fl);
	render(fl, "memory", got, sizeof got);
	cr_expect_str_eq(got,
		"memory:12/2\n"
		"  b.so@0x10:8/1\n"
		"    a.so@0x10:8/1\n"
		"  main:4/1\n"
		"    b.so@0x10:4/1\n");
	json_decref(fl);
	lt_reportfile_free(&r);
}
