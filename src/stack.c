/* Stack capture and interning.
 *
 * Capture is, first, a per-thread cache of validated stacks (below: ~10 ns
 * when a call chain recurs), else libunwind's unw_backtrace with its
 * per-thread frame cache: ~110 ns for 15 frames once warm (glibc
 * backtrace() is 20x slower). The
 * leading frames that belong to the tracer (the hook and this file) are
 * trimmed by address range - the shim's own text segment - never by count,
 * which drifts with inlining and build type.
 *
 * The depot interns stacks: a lock-free open-addressing index of 32-bit ids
 * (lookups of known stacks take no lock and touch no new memory) in front of
 * an append-only array of entries; only the first sight of a stack takes the
 * depot lock. The index doubles when half full; retired indexes are kept
 * (never freed) so a concurrent reader can finish its probe on one. */
#include "stack.h"

#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <libunwind.h>
#include <link.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "intalloc.h"
#include "lt.h"
#include "lock.h"
#include "log.h"
#include "real.h"
#include "sys.h"
#include "cfa.h"

#define CHUNK_BITS 12
#define CHUNK (1u << CHUNK_BITS)
#define MAX_CHUNKS 4096                 /* 16M distinct stacks */
#define INITIAL_INDEX (1u << 14)

struct index {
	uint32_t mask;
	_Atomic uint32_t slot[];            /* 0 empty, else id */
};

static lt_stack_t **_Atomic chunks[MAX_CHUNKS];
static struct index *_Atomic cur_index;
static _Atomic uint32_t nstacks;        /* ids are 1..nstacks */
static lt_lock_t depot_lock = LT_LOCK_INIT;
static int capture_depth = 16;

/* address ranges whose frames are trimmed from the top of a stack: the
 * shim's own text, and libstdc++'s operator new family, so the first frame
 * is the caller of malloc or new */
#define MAX_TRIM 16
static struct {
	uintptr_t lo, hi;
} trim[MAX_TRIM];
static int ntrim;

static uintptr_t shim_lo, shim_hi;      /* the shim's own text */

int lt_stack_is_shim_pc(uintptr_t pc)
{
	return pc >= shim_lo && pc < shim_hi;
}

int lt_stack_is_tracer_pc(uintptr_t pc)
{
	for (int i = 0; i < ntrim; i++)
		if (pc >= trim[i].lo && pc < trim[i].hi)
			return 1;
	return 0;
}

/* libunwind's own text: the signal masking folded during a walk is its */
static uintptr_t unw_lo, unw_hi;

/* The executable segment of the loaded object that holds address at. */
struct text_range {
	uintptr_t at, lo, hi;
};

