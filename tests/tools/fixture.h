/* Helpers shared by the tools unit tests: loading the hand-written reports under data/. */
#ifndef LT_TESTS_TOOLS_FIXTURE_H
#define LT_TESTS_TOOLS_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>

#include "reportfile.h"

/* LT_TEST_DATA is the absolute path of tests/tools/data, set by meson. */
static inline void fixture_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", LT_TEST_DATA, name);
}

static inline void load_fixture(const char *name, struct lt_report *r)
{
	char path[1024], err[512];
	fixture_path(path, sizeof path, name);
	cr_assert_eq(lt_reportfile_load(path, r, err, sizeof err), 0, "loading %s: %s", name, err);
}

#endif
