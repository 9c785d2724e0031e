/* Root collection for the live scan (see roots.h). Everything after
 * lt_roots_alloc/lt_roots_prepare runs with the world stopped, so it only
 * uses memory allocated beforehand and raw system calls. */
#include "roots.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>

#include "intalloc.h"
#include "real.h"
#include "span.h"
#include "helper.h"
#include "sys.h"

#define PAGE 4096u

static int self_marker;     /* an address inside the tracer's own data */

int lt_roots_alloc(lt_roots_t *rt, size_t nthreads)
{
	memset(rt, 0, sizeof *rt);
	rt->cap = 8192 + 4 * nthreads;
	rt->segcap = 8192;
	rt->mapcap = 65536;
	rt->bufcap = 4u << 20;
	rt->r = lt_ia_map(rt->cap * sizeof *rt->r);
	rt->seg = lt_ia_map(rt->segcap * sizeof *rt->seg);
	rt->maps = lt_ia_map(rt->mapcap * sizeof *rt->maps);
	rt->readable = lt_ia_map(rt->mapcap * sizeof *rt->readable);
	rt->buf = lt_ia_map(rt->bufcap);
	rt->excap = 1024 + 4 * nthreads;
	rt->ex = lt_ia_map(rt->excap * sizeof *rt->ex);
	if (!rt->r || !rt->seg || !rt->maps || !rt->buf || !rt->readable || !rt->ex) {
		lt_roots_free(rt);
		return -ENOMEM;
	}
	return 0;
}

void lt_roots_free(lt_roots_t *rt)
{
	if (rt->r)
		lt_ia_unmap(rt->r, rt->cap * sizeof *rt->r);
	if (rt->seg)
		lt_ia_unmap(rt->seg, rt->segcap * sizeof *rt->seg);
	if (rt->maps)
		lt_ia_unmap(rt->maps, rt->mapcap * sizeof *rt->maps);
	if (rt->readable)
		lt_ia_unmap(rt->readable, rt->mapcap * sizeof *rt->readable);
	if (rt->buf)
		lt_ia_unmap(rt->buf, rt->bufcap);
	if (rt->ex)
		lt_ia_unmap(rt->ex, rt->excap * sizeof *rt->ex);
	memset(rt, 0, sizeof *rt);
}

void lt_roots_prepare(lt_roots_t *rt)
{
	/* glibc-private, exported by ld.so: the static TLS size including
	 * the TCB (LeakSanitizer uses it the same way) */
	void (*get)(size_t *, size_t *) =
		(void (*)(size_t *, size_t *))lt_real_lookup("_dl_get_tls_static_info", 0, NULL);
	size_t size = 0, align = 0;
	if (get)
		get(&size, &align);
	rt->tls_size = size ? size : 16384;
}

/* Append [lo, hi) to the table t[*n] of cap entries (a full table sets
 * the overflow flag: roots were lost). */
static void push(lt_roots_t *rt, lt_reach_range_t *t, size_t *n, size_t cap, uintptr_t lo,
		 uintptr_t hi, unsigned flags)
{
	if (hi <= lo)
		return;
	if (*n == cap) {
		rt->overflow = 1;
		return;
	}
	t[*n] = (lt_reach_range_t){ lo, hi, flags };
	(*n)++;
}

static void add(lt_roots_t *rt, uintptr_t lo, uintptr_t hi, unsigned flags)
{
	push(rt, rt->r, &rt->n, rt->cap, lo, hi, flags);
}

void lt_roots_add(lt_roots_t *rt, uintptr_t lo, uintptr_t hi)
{
	add(rt, lo, hi, 0);
}

/* Memory that must not become an anonymous root (lt_roots_anon). */
static void exclude(lt_roots_t *rt, uintptr_t lo, uintptr_t hi)
{
	push(rt, rt->ex, &rt->nex, rt->excap, lo, hi, 0);
}

/* ---- modules ------------------------------------------------------------- */

struct mod_walk {
	lt_roots_t *rt;
	void (*first)(void *);
	void *arg;
	int called;
};

static int is_ldso(const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	return !strncmp(base, "ld-linux", 8) || !strncmp(base, "ld64.so", 7) ||
	       !strncmp(base, "ld.so", 5);
}

static int is_libc(const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	return !strncmp(base, "libc.so", 7) || !strncmp(base, "libc-", 5);
}

