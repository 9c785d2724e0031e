/* libFuzzer harness for the report reader of the leaktrace tool
 * (tools/reportfile.c): any file must load or be rejected with a message,
 * never crash; a report that loads is walked the way diff and report walk
 * it (group keys, frame labels, stacks). The input reaches the reader
 * through a memfd, as a path, since the reader takes a path. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "reportfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("fuzz-report", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	struct lt_report r;
	char err[512];
	err[0] = 0;
	if (lt_reportfile_load(path, &r, err, sizeof err) != 0) {
		if (!err[0] || !memchr(err, 0, sizeof err))
			abort();      /* a rejection always says why */
		return 0;
	}
	for (size_t i = 0; i < r.ngroups; i++) {
		struct lt_group *g = &r.groups[i];
		free(lt_reportfile_group_key(g));
		json_decref(lt_reportfile_stack_json(g));
		lt_reportfile_group_shown(g, false);
		for (size_t k = 0; k < g->nframes; k++) {
			char buf[256];
			lt_reportfile_frame_label(&g->frames[k], buf, sizeof buf);
		}
	}
	lt_reportfile_free(&r);
	return 0;
}
