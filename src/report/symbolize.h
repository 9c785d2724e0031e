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
 * to max frames (inlined ones first) and returns how many (>= 1). full:
 * read DWARF (file:line, inline frames) from separate debug-info files too;
 * otherwise only DWARF inside the modules' own files is read, and frames in
 * other modules get their symbol name alone. */
int lt_sym_lookup(lt_sym_t *s, uintptr_t pc, lt_frame_t *out, int max, int full);
/* Same, for a frame of the interned stack stack_id: a pc in a library that
 * was dlclose'd since is named from that library's file when the stack was
 * captured while it was mapped (lt_sym_lookup, without the capture time,
 * uses an unloaded library only where no mapped module covers pc). */
int lt_sym_lookup_at(lt_sym_t *s, uintptr_t pc, uint32_t stack_id, lt_frame_t *out, int max,
		     int full);
/* Every frame of an interned stack, as lt_sym_lookup_at names them, into
 * out (at most max): the report's frames and what suppressions match are
 * the same list. A pc in the shim's own text in mid-stack (glibc allocated
 * inside a hooked call such as pthread_create) is skipped: the program
 * called the real function, which is the next frame. Returns the count. */
struct lt_stack;
int lt_sym_stack(lt_sym_t *s, const struct lt_stack *st, lt_frame_t *out, int max, int full);
/* Demangle a C++ name when libstdc++'s demangler is loaded; else s. */
const char *lt_sym_demangle(const char *name);

#endif
