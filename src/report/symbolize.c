/* Symbolization with elfutils libdw (see symbolize.h).
 *
 * One Dwfl session per report covers every module mapped in the process
 * (dwfl_linux_proc_report reads /proc/self/maps; dlopen'ed libraries are
 * included). Each distinct pc is resolved once (uthash cache). Inline
 * frames come from the DWARF scopes at the pc: every DW_TAG_inlined_
 * subroutine contributes a frame whose line is the source line inside it,
 * and the next frame's line is that inline's DW_AT_call_line. Names come
 * from the ELF symbol table (mangled) or DW_AT_linkage_name, demangled with
 * libstdc++'s __cxa_demangle when the target loaded it (a C program has no
 * mangled names to demangle). Everything runs under the guard, so libdw's
 * own allocations go to the private allocator. */
#include "symbolize.h"

#include <dlfcn.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <dwarf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../intalloc.h"
#include "../modules.h"
#include "../real.h"
#include "../stack.h"
#include "debugfile.h"
#include "../sys.h"
#include "strpool.h"
#include <link.h>
#include <stddef.h>
#include "../uthash_alloc.h"
#include <uthash.h>

#define MAX_INLINE 8

struct cache_key {
	uintptr_t pc;
	uintptr_t unloaded;        /* seq of the unloaded module it is in, or 0 */
};

struct cache_entry {
	struct cache_key key;
	int n;
	int full;                  /* resolved with DWARF wherever it exists */
	lt_frame_t frames[MAX_INLINE];
	UT_hash_handle hh;
};

/* A CU's address range, for modules without .debug_aranges (clang). */
struct cu_range {
	Dwarf_Addr lo, hi;         /* DWARF addresses (before the module's bias) */
	Dwarf_Off cu;              /* offset of the CU's DIE */
};

struct mod_entry {
	Dwfl_Module *mod;
	int in_file;               /* DWARF inside the module's own file */
	int cus_read;              /* cus/ncus filled (on the first miss) */
	struct cu_range *cus;
	size_t ncus;
	UT_hash_handle hh;
};

/* A Dwfl of its own for each dlclose'd module (its addresses may now
 * belong to another module in the live session). */
struct unl_entry {
	uint32_t seq;
	Dwfl *dwfl;                /* NULL: file gone or replaced (build-id) */
	UT_hash_handle hh;
};

struct lt_sym {
	Dwfl *dwfl;
	struct cache_entry *cache;
	struct unl_entry *unl;
	struct mod_entry *mods;
	lt_strpool_t strings;      /* names and paths, for the session's life */
	unsigned long long generation;
};

/* One session serves every report while the set of loaded modules stays
 * the same: a server's periodic snapshots then symbolize only new pcs
 * (reading a large library's DWARF the first time costs ~0.3 s). */
static lt_sym_t *shared;

/* No standard debuginfo finder: elfutils 0.188's dwfl_standard_find_debuginfo
 * (and dwfl_build_id_find_elf) end in the debuginfod client, which loads
 * libcurl and OpenSSL inside the traced process at its exit (see
 * debugfile.c). dwfl_linux_proc_find_elf only opens the mapped file by its
 * path (or reads the vdso from memory): it never reaches debuginfod. */
static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = lt_debugfile_find,
};

static int generation_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs)
		*(unsigned long long *)data = info->dlpi_adds * 1000003ull + info->dlpi_subs;
	return 1;
}

static unsigned long long module_generation(void)
{
	unsigned long long g = 0;
	dl_iterate_phdr(generation_cb, &g);
	return g;
}

static void destroy(lt_sym_t *s);

lt_sym_t *lt_sym_open(void)
{
	unsigned long long gen = module_generation();
	if (shared && shared->generation == gen && gen)
		return shared;
	if (shared) {
		destroy(shared);
		shared = NULL;
	}
	lt_sym_t *s = lt_ia_alloc(sizeof *s);
	if (!s)
		return NULL;
	s->dwfl = dwfl_begin(&callbacks);
	if (s->dwfl) {
		dwfl_report_begin(s->dwfl);
		if (dwfl_linux_proc_report(s->dwfl, lt_sys_gettid()) != 0) {
			dwfl_end(s->dwfl);
			s->dwfl = NULL;
		} else {
			dwfl_report_end(s->dwfl, NULL, NULL);
		}
	}
	s->generation = gen;
	shared = s;
	return s;
}

