/* Per-handle details at report time (see handleinfo.h). The socket calls
 * (getsockopt, getsockname, getpeername) and everything under /proc go
 * through sys.c's raw system calls. */
#include "handleinfo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "../kqabi.h"
#include "../intalloc.h"
#include "../sys.h"

static const char *const tcp_states[] = {
	"UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
};

const char *lt_hinfo_tcp_state(int state)
{
	if (state > 0 && state < (int)(sizeof tcp_states / sizeof *tcp_states))
		return tcp_states[state];
	return "UNKNOWN";
}

const char *lt_hinfo_filter_name(int filter)
{
	switch (filter) {
	case EVFILT_READ: return "EVFILT_READ";
	case EVFILT_WRITE: return "EVFILT_WRITE";
	case EVFILT_AIO: return "EVFILT_AIO";
	case EVFILT_VNODE: return "EVFILT_VNODE";
	case EVFILT_PROC: return "EVFILT_PROC";
	case EVFILT_SIGNAL: return "EVFILT_SIGNAL";
	case EVFILT_TIMER: return "EVFILT_TIMER";
#ifdef EVFILT_USER
	case EVFILT_USER: return "EVFILT_USER";
#endif
	default: {
		static char buf[32];
		snprintf(buf, sizeof buf, "filter %d", filter);
		return buf;
	}
	}
}

static const char *family_name(int f)
{
	switch (f) {
	case AF_INET: return "inet";
	case AF_INET6: return "inet6";
	case AF_UNIX: return "unix";
	case AF_NETLINK: return "netlink";
	case AF_PACKET: return "packet";
	default: return "other";
	}
}

static const char *type_name(int t)
{
	switch (t) {
	case SOCK_STREAM: return "stream";
	case SOCK_DGRAM: return "dgram";
	case SOCK_SEQPACKET: return "seqpacket";
	case SOCK_RAW: return "raw";
	default: return "other";
	}
}

/* "127.0.0.1:4000", "[::1]:80", a unix path, "@abstract"; NULL if unnamed. */
static const char *addr_str(const struct sockaddr_storage *ss, socklen_t len, char *buf, size_t cap)
{
	if (ss->ss_family == AF_INET || ss->ss_family == AF_INET6) {
		const struct sockaddr_in *in4 = (const void *)ss;
		const struct sockaddr_in6 *in6 = (const void *)ss;
		int v6 = ss->ss_family == AF_INET6;
		char a[INET6_ADDRSTRLEN];
		inet_ntop(ss->ss_family, v6 ? (const void *)&in6->sin6_addr : (const void *)&in4->sin_addr,
			  a, sizeof a);
		snprintf(buf, cap, v6 ? "[%s]:%u" : "%s:%u", a,
			 ntohs(v6 ? in6->sin6_port : in4->sin_port));
		return buf;
	}
	if (ss->ss_family == AF_UNIX) {
		const struct sockaddr_un *un = (const void *)ss;
		size_t plen = len > offsetof(struct sockaddr_un, sun_path)
				      ? len - offsetof(struct sockaddr_un, sun_path) : 0;
		if (plen == 0)
			return NULL;                /* unnamed (socketpair) */
		if (un->sun_path[0] == 0) {
			snprintf(buf, cap, "@%.*s", (int)(plen - 1), un->sun_path + 1);
			return buf;
		}
		snprintf(buf, cap, "%.*s", (int)strnlen(un->sun_path, plen), un->sun_path);
		return buf;
	}
	return NULL;
}

static void describe_socket(int fd, lt_handle_detail_t *d)
{
	int v = 0;
	socklen_t l = sizeof v;
	int family = -1, type = -1, proto = -1;
	if (lt_sys_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l) == 0)
		family = v;
	l = sizeof v;
	if (lt_sys_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l) == 0)
		type = v;
	l = sizeof v;
	if (lt_sys_getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &l) == 0)
		proto = v;
	if (family >= 0)
		d->family = lt_report_strdup(family_name(family));
	if (type >= 0)
		d->type = lt_report_strdup(type_name(type));
	struct sockaddr_storage ss;
	char buf[256];
	socklen_t sl = sizeof ss;
	memset(&ss, 0, sizeof ss);
	if (lt_sys_getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		d->local = lt_report_strdup(addr_str(&ss, sl, buf, sizeof buf));
	sl = sizeof ss;
	memset(&ss, 0, sizeof ss);
	if (lt_sys_getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		d->peer = lt_report_strdup(addr_str(&ss, sl, buf, sizeof buf));
	if ((family == AF_INET || family == AF_INET6) && type == SOCK_STREAM &&
	    (proto == IPPROTO_TCP || proto == 0)) {
		struct tcp_info ti;
		socklen_t tl = sizeof ti;
		memset(&ti, 0, sizeof ti);
		if (lt_sys_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0) {
			d->tcp_state = lt_report_strdup(lt_hinfo_tcp_state(ti.tcpi_state));
			if (ti.tcpi_state == TCP_CLOSE_WAIT) {
				d->close_wait = 1;
				d->note = lt_report_strdup("peer closed; never closed here");
			}
		}
	}
}

/* Name a non-socket descriptor from its /proc/self/fd link. Returns 1 when
 * the link says it is a socket. */
static int describe_link(int fd, lt_handle_detail_t *d)
{
	char p[64], link[4096];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	if (lt_sys_readlink(p, link, sizeof link) < 0)
		return 0;
	static const struct { const char *prefix, *what; } anon[] = {
		{ "socket:", "socket" },
		{ "pipe:", "pipe" },
		{ "anon_inode:[eventfd]", "eventfd" },
		{ "anon_inode:[timerfd]", "timerfd" },
		{ "anon_inode:[eventpoll]", "epoll" },
		{ "anon_inode:[io_uring]", "io_uring" },
		{ "anon_inode:[signalfd]", "signalfd" },
		{ "anon_inode:inotify", "inotify" },
		{ "anon_inode:[pidfd]", "pidfd" },
		{ "anon_inode:", "anon_inode" },
		{ "/memfd:", "memfd" },
	};
	for (size_t i = 0; i < sizeof anon / sizeof *anon; i++) {
		size_t n = strlen(anon[i].prefix);
		if (!strncmp(link, anon[i].prefix, n)) {
			d->what = lt_report_strdup(anon[i].what);
			if (anon[i].prefix[0] == '/' || !strcmp(anon[i].what, "anon_inode"))
				d->path = lt_report_strdup(link);
			return i == 0;
		}
	}
	if (link[0] == '/') {
		d->what = lt_report_strdup("file");
		d->path = lt_report_strdup(link);
	} else {
		d->what = lt_report_strdup(link);
	}
	return 0;
}

int lt_hinfo_describe(int fd, int kind, lt_handle_detail_t *d)
{
	d->fd = fd;
	int sock = describe_link(fd, d);
	if (sock) {
		d->what = NULL;
		describe_socket(fd, d);
	}
	if (kind == LT_KIND_DIR && d->what && !strcmp(d->what, "file"))
		d->what = lt_report_strdup("directory");
	if (kind >= 0)
		return kind;
	return sock ? LT_KIND_SOCKET : LT_KIND_FD;
}