static int text_of_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct text_range *t = data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (t->at >= lo && t->at - lo < ph->p_memsz) {
			t->lo = lo;
			t->hi = lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

static void add_symbol_range(const char *name)
{
	/* not dlsym: a name no object defines makes dlsym allocate its error
	 * message with the program's malloc (real.c) */
	size_t size = 0;
	void *addr = lt_real_lookup(name, 0, &size);
	if (addr && size && ntrim < MAX_TRIM) {
		trim[ntrim].lo = (uintptr_t)addr;
		trim[ntrim].hi = (uintptr_t)addr + size;
		ntrim++;
	}
}

void lt_stack_init(int depth)
{
	capture_depth = depth < 0 ? 0 : depth > LT_STACK_MAX_DEPTH ? LT_STACK_MAX_DEPTH : depth;
	/* No register-state cache for unw_step. Debian's libunwind 1.6.2
	 * keeps it behind one global mutex even with UNW_CACHE_PER_THREAD,
	 * held across the dl_iterate_phdr that looks a frame's unwind table
	 * up: a thread walking (the loader lock wanted while holding
	 * libunwind's) and a thread whose dl_iterate_phdr callback allocates
	 * (libunwind's wanted while holding the loader lock) deadlock; the
	 * stack cache's fills walk with unw_step on every frame and made it
	 * happen within seconds (tests/programs/reach/dl_iterate_free.c).
	 * Without it unw_step takes no lock around the loader's; a fill costs
	 * ~4 us instead of ~1.5 us, and unw_backtrace keeps its own per-thread
	 * frame cache (same speed either way). */
	if (unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_NONE))
		lt_log_warn("libunwind caching policy could not be set");
	struct text_range me = { (uintptr_t)&lt_stack_init, 0, 0 };
	if (dl_iterate_phdr(text_of_cb, &me) && ntrim < MAX_TRIM) {
		shim_lo = me.lo;
		shim_hi = me.hi;
		trim[ntrim].lo = me.lo;
		trim[ntrim].hi = me.hi;
		ntrim++;
	}
	struct text_range unw = { (uintptr_t)&unw_backtrace, 0, 0 };
	if (dl_iterate_phdr(text_of_cb, &unw)) {
		unw_lo = unw.lo;
		unw_hi = unw.hi;
	}
	/* operator new and friends (libstdc++ may not be loaded: then these
	 * are absent and C++ is not in the picture) */
	static const char *const news[] = {
		"_Znwm", "_Znam", "_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t",
		"_ZnwmSt11align_val_t", "_ZnamSt11align_val_t",
		"_ZnwmSt11align_val_tRKSt9nothrow_t", "_ZnamSt11align_val_tRKSt9nothrow_t",
	};
	for (size_t i = 0; i < sizeof news / sizeof news[0]; i++)
		add_symbol_range(news[i]);
	struct index *ix = lt_ia_map(sizeof(struct index) + INITIAL_INDEX * sizeof(uint32_t));
	if (ix)
		ix->mask = INITIAL_INDEX - 1;
	atomic_store(&cur_index, ix);
}

void lt_stack_clear_trim(void)
{
	ntrim = 0;
}

static inline uint64_t hash_frames(const uintptr_t *pc, uint32_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ n;
	for (uint32_t i = 0; i < n; i++) {
		h ^= pc[i];
		h *= 0x9E3779B97F4A7C15ull;
		h ^= h >> 31;
	}
	return h | 1;
}

const lt_stack_t *lt_stack_get(uint32_t id)
{
	if (!id || id > atomic_load_explicit(&nstacks, memory_order_acquire))
		return NULL;
	lt_stack_t **c = atomic_load_explicit(&chunks[(id - 1) >> CHUNK_BITS], memory_order_acquire);
	return c ? c[(id - 1) & (CHUNK - 1)] : NULL;
}

uint32_t lt_stack_count(void)
{
	return atomic_load_explicit(&nstacks, memory_order_acquire);
}

static int same(const lt_stack_t *s, uint64_t h, const uintptr_t *pc, uint32_t n)
{
	return s && s->hash == h && s->depth == n &&
	       memcmp(s->pc, pc, n * sizeof(uintptr_t)) == 0;
}

/* Probe ix for the stack; returns id, 0 if absent (*empty = first free slot). */
static uint32_t probe(struct index *ix, uint64_t h, const uintptr_t *pc, uint32_t n,
		      uint32_t *empty)
{
	uint32_t i = (uint32_t)h & ix->mask;
	for (;;) {
		uint32_t id = atomic_load_explicit(&ix->slot[i], memory_order_acquire);
		if (!id) {
			*empty = i;
			return 0;
		}
		if (same(lt_stack_get(id), h, pc, n))
			return id;
		i = (i + 1) & ix->mask;
	}
}

static struct index *grow_index(struct index *old)
{
	uint32_t ncap = (old->mask + 1) * 2;
	size_t bytes = sizeof(struct index) + (size_t)ncap * sizeof(uint32_t);
	struct index *ix = lt_ia_map(bytes);
	if (!ix)
		return NULL;
	ix->mask = ncap - 1;
	uint32_t total = atomic_load(&nstacks);
	for (uint32_t id = 1; id <= total; id++) {
		const lt_stack_t *s = lt_stack_get(id);
		uint32_t i = (uint32_t)s->hash & ix->mask;
		while (atomic_load_explicit(&ix->slot[i], memory_order_relaxed))
			i = (i + 1) & ix->mask;
		atomic_store_explicit(&ix->slot[i], id, memory_order_relaxed);
	}
	/* the old index stays mapped: readers may still be probing it */
	return ix;
}

