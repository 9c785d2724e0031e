/* Handle groups for a report: a copy of the handle tables taken under their
 * lock (lt_handle_snapshot), then every open handle described from the
 * kernel (socket state, /proc/self/fd links) and grouped, with no table
 * lock held: the program's close() and socket() never wait on a report. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../handle.h"
#include "../log.h"
#include "../options.h"
#include "../proctab.h"
#include "../stack.h"
#include "../sys.h"
#include "../sysfile.h"
#include "handleinfo.h"
#include "report.h"
#include "symbolize.h"

static void add_group(lt_report_t *r, int kind, int origin, uint32_t stack, uint64_t bytes,
		      uint32_t ms, const lt_handle_detail_t *d)
{
	lt_group_t *g = lt_report_group(r, kind, LT_CLASS_OPEN, origin, stack);
	if (!g)
		return;
	lt_group_add(g, bytes, ms);
	lt_group_add_handle(g, d);
}

/* ---- threads, children, mappings ---------------------------------------- */

/* A child's state from /proc/PID/stat without reaping it: 'Z' is a zombie,
 * and field 52 (exit_code, Linux 3.5) its wait status. 0 when the child is
 * gone (reaped behind the hooks' back: a raw wait4, SIGCHLD ignored). */
static int child_state(int pid, int *zombie, int *status)
{
	char path[64], *buf = NULL;
	size_t len = 0;
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if (lt_sys_read_file(path, &buf, &len))
		return 0;
	int ok = 0;
	/* comm may hold spaces and ')': fields count from the last ')' */
	const char *p = strrchr(buf, ')');
	if (p && p[1] == ' ' && p[2]) {
		char st = p[2];
		int ppid = atoi(p + 4);
		/* a pid reused by a process that is not our child is gone too */
		if (ppid == (int)lt_sys_getpid()) {
			ok = 1;
			*zombie = st == 'Z';
			int field = 3;
			const char *q = p + 2;
			for (; *q && field < 52; q++)
				if (*q == ' ')
					field++;
			*status = field == 52 ? atoi(q) : 0;
		}
	}
	lt_ia_free(buf);
	return ok;
}

static const char *status_text(int st)
{
	char buf[64];
	if (WIFEXITED(st))
		snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof buf, "killed by %s%s", sigabbrev_np(WTERMSIG(st)) ? "SIG" : "signal ",
			 sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
	else
		snprintf(buf, sizeof buf, "status 0x%x", st);
	return lt_report_strdup(buf);
}

/* The /proc/self/maps line holding addr: permissions and path. */
static void map_describe(const char *maps, uintptr_t addr, lt_handle_detail_t *d)
{
	for (const char *l = maps; l && *l;) {
		const char *nl = strchr(l, '\n');
		unsigned long lo, hi;
		char perms[8];
		int off = 0;
		if (sscanf(l, "%lx-%lx %7s %*s %*s %*s%n", &lo, &hi, perms, &off) >= 3 &&
		    lo <= addr && addr < hi) {
			d->prot = lt_report_strdup(perms);
			const char *p = l + off;
			while (*p == ' ')
				p++;
			if (*p == '/' || *p == '[') {
				char path[4096];
				size_t n = nl ? (size_t)(nl - p) : strlen(p);
				if (n >= sizeof path)
					n = sizeof path - 1;
				memcpy(path, p, n);
				path[n] = 0;
				d->path = lt_report_strdup(path);
			}
			return;
		}
		l = nl ? nl + 1 : NULL;
	}
}

static void collect_procs(lt_report_t *r, const lt_proc_rec_t *recs, size_t n)
{
	if (!n)
		return;
	char *maps = NULL;
	size_t mlen = 0;
	if (lt_sys_read_file("/proc/self/maps", &maps, &mlen))
		maps = NULL;
	for (size_t i = 0; i < n; i++) {
		const lt_proc_rec_t *x = &recs[i];
		lt_handle_detail_t d;
		lt_handle_detail_init(&d);
		lt_group_t *g;
		if (x->kind == LT_KIND_THREAD) {
			d.state = lt_report_strdup(x->running ? "running" : "ended");
			if (!x->running)
				d.note = lt_report_strdup("ended and never joined: its stack stays mapped");
			g = x->running ? lt_report_group_running(r, x->kind, x->stack)
				       : lt_report_group(r, x->kind, LT_CLASS_OPEN, 0, x->stack);
		} else if (x->kind == LT_KIND_CHILD) {
			int zombie = 0, st = 0;
			if (!child_state((int)x->key, &zombie, &st))
				continue;
			d.pid = (int)x->key;
			d.state = lt_report_strdup(zombie ? "zombie" : "running");
			if (zombie) {
				d.exit_status = status_text(st);
				d.note = lt_report_strdup("exited and never waited for");
			}
			g = zombie ? lt_report_group(r, x->kind, LT_CLASS_OPEN, 0, x->stack)
				   : lt_report_group_running(r, x->kind, x->stack);
		} else {
			d.addr = x->key;
			d.length = x->length;
			if (maps)
				map_describe(maps, x->key, &d);
			g = lt_report_group(r, x->kind, LT_CLASS_OPEN, 0, x->stack);
		}
		if (!g)
			continue;
		lt_group_add(g, x->kind == LT_KIND_MAPPING ? x->length : 0, x->ms);
		lt_group_add_handle(g, &d);
	}
	lt_ia_free(maps);
}

