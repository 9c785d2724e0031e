/* Which register the CFA is computed from at a code address, read from the
 * loaded image's .eh_frame (see cfa.h).
 *
 * The stack cache (stack.c) must know, for each frame of a walk, whether
 * the step out of it uses the frame-pointer register: only then is the
 * word rbp was restored from part of what the walk depends on. libunwind
 * keeps its parsed rules to itself, and libdw reads CFI only through an
 * Elf handle, which means opening the object's file from inside malloc;
 * this reads the CFI the loader already mapped. It interprets only what
 * decides the CFA's register (the CIE's initial instructions and the FDE's
 * up to the address, remember/restore included) and answers
 * LT_CFA_UNKNOWN for anything it does not recognise: an unknown answer only
 * costs the cache a hit, never a wrong stack.
 *
 * Lookup: the module's PT_GNU_EH_FRAME (.eh_frame_hdr) and its sorted
 * table of (initial location, FDE) pairs, datarel sdata4 as every GNU and
 * LLVM linker writes it; answers are kept in a small lock-free table by
 * address. */
#include "cfa.h"

#include <link.h>
#include <stdint.h>
#include <string.h>

#define DW_EH_PE_omit 0xff
#define DW_EH_PE_absptr 0x00
#define DW_EH_PE_uleb128 0x01
#define DW_EH_PE_udata2 0x02
#define DW_EH_PE_udata4 0x03
#define DW_EH_PE_udata8 0x04
#define DW_EH_PE_sleb128 0x09
#define DW_EH_PE_sdata2 0x0a
#define DW_EH_PE_sdata4 0x0b
#define DW_EH_PE_sdata8 0x0c
#define DW_EH_PE_pcrel 0x10
#define DW_EH_PE_datarel 0x30
#define DW_EH_PE_indirect 0x80

#define REG_RBP 6
#define REG_RSP 7
#define REMEMBER_MAX 8

struct reader {
	const uint8_t *p, *end;
	int bad;
};