void lt_sym_close(lt_sym_t *s)
{
	(void)s;     /* the session stays for the next report (see shared) */
}

static void destroy(lt_sym_t *s)
{
	struct mod_entry *m, *mt;
	HASH_ITER(hh, s->mods, m, mt) {
		HASH_DEL(s->mods, m);
		lt_ia_free(m->cus);
		lt_ia_free(m);
	}
	struct unl_entry *u, *ut;
	HASH_ITER(hh, s->unl, u, ut) {
		HASH_DEL(s->unl, u);
		if (u->dwfl)
			dwfl_end(u->dwfl);
		lt_ia_free(u);
	}
	struct cache_entry *e, *tmp;
	HASH_ITER(hh, s->cache, e, tmp) {
		HASH_DEL(s->cache, e);
		lt_ia_free(e);
	}
	if (s->dwfl)
		dwfl_end(s->dwfl);
	lt_strpool_reset(&s->strings);
	lt_ia_free(s);
}

/* "_IO_file_overflow@@GLIBC_2.2.5" -> "_IO_file_overflow": the version
 * belongs to the symbol table, not to the function's name */
static const char *strip_version(const char *name, char *buf, size_t cap)
{
	const char *at = name ? strchr(name, '@') : NULL;
	if (!at || (size_t)(at - name) >= cap)
		return name;
	memcpy(buf, name, (size_t)(at - name));
	buf[at - name] = 0;
	return buf;
}

typedef char *(*demangle_fn)(const char *, char *, size_t *, int *);

static const char *intern(const char *str)
{
	return lt_strpool_intern(&shared->strings, str);
}

const char *lt_sym_demangle(const char *name)
{
	static demangle_fn fn;
	static int looked;
	if (!name || name[0] != '_' || name[1] != 'Z')
		return intern(name);
	if (!looked) {
		fn = (demangle_fn)lt_real_lookup("__cxa_demangle", 0, NULL);
		looked = 1;
	}
	if (!fn)
		return intern(name);
	int status = -1;
	char *d = fn(name, NULL, NULL, &status);
	if (status != 0 || !d)
		return intern(name);
	const char *r = intern(d);
	lt_real_program_free(d);   /* made by malloc under the guard: private allocator */
	return r;
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *n = NULL;
	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr))
		n = dwarf_formstring(&attr);
	if (!n)
		n = dwarf_diename(die);
	if (!n && dwarf_attr_integrate(die, DW_AT_name, &attr))
		n = dwarf_formstring(&attr);
	return n;
}

static const char *call_file(Dwarf_Die *cudie, Dwarf_Die *inl, int *line)
{
	Dwarf_Attribute attr;
	Dwarf_Word fileidx = 0, l = 0;
	*line = 0;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &attr), &l) == 0)
		*line = (int)l;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &attr), &fileidx) != 0)
		return NULL;
	Dwarf_Files *files;
	size_t nfiles;
	if (dwarf_getsrcfiles(cudie, &files, &nfiles) != 0 || fileidx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, fileidx, NULL, NULL);
}

/* Relative source paths (as a build records them, "../src/x.c") are made
 * absolute with the compilation directory and "." / ".." folded, so a
 * report names a file a person or the HTML page can open. */
