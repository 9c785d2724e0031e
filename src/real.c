/* Resolution of the real functions behind the hooks (see real.h).
 *
 * No dlsym here. The tracer's start-up must not depend on the program's
 * allocator, and dlsym does: a name that no object defines makes ld.so
 * format "undefined symbol: ..." with malloc (and dlerror's state is
 * calloc'ed) - and malloc is whatever the global scope resolves it to. In a
 * program that links its own allocator (rustc's jemalloc, chromium's
 * PartitionAlloc) that is the program's malloc, often still inside its own
 * initialisation when it calls a hooked function (jemalloc's pages_boot
 * calls syscall()): rustc deadlocked on jemalloc's init lock, chromium spun.
 * So every name is looked up the way ld.so would, in the loaded objects'
 * own dynamic symbol tables (DT_GNU_HASH or DT_HASH, DT_SYMTAB, DT_VERSYM),
 * found by walking the link map with dl_iterate_phdr, which takes only the
 * loader's write lock and never allocates. */
#include "real.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "intalloc.h"
#include "lock.h"
#include "sys.h"

struct lt_real lt_real;
int lt_real_ready;
const char *lt_real_foreign_malloc;
uintptr_t lt_real_tsd_lo, lt_real_tsd_hi;

/* glibc's own allocator entry points: the fallback when RTLD_NEXT finds no
 * allocator (a static-pie oddity, or a library loaded in an unusual order). */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

int lt_posix_memalign_with(void *(*memalign_fn)(size_t, size_t), void **out, size_t align,
			   size_t size)
{
	if (align % sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	void *p = memalign_fn(align, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

static int posix_memalign_fallback(void **out, size_t align, size_t size)
{
	return lt_posix_memalign_with(__libc_memalign, out, align, size);
}

static size_t usable_fallback(void *p)
{
	(void)p;
	return 0;
}

static void fallback(void)
{
	if (!lt_real.malloc) lt_real.malloc = __libc_malloc;
	if (!lt_real.calloc) lt_real.calloc = __libc_calloc;
	if (!lt_real.realloc) lt_real.realloc = __libc_realloc;
	if (!lt_real.free) lt_real.free = __libc_free;
	if (!lt_real.memalign) lt_real.memalign = __libc_memalign;
	if (!lt_real.valloc) lt_real.valloc = __libc_valloc;
	if (!lt_real.pvalloc) lt_real.pvalloc = __libc_pvalloc;
	if (!lt_real.posix_memalign) lt_real.posix_memalign = posix_memalign_fallback;
	if (!lt_real.malloc_usable_size) lt_real.malloc_usable_size = usable_fallback;
}

/* ---- symbol lookup in the link map ---------------------------------------- */

static uint32_t gnu_hash(const char *s)
{
	uint32_t h = 5381;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = h * 33 + *p;
	return h;
}

static uint32_t elf_hash(const char *s)
{
	uint32_t h = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h = (h << 4) + *p;
		uint32_t g = h & 0xf0000000u;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

struct dynsyms {
	uintptr_t base;
	const ElfW(Sym) *symtab;
	const char *strtab;
	const uint32_t *gnu, *sysv;
	const ElfW(Half) *versym;
};

/* ld.so rewrites the d_ptr entries of a writable dynamic section to run-time
 * addresses; a read-only one (the vDSO's) keeps link-time values. */
static const void *dyn_ptr(uintptr_t base, ElfW(Addr) v)
{
	return (const void *)(v < base ? v + base : v);
}

static int dynsyms_of(const struct dl_phdr_info *info, struct dynsyms *d)
{
	memset(d, 0, sizeof *d);
	d->base = info->dlpi_addr;
	const ElfW(Dyn) *dyn = NULL;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	if (!dyn)
		return 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		switch (dyn->d_tag) {
		case DT_SYMTAB: d->symtab = dyn_ptr(d->base, dyn->d_un.d_ptr); break;
		case DT_STRTAB: d->strtab = dyn_ptr(d->base, dyn->d_un.d_ptr); break;
		case DT_GNU_HASH: d->gnu = dyn_ptr(d->base, dyn->d_un.d_ptr); break;
		case DT_HASH: d->sysv = dyn_ptr(d->base, dyn->d_un.d_ptr); break;
		case DT_VERSYM: d->versym = dyn_ptr(d->base, dyn->d_un.d_ptr); break;
		default: break;
		}
	}
	return d->symtab && d->strtab && (d->gnu || d->sysv);
}

/* What dlsym accepts: a defined, exported function or object, at its
 * default version (a hidden version such as memcpy@GLIBC_2.2.5 is not). */
static int acceptable(const struct dynsyms *d, uint32_t i, const char *name)
{
	const ElfW(Sym) *s = &d->symtab[i];
	if (s->st_shndx == SHN_UNDEF || (!s->st_value && ELF64_ST_TYPE(s->st_info) != STT_TLS))
		return 0;
	int type = ELF64_ST_TYPE(s->st_info), bind = ELF64_ST_BIND(s->st_info);
	if (type != STT_FUNC && type != STT_OBJECT && type != STT_GNU_IFUNC && type != STT_NOTYPE)
		return 0;
	if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE)
		return 0;
	if (ELF64_ST_VISIBILITY(s->st_other) == STV_HIDDEN ||
	    ELF64_ST_VISIBILITY(s->st_other) == STV_INTERNAL)
		return 0;
	if (d->versym && (d->versym[i] & 0x8000))
		return 0;
	return strcmp(d->strtab + s->st_name, name) == 0;
}

static const ElfW(Sym) *find_in(const struct dynsyms *d, const char *name, uint32_t gh, uint32_t eh)
{
	if (d->gnu) {
		uint32_t nbuckets = d->gnu[0], symoffset = d->gnu[1], bloom_size = d->gnu[2];
		const ElfW(Addr) *bloom = (const ElfW(Addr) *)&d->gnu[4];
		const uint32_t *buckets = (const uint32_t *)&bloom[bloom_size];
		const uint32_t *chain = &buckets[nbuckets];
		if (!nbuckets)
			return NULL;
		uint32_t i = buckets[gh % nbuckets];
		if (i < symoffset)
			return NULL;
		for (;; i++) {
			uint32_t h = chain[i - symoffset];
			if ((h | 1) == (gh | 1) && acceptable(d, i, name))
				return &d->symtab[i];
			if (h & 1)
				return NULL;
		}
	}
	uint32_t nbucket = d->sysv[0];
	const uint32_t *bucket = &d->sysv[2], *chain = &bucket[nbucket];
	if (!nbucket)
		return NULL;
	for (uint32_t i = bucket[eh % nbucket]; i; i = chain[i])
		if (acceptable(d, i, name))
			return &d->symtab[i];
	return NULL;
}

struct walk {
	const char *name;
	uint32_t gh, eh;
	int next;              /* RTLD_NEXT: only objects after the tracer */
	int past_self;
	uintptr_t self;        /* an address inside the tracer */
	void *addr;
	size_t size;
	const char *object;    /* where it was found ("" is the executable) */
	int in_self;
};

static int is_self(const struct dl_phdr_info *info, uintptr_t self)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && self >= lo && self < lo + ph->p_memsz)
			return 1;
	}
	return 0;
}

