/* Every child waited for: fork + waitpid, posix_spawn + wait, fork +
 * waitid. No child in the report, and the default gate passes. */
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pid_t a = fork();
	if (a == 0)
		_exit(1);
	waitpid(a, NULL, 0);
	pid_t b;
	char *argv[] = { "true", NULL };
	char *envp[] = { NULL };
	if (posix_spawn(&b, "/bin/true", NULL, NULL, argv, envp) == 0)
		wait(NULL);
	pid_t c = fork();
	if (c == 0)
		_exit(2);
	siginfo_t si;
	waitid(P_PID, (id_t)c, &si, WEXITED);
	printf("children done\n");
	return 0;
}
