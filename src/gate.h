/* Which processes apply the exit gate, and the verdict records a process
 * tree leaves for the leaktrace launcher (gate_dir). */
#ifndef LT_GATE_H
#define LT_GATE_H

#include <stdint.h>

/* Constructor: remember the process that started this image (exec), and
 * with gate_dir set, leave a "running" record there. */
void lt_gate_init(void);
/* 1 in the process that exec'd this image; 0 in a child made by fork (or
 * clone) that has not called exec since: its exit status is never changed
 * and it writes an exit report only as fork_report says. */
int lt_gate_applies(void);
/* With gate_dir set, write this process's verdict (exit report time). */
void lt_gate_record(int failed, uint64_t leaked_bytes, uint64_t leaked_handles,
		    const char *report);

#endif
