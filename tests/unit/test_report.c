/* Report grouping and the JSON writer on a synthetic report: equal keys
 * share a group, counts, bytes and ages add up, handle details are kept,
 * and the JSON is valid, escaped and carries the contract's keys. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "options.h"
#include "report/emit.h"
#include "report/report.h"

static lt_report_t r;

static void setup(void)
{
	memset(&r, 0, sizeof r);
	lt_opt_defaults(&lt_opt);
}

TestSuite(report, .init = setup);

Test(report, equal_keys_share_a_group)
{
	lt_group_t *a = lt_report_group(&r, LT_KIND_MEMORY, LT_CLASS_DEFINITE, 0, 7);
	lt_group_t *b = lt_report_group(&r, LT_KIND_MEMORY, LT_CLASS_DEFINITE, 0, 7);
	lt_group_t *c = lt_report_group(&r, LT_KIND_MEMORY, LT_CLASS_REACHABLE, 0, 7);
	lt_group_t *d = lt_report_group(&r, LT_KIND_SOCKET, LT_CLASS_OPEN, 0, 7);
	cr_assert_eq(a, b);
	cr_assert_neq(a, c, "the class is part of the key");
	cr_assert_neq(a, d, "the kind is part of the key");
	cr_assert_eq(r.ngroups, 3);
	lt_group_add(a, 100, 50);
	lt_group_add(a, 28, 10);
	lt_group_add(b, 2, 90);
	cr_assert_eq(a->bytes, 130);
	cr_assert_eq(a->count, 3);
	cr_assert_eq(a->oldest_ms, 10);
	cr_assert_eq(a->newest_ms, 90);
}

Test(report, handle_details_are_kept)
{
	lt_group_t *g = lt_report_group(&r, LT_KIND_SOCKET, LT_CLASS_OPEN, 0, 3);
	for (int i = 0; i < 10; i++) {
		lt_handle_detail_t d;
		lt_handle_detail_init(&d);
		d.fd = 10 + i;
		d.tcp_state = "CLOSE_WAIT";
		cr_assert_eq(lt_group_add_handle(g, &d), 0);
		lt_group_add(g, 0, 1);
	}
	cr_assert_eq(g->nhandles, 10);
	cr_assert_eq(g->handles[9].fd, 19);
	cr_assert_eq(g->handles[0].ring_fd, -1, "unset numeric fields stay unset");
}

Test(report, names)
{
	cr_assert_str_eq(lt_kind_name(LT_KIND_IO_URING_BUFFER), "io_uring_buffer");
	cr_assert_str_eq(lt_kind_name(LT_KIND_KEVENT_FILTER), "kevent_filter");
	cr_assert_str_eq(lt_class_name(LT_CLASS_INDIRECT), "indirectly_lost");
	cr_assert_str_eq(lt_class_name(LT_CLASS_REACHABLE), "still_reachable");
	cr_assert_str_eq(lt_kind_name(99), "unknown");
}

Test(report, json_is_valid_and_escaped)
{
	lt_group_t *g = lt_report_group(&r, LT_KIND_MEMORY, LT_CLASS_DEFINITE, 0, 1);
	lt_group_add(g, 64, 5);
	g->leaked = 1;
	lt_frame_t f = { 0x401234, "evil</script>\"fn", "/src/\xff.c", 12, "/bin/x", 0 };
	g->frames = &f;
	g->nframes = 1;
	lt_group_t *h = lt_report_group(&r, LT_KIND_SOCKET, LT_CLASS_OPEN, 0, 2);
	lt_group_add(h, 0, 6);
	lt_handle_detail_t d;
	lt_handle_detail_init(&d);
	d.fd = 5;
	d.family = "inet";
	d.tcp_state = "CLOSE_WAIT";
	d.note = "peer closed; never closed here";
	lt_group_add_handle(h, &d);
	lt_group_t *sorted[2] = { g, h };
	r.sorted = sorted;
	r.ngroups = 2;
	r.pid = 42;
	r.exe = "/bin/x";
	r.classified = 1;
	r.leaked_bytes = 64;
	r.leaked_blocks = 1;
	r.leaked_handles = 1;
	r.by_class[LT_CLASS_DEFINITE].bytes = 64;
	r.by_class[LT_CLASS_DEFINITE].blocks = 1;
	r.by_kind[LT_KIND_SOCKET] = 1;

	lt_buf_t b;
	lt_buf_init(&b);
	lt_json_write(&r, &b);
	cr_assert_null(strstr(b.data, "</script>"), "</ must be escaped");
	json_error_t e;
	json_t *j = json_loads(b.data, 0, &e);
	cr_assert_not_null(j, "invalid JSON: %s at line %d\n%s", e.text, e.line, b.data);
	cr_assert_str_eq(json_string_value(json_object_get(j, "tool")), "leaktrace");
	cr_assert_eq(json_integer_value(json_object_get(j, "pid")), 42);
	json_t *s = json_object_get(j, "summary");
	cr_assert_eq(json_integer_value(json_object_get(s, "leaked_bytes")), 64);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(s, "by_kind"), "socket")), 1);
	json_t *l0 = json_array_get(json_object_get(j, "leaks"), 0);
	json_t *f0 = json_array_get(json_object_get(l0, "stack"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(f0, "function")), "evil</script>\"fn");
	cr_assert_str_eq(json_string_value(json_object_get(f0, "file")), "/src/\xef\xbf\xbd.c",
			 "invalid UTF-8 becomes U+FFFD");
	cr_assert_str_eq(json_string_value(json_object_get(f0, "address")), "0x401234");
	json_t *l1 = json_array_get(json_object_get(j, "leaks"), 1);
	cr_assert_str_eq(json_string_value(json_object_get(l1, "kind")), "socket");
	cr_assert_str_eq(json_string_value(json_object_get(l1, "origin")), "traced");
	json_t *h0 = json_array_get(json_object_get(l1, "handles"), 0);
	cr_assert_eq(json_integer_value(json_object_get(h0, "fd")), 5);
	cr_assert_str_eq(json_string_value(json_object_get(h0, "tcp_state")), "CLOSE_WAIT");
	cr_assert_null(json_object_get(h0, "ring_fd"), "unset fields are not written");
	json_decref(j);
	lt_buf_free(&b);
}
