/* Opens one of everything and closes all of it: zero handles, gate passes. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	int p[2], sp[2];
	if (pipe(p) || pipe2(sp, O_CLOEXEC))
		return 1;
	close(p[0]);
	close(p[1]);
	close(sp[0]);
	close(sp[1]);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp))
		return 1;
	close(sp[0]);
	close(sp[1]);

	int lis = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	if (bind(lis, (struct sockaddr *)&a, sizeof a) || listen(lis, 1) ||
	    getsockname(lis, (struct sockaddr *)&a, &al))
		return 1;
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof a))
		return 1;
	int s = accept4(lis, NULL, NULL, SOCK_CLOEXEC);
	close(s);
	close(c);
	close(lis);

	int fd = open("/dev/null", O_RDONLY);
	int d1 = dup(fd), d2 = dup2(fd, 30), d3 = dup3(fd, 31, O_CLOEXEC);
	int d4 = fcntl(fd, F_DUPFD, 40);
	close(d1);
	close(d2);
	close(d3);
	close(d4);
	close(fd);
	fd = openat(AT_FDCWD, "/dev/null", O_RDONLY);
	close(fd);
	fd = creat("/tmp/leaktrace-closes-all.tmp", 0600);
	close(fd);
	unlink("/tmp/leaktrace-closes-all.tmp");

	close(epoll_create1(0));
	close(epoll_create(4));
	close(eventfd(0, 0));
	close(timerfd_create(CLOCK_MONOTONIC, 0));
	close(inotify_init1(0));
	close(inotify_init());
	close(memfd_create("x", 0));
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	close(signalfd(-1, &m, 0));

	FILE *f = fopen("/dev/null", "r");
	fclose(f);
	f = tmpfile();
	fclose(f);
	DIR *dir = opendir("/");
	closedir(dir);
	dir = fdopendir(open("/", O_RDONLY | O_DIRECTORY));
	closedir(dir);

	/* a range of descriptors closed at once */
	int r1 = open("/dev/null", O_RDONLY), r2 = dup2(r1, 50), r3 = dup2(r1, 51);
	close(r1);
	(void)r2;
	(void)r3;
	close_range(50, 51, 0);
	puts("all closed");
	return 0;
}
