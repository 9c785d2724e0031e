/* Report buffers and JSON string escaping: quotes, control characters,
 * "</" for embedding in HTML, and invalid UTF-8 replaced so the JSON stays
 * valid. */
#include <criterion/criterion.h>
#include <string.h>

#include "model/buf.h"

static const char *esc(const char *s)
{
	static lt_buf_t b;
	lt_buf_free(&b);
	lt_buf_json_str(&b, s);
	return b.data;
}

Test(buf, json_escapes)
{
	cr_assert_str_eq(esc("plain"), "\"plain\"");
	cr_assert_str_eq(esc("a\"b\\c"), "\"a\\\"b\\\\c\"");
	cr_assert_str_eq(esc("t\tn\nr\r"), "\"t\\tn\\nr\\r\"");
	cr_assert_str_eq(esc("\x01\x1f"), "\"\\u0001\\u001f\"");
	cr_assert_str_eq(esc("</script><b>&"), "\"<\\/script><b>&\"");
	cr_assert_str_eq(esc("a/b"), "\"a/b\"");
	cr_assert_str_eq(esc(NULL), "null");
	cr_assert_str_eq(esc(""), "\"\"");
}

Test(buf, utf8_kept_invalid_replaced)
{
	cr_assert_str_eq(esc("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
	cr_assert_str_eq(esc("\xe2\x82\xac"), "\"\xe2\x82\xac\"");
	cr_assert_str_eq(esc("a\xff" "b"), "\"a\\ufffdb\"");
	cr_assert_str_eq(esc("\xc3"), "\"\\ufffd\"");
	cr_assert_str_eq(esc("\xc0\xaf"), "\"\\ufffd\\ufffd\"", "overlong encoding");
	cr_assert_str_eq(esc("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"", "surrogate");
}

Test(buf, printf_grows_past_stack_buffer)
{
	lt_buf_t b;
	lt_buf_init(&b);
	char big[3000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	for (int i = 0; i < 100; i++)
		lt_buf_printf(&b, "%s|%d", big, i);
	cr_assert_eq(b.len, 100 * (2999 + 1) + 10 + 90 * 2);
	cr_assert_eq(b.oom, 0);
	cr_assert_eq(strlen(b.data), b.len);
	lt_buf_free(&b);
}
