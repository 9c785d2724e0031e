/* Snapshot and termination signals (see signals.h; not signal.h, which
 * would shadow <signal.h> for every file of this folder).
 *
 * Signal handlers do only async-signal-safe work: they bump a futex word
 * and wake the shim's helper thread, which builds the report. No descriptor
 * is involved (a daemon that closes every fd cannot break it, nor receive a
 * stray byte in a reused descriptor). A burst of snapshot signals coalesces
 * into whole reports, one at a time, never torn ones.
 *
 * Termination (SIGTERM, SIGINT, SIGHUP, SIGQUIT) and crash signals (SIGSEGV,
 * SIGBUS, SIGILL, SIGFPE, SIGABRT) get a handler only where the disposition
 * is the default one, and only until the program installs its own: the
 * handler has the helper write a report with reason "signal", waits for it
 * (bounded), then restores the default action and lets the signal kill the
 * process, so the parent sees the same status as without the shim. */
#include "signals.h"
#include "signame.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "guard.h"
#include "helper.h"
#include "intalloc.h"
#include "lock.h"
#include "log.h"
#include "options.h"
#include "real.h"
#include "sigtab.h"
#include "report/emit.h"
#include "report/report.h"
#include "sys.h"
#include "sysfile.h"

static int snap_signo;
static _Atomic unsigned requests;      /* futex word: bumped by every request */
static _Atomic int fatal_signo;        /* a termination signal to report */
static _Atomic unsigned fatal_done;    /* futex word the dying thread waits on */
static _Atomic int helper_tid;
static int helper_uncounted;          /* taken out of glibc's thread count */
static _Atomic int main_gone;          /* the main thread called pthread_exit */
static int helper_started;
static lt_lock_t report_lock = LT_LOCK_INIT;

/* signals whose default action we replace while the program has not */
static const int term_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT,
				    SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };

void lt_signal_report_lock(void)
{
	lt_lock(&report_lock);
}

void lt_signal_report_unlock(void)
{
	lt_unlock(&report_lock);
}

static void snapshot_handler(int sig)
{
	(void)sig;
	int e = errno;
	atomic_fetch_add_explicit(&requests, 1, memory_order_release);
	lt_sys_futex(&requests, FUTEX_WAKE, 1, NULL);
	errno = e;
}

static void die_of(int sig)
{
	lt_sig_default(sig);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	lt_sys_tgkill(lt_sys_getpid(), lt_sys_gettid(), sig);
	lt_sys_sigmask(SIG_UNBLOCK, &set, NULL);
	/* a synchronous fault re-executes the faulting instruction on return */
}

static void fatal_handler(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	int self = lt_sys_gettid();
	int expect = 0;
	/* A termination signal sent while this thread was inside the tracer
	 * (a hook, a stack walk): the report needs locks this thread may hold,
	 * so it is taken up again when the thread leaves the tracer
	 * (guard.h). A fault there is the tracer's own: no report. */
	if (lt_guard_depth && self != atomic_load(&helper_tid) &&
	    (sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT)) {
		lt_guard_pending_sig = sig;
		return;
	}
	/* Report only when the helper can do it: not from the helper itself,
	 * not for a fault inside the tracer (its state may be what broke), and
	 * once per process. */
	if (helper_started && self != atomic_load(&helper_tid) && !lt_guard_depth &&
	    atomic_compare_exchange_strong(&fatal_signo, &expect, sig)) {
		atomic_fetch_add_explicit(&requests, 1, memory_order_release);
		lt_sys_futex(&requests, FUTEX_WAKE, 1, NULL);
		struct timespec ts = { 1, 0 };
		for (int waited = 0; waited < 30 && !atomic_load(&fatal_done); waited++)
			lt_sys_futex(&fatal_done, FUTEX_WAIT, 0, &ts);
	}
	die_of(sig);
}

static void snapshot_now(void)
{
	lt_signal_report_lock();
	uint64_t t0 = lt_clock_abs_ms();
	lt_report_run(LT_REASON_SNAPSHOT, 0, NULL);
	lt_signal_report_unlock();
	if (lt_opt.verbosity >= 1)
		lt_log_info("snapshot %u written to %s in %llu ms, threads paused %.3f ms",
			    lt_report_next_sequence() - 1,
			    lt_out_last_path()[0] ? lt_out_last_path() : "stderr",
			    (unsigned long long)(lt_clock_abs_ms() - t0), lt_report_last_pause_ms());
}

