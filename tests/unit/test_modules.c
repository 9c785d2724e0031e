/* Unloaded modules (modules.c): a dlclose is recorded with path, text span
 * and build-id, and a frame is matched to the library that was mapped when
 * its stack was first captured, also when the same addresses are mapped
 * again later. Uses the e2e programs' libunloaded.so. */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules.h"
#include "stack.h"

static void *load(const char *path, uintptr_t *fn)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	cr_assert_not_null(h, "dlopen: %s", dlerror());
	*fn = (uintptr_t)dlsym(h, "unloaded_alloc");
	cr_assert_neq(*fn, 0);
	return h;
}

static void unload(void *h)
{
	void *note = lt_modules_before_dlclose();
	cr_assert_not_null(note);
	cr_assert_eq(dlclose(h), 0);
	lt_modules_after_dlclose(note, 1);
}

Test(modules, unloaded_library_matched_by_capture_time)
{
	lt_stack_init(16);
	lt_stack_clear_trim();
	const char *programs = getenv("LT_PROGRAMS");
	cr_assert_not_null(programs);
	char path[4096];
	snprintf(path, sizeof path, "%s/sym/libunloaded.so", programs);

	uintptr_t f1;
	void *h = load(path, &f1);
	uintptr_t s1[] = { f1 + 4, 0x1111 };
	uint32_t first = lt_stack_intern(s1, 2);        /* captured while loaded */
	cr_assert_null(lt_modules_unloaded_at(f1, first), "still mapped: not unloaded");
	unload(h);

	const lt_unloaded_t *u1 = lt_modules_unloaded_at(f1, first);
	cr_assert_not_null(u1, "the unloaded library is not recorded");
	size_t len = strlen(u1->path);
	const char *suffix = "/sym/libunloaded.so";
	cr_assert(len > strlen(suffix) && !strcmp(u1->path + len - strlen(suffix), suffix), "path %s", u1->path);
	cr_assert(u1->lo <= f1 && f1 < u1->hi);
	cr_assert_eq(u1->build_id_len, 20, "GNU build-id (sha1) expected");
	cr_assert_eq(lt_modules_unloaded_at(f1, 0), u1, "no capture time: the latest");

	uintptr_t other[] = { 0x2222 };
	uint32_t later = lt_stack_intern(other, 1);     /* first seen after the unload */
	cr_assert_null(lt_modules_unloaded_at(f1, later));

	/* mapped again (the loader usually reuses the same addresses) */
	uintptr_t f2;
	h = load(path, &f2);
	uintptr_t s2[] = { f2 + 4, 0x3333 };
	uint32_t second = lt_stack_intern(s2, 2);
	unload(h);
	const lt_unloaded_t *u2 = lt_modules_unloaded_at(f2, second);
	cr_assert_not_null(u2);
	cr_assert_neq(u2, u1, "the second load is a record of its own");
	cr_assert_gt(u2->seq, u1->seq);
	if (f2 == f1) {
		/* same addresses: each stack keeps the library of its time */
		cr_assert_eq(lt_modules_unloaded_at(f1, first), u1);
		cr_assert_eq(lt_modules_unloaded_at(f1, second), u2);
		cr_assert_eq(lt_modules_unloaded_at(f1, 0), u2);
	}
}