static uint64_t uleb(struct reader *r)
{
	uint64_t v = 0;
	unsigned shift = 0;
	for (;;) {
		if (r->p >= r->end || shift > 63) {
			r->bad = 1;
			return 0;
		}
		uint8_t b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
}

static int64_t sleb(struct reader *r)
{
	int64_t v = 0;
	unsigned shift = 0;
	uint8_t b;
	do {
		if (r->p >= r->end || shift > 63) {
			r->bad = 1;
			return 0;
		}
		b = *r->p++;
		v |= (int64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= -((int64_t)1 << shift);
	return v;
}

static uint64_t fixed(struct reader *r, unsigned n)
{
	if ((size_t)(r->end - r->p) < n) {
		r->bad = 1;
		return 0;
	}
	uint64_t v = 0;
	memcpy(&v, r->p, n);    /* little-endian, the only x86-64 order */
	r->p += n;
	return v;
}

/* An encoded pointer (no indirect: only personality routines use it, and
 * this never needs their value). */
static uintptr_t encoded(struct reader *r, uint8_t enc)
{
	if (enc == DW_EH_PE_omit)
		return 0;
	uintptr_t here = (uintptr_t)r->p;
	uint64_t v;
	switch (enc & 0x0f) {
	case DW_EH_PE_absptr: v = fixed(r, 8); break;
	case DW_EH_PE_uleb128: v = uleb(r); break;
	case DW_EH_PE_udata2: v = fixed(r, 2); break;
	case DW_EH_PE_udata4: v = fixed(r, 4); break;
	case DW_EH_PE_udata8: v = fixed(r, 8); break;
	case DW_EH_PE_sleb128: v = (uint64_t)sleb(r); break;
	case DW_EH_PE_sdata2: v = (uint64_t)(int64_t)(int16_t)fixed(r, 2); break;
	case DW_EH_PE_sdata4: v = (uint64_t)(int64_t)(int32_t)fixed(r, 4); break;
	case DW_EH_PE_sdata8: v = fixed(r, 8); break;
	default: r->bad = 1; return 0;
	}
	switch (enc & 0x70) {
	case 0: break;
	case DW_EH_PE_pcrel: v += here; break;
	default: r->bad = 1; return 0;   /* textrel, datarel, funcrel: not in .eh_frame FDEs */
	}
	return (uintptr_t)v;
}

struct cie {
	uint64_t code_align;
	uint8_t fde_enc;
	int has_z;
	struct reader insns;
};

static int parse_cie(const uint8_t *at, const uint8_t *limit, struct cie *c)
{
	struct reader r = { at, limit, 0 };
	uint64_t len = fixed(&r, 4);
	if (len == 0xffffffffu)
		len = fixed(&r, 8);
	if (r.bad || len > (uint64_t)(limit - r.p))
		return -1;
	const uint8_t *end = r.p + len;
	r.end = end;
	if (fixed(&r, 4) != 0)        /* CIE id in .eh_frame */
		return -1;
	uint8_t version = (uint8_t)fixed(&r, 1);
	if (version != 1 && version != 3)
		return -1;
	const char *aug = (const char *)r.p;
	size_t alen = strnlen(aug, (size_t)(end - r.p));
	if (alen == (size_t)(end - r.p))
		return -1;
	r.p += alen + 1;
	if (strstr(aug, "eh"))
		return -1;
	c->code_align = uleb(&r);
	(void)sleb(&r);                  /* data alignment: offsets are not needed */
	if (version == 1)
		(void)fixed(&r, 1);
	else
		(void)uleb(&r);
	c->fde_enc = DW_EH_PE_absptr;
	c->has_z = aug[0] == 'z';
	if (c->has_z) {
		uint64_t zlen = uleb(&r);
		if (r.bad || zlen > (uint64_t)(end - r.p))
			return -1;
		const uint8_t *zend = r.p + zlen;
		for (const char *a = aug + 1; *a; a++) {
			switch (*a) {
			case 'R': c->fde_enc = (uint8_t)fixed(&r, 1); break;
			case 'L': (void)fixed(&r, 1); break;
			case 'P': {
				uint8_t penc = (uint8_t)fixed(&r, 1);
				(void)encoded(&r, penc & (uint8_t)~DW_EH_PE_indirect);
				break;
			}
			case 'S': return -1;          /* a signal frame */
			case 'B': break;
			default: return -1;
			}
		}
		r.p = zend;
	} else if (aug[0]) {
		return -1;
	}
	if (r.bad)
		return -1;
	c->insns = (struct reader){ r.p, end, 0 };
	return 0;
}

struct cfa_state {
	int reg;        /* -1: an expression */
};

/* Run instructions until loc passes target; 1 when target was passed. */
static int run(struct reader *r, const struct cie *c, uint8_t enc, uintptr_t *loc,
	       uintptr_t target, struct cfa_state *st, struct cfa_state *saved, int *nsaved)
{
	while (r->p < r->end && !r->bad) {
		uint8_t op = *r->p++;
		uint8_t hi = op & 0xc0, low = op & 0x3f;
		uint64_t adv = 0;
		if (hi == 0x40) {
			adv = low * c->code_align;
		} else if (hi == 0x80) {
			(void)uleb(r);
			continue;
		} else if (hi == 0xc0) {
			continue;
		} else {
			switch (op) {
			case 0x00: continue;                                  /* nop */
			case 0x01: {                                          /* set_loc */
				uintptr_t to = encoded(r, enc);
				if (to > target)
					return 1;
				*loc = to;
				continue;
			}
			case 0x02: adv = fixed(r, 1) * c->code_align; break;
			case 0x03: adv = fixed(r, 2) * c->code_align; break;
			case 0x04: adv = fixed(r, 4) * c->code_align; break;
			case 0x05: (void)uleb(r); (void)uleb(r); continue;   /* offset_extended */
			case 0x06: case 0x07: case 0x08: (void)uleb(r); continue;
			case 0x09: (void)uleb(r); (void)uleb(r); continue;   /* register */
			case 0x0a:                                            /* remember_state */
				if (*nsaved >= REMEMBER_MAX)
					return -1;
				saved[(*nsaved)++] = *st;
				continue;
			case 0x0b:                                            /* restore_state */
				if (*nsaved <= 0)
					return -1;
				*st = saved[--(*nsaved)];
				continue;
			case 0x0c: st->reg = (int)uleb(r); (void)uleb(r); continue;   /* def_cfa */
			case 0x0d: st->reg = (int)uleb(r); continue;                  /* def_cfa_register */
			case 0x0e: (void)uleb(r); continue;                           /* def_cfa_offset */
			case 0x0f: {                                                  /* def_cfa_expression */
				uint64_t n = uleb(r);
				if (r->bad || n > (uint64_t)(r->end - r->p))
					return -1;
				r->p += n;
				st->reg = -1;
				continue;
			}
			case 0x10: case 0x16: {                           /* expression, val_expression */
				(void)uleb(r);
				uint64_t n = uleb(r);
				if (r->bad || n > (uint64_t)(r->end - r->p))
					return -1;
				r->p += n;
				continue;
			}
			case 0x11: (void)uleb(r); (void)sleb(r); continue;   /* offset_extended_sf */
			case 0x12: st->reg = (int)uleb(r); (void)sleb(r); continue;   /* def_cfa_sf */
			case 0x13: (void)sleb(r); continue;                  /* def_cfa_offset_sf */
			case 0x14: (void)uleb(r); (void)uleb(r); continue;   /* val_offset */
			case 0x15: (void)uleb(r); (void)sleb(r); continue;   /* val_offset_sf */
			case 0x2e: (void)uleb(r); continue;                  /* GNU_args_size */
			case 0x2f: (void)uleb(r); (void)uleb(r); continue;   /* GNU_negative_offset_extended */
			default: return -1;
			}
		}
		if (*loc + adv > target)
			return 1;
		*loc += adv;
	}
	return r->bad ? -1 : 0;
}

static int classify_fde(const uint8_t *fde, const uint8_t *seg, const uint8_t *limit,
			uintptr_t target)
{
	struct reader r = { fde, limit, 0 };
	uint64_t len = fixed(&r, 4);
	if (len == 0xffffffffu)
		len = fixed(&r, 8);
	if (r.bad || len == 0 || len > (uint64_t)(limit - r.p))
		return LT_CFA_UNKNOWN;
	const uint8_t *end = r.p + len;
	r.end = end;
	const uint8_t *id_at = r.p;
	uint32_t cie_off = (uint32_t)fixed(&r, 4);
	if (r.bad || cie_off == 0 || cie_off > (uintptr_t)(id_at - seg))
		return LT_CFA_UNKNOWN;
	struct cie c;
	if (parse_cie(id_at - cie_off, limit, &c) != 0)
		return LT_CFA_UNKNOWN;
	uintptr_t start = encoded(&r, c.fde_enc);
	uintptr_t range = encoded(&r, c.fde_enc & 0x0f);
	if (r.bad || target < start || target - start >= range)
		return LT_CFA_UNKNOWN;
	if (c.has_z) {
		uint64_t zlen = uleb(&r);
		if (r.bad || zlen > (uint64_t)(end - r.p))
			return LT_CFA_UNKNOWN;
		r.p += zlen;
	}
	struct cfa_state st = { -1 }, saved[REMEMBER_MAX];
	int nsaved = 0;
	uintptr_t loc = start;
	struct reader ci = c.insns;
	if (run(&ci, &c, c.fde_enc, &loc, target, &st, saved, &nsaved) != 0)
		return LT_CFA_UNKNOWN;    /* initial instructions never advance */
	nsaved = 0;
	if (run(&r, &c, c.fde_enc, &loc, target, &st, saved, &nsaved) < 0)
		return LT_CFA_UNKNOWN;
	return st.reg == REG_RSP ? LT_CFA_RSP : st.reg == REG_RBP ? LT_CFA_RBP : LT_CFA_UNKNOWN;
}

struct find {
	uintptr_t pc;
	const uint8_t *hdr;
	const uint8_t *seg;       /* the loaded segment holding .eh_frame_hdr and .eh_frame */
	const uint8_t *limit;
};

static int find_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct find *f = data;
	const ElfW(Phdr) *eh = NULL;
	int inside = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && f->pc >= lo && f->pc - lo < ph->p_memsz)
			inside = 1;
		else if (ph->p_type == PT_GNU_EH_FRAME)
			eh = ph;
	}
	if (!inside)
		return 0;
	if (eh) {
		uintptr_t at = info->dlpi_addr + eh->p_vaddr;
		f->hdr = (const uint8_t *)at;
		/* .eh_frame follows in the same read-only segment */
		for (int i = 0; i < info->dlpi_phnum; i++) {
			const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
			uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
			if (ph->p_type == PT_LOAD && at >= lo && at - lo < ph->p_memsz) {
				f->seg = (const uint8_t *)lo;
				f->limit = (const uint8_t *)(lo + ph->p_filesz);
			}
		}
	}
	return 1;
}

