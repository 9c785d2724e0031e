/* Descriptors that pass no hook: an eventfd made with a raw system call and
 * never closed (open but never seen created: reported with origin
 * "unknown", outside leaked_handles and the gate), and a traced /dev/null
 * descriptor closed with a raw system call (the kernel no longer has it:
 * dropped, never reported). Zero leaked handles. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	long efd = syscall(SYS_eventfd2, 0, 0);
	int fd = open("/dev/null", O_RDONLY);
	syscall(SYS_close, fd);
	printf("%ld %d\n", efd, fd);
	return 0;
}
