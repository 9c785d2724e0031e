/* The report's vocabulary (see vocab.h). */
#include "vocab.h"

#include <string.h>

#define LT_VOCAB_NAME(e, n) n,
static const char *const kind_names[LT_KIND_COUNT] = { LT_KIND_LIST(LT_VOCAB_NAME) };
static const char *const class_names[LT_CLASS_COUNT] = { LT_CLASS_LIST(LT_VOCAB_NAME) };

const char *lt_kind_name(int kind)
{
	return kind >= 0 && kind < LT_KIND_COUNT ? kind_names[kind] : "unknown";
}

const char *lt_class_name(int cls)
{
	return cls >= 0 && cls < LT_CLASS_COUNT ? class_names[cls] : "unknown";
}

int lt_kind_of_name(const char *name)
{
	for (int k = 0; name && k < LT_KIND_COUNT; k++)
		if (!strcmp(name, kind_names[k]))
			return k;
	return -1;
}

int lt_class_of_name(const char *name)
{
	for (int c = 0; name && c < LT_CLASS_COUNT; c++)
		if (!strcmp(name, class_names[c]))
			return c;
	return -1;
}

const char *lt_fail_on_name(int bit)
{
	if (bit == 0)
		return "memory";
	if (bit == 1)
		return "handles";
	return bit > 1 && bit < LT_FAIL_BITS ? kind_names[bit - 1] : "unknown";
}
