/* Live thread, child and mapping tables (see proctab.h). */
#include "proctab.h"

#include <errno.h>
#include <string.h>

#include "clock.h"
#include "intalloc.h"
#include "lock.h"
#include "log.h"
#include "vocab.h"
#include "uthash_alloc.h"
#include <uthash.h>

LT_TLS int lt_proctab_held;

static lt_lock_t lock = LT_LOCK_INIT;

/* One hash per kind keyed by (kind, key); mappings are also walked for
 * range operations (munmap of part of a mapping), which are rare next to
 * malloc and cost one walk of the program's own mappings. */
typedef struct rec {
	lt_proc_rec_t v;
	UT_hash_handle hh;
} rec_t;
static rec_t *threads, *children, *maps;

static rec_t **table(int kind)
{
	return kind == LT_KIND_THREAD ? &threads : kind == LT_KIND_CHILD ? &children : &maps;
}

static void take(void)
{
	lt_lock_mine(&lock, &lt_proctab_held);
}

static void give(void)
{
	lt_unlock_mine(&lock, &lt_proctab_held);
}

static rec_t *find(int kind, uintptr_t key)
{
	rec_t *x;
	HASH_FIND(hh, *table(kind), &key, sizeof key, x);
	return x;
}

static void del(rec_t *x)
{
	if (!x)
		return;
	HASH_DEL(*table(x->v.kind), x);
	lt_ia_free(x);
}

/* Insert (lock held); a record with the same key is replaced. */
static void insert(const lt_proc_rec_t *v)
{
	rec_t *x = lt_ia_alloc(sizeof *x);
	if (!x) {
		lt_log_warn_once("out of memory recording a thread, child or mapping");
		return;
	}
	x->v = *v;
	del(find(v->kind, v->key));
	HASH_ADD(hh, *table(v->kind), v.key, sizeof x->v.key, x);
	if (!x->hh.tbl)            /* uthash out of memory (non-fatal) */
		lt_ia_free(x);
}

static void add(int kind, uintptr_t key, uint64_t len, uint32_t stack)
{
	lt_proc_rec_t v = { .kind = kind, .key = key, .length = len, .stack = stack,
			    .ms = lt_clock_ms(), .stream_fd = -1 };
	take();
	insert(&v);
	give();
}

/* ---- threads and children ------------------------------------------------ */

void lt_proctab_thread_add(pthread_t t, uint32_t stack)
{
	add(LT_KIND_THREAD, (uintptr_t)t, 0, stack);
}

int lt_proctab_thread_take(pthread_t t, lt_proc_rec_t *saved)
{
	int found = 0;
	take();
	rec_t *x = find(LT_KIND_THREAD, (uintptr_t)t);
	if (x) {
		*saved = x->v;
		del(x);
		found = 1;
	}
	give();
	return found;
}

void lt_proctab_put_back(const lt_proc_rec_t *saved)
{
	take();
	insert(saved);
	give();
}

void lt_proctab_child_add(int pid, uint32_t stack)
{
	add(LT_KIND_CHILD, (uintptr_t)pid, 0, stack);
}

void lt_proctab_child_forget(int pid)
{
	take();
	del(find(LT_KIND_CHILD, (uintptr_t)pid));
	give();
}

void lt_proctab_child_add_popen(int pid, int stream_fd, const char *command, uint32_t stack)
{
	lt_proc_rec_t v = { .kind = LT_KIND_CHILD, .key = (uintptr_t)pid, .stack = stack,
			    .ms = lt_clock_ms(), .stream_fd = stream_fd };
	if (command) {
		size_t n = strlen(command);
		if (n >= sizeof v.command) {   /* "...": the command was longer */
			n = sizeof v.command - 4;
			memcpy(v.command + n, "...", 4);
		}
		memcpy(v.command, command, n);
	}
	take();
	insert(&v);
	give();
}

/* A walk: popen children are few, and pclose is rarer than the wait family */
void lt_proctab_child_forget_stream(int stream_fd)
{
	if (stream_fd < 0)
		return;
	take();
	rec_t *x, *tmp;
	HASH_ITER(hh, children, x, tmp) {
		if (x->v.stream_fd == stream_fd)
			del(x);
	}
	give();
}

/* ---- mappings ------------------------------------------------------------- */

static uint64_t page_up(uint64_t n)
{
	return (n + 4095) & ~(uint64_t)4095;
}

