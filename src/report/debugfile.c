/* Separate debug-info files, found offline (see debugfile.h).
 *
 * Why not dwfl_standard_find_debuginfo: in elfutils 0.188 it ends, when its
 * local search finds nothing, in __libdwfl_debuginfod_find_debuginfo, which
 * dlopens libdebuginfod.so.1; that library's constructor runs
 * curl_global_init -> libssh2 -> OpenSSL. At exit, after OpenSSL's own
 * atexit cleanup freed its locks, that crashes every OpenSSL-linked program
 * (curl, ssh, openssl, python's ssl), with DEBUGINFOD_URLS unset too.
 * dwfl_build_id_find_elf does the same for executables. A report runs inside
 * someone else's process, at its exit: it must not load or initialise a
 * library. So the search is done here with open() and libelf alone, in the
 * order gdb and elfutils document:
 *
 *   ROOT/.build-id/xx/rest.debug                   (build-id, Debian's -dbg and -dbgsym)
 *   DIR/DEBUGLINK, DIR/.debug/DEBUGLINK, ROOT/DIR/DEBUGLINK   (.gnu_debuglink)
 *
 * where ROOT is the debug_root option (default /usr/lib/debug) and DIR the
 * module's directory. A debuglink candidate must carry the module's
 * build-id, or, when the module has none, match the link's CRC-32: a stale
 * or unrelated file would give wrong lines, which is worse than none.
 *
 * libdwfl calls the same callback for a debug file's .gnu_debugaltlink (a
 * dwz "alt" file shared by a package's debug files) with the alt path as
 * DEBUGLINK and the debug file as FILE_NAME; that request is recognised by
 * the path in DEBUGLINK (a .gnu_debuglink is a bare file name) and served
 * from the path, the path moved under ROOT, and the alt build-id. */
#include "debugfile.h"

#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../handle.h"
#include "../options.h"
#include "../sys.h"

#define SYSTEM_DEBUG_ROOT "/usr/lib/debug"

static const char *debug_root(void)
{
	return lt_opt.debug_root[0] ? lt_opt.debug_root : SYSTEM_DEBUG_ROOT;
}

/* Open path read-only, a regular file only (a FIFO or device under a
 * crafted name must not block the report). */
