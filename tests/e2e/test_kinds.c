/* End-to-end tests of the thread, child and mapping kinds: a leaking and a
 * clean program each (tests/programs/kinds), counts from each program's
 * code. memcheck reports none of these resources; its run confirms the
 * programs leak no memory and no descriptor of their own, so every figure
 * below comes from the new kinds alone:
 *   thread_unjoined  valgrind: 0 bytes lost; --track-fds: 0,1,2 + the pipe
 *   thread_clean     valgrind: 0 bytes lost
 *   child_zombie     valgrind: 0 bytes lost; ps: 2 zombies (exit 3, exit 5)
 *   child_clean      valgrind: 0 bytes lost; no zombie
 *   mapping_leak     valgrind: 0 bytes lost ("in use at exit: 0 bytes")
 *   mapping_clean    valgrind: 0 bytes lost
 *   vfork_zombie     valgrind: 0 bytes in use at exit, --track-fds: only the
 *                    std ones (valgrind runs vfork as fork); /proc: 2 zombies
 *                    (exit 4, exit 7), the pids the program prints
 *   vfork_clean      valgrind: 0 bytes in use at exit; no zombie
 *   popen_zombie     valgrind: "in use at exit: 256 bytes in 1 blocks", still
 *                    reachable (the never-pclose'd stream, through `kept`);
 *                    --track-fds: fd 3 besides the std ones (popen's pipe);
 *                    /proc: 1 zombie (exit 6), the pid the program prints
 *   popen_clean      valgrind: 0 bytes in use at exit, only the std fds
 * (valgrind's own descriptors, its log fd and an inherited /dev/null, left
 * out). */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

#define RUN(r, name, opts)                                                     \
	do {                                                                   \
		cr_assert_eq(lt_e2e_run(&(r), name, opts, NULL), 0, "run %s", name); \
		cr_assert_not_null((r).report, "%s wrote no report; stderr: %s", name, (r).err); \
	} while (0)

static json_t *kgroup(lt_run_t *r, const char *kind, const char *fn)
{
	json_t *g = lt_e2e_find_group(r, kind, "open", fn);
	cr_assert_not_null(g, "no %s group with %s in its stack; stderr: %s", kind, fn, r->err);
	return g;
}

static const char *hstr(json_t *g, size_t i, const char *key)
{
	json_t *h = json_array_get(json_object_get(g, "handles"), i);
	cr_assert_not_null(h, "group has no handle %zu", i);
	return json_string_value(json_object_get(h, key));
}

static int leaked(json_t *g)
{
	return json_is_true(json_object_get(g, "leaked"));
}

/* The gate's counted_kinds list names kind (the contract spells the new
 * kinds there too). */
static int gate_counts(lt_run_t *r, const char *kind)
{
	json_t *k = json_object_get(json_object_get(r->report, "gate"), "counted_kinds");
	size_t i;
	json_t *v;
	json_array_foreach(k, i, v) if (!strcmp(json_string_value(v), kind)) return 1;
	return 0;
}

/* ---- threads -------------------------------------------------------------- */

Test(kinds, thread_ended_never_joined, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "thread_unjoined", "fail_on=handles");
	cr_assert_str_eq(r.out, "threads done\n");
	cr_assert_eq(lt_e2e_count_groups(&r, "thread", "open"), 2, "stderr: %s", r.err);
	json_t *g = kgroup(&r, "thread", "spawn_worker");
	cr_assert_eq(lt_e2e_group_count(g), 2);
	cr_assert(leaked(g));
	cr_assert_str_eq(hstr(g, 0, "state"), "ended");
	cr_assert_str_eq(hstr(g, 1, "state"), "ended");
	json_t *s = kgroup(&r, "thread", "spawn_sleeper");
	cr_assert_eq(lt_e2e_group_count(s), 1);
	cr_assert(!leaked(s), "a running thread is listed, not leaked");
	cr_assert_str_eq(hstr(s, 0, "state"), "running");
	/* the gate counts the two ended ones (the pipe is a descriptor too) */
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 2 + 2);
	cr_assert_eq(r.status, 23);
	lt_e2e_free(&r);
}

Test(kinds, threads_joined_or_detached_are_clean, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "thread_clean", "fail_on=memory,handles,thread");
	cr_assert_str_eq(r.out, "threads done\n");
	cr_assert(gate_counts(&r, "thread"), "stderr: %s", r.err);
	cr_assert_eq(lt_e2e_count_groups(&r, "thread", "open"), 0, "stderr: %s", r.err);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 0);
	cr_assert_eq(r.status, 0);
	lt_e2e_free(&r);
}

/* ---- children ------------------------------------------------------------- */

