/* Live handle tables: descriptors (an fd-indexed array), io_uring registered
 * buffers and files per ring, and kevent filters per (kqueue, ident, filter).
 *
 * Every descriptor-shaped handle - plain fd, socket, stdio FILE, DIR stream,
 * io_uring ring, kqueue - is one slot of the fd array, so a FILE's descriptor
 * is never counted twice and close() of any of them is one O(1) lookup.
 * Resources that hang off a descriptor (a ring's buffers and files, a
 * kqueue's filters) live in uthash tables and are released with it.
 *
 * All functions are safe to call from any thread; they take one spinlock and
 * never call a hooked function, never set errno. Callers are the hooks
 * (with the guard held) and the report, which takes a copy
 * (lt_handle_snapshot) and describes the descriptors outside the lock. */
#ifndef LT_HANDLE_H
#define LT_HANDLE_H

#include <stddef.h>
#include <stdint.h>

#include "lt.h"
#include "real.h"
#include "vocab.h"

/* Slot kinds: LT_KIND_* values from vocab.h for traced handles
 * (LT_KIND_FD, _SOCKET, _FILE, _DIR, _IO_URING_RING, _KQUEUE), plus: */
enum {
	LT_HK_NONE = 0,          /* empty slot (LT_KIND_MEMORY is never an fd) */
	LT_HK_INHERITED = 100,   /* open before the tracer started */
	LT_HK_TRACER = 101,      /* opened by the tracer's own work: never reported */
};

typedef struct lt_fdrec {
	uint8_t kind;
	uint8_t flags;           /* LT_FDF_* */
	uint16_t spare;
	uint32_t stack;          /* stack depot id of the creating call */
	uint32_t ms;             /* creation time, ms since tracer start */
} lt_fdrec_t;

enum {
	LT_FDF_FILTERS = 1 << 0,  /* some kqueue has a filter on this fd */
	LT_FDF_RSRC = 1 << 1,     /* a ring with registered buffers/files */
	LT_FDF_KQ = 1 << 2,       /* a kqueue with filters */
	LT_FDF_POPEN = 1 << 3,    /* a stdio stream made by popen */
};

/* io_uring resource types (a ring's registration tables). */
enum { LT_RSRC_BUFFER = 0, LT_RSRC_FILE = 1, LT_RSRC_BUFRING = 2 };

/* Non-zero while this thread holds the handle lock: a signal handler that
 * interrupts the tracer must not take it again. */
extern LT_TLS int lt_handle_held;

/* Number of live registered io_uring buffers (fixed buffers and buffer
 * rings): free() checks it with one load before looking further. */
extern int lt_handle_nbufs;

/* Scan /proc/self/fd once at start: what is open now was inherited. */
void lt_handle_init(void);

/* Descriptors. fd_add replaces whatever the slot held: the kernel handed
 * the number out, so the old record was stale. */
void lt_handle_fd_add(int fd, int kind, uint32_t stack);
/* Forget fd and everything hanging off it (a ring's registrations, a
 * kqueue's filters, filters watching fd). */
void lt_handle_fd_forget(int fd);
/* Forget [lo, hi] (close_range, closefrom). */
void lt_handle_fd_forget_range(unsigned lo, unsigned hi);
/* Forget every slot of one kind (fcloseall). */
void lt_handle_forget_kind(int kind);
/* Set flag (LT_FDF_*) on fd's record, when it has one. */
void lt_handle_fd_mark(int fd, unsigned flag);
/* Copy a slot out; 0 when fd has none. */
int lt_handle_fd_get(int fd, lt_fdrec_t *out);

/* io_uring registrations on ring_fd, slot index (bgid for buffer rings). */
void lt_handle_rsrc_set(int ring_fd, int type, unsigned index, uintptr_t addr,
			uint64_t len, int file_fd, uint32_t stack);
void lt_handle_rsrc_clear(int ring_fd, int type, unsigned index);
void lt_handle_rsrc_clear_all(int ring_fd, int type);
/* free(p) of size bytes: complain at once if it overlaps a registered
 * buffer (called only when lt_handle_nbufs != 0). */
