/* Where reports go: "stderr", or a file named by a pattern (%p pid, %n
 * sequence, %% percent). Files are written whole or not at all: a temp file
 * created O_CREAT|O_EXCL|O_NOFOLLOW with mode 0600 next to the target,
 * written, fsync'ed, then renamed into place, so a reader never sees half a
 * report and a planted symlink is never followed. Any failure (unwritable
 * directory, full disk) removes the temp file and writes the report to a
 * private file in $TMPDIR instead, with one warning line naming it (stderr
 * gets the report itself only when even that fails): the report is never
 * lost, the program's stderr is never flooded, the target never stops. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "../guard.h"
#include "../handle.h"
#include "../log.h"
#include "../stderr.h"
#include "../sys.h"
#include "../outpat.h"
#include "emit.h"
#include "../options.h"

static char last_path[4096];

const char *lt_out_last_path(void)
{
	return last_path;
}

static int to_stderr(const lt_buf_t *b)
{
	int k = lt_stderr_kept();
	ssize_t r = lt_sys_write_all(k >= 0 ? k : 2, b->data, b->len);
	return r < 0 ? (int)r : 0;
}

static int write_file(const char *path, const lt_buf_t *b)
{
	char tmp[4200];
	int fd = -EEXIST;
	for (int attempt = 0; attempt < 16 && fd == -EEXIST; attempt++) {
		snprintf(tmp, sizeof tmp, "%s.tmp.%d.%d", path, (int)lt_sys_getpid(), attempt);
		fd = lt_sys_openat(AT_FDCWD, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	}
	if (fd < 0)
		return fd;
	ssize_t w = lt_sys_write_all(fd, b->data, b->len);
	int rc = w < 0 ? (int)w : lt_sys_fsync(fd);
	if (rc == -EINVAL || rc == -EROFS)
		rc = 0;      /* fsync unsupported here (a pipe, /dev/null's fs) */
	int c = lt_sys_close(fd);
	if (!rc && c)
		rc = c;
	if (!rc)
		rc = lt_sys_rename(tmp, path);
	if (rc)
		lt_sys_unlink(tmp);
	return rc;
}

/* A report that cannot go where output= says goes to a private file in
 * $TMPDIR (or /tmp; TMPDIR is ignored in a secure-execution process):
 * created O_EXCL|O_NOFOLLOW, mode 0600, never an existing file. Returns 0
 * and the path, or -errno. */
static int to_fallback(int pid, unsigned seq, const lt_buf_t *b, char *path, size_t cap)
{
	const char *dir = getauxval(AT_SECURE) ? NULL : getenv("TMPDIR");
	if (!dir || dir[0] != '/')
		dir = "/tmp";
	const char *ext = b->len && b->data[0] == '{' ? "json" : "txt";
	int fd = -EEXIST;
	for (int attempt = 0; attempt < 16 && fd == -EEXIST; attempt++) {
		if (attempt)
			snprintf(path, cap, "%s/leaktrace.%d.%u.%d.%s", dir, pid, seq, attempt, ext);
		else
			snprintf(path, cap, "%s/leaktrace.%d.%u.%s", dir, pid, seq, ext);
		fd = lt_sys_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	}
	if (fd < 0)
		return fd;
	ssize_t w = lt_sys_write_all(fd, b->data, b->len);
	lt_sys_close(fd);
	if (w < 0) {
		lt_sys_unlink(path);
		return (int)w;
	}
	return 0;
}

/* Say in one line where the report went instead; stderr itself only when
 * no private file can be made either (no descriptor, no space). */
static int fall_back(const char *why, int pid, unsigned seq, const lt_buf_t *b)
{
	char fb[4096];
	if (to_fallback(pid, seq, b, fb, sizeof fb) == 0) {
		lt_log_warn("%s; report written to %s", why, fb);
		snprintf(last_path, sizeof last_path, "%s", fb);
		return 0;
	}
	lt_log_warn("%s; writing it to stderr", why);
	return to_stderr(b);
}

int lt_out_write(const char *pattern, int pid, unsigned seq, const lt_buf_t *b)
{
	if (b->oom)
		lt_log_warn("out of memory while formatting the report; it is truncated");
	if (!strcmp(pattern, "stderr"))
		return to_stderr(b);
	char path[4096];
	int rc = lt_out_expand(pattern, pid, seq, path, sizeof path);
	char why[4300];
	if (rc) {
		snprintf(why, sizeof why, "option output=%s: %s", pattern,
			 rc == -EINVAL ? "bad pattern (use %p, %n or %%)" : "path too long");
		return fall_back(why, pid, seq, b);
	}
	/* special files (/dev/null, a FIFO) are written in place */
	if (!strncmp(path, "/dev/", 5)) {
		int fd = lt_sys_openat(AT_FDCWD, path, O_WRONLY, 0);
		if (fd >= 0) {
			lt_sys_write_all(fd, b->data, b->len);
			lt_sys_close(fd);
			snprintf(last_path, sizeof last_path, "%s", path);
			return 0;
		}
	}
	rc = write_file(path, b);
	if (rc) {
		snprintf(why, sizeof why, "cannot write report to %s: %s", path, strerror(-rc));
		return fall_back(why, pid, seq, b);
	}
	snprintf(last_path, sizeof last_path, "%s", path);
	return 0;
}

void lt_emit_report(const lt_report_t *r)
{
	lt_buf_t b;
	int fmt = lt_opt.format;
	if (fmt == LT_FMT_TEXT || fmt == LT_FMT_BOTH) {
		lt_text_view_t v;
		lt_text_view_from_options(&v, &lt_opt);
		lt_buf_init(&b);
		lt_text_write(r, &v, &b);
		/* with both, text goes to stderr and JSON to output */
		if (fmt == LT_FMT_BOTH && strcmp(lt_opt.output, "stderr"))
			to_stderr(&b);
		else
			lt_out_write(lt_opt.output, r->pid, r->sequence, &b);
		lt_buf_free(&b);
	}
	if (fmt == LT_FMT_JSON || fmt == LT_FMT_BOTH) {
		lt_buf_init(&b);
		lt_json_write(r, &b);
		lt_out_write(lt_opt.output, r->pid, r->sequence, &b);
		lt_buf_free(&b);
	}
}
