/* Hooks for sigaction and signal: the shim owns a few handlers (the snapshot
 * signal; termination and crash signals while the program leaves them at
 * their default), and steps aside the moment the program installs its own.
 * The program always reads back the disposition it set, never ours. */
#include <signal.h>
#include <string.h>

#include "../snapshot.h"
#include "hook.h"

LT_EXPORT int sigaction(int signo, const struct sigaction *act, struct sigaction *old)
{
	if (!lt_hook_ready() || !lt_real.sigaction) {
		errno = ENOSYS;
		return -1;
	}
	const struct sigaction *app = lt_signal_app_action(signo);
	if (!app)
		return lt_real.sigaction(signo, act, old);
	struct sigaction prev = *app;
	if (act) {
		int ign = !(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_IGN;
		const void *h = (act->sa_flags & SA_SIGINFO) ? (const void *)act->sa_sigaction
							     : (const void *)act->sa_handler;
		int r = lt_signal_app_takes(signo, h, ign);
		if (r > 0) {
			int rc = lt_real.sigaction(signo, act, NULL);
			if (rc == 0 && old)
				*old = prev;
			return rc;
		}
		/* SIG_DFL on a termination signal: ours stays (it reports,
		 * then dies exactly as the default action would) */
		lt_signal_set_app_action(signo, act);
	}
	if (old)
		*old = prev;
	return 0;
}

LT_EXPORT sighandler_t signal(int signo, sighandler_t handler)
{
	struct sigaction act, old;
	memset(&act, 0, sizeof act);
	act.sa_handler = handler;
	sigemptyset(&act.sa_mask);
	act.sa_flags = SA_RESTART;     /* BSD semantics, as glibc's signal() */
	if (sigaction(signo, &act, &old) < 0)
		return SIG_ERR;
	return (old.sa_flags & SA_SIGINFO) ? (sighandler_t)(void *)old.sa_sigaction : old.sa_handler;
}
