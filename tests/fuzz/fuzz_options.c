/* libFuzzer harness for the LEAKTRACE_OPTIONS parser (src/options.c): any
 * byte string, in normal and secure mode, must parse without a crash, an
 * overflow of the fixed fields, or a field left unterminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = 0;
	static lt_options_t o;
	lt_opt_defaults(&o);
	lt_opt_parse(&o, s, size & 1);
	/* every string option is NUL-terminated inside its field */
	if (!memchr(o.output, 0, sizeof o.output) || !memchr(o.suppressions, 0, sizeof o.suppressions) ||
	    !memchr(o.snapshot_signal, 0, sizeof o.snapshot_signal))
		abort();
	if (size & 1 && (strcmp(o.output, "stderr") || o.suppressions[0]))
		abort();      /* secure mode never takes a file option */
	free(s);
	return 0;
}
