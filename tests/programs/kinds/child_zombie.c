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

#include "zombie.h"

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
