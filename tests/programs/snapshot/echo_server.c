/* A loopback echo server that leaks one session object per connection: the
 * session is allocated in new_session and dropped when the connection ends
 * (definitely lost, 64 bytes each). It prints its port on stdout, serves
 * until killed, and has no signal handler of its own. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct session {                 /* 64 bytes */
	int fd;
	unsigned long bytes;
	char tag[48];
};

static volatile unsigned long served;

__attribute__((noinline)) static struct session *new_session(int fd)
{
	struct session *s = malloc(sizeof *s);
	memset(s, 0, sizeof *s);
	s->fd = fd;
	snprintf(s->tag, sizeof s->tag, "conn-%lu", served);
	return s;
}

__attribute__((noinline)) static void serve(int fd)
{
	struct session *s = new_session(fd);
	char buf[256];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		if (write(fd, buf, (size_t)n) != n)
			break;
		s->bytes += (unsigned long)n;
	}
	close(fd);
	served++;
	/* the session is never freed: one leak per connection */
}

int main(void)
{
	_Static_assert(sizeof(struct session) == 64, "session is 64 bytes");
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof a;
	if (bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 64) ||
	    getsockname(lfd, (struct sockaddr *)&a, &len)) {
		perror("listen");
		return 1;
	}
	printf("%d\n", ntohs(a.sin_port));
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd >= 0)
			serve(fd);
		else if (errno != EINTR && errno != ECONNABORTED)
			return 2;
	}
}
