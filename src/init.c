/* Start-up and shutdown of the tracer: the ordered init sequence in the
 * constructor, and the exit report and gate in the destructor.
 *
 * Why a destructor: at exit(), handlers registered with atexit and
 * __cxa_atexit (C++ static destructors included) run first, newest first;
 * _dl_fini, registered earliest, runs after them and calls the shared
 * libraries' destructors in reverse order of initialisation - the
 * preloaded shim's after the program's and those of every library loaded
 * after it. So when this destructor runs, the program has released all it
 * meant to release, and stdio is not yet flushed. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fork.h"
#include "gate.h"
#include "guard.h"
#include "handle.h"
#include "boot.h"
#include "init.h"
#include "log.h"
#include "options.h"
#include "outpat.h"
#include "real.h"
#include "signals.h"
#include "report/emit.h"
#include "report/report.h"
#include "stack.h"
#include "report/suppress.h"
#include "sys.h"

static int reported;

__attribute__((constructor(101))) static void lt_init(void)
{
	/* another thread of a library constructor may be running it */
	while (lt_boot() != 0)
		lt_sys_sched_yield();
	lt_guard_hold();
	/* suppressions matter only to reports, which start from here on */
	if (lt_opt.suppressions[0])
		lt_supp_load(lt_opt.suppressions);
	if (lt_opt.track_fds)
		lt_handle_init();     /* what is open now was inherited */
	lt_handle_set_stack_printer(lt_handle_print_stack);
	lt_fork_init(lt_signal_prefork, lt_signal_postfork_parent, lt_signal_postfork_child);
	__atomic_store_n(&lt_state, LT_STATE_ON, __ATOMIC_RELEASE);
	lt_signal_init();
	lt_guard_release();
}

/* Where this process's exit report went, for the launcher's record. */
static void report_path(char *out, size_t cap)
{
	if (!strcmp(lt_opt.output, "stderr") ||
	    lt_out_expand(lt_opt.output, (int)lt_sys_getpid(), lt_report_next_sequence() - 1, out, cap))
		snprintf(out, cap, "stderr");
}

/* The gate changes the exit status: say why on stderr in one line, with
 * any format, so a CI log shows more than "exit 23" (the JSON report may
 * be in a file nobody opened). */
static void say_verdict(void)
{
	char path[4096], line[2048];
	const char *out = lt_out_last_path();
	if (out && out[0])
		snprintf(path, sizeof path, "%s", out);
	else
		report_path(path, sizeof path);
	int n = snprintf(line, sizeof line, "leaktrace: gate failed: %s; exit %ld; report: %s\n",
			 lt_report_last_verdict(), (long)lt_opt.exitcode, path);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line) {
		n = sizeof line - 1;
		line[n - 1] = '\n';
	}
	lt_sys_write_all(lt_log_fd(), line, (size_t)n);
}

/* Write the exit report once and apply the gate - in the process that
 * exec'd this image only, never in a fork-only child (gate.c says why). */
void lt_init_exit_report(void)
{
	if (__atomic_exchange_n(&reported, 1, __ATOMIC_ACQ_REL))
		return;
	if (__atomic_load_n(&lt_state, __ATOMIC_ACQUIRE) != LT_STATE_ON)
		return;
	if (lt_opt.report == LT_REPORT_OFF)
		return;
	lt_guard_hold();
	int failed = 0;
	/* a snapshot in progress on the helper thread finishes first */
	lt_signal_report_lock();
	lt_report_run(LT_REASON_EXIT, 0, &failed);
	lt_signal_report_unlock();
	int applies = lt_gate_applies();
	if (applies && lt_opt.gate_dir[0]) {
		uint64_t bytes, handles;
		char path[4096];
		lt_report_last_totals(&bytes, &handles);
		report_path(path, sizeof path);
		lt_gate_record(failed, bytes, handles, path);
	}
	if (failed && applies && lt_opt.exitcode)
		say_verdict();
	lt_guard_release();
	if (failed && applies && lt_opt.exitcode) {
		/* stdio is flushed only after the destructors: flush now or the
		 * program's buffered output is lost with _exit */
		fflush(NULL);
		_exit((int)lt_opt.exitcode);
	}
}

__attribute__((destructor(101))) static void lt_fini(void)
{
	lt_init_exit_report();
}
