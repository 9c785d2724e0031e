/* A pointer -> index hash map (open addressing): looks up strings by the interned pointer
 * the report loader hands out, without hashing or comparing their text. */
#ifndef LT_TOOLS_PTRMAP_H
#define LT_TOOLS_PTRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct lt_ptrmap {
	const void **keys; /* NULL marks an empty slot: NULL itself is never a key */
	size_t *vals;
	size_t cap, len;
};

void lt_ptrmap_init(struct lt_ptrmap *m);
/* The value slot of KEY (not NULL), inserted with value 0 when absent (*inserted = true);
 * NULL when out of memory. */
size_t *lt_ptrmap_put(struct lt_ptrmap *m, const void *key, bool *inserted);
/* The value slot of KEY, or NULL when absent. */
size_t *lt_ptrmap_get(const struct lt_ptrmap *m, const void *key);
void lt_ptrmap_free(struct lt_ptrmap *m);

#endif