static int walk_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct walk *w = data;
	int self = is_self(info, w->self);
	if (w->next && !w->past_self) {
		w->past_self = self;
		return 0;
	}
	struct dynsyms d;
	if (!dynsyms_of(info, &d))
		return 0;
	const ElfW(Sym) *s = find_in(&d, w->name, w->gh, w->eh);
	if (!s)
		return 0;
	uintptr_t a = d.base + s->st_value;
	if (ELF64_ST_TYPE(s->st_info) == STT_GNU_IFUNC)
		a = ((uintptr_t(*)(void))a)();   /* what dlsym does on x86_64 */
	w->addr = (void *)a;
	w->size = s->st_size;
	w->object = info->dlpi_name ? info->dlpi_name : "";
	w->in_self = self;
	return 1;
}

static void *lookup(const char *name, int next, size_t *size, const char **object, int *in_self)
{
	struct walk w = { 0 };
	w.name = name;
	w.gh = gnu_hash(name);
	w.eh = elf_hash(name);
	w.next = next;
	w.self = (uintptr_t)&lookup;
	dl_iterate_phdr(walk_cb, &w);
	if (size)
		*size = w.size;
	if (object)
		*object = w.object;
	if (in_self)
		*in_self = w.in_self;
	return w.addr;
}

void *lt_real_lookup(const char *name, int next, size_t *size)
{
	return lookup(name, next, size, NULL, NULL);
}

/* Which allocator serves the program: the first definition of malloc (or
 * free) in lookup order. The executable's own wins even over a preloaded
 * library, and so does a library preloaded ahead of the tracer. */
static void find_foreign_allocator(void)
{
	static const char *const names[] = { "malloc", "free" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *obj = NULL;
		int self = 0;
		if (lookup(names[i], 0, NULL, &obj, &self) && !self) {
			lt_real_foreign_malloc = obj ? obj : "";
			return;
		}
	}
}

/* ---- the table ---------------------------------------------------------------- */

static atomic_int state;        /* 0 none, 1 resolving, 2 done */

int lt_real_init(void)
{
	if (atomic_load_explicit(&state, memory_order_acquire) == 2)
		return 0;
	int expect = 0;
	if (!atomic_compare_exchange_strong(&state, &expect, 1)) {
		/* another thread resolves: wait for it (only at process start;
		 * the lookups below call no hooked function, so this thread
		 * cannot be the one resolving) */
		while (atomic_load_explicit(&state, memory_order_acquire) != 2)
			lt_sys_sched_yield();
		return 0;
	}
	struct lt_real r = { 0 };
#define LT_REAL(ret, name, params, kind) \
	*(void **)&r.name = lookup(#name, 1, NULL, NULL, NULL);
#include "real.inc"
#undef LT_REAL
	lt_real = r;
	fallback();
	find_foreign_allocator();
	size_t tsd_size = 0;
	void *tsd = lookup("pthread_setspecific", 0, &tsd_size, NULL, NULL);
	if (tsd && tsd_size) {
		lt_real_tsd_lo = (uintptr_t)tsd;
		lt_real_tsd_hi = (uintptr_t)tsd + tsd_size;
	}
	__atomic_store_n(&lt_real_ready, 1, __ATOMIC_RELEASE);
	atomic_store_explicit(&state, 2, memory_order_release);
	return 0;
}

void lt_real_program_free(void *p)
{
	static void (*fn)(void *);
	if (!p)
		return;
	if (lt_ia_owns(p)) {
		lt_ia_free(p);
		return;
	}
	void (*f)(void *) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
	if (!f) {
		f = (void (*)(void *))lt_real_lookup("free", 0, NULL);
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);
	}
	if (f)
		f(p);
}
