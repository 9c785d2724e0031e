/* End-to-end tests of symbolization: programs that link OpenSSL keep their
 * output and status under the shim (the report no longer reaches
 * debuginfod), separate debug files found offline by build-id and by
 * .gnu_debuglink, file:line for clang-built code, and frames in a library
 * that was dlclose'd. Expected figures come from each program's code and
 * were confirmed with valgrind memcheck (quoted in the program's header). */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static json_t *frame(json_t *g, size_t i)
{
	return json_array_get(json_object_get(g, "stack"), i);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = s ? strlen(s) : 0, b = strlen(suffix);
	return s && a >= b && !strcmp(s + a - b, suffix);
}

/* frame i is function fn at file ...file_suffix : line (line 0: none) */
static void assert_frame(json_t *g, size_t i, const char *fn, const char *file_suffix, int line)
{
	json_t *f = frame(g, i);
	cr_assert_not_null(f, "no frame %zu", i);
	const char *name = json_string_value(json_object_get(f, "function"));
	const char *file = json_string_value(json_object_get(f, "file"));
	long long l = json_integer_value(json_object_get(f, "line"));
	cr_assert(name && !strcmp(name, fn), "frame %zu is %s, expected %s", i, name ? name : "(null)", fn);
	if (file_suffix)
		cr_assert(ends_with(file, file_suffix), "frame %zu (%s) file %s, expected ...%s", i, fn,
			  file ? file : "(none)", file_suffix);
	else
		cr_assert_null(file, "frame %zu (%s) has file %s, expected none", i, fn, file);
	cr_assert_eq(l, line, "frame %zu (%s) line %lld, expected %d", i, fn, l, line);
}

/* ---- programs that use OpenSSL (issue #12) ----------------------------
 * elfutils' standard debuginfo finder reached the debuginfod client, which
 * loads libcurl/libssh2/OpenSSL at exit, after OpenSSL's own cleanup: every
 * one of these died of SIGSEGV with their output lost. */
static void same_as_native(const char *path, char *const argv[])
{
	if (!lt_e2e_program(path))
		cr_skip_test("%s is not installed (apt-get install curl openssh-client openssl "
			     "python3.11)", path);
	lt_run_t nat, r;
	cr_assert_eq(lt_e2e_run_native(&nat, path, argv), 0, "native %s", path);
	/* the gate off: the status must be the program's own */
	cr_assert_eq(lt_e2e_run(&r, path, "exitcode=0", argv), 0, "run %s", path);
	cr_assert_eq(r.status, nat.status, "%s: status %d under the shim, %d natively; stderr: %s",
		     path, r.status, nat.status, r.err);
	cr_assert_str_eq(r.out, nat.out, "%s: stdout differs", path);
	cr_assert_str_eq(r.err, nat.err, "%s: stderr differs", path);
	cr_assert_geq(r.nreports, 1, "%s wrote no report", path);
	cr_assert_str_eq(json_string_value(json_object_get(r.report, "reason")), "exit");
	cr_assert_geq(lt_e2e_summary(&r, "leaked_bytes"), 0);
	lt_e2e_free(&nat);
	lt_e2e_free(&r);
}

Test(sym, curl_version_unchanged, .timeout = 120)
{
	char *argv[] = { "--version", NULL };
	same_as_native("/usr/bin/curl", argv);
}

Test(sym, openssl_version_unchanged, .timeout = 120)
{
	char *argv[] = { "version", NULL };
	same_as_native("/usr/bin/openssl", argv);
}

Test(sym, ssh_version_unchanged, .timeout = 120)
{
	char *argv[] = { "-V", NULL };
	same_as_native("/usr/bin/ssh", argv);
}

Test(sym, python_ssl_unchanged, .timeout = 120)
{
	char *argv[] = { "-c", "import ssl; ssl.create_default_context(); print('ok')", NULL };
	same_as_native("/usr/bin/python3.11", argv);
}

/* The root cause, checked directly: with the loader's own trace
 * (LD_DEBUG=files), no library is opened once the program's finalisers
 * have started, that is by the exit report. Before the fix libdw opened
 * libdebuginfod.so.1, then libcurl-gnutls, here. */
