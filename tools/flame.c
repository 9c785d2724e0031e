/* Aggregates a report's stacks into per-kind flame-graph trees, top-down and bottom-up (frames merged by label along the path). */
#include "flame.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ptrmap.h"
#include "strmap.h"

struct node {
	int label;
	int parent;
	long long bytes, count;
	int first_child, next_sibling;
};

struct lt_flame {
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
	/* Label ids by the report's interned string pointers, so a frame seen before costs
	 * no formatting and no string hash: function -> label id, and for frames without
	 * a function, address -> index into by_addr (the label also needs the module). */
	struct lt_ptrmap by_function, by_address;
	struct addr_label {
		const char *module;
		int label;
	} *by_addr;
	size_t nby_addr, by_addr_cap;
	/* one root per kind and direction, in order of first appearance */
	struct lt_strmap kinds;
	int *roots, *inv_roots;
	bool oom;
};

static int intern_label(struct lt_flame *fl, const char *s)
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

static int new_node(struct lt_flame *fl, int parent, int label)
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

static int hash_grow(struct lt_flame *fl)
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
static int child(struct lt_flame *fl, int parent, int label)
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

/* The label id of F's label: by pointer when this function (or this module and address)
 * was seen before, else formatted and interned. */
static int frame_label(struct lt_flame *fl, const struct lt_frame *f, char *label,
		       size_t labellen)
{
	bool inserted;
	size_t *slot;
	if (f->function) {
		slot = lt_ptrmap_put(&fl->by_function, f->function, &inserted);
		if (!slot) {
			fl->oom = true;
			return -1;
		}
		if (!inserted)
			return (int)*slot;
	} else if (f->address) {
		slot = lt_ptrmap_get(&fl->by_address, f->address);
		if (slot && fl->by_addr[*slot].module == f->module)
			return fl->by_addr[*slot].label;
		slot = NULL; /* first sight, or another module: not cached */
	} else {
		slot = NULL;
	}
	int l = intern_label(fl, lt_reportfile_frame_label(f, label, labellen));
	if (l < 0)
		return -1;
	if (slot) {
		*slot = (size_t)l;
	} else if (f->address && !lt_ptrmap_get(&fl->by_address, f->address)) {
		if (fl->nby_addr == fl->by_addr_cap) {
			size_t ncap = fl->by_addr_cap ? fl->by_addr_cap * 2 : 256;
			struct addr_label *n = realloc(fl->by_addr, ncap * sizeof(*n));
			if (!n) {
				fl->oom = true;
				return -1;
			}
			fl->by_addr = n;
			fl->by_addr_cap = ncap;
		}
		size_t *as = lt_ptrmap_put(&fl->by_address, f->address, &inserted);
		if (!as) {
			fl->oom = true;
			return -1;
		}
		*as = fl->nby_addr;
		fl->by_addr[fl->nby_addr++] = (struct addr_label){f->module, l};
	}
	return l;
}

/* Adds G's value to every node on its path below ROOT: outermost frame first (top-down),
 * or from the allocation site towards the callers (INVERTED, bottom-up). */
static void add_path(struct lt_flame *fl, int root, const struct lt_group *g, bool inverted,
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
		int l = frame_label(fl, &g->frames[k], label, labellen);
		node = l < 0 ? -1 : child(fl, node, l);
		if (node >= 0) {
			fl->nodes[node].bytes += g->bytes;
			fl->nodes[node].count += g->count;
		}
	}
}

/* ---------------------------------------------------------------------------------------
 * Emission: preorder, children sorted by label like flamegraph.pl, so the page lays the
 * tree out in one linear pass (each node's parent precedes it). The four arrays of a tree
 * are written one after the other from one preorder walk.
 * ------------------------------------------------------------------------------------- */

struct walk {
	int *order;  /* node ids in preorder */
	int *parent; /* preorder index of each one's parent, -1 for the root */
	size_t n;
	int *stack;  /* pending (node, parent preorder) pairs of the walk */
};

static struct lt_flame *sort_fl; /* qsort has no context argument */

/* Children in reverse label order: they are pushed on the stack, so popped in order. */
static int cmp_label_desc(const void *a, const void *b)
{
	const struct node *x = &sort_fl->nodes[*(const int *)a];
	const struct node *y = &sort_fl->nodes[*(const int *)b];
	return strcmp(sort_fl->labels[y->label], sort_fl->labels[x->label]);
}

/* The preorder of ROOT's tree into WK (whose arrays hold every node). */
static void walk_tree(struct lt_flame *fl, int root, struct walk *wk, int *kids)
{
	size_t sp = 0;
	wk->n = 0;
	wk->stack[sp++] = root;
	wk->stack[sp++] = -1;
	while (sp) {
		int parent_pre = wk->stack[--sp];
		int id = wk->stack[--sp];
		int pre = (int)wk->n++;
		wk->order[pre] = id;
		wk->parent[pre] = parent_pre;
		size_t k = 0;
		for (int ch = fl->nodes[id].first_child; ch >= 0; ch = fl->nodes[ch].next_sibling)
			kids[k++] = ch;
		sort_fl = fl;
		qsort(kids, k, sizeof(*kids), cmp_label_desc);
		for (size_t i = 0; i < k; i++) {
			wk->stack[sp++] = kids[i];
			wk->stack[sp++] = pre;
		}
	}
}

