/* The leaktrace subcommands. Each takes argv with argv[0] = its name and
 * returns the process exit status. */
#ifndef LT_CMDS_H
#define LT_CMDS_H

#include <sys/types.h>

int lt_cmd_run(int argc, char **argv);
int lt_cmd_diff(int argc, char **argv);
int lt_cmd_report(int argc, char **argv);
int lt_cmd_snapshot(int argc, char **argv);
int lt_cmd_suppressions(int argc, char **argv);
int lt_cmd_trend(int argc, char **argv);

/* Path of libleaktrace.so to preload, or NULL. */
const char *lt_tool_find_lib(void);
/* After `leaktrace --html=F -- PROG`: render the report, then exit as the
 * program did (re-raising its signal). */
int lt_tool_after_run(pid_t pid, const char *output, const char *html, int status);

#endif
