/* The pure reachability classifier: memcheck's leak search over a sorted
 * snapshot of live blocks and a list of root ranges. It never allocates and
 * knows nothing of threads or modules (scan.c supplies those), so unit
 * tests run it on synthetic heaps.
 *
 * The algorithm is mc_leakcheck.c's, step for step, because users compare
 * our figures with memcheck's byte for byte:
 *  1. Every aligned word of every root range that points into a block marks
 *     it: a pointer to the start (or an interior pointer one of the four
 *     default heuristics accepts) makes it Reachable, any other interior
 *     pointer Possible. Marked blocks are scanned in turn from an explicit
 *     mark stack; a Possible block passes on only "possible" (memcheck's
 *     is_prior_definite), and a later start pointer upgrades and rescans.
 *  2. Then, in address order, each block still unreached becomes a clique
 *     leader: everything unreached it leads to (start or interior pointer)
 *     is Indirectly lost, and the leader stays Definitely lost. So a lost
 *     list is one definite head and an indirect tail, and a lost cycle is
 *     one definite block (its lowest address) and the rest indirect. */
#include "reach.h"

#include <string.h>

#include "lt.h"
#include "span.h"
#include "vocab.h"

/* Internal states, kept in ctx->cls until the final mapping. */
enum { ST_UNREACHED = 0, ST_POSSIBLE, ST_REACHABLE, ST_INDIRECT };

#define WORD sizeof(uintptr_t)

/* A run of blocks without a gap above 1 GiB, with its own bucket index:
 * bucket k lists the blocks starting in [lo + (k << shift), ...), so a
 * lookup is one shift and a binary search over a bucket or two instead of
 * over the whole heap. Clusters keep the brk heap and the mmap area (thread
 * arenas, large blocks) from sharing one sparse index. */
#define MAX_CLUSTERS 32
#define CLUSTER_GAP ((uintptr_t)1 << 30)

struct cluster {
	uintptr_t lo, hi;
	unsigned shift;
	uint32_t *idx;          /* nb + 1 entries: first block of each bucket */
	size_t first;           /* first block index of the cluster */
};

struct scan {
	lt_reach_ctx_t *c;
	const lt_block_t *b;
	size_t n;
	uint8_t *st;
	uintptr_t *starts;      /* starts[i] == b[i].ptr, dense for the search */
	uint32_t *stack;
	size_t top;
	uintptr_t min, span;    /* every block lies in [min, min + span) */
	uint64_t words;
	struct cluster cl[MAX_CLUSTERS];
	int ncl;
	long root_range;        /* the root range being scanned, or -1 */
	size_t rhint;           /* the readable range the last lookup hit */
	size_t thint;           /* the same, for pointer targets */
};

size_t lt_reach_work_bytes(size_t n)
{
	/* starts + a mark stack of 2n + 2 entries (a block is pushed at most
	 * twice in the root pass: Unreached->Possible, Possible->Reachable;
	 * once in the clique pass, and the stack is empty in between) */
	return n * sizeof(uintptr_t) + (2 * n + 2) * sizeof(uint32_t) +
	       (4 * n + 2 * MAX_CLUSTERS + 2) * sizeof(uint32_t) + 64;
}

/* ---- sort ------------------------------------------------------------------ */

#define RADIX_BITS 11
#define RADIX (1u << RADIX_BITS)

void lt_reach_sort(lt_block_t *blocks, size_t n, lt_block_t *tmp)
{
	size_t count[RADIX];
	lt_block_t *src = blocks, *dst = tmp;
	for (unsigned shift = 0; shift < 64; shift += RADIX_BITS) {
		memset(count, 0, sizeof count);
		for (size_t i = 0; i < n; i++)
			count[(src[i].ptr >> shift) & (RADIX - 1)]++;
		/* a digit every key shares needs no pass */
		if (n && count[(src[0].ptr >> shift) & (RADIX - 1)] == n)
			continue;
		size_t sum = 0;
		for (unsigned d = 0; d < RADIX; d++) {
			size_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i].ptr >> shift) & (RADIX - 1)]++] = src[i];
		lt_block_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != blocks)
		memcpy(blocks, src, n * sizeof *blocks);
}

/* ---- lookup ------------------------------------------------------------------ */

long lt_reach_find(const lt_block_t *blocks, size_t n, uintptr_t p)
{
	size_t lo = lt_span_count_le(blocks, n, sizeof *blocks, offsetof(lt_block_t, ptr), p);
	if (lo == 0)
		return -1;
	size_t i = lo - 1;
	if (p - blocks[i].ptr < blocks[i].size || p == blocks[i].ptr)
		return (long)i;
	return -1;
}

