/* Libraries the program dlclose'd: what the report needs to name frames in
 * code that is no longer mapped (path, load bias, text span, build-id). */
#ifndef LT_MODULES_H
#define LT_MODULES_H

#include <stddef.h>
#include <stdint.h>

#define LT_MODULE_MAX_BUILD_ID 64

typedef struct lt_unloaded {
	struct lt_unloaded *next;     /* newer first */
	const char *path;             /* as the loader knew it (private memory) */
	uintptr_t bias;               /* l_addr: file vaddr + bias = address */
	uintptr_t lo, hi;             /* span of its executable segments */
	uint32_t stacks_at_unload;    /* depot size when it went away */
	uint32_t seq;                 /* 1, 2, ... in unload order */
	size_t build_id_len;
	unsigned char build_id[LT_MODULE_MAX_BUILD_ID];
} lt_unloaded_t;

/* Around the real dlclose: note every loaded module before it, and record
 * those gone after it (dlclose also unloads dependencies nobody else
 * needs). Called with the guard held; `note` is opaque state between the
 * two calls (NULL when nothing was noted); closed is 0 when dlclose
 * failed (the note is only freed). */
void *lt_modules_before_dlclose(void);
void lt_modules_after_dlclose(void *note, int closed);

/* The unloaded modules, newest first (entries are never freed). */
const lt_unloaded_t *lt_modules_unloaded(void);

/* The module that held pc when a stack with this id was captured, among
 * unloaded ones: of those whose text held pc, the first unloaded after
 * the stack was interned (ids grow with time). stack_id 0 (unknown): the
 * latest. NULL when pc was in no unloaded module. */
const lt_unloaded_t *lt_modules_unloaded_at(uintptr_t pc, uint32_t stack_id);

#endif
