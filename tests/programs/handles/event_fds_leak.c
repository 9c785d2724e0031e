/* epoll, eventfd and timerfd descriptors leaked, one call site each
 * (three fds); a signalfd made and closed, not a leak. */
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static volatile int sink;

static __attribute__((noinline)) int make_epoll(void)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);
	sink = fd;
	return fd;
}

static __attribute__((noinline)) int make_eventfd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC);
	sink = fd;
	return fd;
}

static __attribute__((noinline)) int make_timerfd(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	sink = fd;
	return fd;
}

int main(void)
{
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	int s = signalfd(-1, &m, SFD_CLOEXEC);
	close(s);
	printf("%d %d %d\n", make_epoll(), make_eventfd(), make_timerfd());
	return 0;
}