static int module_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct mod_walk *m = data;
	lt_roots_t *rt = m->rt;
	if (!m->called) {
		m->called = 1;
		if (m->first)
			m->first(m->arg);
	}
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	/* the tracer's own data (heap table, options, world table) is no root */
	int self = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if ((uintptr_t)&self_marker - lo < ph->p_memsz)
			self = 1;
	}
	int ld = is_ldso(name), libc = is_libc(name);
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		uintptr_t hi = lo + ph->p_memsz;
		if (rt->nseg < rt->segcap) {
			rt->seg[rt->nseg].lo = lo;
			rt->seg[rt->nseg].hi = hi;
			rt->seg[rt->nseg].exec = !!(ph->p_flags & PF_X);
			rt->nseg++;
		}
		if (ld && (ph->p_flags & PF_X) && rt->nld < 8) {
			rt->ld_lo[rt->nld] = lo;
			rt->ld_hi[rt->nld] = hi;
			rt->nld++;
		}
		if ((ph->p_flags & PF_W) && !self)
			add(rt, lo, hi, libc ? LT_RANGE_START_ONLY : 0);
	}
	return 0;
}

int lt_roots_modules(lt_roots_t *rt, void (*first)(void *), void *arg)
{
	struct mod_walk m = { rt, first, arg, 0 };
	dl_iterate_phdr(module_cb, &m);
	if (!m.called && first)
		first(arg);
	/* insertion sort: few hundred entries, and qsort may malloc */
	for (size_t i = 1; i < rt->nseg; i++) {
		lt_reach_seg_t x = rt->seg[i];
		size_t j = i;
		while (j && rt->seg[j - 1].lo > x.lo) {
			rt->seg[j] = rt->seg[j - 1];
			j--;
		}
		rt->seg[j] = x;
	}
	return 0;
}

int lt_roots_is_ldso_pc(const lt_roots_t *rt, uintptr_t pc)
{
	for (int i = 0; i < rt->nld; i++)
		if (pc >= rt->ld_lo[i] && pc < rt->ld_hi[i])
			return 1;
	return 0;
}

/* ---- /proc/self/maps ----------------------------------------------------- */

