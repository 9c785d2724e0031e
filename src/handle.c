/* Live handle tables (see handle.h), and the copy the report takes of
 * them after reconciling with /proc/self/fd. */
#include "handle.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "clock.h"
#include "guard.h"
#include "intalloc.h"
#include "lock.h"
#include "log.h"
#include "options.h"
#include "stack.h"
#include "sys.h"
#include "sysfile.h"
#include "uthash_alloc.h"
#include <uthash.h>

LT_TLS int lt_handle_held;
int lt_handle_nbufs;

static lt_lock_t lock = LT_LOCK_INIT;

/* ---- the fd array ------------------------------------------------------- */

/* Grown by remapping (under the lock): descriptor numbers are dense and
 * small, so an array indexed by number is O(1) with no hashing. */
static lt_fdrec_t *fds;
static size_t fds_cap;   /* entries */
static size_t fds_live;

/* io_uring registrations: (ring fd, type, index), and kevent filters:
 * (kq, ident, filter). A record is the report's copy plus the hash handle. */
typedef struct lt_rsrc_key rsrc_key_t;
typedef struct lt_filter_key filter_key_t;
_Static_assert(sizeof(rsrc_key_t) == 3 * sizeof(int) &&
	       sizeof(filter_key_t) == sizeof(uintptr_t) + 2 * sizeof(int), "keys without padding");

typedef struct rsrc {
	lt_handle_snap_rsrc_t v;
	UT_hash_handle hh;
} rsrc_t;
static rsrc_t *rsrcs;

typedef struct filt {
	lt_handle_snap_filter_t v;
	UT_hash_handle hh;
} filt_t;
static filt_t *filters;

static void take(void)
{
	lt_lock_mine(&lock, &lt_handle_held);
}

static void give(void)
{
	lt_unlock_mine(&lock, &lt_handle_held);
}

/* After HASH_ADD of record x under the lock: 1 when it is in the table;
 * 0 when uthash ran out of memory (non-fatal), x freed and the lock given
 * back. */
static int hash_added(void *x, const UT_hash_handle *hh)
{
	if (hh->tbl)
		return 1;
	give();
	lt_ia_free(x);
	return 0;
}

/* Set flag on descriptor fd's entry when the table reaches it (lock held). */
static void flag_fd(size_t fd, unsigned flag)
{
	if (fd < fds_cap)
		fds[fd].flags |= flag;
}

/* Delete the record of table t (rsrc, filt) under key, taking the lock. */
#define FORGET(t, key)                                                         \
	do {                                                                   \
		take();                                                        \
		t##_del(t##_find(key));                                        \
		give();                                                        \
	} while (0)

static int grow(size_t need)
{
	size_t cap = fds_cap ? fds_cap : 1024;
	while (cap <= need)
		cap *= 2;
	lt_fdrec_t *n = lt_ia_map(cap * sizeof *n);
	if (!n)
		return -ENOMEM;
	if (fds) {
		memcpy(n, fds, fds_cap * sizeof *n);
		lt_ia_unmap(fds, fds_cap * sizeof *n);
	}
	fds = n;
	fds_cap = cap;
	return 0;
}

/* ---- releases that cascade (lock held) ---------------------------------- */

static rsrc_t *rsrc_find(const rsrc_key_t *k)
{
	rsrc_t *x;
	HASH_FIND(hh, rsrcs, k, sizeof *k, x);
	return x;
}

static filt_t *filt_find(const filter_key_t *k)
{
	filt_t *x;
	HASH_FIND(hh, filters, k, sizeof *k, x);
	return x;
}

static void filt_del(filt_t *x)    /* x may be NULL */
{
	if (!x)
		return;
	HASH_DEL(filters, x);
	lt_ia_free(x);
}

static void rsrc_del(rsrc_t *x)    /* x may be NULL */
{
	if (!x)
		return;
	if (x->v.key.type != LT_RSRC_FILE)
		__atomic_sub_fetch(&lt_handle_nbufs, 1, __ATOMIC_RELAXED);
	HASH_DEL(rsrcs, x);
	lt_ia_free(x);
}