/* The main thread is about to pthread_exit (lt_helper_main_exiting): the
 * helper then ends itself once it is the last thread, so glibc's exit(0)
 * can run. */
static void main_exiting(void)
{
	/* glibc does not count the helper: it ends the process by itself */
	if (helper_uncounted)
		return;
	if (!helper_started || atomic_exchange(&main_gone, 1))
		return;
	/* wake the helper without making a snapshot request */
	lt_sys_futex(&requests, FUTEX_WAKE, 1, NULL);
}

/* Threads in the process, from /proc/self/status (-1 when unknown). */
static int thread_count(void)
{
	long n;
	return lt_sys_status_field("Threads", &n) ? -1 : (int)n;
}

/* After the main thread's pthread_exit, glibc ends the process (exit(0))
 * when its thread count drops to zero, and the helper counts as one: it
 * must go once it is the last thread besides the main one (a zombie, or
 * about to be). Whichever of the two decrements the count last runs
 * exit(0), and with it the program's atexit handlers and the exit report.
 * There is no event for "another thread ended" that the shim could wait
 * on without touching every thread, so the helper looks every few
 * milliseconds, backing off to POLL_MAX_MS, and only in this state. */
#define POLL_MAX_MS 200

static int only_helper_left(void)
{
	int n = thread_count();
	return n > 0 && n <= 2;
}

static void *helper_main(void *arg)
{
	(void)arg;
	lt_guard_hold();        /* the helper's whole life is tracer work */
	atomic_store(&helper_tid, lt_sys_gettid());
	lt_helper_set(atomic_load(&helper_tid), main_exiting);
	lt_sys_futex((_Atomic unsigned *)&helper_tid, FUTEX_WAKE, INT_MAX, NULL);
	lt_sys_set_thread_name("leaktrace");
	unsigned handled = 0;   /* requests made before this thread ran count too */
	uint64_t next_tick = lt_opt.snapshot_interval
				     ? lt_clock_abs_ms() + (uint64_t)lt_opt.snapshot_interval * 1000
				     : 0;
	unsigned poll_ms = 1;
	for (;;) {
		int sig = atomic_load(&fatal_signo);
		if (sig) {
			/* keep the lock: the process is about to die of sig and
			 * no other report may start */
			lt_signal_report_lock();
			lt_report_run(LT_REASON_SIGNAL, sig, NULL);
			atomic_store(&fatal_done, 1);
			lt_sys_futex(&fatal_done, FUTEX_WAKE, INT_MAX, NULL);
			for (;;)
				pause();
		}
		unsigned seen = atomic_load_explicit(&requests, memory_order_acquire);
		if (seen != handled) {
			handled = seen;
			snapshot_now();
			continue;
		}
		if (next_tick && lt_clock_abs_ms() >= next_tick) {
			next_tick += (uint64_t)lt_opt.snapshot_interval * 1000;
			snapshot_now();
			continue;
		}
		uint64_t left = UINT64_MAX;
		if (atomic_load(&main_gone)) {
			if (only_helper_left()) {
				/* return into glibc's start_thread, which calls
				 * exit(0) if this is the last thread: the
				 * program's atexit handlers run here untraced
				 * otherwise */
				lt_guard_release();
				return NULL;
			}
			left = poll_ms;
			poll_ms = poll_ms * 2 > POLL_MAX_MS ? POLL_MAX_MS : poll_ms * 2;
		}
		struct timespec ts, *tp = NULL;
		if (next_tick) {
			uint64_t now = lt_clock_abs_ms();
			if (next_tick <= now)
				left = 0;
			else if (next_tick - now < left)
				left = next_tick - now;
		}
		if (left != UINT64_MAX) {
			ts.tv_sec = (time_t)(left / 1000);
			ts.tv_nsec = (long)(left % 1000) * 1000000;
			tp = &ts;
		}
		lt_sys_futex(&requests, FUTEX_WAIT, seen, tp);
	}
	return NULL;
}

/* glibc ends the process (exit(0)) when its count of threads drops to
 * zero: when main() calls pthread_exit and the last worker returns, and in
 * a child forked by a thread other than main when that thread returns. The
 * helper must not be one of them, or such a process never ends. glibc's
 * count, __nptl_nthreads (exported, GLIBC_PRIVATE), is incremented by
 * pthread_create before the new thread runs and decremented by each thread
 * as it ends; the helper never ends, so taking it out once, right after it
 * was created, leaves the count as the program's own threads. fork() resets
 * the count to 1 in the child before the atfork handlers start a new
 * helper there. Where the symbol is missing, the helper instead watches for
 * being the last thread after main's pthread_exit (helper_main). */
