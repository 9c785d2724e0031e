/* The only pointer to a block is in a register (r12) of a thread spinning
 * when the process exits: still reachable, found in the registers saved
 * when the thread was stopped. x86-64 only (elsewhere it degrades to the
 * stack test).
 * memcheck: definitely 0, indirectly 0, possibly 0; the 48-byte block
 * still reachable. */
#include <stdint.h>
#include <stdlib.h>

#include "common.h"

void *volatile slot;

static void *worker(void *arg)
{
	(void)arg;
	slot = calloc(1, 48);
	scrub();
#if defined(__x86_64__)
	__asm__ volatile(
		"mov slot(%%rip), %%r12\n\t"
		"movq $0, slot(%%rip)\n\t"
		"xor %%eax, %%eax\n\t"
		"movl $1, ready(%%rip)\n\t"
		"1: pause\n\t"
		"jmp 1b\n\t"
		::: "r12", "rax", "memory");
#endif
	announce_and_wait();
	return NULL;
}

int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	wait_ready();
	return 0;
}