/* {KIND: {n, p, b, c}} of the roots in ROOTS, one per kind. */
static void write_trees(struct lt_flame *fl, const int *roots, struct walk *wk, int *kids,
			struct lt_jsonw *w)
{
	lt_jsonw_begin_object(w);
	for (size_t i = 0; i < fl->kinds.cap; i++) {
		if (!fl->kinds.keys[i])
			continue;
		walk_tree(fl, roots[fl->kinds.vals[i]], wk, kids);
		lt_jsonw_key(w, fl->kinds.keys[i]);
		lt_jsonw_begin_object(w);
		lt_jsonw_key(w, "n");
		lt_jsonw_begin_array(w);
		for (size_t k = 0; k < wk->n; k++)
			lt_jsonw_int(w, fl->nodes[wk->order[k]].label);
		lt_jsonw_end_array(w);
		lt_jsonw_key(w, "p");
		lt_jsonw_begin_array(w);
		for (size_t k = 0; k < wk->n; k++)
			lt_jsonw_int(w, wk->parent[k]);
		lt_jsonw_end_array(w);
		lt_jsonw_key(w, "b");
		lt_jsonw_begin_array(w);
		for (size_t k = 0; k < wk->n; k++)
			lt_jsonw_int(w, fl->nodes[wk->order[k]].bytes);
		lt_jsonw_end_array(w);
		lt_jsonw_key(w, "c");
		lt_jsonw_begin_array(w);
		for (size_t k = 0; k < wk->n; k++)
			lt_jsonw_int(w, fl->nodes[wk->order[k]].count);
		lt_jsonw_end_array(w);
		lt_jsonw_end_object(w);
	}
	lt_jsonw_end_object(w);
}

int lt_flame_write(struct lt_flame *fl, struct lt_jsonw *w)
{
	/* every node is in one tree: arrays of nnodes serve each walk */
	size_t n = fl->nnodes ? fl->nnodes : 1;
	struct walk wk = {.order = malloc(n * sizeof(int)), .parent = malloc(n * sizeof(int)),
			  .stack = malloc(2 * n * sizeof(int))};
	int *kids = malloc(n * sizeof(int));
	int rc = -1;
	if (wk.order && wk.parent && wk.stack && kids) {
		lt_jsonw_begin_object(w);
		lt_jsonw_key(w, "names");
		lt_jsonw_begin_array(w);
		for (size_t i = 0; i < fl->nlabels; i++)
			lt_jsonw_string(w, fl->labels[i]);
		lt_jsonw_end_array(w);
		lt_jsonw_key(w, "trees");
		write_trees(fl, fl->roots, &wk, kids, w);
		lt_jsonw_key(w, "inverted");
		write_trees(fl, fl->inv_roots, &wk, kids, w);
		lt_jsonw_end_object(w);
		rc = 0;
	}
	free(wk.order);
	free(wk.parent);
	free(wk.stack);
	free(kids);
	return rc;
}

void lt_flame_free(struct lt_flame *fl)
{
	if (!fl)
		return;
	free(fl->roots);
	free(fl->inv_roots);
	lt_strmap_free(&fl->kinds);
	free(fl->labels);
	lt_strmap_free(&fl->label_ids);
	lt_ptrmap_free(&fl->by_function);
	lt_ptrmap_free(&fl->by_address);
	free(fl->by_addr);
	free(fl->nodes);
	free(fl->hkeys);
	free(fl->hvals);
	free(fl);
}

struct lt_flame *lt_flame_new(const struct lt_report *r, bool all)
{
	struct lt_flame *fl = calloc(1, sizeof(*fl));
	if (!fl)
		return NULL;
	lt_strmap_init(&fl->label_ids);
	lt_strmap_init(&fl->kinds);
	lt_ptrmap_init(&fl->by_function);
	lt_ptrmap_init(&fl->by_address);
	/* Root nodes, one per kind and direction, in order of first appearance. Both trees
	 * live in one node table: the (parent, label) hash keeps them apart. */
	size_t nroots = 0;
	char label[512];

	for (size_t gi = 0; gi < r->ngroups && !fl->oom; gi++) {
		const struct lt_group *g = &r->groups[gi];
		if (!lt_reportfile_group_shown(g, all))
			continue;
		bool inserted;
		size_t *slot = lt_strmap_put_copy(&fl->kinds, g->kind, &inserted, NULL);
		if (!slot) {
			fl->oom = true;
			break;
		}
		if (inserted) {
			int *nr = realloc(fl->roots, (nroots + 1) * sizeof(*nr));
			if (nr)
				fl->roots = nr;
			int *ni = realloc(fl->inv_roots, (nroots + 1) * sizeof(*ni));
			if (ni)
				fl->inv_roots = ni;
			int root_label = intern_label(fl, g->kind);
			if (!nr || !ni || root_label < 0) {
				fl->oom = true;
				break;
			}
			fl->roots[nroots] = new_node(fl, -1, root_label);
			fl->inv_roots[nroots] = new_node(fl, -1, root_label);
			if (fl->roots[nroots] < 0 || fl->inv_roots[nroots] < 0)
				break;
			*slot = nroots++;
		}
		add_path(fl, fl->roots[*slot], g, false, label, sizeof label);
		add_path(fl, fl->inv_roots[*slot], g, true, label, sizeof label);
	}
	if (fl->oom) {
		lt_flame_free(fl);
		return NULL;
	}
	return fl;
}

json_t *lt_flame_build(const struct lt_report *r, bool all)
{
	struct lt_flame *fl = lt_flame_new(r, all);
	if (!fl)
		return NULL;
	struct lt_jsonw_mem mem = {0};
	struct lt_jsonw *w = malloc(sizeof(*w));
	json_t *out = NULL;
	if (w) {
		lt_jsonw_init(w, lt_jsonw_mem_sink, &mem);
		if (lt_flame_write(fl, w) == 0 && lt_jsonw_finish(w) == 0)
			out = json_loads(mem.p, 0, NULL);
	}
	free(w);
	free(mem.p);
	lt_flame_free(fl);
	return out;
}