uint32_t lt_stack_intern(const uintptr_t *pc, uint32_t n)
{
	if (!n)
		return 0;
	uint64_t h = hash_frames(pc, n);
	struct index *ix = atomic_load_explicit(&cur_index, memory_order_acquire);
	if (!ix)
		return 0;
	uint32_t empty;
	uint32_t id = probe(ix, h, pc, n, &empty);
	if (id)
		return id;

	lt_lock(&depot_lock);
	ix = atomic_load_explicit(&cur_index, memory_order_acquire);
	id = probe(ix, h, pc, n, &empty);
	if (id)
		goto out;
	uint32_t next = atomic_load_explicit(&nstacks, memory_order_relaxed) + 1;
	if (next > MAX_CHUNKS * CHUNK)
		goto out;                          /* depot full: id 0 */
	uint32_t ci = (next - 1) >> CHUNK_BITS;
	lt_stack_t **c = atomic_load_explicit(&chunks[ci], memory_order_relaxed);
	if (!c) {
		c = lt_ia_map(CHUNK * sizeof(lt_stack_t *));
		if (!c)
			goto out;
		atomic_store_explicit(&chunks[ci], c, memory_order_release);
	}
	lt_stack_t *s = lt_ia_alloc(sizeof(lt_stack_t) + n * sizeof(uintptr_t));
	if (!s)
		goto out;
	s->hash = h;
	s->id = next;
	s->depth = n;
	memcpy(s->pc, pc, n * sizeof(uintptr_t));
	c[(next - 1) & (CHUNK - 1)] = s;
	atomic_store_explicit(&nstacks, next, memory_order_release);
	if ((next + 1) * 2 > ix->mask + 1) {
		struct index *nix = grow_index(ix);
		if (nix) {
			atomic_store_explicit(&cur_index, nix, memory_order_release);
			id = next;
			goto out;
		}
	}
	atomic_store_explicit(&ix->slot[empty], next, memory_order_release);
	id = next;
out:
	lt_unlock(&depot_lock);
	return id;
}

/* The frames of a walk, trimmed of the tracer's own and cut at depth,
 * interned. */
static uint32_t intern_walk(const uintptr_t *pc, int n)
{
	int i = 0;
	while (i < n && lt_stack_is_tracer_pc(pc[i]))
		i++;
	int depth = n - i;
	if (depth > capture_depth)
		depth = capture_depth;
	if (depth <= 0)
		return 0;
	return lt_stack_intern(pc + i, (uint32_t)depth);
}

/* libunwind blocks every signal around each lookup of a frame's unwind
 * table and restores the mask after: two system calls for every frame its
 * per-thread frame cache does not know (all of them in a fill, which
 * steps). While a walk of ours runs, the sigprocmask hook (hooks/signal.c)
 * asks lt_stack_walk_sigmask instead: the first call blocks every signal
 * for real, once; the rest are answered without a system call; the walk's
 * end restores the mask. libunwind's protection holds for the whole walk,
 * at two system calls a walk at most, none when every frame is cached. */
LT_TLS int lt_stack_masking;             /* 1: in a walk; 2: signals blocked */
static LT_TLS sigset_t walk_saved_mask;

static inline void walk_begin(void)
{
	lt_stack_masking = 1;
}