static void uncount_helper(void)
{
	unsigned int *nthreads = lt_real_lookup("__nptl_nthreads", 0, NULL);
	if (!nthreads)
		return;
	__atomic_fetch_sub(nthreads, 1, __ATOMIC_SEQ_CST);
	helper_uncounted = 1;
}

static int start_helper(void)
{
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all, old;
	/* the helper blocks every signal: a process-directed signal (the
	 * snapshot signal included) must reach only the program's threads, as
	 * it would without the shim, or a signal the program blocks in all its
	 * threads to keep it pending would run its handler here at once. The
	 * snapshot handler runs on a program thread and only wakes the helper;
	 * the scan's stop-the-world skips the helper (world.c) */
	sigfillset(&all);
	lt_sys_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 1 << 20);
	int rc = lt_real.pthread_create ? lt_real.pthread_create(&t, &attr, helper_main, NULL) : ENOSYS;
	pthread_attr_destroy(&attr);
	lt_sys_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		lt_log_warn("cannot start the helper thread (%s): no snapshots or signal reports",
			    strerror(rc));
		return -rc;
	}
	/* wait until the helper has said who it is: a scan that starts right
	 * away (a short program's exit) must know which thread to leave be */
	struct timespec ts = { 0, 10 * 1000000 };
	for (int i = 0; i < 100 && !atomic_load(&helper_tid); i++)
		lt_sys_futex((_Atomic unsigned *)&helper_tid, FUTEX_WAIT, 0, &ts);
	uncount_helper();
	helper_started = 1;
	return 0;
}

/* The program installed its own handler on a signal of ours. */
static void released(int signo)
{
	if (signo == snap_signo) {
		lt_log_note("the program installed its own handler for signal %d, the snapshot signal; "
			    "snapshots on it are off (set LEAKTRACE_OPTIONS=snapshot_signal=SIGUSR2 or "
			    "another free signal)", signo);
		snap_signo = 0;
	}
}

static void install(int sig, void (*h)(int), void (*sa)(int, siginfo_t *, void *))
{
	struct sigaction act;
	memset(&act, 0, sizeof act);
	sigemptyset(&act.sa_mask);
	if (sa) {
		act.sa_sigaction = sa;
		act.sa_flags = SA_SIGINFO | SA_RESTART;
	} else {
		act.sa_handler = h;
		act.sa_flags = SA_RESTART;
	}
	lt_sig_own(sig, &act, LT_SIG_YIELD, released);
}

void lt_signal_init(void)
{
	if (!lt_real.sigaction)
		return;
	int s = lt_signal_parse(lt_opt.snapshot_signal);
	if (s < 0) {
		lt_log_warn("option snapshot_signal=%s: expected a signal name (SIGUSR1, USR2, RTMIN+4), "
			    "a number or off; using SIGUSR1", lt_opt.snapshot_signal);
		s = SIGUSR1;
	}
	snap_signo = s;
	int want_helper = snap_signo || lt_opt.snapshot_interval || lt_opt.signal_report;
	if (!want_helper || start_helper())
		return;
	if (snap_signo)
		install(snap_signo, snapshot_handler, NULL);
	if (lt_opt.signal_report) {
		for (size_t i = 0; i < sizeof term_signals / sizeof term_signals[0]; i++) {
			int sig = term_signals[i];
			struct sigaction cur;
			if (sig == snap_signo || lt_real.sigaction(sig, NULL, &cur))
				continue;
			/* an ignored or handled signal is the program's business */
			if (!(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_DFL)
				install(sig, NULL, fatal_handler);
		}
	}
}

void lt_signal_prefork(void)
{
	lt_signal_report_lock();
}

void lt_signal_postfork_parent(void)
{
	lt_signal_report_unlock();
}

void lt_signal_postfork_child(void)
{
	lt_lock_reset(&report_lock);
	lt_report_reset_sequence();
	atomic_store(&fatal_signo, 0);
	atomic_store(&fatal_done, 0);
	atomic_store(&helper_tid, 0);
	lt_helper_set(0, NULL);
	atomic_store(&main_gone, 0);
	helper_started = 0;
	helper_uncounted = 0;
	if (snap_signo || lt_opt.snapshot_interval || lt_opt.signal_report)
		start_helper();
}


