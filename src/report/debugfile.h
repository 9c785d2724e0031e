/* Finding separate debug-info files offline, for libdwfl's find_debuginfo
 * callback: never debuginfod, never a library load. */
#ifndef LT_DEBUGFILE_H
#define LT_DEBUGFILE_H

#include <elfutils/libdwfl.h>

/* Dwfl_Callbacks.find_debuginfo. Looks under the debug root (option
 * debug_root, default /usr/lib/debug) by build-id, then by .gnu_debuglink
 * next to the module, in its .debug directory and under the root; serves
 * .gnu_debugaltlink (dwz) requests the same way. Returns an open fd and
 * sets *debuginfo_file_name (malloc'd), or -1. */
int lt_debugfile_find(Dwfl_Module *mod, void **userdata, const char *modname,
		      Dwarf_Addr base, const char *file_name,
		      const char *debuglink_file, GElf_Word debuglink_crc,
		      char **debuginfo_file_name);

#endif
