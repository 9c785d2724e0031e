/* Hooks for stdio and directory streams: fopen, fopen64, fdopen, freopen,
 * freopen64, tmpfile, tmpfile64, popen, fclose, pclose, fcloseall, opendir,
 * fdopendir, closedir.
 *
 * glibc opens and closes a stream's descriptor with its internal
 * __open_nocancel/__close_nocancel, never the exported open/close, so the
 * descriptor hooks see none of it. A stream is recorded here as the fd
 * slot of its descriptor with kind "file" or "dir": one record, so
 * reconciliation never reports the descriptor a second time. */
/* meson builds with _FILE_OFFSET_BITS=64, which renames fopen to fopen64
 * in the headers: both names are hooked here, each under its own name */
#undef _FILE_OFFSET_BITS
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>

#include "../stderr.h"
#include "hhook.h"

static inline int is_std(FILE *fp)
{
	return fp == stdin || fp == stdout || fp == stderr;
}

static FILE *opened(FILE *fp)
{
	if (fp)
		lt_hh_created(fileno(fp), LT_KIND_FILE);   /* -1 for memory streams */
	return fp;
}

/* Forget the stream's descriptor before the stream releases it. */
static void closing(FILE *fp)
{
	if (fp == stderr || (fp && fileno(fp) == 2))
		lt_stderr_keep();   /* the report's stream (stderr.c) */
	if (fp && lt_tracing() && !lt_handle_held) {
		int e = errno;
		int fd = fileno(fp);
		if (fd >= 0)
			lt_handle_fd_forget(fd);
		errno = e;
	}
}

LT_EXPORT FILE *fopen(const char *path, const char *mode)
{
	LT_REAL_OR_ENOSYS(fopen, NULL);
	return opened(lt_real.fopen(path, mode));
}

LT_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	LT_REAL_OR_ENOSYS(fopen64, NULL);
	return opened(lt_real.fopen64(path, mode));
}

/* The descriptor becomes the stream's: its slot turns into a "file"
 * created here (fclose, not close, releases it now). */
LT_EXPORT FILE *fdopen(int fd, const char *mode)
{
	LT_REAL_OR_ENOSYS(fdopen, NULL);
	return opened(lt_real.fdopen(fd, mode));
}

LT_EXPORT FILE *tmpfile(void)
{
	LT_REAL_OR_ENOSYS(tmpfile, NULL);
	return opened(lt_real.tmpfile());
}

LT_EXPORT FILE *tmpfile64(void)
{
	LT_REAL_OR_ENOSYS(tmpfile64, NULL);
	return opened(lt_real.tmpfile64());
}

/* freopen closes the stream's old descriptor and opens a new one. The
 * standard streams stay standard: reopening stdout onto a file is not a
 * leak of this process, so their new descriptor is marked inherited. */
static FILE *reopened(FILE *fp, FILE *r, int std)
{
	if (!r || !lt_tracing() || lt_handle_held)
		return r;
	if (!std)
		return opened(r);
	int e = errno;
	lt_handle_fd_add(fileno(r), LT_HK_INHERITED, 0);
	errno = e;
	(void)fp;
	return r;
}

LT_EXPORT FILE *freopen(const char *path, const char *mode, FILE *fp)
{
	LT_REAL_OR_ENOSYS(freopen, NULL);
	int std = is_std(fp);
	closing(fp);
	return reopened(fp, lt_real.freopen(path, mode, fp), std);
}

LT_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *fp)
{
	LT_REAL_OR_ENOSYS(freopen64, NULL);
	int std = is_std(fp);
	closing(fp);
	return reopened(fp, lt_real.freopen64(path, mode, fp), std);
}

LT_EXPORT int fclose(FILE *fp)
{
	LT_REAL_OR_ENOSYS(fclose, EOF);
	closing(fp);
	return lt_real.fclose(fp);
}

/* A popen stream is two resources: the stream (kind "file", marked as a
 * pipe stream) and the child that pclose reaps (kind "child", made in
 * hooks/proc.c with the same stack, and naming the stream and command). */
LT_EXPORT FILE *popen(const char *cmd, const char *mode)
{
	LT_REAL_OR_ENOSYS(popen, NULL);
	uint32_t sid = 0;
	char *before = lt_hook_popen_before(&sid);
	FILE *fp = opened(lt_real.popen(cmd, mode));
	int fd = fp ? fileno(fp) : -1;
	if (fd >= 0 && lt_tracing() && !lt_handle_held) {
		int e = errno;
		lt_handle_fd_mark(fd, LT_FDF_POPEN);
		errno = e;
	}
	lt_hook_popen_after(before, sid, fd, cmd);
	return fp;
}

/* Forget the child before pclose reaps it, as the wait hooks do (its pid
 * can be reused the moment it is reaped). */
LT_EXPORT int pclose(FILE *fp)
{
	LT_REAL_OR_ENOSYS(pclose, -1);
	if (fp)
		lt_hook_pclose(fileno(fp));
	closing(fp);
	return lt_real.pclose(fp);
}

LT_EXPORT int fcloseall(void)
{
	LT_REAL_OR_ENOSYS(fcloseall, EOF);
	lt_stderr_keep();
	if (lt_tracing() && !lt_handle_held) {
		int e = errno;
		lt_handle_forget_kind(LT_KIND_FILE);
		errno = e;
	}
	return lt_real.fcloseall();
}

static DIR *dir_opened(DIR *d)
{
	if (d)
		lt_hh_created(dirfd(d), LT_KIND_DIR);
	return d;
}

LT_EXPORT DIR *opendir(const char *path)
{
	LT_REAL_OR_ENOSYS(opendir, NULL);
	return dir_opened(lt_real.opendir(path));
}

LT_EXPORT DIR *fdopendir(int fd)
{
	LT_REAL_OR_ENOSYS(fdopendir, NULL);
	return dir_opened(lt_real.fdopendir(fd));
}

LT_EXPORT int closedir(DIR *d)
{
	LT_REAL_OR_ENOSYS(closedir, -1);
	/* closedir is declared nonnull, but glibc answers NULL with EINVAL:
	 * launder the pointer so the check survives */
	DIR *dp = d;
	__asm__("" : "+r"(dp));
	if (dp && lt_tracing() && !lt_handle_held) {
		int e = errno;
		lt_handle_fd_forget(dirfd(dp));
		errno = e;
	}
	return lt_real.closedir(d);
}
