/* Unit tests of the HTML page: escaping of hostile names, the embedded data, and source snippets. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "html.h"

static char *escape(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	lt_html_escape_text(f, s);
	fclose(f);
	return buf;
}

Test(html, text_escaping)
{
	char *got = escape("<a href=\"x\" title='y'>&amp;</a>");
	cr_expect_str_eq(got, "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
	free(got);
}

Test(html, script_json_cannot_close_the_element)
{
	json_t *j = json_pack("{s:s,s:[s]}", "f", "</script><script>alert(1)</script>", "g",
			      "<!-- a & b -->");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_eq(lt_html_dump_script_json(f, j), 0);
	fclose(f);
	cr_expect_str_eq(buf, "{\"f\":\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\","
			      "\"g\":[\"\\u003c!-- a \\u0026 b --\\u003e\"]}");
	/* and it still means the same to a JSON parser */
	json_t *back = json_loads(buf, 0, NULL);
	cr_assert_not_null(back);
	cr_expect(json_equal(back, j));
	json_decref(back);
	json_decref(j);
	free(buf);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[65536];
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			buf = realloc(buf, cap);
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

Test(html, hostile_names_stay_text)
{
	struct lt_report r;
	load_fixture("hostile.json", &r);
	char out[] = "/tmp/lt-html-test-XXXXXX";
	int fd = mkstemp(out);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(lt_html_write(out, &r, 1, false), 0);
	char *page = slurp(out);
	unlink(out);
	/* exactly the two script elements of the template close */
	cr_expect_eq(count(page, "</script>"), 2);
	cr_expect_eq(count(page, "<script"), 2);
	cr_expect_eq(count(page, "<img"), 0);
	cr_expect_eq(count(page, "<svg"), 0);
	cr_expect_eq(count(page, "<b>"), 0);
	cr_expect_eq(count(page, "<!--"), 0);
	cr_expect_neq(strstr(page, "<title>leaktrace: /tmp/&lt;b&gt;evil&lt;/b&gt;&amp;&quot;&#39;.bin</title>"), NULL);
	/* the script never feeds report text to innerHTML */
	cr_expect_eq(count(page, "innerHTML"), 0);
	/* the data round-trips: the hostile function name is intact after JSON.parse */
	char *start = strstr(page, "id=\"lt-data\">") + strlen("id=\"lt-data\">");
	char *end = strstr(start, "</script>");
	*end = '\0';
	json_t *data = json_loads(start, 0, NULL);
	cr_assert_not_null(data);
	json_t *names = json_object_get(data, "names");
	bool found = false;
	for (size_t i = 0; i < json_array_size(names); i++)
		found |= strcmp(json_string_value(json_array_get(names, i)),
				"</script><script>alert(1)</script>") == 0;
	cr_expect(found);
	json_decref(data);
	free(page);
	lt_reportfile_free(&r);
}

Test(html, page_data_has_snippets_summary_and_no_timeline_for_one_report)
{
	char path[] = "/tmp/lt-snippet-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	fprintf(f,
		"{\"format_version\":1,\"pid\":9,\"exe\":\"/t\",\"reason\":\"exit\",\"sequence\":0,"
		"\"time\":\"2026-11-26T09:00:00Z\",\"gate\":{\"failed\":false},"
		"\"summary\":{\"leaked_bytes\":16,\"leaked_blocks\":1,\"leaked_handles\":0,"
		"\"live_bytes\":16,\"live_blocks\":1,\"live_handles\":0,\"by_class\":{}},"
		"\"leaks\":[{\"id\":1,\"kind\":\"memory\",\"class\":\"definitely_lost\",\"leaked\":true,"
		"\"bytes\":16,\"count\":1,\"stack_id\":1,\"stack\":["
		"{\"address\":\"0x1\",\"function\":\"make\",\"file\":\"%s/snippet_src.c\",\"line\":6},"
		"{\"address\":\"0x2\",\"function\":\"main\",\"file\":\"/nonexistent/x.c\",\"line\":12}]}]}",
		LT_TEST_DATA);
	fclose(f);
	struct lt_report r;
	char err[512];
	cr_assert_eq(lt_reportfile_load(path, &r, err, sizeof err), 0, "%s", err);
	unlink(path);
	json_t *d = lt_html_page_data(&r, 1, false);
	cr_assert_not_null(d);
	cr_expect(json_is_null(json_object_get(d, "timeline")));
	cr_expect(json_is_null(json_object_get(d, "diff")));
	json_t *frames = json_object_get(d, "frames");
	cr_assert_eq(json_array_size(frames), 2);
	json_int_t sn0 = json_integer_value(json_array_get(json_array_get(frames, 0), 6));
	json_int_t sn1 = json_integer_value(json_array_get(json_array_get(frames, 1), 6));
	cr_expect_eq(sn0, 0);
	cr_expect_eq(sn1, -1, "an unreadable source has no snippet");
	json_t *snip = json_array_get(json_object_get(d, "snippets"), 0);
	cr_expect_eq(json_integer_value(json_array_get(snip, 0)), 3); /* lines 3..9 */
	json_t *lines = json_array_get(snip, 1);
	cr_assert_eq(json_array_size(lines), 7);
	cr_expect_str_eq(json_string_value(json_array_get(lines, 3)),
			 "\tchar *p = malloc(16); /* line 6: the frame's line */");
	json_t *rep = json_array_get(json_object_get(d, "reports"), 0);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(rep, "summary"), "leaked_bytes")), 16);
	cr_expect_null(json_object_get(rep, "leaks"));
	json_decref(d);
	lt_reportfile_free(&r);
}

