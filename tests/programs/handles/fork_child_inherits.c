/* A socket leaked by the parent (open_listener), then fork(): the child
 * exits at once. The child's report lists nothing of its parent's as its
 * own leak (the socket is inherited); the parent's report has one leaked
 * socket. */
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int sink;

static __attribute__((noinline)) int open_listener(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sink = fd;
	return fd;
}

int main(void)
{
	open_listener();
	pid_t pid = fork();
	if (pid == 0)
		return 0;
	int st = 0;
	waitpid(pid, &st, 0);
	printf("child %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