static const char *absolute(const char *file, const char *comp_dir, char *buf, size_t cap)
{
	if (!file || file[0] == '/' || !comp_dir || comp_dir[0] != '/')
		return file;
	char tmp[4096];
	int n = snprintf(tmp, sizeof tmp, "%s/%s", comp_dir, file);
	if (n < 0 || (size_t)n >= sizeof tmp || cap < 2)
		return file;
	/* fold components into buf */
	size_t len = 0;
	const char *p = tmp;
	while (*p) {
		while (*p == '/')
			p++;
		const char *e = strchr(p, '/');
		size_t cl = e ? (size_t)(e - p) : strlen(p);
		if (cl == 0)
			break;
		if (cl == 1 && p[0] == '.') {
			/* skip */
		} else if (cl == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 0 && buf[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
		} else {
			if (len + 1 + cl + 1 > cap)
				return file;
			buf[len++] = '/';
			memcpy(buf + len, p, cl);
			len += cl;
		}
		p += cl;
	}
	if (len == 0)
		buf[len++] = '/';
	buf[len] = 0;
	return buf;
}

static const char *comp_dir_of(Dwarf_Die *cudie)
{
	Dwarf_Attribute attr;
	return cudie ? dwarf_formstring(dwarf_attr(cudie, DW_AT_comp_dir, &attr)) : NULL;
}

/* Does the module carry its DWARF in its own file? Debian's libraries keep
 * it in separate, zlib-compressed files under /usr/lib/debug: reading libc's
 * costs ~0.3 s and ~25 MB in every process that reports, so those are read
 * only for the groups a person will look at (see lt_sym_lookup). */
static int dwarf_in_file(lt_sym_t *s, Dwfl_Module *mod)
{
	struct mod_entry *m;
	HASH_FIND_PTR(s->mods, &mod, m);
	if (m)
		return m->in_file;
	int in_file = 0;
	Dwarf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	size_t shstrndx;
	if (elf && elf_getshdrstrndx(elf, &shstrndx) == 0) {
		Elf_Scn *scn = NULL;
		while (!in_file && (scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;
			in_file = name && (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info")) &&
				  sh.sh_type != SHT_NOBITS;
		}
	}
	m = lt_ia_alloc(sizeof *m);
	if (m) {
		memset(m, 0, sizeof *m);
		m->mod = mod;
		m->in_file = in_file;
		HASH_ADD_PTR(s->mods, mod, m);
	}
	return in_file;
}

/* The CU containing a DWARF address, from the CUs' own DW_AT_ranges /
 * low_pc..high_pc. libdw 0.188 finds a CU (dwfl_module_addrdie,
 * dwfl_module_getsrc) only through .debug_aranges, which clang does not
 * emit (gcc does): every frame of a clang-built object then had a name but
 * no file:line. The ranges of every CU are read once per module, on the
 * first address aranges cannot place. */
static void read_cu_ranges(struct mod_entry *m, Dwarf *dw)
{
	size_t cap = 0;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t unit_type;
	m->cus_read = 1;
	while (dwarf_get_units(dw, cu, &cu, NULL, &unit_type, &cudie, NULL) == 0) {
		if (unit_type != DW_UT_compile && unit_type != DW_UT_partial &&
		    unit_type != DW_UT_skeleton)
			continue;
		Dwarf_Addr base, lo, hi;
		ptrdiff_t off = 0;
		while ((off = dwarf_ranges(&cudie, off, &base, &lo, &hi)) > 0) {
			if (hi <= lo)
				continue;
			if (m->ncus == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct cu_range *n = lt_ia_alloc(ncap * sizeof *n);
				if (!n)
					return;
				if (m->cus)
					memcpy(n, m->cus, m->ncus * sizeof *n);
				lt_ia_free(m->cus);
				m->cus = n;
				cap = ncap;
			}
			m->cus[m->ncus].lo = lo;
			m->cus[m->ncus].hi = hi;
			m->cus[m->ncus].cu = dwarf_dieoffset(&cudie);
			m->ncus++;
		}
	}
}

static Dwarf_Die *cu_by_ranges(lt_sym_t *s, Dwfl_Module *mod, Dwarf_Addr addr,
			       Dwarf_Die *out, Dwarf_Addr *bias)
{
	struct mod_entry *m;
	dwarf_in_file(s, mod);             /* makes the entry */
	HASH_FIND_PTR(s->mods, &mod, m);
	Dwarf *dw = dwfl_module_getdwarf(mod, bias);
	if (!m || !dw)
		return NULL;
	if (!m->cus_read)
		read_cu_ranges(m, dw);
	Dwarf_Addr a = addr - *bias;
	for (size_t i = 0; i < m->ncus; i++)
		if (a >= m->cus[i].lo && a < m->cus[i].hi)
			return dwarf_offdie(dw, m->cus[i].cu, out);
	return NULL;
}

/* glibc names many functions by an internal alias in its symbol table
 * ("__strdup", "__getdelim") and exports the public name for the same code:
 * report the name people call ("strdup", "getdelim") when the public one
 * resolves to the very same address. */
static const char *public_alias(const char *name, uintptr_t start, char *buf, size_t cap)
{
	if (!name || name[0] != '_' || name[1] != '_' || !name[2] || name[2] == '_')
		return name;
	const char *cand = name + 2;
	size_t n = strcspn(cand, "@");
	if (n + 1 > cap)
		return name;
	memcpy(buf, cand, n);
	buf[n] = 0;
	void *addr = lt_real_lookup(buf, 0, NULL);
	return addr && (uintptr_t)addr == start ? buf : name;
}

/* The C runtime's frames at the bottom of every stack: their names say all
 * there is to say, and reading libc's separate debug file for them alone
 * would cost every leaking process ~0.3 s. */
static int runtime_frame(const char *sym)
{
	static const char *const names[] = {
		"__libc_start_call_main", "__libc_start_main", "__libc_start_main@@GLIBC_2.34",
		"__libc_start_main@GLIBC_2.2.5", "_start", "start_thread", "clone", "clone3",
		"__clone", "__clone3", "__clone_internal",
	};
	if (!sym)
		return 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(sym, names[i]))
			return 1;
	return 0;
}

static int resolve(lt_sym_t *s, Dwfl *dwfl, uintptr_t pc, lt_frame_t *out, int full)
{
	uintptr_t look = pc - 1;         /* a return address: the call is before it */
	out[0].addr = pc;
	out[0].function = out[0].file = out[0].module = NULL;
	out[0].line = 0;
	out[0].inlined = 0;
	if (!dwfl)
		return 1;
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, look);
	if (!mod)
		return 1;
	const char *modname = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	out[0].module = intern(modname);

	GElf_Off sym_off = 0;
	GElf_Sym elf_sym;
	const char *sym = dwfl_module_addrinfo(mod, look, &sym_off, &elf_sym, NULL, NULL, NULL);
	char public_name[256];
	sym = public_alias(sym, (uintptr_t)(look - sym_off), public_name, sizeof public_name);
	int line = 0;
	const char *file = NULL;
	int use_dwarf = (full && !runtime_frame(sym)) || dwarf_in_file(s, mod);
	Dwfl_Line *dl = use_dwarf ? dwfl_module_getsrc(mod, look) : NULL;
	if (dl)
		file = dwfl_lineinfo(dl, NULL, &line, NULL, NULL, NULL);

	/* inline expansion */
	Dwarf_Addr bias = 0;
	Dwarf_Die *cudie = use_dwarf ? dwfl_module_addrdie(mod, look, &bias) : NULL;
	Dwarf_Die cu_buf;
	if (use_dwarf && !cudie) {
		/* no .debug_aranges entry (clang): find the CU by its ranges,
		 * and the line in that CU's line table */
		cudie = cu_by_ranges(s, mod, look, &cu_buf, &bias);
		Dwarf_Line *l = cudie && !dl ? dwarf_getsrc_die(cudie, look - bias) : NULL;
		if (l) {
			file = dwarf_linesrc(l, NULL, NULL);
			dwarf_lineno(l, &line);
		}
	}
	Dwarf_Die *scopes = NULL;
	int nscopes = cudie ? dwarf_getscopes(cudie, look - bias, &scopes) : 0;
	const char *cdir = comp_dir_of(cudie);
	char pathbuf[4096];
	int n = 0;
	const char *cur_file = file;
	int cur_line = line;
	for (int i = 0; i < nscopes && n < MAX_INLINE - 1; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_inlined_subroutine) {
			out[n].addr = pc;
			out[n].function = lt_sym_demangle(die_name(&scopes[i]));
			out[n].file = intern(absolute(cur_file, cdir, pathbuf, sizeof pathbuf));
			out[n].line = cur_line;
			out[n].module = out[0].module;
			out[n].inlined = 1;
			n++;
			cur_file = call_file(cudie, &scopes[i], &cur_line);
		} else if (tag == DW_TAG_subprogram) {
			break;
		}
	}
	out[n].addr = pc;
	char plain[512];
	out[n].function = lt_sym_demangle(strip_version(sym, plain, sizeof plain));
	if (!out[n].function && nscopes > 0) {
		for (int i = 0; i < nscopes; i++)
			if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram) {
				out[n].function = lt_sym_demangle(die_name(&scopes[i]));
				break;
			}
	}
	out[n].file = intern(absolute(cur_file, cdir, pathbuf, sizeof pathbuf));
	out[n].line = cur_line;
	out[n].module = out[0].module;
	out[n].inlined = 0;
	lt_real_program_free(scopes);
	return n + 1;
}

