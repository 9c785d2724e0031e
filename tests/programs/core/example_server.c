/* The bundled example: a tiny loopback request server with the three leaks
 * long-running servers really have. A client thread connects CONNS times
 * and sends a few requests on each; the server serves them and exits.
 *
 *  1. Sessions are added to a pool that is never cleaned: still reachable,
 *     growing by one session per connection (pool_add).
 *  2. A POST's request context is handed to a completion callback that
 *     forgets to free it: definitely lost, one per POST (new_request_ctx).
 *  3. A connection that sent a malformed request is abandoned without
 *     close(): when the client hangs up, the socket sits in CLOSE_WAIT
 *     (serve_connection's error path).
 *
 * memcheck (--leak-check=full --show-leak-kinds=all --track-fds=yes):
 *   definitely lost: 384 bytes in 4 blocks (new_request_ctx, 4 x 96: the
 *                    malformed connection sent no POST)
 *   still reachable: 320 bytes in 5 blocks (pool_add, 5 x 64) + stdio
 *   open file descriptors: the listening socket is closed; 1 accepted
 *   socket (the malformed connection) is left open. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONNS 5

struct session {                /* 64 bytes */
	int fd;
	int requests;
	char peer[40];
	struct session *next;
	long started;
};

struct request_ctx {            /* 96 bytes */
	struct session *session;
	char method[8];
	char path[64];
	long length;
	void (*done)(struct request_ctx *);
};

static struct session *pool;    /* sessions are never removed: leak 1 */
static unsigned short port;
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;

__attribute__((noinline)) static struct session *pool_add(int fd)
{
	struct session *s = calloc(1, sizeof *s);
	s->fd = fd;
	snprintf(s->peer, sizeof s->peer, "fd%d", fd);
	s->next = pool;
	pool = s;
	return s;
}

static void reply(struct session *s, const char *msg)
{
	ssize_t n = write(s->fd, msg, strlen(msg));
	(void)n;
}

static void on_get_complete(struct request_ctx *ctx)
{
	reply(ctx->session, "200 OK\n");
	free(ctx);
}

/* leak 2: the completion callback for POST replies but never frees ctx */
static void on_post_complete(struct request_ctx *ctx)
{
	reply(ctx->session, "201 Created\n");
	ctx->session->requests++;
}

__attribute__((noinline)) static struct request_ctx *new_request_ctx(struct session *s,
								     const char *line)
{
	struct request_ctx *ctx = malloc(sizeof *ctx);
	memset(ctx, 0, sizeof *ctx);
	ctx->session = s;
	sscanf(line, "%7s %63s", ctx->method, ctx->path);
	ctx->done = strcmp(ctx->method, "POST") ? on_get_complete : on_post_complete;
	return ctx;
}

static int handle_request(struct session *s, const char *line)
{
	if (strncmp(line, "GET ", 4) && strncmp(line, "POST ", 5))
		return -1;
	struct request_ctx *ctx = new_request_ctx(s, line);
	ctx->done(ctx);
	return 0;
}

__attribute__((noinline)) static void serve_connection(int fd)
{
	struct session *s = pool_add(fd);
	char buf[512];
	size_t have = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 5000) <= 0)
			break;
		ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
		if (n <= 0)
			break;                  /* peer hung up */
		have += (size_t)n;
		buf[have] = 0;
		char *nl;
		while ((nl = strchr(buf, '\n'))) {
			*nl = 0;
			if (handle_request(s, buf) < 0) {
				reply(s, "400 Bad Request\n");
				return;         /* leak 3: fd never closed */
			}
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have + 1);
		}
	}
	close(fd);
}

static void *client(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&ready_lock);
	while (!port)
		pthread_cond_wait(&ready_cond, &ready_lock);
	pthread_mutex_unlock(&ready_lock);
	for (int i = 0; i < CONNS; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
			perror("connect");
			close(fd);
			continue;
		}
		const char *req = i == 2 ? "GET /index\nBROKEN\n" : "GET /index\nPOST /form\n";
		ssize_t n = write(fd, req, strlen(req));
		(void)n;
		char buf[256];
		/* read the replies until the server stops talking */
		struct pollfd p = { .fd = fd, .events = POLLIN };
		size_t got = 0;
		while (got < 2 && poll(&p, 1, 500) > 0 && read(fd, buf, sizeof buf) > 0)
			got++;
		shutdown(fd, SHUT_RDWR);
		close(fd);
	}
	return NULL;
}

/* `example_server serve` runs the same server for outside clients instead
 * (tests/e2e/test_snapshot.c drives it; the lines above keep their numbers,
 * which tests check): it prints its port, serves one connection after
 * another until it is killed, and leaks the same way: 64 bytes (one
 * session) per connection, 96 bytes per POST. */
static int serve_forever(int lfd, unsigned short p)
{
	printf("%u\n", p);
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;   /* a snapshot signal */
			perror("accept");
			return 1;
		}
		serve_connection(fd);
	}
}

int main(int argc, char **argv)
{
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof a;
	if (bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 16) ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen)) {
		perror("listen");
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "serve"))
		return serve_forever(lfd, ntohs(a.sin_port));
	pthread_t t;
	pthread_create(&t, NULL, client, NULL);
	pthread_mutex_lock(&ready_lock);
	port = ntohs(a.sin_port);
	pthread_cond_signal(&ready_cond);
	pthread_mutex_unlock(&ready_lock);

	int served = 0;
	for (int i = 0; i < CONNS; i++) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		if (poll(&p, 1, 5000) <= 0)
			break;
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			break;
		serve_connection(fd);
		served++;
	}
	pthread_join(t, NULL);
	close(lfd);
	int sessions = 0;
	for (struct session *s = pool; s; s = s->next)
		sessions++;
	printf("example server: served %d connections, %d sessions in the pool\n", served, sessions);
	return 0;
}