static int classify(uintptr_t pc)
{
	struct find f = { pc, NULL, NULL, NULL };
	if (!dl_iterate_phdr(find_cb, &f) || !f.hdr || !f.limit || f.limit <= f.hdr)
		return LT_CFA_UNKNOWN;
	struct reader r = { f.hdr, f.limit, 0 };
	if (fixed(&r, 1) != 1)
		return LT_CFA_UNKNOWN;
	uint8_t ptr_enc = (uint8_t)fixed(&r, 1);
	uint8_t count_enc = (uint8_t)fixed(&r, 1);
	uint8_t table_enc = (uint8_t)fixed(&r, 1);
	(void)encoded(&r, ptr_enc);
	if (count_enc != DW_EH_PE_udata4 || table_enc != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
		return LT_CFA_UNKNOWN;
	uint64_t n = fixed(&r, 4);
	if (r.bad || n == 0 || n > (uint64_t)(f.limit - r.p) / 8)
		return LT_CFA_UNKNOWN;
	const int32_t *table = (const int32_t *)(const void *)r.p;
	uintptr_t base = (uintptr_t)f.hdr;
	/* the last entry whose initial location is <= pc */
	uint64_t lo = 0, hi = n;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (base + (intptr_t)table[2 * mid] <= pc)
			lo = mid;
		else
			hi = mid;
	}
	if (base + (intptr_t)table[2 * lo] > pc)
		return LT_CFA_UNKNOWN;
	const uint8_t *fde = (const uint8_t *)(base + (intptr_t)table[2 * lo + 1]);
	if (fde < f.seg || fde >= f.limit)
		return LT_CFA_UNKNOWN;
	return classify_fde(fde, f.seg, f.limit, pc);
}

/* pc -> class, lock-free: each slot is one word, pc << 2 | class. */
#define MEMO_BITS 13
static _Atomic uint64_t memo[1u << MEMO_BITS];

int lt_cfa_class(uintptr_t pc)
{
	uint64_t h = (uint64_t)pc * 0x9E3779B97F4A7C15ull;
	_Atomic uint64_t *slot = &memo[h >> (64 - MEMO_BITS)];
	uint64_t v = __atomic_load_n(slot, __ATOMIC_RELAXED);
	if (v && (v >> 2) == (uint64_t)pc)
		return (int)(v & 3);
	int c = classify(pc);
	__atomic_store_n(slot, ((uint64_t)pc << 2) | (uint64_t)c, __ATOMIC_RELAXED);
	return c;
}