Test(kinds, zombie_children, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "child_zombie", NULL);
	cr_assert_str_eq(r.out, "children done\n");
	cr_assert_eq(lt_e2e_count_groups(&r, "child", "open"), 2, "stderr: %s", r.err);
	json_t *f = kgroup(&r, "child", "make_child");
	cr_assert_eq(lt_e2e_group_count(f), 1);
	cr_assert(leaked(f));
	cr_assert_str_eq(hstr(f, 0, "state"), "zombie");
	cr_assert_str_eq(hstr(f, 0, "exit_status"), "exited 3");
	json_t *s = kgroup(&r, "child", "spawn_child");
	cr_assert_eq(lt_e2e_group_count(s), 1);
	cr_assert_str_eq(hstr(s, 0, "exit_status"), "exited 5");
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 2);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), 0);
	cr_assert_eq(r.status, 23, "the default gate counts zombies");
	lt_e2e_free(&r);
}

Test(kinds, children_waited_for_are_clean, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "child_clean", "fail_on=memory,handles,child");
	cr_assert_str_eq(r.out, "children done\n");
	cr_assert(gate_counts(&r, "child"), "stderr: %s", r.err);
	cr_assert_eq(lt_e2e_count_groups(&r, "child", "open"), 0, "stderr: %s", r.err);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 0);
	cr_assert_eq(r.status, 0);
	lt_e2e_free(&r);
}

/* A program's own report: popen's shell inherits the shim and writes its
 * own, so the latest report is not always the program's. */
static json_t *own_report(lt_run_t *r, const char *name)
{
	for (int i = 0; i < r->nreports && i < LT_E2E_MAX_REPORTS; i++) {
		const char *exe = json_string_value(json_object_get(r->reports[i], "exe"));
		const char *base = exe ? strrchr(exe, '/') : NULL;
		if (base && !strcmp(base + 1, name))
			return r->report = r->reports[i];
	}
	cr_assert_fail("no report of %s among %d; stderr: %s", name, r->nreports, r->err);
	return NULL;
}

static long long hint(json_t *g, size_t i, const char *key)
{
	json_t *h = json_array_get(json_object_get(g, "handles"), i);
	cr_assert_not_null(h, "group has no handle %zu", i);
	return json_integer_value(json_object_get(h, key));
}

/* vfork: the hook records the child from the parent's side once the child
 * has _exit'ed or exec'd, returning through no frame the child used. */
Test(kinds, vfork_zombie_children, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "vfork_zombie", NULL);
	int za = 0, zb = 0;
	cr_assert_eq(sscanf(r.out, "zombies %d %d", &za, &zb), 2, "stdout: %s", r.out);
	cr_assert_eq(lt_e2e_count_groups(&r, "child", "open"), 2, "stderr: %s", r.err);
	json_t *x = kgroup(&r, "child", "vfork_exit");
	cr_assert_eq(lt_e2e_group_count(x), 1, "the reaped one is gone");
	cr_assert(leaked(x));
	cr_assert_eq(hint(x, 0, "pid"), za);
	cr_assert_str_eq(hstr(x, 0, "state"), "zombie");
	cr_assert_str_eq(hstr(x, 0, "exit_status"), "exited 4");
	cr_assert_str_eq(lt_e2e_frame_function(x, 0), "vfork_exit");
	json_t *e = kgroup(&r, "child", "vfork_exec");
	cr_assert_eq(lt_e2e_group_count(e), 1);
	cr_assert_eq(hint(e, 0, "pid"), zb);
	cr_assert_str_eq(hstr(e, 0, "exit_status"), "exited 7");
	cr_assert_str_eq(lt_e2e_frame_function(e, 0), "vfork_exec");
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 2);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), 0);
	cr_assert_eq(r.status, 23);
	lt_e2e_free(&r);
}

Test(kinds, vfork_children_waited_for_are_clean, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "vfork_clean", "fail_on=memory,handles,child");
	cr_assert_str_eq(r.out, "children done\n", "stderr: %s", r.err);
	cr_assert_eq(lt_e2e_count_groups(&r, "child", "open"), 0, "stderr: %s", r.err);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 0);
	cr_assert_eq(r.status, 0);
	lt_e2e_free(&r);
}

/* popen: the child glibc spawns is the "child" kind with popen's stack
 * while its stream is never pclose'd; pclose reaps it, and forgets it. */
Test(kinds, popen_child_never_pclosed, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "popen_zombie", NULL);
	own_report(&r, "popen_zombie");
	long zombie = 0;
	cr_assert_eq(sscanf(r.out, "lines 1, writer 0, zombie %ld", &zombie), 1, "stdout: %s", r.out);
	cr_assert_eq(lt_e2e_count_groups(&r, "child", "open"), 1, "stderr: %s", r.err);
	json_t *c = kgroup(&r, "child", "run_reader");
	cr_assert_eq(lt_e2e_group_count(c), 1);
	cr_assert(leaked(c));
	cr_assert_eq(hint(c, 0, "pid"), zombie);
	cr_assert_str_eq(hstr(c, 0, "state"), "zombie");
	cr_assert_str_eq(hstr(c, 0, "exit_status"), "exited 6");
	cr_assert_str_eq(lt_e2e_frame_function(c, 0), "run_reader");
	cr_assert_null(lt_e2e_find_group(&r, "child", "open", "run_writer"), "pclose reaped it");
	/* the stream too, and nothing of run_writer's */
	cr_assert_eq(lt_e2e_count_groups(&r, "file", "open"), 1, "stderr: %s", r.err);
	cr_assert_not_null(lt_e2e_find_group(&r, "file", "open", "run_reader"));
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 2);
	cr_assert_eq(lt_e2e_summary(&r, "by_kind.child"), 1);
	cr_assert_eq(lt_e2e_summary(&r, "by_kind.file"), 1);
	lt_e2e_free(&r);
}

