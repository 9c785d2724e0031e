/* Every popen stream pclose'd: two readers and a writer, each from its own
 * call site. No child and no stream in the report. */
#include <stdio.h>

static int run(const char *cmd, const char *mode)
{
	FILE *f = popen(cmd, mode);
	if (!f)
		return -1;
	char line[64];
	if (*mode == 'r')
		while (fgets(line, sizeof line, f))
			;
	else
		fputs("data\n", f);
	return pclose(f);
}

int main(void)
{
	int a = run("echo one", "r");
	int b = run("exit 3", "r");
	int c = run("cat >/dev/null", "w");
	printf("statuses %d %d %d\n", a, b >> 8, c);
	return 0;
}
