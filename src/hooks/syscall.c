/* The syscall() interposer: programs that use io_uring without liburing
 * (libuv-style code) call libc's syscall(__NR_io_uring_setup /
 * __NR_io_uring_register, ...). Those two numbers are tracked; every other
 * call goes straight through with its arguments, result and errno
 * untouched. syscall() is variadic: six long arguments are read, as
 * glibc's own syscall() does (extra ones are harmless register reads). */
#include <stdarg.h>
#include <sys/syscall.h>

#include "../sys.h"
#include "hhook.h"

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 427
#endif

LT_EXPORT long syscall(long nr, ...)
{
	va_list ap;
	va_start(ap, nr);
	long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
	long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
	va_end(ap);
	long r;
	if (LT_UNLIKELY(!lt_hook_ready() || !lt_real.syscall)) {
		/* before libc's syscall() is resolved: the same instruction */
		r = lt_sys_call6(nr, a, b, c, d, e, f);
		if (r < 0 && r > -4096) {
			errno = (int)-r;
			return -1;
		}
		return r;
	}
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
