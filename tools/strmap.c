/* A string -> index hash map (open addressing, linear probing) for matching report groups. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: keys are short-ish stack descriptions; quality is ample for linear probing. */
static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void lt_strmap_init(struct lt_strmap *m)
{
	memset(m, 0, sizeof(*m));
}

static size_t find_slot(char *const *keys, const uint64_t *hashes, size_t cap,
			const char *key, uint64_t h)
{
	size_t i = h & (cap - 1);
	while (keys[i] && (hashes[i] != h || strcmp(keys[i], key) != 0))
		i = (i + 1) & (cap - 1);
	return i;
}

static int grow(struct lt_strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	char **nkeys = calloc(ncap, sizeof(*nkeys));
	size_t *nvals = calloc(ncap, sizeof(*nvals));
	uint64_t *nhashes = calloc(ncap, sizeof(*nhashes));
	if (!nkeys || !nvals || !nhashes) {
		free(nkeys);
		free(nvals);
		free(nhashes);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		/* keys are distinct: the first free slot of the probe */
		size_t j = m->hashes[i] & (ncap - 1);
		while (nkeys[j])
			j = (j + 1) & (ncap - 1);
		nkeys[j] = m->keys[i];
		nvals[j] = m->vals[i];
		nhashes[j] = m->hashes[i];
	}
	free(m->keys);
	free(m->vals);
	free(m->hashes);
	m->keys = nkeys;
	m->vals = nvals;
	m->hashes = nhashes;
	m->cap = ncap;
	return 0;
}

size_t *lt_strmap_put(struct lt_strmap *m, char *key, bool *inserted)
{
	if (!key)
		return NULL; /* the caller's allocation of KEY failed: report it as such */
	/* Keep the load factor under 1/2 so probes stay short. */
	if ((m->len + 1) * 2 > m->cap && grow(m) != 0) {
		free(key);
		return NULL;
	}
	uint64_t h = hash_str(key);
	size_t i = find_slot(m->keys, m->hashes, m->cap, key, h);
	if (m->keys[i]) {
		free(key);
		*inserted = false;
	} else {
		m->keys[i] = key;
		m->hashes[i] = h;
		m->vals[i] = 0;
		m->len++;
		*inserted = true;
	}
	return &m->vals[i];
}

size_t *lt_strmap_put_copy(struct lt_strmap *m, const char *key, bool *inserted,
			   const char **stored)
{
	/* Most calls find the key (frame names repeat): copy only what is inserted. */
	size_t *slot = lt_strmap_get(m, key);
	if (slot) {
		*inserted = false;
		if (stored)
			*stored = m->keys[slot - m->vals];
		return slot;
	}
	char *copy = strdup(key);
	slot = lt_strmap_put(m, copy, inserted);
	if (slot && stored)
		*stored = m->keys[slot - m->vals];
	return slot;
}

size_t *lt_strmap_get(const struct lt_strmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	size_t i = find_slot(m->keys, m->hashes, m->cap, key, hash_str(key));
	return m->keys[i] ? &m->vals[i] : NULL;
}

void lt_strmap_free(struct lt_strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	free(m->hashes);
	memset(m, 0, sizeof(*m));
}
