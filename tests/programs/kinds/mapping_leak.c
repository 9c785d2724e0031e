/* Mappings never unmapped: map_anon (3 pages, anonymous), map_file
 * (/etc/hostname, 1 page, shared read-only), map_split (4 pages with the
 * second unmapped: 2 pieces, 3 pages), map_grow (2 pages grown and moved
 * by mremap to 5 pages). glibc's own mmap for a 4 MiB malloc chunk and the
 * program's munmapped mapping are never seen. With a 4096-byte page:
 * 4 groups, 5 mappings, 12288 + 4096 + 12288 + 20480 bytes. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096

static void *map_anon(size_t n)
{
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p[0] = 1;
	return p;
}

static void *map_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	void *p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	return p;
}

static void *map_split(void)
{
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p + PG, PG);
	return p;
}

static void *map_grow(void)
{
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* a guard mapping right after it makes the kernel move it */
	void *fence = mmap(p + 2 * PG, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	char *q = mremap(p, 2 * PG, 5 * PG, MREMAP_MAYMOVE);
	if (fence != MAP_FAILED)
		munmap(fence, PG);
	return q;
}

int main(void)
{
	map_anon(3 * PG);
	map_file("/etc/hostname");
	map_split();
	map_grow();
	void *gone = map_anon(2 * PG);
	munmap(gone, 2 * PG);
	char *big = malloc(4 << 20);   /* glibc: an mmapped chunk, internal mmap */
	big[0] = 1;
	free(big);
	printf("mappings done\n");
	return 0;
}
