/* Entry points of the leaktrace subcommands that read saved JSON reports. */
#ifndef LT_TOOLS_CMDS_H
#define LT_TOOLS_CMDS_H

/* argv[0] is the subcommand name ("diff", "report"). Both return the process exit
 * status: 0 success, 1 gate failure (diff only), 2 bad usage or bad input. */
int lt_cmd_diff(int argc, char **argv);
int lt_cmd_report(int argc, char **argv);

#endif
