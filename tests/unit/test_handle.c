/* The live handle tables and report-time details: the fd array (growth,
 * replacement, ranges), cascades (a ring's registrations, a kqueue's
 * filters, filters on a closed descriptor), the registered-buffer counter
 * and free() check, reconciliation with /proc/self/fd, and the socket and
 * descriptor details. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "guard.h"
#include "handle.h"
#include "intalloc.h"
#include "report/handleinfo.h"
#include "report/report.h"
#include "stack.h"
#include "sys.h"
#include "sysfile.h"

static void fresh(void)
{
	lt_handle_reset();
}

Test(handle, add_get_forget)
{
	fresh();
	lt_fdrec_t rec;
	lt_handle_fd_add(7, LT_KIND_SOCKET, 42);
	cr_assert(lt_handle_fd_get(7, &rec));
	cr_assert_eq(rec.kind, LT_KIND_SOCKET);
	cr_assert_eq(rec.stack, 42);
	cr_assert_eq(lt_handle_live_fds(), 1);
	/* the kernel handed the number out again: the slot is replaced */
	lt_handle_fd_add(7, LT_KIND_FD, 43);
	cr_assert(lt_handle_fd_get(7, &rec));
	cr_assert_eq(rec.kind, LT_KIND_FD);
	cr_assert_eq(lt_handle_live_fds(), 1);
	lt_handle_fd_forget(7);
	cr_assert_not(lt_handle_fd_get(7, &rec));
	cr_assert_eq(lt_handle_live_fds(), 0);
	lt_handle_fd_forget(7);            /* twice: harmless */
	lt_handle_fd_forget(-1);
	lt_handle_fd_add(-1, LT_KIND_FD, 1);
	cr_assert_eq(lt_handle_live_fds(), 0);
}

Test(handle, grows_for_large_descriptors)
{
	fresh();
	lt_fdrec_t rec;
	lt_handle_fd_add(3, LT_KIND_FD, 1);
	lt_handle_fd_add(70000, LT_KIND_FILE, 2);
	cr_assert(lt_handle_fd_get(3, &rec), "growth kept the old slots");
	cr_assert(lt_handle_fd_get(70000, &rec));
	cr_assert_eq(rec.kind, LT_KIND_FILE);
	cr_assert_not(lt_handle_fd_get(69999, &rec));
	cr_assert_eq(lt_handle_live_fds(), 2);
}

Test(handle, forget_range_and_kind)
{
	fresh();
	for (int fd = 10; fd < 20; fd++)
		lt_handle_fd_add(fd, fd % 2 ? LT_KIND_FILE : LT_KIND_FD, 1);
	lt_handle_fd_forget_range(12, 15);
	cr_assert_eq(lt_handle_live_fds(), 6);
	lt_handle_forget_kind(LT_KIND_FILE);
	lt_fdrec_t rec;
	cr_assert(lt_handle_fd_get(10, &rec));
	cr_assert_not(lt_handle_fd_get(11, &rec));
	cr_assert_eq(lt_handle_live_fds(), 3);     /* 10, 16, 18 */
	lt_handle_fd_forget_range(0, ~0u);
	cr_assert_eq(lt_handle_live_fds(), 0);
}

Test(handle, ring_registrations_go_with_the_ring)
{
	fresh();
	lt_handle_fd_add(5, LT_KIND_IO_URING_RING, 1);
	lt_handle_rsrc_set(5, LT_RSRC_BUFFER, 0, 0x1000, 4096, -1, 2);
	lt_handle_rsrc_set(5, LT_RSRC_BUFFER, 1, 0x3000, 8192, -1, 2);
	lt_handle_rsrc_set(5, LT_RSRC_FILE, 0, 0, 0, 9, 3);
	lt_handle_rsrc_set(5, LT_RSRC_BUFRING, 7, 0x9000, 128, -1, 4);
	cr_assert_eq(lt_handle_live_rsrc(), 4);
	cr_assert_eq(lt_handle_nbufs, 3);
	/* replacing a slot keeps the count */
	lt_handle_rsrc_set(5, LT_RSRC_BUFFER, 1, 0x5000, 100, -1, 2);
	cr_assert_eq(lt_handle_nbufs, 3);
	lt_handle_rsrc_clear(5, LT_RSRC_BUFRING, 7);
	cr_assert_eq(lt_handle_nbufs, 2);
	lt_handle_rsrc_clear_all(5, LT_RSRC_FILE);
	cr_assert_eq(lt_handle_live_rsrc(), 2);
	/* io_uring_queue_exit / close of the ring: all of it goes */
	lt_handle_fd_forget(5);
	cr_assert_eq(lt_handle_live_rsrc(), 0);
	cr_assert_eq(lt_handle_nbufs, 0);
}

