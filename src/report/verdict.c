/* The gate's reason, one line: what it counted, against which threshold,
 * and which handles, so a failed gate never leaves a user with a bare exit
 * status (the report itself may be JSON in a file, or nowhere a person
 * looks). Built from the sorted report right after the gate decides. */
#include "verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../options.h"
#include "../vocab.h"
#include "../model/buf.h"

/* What a handle is, in one or two words: "epoll", "pipe", "file PATH",
 * "socket", "io_uring buffer"... */
static void handle_word(int kind, const lt_handle_detail_t *d, char *out, size_t cap)
{
	if (kind == LT_KIND_SOCKET || d->family)
		snprintf(out, cap, "socket%s%s", d->tcp_state ? " " : "",
			 d->tcp_state ? d->tcp_state : "");
	else if (d->what && d->path && !strcmp(d->what, "file"))
		snprintf(out, cap, "file %s", d->path);
	else if (d->what && d->path && !strcmp(d->what, "directory"))
		snprintf(out, cap, "directory %s", d->path);
	else if (d->what)
		snprintf(out, cap, "%s", d->what);
	else
		snprintf(out, cap, "%s", lt_kind_name(kind));
}

#define MAX_LISTED 8
#define MAX_ITEMS 64

typedef struct item {
	int fd;          /* -1: not a descriptor (io_uring buffer, kevent filter) */
	char word[256];
} item_t;

static int cmp_items(const void *a, const void *b)
{
	const item_t *x = a, *y = b;
	if ((x->fd < 0) != (y->fd < 0))
		return x->fd < 0 ? 1 : -1;
	if (x->fd != y->fd)
		return x->fd < y->fd ? -1 : 1;
	return strcmp(x->word, y->word);
}

/* "fd 5 epoll, fd 6-7 pipe, io_uring_buffer", by descriptor number:
 * consecutive descriptors of one word share a range; at most MAX_LISTED
 * items, then "...". */
static void list_handles(const lt_report_t *r, lt_buf_t *b)
{
	static item_t items[MAX_ITEMS];    /* the report runs one at a time */
	size_t n = 0, total = 0;
	for (size_t i = 0; i < r->ngroups; i++) {
		const lt_group_t *g = r->sorted[i];
		if (!g->leaked || g->key.kind == LT_KIND_MEMORY || !lt_report_kind_counts(g->key.kind))
			continue;
		for (size_t k = 0; k < g->nhandles; k++, total++) {
			if (n == MAX_ITEMS)
				continue;
			const lt_handle_detail_t *d = &g->handles[k];
			int kind = g->key.kind;
			items[n].fd = kind == LT_KIND_IO_URING_BUFFER || kind == LT_KIND_IO_URING_FILE ||
				      kind == LT_KIND_KEVENT_FILTER ? -1 : d->fd;
			handle_word(kind, d, items[n].word, sizeof items[n].word);
			n++;
		}
	}
	qsort(items, n, sizeof *items, cmp_items);
	size_t listed = 0;
	for (size_t i = 0; i < n; listed++) {
		if (listed == MAX_LISTED) {
			lt_buf_puts(b, ", ...");
			return;
		}
		size_t j = i;
		while (items[i].fd >= 0 && j + 1 < n && items[j + 1].fd == items[j].fd + 1 &&
		       !strcmp(items[j + 1].word, items[i].word))
			j++;
		if (listed)
			lt_buf_puts(b, ", ");
		if (items[i].fd < 0)
			lt_buf_printf(b, "%s", items[i].word);
		else if (i == j)
			lt_buf_printf(b, "fd %d %s", items[i].fd, items[i].word);
		else
			lt_buf_printf(b, "fd %d-%d %s", items[i].fd, items[j].fd, items[i].word);
		i = j + 1;
	}
	if (total > n)
		lt_buf_puts(b, ", ...");
}

void lt_verdict_build(const lt_report_t *r, int mem, uint64_t handles, char *out, size_t cap)
{
	lt_buf_t b;
	lt_buf_init(&b);
	if (mem)
		lt_buf_printf(&b, "%llu byte(s) in %llu block(s) leaked > leak_threshold %llu",
			      (unsigned long long)r->leaked_bytes,
			      (unsigned long long)r->leaked_blocks,
			      (unsigned long long)lt_opt.leak_threshold);
	if (mem && handles)
		lt_buf_puts(&b, " and ");
	if (handles) {
		lt_buf_printf(&b, "%llu handle(s) > handle_threshold %lld (",
			      (unsigned long long)handles, (long long)lt_opt.handle_threshold);
		list_handles(r, &b);
		lt_buf_puts(&b, ")");
	}
	lt_buf_add(&b, "", 1);
	snprintf(out, cap, "%s", b.oom ? "leaks over the thresholds" : b.data);
	lt_buf_free(&b);
}
