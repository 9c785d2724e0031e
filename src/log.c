/* Diagnostics for the shim: formatted into a stack buffer and written with a
 * raw write(2), so logging never takes stdio locks nor allocates, and a
 * message is one write (never interleaved mid-line with the target's). */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "sys.h"

#define MAX_WARNINGS 100   /* after that, stay quiet: never flood a server's log */

static atomic_int nwarn;
static int muted;

void lt_log_mute(int on)
{
	muted = on;
}

static void emit(const char *level, const char *fmt, va_list ap)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "leaktrace: %s", level);
	if (n < 0)
		return;
	int m = vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	size_t len = strnlen(buf, sizeof buf - 2);
	buf[len++] = '\n';
	lt_sys_write_all(2, buf, len);
}

void lt_log_warn(const char *fmt, ...)
{
	if (muted || atomic_fetch_add(&nwarn, 1) >= MAX_WARNINGS)
		return;
	va_list ap;
	va_start(ap, fmt);
	emit("warning: ", fmt, ap);
	va_end(ap);
}

void lt_log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("error: ", fmt, ap);
	va_end(ap);
}

void lt_log_info(const char *fmt, ...)
{
	if (muted)
		return;
	va_list ap;
	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
}

void lt_log_fatal_assert(const char *expr, const char *file, int line)
{
	lt_log_error("internal assertion failed: %s (%s:%d)", expr, file, line);
	__builtin_trap();
}