Test(kinds, popen_pclosed_is_clean, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "popen_clean", "fail_on=memory,handles,child");
	own_report(&r, "popen_clean");
	cr_assert_str_eq(r.out, "statuses 0 3 0\n", "stderr: %s", r.err);
	cr_assert_eq(lt_e2e_count_groups(&r, "child", "open"), 0, "stderr: %s", r.err);
	cr_assert_eq(lt_e2e_count_groups(&r, "file", "open"), 0, "stderr: %s", r.err);
	cr_assert_eq(lt_e2e_summary(&r, "live_handles"), 0);
	lt_e2e_free(&r);
}

/* ---- mappings ------------------------------------------------------------- */

Test(kinds, mappings_never_unmapped, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "mapping_leak", NULL);
	cr_assert_str_eq(r.out, "mappings done\n");
	/* exactly the program's four call sites: glibc's internal mmap for the
	 * 4 MiB malloc chunk is not seen, and the unmapped one is gone */
	cr_assert_eq(lt_e2e_count_groups(&r, "mapping", "open"), 4, "stderr: %s", r.err);
	json_t *a = kgroup(&r, "mapping", "map_anon");
	cr_assert_eq(lt_e2e_group_count(a), 1);
	cr_assert_eq(lt_e2e_group_bytes(a), 3 * 4096);
	cr_assert_str_eq(hstr(a, 0, "prot"), "rw-p");
	cr_assert(!leaked(a), "mappings are listed, not gated, by default");
	json_t *f = kgroup(&r, "mapping", "map_file");
	cr_assert_eq(lt_e2e_group_bytes(f), 4096);
	cr_assert_str_eq(hstr(f, 0, "path"), "/etc/hostname");
	cr_assert_str_eq(hstr(f, 0, "prot"), "r--s");
	json_t *s = kgroup(&r, "mapping", "map_split");
	cr_assert_eq(lt_e2e_group_count(s), 2);
	cr_assert_eq(lt_e2e_group_bytes(s), 3 * 4096);
	json_t *m = kgroup(&r, "mapping", "map_grow");
	cr_assert_eq(lt_e2e_group_count(m), 1);
	cr_assert_eq(lt_e2e_group_bytes(m), 5 * 4096);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 0);
	cr_assert_eq(r.status, 0);
	lt_e2e_free(&r);
}

Test(kinds, mappings_gated_when_named, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "mapping_leak", "fail_on=mapping");
	cr_assert(leaked(kgroup(&r, "mapping", "map_anon")));
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 5, "stderr: %s", r.err);
	cr_assert_eq(r.status, 23);
	lt_e2e_free(&r);
}

Test(kinds, mappings_unmapped_are_clean, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "mapping_clean", "fail_on=mapping");
	cr_assert_str_eq(r.out, "mappings done\n");
	cr_assert(gate_counts(&r, "mapping"), "stderr: %s", r.err);
	cr_assert_eq(lt_e2e_count_groups(&r, "mapping", "open"), 0, "stderr: %s", r.err);
	cr_assert_eq(r.status, 0);
	lt_e2e_free(&r);
}

/* glibc allocates a new thread's TLS inside the hooked pthread_create: the
 * hook's own frame sits in mid-stack there, and no report may show it (the
 * program called pthread_create, which is the frame after the allocator's) */
Test(kinds, no_frame_of_the_shim_in_any_stack, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "thread_unjoined", "fail_on=handles:show_classes=all");
	json_t *leaks = json_object_get(r.report, "leaks");
	size_t i, k, checked = 0;
	json_t *g, *f;
	json_array_foreach(leaks, i, g) {
		json_array_foreach(json_object_get(g, "stack"), k, f) {
			const char *mod = json_string_value(json_object_get(f, "module"));
			cr_assert(!mod || !strstr(mod, "libleaktrace"),
				  "group %zu frame %zu is the shim's (%s)", i, k,
				  json_string_value(json_object_get(f, "function")));
			checked++;
		}
	}
	cr_assert_gt(checked, 0);
	/* the TLS blocks of the threads are among the memory groups, with
	 * pthread_create right above glibc's allocator frames */
	cr_assert_gt(lt_e2e_count_groups(&r, "memory", NULL), 0);
	lt_e2e_free(&r);
}
