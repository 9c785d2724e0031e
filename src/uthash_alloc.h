/* Point uthash at the tracer's private allocator before including it, and
 * make an out-of-memory in uthash fail softly instead of exit(-1): the
 * target must never die of the tracer's bookkeeping. */
#ifndef LT_UTHASH_ALLOC_H
#define LT_UTHASH_ALLOC_H

#include "intalloc.h"

#define uthash_malloc(sz) lt_ia_alloc(sz)
#define uthash_free(ptr, sz) lt_ia_free(ptr)
#define HASH_NONFATAL_OOM 1

#endif