static inline void walk_end(void)
{
	if (lt_stack_masking == 2) {
		sigset_t cur;
		lt_sys_sigmask(SIG_SETMASK, &walk_saved_mask, &cur);
		/* the block was made inside a program's signal handler that
		 * used libunwind before ours did (a profiler's SIGPROF), and
		 * its return restored the walk's mask: that one is right */
		if (!sigismember(&cur, SIGHUP) || !sigismember(&cur, SIGALRM) ||
		    !sigismember(&cur, SIGPROF))
			lt_sys_sigmask(SIG_SETMASK, &cur, NULL);
	}
	lt_stack_masking = 0;
}

int lt_stack_walk_sigmask(uintptr_t caller, sigset_t *old)
{
	/* only libunwind's calls: a program's signal handler that runs
	 * before the first of them (signals are not blocked yet) and calls
	 * sigprocmask gets the real thing */
	if (caller < unw_lo || caller >= unw_hi)
		return -1;
	if (lt_stack_masking == 1) {
		sigset_t all;
		sigfillset(&all);
		if (lt_sys_sigmask(SIG_SETMASK, &all, &walk_saved_mask) != 0)
			return -1;
		lt_stack_masking = 2;
	}
	if (old)
		*old = walk_saved_mask;
	return 0;
}

/* The full walk: libunwind's unw_backtrace, interned. */
static LT_NOINLINE uint32_t walk_backtrace(void)
{
	void *buf[LT_STACK_MAX_DEPTH + 8];
	/* the tracer's frames come first - this function, the cache's
	 * (sc_miss, sc_verify), lt_stack_capture, the hook's two, operator
	 * new - and are trimmed: ask for six beyond depth, every frame walked
	 * costs ~8 ns */
	walk_begin();
	int n = unw_backtrace(buf, capture_depth + 6);
	walk_end();
	return intern_walk((const uintptr_t *)buf, n);
}

/* ---- The validated per-thread stack cache ----
 *
 * A walk is a deterministic function of the registers it starts from and
 * of the memory words it reads. Started in lt_stack_capture's frame, whose
 * frame address (the anchor) fixes its registers (the function keeps a
 * frame pointer and makes every walk from the same call site), libunwind
 * reads, frame after frame, the slot holding the return address and the
 * slot holding the caller's saved frame pointer (x86-64: the CFA is rsp or
 * rbp plus a constant at every call site; rsp is the CFA). A fill walks
 * step by step once, noting each such slot (unw_get_save_loc) and the word
 * it held; a later capture from the same anchor whose slots hold the same
 * words, compared innermost first, would walk the same frames, and takes
 * the stack id the fill interned without walking. Each word is read only
 * after the words before it matched, so every address read is one the walk
 * itself would read. Not cached: walks through a signal frame (the step
 * reads the saved context), a frame whose frame pointer or return address
 * is kept in a register, or a slot below the anchor or 4 GiB above it.
 * Residual assumption: a CFA given by a DWARF expression that dereferences
 * memory (gcc's stack-realigning prologue, main or a thread start built
 * with -mstackrealign) reads a word the cache does not compare; that word
 * is written once by the prologue and holds for the frame's lifetime.
 * stack_cache=verify walks on every hit as well and counts disagreements.
 *
 * A fill costs ~4 us (unw_step with libunwind's signal masking folded
 * into one pair, see walk_begin), a walk ~0.15 us, a hit ~0.01 us: a key
 * is filled only when its walked stack missed there before, and only while
 * the thread's hits have paid for its fills (credit), so a thread whose
 * stacks never recur costs what it costs without the cache. */
#define SC_SETS 8
#define SC_WAYS 8
#define SC_CHECKS 40
#define SC_GHOSTS 1024              /* stacks walked lately, by place and stack */
/* credit, in nanoseconds of walking: a hit earns the walk it saved
 * (SC_HIT_NS, the low end of unw_backtrace's cost), any other capture
 * SC_MISS_NS, and a fill costs what it took, timed - ~4 us alone, much
 * more when threads contend for the loader lock libunwind's lookups
 * take. Fills never cost more than the hits they bring (plus 3% of the
 * walks when nothing recurs), whatever the program does. */
