/* A TCP client on loopback reads EOF (the server closed) and never closes
 * its socket: one leaked socket, in CLOSE_WAIT. The server side (listener
 * and accepted socket) is closed properly. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile int sink;

static __attribute__((noinline)) int connect_client(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sink = fd;
	if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) != 0)
		return -1;
	return fd;
}

int main(void)
{
	int lis = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	if (bind(lis, (struct sockaddr *)&a, sizeof a) || listen(lis, 4) ||
	    getsockname(lis, (struct sockaddr *)&a, &al))
		return 1;
	int c = connect_client(&a);
	int s = accept(lis, NULL, NULL);
	if (c < 0 || s < 0)
		return 1;
	close(s);      /* the peer closes: the client sees EOF */
	close(lis);
	char buf[16];
	ssize_t n = read(c, buf, sizeof buf);
	printf("read %zd\n", n);
	return n == 0 ? 0 : 1;   /* c is never closed: CLOSE_WAIT */
}
