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
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "fork.h"
#include "guard.h"
#include "handle.h"
#include "log.h"
#include "options.h"
#include "real.h"
#include "snapshot.h"
#include "report/report.h"
#include "stack.h"
#include "suppress.h"
#include "sys.h"

static int reported;

/* libunwind 1.6 opens a non-blocking, close-on-exec pipe when it first
 * initialises (tdep_init_mem_validate), to validate addresses by writing
 * them to it, but keeps that only as a fallback: where mincore() works it
 * validates with mincore and never touches the pipe again. The pipe takes
 * the program's two lowest free descriptors, so a program that lowers
 * RLIMIT_NOFILE gets two descriptors fewer than without the shim. When
 * mincore works here, find those two descriptors (they are the two lowest
 * that were free before the unwinder started) and close them. */
static void lowest_free_fds(int fd[2])
{
	fd[0] = lt_sys_openat(AT_FDCWD, "/", O_PATH | O_CLOEXEC, 0);
	fd[1] = lt_sys_openat(AT_FDCWD, "/", O_PATH | O_CLOEXEC, 0);
	for (int i = 0; i < 2; i++)
		if (fd[i] >= 0)
			lt_sys_close(fd[i]);
}

static int nonblocking_pipe(int fd, struct stat *st)
{
	long fl = syscall(SYS_fcntl, fd, F_GETFL);
	long fdfl = syscall(SYS_fcntl, fd, F_GETFD);
	return fl >= 0 && fdfl >= 0 && (fl & O_NONBLOCK) && (fdfl & FD_CLOEXEC) &&
	       syscall(SYS_fstat, fd, st) == 0 && S_ISFIFO(st->st_mode);
}

static void drop_unwinder_pipe(const int fd[2])
{
	static unsigned char page[4096] __attribute__((aligned(4096)));
	unsigned char vec[1];
	if (fd[0] < 0 || fd[1] < 0 || mincore(page, sizeof page, vec) != 0)
		return;      /* libunwind validates through the pipe: keep it */
	struct stat a, b;
	if (nonblocking_pipe(fd[0], &a) && nonblocking_pipe(fd[1], &b) && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev) {
		lt_sys_close(fd[0]);
		lt_sys_close(fd[1]);
	}
}

__attribute__((constructor(101))) static void lt_init(void)
{
	lt_guard_hold();
	lt_real_init();
	lt_clock_start_ms = lt_clock_abs_ms();
	lt_opt_load();
	int pipe_fds[2];
	lowest_free_fds(pipe_fds);
	lt_stack_init((int)lt_opt.depth);
	drop_unwinder_pipe(pipe_fds);
	if (lt_opt.suppressions[0])
		lt_supp_load(lt_opt.suppressions);
	if (lt_opt.track_fds)
		lt_handle_init();     /* what is open now was inherited */
	lt_fork_init();
	__atomic_store_n(&lt_state, LT_STATE_ON, __ATOMIC_RELEASE);
	lt_signal_init();
	lt_guard_release();
}

/* Write the exit report once and apply the gate. */
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
	lt_guard_release();
	if (failed && lt_opt.exitcode) {
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
