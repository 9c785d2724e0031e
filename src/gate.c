/* The gate's reach: which processes may change their exit status, and the
 * records that let the launcher gate a whole process tree.
 *
 * Only the process that exec'd an image gates. A child made by fork() that
 * has not exec'd is part of its parent's work - a shell's $(...) or pipeline
 * subshell, a server's worker, a daemonising double fork - and its parent
 * decides what its status means: bash's `set -e` turns a subshell that
 * exits 23 into a failed script. So a fork-only child reports (fork_report)
 * but keeps its status. Knowing it is a pid comparison at exit, not an
 * atfork flag, so a child made by a raw clone() is covered too.
 *
 * With gate_dir set (the launcher does it), every process that gates leaves
 * two small files named after its pid and start time (unique even when
 * pids are reused, and the same across exec, which keeps the process):
 * STEM.run at start and STEM.end at its exit report, holding the verdict.
 * The launcher reads STEM.end files after its child exits to fail when any
 * process of the tree leaked, and a .run without .end names a process that
 * is still running (a daemon) or ended without an exit report (_exit, a
 * signal). Written with raw system calls, temp file then rename; failures
 * are silent (the launcher may be gone, its directory removed). */
#include "gate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "intalloc.h"
#include "options.h"
#include "sys.h"
#include "sysfile.h"

static int exec_pid;
static char stem[64];

static unsigned long long start_time(void)
{
	char *buf = NULL;
	size_t len = 0;
	if (lt_sys_read_file("/proc/self/stat", &buf, &len))
		return 0;
	unsigned long long t = 0;
	/* field 22 (starttime) counts from the ')' ending the comm field,
	 * which itself may hold spaces and parentheses */
	const char *p = strrchr(buf, ')');
	for (int field = 2; p && *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (p)
		for (; *p >= '0' && *p <= '9'; p++)
			t = t * 10 + (unsigned long long)(*p - '0');
	lt_ia_free(buf);
	return t;
}

static void put(const char *suffix, const char *text, size_t len)
{
	char path[LT_OPT_STR_MAX + 96], tmp[LT_OPT_STR_MAX + 112];
	snprintf(path, sizeof path, "%s/%s.%s", lt_opt.gate_dir, stem, suffix);
	snprintf(tmp, sizeof tmp, "%s/%s.%s.tmp", lt_opt.gate_dir, stem, suffix);
	int fd = lt_sys_openat(AT_FDCWD, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			       0600);
	if (fd < 0)
		return;
	ssize_t w = lt_sys_write_all(fd, text, len);
	lt_sys_close(fd);
	if (w < 0 || lt_sys_rename(tmp, path))
		lt_sys_unlink(tmp);
}

static const char *exe(void)
{
	static char buf[1024];
	ssize_t n = lt_sys_readlink("/proc/self/exe", buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

void lt_gate_init(void)
{
	exec_pid = (int)lt_sys_getpid();
	if (!lt_opt.gate_dir[0])
		return;
	snprintf(stem, sizeof stem, "%d.%llu", exec_pid, start_time());
	char text[1200];
	int n = snprintf(text, sizeof text, "pid %d\nexe %s\n", exec_pid, exe());
	put("run", text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

int lt_gate_applies(void)
{
	return !exec_pid || (int)lt_sys_getpid() == exec_pid;
}

void lt_gate_record(int failed, uint64_t leaked_bytes, uint64_t leaked_handles,
		    const char *report)
{
	if (!lt_opt.gate_dir[0] || !stem[0] || !lt_gate_applies())
		return;
	char text[LT_OPT_STR_MAX + 5200];
	int n = snprintf(text, sizeof text,
			 "pid %d\nfailed %d\nleaked_bytes %llu\nleaked_handles %llu\nexe %s\nreport %s\n",
			 exec_pid, failed, (unsigned long long)leaked_bytes,
			 (unsigned long long)leaked_handles, exe(), report);
	put("end", text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
	char path[LT_OPT_STR_MAX + 96];
	snprintf(path, sizeof path, "%s/%s.run", lt_opt.gate_dir, stem);
	lt_sys_unlink(path);
}
