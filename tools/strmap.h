/* A string -> index hash map (open addressing) so matching groups by key stays linear. */
#ifndef LT_TOOLS_STRMAP_H
#define LT_TOOLS_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lt_strmap {
	char **keys;
	size_t *vals;
	uint64_t *hashes; /* of keys[i]: a probe compares text only when the hashes match */
	size_t cap, len;
};

void lt_strmap_init(struct lt_strmap *m);
/* Returns the value slot for KEY, inserting it when absent (*inserted = true, the map takes
 * ownership of KEY); when present, KEY is freed. Returns NULL (KEY freed) on out of memory. */
size_t *lt_strmap_put(struct lt_strmap *m, char *key, bool *inserted);
/* Like lt_strmap_put, but copies KEY (the caller keeps its string); *STORED, when STORED
 * is not NULL, is set to the map's own copy, which lives as long as the map. */
size_t *lt_strmap_put_copy(struct lt_strmap *m, const char *key, bool *inserted,
			   const char **stored);
/* Returns the value slot for KEY or NULL when absent. */
size_t *lt_strmap_get(const struct lt_strmap *m, const char *key);
void lt_strmap_free(struct lt_strmap *m);

#endif