static void rsrc_drop_ring(int ring_fd, int type)
{
	rsrc_t *x, *tmp;
	HASH_ITER(hh, rsrcs, x, tmp) {
		if (x->v.key.ring_fd == ring_fd && (type < 0 || x->v.key.type == type))
			rsrc_del(x);
	}
}

static void filters_drop(int kq, int fd)
{
	filt_t *x, *tmp;
	HASH_ITER(hh, filters, x, tmp) {
		if (x->v.key.kq == kq || (fd >= 0 && x->v.fd_based && x->v.key.ident == (uintptr_t)fd)) {
			filt_del(x);
		}
	}
}

static void slot_clear(int fd)
{
	lt_fdrec_t *s = &fds[fd];
	/* the cascades cost a table walk, paid only by descriptors flagged as
	 * having something hanging off them (flags may sit on an empty slot: a
	 * filter on a descriptor the tracer did not see created) */
	if (s->flags & LT_FDF_RSRC)
		rsrc_drop_ring(fd, -1);
	if (s->flags & (LT_FDF_KQ | LT_FDF_FILTERS))
		filters_drop((s->flags & LT_FDF_KQ) ? fd : -1, (s->flags & LT_FDF_FILTERS) ? fd : -1);
	if (s->kind != LT_HK_NONE)
		fds_live--;
	memset(s, 0, sizeof *s);
}

/* ---- descriptors ------------------------------------------------------- */

void lt_handle_fd_mark(int fd, unsigned flag)
{
	if (fd < 0)
		return;
	take();
	if ((size_t)fd < fds_cap && fds[fd].kind != LT_HK_NONE)
		fds[fd].flags |= (uint8_t)flag;
	give();
}

void lt_handle_fd_add(int fd, int kind, uint32_t stack)
{
	if (fd < 0)
		return;
	uint32_t ms = lt_clock_ms();
	take();
	if ((size_t)fd >= fds_cap && grow((size_t)fd) != 0) {
		give();
		lt_log_warn_once("out of memory growing the descriptor table; some descriptors are untraced");
		return;
	}
	slot_clear(fd);
	fds[fd].kind = (uint8_t)kind;
	fds[fd].stack = stack;
	fds[fd].ms = ms;
	fds_live++;
	give();
}

void lt_handle_fd_forget(int fd)
{
	if (fd < 0)
		return;
	take();
	if ((size_t)fd < fds_cap)
		slot_clear(fd);
	give();
}

void lt_handle_fd_forget_range(unsigned lo, unsigned hi)
{
	take();
	for (size_t fd = lo; fd <= hi && fd < fds_cap; fd++)
		slot_clear((int)fd);
	give();
}

void lt_handle_forget_kind(int kind)
{
	take();
	for (size_t fd = 0; fd < fds_cap; fd++)
		if (fds[fd].kind == kind)
			slot_clear((int)fd);
	give();
}

int lt_handle_fd_get(int fd, lt_fdrec_t *out)
{
	int found = 0;
	if (fd < 0)
		return 0;
	take();
	if ((size_t)fd < fds_cap && fds[fd].kind != LT_HK_NONE) {
		*out = fds[fd];
		found = 1;
	}
	give();
	return found;
}

/* ---- io_uring registrations ----------------------------------------------- */

void lt_handle_rsrc_set(int ring_fd, int type, unsigned index, uintptr_t addr,
			uint64_t len, int file_fd, uint32_t stack)
{
	if (ring_fd < 0)
		return;
	uint32_t ms = lt_clock_ms();
	rsrc_t *x = lt_ia_alloc(sizeof *x);
	if (!x)
		return;
	x->v = (lt_handle_snap_rsrc_t){ .key = { ring_fd, type, index }, .addr = addr,
					.len = len, .file_fd = file_fd, .stack = stack, .ms = ms };
	take();
	rsrc_del(rsrc_find(&x->v.key));   /* the same slot registered again */
	HASH_ADD(hh, rsrcs, v.key, sizeof x->v.key, x);
	if (!hash_added(x, &x->hh))
		return;
	if (type != LT_RSRC_FILE)
		__atomic_add_fetch(&lt_handle_nbufs, 1, __ATOMIC_RELAXED);
	flag_fd((size_t)ring_fd, LT_FDF_RSRC);
	give();
}