/* The session for a dlclose'd module: its file reported at the bias it had,
 * accepted only when the file still carries the build-id it had then. */
static Dwfl *unloaded_dwfl(lt_sym_t *s, const lt_unloaded_t *u)
{
	struct unl_entry *e;
	HASH_FIND(hh, s->unl, &u->seq, sizeof u->seq, e);
	if (e)
		return e->dwfl;
	e = lt_ia_alloc(sizeof *e);
	if (!e)
		return NULL;
	e->seq = u->seq;
	e->dwfl = dwfl_begin(&callbacks);
	if (e->dwfl) {
		dwfl_report_begin(e->dwfl);
		Dwfl_Module *mod = dwfl_report_elf(e->dwfl, u->path, u->path, -1, u->bias, false);
		dwfl_report_end(e->dwfl, NULL, NULL);
		const unsigned char *id = NULL;
		GElf_Addr vaddr;
		int idlen = mod ? dwfl_module_build_id(mod, &id, &vaddr) : -1;
		int same = mod && (u->build_id_len == 0 ? idlen <= 0 :
				   idlen == (int)u->build_id_len && !memcmp(id, u->build_id, u->build_id_len));
		if (!same) {
			dwfl_end(e->dwfl);
			e->dwfl = NULL;
		}
	}
	HASH_ADD(hh, s->unl, seq, sizeof e->seq, e);
	return e->dwfl;
}