/* Cut [lo, hi) out of every recorded mapping (lock held): a record inside
 * it goes, one overlapping an end is trimmed, one around it is split. */
static void cut(uintptr_t lo, uintptr_t hi)
{
	rec_t *x, *tmp;
	lt_proc_rec_t tail;
	int have_tail = 0;
	HASH_ITER(hh, maps, x, tmp) {
		uintptr_t a = x->v.key, b = a + x->v.length;
		if (b <= lo || a >= hi)
			continue;
		lt_proc_rec_t v = x->v;
		del(x);
		if (a < lo) {              /* the head stays */
			lt_proc_rec_t h = v;
			h.length = lo - a;
			insert(&h);
		}
		if (b > hi) {              /* the tail stays (inserted after the walk) */
			tail = v;
			tail.key = hi;
			tail.length = b - hi;
			have_tail = 1;
		}
	}
	if (have_tail)
		insert(&tail);
}

void lt_proctab_map_add(uintptr_t addr, uint64_t len, uint32_t stack)
{
	len = page_up(len);
	lt_proc_rec_t v = { .kind = LT_KIND_MAPPING, .key = addr, .length = len, .stack = stack,
			    .ms = lt_clock_ms() };
	take();
	cut(addr, addr + len);
	insert(&v);
	give();
}

void lt_proctab_map_remove(uintptr_t addr, uint64_t len)
{
	len = page_up(len);
	take();
	if (HASH_COUNT(maps))
		cut(addr, addr + len);
	give();
}

void lt_proctab_map_move(uintptr_t old, uint64_t old_len, uintptr_t nu, uint64_t new_len,
			 uint32_t stack)
{
	old_len = page_up(old_len);
	new_len = page_up(new_len);
	take();
	/* the moved range keeps the stack that made it, when it was recorded */
	rec_t *x, *tmp;
	int known = 0;
	HASH_ITER(hh, maps, x, tmp) {
		if (x->v.key <= old && old < x->v.key + x->v.length) {
			stack = x->v.stack;
			known = 1;
			break;
		}
	}
	cut(old, old + old_len);
	if (known) {
		lt_proc_rec_t v = { .kind = LT_KIND_MAPPING, .key = nu, .length = new_len,
				    .stack = stack, .ms = lt_clock_ms() };
		cut(nu, nu + new_len);
		insert(&v);
	}
	give();
}

/* ---- the report's copy, fork ------------------------------------------- */

int lt_proctab_snapshot(lt_proc_rec_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	take();
	size_t total = HASH_COUNT(threads) + HASH_COUNT(children) + HASH_COUNT(maps);
	lt_proc_rec_t *a = total ? lt_ia_alloc(total * sizeof *a) : NULL;
	if (total && !a) {
		give();
		return -ENOMEM;
	}
	rec_t *tabs[3] = { threads, children, maps };
	for (int t = 0; t < 3; t++) {
		rec_t *x, *tmp;
		HASH_ITER(hh, tabs[t], x, tmp) {
			lt_proc_rec_t v = x->v;
			if (v.kind == LT_KIND_THREAD) {
				/* glibc's pthread_getcpuclockid fails with ESRCH once
				 * the descriptor's tid is 0, which the kernel writes
				 * when the thread has ended (CLONE_CHILD_CLEARTID);
				 * the descriptor itself lives until join or detach,
				 * and both take the record out under this lock first */
				clockid_t c;
				v.running = pthread_getcpuclockid((pthread_t)v.key, &c) == 0;
			}
			a[(*n)++] = v;
		}
	}
	give();
	*out = a;
	return 0;
}

void lt_proctab_prefork(void)
{
	lt_lock(&lock);
}

void lt_proctab_postfork_parent(void)
{
	lt_unlock(&lock);
}

void lt_proctab_postfork_child(void)
{
	lt_lock_reset(&lock);
	lt_proctab_held = 0;
	rec_t **tabs[3] = { &threads, &children, &maps };
	for (int t = 0; t < 3; t++) {
		rec_t *x, *tmp;
		HASH_ITER(hh, *tabs[t], x, tmp) {
			HASH_DEL(*tabs[t], x);
			lt_ia_free(x);
		}
	}
}

size_t lt_proctab_count(int kind)
{
	take();
	size_t n = HASH_COUNT(*table(kind));
	give();
	return n;
}
