/* cfa.c's reading of .eh_frame, checked against elfutils' libdw on the
 * libraries this process has loaded: at every sampled code address, a
 * frame-pointer or stack-pointer answer must be libdw's CFA register, and
 * "unknown" must stay rare (it only costs the stack cache a hit). */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfa.h"

struct module {
	const char *want;
	char path[512];
	uintptr_t bias, lo, hi;      /* the executable segment */
};

static int find_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct module *m = data;
	if (!info->dlpi_name || !strstr(info->dlpi_name, m->want))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			snprintf(m->path, sizeof m->path, "%s", info->dlpi_name);
			m->bias = info->dlpi_addr;
			m->lo = info->dlpi_addr + ph->p_vaddr;
			m->hi = m->lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

/* libdw's CFA register at pc (module-relative), or -1: none, or an
 * expression. */
static int libdw_cfa_reg(Dwarf_CFI *cfi, Dwarf_Addr pc)
{
	Dwarf_Frame *frame;
	if (dwarf_cfi_addrframe(cfi, pc, &frame) != 0)
		return -2;
	Dwarf_Op *ops;
	size_t nops;
	int reg = -1;
	if (dwarf_frame_cfa(frame, &ops, &nops) == 0 && nops == 1) {
		if (ops[0].atom == DW_OP_bregx)
			reg = (int)ops[0].number;
		else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31)
			reg = ops[0].atom - DW_OP_breg0;
	}
	free(frame);
	return reg;
}

static void compare_module(const char *name, const char *symbol)
{
	if (symbol)
		cr_assert_not_null(dlsym(RTLD_DEFAULT, symbol), "%s is loaded", name);
	struct module m = { .want = name };
	cr_assert(dl_iterate_phdr(find_cb, &m), "%s is loaded", name);
	int fd = open(m.path, O_RDONLY);
	cr_assert_geq(fd, 0, "%s", m.path);
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	cr_assert_not_null(elf);
	Dwarf_CFI *cfi = dwarf_getcfi_elf(elf);
	cr_assert_not_null(cfi, "%s has .eh_frame", m.path);

	long agree = 0, unknown = 0, sampled = 0;
	for (uintptr_t pc = m.lo; pc < m.hi; pc += 7) {
		int dw = libdw_cfa_reg(cfi, pc - m.bias);
		int ours = lt_cfa_class(pc);
		sampled++;
		if (ours == LT_CFA_UNKNOWN) {
			unknown += dw == 6 || dw == 7;
			continue;
		}
		int reg = ours == LT_CFA_RSP ? 7 : 6;
		cr_assert_eq(reg, dw, "%s+%#lx: cfa.c says register %d, libdw %d", m.path,
			     (unsigned long)(pc - m.bias), reg, dw);
		agree++;
	}
	cr_log_info("%s: %ld sampled, %ld agree, %ld unknown where libdw knows", m.path, sampled,
		    agree, unknown);
	cr_assert_gt(agree, sampled / 2, "%s: most addresses have a register rule", m.path);
	cr_assert_eq(unknown, 0, "%s: %ld addresses unknown to cfa.c but known to libdw", m.path,
		     unknown);
	elf_end(elf);
	close(fd);
}

Test(cfa, agrees_with_libdw_on_libc)
{
	compare_module("libc.so", "malloc");
}

Test(cfa, agrees_with_libdw_on_libcriterion)
{
	compare_module("libcriterion.so", NULL);
}

Test(cfa, agrees_with_libdw_on_libdw)
{
	compare_module("libdw.so", NULL);
}

/* A function that keeps a frame pointer computes its CFA from rbp at its
 * call sites; one that does not, from rsp. */
__attribute__((noinline, optimize("no-omit-frame-pointer"))) static uintptr_t with_fp(void)
{
	uintptr_t ra = (uintptr_t)__builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
	return ra;
}

__attribute__((noinline, optimize("omit-frame-pointer"))) static uintptr_t call_with_fp(void)
{
	uintptr_t ra = with_fp();
	__asm__ volatile("" ::: "memory");
	return ra;
}

__attribute__((noinline, optimize("no-omit-frame-pointer"))) static uintptr_t call_from_fp(void)
{
	uintptr_t ra = with_fp();
	__asm__ volatile("" ::: "memory");
	return ra;
}

Test(cfa, frame_pointer_and_stack_pointer_frames)
{
	uintptr_t in_nofp = call_with_fp();   /* return address inside call_with_fp */
	uintptr_t in_fp = call_from_fp();     /* inside call_from_fp */
	cr_assert_eq(lt_cfa_class(in_nofp - 1), LT_CFA_RSP);
	cr_assert_eq(lt_cfa_class(in_fp - 1), LT_CFA_RBP);
	/* no module: unknown */
	cr_assert_eq(lt_cfa_class(16), LT_CFA_UNKNOWN);
	/* asked twice: the remembered answer */
	cr_assert_eq(lt_cfa_class(in_fp - 1), LT_CFA_RBP);
}
