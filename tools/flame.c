/* Aggregates a report's stacks into per-kind flame-graph trees, top-down and bottom-up (frames merged by label along the path). */
#include "flame.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

struct node {
	int label;
	int parent;
	long long bytes, count;
	int first_child, next_sibling;
};

struct flame {
	struct node *nodes;
	size_t nnodes, cap;
	/* (parent, label) -> child node: one hash for every tree, because node indices are
	 * global. Keys are parent << 32 | label, stored +1 so 0 marks an empty slot. */
	uint64_t *hkeys;
	int *hvals;
	size_t hcap, hlen;
	struct lt_strmap label_ids;
	const char **labels; /* by label id; the strings are label_ids' keys */
	size_t nlabels, labels_cap;
	bool oom;
};

static int intern_label(struct flame *fl, const char *s)
{
	bool inserted;
	const char *key;
	size_t *slot = lt_strmap_put_copy(&fl->label_ids, s, &inserted, &key);
	if (!slot) {
		fl->oom = true;
		return -1;
	}
	if (inserted) {
		if (fl->nlabels == fl->labels_cap) {
			size_t ncap = fl->labels_cap ? fl->labels_cap * 2 : 256;
			const char **nl = realloc(fl->labels, ncap * sizeof(*nl));
			if (!nl) {
				fl->oom = true;
				return -1;
			}
			fl->labels = nl;
			fl->labels_cap = ncap;
		}
		fl->labels[fl->nlabels] = key;
		*slot = fl->nlabels++;
	}
	return (int)*slot;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static int new_node(struct flame *fl, int parent, int label)
{
	if (fl->nnodes == fl->cap) {
		size_t ncap = fl->cap ? fl->cap * 2 : 1024;
		struct node *nn = realloc(fl->nodes, ncap * sizeof(*nn));
		if (!nn) {
			fl->oom = true;
			return -1;
		}
		fl->nodes = nn;
		fl->cap = ncap;
	}
	int id = (int)fl->nnodes++;
	fl->nodes[id] = (struct node){.label = label, .parent = parent, .first_child = -1,
				      .next_sibling = -1};
	if (parent >= 0) {
		fl->nodes[id].next_sibling = fl->nodes[parent].first_child;
		fl->nodes[parent].first_child = id;
	}
	return id;
}

static int hash_grow(struct flame *fl)
{
	size_t ncap = fl->hcap ? fl->hcap * 2 : 4096;
	uint64_t *nk = calloc(ncap, sizeof(*nk));
	int *nv = calloc(ncap, sizeof(*nv));
	if (!nk || !nv) {
		free(nk);
		free(nv);
		return -1;
	}
	for (size_t i = 0; i < fl->hcap; i++) {
		if (!fl->hkeys[i])
			continue;
		size_t j = mix(fl->hkeys[i]) & (ncap - 1);
		while (nk[j])
			j = (j + 1) & (ncap - 1);
		nk[j] = fl->hkeys[i];
		nv[j] = fl->hvals[i];
	}
	free(fl->hkeys);
	free(fl->hvals);
	fl->hkeys = nk;
	fl->hvals = nv;
	fl->hcap = ncap;
	return 0;
}

/* The child of PARENT labelled LABEL, created on first use. */
static int child(struct flame *fl, int parent, int label)
{
	if ((fl->hlen + 1) * 2 > fl->hcap && hash_grow(fl) != 0) {
		fl->oom = true;
		return -1;
	}
	uint64_t key = (((uint64_t)(uint32_t)parent << 32) | (uint32_t)label) + 1;
	size_t i = mix(key) & (fl->hcap - 1);
	while (fl->hkeys[i]) {
		if (fl->hkeys[i] == key)
			return fl->hvals[i];
		i = (i + 1) & (fl->hcap - 1);
	}
	int id = new_node(fl, parent, label);
	if (id < 0)
		return -1;
	fl->hkeys[i] = key;
	fl->hvals[i] = id;
	fl->hlen++;
	return id;
}

/* ---------------------------------------------------------------------------------------
 * Emission: preorder, children sorted by label like flamegraph.pl, so the page lays the
 * tree out in one linear pass (each node's parent precedes it).
 * ------------------------------------------------------------------------------------- */

struct emit {
	struct flame *fl;
	json_t *n, *p, *b, *c;
	int *kids; /* scratch for sorting one node's children */
	size_t nkids_cap;
};

static struct flame *sort_fl; /* qsort has no context argument */

static int cmp_label(const void *a, const void *b)
{
	const struct node *x = &sort_fl->nodes[*(const int *)a];
	const struct node *y = &sort_fl->nodes[*(const int *)b];
	return strcmp(sort_fl->labels[x->label], sort_fl->labels[y->label]);
}

static void emit_node(struct emit *e, int id, int parent_pre)
{
	struct flame *fl = e->fl;
	const struct node *nd = &fl->nodes[id];
	int pre = (int)json_array_size(e->n);
	json_array_append_new(e->n, json_integer(nd->label));
	json_array_append_new(e->p, json_integer(parent_pre));
	json_array_append_new(e->b, json_integer(nd->bytes));
	json_array_append_new(e->c, json_integer(nd->count));
	size_t k = 0;
	for (int ch = nd->first_child; ch >= 0; ch = fl->nodes[ch].next_sibling)
		k++;
	if (!k)
		return;
	int *kids = malloc(k * sizeof(*kids));
	if (!kids) {
		fl->oom = true;
		return;
	}
	k = 0;
	for (int ch = nd->first_child; ch >= 0; ch = fl->nodes[ch].next_sibling)
		kids[k++] = ch;
	sort_fl = fl;
	qsort(kids, k, sizeof(*kids), cmp_label);
	/* Recursion depth is bounded by the deepest stack in the report (a few hundred). */
	for (size_t i = 0; i < k; i++)
		emit_node(e, kids[i], pre);
	free(kids);
}

/* Adds G's value to every node on its path below ROOT: outermost frame first (top-down),
 * or from the allocation site towards the callers (INVERTED, bottom-up). */
static void add_path(struct flame *fl, int root, const struct lt_group *g, bool inverted,
		     char *label, size_t labellen)
{
	int node = root;
	fl->nodes[node].bytes += g->bytes;
	fl->nodes[node].count += g->count;
	if (!g->nframes) {
		int l = intern_label(fl, "[unknown origin]");
		node = l < 0 ? -1 : child(fl, node, l);
		if (node >= 0) {
			fl->nodes[node].bytes += g->bytes;
			fl->nodes[node].count += g->count;
		}
	}
	/* The file lists the innermost frame first. */
	for (size_t i = 0; i < g->nframes && node >= 0; i++) {
		size_t k = inverted ? i : g->nframes - 1 - i;
		int l = intern_label(fl, lt_reportfile_frame_label(&g->frames[k], label, labellen));
		node = l < 0 ? -1 : child(fl, node, l);
		if (node >= 0) {
			fl->nodes[node].bytes += g->bytes;
			fl->nodes[node].count += g->count;
		}
	}
}

/* {KIND: {n, p, b, c}} of the roots in ROOTS, one per kind in KINDS. */
static json_t *emit_trees(struct flame *fl, const struct lt_strmap *kinds, const int *roots)
{
	json_t *trees = json_object();
	for (size_t i = 0; i < kinds->cap; i++) {
		if (!kinds->keys[i])
			continue;
		struct emit e = {.fl = fl, .n = json_array(), .p = json_array(), .b = json_array(),
				 .c = json_array()};
		emit_node(&e, roots[kinds->vals[i]], -1);
		json_object_set_new(trees, kinds->keys[i],
			json_pack("{s:o,s:o,s:o,s:o}", "n", e.n, "p", e.p, "b", e.b, "c", e.c));
	}
	return trees;
}

json_t *lt_flame_build(const struct lt_report *r, bool all)
{
	struct flame fl = {0};
	lt_strmap_init(&fl.label_ids);
	json_t *out = NULL;
	/* Root nodes, one per kind and direction, in order of first appearance. Both trees
	 * live in one node table: the (parent, label) hash keeps them apart. */
	struct lt_strmap kinds;
	lt_strmap_init(&kinds);
	int *roots = NULL, *inv_roots = NULL;
	size_t nroots = 0;
	char label[512];

	for (size_t gi = 0; gi < r->ngroups && !fl.oom; gi++) {
		const struct lt_group *g = &r->groups[gi];
		if (!lt_reportfile_group_shown(g, all))
			continue;
		bool inserted;
		size_t *slot = lt_strmap_put_copy(&kinds, g->kind, &inserted, NULL);
		if (!slot) {
			fl.oom = true;
			break;
		}
		if (inserted) {
			int *nr = realloc(roots, (nroots + 1) * sizeof(*roots));
			if (nr)
				roots = nr;
			int *ni = realloc(inv_roots, (nroots + 1) * sizeof(*inv_roots));
			if (ni)
				inv_roots = ni;
			int root_label = intern_label(&fl, g->kind);
			if (!nr || !ni || root_label < 0) {
				fl.oom = true;
				break;
			}
			roots[nroots] = new_node(&fl, -1, root_label);
			inv_roots[nroots] = new_node(&fl, -1, root_label);
			if (roots[nroots] < 0 || inv_roots[nroots] < 0)
				break;
			*slot = nroots++;
		}
		add_path(&fl, roots[*slot], g, false, label, sizeof label);
		add_path(&fl, inv_roots[*slot], g, true, label, sizeof label);
	}
	if (fl.oom)
		goto done;

	json_t *trees = emit_trees(&fl, &kinds, roots);
	json_t *inverted = emit_trees(&fl, &kinds, inv_roots);
	json_t *names = json_array();
	for (size_t i = 0; i < fl.nlabels; i++)
		json_array_append_new(names, json_string(fl.labels[i]));
	out = json_pack("{s:o,s:o,s:o}", "names", names, "trees", trees, "inverted", inverted);
done:
	free(roots);
	free(inv_roots);
	lt_strmap_free(&kinds);
	free(fl.labels);
	lt_strmap_free(&fl.label_ids);
	free(fl.nodes);
	free(fl.hkeys);
	free(fl.hvals);
	return fl.oom ? NULL : out;
}
