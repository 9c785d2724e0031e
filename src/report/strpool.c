/* String pool: a uthash set over an arena of 64 KiB chunks (see strpool.h). */
#include "strpool.h"

#include <string.h>

#include "../intalloc.h"
#include "../uthash_alloc.h"
#include <uthash.h>

struct lt_strpool_chunk {
	struct lt_strpool_chunk *next;
	size_t used, cap;
	char data[];
};

struct lt_strpool_entry {
	UT_hash_handle hh;
	char s[];
};

static char *arena_alloc(lt_strpool_t *p, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	if (!p->chunks || p->chunks->cap - p->chunks->used < n) {
		size_t cap = n > 65536 ? n : 65536;
		struct lt_strpool_chunk *c = lt_ia_alloc(sizeof *c + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->next = p->chunks;
		p->chunks = c;
	}
	char *r = p->chunks->data + p->chunks->used;
	p->chunks->used += n;
	return r;
}

const char *lt_strpool_intern(lt_strpool_t *p, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	struct lt_strpool_entry *e;
	HASH_FIND(hh, p->table, s, n, e);
	if (e)
		return e->s;
	e = (struct lt_strpool_entry *)arena_alloc(p, sizeof *e + n + 1);
	if (!e)
		return NULL;
	memset(&e->hh, 0, sizeof e->hh);
	memcpy(e->s, s, n + 1);
	HASH_ADD_KEYPTR(hh, p->table, e->s, n, e);
	if (!e->hh.tbl)          /* uthash out of memory: usable, not pooled */
		return e->s;
	return e->s;
}

void lt_strpool_reset(lt_strpool_t *p)
{
	HASH_CLEAR(hh, p->table);
	while (p->chunks) {
		struct lt_strpool_chunk *n = p->chunks->next;
		lt_ia_free(p->chunks);
		p->chunks = n;
	}
}
