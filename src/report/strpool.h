/* Interned strings with one owner's lifetime (a report, a symbolizer
 * session): equal strings share storage; everything is released at once. */
#ifndef LT_STRPOOL_H
#define LT_STRPOOL_H

#include <stddef.h>

typedef struct lt_strpool {
	struct lt_strpool_chunk *chunks;
	struct lt_strpool_entry *table;
} lt_strpool_t;

#define LT_STRPOOL_INIT { 0, 0 }

/* The pooled copy of s (NULL for NULL, or when out of memory). */
const char *lt_strpool_intern(lt_strpool_t *p, const char *s);
void lt_strpool_reset(lt_strpool_t *p);

#endif
