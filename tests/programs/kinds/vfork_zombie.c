/* vfork children never waited for: vfork_exit (the child calls _exit(4))
 * and vfork_exec (the child execs /bin/sh -c 'exit 7'); one more made by
 * vfork_exit and reaped with waitpid. Each function does work after vfork
 * returns in the parent (its return value goes through a volatile), so the
 * parent resumes in a frame the child has used: the hook must not return
 * through a clobbered one. Expected: two "child" groups, one zombie each,
 * "exited 4" and "exited 7", with the pids the program prints once /proc
 * shows them as zombies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zombie.h"

static pid_t vfork_exit(int code)
{
	volatile pid_t pid = vfork();
	if (pid == 0)
		_exit(code);
	return pid;
}

static pid_t vfork_exec(void)
{
	volatile pid_t pid = vfork();
	if (pid == 0) {
		char *envp[] = { NULL };   /* no LD_PRELOAD: the shell is not traced */
		execle("/bin/sh", "sh", "-c", "exit 7", (char *)NULL, envp);
		_exit(127);
	}
	return pid;
}

int main(void)
{
	pid_t a = vfork_exit(4);
	pid_t b = vfork_exec();
	pid_t c = vfork_exit(0);
	if (a <= 0 || b <= 0 || c <= 0 || waitpid(c, NULL, 0) != c)
		return 1;
	wait_zombie(a);
	wait_zombie(b);
	/* the pids /proc shows as zombies: the report must name the same */
	printf("zombies %d %d\n", (int)a, (int)b);
	return 0;
}
