/* Reachability classification: not implemented in this revision; the
 * report says "classified": false and every live block counts. */
#include "reach.h"

#include <errno.h>

int lt_reach_classify_live(lt_block_t **blocks, size_t *n, size_t *map_bytes,
			   uint8_t **cls, size_t *cls_bytes, double *pause_ms,
			   const char **note)
{
	(void)blocks; (void)n; (void)map_bytes; (void)cls; (void)cls_bytes;
	(void)pause_ms; (void)note;
	return -ENOSYS;
}
