/* The client API's entry points: leaktrace's own functions (wrapped by
 * include/leaktrace.h, which declares them weak so a program runs without
 * the shim too) and LeakSanitizer's interface (sanitizer/lsan_interface.h),
 * so a program annotated for LSan works unchanged under the shim. The
 * state behind them lives in api.c; what each call means is said there and
 * in libleaktrace(7). Every name is listed in api.inc. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "guard.h"
#include "init.h"
#include "log.h"
#include "options.h"
#include "signals.h"
#include "report/emit.h"
#include "report/report.h"

/* The stack pointer of the exported function's caller: just above the
 * saved frame pointer and return address of its frame (the shim is built
 * with frame pointers; __builtin_frame_address forces one anyway). */
#define CALLER_SP() ((uintptr_t)__builtin_frame_address(0) + 2 * sizeof(void *))

static void register_region(const void *p, size_t size)
{
	int rc = lt_api_register_region(p, size);
	if (rc == -ENOSPC)
		lt_log_warn("more than %d root regions registered; region %p (%zu bytes) is not scanned",
			    LT_API_MAX_REGIONS, p, size);
}

static void unregister_region(const void *p, size_t size)
{
	if (lt_api_unregister_region(p, size) == -ENOENT)
		lt_log_warn("unregistering root region %p (%zu bytes) that was never registered; ignored",
			    p, size);
}

/* ---- the calls ---------------------------------------------------------------- */

/* The shim traces (its constructor ran and tracing was not switched off). */
static int active(void)
{
	return lt_tracing();
}

static void ignore_object(const void *p)
{
	if (!p || !active())
		return;
	lt_guard_hold();
	int found = lt_heap_ignore((void *)p);
	lt_guard_release();
	if (!found && lt_opt.verbosity >= 1)
		lt_log_info("ignore_object: %p is not the start of a traced heap block", p);
}

static void disable(void)
{
	lt_api_disabled++;
}

static void enable(void)
{
	if (lt_api_disabled <= 0) {
		static int warned;
		if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
			lt_log_warn("enable without a matching disable; ignored");
		return;
	}
	lt_api_disabled--;
}

/* A snapshot report now, from this thread. Returns 0 or -errno. */
static int snapshot_now(void)
{
	if (!active() || lt_opt.report == LT_REPORT_OFF)
		return -ENOTSUP;
	lt_guard_hold();
	lt_signal_report_lock();
	int rc = lt_report_run(LT_REASON_SNAPSHOT, 0, NULL);
	lt_signal_report_unlock();
	lt_guard_release();
	return rc;
}

LT_EXPORT int __leaktrace_active(void)
{
	return active();
}

LT_EXPORT void __leaktrace_ignore_object(const void *p)
{
	ignore_object(p);
}

LT_EXPORT void __leaktrace_disable(void)
{
	disable();
}

LT_EXPORT void __leaktrace_enable(void)
{
	enable();
}

LT_EXPORT const char *__leaktrace_snapshot(void)
{
	lt_api_caller_sp = CALLER_SP();
	/* one buffer, valid until the next call (documented in leaktrace.h) */
	static char path[4096];
	int rc = snapshot_now();
	lt_api_caller_sp = 0;
	if (rc)
		return NULL;
	const char *last = lt_out_last_path();
	if (!strcmp(lt_opt.output, "stderr") || !last[0])
		snprintf(path, sizeof path, "stderr");
	else
		snprintf(path, sizeof path, "%s", last);
	return path;
}

LT_EXPORT void __leaktrace_register_root_region(const void *p, size_t size)
{
	register_region(p, size);
}

LT_EXPORT void __leaktrace_unregister_root_region(const void *p, size_t size)
{
	unregister_region(p, size);
}

LT_EXPORT void __lsan_ignore_object(const void *p)
{
	ignore_object(p);
}

LT_EXPORT void __lsan_disable(void)
{
	disable();
}

LT_EXPORT void __lsan_enable(void)
{
	enable();
}

LT_EXPORT void __lsan_do_leak_check(void)
{
	/* once, like the exit report it replaces: later calls and the report
	 * at exit do nothing (lt_init_exit_report is idempotent) */
	lt_api_caller_sp = CALLER_SP();
	lt_init_exit_report();
	lt_api_caller_sp = 0;
}

LT_EXPORT int __lsan_do_recoverable_leak_check(void)
{
	lt_api_caller_sp = CALLER_SP();
	int rc = snapshot_now();
	lt_api_caller_sp = 0;
	if (rc)
		return 0;
	uint64_t bytes, handles;
	lt_report_last_totals(&bytes, &handles);
	return bytes > 0 || handles > 0;
}

LT_EXPORT void __lsan_register_root_region(const void *p, size_t size)
{
	register_region(p, size);
}

LT_EXPORT void __lsan_unregister_root_region(const void *p, size_t size)
{
	unregister_region(p, size);
}
