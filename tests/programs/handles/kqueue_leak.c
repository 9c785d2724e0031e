/* kqueue (against the tests' double): a kqueue never closed, with one
 * filter left on it (EVFILT_TIMER ident 7, added in arm_timer). Also on
 * it, none of them leaks: a filter added then deleted, an EV_ONESHOT read
 * filter that fired (the kernel - here the double - deleted it), and a
 * read filter on a pipe that was then closed (closing a descriptor
 * releases the filters on it). One kqueue, one kevent_filter. */
#include <stdio.h>
#include <unistd.h>

#include <sys/event.h>

static volatile int sink;

static __attribute__((noinline)) int make_queue(void)
{
	int kq = kqueue();
	sink = kq;
	return kq;
}

static __attribute__((noinline)) int arm_timer(int kq)
{
	struct kevent ev;
	EV_SET(&ev, 7, EVFILT_TIMER, EV_ADD, 0, 1000, NULL);
	int r = kevent(kq, &ev, 1, NULL, 0, NULL);
	sink = r;
	return r;
}

int main(void)
{
	int kq = make_queue();
	if (kq < 0)
		return 1;
	if (arm_timer(kq))
		return 1;
	struct kevent ev[2];
	EV_SET(&ev[0], 9, EVFILT_TIMER, EV_ADD, 0, 1000, NULL);
	if (kevent(kq, ev, 1, NULL, 0, NULL))
		return 1;
	EV_SET(&ev[0], 9, EVFILT_TIMER, EV_DELETE, 0, 0, NULL);
	if (kevent(kq, ev, 1, NULL, 0, NULL))
		return 1;

	int p[2];
	if (pipe(p) || write(p[1], "x", 1) != 1)
		return 1;
	EV_SET(&ev[0], p[0], EVFILT_READ, EV_ADD | EV_ONESHOT, 0, 0, NULL);
	/* the same array as change and event list, as programs often do */
	int n = kevent(kq, ev, 1, ev, 1, NULL);
	if (n != 1 || ev[0].filter != EVFILT_READ)
		return 1;
	EV_SET(&ev[0], p[1], EVFILT_WRITE, EV_ADD, 0, 0, NULL);
	if (kevent(kq, ev, 1, NULL, 0, NULL))
		return 1;
	close(p[0]);
	close(p[1]);
	puts("kqueue left open");
	return 0;
}
