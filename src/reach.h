/* Reachability classification (memcheck's classes) of the live heap. */
#ifndef LT_REACH_H
#define LT_REACH_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"

/* Stop the other threads, snapshot the live blocks, scan the roots and
 * classify every block; resume the threads. On success (0): *blocks is an
 * lt_ia_map'ed array of *n records (*map_bytes long), *cls a parallel
 * lt_ia_map'ed array (*cls_bytes long) of enum lt_class values, *pause_ms
 * how long the world was stopped, *note NULL or a report-lifetime string
 * saying what could not be scanned exactly. Returns -errno when
 * classification is unavailable (the caller then reports unclassified). */
int lt_reach_classify_live(lt_block_t **blocks, size_t *n, size_t *map_bytes,
			   uint8_t **cls, size_t *cls_bytes, double *pause_ms,
			   const char **note);

#endif