static int open_regular(const char *path)
{
	int fd = lt_sys_openat(AT_FDCWD, path, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	struct stat st;
	if (lt_sys_fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		lt_sys_close(fd);
		return -1;
	}
	return fd;
}

/* libdwfl takes ownership of the fd and frees the name with free() (the
 * tracer's allocator under the guard). */
static int give(int fd, const char *path, char **name_out)
{
	char *copy = strdup(path);
	if (!copy) {
		lt_sys_close(fd);
		return -1;
	}
	*name_out = copy;
	/* opened raw, so no hook saw it: mark it as the tracer's, or a later
	 * report would list it as a descriptor of unknown origin (libdwfl
	 * closes it with close(), whose hook forgets it) */
	lt_handle_fd_add(fd, LT_HK_TRACER, 0);
	return fd;
}

static int build_id_path(char *buf, size_t cap, const char *root, const unsigned char *id, size_t len)
{
	/* elfutils and gdb accept 3..64 byte ids */
	if (len < 3 || len > 64)
		return -1;
	int n = snprintf(buf, cap, "%s/.build-id/%02x/", root, id[0]);
	for (size_t i = 1; i < len && n > 0 && (size_t)n < cap; i++)
		n += snprintf(buf + n, cap - (size_t)n, "%02x", id[i]);
	if (n > 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, ".debug");
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int open_by_build_id(const unsigned char *id, size_t len, char **name_out)
{
	char path[4096];
	if (build_id_path(path, sizeof path, debug_root(), id, len) != 0)
		return -1;
	int fd = open_regular(path);
	return fd < 0 ? -1 : give(fd, path, name_out);
}

static int file_build_id_is(int fd, const unsigned char *id, size_t len)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	const void *bits = NULL;
	ssize_t n = elf ? dwelf_elf_gnu_build_id(elf, &bits) : -1;
	int same = n > 0 && (size_t)n == len && memcmp(bits, id, len) == 0;
	if (elf)
		elf_end(elf);
	return same;
}

static int file_crc_is(int fd, GElf_Word want)
{
	unsigned char buf[65536];
	uLong crc = crc32(0L, Z_NULL, 0);
	ssize_t n;
	off_t off = 0;
	while ((n = lt_sys_pread(fd, buf, sizeof buf, off)) > 0) {
		crc = crc32(crc, buf, (uInt)n);
		off += n;
	}
	return n == 0 && (GElf_Word)crc == want;
}

static int same_file(int fd, const char *other)
{
	struct stat a, b;
	return other && lt_sys_fstat(fd, &a) == 0 && lt_sys_stat(other, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* One .gnu_debuglink candidate: accepted when it is not the module itself
 * and carries the module's build-id (or, without one, the link's CRC). */
static int try_debuglink(const char *path, const char *module_file, const unsigned char *id,
			 size_t idlen, GElf_Word crc, char **name_out)
{
	int fd = open_regular(path);
	if (fd < 0)
		return -1;
	int ok = !same_file(fd, module_file) &&
		 (idlen ? file_build_id_is(fd, id, idlen) : file_crc_is(fd, crc));
	if (!ok) {
		lt_sys_close(fd);
		return -1;
	}
	return give(fd, path, name_out);
}

/* DIR of a path ("" for a bare name; "/" stays "/" via the empty prefix). */
static void dir_of(const char *file, char *buf, size_t cap)
{
	const char *slash = file ? strrchr(file, '/') : NULL;
	size_t len = slash ? (size_t)(slash - file) : 0;
	if (len >= cap)
		len = 0;
	memcpy(buf, file, len);
	buf[len] = 0;
}

static int find_by_debuglink(const char *file_name, const char *link, const unsigned char *id,
			     size_t idlen, GElf_Word crc, char **name_out)
{
	if (!file_name || file_name[0] != '/' || !link || !link[0])
		return -1;
	char dir[4096], path[8192];
	dir_of(file_name, dir, sizeof dir);
	const char *fmts[] = { "%s%s/%s", "%s%s/.debug/%s", "%s%s/%s" };
	const char *prefix[] = { "", "", debug_root() };
	for (int i = 0; i < 3; i++) {
		int n = snprintf(path, sizeof path, fmts[i], prefix[i], dir, link);
		if (n <= 0 || (size_t)n >= sizeof path)
			continue;
		int fd = try_debuglink(path, file_name, id, idlen, crc, name_out);
		if (fd >= 0)
			return fd;
	}
	return -1;
}

/* The build-id stored in a debug file's .gnu_debugaltlink section (a file
 * name, its NUL, then the alt file's build-id). */
static ssize_t altlink_build_id(const char *debug_file, unsigned char *out, size_t cap)
{
	int fd = debug_file ? open_regular(debug_file) : -1;
	if (fd < 0)
		return -1;
	ssize_t len = -1;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	size_t shstrndx;
	if (elf && elf_getshdrstrndx(elf, &shstrndx) == 0) {
		Elf_Scn *scn = NULL;
		while (len < 0 && (scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh))
				continue;
			const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
			if (!name || strcmp(name, ".gnu_debugaltlink"))
				continue;
			Elf_Data *d = elf_getdata(scn, NULL);
			const char *p = d ? d->d_buf : NULL;
			size_t namelen = p ? strnlen(p, d->d_size) : 0;
			if (p && namelen < d->d_size) {
				size_t n = d->d_size - namelen - 1;
				if (n <= cap) {
					memcpy(out, p + namelen + 1, n);
					len = (ssize_t)n;
				}
			}
		}
	}
	if (elf)
		elf_end(elf);
	lt_sys_close(fd);
	return len;
}

static int find_altlink(const char *debug_file, const char *alt, char **name_out)
{
	char path[8192];
	int fd = -1;
	const char *root = debug_root();
	size_t syslen = strlen(SYSTEM_DEBUG_ROOT);
	if (alt[0] == '/') {
		/* as recorded, then moved under a non-default root */
		fd = open_regular(alt);
		if (fd >= 0)
			return give(fd, alt, name_out);
		if (!strncmp(alt, SYSTEM_DEBUG_ROOT "/", syslen + 1) &&
		    snprintf(path, sizeof path, "%s%s", root, alt + syslen) < (int)sizeof path) {
			fd = open_regular(path);
			if (fd >= 0)
				return give(fd, path, name_out);
		}
	} else if (debug_file && debug_file[0] == '/') {
		char dir[4096];
		dir_of(debug_file, dir, sizeof dir);
		if (snprintf(path, sizeof path, "%s/%s", dir, alt) < (int)sizeof path) {
			fd = open_regular(path);
			if (fd >= 0)
				return give(fd, path, name_out);
		}
	}
	unsigned char id[64];
	ssize_t idlen = altlink_build_id(debug_file, id, sizeof id);
	return idlen > 0 ? open_by_build_id(id, (size_t)idlen, name_out) : -1;
}

int lt_debugfile_find(Dwfl_Module *mod, void **userdata, const char *modname,
		      Dwarf_Addr base, const char *file_name,
		      const char *debuglink_file, GElf_Word debuglink_crc,
		      char **debuginfo_file_name)
{
	(void)userdata;
	(void)modname;
	(void)base;
	if (debuglink_file && strchr(debuglink_file, '/'))
		return find_altlink(file_name, debuglink_file, debuginfo_file_name);

	const unsigned char *id = NULL;
	GElf_Addr id_vaddr;
	int idlen = dwfl_module_build_id(mod, &id, &id_vaddr);
	if (idlen < 0)
		idlen = 0;
	if (idlen > 0) {
		int fd = open_by_build_id(id, (size_t)idlen, debuginfo_file_name);
		if (fd >= 0)
			return fd;
	}
	return find_by_debuglink(file_name, debuglink_file, id, (size_t)idlen, debuglink_crc,
				 debuginfo_file_name);
}
