/* The tracer's own descriptors, as the program sees them: none. argv[1]:
 *   count     four threads allocate and free through no_unwind_alloc (a
 *             frame without unwind information, so libunwind's address
 *             validation runs in each), then the program prints the
 *             descriptors fstat finds below sysconf(_SC_OPEN_MAX) and those
 *             /proc/self/fd lists. Natively and under the shim the output
 *             must be the same.
 *   nounwind  leaks 40 bytes allocated in no_unwind_alloc, called from
 *             nounwind_caller, called from main: the stack must name all
 *             three although the first has no unwind information.
 * memcheck (valgrind 3.19, --leak-check=full --show-leak-kinds=all):
 *   count: "All heap blocks were freed -- no leaks are possible";
 *   nounwind: 40 bytes in 1 block definitely lost, at malloc,
 *   no_unwind_alloc (nounwind_part.c:13), nounwind_caller, main; nothing
 *   else in use at exit. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "count_fds.h"

void *no_unwind_alloc(size_t n);
static volatile unsigned long sink;

__attribute__((noinline)) static void *nounwind_caller(size_t n)
{
	void *p = no_unwind_alloc(n);
	sink += (unsigned long)p;   /* no tail call */
	return p;
}

static void *churn(void *arg)
{
	(void)arg;
	for (int i = 0; i < 16; i++)
		free(nounwind_caller(16 + (size_t)i));
	return NULL;
}



int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "count")) {
		pthread_t t[4];
		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, churn, NULL);
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		churn(NULL);
		count_fds();
	} else if (!strcmp(mode, "nounwind")) {
		void *p = nounwind_caller(40);
		sink += (unsigned long)p;
		p = NULL;
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	return 0;
}
