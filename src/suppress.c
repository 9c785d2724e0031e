/* Suppressions: not implemented in this revision (no rules ever match). */
#include "suppress.h"

void lt_supp_load(const char *list)
{
	(void)list;
}

void lt_supp_apply(lt_report_t *r)
{
	(void)r;
}

void lt_supp_write_json(lt_buf_t *b)
{
	(void)b;
}