Test(html, several_reports_give_timeline_and_growth)
{
	struct lt_report rs[2];
	/* given newest first: the page orders by time */
	load_fixture("new.json", &rs[0]);
	load_fixture("old.json", &rs[1]);
	json_t *d = lt_html_page_data(rs, 2, false);
	cr_assert_not_null(d);
	json_t *t = json_object_get(d, "timeline");
	cr_expect_eq(json_integer_value(json_array_get(json_object_get(t, "t"), 0)), 1000);
	cr_expect_eq(json_integer_value(json_array_get(json_object_get(t, "live_bytes"), 1)), 1100);
	json_t *s0 = json_array_get(json_object_get(t, "series"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(s0, "label")), "make_session");
	cr_expect_eq(json_integer_value(json_array_get(json_object_get(s0, "bytes"), 0)), 100);
	cr_expect_eq(json_integer_value(json_array_get(json_object_get(s0, "bytes"), 1)), 420);
	json_t *diff = json_object_get(d, "diff");
	cr_expect_eq(json_integer_value(json_object_get(diff, "growth_bytes")), 390);
	cr_expect_eq(json_array_size(json_object_get(d, "groups")), 8);
	json_decref(d);
	lt_reportfile_free(&rs[0]);
	lt_reportfile_free(&rs[1]);
}

Test(html, several_reports_give_the_trend_ranking)
{
	struct lt_report rs[3];
	load_fixture("old.json", &rs[0]);
	load_fixture("new.json", &rs[1]);
	json_t *d = lt_html_page_data(rs, 2, false);
	cr_assert_not_null(d);
	/* two reports are no trend: the page says why */
	const char *e = json_string_value(json_object_get(json_object_get(d, "trend"), "error"));
	cr_assert_not_null(e);
	cr_expect(strstr(e, "at least 3 snapshots"), "%s", e);
	json_decref(d);
	/* old, new, new: make_session goes 100 -> 420 -> 420 bytes (tau 2/3, not a suspect);
	 * the ranking is there with its counts, as `leaktrace trend --format json` gives it */
	load_fixture("new.json", &rs[2]);
	d = lt_html_page_data(rs, 3, false);
	cr_assert_not_null(d);
	json_t *t = json_object_get(d, "trend");
	cr_expect_eq(json_integer_value(json_object_get(t, "snapshots")), 3);
	cr_expect_eq(json_integer_value(json_object_get(t, "pid")), 4242);
	cr_expect_eq(json_integer_value(json_object_get(t, "n_suspects")), 0);
	cr_expect(json_is_array(json_object_get(t, "suspects")));
	json_decref(d);
	for (int i = 0; i < 3; i++)
		lt_reportfile_free(&rs[i]);
}

/* ---------------------------------------------------------------------------------------
 * The page's data is streamed (lt_jsonw), not built as a jansson tree per group.
 * ------------------------------------------------------------------------------------- */

static size_t jansson_allocs;

static void *counting_malloc(size_t n)
{
	jansson_allocs++;
	return malloc(n);
}

