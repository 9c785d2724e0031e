/* The output option's file-name pattern, shared by the shim (where it
 * writes a report) and the leaktrace command (where to find it). Part of
 * the contract library. */
#ifndef LT_OUTPAT_H
#define LT_OUTPAT_H

#include <stddef.h>

/* Expand an output pattern: %p pid, %n sequence, %% percent. Returns 0 or
 * -ENAMETOOLONG / -EINVAL (a lone % or unknown escape). */
int lt_out_expand(const char *pattern, int pid, unsigned seq, char *out, size_t cap);

#endif