Test(sym, exit_report_loads_no_library, .timeout = 120)
{
	if (!lt_e2e_program("/usr/bin/curl"))
		cr_skip_test("/usr/bin/curl is not installed (apt-get install curl)");
	char *argv[] = { "--version", NULL };
	lt_run_t r;
	cr_assert_eq(lt_e2e_run_env(&r, "/usr/bin/curl", "exitcode=0", argv, "LD_DEBUG=files"), 0);
	const char *fini = strstr(r.err, "calling fini");
	cr_assert_not_null(fini, "no LD_DEBUG trace on stderr");
	const char *load = strstr(fini, "file=");
	if (load) {
		const char *eol = strchr(load, '\n');
		cr_assert_fail("a library was loaded at exit: %.*s", (int)(eol ? eol - load : 80), load);
	}
	cr_assert_eq(r.status, 0, "status %d", r.status);
	cr_assert_geq(r.nreports, 1);
	lt_e2e_free(&r);
}

/* ---- separate debug files, offline ------------------------------------ */

static char *build_id_of(const char *path)
{
	char *argv[] = { "/usr/bin/readelf", "-n", (char *)path, NULL };
	char *out = NULL, *err = NULL;
	cr_assert_eq(lt_e2e_command(argv, &out, &err), 0, "readelf -n %s", path);
	const char *p = out ? strstr(out, "Build ID: ") : NULL;
	cr_assert_not_null(p, "%s has no build-id", path);
	p += strlen("Build ID: ");
	size_t n = strspn(p, "0123456789abcdef");
	char *id = strndup(p, n);
	free(out);
	free(err);
	return id;
}

/* mkdir -p */
static void make_dirs(const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(buf, 0700);
			*p = '/';
		}
	cr_assert(mkdir(buf, 0700) == 0 || errno == EEXIST, "mkdir %s", buf);
}

static void rm_tree(const char *dir)
{
	char *argv[] = { "/bin/rm", "-rf", (char *)dir, NULL };
	char *out = NULL, *err = NULL;
	lt_e2e_command(argv, &out, &err);
	free(out);
	free(err);
}

/* Run the fully stripped split_debug with debug_root=root (NULL: the
 * default) and check its one leak: with the debug file found, the function
 * (its .symtab is in the debug file too) and file:line; without it, none. */
static void check_split_debug(const char *root, int want_debug)
{
	lt_run_t r;
	char opts[PATH_MAX + 32] = "";
	if (root)
		snprintf(opts, sizeof opts, "debug_root=%s", root);
	cr_assert_eq(lt_e2e_run(&r, "split_debug", opts, NULL), 0);
	cr_assert_str_eq(r.out, "done\n");
	cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), 72);
	cr_assert_eq(lt_e2e_count_groups(&r, "memory", "definitely_lost"), 1);
	json_t *g = lt_e2e_find_group(&r, "memory", "definitely_lost", NULL);
	cr_assert_not_null(g, "no definitely lost group; stderr: %s", r.err);
	cr_assert_eq(lt_e2e_group_bytes(g), 72);
	cr_assert_eq(lt_e2e_group_count(g), 1);
	if (want_debug) {
		assert_frame(g, 0, "split_leak", "/tests/programs/sym/split_debug.c", 15);
		assert_frame(g, 1, "main", "/tests/programs/sym/split_debug.c", 23);
	} else {
		json_t *f = frame(g, 0);
		cr_assert_null(json_string_value(json_object_get(f, "file")), "file:line without the debug file");
		const char *fn = json_string_value(json_object_get(f, "function"));
		cr_assert(!fn || strcmp(fn, "split_leak"), "named without the debug file");
	}
	lt_e2e_free(&r);
}

static const char *split_debug_file(char *buf, size_t cap)
{
	const char *prog = lt_e2e_program("split_debug");
	cr_assert_not_null(prog, "split_debug not built");
	cr_assert_lt(strlen(prog) + 5, cap);
	memcpy(buf, prog, strlen(prog));
	memcpy(buf + strlen(prog), ".dbg", 5);
	return buf;
}

Test(sym, debug_file_found_by_build_id, .timeout = 120)
{
	char dbg[PATH_MAX], root[] = "/tmp/lt-dbgroot-XXXXXX", dir[PATH_MAX], link[PATH_MAX + 64];
	split_debug_file(dbg, sizeof dbg);
	cr_assert_not_null(mkdtemp(root));
	char *id = build_id_of(lt_e2e_program("split_debug"));
	cr_assert_gt(strlen(id), 2);
	snprintf(dir, sizeof dir, "%s/.build-id/%.2s", root, id);
	make_dirs(dir);
	snprintf(link, sizeof link, "%s/%s.debug", dir, id + 2);
	cr_assert_eq(symlink(dbg, link), 0, "symlink %s", link);
	/* the stripped program alone: no name, no line */
	check_split_debug(NULL, 0);
	check_split_debug(root, 1);
	free(id);
	rm_tree(root);
}