/* A report of NGROUPS groups, each with its own three-frame stack, loaded into R. */
static void load_groups(size_t ngroups, struct lt_report *r)
{
	char path[] = "/tmp/lt-html-groups-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "{\"format_version\":1,\"pid\":9,\"exe\":\"/t\",\"reason\":\"exit\",\"sequence\":0,"
		"\"time\":\"2026-11-26T09:00:00Z\",\"gate\":{\"failed\":false},"
		"\"summary\":{\"leaked_bytes\":0,\"leaked_blocks\":0,\"leaked_handles\":0,"
		"\"live_bytes\":0,\"live_blocks\":0,\"live_handles\":0,\"by_class\":{}},\"leaks\":[");
	for (size_t i = 0; i < ngroups; i++)
		fprintf(f, "%s{\"id\":%zu,\"kind\":\"memory\",\"class\":\"definitely_lost\","
			"\"leaked\":true,\"bytes\":%zu,\"count\":1,\"stack_id\":%zu,\"stack\":["
			"{\"address\":\"0x%zx\",\"function\":\"alloc_%zu\",\"file\":\"/n/a.c\",\"line\":%zu},"
			"{\"address\":\"0x2\",\"function\":\"mid_%zu\",\"file\":\"/n/b.c\",\"line\":2},"
			"{\"address\":\"0x3\",\"function\":\"main\",\"file\":\"/n/m.c\",\"line\":3}]}",
			i ? "," : "", i + 1, 16 * (i + 1), i + 1, 0x1000 + i, i, i + 1, i % 7);
	fprintf(f, "]}");
	fclose(f);
	char err[512];
	cr_assert_eq(lt_reportfile_load(path, r, err, sizeof err), 0, "%s", err);
	unlink(path);
}

/* jansson allocations while writing the page of a report of NGROUPS groups. */
static size_t page_allocs(size_t ngroups)
{
	struct lt_report r;
	load_groups(ngroups, &r);
	char out[] = "/tmp/lt-html-allocs-XXXXXX";
	int fd = mkstemp(out);
	cr_assert_geq(fd, 0);
	close(fd);
	json_set_alloc_funcs(counting_malloc, free);
	jansson_allocs = 0;
	cr_assert_eq(lt_html_write(out, &r, 1, false), 0);
	size_t n = jansson_allocs;
	json_set_alloc_funcs(malloc, free);
	unlink(out);
	lt_reportfile_free(&r);
	return n;
}

Test(html, page_data_builds_no_jansson_value_per_group_or_frame)
{
	/* The tree the page data used to be (an array, a stack array and ~15 values per
	 * group) made writing an 80 MB report twice as slow as reading it. */
	size_t small = page_allocs(10), big = page_allocs(400);
	cr_expect_eq(small, big, "jansson allocations: %zu for 10 groups, %zu for 400", small, big);
}

/* The streamed data is the bytes lt_html_dump_script_json writes for the same value. */
static void expect_canonical_data(const char *const *names, size_t n, bool all)
{
	struct lt_report rs[4];
	for (size_t i = 0; i < n; i++)
		load_fixture(names[i], &rs[i]);
	char out[] = "/tmp/lt-html-canon-XXXXXX";
	int fd = mkstemp(out);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(lt_html_write(out, rs, n, all), 0);
	char *page = slurp(out);
	unlink(out);
	char *start = strstr(page, "id=\"lt-data\">") + strlen("id=\"lt-data\">");
	char *end = strstr(start, "</script>");
	*end = '\0';
	json_t *data = json_loads(start, 0, NULL);
	cr_assert_not_null(data);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_eq(lt_html_dump_script_json(f, data), 0);
	fclose(f);
	cr_expect_str_eq(start, buf, "%s", names[0]);
	free(buf);
	json_decref(data);
	free(page);
	for (size_t i = 0; i < n; i++)
		lt_reportfile_free(&rs[i]);
}

Test(html, streamed_data_is_janssons_dump)
{
	const char *hostile[] = {"hostile.json"};
	const char *basic[] = {"basic.json"};
	const char *pair[] = {"old.json", "new.json"};
	const char *three[] = {"old.json", "new.json", "basic.json"};
	expect_canonical_data(hostile, 1, false);
	expect_canonical_data(hostile, 1, true);
	expect_canonical_data(basic, 1, true);
	expect_canonical_data(pair, 2, false);
	expect_canonical_data(three, 3, true);
}
