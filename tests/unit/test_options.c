/* LEAKTRACE_OPTIONS parsing: every type, every error path, and that each
 * problem is one warning line naming the key, the value and what was
 * expected while the default stays. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <string.h>

#include "options.h"
#include "signame.h"
#include <signal.h>

static lt_options_t o;

static void setup(void)
{
	lt_opt_defaults(&o);
}

TestSuite(options, .init = setup);

Test(options, defaults)
{
	cr_assert_str_eq(o.output, "stderr");
	cr_assert_eq(o.format, LT_FMT_TEXT);
	cr_assert_eq(o.depth, 16);
	cr_assert_eq(o.exitcode, 23);
	cr_assert_eq(o.leak_threshold, 0);
	cr_assert_eq(o.fail_on, LT_FAIL_MEMORY | LT_FAIL_HANDLES);
	cr_assert_eq(o.fail_classes, LT_CLS_DEFINITE | LT_CLS_INDIRECT);
	cr_assert_eq(o.show_classes, LT_CLS_DEFINITE | LT_CLS_INDIRECT | LT_CLS_POSSIBLE);
	cr_assert_eq(o.report, LT_REPORT_EXIT);
	cr_assert_eq(o.classify, 1);
}

Test(options, all_types_parse)
{
	int bad = lt_opt_parse(&o, "output=/tmp/r.%p.json:format=both:depth=4:exitcode=0:"
				   "leak_threshold=64K:fail_on=memory,socket:fail_classes=all:"
				   "show_suppressed=yes:min_bytes=1M:report=off", 0);
	cr_assert_eq(bad, 0);
	cr_assert_str_eq(o.output, "/tmp/r.%p.json");
	cr_assert_eq(o.format, LT_FMT_BOTH);
	cr_assert_eq(o.depth, 4);
	cr_assert_eq(o.exitcode, 0);
	cr_assert_eq(o.leak_threshold, 65536);
	cr_assert_eq(o.fail_on, LT_FAIL_MEMORY | (1u << 3));
	cr_assert_eq(o.fail_classes, 0xf);
	cr_assert_eq(o.show_suppressed, 1);
	cr_assert_eq(o.min_bytes, 1 << 20);
	cr_assert_eq(o.report, LT_REPORT_OFF);
}

Test(options, quoted_value_keeps_colons)
{
	cr_assert_eq(lt_opt_parse(&o, "output='/tmp/a:b/r.json':depth=3", 0), 0);
	cr_assert_str_eq(o.output, "/tmp/a:b/r.json");
	cr_assert_eq(o.depth, 3);
	cr_assert_eq(lt_opt_parse(&o, "output=\"x:y\"", 0), 0);
	cr_assert_str_eq(o.output, "x:y");
}

Test(options, bad_int_keeps_default, .init = cr_redirect_stderr)
{
	lt_opt_defaults(&o);
	cr_assert_eq(lt_opt_parse(&o, "depth=99", 0), 1);
	cr_assert_eq(o.depth, 16);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"leaktrace: warning: option depth=99: expected an integer from 0 to 64; using 16\n");
}

Test(options, unknown_key, .init = cr_redirect_stderr)
{
	lt_opt_defaults(&o);
	cr_assert_eq(lt_opt_parse(&o, "frobnicate=1:depth=5", 0), 1);
	cr_assert_eq(o.depth, 5);
	cr_assert_stderr_eq_str(
		"leaktrace: warning: unknown option 'frobnicate' in LEAKTRACE_OPTIONS; ignored (help=1 lists them)\n");
}

Test(options, bad_enum_and_set, .init = cr_redirect_stderr)
{
	lt_opt_defaults(&o);
	cr_assert_eq(lt_opt_parse(&o, "format=xml:fail_on=memory,bogus", 0), 2);
	cr_assert_eq(o.format, LT_FMT_TEXT);
	cr_assert_eq(o.fail_on, LT_FAIL_MEMORY | LT_FAIL_HANDLES);
	cr_assert_stderr_eq_str(
		"leaktrace: warning: option format=xml: expected one of text|json|both; using text\n"
		"leaktrace: warning: option fail_on=memory,bogus: 'bogus' is not one of "
		"memory|handles|fd|socket|file|dir|io_uring_ring|io_uring_buffer|io_uring_file|kqueue|kevent_filter|thread|child|mapping"
		" (or all, none); using memory,handles\n");
}

Test(options, bad_size_and_bool, .init = cr_redirect_stderr)
{
	lt_opt_defaults(&o);
	cr_assert_eq(lt_opt_parse(&o, "min_bytes=12Q:classify=maybe:leak_threshold=-1", 0), 3);
	cr_assert_eq(o.min_bytes, 0);
	cr_assert_eq(o.classify, 1);
}

Test(options, missing_value_and_unterminated_quote, .init = cr_redirect_stderr)
{
	lt_opt_defaults(&o);
	cr_assert_eq(lt_opt_parse(&o, "depth:format=json", 0), 1);
	cr_assert_eq(o.format, LT_FMT_JSON);
	cr_assert_eq(lt_opt_parse(&o, "output='never", 0), 1);
	cr_assert_str_eq(o.output, "stderr");
}

Test(options, secure_mode_ignores_files, .init = cr_redirect_stderr)
{
	lt_opt_defaults(&o);
	cr_assert_eq(lt_opt_parse(&o, "output=/etc/passwd:depth=3", 1), 1);
	cr_assert_str_eq(o.output, "stderr");
	cr_assert_eq(o.depth, 3);
	cr_assert_stderr_eq_str(
		"leaktrace: warning: option output ignored: secure-execution (setuid/setgid) process\n");
}

Test(options, too_long_value, .init = cr_redirect_stderr)
{
	char s[3000] = "output=";
	memset(s + 7, 'x', 2000);
	cr_assert_eq(lt_opt_parse(&o, s, 0), 1);
	cr_assert_str_eq(o.output, "stderr");
}

Test(options, empty_and_separators_only)
{
	cr_assert_eq(lt_opt_parse(&o, "", 0), 0);
	cr_assert_eq(lt_opt_parse(&o, ":::", 0), 0);
	cr_assert_eq(lt_opt_parse(&o, NULL, 0), 0);
}

Test(options, every_option_is_in_the_man_page)
{
	const char *root = getenv("LT_SOURCE_ROOT");
	char path[4096];
	snprintf(path, sizeof path, "%s/man/libleaktrace.7", root ? root : "..");
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s", path);
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = 0;
	fclose(f);
	for (int i = 0; i < lt_opt_count(); i++) {
		char needle[128];
		snprintf(needle, sizeof needle, ".B %s", lt_opt_name(i));
		cr_assert(strstr(text, needle), "option %s is not documented in %s", lt_opt_name(i), path);
	}
}

/* verbosity=1 lists values as they are written, never enum indexes or bit
 * masks (format=0, fail_on=0x3) */
