/* Handle tracking: not implemented in this revision (no handle groups). */
#include "report/report.h"

void lt_handle_collect(lt_report_t *r)
{
	(void)r;
}
