/* Sets its process title the way redis, nginx and postgres do
 * (setproctitle): copies the environment to the heap, then writes the title
 * over the argv/environ block and clears the rest of it, so
 * /proc/PID/environ no longer shows LD_PRELOAD or LEAKTRACE_OPTIONS. Leaks
 * 96 bytes in title_leak, prints "ready" and waits for signals until
 * killed; with argument "exit" it returns instead of waiting.
 * memcheck --leak-check=full (with "exit"): "definitely lost: 96 bytes in
 * 1 blocks" (title_leak); the environment copy is still reachable. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;
static volatile unsigned long sink;
/* glibc's __libc_freeres (memcheck runs it) clears environ: keep the copy
 * reachable from here too */
static char **env_copy;

__attribute__((noinline)) static void title_leak(void)
{
	char *p = malloc(96);
	memset(p, 9, 96);
	sink += (unsigned long)p[4];
}

static void set_title(int argc, char **argv, const char *title)
{
	char *base = argv[0], *end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
	size_t n = 0;
	while (environ[n])
		n++;
	char **copy = calloc(n + 1, sizeof *copy);
	for (size_t i = 0; i < n; i++) {
		if (environ[i] == end)
			end += strlen(environ[i]) + 1;
		copy[i] = strdup(environ[i]);
	}
	env_copy = copy;
	environ = copy;
	memset(base, 0, (size_t)(end - base));
	snprintf(base, (size_t)(end - base), "%s", title);
}

int main(int argc, char **argv)
{
	int once = argc > 1 && !strcmp(argv[1], "exit");
	set_title(argc, argv, "proctitle: waiting");
	title_leak();
	printf("ready\n");
	fflush(stdout);
	if (once)
		return 0;
	for (;;)
		pause();
}