/* ---- readability --------------------------------------------------------------- */

/* Every read of program memory goes through these: a page the program made
 * PROT_NONE (a guard page, a sandboxed buffer, a block handed to mprotect)
 * would kill it with SIGSEGV. memcheck asks its address-space manager per
 * page and catches faults; we consult the readable ranges of
 * /proc/self/maps, read once per scan while the world is stopped (sorted,
 * adjacent ones merged). Consecutive lookups mostly hit the same range (one
 * heap, one arena), so the last hit is tried before a binary search. */

/* The end of the readable range holding p, or 0 when p is unreadable.
 * Without a table (unit tests on synthetic heaps) everything is readable. */
static inline uintptr_t readable_end_h(struct scan *s, uintptr_t p, size_t *hint)
{
	const lt_reach_range_t *r = s->c->readable;
	if (!r)
		return UINTPTR_MAX;
	size_t n = s->c->nreadable;
	if (*hint < n && p - r[*hint].lo < r[*hint].hi - r[*hint].lo)
		return r[*hint].hi;
	size_t lo = LT_SPAN_FIRST_ENDING_ABOVE(r, n, p);
	if (lo == n || p < r[lo].lo)
		return 0;
	*hint = lo;
	return r[lo].hi;
}

static inline uintptr_t readable_end(struct scan *s, uintptr_t p)
{
	return readable_end_h(s, p, &s->rhint);
}

/* Is all of [lo, hi) readable? */
static inline int readable(struct scan *s, uintptr_t lo, uintptr_t hi)
{
	return readable_end(s, lo) >= hi;
}

/* ---- heuristics (mc_leakcheck.c's heuristic_reachedness) ----------------- */

static const lt_reach_seg_t *seg_of(const lt_reach_ctx_t *c, uintptr_t p)
{
	size_t lo = LT_SPAN_LAST_STARTING_AT_OR_BELOW(c->segs, c->nsegs, p);
	if (lo == 0 || p >= c->segs[lo - 1].hi)
		return NULL;
	return &c->segs[lo - 1];
}

/* A vtable: in a mapped file, and its first up to 20 words are NULL or
 * point into executable file segments, at least two of them non-NULL. */
static int is_vtable(struct scan *sc, uintptr_t p)
{
	const lt_reach_ctx_t *c = sc->c;
	const lt_reach_seg_t *s = seg_of(c, p);
	if (!s)
		return 0;
	uintptr_t end = readable_end(sc, p);
	if (end < p + WORD)
		return 0;
	uintptr_t max = p + 20 * WORD;
	if (max > s->hi - WORD)
		max = s->hi - WORD;
	if (max > end - WORD)
		max = end - WORD;
	int fns = 0;
	for (uintptr_t q = p; q <= max; q += WORD) {
		uintptr_t fn = *(const uintptr_t *)q;
		if (!fn)
			continue;
		const lt_reach_seg_t *f = seg_of(c, fn);
		if (!f || !f->exec)
			return 0;
		if (++fns == 2)
			return 1;
	}
	return 0;
}

static int heuristic(struct scan *s, uintptr_t p, const lt_block_t *blk)
{
	unsigned h = s->c->heuristics;
	uintptr_t d = blk->ptr;
	uint64_t sz = blk->size;
	/* every heuristic reads the block's first words, and the last one the
	 * word p points at: none applies where those are unreadable */
	uintptr_t end = readable_end(s, d);
	if (end < d + WORD)
		return 0;
	/* libstdc++'s pre-C++11 (COW) string: length, capacity, refcount,
	 * then the characters, and the pointer points at the characters */
	if ((h & LT_HEUR_STDSTRING) && p == d + 3 * WORD && sz >= 3 * WORD && end >= d + 3 * WORD) {
		uint64_t cap = *(const uint64_t *)(d + WORD);
		if (3 * WORD + cap + 1 == sz && *(const uint64_t *)d <= cap)
			return 1;
	}
	/* sqlite-style: a 64-bit length of the rest, pointer just past it */
	if ((h & LT_HEUR_LENGTH64) && p == d + 8 && sz >= 8) {
		uint64_t len = *(const uint64_t *)d;
		if (len > 0 && sz - 8 == len)
			return 1;
	}
	/* new T[n] of a type with a destructor: the element count is stored
	 * first and the pointer points past it */
	if ((h & LT_HEUR_NEWARRAY) && p == d + WORD && sz >= WORD) {
		uint64_t nr = *(const uint64_t *)d;
		if (nr > 0 && (sz - WORD) % nr == 0)
			return 1;
	}
	/* a pointer to a second base class: both it and the block's first
	 * word hold vtable pointers */
	if ((h & LT_HEUR_MULTIPLEINHERITANCE) && s->c->segs && !(p % WORD) &&
	    p + WORD <= d + sz && sz >= WORD && readable(s, p, p + WORD)) {
		uintptr_t inner = *(const uintptr_t *)p;
		uintptr_t first = *(const uintptr_t *)d;
		if (!(inner % WORD) && inner >= 4096 && !(first % WORD) && first >= 4096 &&
		    is_vtable(s, inner) && is_vtable(s, first))
			return 1;
	}
	return 0;
}

