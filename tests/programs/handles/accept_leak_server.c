/* A server loop that accepts three connections and never closes the
 * accepted sockets (the clients and the listener are closed): three
 * leaked sockets from one accept() call site, each in CLOSE_WAIT once
 * its client has gone. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#define CLIENTS 3

static int handled;

static __attribute__((noinline)) int serve_one(int lis)
{
	int s = accept(lis, NULL, NULL);
	if (s >= 0)
		handled++;     /* "handled", but never closed */
	return s;
}

int main(void)
{
	int lis = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	if (bind(lis, (struct sockaddr *)&a, sizeof a) || listen(lis, CLIENTS) ||
	    getsockname(lis, (struct sockaddr *)&a, &al))
		return 1;
	int cl[CLIENTS];
	for (int i = 0; i < CLIENTS; i++) {
		cl[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(cl[i], (struct sockaddr *)&a, sizeof a))
			return 1;
	}
	for (int i = 0; i < CLIENTS; i++)
		if (serve_one(lis) < 0)
			return 1;
	for (int i = 0; i < CLIENTS; i++)
		close(cl[i]);
	close(lis);
	usleep(50 * 1000);   /* let the FINs arrive */
	printf("handled %d\n", handled);
	return 0;
}
