/* The shim exports its hooks and its client API and nothing else: an
 * internal name exported by accident could interpose on a symbol of the
 * target, and a hook hidden by accident silently stops tracing. Every
 * exported symbol must be a function of real.inc (the table of interposed
 * functions) or of api.inc (the client API: leaktrace's and LeakSanitizer's
 * entry points), the core hooks must be there, and so must every function
 * of api.inc. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp_into(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s", path);
	size_t n = fread(buf, 1, cap - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static char *slurp(const char *path)
{
	static char buf[1 << 16];
	return slurp_into(path, buf, sizeof buf);
}

static char *slurp_api(void)
{
	static char buf[1 << 14];
	char path[4096];
	snprintf(path, sizeof path, "%s/src/api.inc", getenv("LT_SOURCE_ROOT"));
	return slurp_into(path, buf, sizeof buf);
}

static int in_table(const char *table, const char *name)
{
	char needle[300];
	snprintf(needle, sizeof needle, ", %s, (", name);
	return strstr(table, needle) != NULL;
}

Test(exports, only_hooks_are_exported)
{
	const char *shim = getenv("LT_SHIM"), *root = getenv("LT_SOURCE_ROOT");
	cr_assert(shim && root, "LT_SHIM and LT_SOURCE_ROOT must be set");
	char path[4096];
	snprintf(path, sizeof path, "%s/src/real.inc", root);
	const char *table = slurp(path), *api = slurp_api();
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
		cr_assert(in_table(table, name) || in_table(api, name),
			  "exported symbol %s is not a hook listed in real.inc nor an API function of api.inc",
			  name);
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

/* Every client API function of api.inc is exported (a hidden one would make
 * a program's weak reference NULL: its calls silently do nothing). */
Test(exports, client_api_is_exported)
{
	const char *shim = getenv("LT_SHIM");
	cr_assert(shim && getenv("LT_SOURCE_ROOT"), "LT_SHIM and LT_SOURCE_ROOT must be set");
	const char *api = slurp_api();
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "nm -D --defined-only '%s'", shim);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	static char syms[1 << 16];
	size_t n = fread(syms, 1, sizeof syms - 1, p);
	syms[n] = 0;
	cr_assert_eq(pclose(p), 0, "nm failed");
	int count = 0;
	for (const char *s = strstr(api, "\nLT_API("); s; s = strstr(s + 1, "\nLT_API(")) {
		char name[128];
		if (sscanf(s, "\nLT_API(%*[^,], %127[^,],", name) != 1)
			continue;
		char needle[160];
		snprintf(needle, sizeof needle, " T %s\n", name);
		cr_assert(strstr(syms, needle), "API function %s is not exported as a function", name);
		count++;
	}
	cr_assert_eq(count, 14, "api.inc lists %d functions", count);
	const char *lsan[] = { "__lsan_ignore_object", "__lsan_disable", "__lsan_enable",
			       "__lsan_do_leak_check", "__lsan_do_recoverable_leak_check",
			       "__lsan_register_root_region", "__lsan_unregister_root_region" };
	for (size_t i = 0; i < sizeof lsan / sizeof lsan[0]; i++) {
		char needle[160];
		snprintf(needle, sizeof needle, " T %s\n", lsan[i]);
		cr_assert(strstr(syms, needle), "LeakSanitizer's %s is not exported", lsan[i]);
	}
}
