/* One report with a group of every shape the text shows: memory of every
 * class, handles with their details, a suppressed group (text.supp hides
 * leak_suppressed). `leaktrace report` must print its JSON exactly as the
 * shim printed the text (tests/tools/text_same_test.sh).
 * memcheck (--leak-check=full --show-leak-kinds=all --track-fds=yes):
 *   definitely lost: 136 bytes in 3 blocks (leak_definite 100, the list
 *     head 32, leak_suppressed 4: leaktrace shows 132 in 2 and the 4 as
 *     suppressed), indirectly lost: 32 bytes in 1 block (the list's second
 *     node), possibly lost: 64 bytes in 1 block, still reachable: 512 bytes
 *     in 2 blocks (keep 40, the FILE of fopen 472); 6 descriptors opened
 *     here (pipe 3 and 4, /dev/null 5, the socket 6, epoll 7, the FILE's 8). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

struct node {
	struct node *next;
	char pad[24];
};

static void *keep;            /* still reachable */
static char *inner;           /* possibly lost: points 8 bytes in */
static volatile unsigned long sink;

__attribute__((noinline)) static void leak_definite(void)
{
	char *p = malloc(100);
	memset(p, 1, 100);
	sink += (unsigned long)p[0];
}

__attribute__((noinline)) static void leak_list(void)
{
	struct node *head = calloc(1, sizeof *head);  /* 32 bytes, definitely lost */
	head->next = calloc(1, sizeof *head);         /* 32 bytes, indirectly lost */
	sink += (unsigned long)head->pad[0];
}

__attribute__((noinline)) static void leak_possible(void)
{
	inner = (char *)malloc(64) + 8;
}

__attribute__((noinline)) static void leak_reachable(void)
{
	keep = malloc(40);
}

__attribute__((noinline)) static void leak_suppressed(void)
{
	char *p = malloc(4);
	memset(p, 0, 4);
	sink += (unsigned long)p[0];
}

__attribute__((noinline)) static void leak_handles(void)
{
	int fds[2];
	if (pipe(fds) != 0)
		exit(1);
	if (open("/dev/null", O_RDONLY) < 0)
		exit(1);
	if (socket(AF_INET, SOCK_STREAM, 0) < 0)
		exit(1);
	if (epoll_create1(0) < 0)
		exit(1);
	if (!fopen("/dev/null", "r"))
		exit(1);
}

int main(void)
{
	leak_definite();
	leak_list();
	leak_possible();
	leak_reachable();
	leak_suppressed();
	leak_handles();
	scrub();
	return 0;
}