Test(sym, debug_file_found_by_debuglink_under_root, .timeout = 120)
{
	char dbg[PATH_MAX], root[] = "/tmp/lt-dbgroot-XXXXXX", dir[PATH_MAX], link[PATH_MAX + 64];
	split_debug_file(dbg, sizeof dbg);
	cr_assert_not_null(mkdtemp(root));
	/* ROOT/<program's directory>/<debuglink name>, as gdb and elfutils
	 * look for it */
	char progdir[PATH_MAX];
	snprintf(progdir, sizeof progdir, "%s", lt_e2e_program("split_debug"));
	*strrchr(progdir, '/') = 0;
	snprintf(dir, sizeof dir, "%s%s", root, progdir);
	make_dirs(dir);
	snprintf(link, sizeof link, "%s/split_debug.debug", dir);
	/* an unrelated file under the right name is refused (build-id) */
	const char *other = lt_e2e_program("dlclose_leak");
	cr_assert_not_null(other);
	cr_assert_eq(symlink(other, link), 0);
	check_split_debug(root, 0);
	unlink(link);
	cr_assert_eq(symlink(dbg, link), 0, "symlink %s", link);
	check_split_debug(root, 1);
	rm_tree(root);
}

/* ---- clang: no .debug_aranges (issue #13) ----------------------------- */
Test(sym, clang_frames_have_lines, .timeout = 120)
{
	if (!lt_e2e_program("clang_leak"))
		cr_skip_test("clang was not found when the tests were built (apt-get install clang)");
	lt_run_t r;
	cr_assert_eq(lt_e2e_run(&r, "clang_leak", NULL, NULL), 0);
	cr_assert_str_eq(r.out, "done\n");
	json_t *g = lt_e2e_find_group(&r, "memory", "definitely_lost", "clang_make");
	cr_assert_not_null(g, "no definitely lost group in clang_make; stderr: %s", r.err);
	cr_assert_eq(lt_e2e_group_bytes(g), 48);
	cr_assert_eq(lt_e2e_group_count(g), 1);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), 48);
	assert_frame(g, 0, "clang_make", "/tests/programs/sym/clang_leak.c", 15);
	assert_frame(g, 1, "clang_middle", "/tests/programs/sym/clang_leak.c", 23);
	assert_frame(g, 2, "main", "/tests/programs/sym/clang_leak.c", 30);
	lt_e2e_free(&r);
}

/* ---- frames in a dlclose'd library (issue #13) ------------------------ */
Test(sym, dlclosed_library_frames_named, .timeout = 120)
{
	lt_run_t r;
	cr_assert_eq(lt_e2e_run(&r, "dlclose_leak", NULL, NULL), 0);
	cr_assert(ends_with(r.out, "libunloaded.so\nunloaded\n"), "stdout: %s", r.out);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), 80);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_blocks"), 2);
	cr_assert_eq(lt_e2e_count_groups(&r, "memory", "definitely_lost"), 2);
	json_t *leaks = json_object_get(r.report, "leaks");
	int seen = 0;
	for (size_t i = 0; i < json_array_size(leaks); i++) {
		json_t *g = json_array_get(leaks, i);
		const char *cls = json_string_value(json_object_get(g, "class"));
		if (!cls || strcmp(cls, "definitely_lost"))
			continue;     /* stdio's buffer, the loader's own blocks */
		cr_assert_eq(lt_e2e_group_bytes(g), 40);
		cr_assert_eq(lt_e2e_group_count(g), 1);
		assert_frame(g, 0, "unloaded_alloc", "/tests/programs/sym/libunloaded.c", 9);
		const char *mod = json_string_value(json_object_get(frame(g, 0), "module"));
		cr_assert(ends_with(mod, "/tests/programs/sym/libunloaded.so"), "module %s",
			  mod ? mod : "(none)");
		json_t *f1 = frame(g, 1);
		long long line = json_integer_value(json_object_get(f1, "line"));
		assert_frame(g, 1, "main", "/tests/programs/sym/dlclose_leak.c", (int)line);
		cr_assert(line == 28 || line == 29, "main line %lld", line);
		seen |= 1 << (line - 28);
	}
	cr_assert_eq(seen, 3, "the two call sites (lines 28 and 29) each leak once");
	lt_e2e_free(&r);
}
