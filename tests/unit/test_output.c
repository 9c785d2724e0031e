/* Output paths: pattern expansion, atomic owner-only files, no symlink
 * following, and the stderr fallback with one warning. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outpat.h"
#include "report/emit.h"

Test(output, expand_patterns)
{
	char out[64];
	cr_assert_eq(lt_out_expand("/tmp/r.%p.%n.json", 42, 7, out, sizeof out), 0);
	cr_assert_str_eq(out, "/tmp/r.42.7.json");
	cr_assert_eq(lt_out_expand("100%%-%p", 1, 0, out, sizeof out), 0);
	cr_assert_str_eq(out, "100%-1");
	cr_assert_eq(lt_out_expand("bad%x", 1, 0, out, sizeof out), -EINVAL);
	cr_assert_eq(lt_out_expand("trailing%", 1, 0, out, sizeof out), -EINVAL);
	cr_assert_eq(lt_out_expand("", 1, 0, out, sizeof out), -EINVAL);
	cr_assert_eq(lt_out_expand("/a/very/long/path/that/does/not/fit/in/sixty/four/bytes/at/all/%p", 1, 0,
				   out, sizeof out), -ENAMETOOLONG);
}

static char dir[64];

static void mkdir_tmp(void)
{
	strcpy(dir, "/tmp/lt-out-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static lt_buf_t text(const char *s)
{
	lt_buf_t b;
	lt_buf_init(&b);
	lt_buf_puts(&b, s);
	return b;
}

Test(output, atomic_owner_only_file, .init = mkdir_tmp)
{
	char pat[128], path[128];
	snprintf(pat, sizeof pat, "%s/r.%%p.json", dir);
	lt_buf_t b = text("{\"x\": 1}\n");
	cr_assert_eq(lt_out_write(pat, 99, 0, &b), 0);
	snprintf(path, sizeof path, "%s/r.99.json", dir);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(st.st_size, 9);
	cr_assert_str_eq(lt_out_last_path(), path);
	/* no temp files left behind */
	char cmd[256];
	snprintf(cmd, sizeof cmd, "test $(ls %s | wc -l) -eq 1", dir);
	cr_assert_eq(system(cmd), 0);
	lt_buf_free(&b);
}

Test(output, symlink_target_replaced_not_followed, .init = mkdir_tmp)
{
	char victim[128], link[128];
	snprintf(victim, sizeof victim, "%s/victim", dir);
	snprintf(link, sizeof link, "%s/report.json", dir);
	int fd = open(victim, O_WRONLY | O_CREAT, 0644);
	cr_assert(write(fd, "keep", 4) == 4);
	close(fd);
	cr_assert_eq(symlink(victim, link), 0);
	lt_buf_t b = text("new\n");
	cr_assert_eq(lt_out_write(link, 1, 0, &b), 0);
	char got[16] = "";
	fd = open(victim, O_RDONLY);
	cr_assert(read(fd, got, sizeof got) == 4);
	close(fd);
	cr_assert_str_eq(got, "keep", "the symlink's target was written through");
	struct stat st;
	cr_assert_eq(lstat(link, &st), 0);
	cr_assert(S_ISREG(st.st_mode), "the report replaced the link with a regular file");
	lt_buf_free(&b);
}

/* One line names the private file in TMPDIR that holds the report. */
Test(output, unwritable_goes_to_a_private_tmpdir_file, .init = cr_redirect_stderr)
{
	char tmp[] = "/tmp/lt-unit-fb-XXXXXX";
	cr_assert_not_null(mkdtemp(tmp));
	setenv("TMPDIR", tmp, 1);
	lt_buf_t b = text("REPORT\n");
	cr_assert_eq(lt_out_write("/nonexistent-dir/r.json", 1, 0, &b), 0);
	fflush(stderr);
	char want[400], path[200];
	snprintf(path, sizeof path, "%s/leaktrace.1.0.txt", tmp);
	snprintf(want, sizeof want,
		 "leaktrace: warning: cannot write report to /nonexistent-dir/r.json: No such file or "
		 "directory; report written to %s\n", path);
	cr_assert_stderr_eq_str(want);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	char got[16] = "";
	int fd = open(path, O_RDONLY);
	cr_assert(read(fd, got, sizeof got) == 7);
	close(fd);
	cr_assert_str_eq(got, "REPORT\n");
	unlink(path);
	rmdir(tmp);
	lt_buf_free(&b);
}

Test(output, full_disk_leaves_no_partial_file, .init = mkdir_tmp)
{
	/* /dev/full is not a directory entry we can rename onto, so emulate a
	 * failing write: a directory that vanishes is enough to fail rename */
	char pat[160];
	snprintf(pat, sizeof pat, "%s/sub/r.json", dir);
	lt_buf_t b = text("x\n");
	char fb[] = "/tmp/lt-unit-fb-XXXXXX";     /* where the fallback file goes */
	cr_assert_not_null(mkdtemp(fb));
	setenv("TMPDIR", fb, 1);
	cr_redirect_stderr();
	cr_assert_eq(lt_out_write(pat, 1, 0, &b), 0);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 0", dir);
	cr_assert_eq(system(cmd), 0, "nothing left in %s", dir);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fb);
	cr_assert_eq(system(cmd), 0);
	lt_buf_free(&b);
}
