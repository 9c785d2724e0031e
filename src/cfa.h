/* The register the canonical frame address is computed from at a code
 * address of a loaded object, read from its .eh_frame (cfa.c): what the
 * stack cache needs to know of a frame's unwind rule. */
#ifndef LT_CFA_H
#define LT_CFA_H

#include <stdint.h>

enum {
	LT_CFA_UNKNOWN = 0,   /* an expression, another register, no or unreadable CFI */
	LT_CFA_RSP = 1,
	LT_CFA_RBP = 2,
};

/* The rule in effect at pc (pass a return address minus one). Thread-safe;
 * answers are remembered. Calls dl_iterate_phdr: the caller holds the
 * guard. */
int lt_cfa_class(uintptr_t pc);

#endif