Test(handle, kqueue_filters_cascade)
{
	fresh();
	lt_handle_fd_add(4, LT_KIND_KQUEUE, 1);
	lt_handle_fd_add(8, LT_KIND_FD, 1);
	lt_handle_filter_add(4, 8, -1 /* read */, 1, 2);
	lt_handle_filter_add(4, 8, -1, 1, 9);     /* EV_ADD again: modify */
	lt_handle_filter_add(4, 7, -7 /* timer */, 0, 3);
	lt_handle_filter_add(4, 7, -11 /* user */, 0, 3);
	cr_assert_eq(lt_handle_live_filters(), 3);
	lt_handle_filter_forget(4, 7, -11);
	cr_assert_eq(lt_handle_live_filters(), 2);
	/* closing the watched descriptor removes the filter on it */
	lt_handle_fd_forget(8);
	cr_assert_eq(lt_handle_live_filters(), 1);
	/* closing descriptor 7 (not an fd-based ident) does not */
	lt_handle_fd_add(7, LT_KIND_FD, 1);
	lt_handle_fd_forget(7);
	cr_assert_eq(lt_handle_live_filters(), 1);
	/* closing the kqueue removes the rest */
	lt_handle_fd_forget(4);
	cr_assert_eq(lt_handle_live_filters(), 0);
}

Test(handle, free_of_registered_buffer_is_reported, .init = cr_redirect_stderr)
{
	fresh();
	lt_stack_init(8);
	int saved = lt_state;
	lt_state = LT_STATE_ON;
	static char buf[256];
	lt_handle_fd_add(6, LT_KIND_IO_URING_RING, 0);
	lt_handle_rsrc_set(6, LT_RSRC_BUFFER, 3, (uintptr_t)(buf + 64), 64, -1, 0);
	lt_handle_check_free(buf, 32);        /* before it: silent */
	lt_handle_check_free(buf, 100);       /* overlaps it */
	lt_state = saved;
	fflush(stderr);
	char out[4096] = { 0 };
	FILE *f = cr_get_redirected_stderr();
	size_t n = fread(out, 1, sizeof out - 1, f);
	out[n] = 0;
	cr_assert_not_null(strstr(out, "leaktrace: error: free() of 0x"), "stderr: %s", out);
	cr_assert_not_null(strstr(out, "still registered with io_uring ring fd 6 (buffer index 3)"));
	cr_assert_null(strstr(strstr(out, "free() of") + 1, "free() of"), "reported once");
	lt_handle_fd_forget(6);
}

Test(handle, names)
{
	cr_assert_str_eq(lt_hinfo_tcp_state(8), "CLOSE_WAIT");
	cr_assert_str_eq(lt_hinfo_tcp_state(1), "ESTABLISHED");
	cr_assert_str_eq(lt_hinfo_tcp_state(10), "LISTEN");
	cr_assert_str_eq(lt_hinfo_tcp_state(99), "UNKNOWN");
	cr_assert_str_eq(lt_hinfo_filter_name(-1), "EVFILT_READ");
	cr_assert_str_eq(lt_hinfo_filter_name(-7), "EVFILT_TIMER");
	cr_assert_str_eq(lt_hinfo_filter_name(-99), "filter -99");
}

Test(handle, open_fds_lists_what_the_kernel_has)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	int *v = NULL;
	size_t n = 0;
	cr_assert_eq(lt_sys_open_fds(&v, &n), 0);
	int seen0 = 0, seen1 = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			cr_assert_lt(v[i - 1], v[i], "sorted");
		seen0 |= v[i] == p[0];
		seen1 |= v[i] == p[1];
	}
	cr_assert(seen0 && seen1);
	close(p[1]);
	lt_ia_free(v);
	v = NULL;
	cr_assert_eq(lt_sys_open_fds(&v, &n), 0);
	for (size_t i = 0; i < n; i++)
		cr_assert_neq(v[i], p[1]);
	close(p[0]);
}

Test(handle, collect_reconciles_and_describes)
{
	fresh();
	int sv[2], p[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(pipe(p), 0);
	lt_handle_fd_add(sv[0], LT_KIND_SOCKET, 11);
	lt_handle_fd_add(p[0], LT_KIND_FD, 12);
	lt_handle_fd_add(p[1], LT_HK_TRACER, 0);
	lt_handle_fd_add(900, LT_KIND_FD, 13);   /* not open: dropped */
	/* sv[1] is open but never seen created: unknown */

	lt_report_t r;
	memset(&r, 0, sizeof r);
	lt_handle_collect(&r);
	lt_group_t *g, *tmp;
	int sock = 0, fd = 0, unknown = 0;
	HASH_ITER(hh, r.table, g, tmp) {
		if (g->key.origin) {
			for (size_t i = 0; i < g->nhandles; i++)
				unknown += g->handles[i].fd == sv[1];
			continue;
		}
		if (g->key.kind == LT_KIND_SOCKET) {
			cr_assert_eq(g->key.stack, 11);
			cr_assert_eq(g->nhandles, 1);
			cr_assert_str_eq(g->handles[0].family, "unix");
			cr_assert_str_eq(g->handles[0].type, "stream");
			cr_assert_null(g->handles[0].tcp_state);
			sock++;
		} else if (g->key.kind == LT_KIND_FD) {
			cr_assert_eq(g->key.stack, 12, "the dropped or the tracer's fd was reported");
			cr_assert_str_eq(g->handles[0].what, "pipe");
			fd++;
		}
	}
	cr_assert_eq(sock, 1);
	cr_assert_eq(fd, 1);
	cr_assert_eq(unknown, 1);
	lt_fdrec_t rec;
	cr_assert_not(lt_handle_fd_get(900, &rec), "a closed descriptor is dropped");
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}
