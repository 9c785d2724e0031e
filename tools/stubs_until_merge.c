#include <stdio.h>
#include "cmds.h"
int lt_cmd_diff(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "not built yet\n"); return 2; }
int lt_cmd_report(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "not built yet\n"); return 2; }
