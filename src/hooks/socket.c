/* Hooks for socket-creating calls: socket, socketpair, accept, accept4.
 * Sockets are closed by close() (hooks/fd.c); their live state - family,
 * addresses, TCP state such as CLOSE_WAIT - is read at report time
 * (report/handleinfo.c), not here, so the hooks stay one table write. */
#include <sys/socket.h>

#include "hhook.h"

LT_EXPORT int socket(int domain, int type, int protocol)
{
	LT_REAL_OR_ENOSYS(socket, -1);
	int fd = lt_real.socket(domain, type, protocol);
	lt_hh_created(fd, LT_KIND_SOCKET);
	return fd;
}

LT_EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	LT_REAL_OR_ENOSYS(socketpair, -1);
	int r = lt_real.socketpair(domain, type, protocol, sv);
	if (r == 0) {
		lt_hh_created(sv[0], LT_KIND_SOCKET);
		lt_hh_created(sv[1], LT_KIND_SOCKET);
	}
	return r;
}

LT_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	LT_REAL_OR_ENOSYS(accept, -1);
	int r = lt_real.accept(fd, addr, len);
	lt_hh_created(r, LT_KIND_SOCKET);
	return r;
}

LT_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	LT_REAL_OR_ENOSYS(accept4, -1);
	int r = lt_real.accept4(fd, addr, len, flags);
	lt_hh_created(r, LT_KIND_SOCKET);
	return r;
}
