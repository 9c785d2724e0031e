/* Handle tracking: not implemented in this revision (no handle groups). */
#include "report/report.h"

void lt_handle_collect(lt_report_t *r)
{
	(void)r;
}

void lt_handle_prefork(void)
{
}

void lt_handle_postfork_parent(void)
{
}

void lt_handle_postfork_child(void)
{
}