/* ---- marking ------------------------------------------------------------------ */

static inline void push(struct scan *s, size_t i)
{
	s->stack[s->top++] = (uint32_t)i;
}

/* Root pass: mc_leakcheck.c's lc_push_if_a_chunk_ptr. */
static inline void mark(struct scan *s, uintptr_t p, size_t i, int prior_definite)
{
	uint8_t st = s->st[i];
	if (st == ST_REACHABLE)
		return;
	const lt_block_t *blk = &s->b[i];
	int reach = p == blk->ptr || heuristic(s, p, blk);
	if (reach && prior_definite) {
		s->st[i] = ST_REACHABLE;
		push(s, i);
	} else if (st == ST_UNREACHED) {
		s->st[i] = ST_POSSIBLE;
		push(s, i);
	}
}

/* Clique pass: lc_push_with_clique_if_a_chunk_ptr. Start and interior
 * pointers alike, as memcheck does. */
static inline void mark_clique(struct scan *s, size_t i, size_t leader)
{
	if (s->st[i] == ST_UNREACHED && i != leader) {
		s->st[i] = ST_INDIRECT;
		push(s, i);
	}
}

static void build_clusters(struct scan *s, uint32_t *idx)
{
	size_t i = 0;
	while (i < s->n) {
		size_t first = i;
		uintptr_t end = s->b[i].ptr + s->b[i].size;
		i++;
		while (i < s->n && (s->ncl == MAX_CLUSTERS - 1 || s->b[i].ptr - end <= CLUSTER_GAP)) {
			end = s->b[i].ptr + s->b[i].size;
			i++;
		}
		struct cluster *c = &s->cl[s->ncl++];
		size_t m = i - first;
		c->lo = s->b[first].ptr;
		c->hi = end > c->lo ? end : c->lo + 1;
		c->first = first;
		/* about two buckets per block */
		unsigned shift = 0;
		while (((c->hi - c->lo) >> shift) >= 2 * m)
			shift++;
		c->shift = shift;
		size_t nb = ((c->hi - c->lo) >> shift) + 1;
		c->idx = idx;
		idx += nb + 1;
		size_t j = first;
		for (size_t k = 0; k <= nb; k++) {
			uintptr_t bstart = c->lo + ((uintptr_t)k << shift);
			while (j < i && s->b[j].ptr < bstart)
				j++;
			c->idx[k] = (uint32_t)j;
		}
		c->idx[nb] = (uint32_t)i;
	}
}

static inline long lookup(const struct scan *s, uintptr_t p)
{
	const struct cluster *c = s->cl;
	const struct cluster *end = s->cl + s->ncl;
	while (c < end && p >= c->hi)
		c++;
	if (c == end || p < c->lo)
		return -1;
	size_t k = (p - c->lo) >> c->shift;
	size_t lo = c->idx[k];
	lo += lt_span_count_le(s->starts + lo, c->idx[k + 1] - lo, sizeof *s->starts, 0, p);
	/* lo: first block above p; the candidate is the one before it, which
	 * may sit in an earlier bucket */
	if (lo == c->first)
		return -1;
	size_t i = lo - 1;
	if (p - s->b[i].ptr < s->b[i].size || p == s->b[i].ptr)
		return (long)i;
	return -1;
}

