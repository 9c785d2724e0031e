/* A library with __thread data, dlopen'ed by dlopen_tls.c: its TLS is
 * allocated by the dynamic linker at first use in each thread. */
#include <stdlib.h>

static __thread void *lib_tls;

__attribute__((noinline)) void lib_tls_store(size_t n)
{
	lib_tls = calloc(1, n);
}
