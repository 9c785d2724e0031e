/* Every vfork child waited for: one _exits and is reaped with waitpid,
 * one execs /bin/true and is reaped with wait. No child in the report. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pid_t a = vfork();
	if (a == 0)
		_exit(1);
	int st = 0;
	if (waitpid(a, &st, 0) != a || !WIFEXITED(st) || WEXITSTATUS(st) != 1)
		return 1;
	pid_t b = vfork();
	if (b == 0) {
		char *envp[] = { NULL };
		execle("/bin/true", "true", (char *)NULL, envp);
		_exit(127);
	}
	if (wait(&st) != b || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 1;
	printf("children done\n");
	return 0;
}