static void scan_range(struct scan *s, uintptr_t lo, uintptr_t hi, int prior_definite,
		       long leader, unsigned flags)
{
	lo = (lo + WORD - 1) & ~(uintptr_t)(WORD - 1);
	hi &= ~(uintptr_t)(WORD - 1);
	if (hi <= lo)
		return;
	s->words += (hi - lo) / WORD;
	const uintptr_t min = s->min, span = s->span;
	for (uintptr_t w = lo; w < hi; w += WORD) {
		uintptr_t p = *(const volatile uintptr_t *)w;
		if (p - min >= span)
			continue;
		long i = lookup(s, p);
		if (i < 0)
			continue;
		if ((flags & LT_RANGE_START_ONLY) && p != s->b[i].ptr)
			continue;
		/* a pointer to an unreadable address is no pointer: memcheck's
		 * lc_is_a_chunk_ptr ignores it too, so a block the program made
		 * PROT_NONE counts as lost unless a readable part is referenced */
		if (s->c->readable && !readable_end_h(s, p, &s->thint))
			continue;
		if (LT_UNLIKELY(s->c->on_root != NULL) && leader < 0 && s->root_range >= 0)
			s->c->on_root(s->c->on_root_arg, (size_t)s->root_range, w, (size_t)i);
		if (leader < 0)
			mark(s, p, (size_t)i, prior_definite);
		else
			mark_clique(s, (size_t)i, (size_t)leader);
	}
}

/* Scan [lo, hi) where it is readable. */
static void scan_readable(struct scan *s, uintptr_t lo, uintptr_t hi, int definite, long leader)
{
	const lt_reach_range_t *r = s->c->readable;
	size_t a = LT_SPAN_FIRST_ENDING_ABOVE(r, s->c->nreadable, lo);
	for (; a < s->c->nreadable && r[a].lo < hi; a++)
		scan_range(s, r[a].lo > lo ? r[a].lo : lo, r[a].hi < hi ? r[a].hi : hi, definite,
			   leader, 0);
}

static void drain(struct scan *s, long leader)
{
	while (s->top) {
		size_t i = s->stack[--s->top];
		const lt_block_t *blk = &s->b[i];
		int definite = s->st[i] != ST_POSSIBLE;
		/* a block of any size may lie on a page the program protected */
		if (LT_LIKELY(readable(s, blk->ptr, blk->ptr + blk->size)))
			scan_range(s, blk->ptr, blk->ptr + blk->size, definite, leader, 0);
		else
			scan_readable(s, blk->ptr, blk->ptr + blk->size, definite, leader);
	}
}

int lt_reach_classify(lt_reach_ctx_t *c)
{
	struct scan s;
	memset(&s, 0, sizeof s);
	s.c = c;
	s.b = c->blocks;
	s.n = c->n;
	s.st = c->cls;
	s.starts = (uintptr_t *)(((uintptr_t)c->work + 15) & ~(uintptr_t)15);
	s.stack = (uint32_t *)(s.starts + c->n);
	memset(s.st, ST_UNREACHED, c->n);
	s.root_range = -1;
	c->scanned_words = 0;
	if (!c->n)
		return 0;
	for (size_t i = 0; i < c->n; i++)
		s.starts[i] = c->blocks[i].ptr;
	s.min = c->blocks[0].ptr;
	const lt_block_t *last = &c->blocks[c->n - 1];
	s.span = last->ptr + (last->size ? last->size : 1) - s.min;
	build_clusters(&s, s.stack + 2 * c->n + 2);

	/* 1. from the roots */
	if (c->root_blocks)
		for (size_t i = 0; i < c->n; i++)
			if (c->root_blocks[i]) {
				s.st[i] = ST_REACHABLE;
				push(&s, i);
			}
	drain(&s, -1);
	for (size_t r = 0; r < c->nroots; r++) {
		s.root_range = (long)r;
		scan_range(&s, c->roots[r].lo, c->roots[r].hi, 1, -1, c->roots[r].flags);
		s.root_range = -1;
		drain(&s, -1);
	}

	/* 2. clique leaders among the unreached, in address order */
	for (size_t i = 0; i < c->n; i++) {
		if (s.st[i] != ST_UNREACHED)
			continue;
		push(&s, i);
		drain(&s, (long)i);
	}

	static const uint8_t map[] = {
		[ST_UNREACHED] = LT_CLASS_DEFINITE,
		[ST_POSSIBLE] = LT_CLASS_POSSIBLE,
		[ST_REACHABLE] = LT_CLASS_REACHABLE,
		[ST_INDIRECT] = LT_CLASS_INDIRECT,
	};
	for (size_t i = 0; i < c->n; i++)
		s.st[i] = map[s.st[i]];
	c->scanned_words = s.words;
	return 0;
}
