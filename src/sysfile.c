/* Whole files and descriptor lists read raw into private memory (see
 * sysfile.h). */
#include "sysfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "intalloc.h"
#include "sys.h"

int lt_sys_read_file(const char *path, char **out, size_t *len)
{
	int fd = lt_sys_openat(AT_FDCWD, path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	size_t cap = 4096, n = 0;
	char *buf = lt_ia_alloc(cap);
	if (!buf) {
		lt_sys_close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (n + 1 >= cap) {
			char *nb = lt_ia_realloc(buf, cap, cap * 2);
			if (!nb) {
				lt_ia_free(buf);
				lt_sys_close(fd);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = lt_sys_read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			lt_ia_free(buf);
			lt_sys_close(fd);
			return (int)r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	lt_sys_close(fd);
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}

/* Whether a seccomp filter is in force ("Seccomp: 2" in /proc/self/status;
 * asking prctl could itself be filtered). No such line: a kernel without
 * seccomp; an unreadable file counts as filtered. */
int lt_sys_seccomp_filtered(void)
{
	long mode;
	int rc = lt_sys_status_field("Seccomp", &mode);
	if (rc == -ENOENT)
		return 0;
	return rc || mode != 0;
}

int lt_sys_status_field(const char *name, long *out)
{
	char *buf;
	size_t len;
	int rc = lt_sys_read_file("/proc/self/status", &buf, &len);
	if (rc)
		return rc;
	size_t nl = strlen(name);
	rc = -ENOENT;
	for (const char *l = buf; l; l = strchr(l, '\n')) {
		if (*l == '\n')
			l++;
		if (!strncmp(l, name, nl) && l[nl] == ':') {
			*out = strtol(l + nl + 1, NULL, 10);
			rc = 0;
			break;
		}
	}
	lt_ia_free(buf);
	return rc;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

struct fd_list {
	int *v;
	size_t n, cap;
};

static int add_fd(long fd, int dirfd, void *arg)
{
	struct fd_list *l = arg;
	if (fd == dirfd)
		return 0;
	if (l->n == l->cap) {
		int *nv = lt_ia_realloc(l->v, l->cap * sizeof *nv, l->cap * 2 * sizeof *nv);
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap *= 2;
	}
	l->v[l->n++] = (int)fd;
	return 0;
}

int lt_sys_open_fds(int **out, size_t *n)
{
	struct fd_list l = { lt_ia_alloc(64 * sizeof(int)), 0, 64 };
	if (!l.v)
		return -ENOMEM;
	long rc = lt_sys_each_number("/proc/self/fd", add_fd, &l);
	if (rc < 0) {
		lt_ia_free(l.v);
		return (int)rc;
	}
	qsort(l.v, l.n, sizeof *l.v, cmp_int);
	*out = l.v;
	*n = l.n;
	return 0;
}
