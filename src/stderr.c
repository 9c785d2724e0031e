/* The shim's own duplicate of the program's stderr (see stderr.h). */
#include "stderr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "guard.h"
#include "handle.h"
#include "log.h"
#include "sys.h"

static _Atomic int kept_stderr = -1;

/* The program is about to close or replace descriptor 2 (close, dup2 onto
 * it, fclose(stderr), freopen, close_range, closefrom): keep a private
 * duplicate of the original stderr for the report and the shim's
 * warnings. coreutils close stderr at exit, before the report is written.
 * The duplicate is made only then (a program that keeps its stderr never
 * sees one) and parked at the top of the descriptor range, close-on-exec,
 * where it takes none of the numbers the program gets next. */
void lt_stderr_keep(void)
{
	if (atomic_load(&kept_stderr) >= 0)
		return;
	struct rlimit rl;
	long base = 3;
	if (lt_sys_call6(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&rl, 0, 0) == 0 &&
	    rl.rlim_cur >= 64)
		base = (long)(rl.rlim_cur > 65536 ? 65536 : rl.rlim_cur) - 8;
	long fd = lt_sys_call6(SYS_fcntl, 2, F_DUPFD_CLOEXEC, base, 0, 0, 0);
	if (fd < 0 && base > 3)
		fd = lt_sys_call6(SYS_fcntl, 2, F_DUPFD_CLOEXEC, 3, 0, 0, 0);
	if (fd < 0)
		return;           /* fd 2 is not open (or no number is free) */
	int expect = -1;
	if (!atomic_compare_exchange_strong(&kept_stderr, &expect, (int)fd)) {
		lt_sys_close((int)fd);
		return;
	}
	lt_log_set_fd((int)fd);
	/* the tracer's own: never reported as a descriptor of the program */
	int e = errno;
	lt_guard_hold();
	lt_handle_fd_add((int)fd, LT_HK_TRACER, 0);
	lt_guard_release();
	errno = e;
}

int lt_stderr_kept(void)
{
	return atomic_load(&kept_stderr);
}
