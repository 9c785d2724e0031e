/* Unloaded modules (see modules.h).
 *
 * A frame in a library that was dlclose'd points into unmapped memory: by
 * report time /proc/self/maps and dl_iterate_phdr no longer know it, and
 * the frame came out with no function and no module (memcheck prints "???"
 * by default, LSan "<unknown module>"). The dlclose hook keeps, for every
 * module a dlclose removes, what is needed to read it from its file at
 * report time: path, bias, executable span and build-id (to notice a file
 * replaced on disk since). The malloc path is untouched: the cost is one
 * dl_iterate_phdr walk before and after each dlclose.
 *
 * Address reuse: a later dlopen may map another library where the old one
 * was. Stack ids grow with time (the depot numbers stacks when first seen),
 * so a stack first interned before a module's unload was captured while it
 * was mapped, if its pc lay in its text: of the modules that held pc, the
 * right one is the first unloaded after the stack was interned, or the
 * current one if none was. */
#include "modules.h"

#include <elf.h>
#include <link.h>
#include <stdatomic.h>
#include <string.h>

#include "intalloc.h"
#include "stack.h"

static lt_unloaded_t *_Atomic unloaded;
static _Atomic uint32_t unload_seq;

struct loaded {
	uintptr_t bias, lo, hi;
	const char *name_at;          /* dlpi_name pointer while mapped */
	char *path;                   /* private copy */
	size_t build_id_len;
	unsigned char build_id[LT_MODULE_MAX_BUILD_ID];
	int still;                    /* seen again after dlclose */
};

struct note {
	size_t n, cap;
	struct loaded *mods;
};

/* NT_GNU_BUILD_ID from a mapped PT_NOTE segment. */
static size_t read_build_id(const struct dl_phdr_info *info, unsigned char *out)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		const unsigned char *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			size_t namesz = (nh->n_namesz + 3) & ~(size_t)3;
			size_t descsz = (nh->n_descsz + 3) & ~(size_t)3;
			const unsigned char *name = p + sizeof *nh;
			const unsigned char *desc = name + namesz;
			if (desc + descsz > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    !memcmp(name, "GNU", 4) && nh->n_descsz <= LT_MODULE_MAX_BUILD_ID) {
				memcpy(out, desc, nh->n_descsz);
				return nh->n_descsz;
			}
			p = desc + descsz;
		}
	}
	return 0;
}

static int note_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct note *nt = data;
	/* the main program and the vdso have no path: never dlclose'd */
	if (!info->dlpi_name || info->dlpi_name[0] != '/')
		return 0;
	if (nt->n == nt->cap) {
		size_t ncap = nt->cap ? nt->cap * 2 : 64;
		struct loaded *m = lt_ia_alloc(ncap * sizeof *m);
		if (!m)
			return 1;
		if (nt->mods)
			memcpy(m, nt->mods, nt->n * sizeof *m);
		lt_ia_free(nt->mods);
		nt->mods = m;
		nt->cap = ncap;
	}
	struct loaded *m = &nt->mods[nt->n];
	memset(m, 0, sizeof *m);
	m->bias = info->dlpi_addr;
	m->lo = UINTPTR_MAX;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		if (lo < m->lo)
			m->lo = lo;
		if (hi > m->hi)
			m->hi = hi;
	}
	if (m->lo >= m->hi)
		return 0;                 /* no code: nothing to name */
	m->name_at = info->dlpi_name;
	m->path = lt_ia_strdup(info->dlpi_name);
	if (!m->path)
		return 0;
	m->build_id_len = read_build_id(info, m->build_id);
	nt->n++;
	return 0;
}

void *lt_modules_before_dlclose(void)
{
	struct note *nt = lt_ia_alloc(sizeof *nt);
	if (!nt)
		return NULL;
	dl_iterate_phdr(note_cb, nt);
	return nt;
}

static int still_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct note *nt = data;
	for (size_t i = 0; i < nt->n; i++)
		if (!nt->mods[i].still && nt->mods[i].bias == info->dlpi_addr &&
		    info->dlpi_name && !strcmp(info->dlpi_name, nt->mods[i].path))
			nt->mods[i].still = 1;
	return 0;
}

void lt_modules_after_dlclose(void *p, int closed)
{
	struct note *nt = p;
	if (!nt)
		return;
	if (closed)
		dl_iterate_phdr(still_cb, nt);
	else
		for (size_t i = 0; i < nt->n; i++)
			nt->mods[i].still = 1;
	uint32_t stacks = lt_stack_count();
	for (size_t i = 0; i < nt->n; i++) {
		struct loaded *m = &nt->mods[i];
		lt_unloaded_t *u = m->still ? NULL : lt_ia_alloc(sizeof *u);
		if (!u) {
			lt_ia_free(m->path);
			continue;
		}
		u->path = m->path;        /* ownership moves to the entry */
		u->bias = m->bias;
		u->lo = m->lo;
		u->hi = m->hi;
		u->stacks_at_unload = stacks;
		u->seq = atomic_fetch_add(&unload_seq, 1) + 1;
		u->build_id_len = m->build_id_len;
		memcpy(u->build_id, m->build_id, m->build_id_len);
		u->next = atomic_load_explicit(&unloaded, memory_order_relaxed);
		while (!atomic_compare_exchange_weak_explicit(&unloaded, &u->next, u,
							      memory_order_release,
							      memory_order_relaxed))
			;
	}
	lt_ia_free(nt->mods);
	lt_ia_free(nt);
}

const lt_unloaded_t *lt_modules_unloaded(void)
{
	return atomic_load_explicit(&unloaded, memory_order_acquire);
}

const lt_unloaded_t *lt_modules_unloaded_at(uintptr_t pc, uint32_t stack_id)
{
	const lt_unloaded_t *best = NULL;
	for (const lt_unloaded_t *u = lt_modules_unloaded(); u; u = u->next) {
		if (pc < u->lo || pc >= u->hi)
			continue;
		if (stack_id && stack_id > u->stacks_at_unload)
			continue;         /* first seen after it was gone */
		if (!best || (stack_id ? u->seq < best->seq : u->seq > best->seq))
			best = u;
	}
	return best;
}
