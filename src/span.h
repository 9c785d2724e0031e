/* Sorted address ranges ({uintptr_t lo, hi; ...} records, sorted and not
 * overlapping): the one binary search the classifier and the root finder
 * use over their range tables. */
#ifndef LT_SPAN_H
#define LT_SPAN_H

#include <stddef.h>
#include <stdint.h>

/* How many of the n records at base (stride bytes apart) have the
 * uintptr_t field at byte offset off <= key: with off the offset of hi,
 * the index of the first range ending above key; with the offset of lo,
 * one past the last range starting at or below key. */
static inline size_t lt_span_count_le(const void *base, size_t n, size_t stride, size_t off,
				      uintptr_t key)
{
	const char *b = (const char *)base + off;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) >> 1;
		if (*(const uintptr_t *)(const void *)(b + mid * stride) <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first range of table t[n] ending above key (n: none). */
#define LT_SPAN_FIRST_ENDING_ABOVE(t, n, key) \
	lt_span_count_le((t), (n), sizeof *(t), offsetof(__typeof__(*(t)), hi), (key))
/* The range of table t[n] holding key, as an index plus one (0: none
 * starts at or below key; the caller checks key < hi). */
#define LT_SPAN_LAST_STARTING_AT_OR_BELOW(t, n, key) \
	lt_span_count_le((t), (n), sizeof *(t), offsetof(__typeof__(*(t)), lo), (key))

#endif