static int resolve_in(lt_sym_t *s, const lt_unloaded_t *u, uintptr_t pc, lt_frame_t *out, int full)
{
	if (!u)
		return resolve(s, s->dwfl, pc, out, full);
	Dwfl *dwfl = unloaded_dwfl(s, u);
	int n = resolve(s, dwfl, pc, out, full);
	if (!out[0].module)
		out[0].module = intern(u->path);   /* file gone: the path at least */
	return n;
}

int lt_sym_lookup_at(lt_sym_t *s, uintptr_t pc, uint32_t stack_id, lt_frame_t *out, int max,
		     int full)
{
	/* a frame in a library that has been dlclose'd since */
	const lt_unloaded_t *u = lt_modules_unloaded_at(pc - 1, stack_id);
	if (u && !stack_id && s->dwfl && dwfl_addrmodule(s->dwfl, pc - 1))
		u = NULL;      /* no capture time to tell: the mapped module wins */
	struct cache_key key = { pc, u ? u->seq : 0 };
	struct cache_entry *e;
	HASH_FIND(hh, s->cache, &key, sizeof key, e);
	if (e && full && !e->full) {
		/* resolved before from symbols only: now the DWARF is wanted */
		e->n = resolve_in(s, u, pc, e->frames, 1);
		e->full = 1;
	}
	if (!e) {
		e = lt_ia_alloc(sizeof *e);
		if (!e) {
			lt_frame_t tmp[MAX_INLINE];
			int n = resolve_in(s, u, pc, tmp, full);
			if (n > max)
				n = max;
			memcpy(out, tmp, (size_t)n * sizeof *out);
			return n;
		}
		e->key = key;
		e->n = resolve_in(s, u, pc, e->frames, full);
		e->full = full;
		HASH_ADD(hh, s->cache, key, sizeof e->key, e);
	}
	int n = e->n < max ? e->n : max;
	memcpy(out, e->frames, (size_t)n * sizeof *out);
	return n;
}

int lt_sym_lookup(lt_sym_t *s, uintptr_t pc, lt_frame_t *out, int max, int full)
{
	return lt_sym_lookup_at(s, pc, 0, out, max, full);
}

int lt_sym_stack(lt_sym_t *s, const struct lt_stack *st, lt_frame_t *out, int max, int full)
{
	int n = 0;
	for (uint32_t k = 0; k < st->depth && n < max; k++) {
		if (lt_stack_is_shim_pc(st->pc[k]))
			continue;
		n += lt_sym_lookup_at(s, st->pc[k], st->id, out + n, max - n, full);
	}
	return n;
}
