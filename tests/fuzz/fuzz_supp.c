/* libFuzzer harness for the suppression parser and pattern matcher
 * (src/report/suppress.c): the input up to the first NUL byte is a suppression
 * file; after it come a pattern and a subject (split at the next NUL) for
 * lt_supp_match. No input may crash either. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/suppress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 2);
	memcpy(s, data, size);
	s[size] = 0;
	s[size + 1] = 0;
	lt_supp_parse("fuzz.supp", s);
	size_t n = lt_supp_count();
	lt_supp_clear();
	if (lt_supp_count() != 0 || n > size)
		abort();
	size_t a = strlen(s);
	if (a < size) {
		const char *pattern = s + a + 1;
		const char *subject = pattern + strlen(pattern);
		if (subject < s + size)
			subject++;
		lt_supp_match(pattern, subject);
		lt_supp_match(s, pattern);
	}
	free(s);
	return 0;
}