#define SC_HIT_NS 100
#define SC_MISS_NS 4
#define SC_CREDIT_START (256 * 1000L)              /* ~64 fills to start */
#define SC_CREDIT_MAX (10 * 1000 * 1000L)          /* 10 ms banked at most */
#define SC_HITS_BATCH 256

struct sc_check {
	uint32_t off;            /* slot - anchor */
	uint32_t pad;
	uintptr_t val;
};

struct sc_entry {
	uintptr_t anchor;        /* 0: empty */
	uintptr_t hint;
	uintptr_t caller;
	uint32_t id;
	uint32_t n;
	struct sc_check chk[SC_CHECKS];
};

struct sc {
	long credit;
	unsigned hits;           /* not yet added to the global count */
	unsigned char next[SC_SETS];
	uint64_t ghost[SC_GHOSTS];
	struct sc_entry e[SC_SETS * SC_WAYS];
};

static int cache_mode;                  /* LT_STACK_CACHE_* */
static LT_TLS struct sc *sc_mine;
static LT_TLS int sc_gone;              /* the thread's cache was freed at its exit */
static pthread_key_t sc_key;
static int sc_key_ok;
static _Atomic uint64_t st_hits, st_misses, st_fills, st_verified, st_mismatches;

static void sc_thread_gone(void *p)
{
	struct sc *c = p;
	atomic_fetch_add_explicit(&st_hits, c->hits, memory_order_relaxed);
	sc_mine = NULL;
	sc_gone = 1;
	lt_ia_free(p);
}

void lt_stack_set_cache(int mode)
{
	cache_mode = mode;
	if (mode != LT_STACK_CACHE_OFF && !sc_key_ok && capture_depth)
		sc_key_ok = pthread_key_create(&sc_key, sc_thread_gone) == 0;
	if (!sc_key_ok)
		cache_mode = LT_STACK_CACHE_OFF;
}

void lt_stack_cache_stats(struct lt_stack_cache_stats *st)
{
	st->mode = cache_mode;
	st->hits = atomic_load_explicit(&st_hits, memory_order_relaxed) +
		   (sc_mine ? sc_mine->hits : 0);
	st->misses = atomic_load_explicit(&st_misses, memory_order_relaxed);
	st->fills = atomic_load_explicit(&st_fills, memory_order_relaxed);
	st->verified = atomic_load_explicit(&st_verified, memory_order_relaxed);
	st->mismatches = atomic_load_explicit(&st_mismatches, memory_order_relaxed);
}

static inline uint64_t sc_key_hash(uintptr_t anchor, uintptr_t hint)
{
	uint64_t h = (anchor ^ (hint * 0x9E3779B97F4A7C15ull)) * 0xff51afd7ed558ccdull;
	return (h ^ (h >> 32)) | 1;
}

static struct sc *sc_get(void)
{
	struct sc *c = sc_mine;
	if (LT_LIKELY(c != NULL) || sc_gone)
		return c;
	c = lt_ia_alloc(sizeof *c);
	if (!c)
		return NULL;
	memset(c, 0, sizeof *c);
	c->credit = SC_CREDIT_START;
	sc_mine = c;
	pthread_setspecific(sc_key, c);
	return c;
}

static inline int sc_valid(const struct sc_entry *e, uintptr_t anchor, uintptr_t hint,
			   uintptr_t caller)
{
	if (e->anchor != anchor || e->hint != hint || e->caller != caller)
		return 0;
	for (uint32_t i = 0; i < e->n; i++)
		if (*(const volatile uintptr_t *)(anchor + e->chk[i].off) != e->chk[i].val)
			return 0;
	return 1;
}

static int sc_note(struct sc_entry *e, uintptr_t anchor, uintptr_t slot)
{
	if (slot < anchor || slot - anchor > UINT32_MAX || e->n >= SC_CHECKS)
		return -1;
	e->chk[e->n].off = (uint32_t)(slot - anchor);
	e->chk[e->n].pad = 0;
	e->chk[e->n].val = *(const uintptr_t *)slot;
	e->n++;
	return 0;
}

