/* Every mapping unmapped, in pieces too: no mapping in the report. */
#include <stdio.h>
#include <sys/mman.h>

#define PG 4096

int main(void)
{
	char *a = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(a + PG, PG);         /* middle, then the two ends */
	munmap(a, PG);
	munmap(a + 2 * PG, PG);
	char *b = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b = mremap(b, PG, 6 * PG, MREMAP_MAYMOVE);
	munmap(b, 6 * PG);
	printf("mappings done\n");
	return 0;
}