void lt_handle_check_free(const void *p, size_t size);
/* free(p) is about to release p (the free hook's one call): one load while
 * no io_uring buffer is registered, the check above otherwise. */
static inline void lt_handle_freeing(void *p)
{
	if (LT_UNLIKELY(__atomic_load_n(&lt_handle_nbufs, __ATOMIC_RELAXED)))
		lt_handle_check_free(p, lt_real.malloc_usable_size(p));
}

/* kevent filters: (kq, ident, filter). fd_based: ident is a descriptor, so
 * closing it releases the filter. */
void lt_handle_filter_add(int kq, uintptr_t ident, int filter, int fd_based, uint32_t stack);
void lt_handle_filter_forget(int kq, uintptr_t ident, int filter);

/* kevent(kq, changes, nchanges, events, ...): the hook brackets the real
 * call with these two (kevent.c), which forget EV_DELETEd filters before
 * and record EV_ADDed ones (with the stack) and fired/failed ones after. */
struct kevent;
#define LT_KEVENT_LOCAL 64
typedef struct lt_kevent_call {
	int kq, track, n;
	struct lt_kevent_change {
		uintptr_t ident;
		short filter;
		unsigned short flags;
	} *ch, local[LT_KEVENT_LOCAL];
} lt_kevent_call_t;
void lt_handle_kevent_before(lt_kevent_call_t *c, int kq, const struct kevent *changes,
			     int nchanges);
void lt_handle_kevent_after(lt_kevent_call_t *c, int ret, const struct kevent *events);

/* ---- the report's copy ---- */
typedef struct lt_handle_snap_fd {
	int fd;
	lt_fdrec_t rec;          /* kind LT_HK_NONE: not in the table */
} lt_handle_snap_fd_t;

/* The tables keep these records themselves (the key first), so the copy
 * is one assignment a record. */
typedef struct lt_handle_snap_rsrc {
	struct lt_rsrc_key {     /* hashed as bytes: no padding */
		int ring_fd, type;   /* LT_RSRC_* */
		unsigned index;
	} key;
	uintptr_t addr;
	uint64_t len;
	int file_fd;
	int freed;               /* free() hit it while registered */
	uint32_t stack, ms;
} lt_handle_snap_rsrc_t;

typedef struct lt_handle_snap_filter {
	struct lt_filter_key {   /* hashed as bytes: no padding */
		uintptr_t ident;
		int kq, filter;
	} key;
	int fd_based;            /* ident is a descriptor */
	uint32_t stack, ms;
} lt_handle_snap_filter_t;

typedef struct lt_handle_snapshot {
	lt_handle_snap_fd_t *fds;         /* one per open descriptor, ascending */
	size_t nfds;
	lt_handle_snap_rsrc_t *rsrcs;
	size_t nrsrcs;
	lt_handle_snap_filter_t *filters;
	size_t nfilters;
} lt_handle_snapshot_t;

/* Reconcile the tables with the descriptors open now (open[0..n), sorted):
 * a descriptor the table holds but the kernel no longer has was closed
 * behind the hooks' back (a raw system call, glibc internals) and is
 * dropped with what hangs off it, never reported. Then copy, under the
 * lock, every open descriptor's slot and every registration and filter
 * into private memory. Returns 0 or -ENOMEM. */
int lt_handle_snapshot(const int *open, size_t n, lt_handle_snapshot_t *out);
void lt_handle_snapshot_free(lt_handle_snapshot_t *s);

/* How check_free prints a stack (title, stack id): the report's
 * symbolizer, set at start; raw addresses until then. */
void lt_handle_set_stack_printer(void (*print)(const char *title, uint32_t stack));

/* fork: take the lock in the parent before fork, release after; the child
 * resets it and treats every descriptor it inherited as inherited. */
void lt_handle_prefork(void);
void lt_handle_postfork_parent(void);
void lt_handle_postfork_child(void);

/* Counters for tests. */
size_t lt_handle_live_fds(void);
size_t lt_handle_live_rsrc(void);
size_t lt_handle_live_filters(void);
/* Drop everything (unit tests). */
void lt_handle_reset(void);

#endif
