/* One vocabulary for handles: a FILE* and an open() descriptor on the same
 * file, a popen stream, and fdopen streams on a socket and on a pipe, each
 * kept open from its own function (the other ends are closed). Expected:
 * kinds file (stream), fd (descriptor), file with popen, file on a unix
 * socket, file on a pipe; five leaked handles, no leaked memory. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

FILE *kept[4];
int kept_fd;

static __attribute__((noinline)) void open_stream(const char *path)
{
	kept[0] = fopen(path, "r");
}

static __attribute__((noinline)) void open_descriptor(const char *path)
{
	kept_fd = open(path, O_RDONLY);
}

static __attribute__((noinline)) void open_pipe_stream(void)
{
	kept[1] = popen("exit 0", "r");
}

static __attribute__((noinline)) void stream_on_socket(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
		kept[2] = fdopen(sv[0], "r");
		close(sv[1]);
	}
}

static __attribute__((noinline)) void stream_on_pipe(void)
{
	int p[2];
	if (pipe(p) == 0) {
		kept[3] = fdopen(p[0], "r");
		close(p[1]);
	}
}

int main(void)
{
	open_stream("/etc/hostname");
	open_descriptor("/etc/hostname");
	open_pipe_stream();
	stream_on_socket();
	stream_on_pipe();
	printf("%s\n", kept[0] && kept_fd >= 0 && kept[1] && kept[2] && kept[3] ? "opened" : "failed");
	return 0;
}
