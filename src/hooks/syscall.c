/* The syscall() interposer: programs that use io_uring without liburing
 * (libuv-style code) call libc's syscall(__NR_io_uring_setup /
 * __NR_io_uring_register, ...). Those two numbers are tracked; every other
 * call goes straight through with its arguments, result and errno
 * untouched. syscall() is variadic: six long arguments are read, as
 * glibc's own syscall() does (extra ones are harmless register reads).
 *
 * A seccomp filter the program installs, through syscall(SYS_seccomp) or
 * prctl(PR_SET_SECCOMP), may forbid membarrier, which the live table's
 * biased shards need to revoke a bias, or MADV_POPULATE: biases are
 * revoked, and both turned off, before the filter goes in (boot.h).
 *
 * One more call is answered here: libunwind's address validation,
 * syscall(SYS_write, LT_UNW_PIPE_WR, addr, 1), made inside the tracer's
 * work to the pipe hooks/fd.c never opened. */
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../boot.h"
#include "../sys.h"
#include "hhook.h"

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 427
#endif

/* What write(pipe, addr, 1) would say about addr, without a descriptor: 1
 * when its byte is readable, -1 with errno EFAULT when not (unmapped,
 * PROT_NONE, past the end of a mapped file). process_vm_readv on our own
 * pid reads through the same kernel path a write copies from; where a
 * seccomp filter forbids it (EPERM, ENOSYS), faccessat(addr, F_OK) is
 * asked instead: the kernel copies the path from addr and fails with
 * EFAULT only when it cannot read it (a string running into an unreadable
 * page says EFAULT too: the walk stops early, it never reads bad memory).
 * errno is kept on success, as a successful write keeps it. */
static long unw_validate(long addr)
{
	char byte;
	struct iovec local = { &byte, 1 }, remote = { (void *)addr, 1 };
	long r = lt_sys_call6(SYS_process_vm_readv, lt_sys_getpid(), (long)&local, 1,
			      (long)&remote, 1, 0);
	if (r != 1 && r != -EFAULT)
		r = lt_sys_call6(SYS_faccessat, AT_FDCWD, addr, F_OK, 0, 0, 0) == -EFAULT
			? -EFAULT : 1;
	if (r == 1)
		return 1;
	errno = EFAULT;
	return -1;
}

LT_EXPORT long syscall(long nr, ...)
{
	va_list ap;
	va_start(ap, nr);
	long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
	long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
	va_end(ap);
	long r;
	if (LT_UNLIKELY(nr == SYS_write && a == LT_UNW_PIPE_WR) && lt_guard_depth && c == 1)
		return unw_validate(b);
	if (LT_UNLIKELY(!lt_hook_ready() || !lt_real.syscall)) {
		/* before libc's syscall() is resolved: the same instruction */
		r = lt_sys_call6(nr, a, b, c, d, e, f);
		if (r < 0 && r > -4096) {
			errno = (int)-r;
			return -1;
		}
		return r;
	}
	if (LT_UNLIKELY(nr == SYS_seccomp) &&
	    (a == SECCOMP_SET_MODE_STRICT || a == SECCOMP_SET_MODE_FILTER))
		lt_boot_seccomp();
	if (LT_LIKELY(nr != __NR_io_uring_setup && nr != __NR_io_uring_register))
		return lt_real.syscall(nr, a, b, c, d, e, f);
	r = lt_real.syscall(nr, a, b, c, d, e, f);
	if (lt_hook_in_uring)
		return r;     /* a liburing hook is already tracking this call */
	if (nr == __NR_io_uring_setup)
		lt_hook_uring_setup(r);
	else
		lt_hook_uring_register((int)a, (unsigned)b, (const void *)c,
				       (unsigned)d, r);
	return r;
}

LT_EXPORT int prctl(int option, ...)
{
	va_list ap;
	va_start(ap, option);
	unsigned long a = va_arg(ap, unsigned long), b = va_arg(ap, unsigned long);
	unsigned long c = va_arg(ap, unsigned long), d = va_arg(ap, unsigned long);
	va_end(ap);
	if (option == PR_SET_SECCOMP)
		lt_boot_seccomp();
	if (LT_UNLIKELY(!lt_hook_ready() || !lt_real.prctl)) {
		long r = lt_sys_call6(SYS_prctl, option, (long)a, (long)b, (long)c, (long)d, 0);
		if (r < 0 && r > -4096) {
			errno = (int)-r;
			return -1;
		}
		return (int)r;
	}
	return lt_real.prctl(option, a, b, c, d);
}
