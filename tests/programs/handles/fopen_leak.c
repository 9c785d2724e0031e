/* fopen without fclose: one leaked "file" (its descriptor is listed in the
 * detail, never as a separate fd). Another stream is opened and closed, a
 * third made with fdopen from open() and closed with fclose. The FILE
 * structure itself stays reachable through a global. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

FILE *kept;

static __attribute__((noinline)) FILE *open_config(const char *path)
{
	FILE *f = fopen(path, "r");
	kept = f;
	return f;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/etc/hostname";
	FILE *ok = fopen(path, "r");
	if (ok)
		fclose(ok);
	int fd = open(path, O_RDONLY);
	FILE *viafd = fdopen(fd, "r");
	if (viafd)
		fclose(viafd);
	printf("%s\n", open_config(path) ? "opened" : "failed");
	return 0;
}