Test(options, print_uses_names, .init = cr_redirect_stderr)
{
	lt_opt_defaults(&o);
	cr_assert_eq(lt_opt_parse(&o, "format=json:fail_on=memory,fd:show_classes=none", 0), 0);
	lt_opt_print(&o);
	fflush(stderr);
	FILE *f = cr_get_redirected_stderr();
	char all[16384];
	size_t n = fread(all, 1, sizeof all - 1, f);
	all[n] = 0;
	cr_assert_not_null(strstr(all, "leaktrace: option format=json\n"), "%s", all);
	cr_assert_not_null(strstr(all, "leaktrace: option fail_on=memory,fd\n"), "%s", all);
	cr_assert_not_null(strstr(all, "leaktrace: option fail_classes=definite,indirect\n"), "%s", all);
	cr_assert_not_null(strstr(all, "leaktrace: option show_classes=none\n"), "%s", all);
	cr_assert_not_null(strstr(all, "leaktrace: option report=exit\n"), "%s", all);
	cr_assert_not_null(strstr(all, "leaktrace: option fork_report=leaks\n"), "%s", all);
}

/* an empty output= is refused in the usual option KEY=VALUE: form */
Test(options, empty_output_keeps_default, .init = cr_redirect_stderr)
{
	lt_opt_defaults(&o);
	cr_assert_eq(lt_opt_parse(&o, "output=", 0), 1);
	cr_assert_str_eq(o.output, "stderr");
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"leaktrace: warning: option output=: expected stderr or a file path pattern; using stderr\n");
}

/* byte counts as LEAKTRACE_OPTIONS and `leaktrace diff --fail-bytes` take them */
Test(options, parse_size_suffixes)
{
	uint64_t x;
	cr_assert_eq(lt_opt_parse_size("1K", &x), 0);
	cr_assert_eq(x, 1024);
	cr_assert_eq(lt_opt_parse_size("3M", &x), 0);
	cr_assert_eq(x, 3u << 20);
	cr_assert_eq(lt_opt_parse_size("100", &x), 0);
	cr_assert_eq(x, 100);
	cr_assert_eq(lt_opt_parse_size("1Q", &x), -1);
	cr_assert_eq(lt_opt_parse_size("-1", &x), -1);
}

/* signal names as the crash header and `leaktrace snapshot` print them */
Test(options, signal_names)
{
	char b[24];
	cr_assert_str_eq(lt_signal_name(SIGSEGV, b, sizeof b), "SIGSEGV");
	cr_assert_str_eq(lt_signal_name(SIGTERM, b, sizeof b), "SIGTERM");
	cr_assert_str_eq(lt_signal_name(SIGRTMIN + 4, b, sizeof b), "SIGRTMIN+4");
	cr_assert_eq(lt_signal_parse(lt_signal_name(SIGRTMIN + 4, b, sizeof b)), SIGRTMIN + 4);
	cr_assert_str_eq(lt_signal_name(0, b, sizeof b), "signal 0");
}

/* The names the report prints for an ENUM option's value are the option's
 * own (report.c's stack_cache.mode). */
Test(options, enum_value_names_come_from_the_table)
{
	char buf[16];
	lt_opt_enum_name("stack_cache", 0, buf, sizeof buf);
	cr_assert_str_eq(buf, "off");
	lt_opt_enum_name("stack_cache", 2, buf, sizeof buf);
	cr_assert_str_eq(buf, "verify");
	lt_opt_enum_name("format", 1, buf, sizeof buf);
	cr_assert_str_eq(buf, "json");
	lt_opt_enum_name("stack_cache", 7, buf, sizeof buf);
	cr_assert_str_eq(buf, "?");
	lt_opt_enum_name("depth", 0, buf, sizeof buf);
	cr_assert_str_eq(buf, "?", "not an ENUM option");
}