void lt_handle_rsrc_clear(int ring_fd, int type, unsigned index)
{
	rsrc_key_t k = { ring_fd, type, index };   /* no padding to clear */
	FORGET(rsrc, &k);
}

void lt_handle_rsrc_clear_all(int ring_fd, int type)
{
	take();
	rsrc_drop_ring(ring_fd, type);
	give();
}

/* Print a stack on stderr: the report's symbolizer once it is set. */
static void (*stack_printer)(const char *title, uint32_t sid);

void lt_handle_set_stack_printer(void (*print)(const char *title, uint32_t stack))
{
	stack_printer = print;
}

static void print_stack(const char *title, uint32_t sid)
{
	if (stack_printer) {
		stack_printer(title, sid);
		return;
	}
	const lt_stack_t *st = lt_stack_get(sid);
	lt_log_info("  %s:", title);
	for (uint32_t i = 0; st && i < st->depth; i++)
		lt_log_info("    #%u 0x%llx", i, (unsigned long long)st->pc[i]);
}

void lt_handle_check_free(const void *p, size_t size)
{
	if (lt_handle_held || lt_guard_depth || !lt_tracing())
		return;
	uintptr_t lo = (uintptr_t)p, hi = lo + (size ? size : 1);
	int ring = -1;
	unsigned index = 0;
	uint32_t reg_stack = 0;
	take();
	rsrc_t *x, *tmp;
	HASH_ITER(hh, rsrcs, x, tmp) {
		if (x->v.key.type == LT_RSRC_FILE || !x->v.len)
			continue;
		if (x->v.addr < hi && lo < x->v.addr + x->v.len) {
			x->v.freed = 1;
			ring = x->v.key.ring_fd;
			index = x->v.key.index;
			reg_stack = x->v.stack;
			break;
		}
	}
	give();
	if (ring < 0)
		return;
	int e = errno;
	lt_guard_hold();
	uint32_t here = lt_stack_capture();
	lt_log_error("free() of %p which is still registered with io_uring ring fd %d "
		     "(buffer index %u) - the kernel may still write into it", p, ring, index);
	print_stack("freed at", here);
	print_stack("registered at", reg_stack);
	lt_guard_release();
	errno = e;
}

/* ---- kevent filters -------------------------------------------------- */

void lt_handle_filter_add(int kq, uintptr_t ident, int filter, int fd_based, uint32_t stack)
{
	uint32_t ms = lt_clock_ms();
	filt_t *x = lt_ia_alloc(sizeof *x);
	if (!x)
		return;
	x->v = (lt_handle_snap_filter_t){ .key = { ident, kq, filter }, .fd_based = fd_based,
					  .stack = stack, .ms = ms };
	take();
	filt_t *old;
	old = filt_find(&x->v.key);
	if (old) {
		/* EV_ADD on an existing filter modifies it: it keeps its origin */
		give();
		lt_ia_free(x);
		return;
	}
	HASH_ADD(hh, filters, v.key, sizeof x->v.key, x);
	if (!hash_added(x, &x->hh))
		return;
	flag_fd((size_t)kq, LT_FDF_KQ);      /* a negative kq is out of range */
	if (fd_based)
		flag_fd(ident, LT_FDF_FILTERS);
	give();
}

void lt_handle_filter_forget(int kq, uintptr_t ident, int filter)
{
	filter_key_t k = { ident, kq, filter };      /* no padding to clear */
	FORGET(filt, &k);
}

/* ---- start, fork, tests ---------------------------------------------- */

void lt_handle_init(void)
{
	int *open = NULL;
	size_t n = 0;
	if (lt_sys_open_fds(&open, &n) != 0)
		return;
	lt_fdrec_t rec;
	for (size_t i = 0; i < n; i++)      /* the tracer's own stay its own */
		if (!lt_handle_fd_get(open[i], &rec))
			lt_handle_fd_add(open[i], LT_HK_INHERITED, 0);
	lt_ia_free(open);
}

void lt_handle_prefork(void)
{
	lt_lock(&lock);
}

void lt_handle_postfork_parent(void)
{
	lt_unlock(&lock);
}

