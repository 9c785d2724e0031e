/* Stack capture and the depot: equal stacks share an id, different ones do
 * not, ids map back to their frames, and the depot survives growth and
 * concurrent interning. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>

#include "stack.h"

static void init(void)
{
	static int done;
	if (!done) {
		lt_stack_init(16);
		/* lt_core is linked into this test: its range is the test's own */
		lt_stack_clear_trim();
	}
	done = 1;
}

TestSuite(stack, .init = init);

Test(stack, intern_dedups)
{
	uintptr_t a[] = { 0x1000, 0x2000, 0x3000 };
	uintptr_t b[] = { 0x1000, 0x2000, 0x3001 };
	uint32_t ia = lt_stack_intern(a, 3);
	uint32_t ib = lt_stack_intern(b, 3);
	cr_assert_neq(ia, 0);
	cr_assert_neq(ia, ib);
	cr_assert_eq(lt_stack_intern(a, 3), ia);
	cr_assert_neq(lt_stack_intern(a, 2), ia, "a prefix is a different stack");
	const lt_stack_t *s = lt_stack_get(ia);
	cr_assert_eq(s->depth, 3);
	cr_assert_eq(s->pc[2], 0x3000);
	cr_assert_eq(lt_stack_intern(a, 0), 0);
	cr_assert_null(lt_stack_get(0));
}

Test(stack, depot_grows)
{
	uint32_t first = 0;
	for (uintptr_t i = 0; i < 50000; i++) {
		uintptr_t f[2] = { 0x77000000 + i, 0x1234 };
		uint32_t id = lt_stack_intern(f, 2);
		if (!i)
			first = id;
		cr_assert_neq(id, 0);
	}
	uintptr_t f0[2] = { 0x77000000, 0x1234 };
	cr_assert_eq(lt_stack_intern(f0, 2), first);
	for (uintptr_t i = 0; i < 50000; i += 997) {
		uintptr_t f[2] = { 0x77000000 + i, 0x1234 };
		const lt_stack_t *s = lt_stack_get(lt_stack_intern(f, 2));
		cr_assert_eq(s->pc[0], 0x77000000 + i);
	}
}

__attribute__((noinline)) static uint32_t capture_here(void)
{
	return lt_stack_capture();
}

__attribute__((noinline)) static uint32_t capture_there(void)
{
	uint32_t id = lt_stack_capture();
	__asm__ volatile("" ::: "memory");
	return id;
}

Test(stack, capture_distinguishes_call_sites)
{
	uint32_t a1 = capture_here(), a2 = capture_here();
	uint32_t b = capture_there();
	cr_assert_neq(a1, 0);
	cr_assert_neq(a1, a2, "different return addresses in the caller");
	cr_assert_neq(a1, b);
	uint32_t same[2];
	/* volatile: an unrolled loop would be two call sites */
	for (volatile int i = 0; i < 2; i++)
		same[i] = capture_here();
	cr_assert_eq(same[0], same[1], "the same call site interns to one id");
}

static void *intern_many(void *arg)
{
	uintptr_t base = (uintptr_t)arg;
	for (uintptr_t i = 0; i < 20000; i++) {
		uintptr_t f[3] = { base + (i % 3000), 0x42, 0x43 };
		if (!lt_stack_intern(f, 3))
			return (void *)1;
	}
	return NULL;
}

Test(stack, concurrent_interning_agrees)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, intern_many, (void *)(uintptr_t)0x90000000);
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		cr_assert_null(r);
	}
	/* every one of the 3000 stacks has exactly one id */
	for (uintptr_t i = 0; i < 3000; i++) {
		uintptr_t f[3] = { 0x90000000 + i, 0x42, 0x43 };
		uint32_t id = lt_stack_intern(f, 3);
		cr_assert_eq(lt_stack_get(id)->pc[0], 0x90000000 + i);
	}
}
