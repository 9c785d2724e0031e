/* A program that brings its own allocator, linked into the executable as
 * jemalloc, tcmalloc, mimalloc or PartitionAlloc are: malloc, free, calloc,
 * realloc, posix_memalign, aligned_alloc, memalign and malloc_usable_size
 * defined here, bump-allocated from a static arena. Like jemalloc's
 * malloc_init_hard, its first call initialises it (once, with a re-entry
 * check) and reads a
 * /proc file through libc (open/read/close, which the tracer hooks); a
 * call that re-enters malloc during that initialisation is reported and
 * ends the process with status 99 instead of deadlocking. The first call
 * comes from a preinit_array function, before any library constructor.
 * With the argument leak_fd it also leaves /dev/null open (leaked_fd).
 * memcheck 3.19 replaces the executable's allocator with its own (its
 * default: allocator functions defined in the main program are intercepted
 * too): "5 allocs, 4 frees", still reachable 16 bytes in 1 block (the
 * preinit strdup), nothing lost; with leak_fd, /dev/null is open at exit,
 * opened in leaked_fd. leaktrace cannot replace an allocator linked into
 * the executable, so it traces handles only and says so in the report. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARENA (8u << 20)

static _Alignas(64) unsigned char arena[ARENA];
static size_t used;
static int init_state;            /* 0 not yet, 1 initialising, 2 ready */
static int overcommit = -1;

static void die(const char *msg)
{
	write(2, msg, strlen(msg));
	_exit(99);
}

static void init(void)
{
	if (init_state == 2)
		return;
	if (init_state == 1)
		die("own_allocator: malloc re-entered during its initialisation\n");
	init_state = 1;
	int fd = open("/proc/sys/vm/overcommit_memory", O_RDONLY);
	if (fd >= 0) {
		char c;
		if (read(fd, &c, 1) == 1)
			overcommit = c - '0';
		close(fd);
	}
	init_state = 2;
}

struct hdr {
	size_t size;
	size_t pad;
};

static void *bump(size_t align, size_t n)
{
	init();
	if (align < 16)
		align = 16;
	uintptr_t base = (uintptr_t)arena;
	uintptr_t at = (base + used + sizeof(struct hdr) + align - 1) & ~(uintptr_t)(align - 1);
	if (n > ARENA || at + n > base + ARENA) {
		errno = ENOMEM;
		return NULL;
	}
	((struct hdr *)at)[-1].size = n;
	used = at + n - base;
	return (void *)at;
}

void *malloc(size_t n)
{
	return bump(16, n);
}

void free(void *p)
{
	(void)p;     /* a bump allocator never reuses memory */
}

void *calloc(size_t n, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return bump(16, total);     /* the arena is never reused: zero */
}

size_t malloc_usable_size(void *p)
{
	return p ? ((struct hdr *)p)[-1].size : 0;
}

void *realloc(void *p, size_t n)
{
	void *q = bump(16, n);
	if (q && p) {
		size_t have = malloc_usable_size(p);
		memcpy(q, p, have < n ? have : n);
	}
	return q;
}

void *memalign(size_t align, size_t n)
{
	return bump(align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
	return bump(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p = bump(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

static char *early;

static void preinit(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)envp;
	early = strdup(argv[0]);   /* the allocator's first call */
}

__attribute__((section(".preinit_array"), used)) static void (*const preinit_fn)(int, char **, char **) = preinit;

__attribute__((noinline)) static char *joined(const char *a, const char *b)
{
	char *s = malloc(strlen(a) + 1);
	strcpy(s, a);
	s = realloc(s, strlen(a) + strlen(b) + 1);
	strcat(s, b);
	return s;
}

__attribute__((noinline)) static int leaked_fd(void)
{
	int fd = open("/dev/null", O_RDONLY);
	return fd >= 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "leak_fd") && !leaked_fd())
		return 4;
	char *s = joined("own allocator ", "works");
	FILE *f = fopen("/proc/self/stat", "r");
	if (!f)
		return 3;
	fclose(f);
	printf("%s; initialised %s; early block %s; overcommit read %s\n", s,
	       init_state == 2 ? "once" : "never", early ? "kept" : "missing",
	       overcommit >= 0 ? "yes" : "no");
	free(s);
	return 0;
}
