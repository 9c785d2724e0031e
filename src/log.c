/* Diagnostics for the shim: formatted into a stack buffer and written with a
 * raw write(2), so logging never takes stdio locks nor allocates, and a
 * message is one write (never interleaved mid-line with the target's). */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "sys.h"

#define MAX_WARNINGS 100   /* after that, stay quiet: never flood a server's log */

static atomic_int nwarn;
static int muted;

void lt_log_mute(int on)
{
	muted = on;
}

static atomic_int log_fd = 2;

/* notes: a slot is claimed by an atomic counter, then published */
static char notes[LT_LOG_MAX_NOTES][LT_LOG_NOTE_LEN];
static atomic_int nclaimed, ready[LT_LOG_MAX_NOTES];

void lt_log_set_fd(int fd)
{
	atomic_store(&log_fd, fd);
}

int lt_log_fd(void)
{
	return atomic_load(&log_fd);
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
	lt_sys_write_all(lt_log_fd(), buf, len);
}

void lt_log_note(const char *fmt, ...)
{
	va_list ap;
	int i = atomic_fetch_add(&nclaimed, 1);
	if (i < LT_LOG_MAX_NOTES) {
		va_start(ap, fmt);
		vsnprintf(notes[i], LT_LOG_NOTE_LEN, fmt, ap);
		va_end(ap);
		atomic_store_explicit(&ready[i], 1, memory_order_release);
	}
	if (lt_opt.verbosity >= 1) {
		va_start(ap, fmt);
		emit("note: ", fmt, ap);
		va_end(ap);
	}
}

int lt_log_note_count(void)
{
	int n = atomic_load(&nclaimed);
	if (n > LT_LOG_MAX_NOTES)
		n = LT_LOG_MAX_NOTES;
	int k = 0;
	while (k < n && atomic_load_explicit(&ready[k], memory_order_acquire))
		k++;
	return k;
}

const char *lt_log_note_get(int i)
{
	return i >= 0 && i < lt_log_note_count() ? notes[i] : "";
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