/* A popen stream: the command, from its child's record (when the child is
 * traced and not yet reaped). */
static void describe_popen(lt_handle_detail_t *d, int fd, const lt_proc_rec_t *recs, size_t n)
{
	d->popen = 1;
	for (size_t i = 0; i < n; i++)
		if (recs[i].kind == LT_KIND_CHILD && recs[i].stream_fd == fd && recs[i].command[0]) {
			d->command = lt_report_strdup(recs[i].command);
			return;
		}
}

void lt_handle_collect(lt_report_t *r)
{
	int e = errno;
	int *open = NULL;
	size_t n = 0;
	if (lt_sys_open_fds(&open, &n) != 0) {
		lt_log_warn("cannot list /proc/self/fd; handles are not reported");
		errno = e;
		return;
	}
	lt_handle_snapshot_t snap;
	int rc = lt_handle_snapshot(open, n, &snap);
	lt_ia_free(open);
	if (rc) {
		errno = e;
		return;
	}
	lt_proc_rec_t *recs = NULL;
	size_t nrecs = 0;
	if (lt_proctab_snapshot(&recs, &nrecs) != 0)
		recs = NULL, nrecs = 0;

	for (size_t i = 0; i < snap.nfds; i++) {
		int fd = snap.fds[i].fd;
		lt_fdrec_t s = snap.fds[i].rec;
		if (s.kind == LT_HK_TRACER)
			continue;
		lt_handle_detail_t d;
		lt_handle_detail_init(&d);
		if (s.kind == LT_HK_NONE || s.kind == LT_HK_INHERITED) {
			if (s.kind == LT_HK_INHERITED && !lt_opt.report_inherited)
				continue;
			int kind = lt_hinfo_describe(fd, -1, &d);
			d.note = lt_report_strdup(s.kind == LT_HK_INHERITED
				? "inherited: open before leaktrace started"
				: "open but never seen created (raw system call, io_uring or library internals)");
			add_group(r, kind, 1, 0, 0, 0, &d);
			continue;
		}
		/* a standard stream the program set up itself (dup2 onto 0-2, as
		 * every shell pipeline and $(...) does): valgrind's --track-fds
		 * counts these as "std", never as leaks, and so does the report */
		if (fd <= 2)
			continue;
		lt_hinfo_describe(fd, s.kind, &d);
		if (s.kind == LT_KIND_FILE && (s.flags & LT_FDF_POPEN))
			describe_popen(&d, fd, recs, nrecs);
		add_group(r, s.kind, 0, s.stack, 0, s.ms, &d);
	}

	for (size_t i = 0; i < snap.nrsrcs; i++) {
		const lt_handle_snap_rsrc_t *x = &snap.rsrcs[i];
		lt_handle_detail_t d;
		lt_handle_detail_init(&d);
		d.ring_fd = x->key.ring_fd;
		d.index = x->key.index;
		if (x->key.type == LT_RSRC_FILE) {
			d.fd = x->file_fd;
			add_group(r, LT_KIND_IO_URING_FILE, 0, x->stack, 0, x->ms, &d);
			continue;
		}
		d.addr = x->addr;
		d.length = x->len;
		if (x->key.type == LT_RSRC_BUFRING)
			d.what = lt_report_strdup("buffer ring");
		if (x->freed)
			d.note = lt_report_strdup("freed with free() while still registered");
		add_group(r, LT_KIND_IO_URING_BUFFER, 0, x->stack, x->len, x->ms, &d);
	}

	for (size_t i = 0; i < snap.nfilters; i++) {
		const lt_handle_snap_filter_t *f = &snap.filters[i];
		lt_handle_detail_t d;
		lt_handle_detail_init(&d);
		d.fd = f->key.kq;
		d.ident = (long long)f->key.ident;
		d.filter = lt_report_strdup(lt_hinfo_filter_name(f->key.filter));
		add_group(r, LT_KIND_KEVENT_FILTER, 0, f->stack, 0, f->ms, &d);
	}
	lt_handle_snapshot_free(&snap);
	collect_procs(r, recs, nrecs);
	lt_ia_free(recs);
	errno = e;
}

/* The handle tables' stack printer (lt_handle_set_stack_printer): a
 * symbolized stack on stderr, one frame a line. */
void lt_handle_print_stack(const char *title, uint32_t sid)
{
	const lt_stack_t *st = lt_stack_get(sid);
	lt_log_info("  %s:", title);
	if (!st)
		return;
	lt_sym_t *sym = lt_sym_open();
	for (uint32_t i = 0; i < st->depth; i++) {
		lt_frame_t f[8];
		int n = sym ? lt_sym_lookup(sym, st->pc[i], f, 8, 1) : 0;
		if (n <= 0) {
			lt_log_info("    #%u 0x%llx", i, (unsigned long long)st->pc[i]);
			continue;
		}
		for (int k = 0; k < n; k++)
			lt_log_info("    #%u 0x%llx in %s %s:%d", i, (unsigned long long)f[k].addr,
				    f[k].function ? f[k].function : "??",
				    f[k].file ? f[k].file : (f[k].module ? f[k].module : "??"), f[k].line);
	}
	if (sym)
		lt_sym_close(sym);
}