static uintptr_t hex(const char **p)
{
	uintptr_t v = 0;
	for (;; (*p)++) {
		char c = **p;
		if (c >= '0' && c <= '9')
			v = v * 16 + (uintptr_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (uintptr_t)(c - 'a' + 10);
		else
			return v;
	}
}

int lt_roots_read_maps(lt_roots_t *rt)
{
	int fd = lt_sys_openat(AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	size_t len = 0;
	for (;;) {
		if (len + 1 >= rt->bufcap) {
			rt->overflow = 1;
			break;
		}
		ssize_t got = lt_sys_read(fd, rt->buf + len, rt->bufcap - 1 - len);
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	lt_sys_close(fd);
	rt->buf[len] = 0;
	rt->nmaps = 0;
	rt->nreadable = 0;
	for (const char *p = rt->buf; *p;) {
		const char *line = p;
		while (*p && *p != '\n')
			p++;
		if (*p)
			p++;
		const char *q = line;
		uintptr_t lo = hex(&q);
		if (*q != '-')
			continue;
		q++;
		uintptr_t hi = hex(&q);
		if (*q != ' ' || rt->nmaps == rt->mapcap)
			continue;
		q++;
		lt_map_t *m = &rt->maps[rt->nmaps++];
		m->lo = lo;
		m->hi = hi;
		m->readable = q[0] == 'r';
		m->writable = q[1] == 'w';
		/* "rw-p 00000000 00:00 0   [anon:name]": skip offset, device
		 * and inode; anonymous means inode 0 and no path, or a name
		 * given with PR_SET_VMA_ANON_NAME */
		int priv = q[3] == 'p';
		const char *f = q;
		int inode_zero = 0;
		for (int field = 0; field < 4 && f < p; field++) {
			while (f < p && *f != ' ' && *f != '\n')
				f++;
			while (f < p && *f == ' ')
				f++;
			if (field == 2)
				inode_zero = *f == '0' && (f[1] == ' ' || f[1] == '\n' || !f[1]);
		}
		int noname = f >= p || *f == '\n' || !*f;
		m->anon = priv && inode_zero && (noname || !strncmp(f, "[anon:", 6));
		if (!m->readable)
			continue;
		/* merged readable ranges, for scanning big blocks */
		if (rt->nreadable && rt->readable[rt->nreadable - 1].hi == lo)
			rt->readable[rt->nreadable - 1].hi = hi;
		else {
			rt->readable[rt->nreadable].lo = lo;
			rt->readable[rt->nreadable].hi = hi;
			rt->readable[rt->nreadable].flags = 0;
			rt->nreadable++;
		}
	}
	return 0;
}

static const lt_map_t *map_of(const lt_roots_t *rt, uintptr_t a)
{
	size_t lo = LT_SPAN_LAST_STARTING_AT_OR_BELOW(rt->maps, rt->nmaps, a);
	if (lo == 0 || a >= rt->maps[lo - 1].hi || !rt->maps[lo - 1].readable)
		return NULL;
	return &rt->maps[lo - 1];
}

/* Keep only the readable parts of every root range: a program may have
 * mprotect'ed part of its data PROT_NONE, and reading it would kill it. */
void lt_roots_clip(lt_roots_t *rt)
{
	size_t n0 = rt->n;
	for (size_t i = 0; i < n0; i++) {
		uintptr_t lo = rt->r[i].lo, hi = rt->r[i].hi;
		size_t a = LT_SPAN_FIRST_ENDING_ABOVE(rt->maps, rt->nmaps, lo);
		for (size_t m = a; m < rt->nmaps && rt->maps[m].lo < hi; m++) {
			if (!rt->maps[m].readable)
				continue;
			add(rt, rt->maps[m].lo > lo ? rt->maps[m].lo : lo,
			    rt->maps[m].hi < hi ? rt->maps[m].hi : hi, rt->r[i].flags);
		}
	}
	memmove(rt->r, rt->r + n0, (rt->n - n0) * sizeof *rt->r);
	rt->n -= n0;
}

/* ---- threads ------------------------------------------------------------- */

/* The stack from sp (minus the x86-64 red zone, which the kernel preserves
 * below an interrupted thread's sp) to the top of its block. For a thread
 * glibc created, struct pthread sits at the very top of the stack mapping,
 * so the page boundary above the thread pointer ends the block even when
 * the kernel has merged the mapping with a neighbour. */
static void add_stack(lt_roots_t *rt, uintptr_t sp, uintptr_t tp, uintptr_t redzone)
{
	const lt_map_t *m = map_of(rt, sp);
	if (!m) {
		rt->unscanned++;
		return;
	}
	uintptr_t lo = sp >= m->lo + redzone ? sp - redzone : m->lo;
	uintptr_t hi = m->hi;
	if (tp > sp && tp < m->hi) {
		uintptr_t top = (tp + PAGE) & ~(uintptr_t)(PAGE - 1);
		if (top < hi)
			hi = top;
	}
	add(rt, lo, hi, 0);
	/* the dead part below sp holds stale pointers: never an anonymous
	 * root, nor is the live part scanned twice */
	exclude(rt, m->lo, hi);
}

/* Static TLS lies below the thread pointer and the TCB (struct pthread,
 * whose specific[] slots hold pthread_setspecific values) above it. */
static void add_tls(lt_roots_t *rt, uintptr_t tp)
{
	const lt_map_t *m = map_of(rt, tp);
	if (!m)
		return;
	uintptr_t lo = tp - m->lo > rt->tls_size ? tp - rt->tls_size : m->lo;
	uintptr_t hi = m->hi - tp > rt->tls_size ? tp + rt->tls_size : m->hi;
	add(rt, lo, hi, 0);
}

/* A thread we could not stop: if it sits in a system call, the kernel tells
 * its stack pointer; scan that whole mapping (its contents may change under
 * us: conservative, not exact). */
static uintptr_t syscall_sp(pid_t tid);

static void add_unstopped(lt_roots_t *rt, pid_t tid)
{
	uintptr_t sp = syscall_sp(tid);
	const lt_map_t *m = sp ? map_of(rt, sp) : NULL;
	if (!m) {
		rt->unscanned++;    /* "running" (or gone): no stack pointer */
		return;
	}
	add(rt, m->lo, m->hi, 0);
	exclude(rt, m->lo, m->hi);
	rt->conservative++;
}

/* The stack pointer of a thread blocked in a system call (from
 * /proc/self/task/TID/syscall), or 0. */
static uintptr_t syscall_sp(pid_t tid)
{
	char buf[256];
	ssize_t got = lt_sys_read_task_file(tid, "syscall", buf, sizeof buf);
	if (got <= 0 || buf[0] < '0' || buf[0] > '9')
		return 0;
	/* nr a1 a2 a3 a4 a5 a6 sp pc */
	const char *p = buf;
	int field = 0;
	uintptr_t sp = 0;
	while (*p && field < 8) {
		while (*p && *p != ' ')
			p++;
		while (*p == ' ')
			p++;
		field++;
		if (field == 7) {
			if (p[0] == '0' && p[1] == 'x')
				p += 2;
			sp = hex(&p);
		}
	}
	return sp;
}

void lt_roots_threads(lt_roots_t *rt, lt_world_t *w, uintptr_t self_sp, uintptr_t self_tp)
{
	/* our own stack: no red zone (below self_sp is this very scan, or
	 * exit()'s dead callees) */
	add_stack(rt, self_sp, self_tp, 0);
	add_tls(rt, self_tp);
	for (size_t i = 0; i < w->n; i++) {
		lt_world_thread_t *t = &w->t[i];
		if (t->state == LT_THREAD_STOPPED) {
			add(rt, (uintptr_t)t->regs, (uintptr_t)(t->regs + t->nregs), 0);
			add_stack(rt, t->sp, t->tp, 128);
			add_tls(rt, t->tp);
		} else if (t->state == LT_THREAD_UNSTOPPABLE) {
			add_unstopped(rt, t->tid);
		}
	}
	/* the shim's helper thread is not stopped and holds only tracer
	 * data: its stack is no root of any kind (it waits in a futex) */
	int helper = lt_helper_tid();
	if (helper > 0 && helper != (int)lt_sys_gettid()) {
		uintptr_t sp = syscall_sp(helper);
		const lt_map_t *m = sp ? map_of(rt, sp) : NULL;
		if (m)
			exclude(rt, m->lo, m->hi);
	}
}

/* ---- anonymous mappings ---------------------------------------------------- */

/* glibc's non-main arenas live in heaps of HEAP_MAX_SIZE (64 MiB on 64-bit
 * targets), aligned to it, each opening with a heap_info: the arena
 * pointer, the previous heap, the used and the read-write sizes. Their free
 * chunks hold stale pointers, and an arena whose blocks were all freed
 * holds no live block to give it away, so it is recognised by that header. */
#define GLIBC_HEAP_MAX ((uintptr_t)64 << 20)

static uintptr_t glibc_heap_end(uintptr_t a)
{
	const uintptr_t *h = (const uintptr_t *)a;
	uintptr_t ar = h[0], prev = h[1], size = h[2], rw = h[3];
	if (!ar || ar % 8 || prev % GLIBC_HEAP_MAX || size % PAGE || rw % PAGE || !size ||
	    size > rw || rw > GLIBC_HEAP_MAX)
		return 0;
	/* the first heap of an arena holds the arena right after heap_info;
	 * the others point back to an earlier heap */
	if (!prev && ar - a >= PAGE)
		return 0;
	return a + rw;
}

/* A glibc thread's stack mapping ends with its struct pthread, which opens
 * with the TCB: header.tcb and header.self both point at it. Live threads'
 * stacks are scanned from their sp; dead ones (glibc's stack cache, exited
 * threads not yet joined) hold nothing live. */
static int holds_tcb(const lt_roots_t *rt, uintptr_t lo, uintptr_t hi)
{
#if defined(__x86_64__)
	/* x86-64 tcbhead_t: tcb, dtv, self, two ints, sysinfo, stack_guard,
	 * pointer_guard. Two self pointers alone also describe an empty
	 * circular list head; the two guards, the same in every thread of the
	 * process (and random), make the test exact. */
	uintptr_t guard, pguard;
	__asm__ volatile("mov %%fs:0x28, %0" : "=r"(guard));
	__asm__ volatile("mov %%fs:0x30, %0" : "=r"(pguard));
	uintptr_t span = rt->tls_size + 2 * PAGE;
	uintptr_t from = hi - lo > span ? hi - span : lo;
	for (uintptr_t a = (hi - 8 * sizeof(uintptr_t)) & ~(uintptr_t)63; a >= from; a -= 64) {
		const uintptr_t *w = (const uintptr_t *)a;
		if (w[0] == a && w[2] == a && w[5] == guard && w[6] == pguard)
			return 1;
		if (a < 64)
			break;
	}
#else
	(void)rt;
	(void)lo;
	(void)hi;
#endif
	return 0;
}

/* Exclude the allocator's memory from anonymous mapping m: a mapping that
 * holds part of a live block is the allocator's (a glibc arena heap, a
 * jemalloc extent), free chunks and all - except that the kernel merges
 * neighbouring anonymous mappings, so glibc's large mmap'd chunks often
 * share one mapping with, say, pymalloc's arenas. Such a chunk is
 * recognised by its header (the block starts 16 bytes into a page and its
 * size word has IS_MMAPPED) and only the chunk itself is excluded. */
static void exclude_heap(lt_roots_t *rt, const lt_block_t *b, size_t n, const lt_map_t *m)
{
	size_t a = 0, z = n;
	while (a < z) {      /* first block ending above m->lo */
		size_t mid = (a + z) >> 1;
		if (b[mid].ptr + (b[mid].size ? b[mid].size : 1) <= m->lo)
			a = mid + 1;
		else
			z = mid;
	}
	for (; a < n && b[a].ptr < m->hi; a++) {
		uintptr_t p = b[a].ptr;
		uintptr_t hdr = p - sizeof(uintptr_t);
		if (p % PAGE == 2 * sizeof(uintptr_t) && hdr >= m->lo) {
			uintptr_t sz = *(const uintptr_t *)hdr;
			uintptr_t csz = sz & ~(uintptr_t)7;
			if ((sz & 2) && !(csz % PAGE) && csz >= b[a].size + 2 * sizeof(uintptr_t)) {
				exclude(rt, p - 2 * sizeof(uintptr_t), p - 2 * sizeof(uintptr_t) + csz);
				continue;
			}
		}
		exclude(rt, m->lo, m->hi);
		return;
	}
}

static void sort_ranges(lt_reach_range_t *r, size_t n)
{
	/* insertion sort: qsort may malloc, and the world is stopped */
	for (size_t i = 1; i < n; i++) {
		lt_reach_range_t x = r[i];
		size_t j = i;
		while (j && r[j - 1].lo > x.lo) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = x;
	}
}

void lt_roots_anon(lt_roots_t *rt, const lt_block_t *blocks, size_t n)
{
	/* the tracer's private allocator (tables, depot, this scan) and every
	 * module segment (already roots, libc's with its own rule) */
	uintptr_t ia = __atomic_load_n(&lt_ia_base, __ATOMIC_RELAXED);
	exclude(rt, ia, ia + __atomic_load_n(&lt_ia_span, __ATOMIC_RELAXED));
	for (size_t i = 0; i < rt->nseg; i++)
		exclude(rt, rt->seg[i].lo & ~(uintptr_t)(PAGE - 1),
			(rt->seg[i].hi + PAGE - 1) & ~(uintptr_t)(PAGE - 1));
	for (size_t i = 0; i < rt->nmaps; i++) {
		const lt_map_t *m = &rt->maps[i];
		if (!m->anon || !m->readable || !m->writable)
			continue;
		exclude_heap(rt, blocks, n, m);
		if (holds_tcb(rt, m->lo, m->hi))
			exclude(rt, m->lo, m->hi);
		for (uintptr_t a = (m->lo + GLIBC_HEAP_MAX - 1) & ~(GLIBC_HEAP_MAX - 1);
		     a >= m->lo && a < m->hi; a += GLIBC_HEAP_MAX) {
			uintptr_t end = glibc_heap_end(a);
			if (end)
				exclude(rt, a, end);
		}
	}
	sort_ranges(rt->ex, rt->nex);
	/* what is left of each anonymous mapping is a root */
	size_t e = 0;
	for (size_t i = 0; i < rt->nmaps; i++) {
		const lt_map_t *m = &rt->maps[i];
		if (!m->anon || !m->readable || !m->writable)
			continue;
		uintptr_t lo = m->lo;
		while (e < rt->nex && rt->ex[e].hi <= lo)
			e++;
		for (size_t k = e; k < rt->nex && rt->ex[k].lo < m->hi && lo < m->hi; k++) {
			if (rt->ex[k].hi <= lo)
				continue;
			if (rt->ex[k].lo > lo)
				add(rt, lo, rt->ex[k].lo, 0);
			if (rt->ex[k].hi > lo)
				lo = rt->ex[k].hi;
		}
		if (lo < m->hi)
			add(rt, lo, m->hi, 0);
	}
}