/* Put the checks that tell entries apart first: the return addresses
 * into the tracer's own frames (the hook, track, the capture) are the same
 * in every entry of a set, so a lookup that compared them first read two
 * or three words of each way that turned out not to match. The order is
 * only the order of comparison: every check is still made. */
static void order_checks(struct sc_entry *e)
{
	struct sc_check tail[SC_CHECKS];
	uint32_t n = 0, t = 0;
	for (uint32_t i = 0; i < e->n; i++) {
		if (lt_stack_is_tracer_pc(e->chk[i].val))
			tail[t++] = e->chk[i];
		else
			e->chk[n++] = e->chk[i];
	}
	memcpy(&e->chk[n], tail, t * sizeof tail[0]);
}

/* Walk step by step from the caller's frame (lt_stack_capture, through
 * sc_miss), noting the slots each step reads in e. Returns the interned
 * id, 0 when the walk could not start; *cacheable says whether e may be
 * used. */
static LT_NOINLINE uint32_t sc_fill(struct sc_entry *e, uintptr_t anchor, int *cacheable)
{
	uintptr_t pc[LT_STACK_MAX_DEPTH + 8];
	unw_context_t uc;
	unw_cursor_t cur;
	int want = capture_depth + 6;
	int n = 0, ok = 1;
	e->n = 0;
	walk_begin();
	if (unw_getcontext(&uc) != 0 || unw_init_local(&cur, &uc) != 0 || unw_step(&cur) <= 0) {
		ok = -1;
		goto out;
	}
	/* the cursor is at lt_stack_capture now: the anchor's frame, whose
	 * registers the anchor fixes (its rbp is the anchor itself) */
	uintptr_t rbp_slot = 0;
	int rbp_checked = 1;
	int lead = 1;        /* still in the tracer's leading frames */
	int own = 0;         /* frames of the program so far */
	for (;;) {
		unw_word_t ip;
		unw_get_reg(&cur, UNW_REG_IP, &ip);
		pc[n++] = ip;
		if (lead && !lt_stack_is_tracer_pc(ip))
			lead = 0;
		if (!lead)
			own++;
		/* depth frames of the program, as intern_walk keeps them */
		if (own >= capture_depth || n >= want)
			break;
		if (unw_is_signal_frame(&cur) > 0)
			ok = 0;
		if (n > 1) {
			/* what the step out of this frame computes its CFA from */
			int rule = lt_cfa_class(ip - 1);
			if (rule == LT_CFA_UNKNOWN)
				ok = 0;
			else if (rule == LT_CFA_RBP && !rbp_checked) {
				if (sc_note(e, anchor, rbp_slot) != 0)
					ok = 0;
				rbp_checked = 1;
			}
		}
		int r = unw_step(&cur);
		if (r < 0)
			ok = 0;
		if (r <= 0)
			break;
		unw_save_loc_t loc;
		if (unw_get_save_loc(&cur, UNW_REG_IP, &loc) != 0 || loc.type != UNW_SLT_MEMORY ||
		    sc_note(e, anchor, loc.u.addr) != 0)
			ok = 0;
		if (unw_get_save_loc(&cur, UNW_X86_64_RBP, &loc) != 0 || loc.type == UNW_SLT_REG)
			ok = 0;
		else if (loc.type == UNW_SLT_MEMORY && loc.u.addr != rbp_slot) {
			/* rbp now comes from this word: checked if a later
			 * frame's CFA is computed from rbp */
			rbp_slot = loc.u.addr;
			rbp_checked = 0;
		}
	}
out:
	walk_end();
	order_checks(e);
	*cacheable = ok > 0;
	return ok < 0 ? 0 : intern_walk(pc, n);
}

