/* The shim exports its hooks and nothing else: an internal name exported by
 * accident could interpose on a symbol of the target, and a hook hidden by
 * accident silently stops tracing. Every exported symbol must be a function
 * of real.inc (the table of interposed functions), and the core hooks must
 * be there. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s", path);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static int in_table(const char *table, const char *name)
{
	char needle[160];
	snprintf(needle, sizeof needle, ", %s, (", name);
	return strstr(table, needle) != NULL;
}

Test(exports, only_hooks_are_exported)
{
	const char *shim = getenv("LT_SHIM"), *root = getenv("LT_SOURCE_ROOT");
	cr_assert(shim && root, "LT_SHIM and LT_SOURCE_ROOT must be set");
	char path[4096];
	snprintf(path, sizeof path, "%s/src/real.inc", root);
	const char *table = slurp(path);
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "nm -D --defined-only '%s'", shim);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	char line[512];
	int n = 0, seen_malloc = 0, seen_free = 0, seen_socket = 0, seen_close = 0;
	while (fgets(line, sizeof line, p)) {
		char addr[64], type[8], name[256];
		if (sscanf(line, "%63s %7s %255s", addr, type, name) != 3)
			continue;
		if (!strcmp(name, "_init") || !strcmp(name, "_fini"))
			continue;
		cr_assert(in_table(table, name), "exported symbol %s is not a hook listed in real.inc", name);
		cr_assert(!strcmp(type, "T") || !strcmp(type, "W"), "%s is exported as %s, not a function",
			  name, type);
		seen_malloc |= !strcmp(name, "malloc");
		seen_free |= !strcmp(name, "free");
		seen_socket |= !strcmp(name, "socket");
		seen_close |= !strcmp(name, "close");
		n++;
	}
	cr_assert_eq(pclose(p), 0, "nm failed");
	cr_assert_gt(n, 50);
	cr_assert(seen_malloc && seen_free && seen_socket && seen_close, "a core hook is hidden");
}
