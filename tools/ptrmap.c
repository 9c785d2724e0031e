/* A pointer -> index hash map (open addressing, linear probing). */
#include "ptrmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t slot_of(const void *key, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)key;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

void lt_ptrmap_init(struct lt_ptrmap *m)
{
	memset(m, 0, sizeof(*m));
}

static size_t find(const void **keys, size_t cap, const void *key)
{
	size_t i = slot_of(key, cap);
	while (keys[i] && keys[i] != key)
		i = (i + 1) & (cap - 1);
	return i;
}

static int grow(struct lt_ptrmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 256;
	const void **nk = calloc(ncap, sizeof(*nk));
	size_t *nv = calloc(ncap, sizeof(*nv));
	if (!nk || !nv) {
		free(nk);
		free(nv);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = find(nk, ncap, m->keys[i]);
		nk[j] = m->keys[i];
		nv[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = nk;
	m->vals = nv;
	m->cap = ncap;
	return 0;
}

size_t *lt_ptrmap_put(struct lt_ptrmap *m, const void *key, bool *inserted)
{
	/* load factor under 1/2, as lt_strmap */
	if ((m->len + 1) * 2 > m->cap && grow(m) != 0)
		return NULL;
	size_t i = find(m->keys, m->cap, key);
	*inserted = !m->keys[i];
	if (*inserted) {
		m->keys[i] = key;
		m->vals[i] = 0;
		m->len++;
	}
	return &m->vals[i];
}

size_t *lt_ptrmap_get(const struct lt_ptrmap *m, const void *key)
{
	if (!m->cap)
		return NULL;
	size_t i = find(m->keys, m->cap, key);
	return m->keys[i] ? &m->vals[i] : NULL;
}

void lt_ptrmap_free(struct lt_ptrmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
