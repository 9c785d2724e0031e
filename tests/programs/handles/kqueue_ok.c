/* A correct kqueue program (against the tests' double): filters added,
 * one deleted, the kqueue closed (which releases the rest). Zero handles. */
#include <stdio.h>
#include <unistd.h>

#include <sys/event.h>

int main(void)
{
	int kq = kqueue();
	if (kq < 0)
		return 1;
	struct kevent ev[2];
	EV_SET(&ev[0], 3, EVFILT_TIMER, EV_ADD, 0, 1000, NULL);
	EV_SET(&ev[1], 4, EVFILT_USER, EV_ADD, 0, 0, NULL);
	if (kevent(kq, ev, 2, NULL, 0, NULL))
		return 1;
	EV_SET(&ev[0], 3, EVFILT_TIMER, EV_DELETE, 0, 0, NULL);
	if (kevent(kq, ev, 1, NULL, 0, NULL))
		return 1;
	close(kq);
	puts("kqueue closed");
	return 0;
}
