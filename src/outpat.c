/* Output-file patterns (see outpat.h). */
#include "outpat.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int lt_out_expand(const char *pattern, int pid, unsigned seq, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *p = pattern; *p; p++) {
		char tmp[32];
		const char *add = tmp;
		size_t len;
		if (*p != '%') {
			tmp[0] = *p;
			len = 1;
		} else {
			p++;
			switch (*p) {
			case 'p': len = (size_t)snprintf(tmp, sizeof tmp, "%d", pid); break;
			case 'n': len = (size_t)snprintf(tmp, sizeof tmp, "%u", seq); break;
			case '%': tmp[0] = '%'; len = 1; break;
			default: return -EINVAL;
			}
		}
		if (n + len + 1 > cap)
			return -ENAMETOOLONG;
		memcpy(out + n, add, len);
		n += len;
	}
	if (!n)
		return -EINVAL;
	out[n] = 0;
	return 0;
}
