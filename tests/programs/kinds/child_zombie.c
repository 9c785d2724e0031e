/* Two children that exit and are never waited for: make_child (fork,
 * exits 3) and spawn_child (posix_spawn of sh -c 'exit 5'); one more
 * forked and reaped with waitpid. Expected: two "child" groups, one
 * zombie each, exit statuses "exited 3" and "exited 5". */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Wait until pid is a zombie, without reaping it. */
static void wait_zombie(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	for (;;) {
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
		if (f)
			fclose(f);
		buf[n] = 0;
		char *p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'Z')
			return;
		usleep(1000);
	}
}

static pid_t make_child(int code)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(code);
	return pid;
}

static pid_t spawn_child(void)
{
	pid_t pid;
	char *argv[] = { "sh", "-c", "exit 5", NULL };
	char *envp[] = { NULL };   /* no LD_PRELOAD: the shell is not traced */
	if (posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, envp) != 0)
		exit(1);
	return pid;
}

int main(void)
{
	pid_t a = make_child(3);
	pid_t b = spawn_child();
	pid_t c = make_child(0);
	waitpid(c, NULL, 0);
	wait_zombie(a);
	wait_zombie(b);
	printf("children done\n");
	return 0;
}
