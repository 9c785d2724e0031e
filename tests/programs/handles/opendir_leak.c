/* opendir without closedir: one leaked "dir". Another directory stream is
 * opened and closed. The DIR stays reachable through a global. */
#include <dirent.h>
#include <stdio.h>

DIR *kept;

static __attribute__((noinline)) DIR *scan_dir(const char *path)
{
	DIR *d = opendir(path);
	kept = d;
	return d;
}

int main(void)
{
	DIR *ok = opendir("/");
	if (ok)
		closedir(ok);
	printf("%s\n", scan_dir("/tmp") ? "opened" : "failed");
	return 0;
}
