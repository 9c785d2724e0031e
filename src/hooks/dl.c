/* Hook for dlclose: remember what a dlclose unmaps, so the report can still
 * name frames in a library that is gone (see modules.c). */
#include "../modules.h"
#include "hook.h"

LT_EXPORT int dlclose(void *handle)
{
	if (!lt_hook_ready() || !lt_real.dlclose)
		return -1;        /* no dlclose below us: nothing was loaded */
	int saved;
	void *note = NULL;
	if (LT_TRACK_BEGIN(saved)) {
		note = lt_modules_before_dlclose();
		LT_TRACK_END(saved);
	}
	int rc = lt_real.dlclose(handle);
	if (note) {
		/* errno as dlclose left it; no dl* call here can fail, so the
		 * program's dlerror() state is untouched too */
		if (LT_TRACK_BEGIN(saved)) {
			lt_modules_after_dlclose(note, rc == 0);
			LT_TRACK_END(saved);
		} else {
			lt_modules_after_dlclose(note, 0);     /* frees it */
		}
	}
	return rc;
}