static LT_NOINLINE uint32_t sc_miss(struct sc *c, uintptr_t anchor, uintptr_t hint,
				    uintptr_t caller, struct sc_entry *set, unsigned s)
{
	atomic_fetch_add_explicit(&st_misses, 1, memory_order_relaxed);
	uint32_t walked = walk_backtrace();
	/* fill only for a stack seen missing before from the same place:
	 * one that recurs there, not merely a busy stack position */
	uint64_t k = sc_key_hash(anchor, hint ^ caller) ^ ((uint64_t)walked * 0x9E3779B97F4A7C15ull);
	uint64_t *g = &c->ghost[(k >> 7) & (SC_GHOSTS - 1)];
	c->credit += SC_MISS_NS;
	/* verify fills every recurring stack, whatever it costs: the more
	 * entries, the more the check covers, and tests see the same hits
	 * however loaded the machine is */
	if (*g != k || !walked || (c->credit <= 0 && cache_mode != LT_STACK_CACHE_VERIFY)) {
		*g = k;
		return walked;
	}
	*g = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	atomic_fetch_add_explicit(&st_fills, 1, memory_order_relaxed);
	struct sc_entry *e = &set[c->next[s]];
	c->next[s] = (unsigned char)((c->next[s] + 1) % SC_WAYS);
	e->anchor = 0;
	int cacheable = 0;
	uint32_t id = sc_fill(e, anchor, &cacheable);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	c->credit -= (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec);
	/* the fill's steps and unw_backtrace agree (stack_cache=verify
	 * checks every hit): an entry is kept only when they did here too */
	if (cacheable && id == walked) {
		e->hint = hint;
		e->caller = caller;
		e->id = id;
		e->anchor = anchor;
	}
	return walked;
}

static LT_NOINLINE uint32_t sc_verify(uint32_t id)
{
	uint32_t walked = walk_backtrace();
	atomic_fetch_add_explicit(&st_verified, 1, memory_order_relaxed);
	if (walked != id) {
		if (atomic_fetch_add_explicit(&st_mismatches, 1, memory_order_relaxed) == 0)
			lt_log_warn("stack_cache=verify: a cached stack differs from the walked one");
		return walked;
	}
	return id;
}

/* Keeps a frame pointer: its frame address is the anchor, a fixed distance
 * from the registers sc_fill's walk starts from. The caller (the hook's
 * return address into the program, or 0) picks the set with the anchor
 * and hint, so eight allocation sites at one stack depth do not crowd one
 * set, and is compared before any stack word. */
__attribute__((noinline, optimize("no-omit-frame-pointer"))) uint32_t
lt_stack_capture_at(uintptr_t caller)
{
	if (!capture_depth)
		return 0;
	if (cache_mode == LT_STACK_CACHE_OFF)
		return walk_backtrace();
	struct sc *c = sc_get();
	if (!c)
		return walk_backtrace();
	uintptr_t anchor = (uintptr_t)__builtin_frame_address(0);
	uintptr_t hint = (uintptr_t)__builtin_return_address(0);
	unsigned s = (unsigned)(sc_key_hash(anchor, hint ^ caller) >> 60) & (SC_SETS - 1);
	struct sc_entry *set = &c->e[s * SC_WAYS];
	for (int w = 0; w < SC_WAYS; w++) {
		if (sc_valid(&set[w], anchor, hint, caller)) {
			if (c->credit < SC_CREDIT_MAX)
				c->credit += SC_HIT_NS;
			if (++c->hits == SC_HITS_BATCH) {
				atomic_fetch_add_explicit(&st_hits, SC_HITS_BATCH, memory_order_relaxed);
				c->hits = 0;
			}
			if (LT_UNLIKELY(cache_mode == LT_STACK_CACHE_VERIFY))
				return sc_verify(set[w].id);
			return set[w].id;
		}
	}
	return sc_miss(c, anchor, hint, caller, set, s);
}

void lt_stack_prefork(void)
{
	lt_lock(&depot_lock);
}

void lt_stack_postfork(void)
{
	lt_unlock(&depot_lock);
}
