/* Stand-alone driver for the report-reading subcommands until the main leaktrace dispatcher folds them in. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "diff") == 0)
		return lt_cmd_diff(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return lt_cmd_report(argc - 1, argv + 1);
	fprintf(stderr, "leaktrace: error: expected a subcommand: diff or report\n"
			"usage: leaktrace-report-tool diff|report [OPTIONS] FILE.json...\n");
	return 2;
}
