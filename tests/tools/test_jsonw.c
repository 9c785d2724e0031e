/* Unit tests of the streaming JSON writer: its bytes are jansson's compact dump, byte for byte. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

/* Every byte jansson escapes (the control characters, '"', '\\'), the ones it does not
 * (DEL, '/', '<', multi-byte UTF-8 including U+2028), and the integer extremes. */
static const char hostile[] = "\x01\x02\x08\x09\x0a\x0b\x0c\x0d\x1b\x1f \"\\/<>&\x7f"
			      "\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80 end";

static void write_value(struct lt_jsonw *w, const json_t *inner)
{
	lt_jsonw_begin_object(w);
	lt_jsonw_key(w, hostile);
	lt_jsonw_string(w, hostile);
	lt_jsonw_key(w, "ints");
	lt_jsonw_begin_array(w);
	lt_jsonw_int(w, 0);
	lt_jsonw_int(w, -1);
	lt_jsonw_int(w, 9);
	lt_jsonw_int(w, 10);
	lt_jsonw_int(w, LLONG_MAX);
	lt_jsonw_int(w, LLONG_MIN);
	lt_jsonw_end_array(w);
	lt_jsonw_key(w, "empty");
	lt_jsonw_begin_array(w);
	lt_jsonw_begin_object(w);
	lt_jsonw_end_object(w);
	lt_jsonw_begin_array(w);
	lt_jsonw_end_array(w);
	lt_jsonw_end_array(w);
	lt_jsonw_key(w, "scalars");
	lt_jsonw_begin_array(w);
	lt_jsonw_bool(w, true);
	lt_jsonw_bool(w, false);
	lt_jsonw_null(w);
	lt_jsonw_string_or_null(w, NULL);
	lt_jsonw_value(w, NULL);
	lt_jsonw_value(w, inner);
	lt_jsonw_end_array(w);
	lt_jsonw_key(w, "tree");
	lt_jsonw_value(w, inner);
	lt_jsonw_end_object(w);
}

Test(jsonw, bytes_are_janssons_compact_dump)
{
	json_t *inner = json_pack("{s:[i,s,b,n],s:{}}", "a", 1, "s<\n", 1, "o");
	json_t *expect = json_pack("{s:s,s:[I,I,I,I,I,I],s:[{},[]],s:[b,b,n,n,n,O],s:O}", hostile,
				   hostile, "ints", (json_int_t)0, (json_int_t)-1, (json_int_t)9,
				   (json_int_t)10, (json_int_t)LLONG_MAX, (json_int_t)LLONG_MIN,
				   "empty", "scalars", 1, 0, inner, "tree", inner);
	cr_assert_not_null(expect);
	char *want = json_dumps(expect, JSON_COMPACT);

	struct lt_jsonw *w = malloc(sizeof(*w));
	struct lt_jsonw_mem mem = {0};
	lt_jsonw_init(w, lt_jsonw_mem_sink, &mem);
	write_value(w, inner);
	cr_assert_eq(lt_jsonw_finish(w), 0);
	cr_expect_str_eq(mem.p, want);

	free(mem.p);
	free(want);
	free(w);
	json_decref(expect);
	json_decref(inner);
}

Test(jsonw, long_output_crosses_the_buffer)
{
	/* more than one buffer of text, and a string longer than the buffer */
	size_t big = LT_JSONW_BUF + 100;
	char *s = malloc(big + 1);
	memset(s, 'x', big);
	s[big] = '\0';
	s[LT_JSONW_BUF - 1] = '\n';
	json_t *expect = json_array();
	struct lt_jsonw *w = malloc(sizeof(*w));
	struct lt_jsonw_mem mem = {0};
	lt_jsonw_init(w, lt_jsonw_mem_sink, &mem);
	lt_jsonw_begin_array(w);
	for (int i = 0; i < 20000; i++) {
		lt_jsonw_int(w, i * 7919LL);
		json_array_append_new(expect, json_integer(i * 7919LL));
	}
	lt_jsonw_string(w, s);
	json_array_append_new(expect, json_string(s));
	lt_jsonw_end_array(w);
	cr_assert_eq(lt_jsonw_finish(w), 0);
	char *want = json_dumps(expect, JSON_COMPACT);
	cr_expect_eq(mem.len, strlen(want));
	cr_expect_str_eq(mem.p, want);
	free(want);
	free(mem.p);
	free(w);
	free(s);
	json_decref(expect);
}

static int failing_sink(const char *buf, size_t size, void *arg)
{
	(void)buf;
	(void)size;
	(void)arg;
	return -1;
}

Test(jsonw, sink_error_and_unbalanced_nesting_fail_finish)
{
	struct lt_jsonw *w = malloc(sizeof(*w));
	lt_jsonw_init(w, failing_sink, NULL);
	lt_jsonw_begin_array(w);
	lt_jsonw_end_array(w);
	cr_expect_eq(lt_jsonw_finish(w), -1);
	struct lt_jsonw_mem mem = {0};
	lt_jsonw_init(w, lt_jsonw_mem_sink, &mem);
	lt_jsonw_begin_array(w);
	cr_expect_eq(lt_jsonw_finish(w), -1);
	free(mem.p);
	free(w);
}