void lt_handle_postfork_child(void)
{
	lt_lock_reset(&lock);
	lt_handle_held = 0;
	/* what the child got from its parent is the parent's to close: every
	 * descriptor it inherited is reported as inherited, not as its leak,
	 * and the parent's registrations and filters are the parent's */
	for (size_t fd = 0; fd < fds_cap; fd++) {
		if (fds[fd].kind == LT_HK_NONE || fds[fd].kind == LT_HK_TRACER)
			continue;
		fds[fd].kind = LT_HK_INHERITED;
		fds[fd].flags = 0;
		fds[fd].stack = 0;
	}
	rsrc_t *x, *xt;
	HASH_ITER(hh, rsrcs, x, xt) {
		HASH_DEL(rsrcs, x);
		lt_ia_free(x);
	}
	filt_t *f, *ft;
	HASH_ITER(hh, filters, f, ft) {
		filt_del(f);
	}
	lt_handle_nbufs = 0;
}

size_t lt_handle_live_fds(void)
{
	return fds_live;
}

size_t lt_handle_live_rsrc(void)
{
	return HASH_COUNT(rsrcs);
}

size_t lt_handle_live_filters(void)
{
	return HASH_COUNT(filters);
}

void lt_handle_reset(void)
{
	take();
	for (size_t fd = 0; fd < fds_cap; fd++)
		slot_clear((int)fd);
	rsrc_t *x, *xt;
	HASH_ITER(hh, rsrcs, x, xt) rsrc_del(x);
	filt_t *f, *ft;
	HASH_ITER(hh, filters, f, ft) {
		filt_del(f);
	}
	give();
}

/* ---- the report's copy ------------------------------------------------ */

static int is_open(const int *open, size_t n, int fd)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (open[mid] == fd)
			return 1;
		if (open[mid] < fd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

void lt_handle_snapshot_free(lt_handle_snapshot_t *s)
{
	lt_ia_free(s->fds);
	lt_ia_free(s->rsrcs);
	lt_ia_free(s->filters);
	memset(s, 0, sizeof *s);
}

int lt_handle_snapshot(const int *open, size_t n, lt_handle_snapshot_t *out)
{
	memset(out, 0, sizeof *out);
	out->fds = lt_ia_alloc((n ? n : 1) * sizeof *out->fds);
	if (!out->fds)
		return -ENOMEM;
	take();
	for (size_t fd = 0; fd < fds_cap; fd++)
		if (fds[fd].kind != LT_HK_NONE && !is_open(open, n, (int)fd))
			slot_clear((int)fd);
	rsrc_t *x, *xt;
	HASH_ITER(hh, rsrcs, x, xt) {
		int rf = x->v.key.ring_fd;
		if ((size_t)rf >= fds_cap || fds[rf].kind == LT_HK_NONE)
			rsrc_del(x);
	}
	filt_t *f, *ft;
	HASH_ITER(hh, filters, f, ft) {
		int kq = f->v.key.kq;
		if (kq < 0 || (size_t)kq >= fds_cap || fds[kq].kind == LT_HK_NONE ||
		    (f->v.fd_based && !is_open(open, n, (int)f->v.key.ident))) {
			filt_del(f);
		}
	}
	/* the private allocator never calls back into the tables: allocating
	 * under the lock is safe, and the copy is consistent */
	size_t nr = HASH_COUNT(rsrcs), nf = HASH_COUNT(filters);
	out->rsrcs = nr ? lt_ia_alloc(nr * sizeof *out->rsrcs) : NULL;
	out->filters = nf ? lt_ia_alloc(nf * sizeof *out->filters) : NULL;
	if ((nr && !out->rsrcs) || (nf && !out->filters)) {
		give();
		lt_handle_snapshot_free(out);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		lt_handle_snap_fd_t *s = &out->fds[out->nfds++];
		memset(s, 0, sizeof *s);
		s->fd = open[i];
		if (open[i] >= 0 && (size_t)open[i] < fds_cap)
			s->rec = fds[open[i]];
	}
	HASH_ITER(hh, rsrcs, x, xt) out->rsrcs[out->nrsrcs++] = x->v;
	HASH_ITER(hh, filters, f, ft) out->filters[out->nfilters++] = f->v;
	give();
	return 0;
}
