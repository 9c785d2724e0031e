/* Suppression files: the LeakSanitizer pattern language, the parser's one-
 * line errors (file and line named, the other rules kept) and frame
 * matching on function, file and module. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <string.h>

#include "report/suppress.h"

Test(suppress, pattern_language)
{
	cr_assert(lt_supp_match("foo", "foo"));
	cr_assert(lt_supp_match("foo", "my_foo_bar"));        /* substring */
	cr_assert(lt_supp_match("^foo", "foo_bar"));
	cr_assert_not(lt_supp_match("^foo", "my_foo"));
	cr_assert(lt_supp_match("bar$", "foo_bar"));
	cr_assert_not(lt_supp_match("bar$", "bar_foo"));
	cr_assert(lt_supp_match("^foo$", "foo"));
	cr_assert_not(lt_supp_match("^foo$", "foox"));
	cr_assert(lt_supp_match("f*o", "fxxxo"));
	cr_assert(lt_supp_match("^a*c$", "abbbc"));
	cr_assert_not(lt_supp_match("^a*c$", "abbbcd"));
	cr_assert(lt_supp_match("*", "anything"));
	cr_assert(lt_supp_match("std::*::allocate", "std::__new_allocator<int>::allocate(unsigned long)"));
	cr_assert(lt_supp_match("libfoo.so", "/usr/lib/libfoo.so.1"));
	cr_assert_not(lt_supp_match("foo", NULL));
	cr_assert_not(lt_supp_match("foo", ""));
}

static void frames(lt_frame_t *f)
{
	memset(f, 0, 3 * sizeof *f);
	f[0].function = "make_session";
	f[0].file = "/src/server/session.c";
	f[0].module = "/usr/bin/server";
	f[1].function = "handle_client";
	f[1].file = "/src/server/net.c";
	f[1].module = "/usr/bin/server";
	f[2].function = "plugin_init";
	f[2].file = NULL;
	f[2].module = "/usr/lib/libplugin.so.2";
}

Test(suppress, parse_and_match_frames)
{
	lt_supp_clear();
	cr_assert_eq(lt_supp_parse("s.supp", "# comment\n\n  leak:handle_client  \nleak:net.c\n"), 0);
	cr_assert_eq(lt_supp_count(), 2);
	lt_frame_t f[3];
	frames(f);
	int ri = -1;
	const char *rule = lt_supp_match_frames(f, 3, &ri);
	cr_assert_str_eq(rule, "leak:handle_client");
	cr_assert_eq(ri, 0);
	lt_supp_clear();
}

Test(suppress, matches_file_and_module_names)
{
	lt_supp_clear();
	lt_supp_parse("s.supp", "leak:session.c$\n");
	lt_frame_t f[3];
	frames(f);
	cr_assert_str_eq(lt_supp_match_frames(f, 3, NULL), "leak:session.c$");
	lt_supp_clear();
	lt_supp_parse("s.supp", "leak:libplugin.so\n");
	cr_assert_str_eq(lt_supp_match_frames(f, 3, NULL), "leak:libplugin.so");
	lt_supp_clear();
	lt_supp_parse("s.supp", "leak:^session\nleak:nothing_here\n");
	cr_assert_null(lt_supp_match_frames(f, 3, NULL));
	lt_supp_clear();
}

Test(suppress, malformed_line_names_file_and_line, .init = cr_redirect_stderr)
{
	lt_supp_clear();
	int bad = lt_supp_parse("my.supp", "leak:a\nrace:b\nleak:\nleak:c\n");
	cr_assert_eq(bad, 2);
	cr_assert_eq(lt_supp_count(), 2);   /* the rest still applies */
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"leaktrace: error: my.supp:2: malformed suppression \"race:b\": expected leak:PATTERN or handle:PATTERN\n"
		"leaktrace: error: my.supp:3: malformed suppression \"leak:\": expected leak:PATTERN or handle:PATTERN\n");
	lt_supp_clear();
}

Test(suppress, missing_file_is_one_error, .init = cr_redirect_stderr)
{
	lt_supp_clear();
	cr_assert_eq(lt_supp_load("/nonexistent/x.supp"), 1);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"leaktrace: error: cannot read suppression file /nonexistent/x.supp: No such file or directory\n");
	lt_supp_clear();
}
