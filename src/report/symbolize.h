/* Address -> function, file:line (inline frames expanded) and module, with
 * elfutils libdw; C++ names demangled. Runs only at report time. */
#ifndef LT_SYMBOLIZE_H
#define LT_SYMBOLIZE_H

#include <stdint.h>

#include "report.h"

typedef struct lt_sym lt_sym_t;

lt_sym_t *lt_sym_open(void);
void lt_sym_close(lt_sym_t *s);
/* Symbolize a return address (looked up at pc-1, reported as pc). Fills up
 * to max frames (inlined ones first) and returns how many (>= 1). */
int lt_sym_lookup(lt_sym_t *s, uintptr_t pc, lt_frame_t *out, int max);
/* Demangle a C++ name when libstdc++'s demangler is loaded; else s. */
const char *lt_sym_demangle(const char *name);

#endif
