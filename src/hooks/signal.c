/* Hooks for sigaction and signal: the table of the signals the shim owns
 * (sigtab.c) answers them, so the program always reads back the
 * disposition it set, never ours. */
#include <signal.h>
#include <string.h>

#include "../sigtab.h"
#include "../stack.h"
#include "../sys.h"
#include "hook.h"

LT_EXPORT int sigaction(int signo, const struct sigaction *act, struct sigaction *old)
{
	if (!lt_hook_ready()) {
		errno = ENOSYS;
		return -1;
	}
	return lt_sig_program_sigaction(signo, act, old);
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

/* sigprocmask passes through, except while this thread walks its stack
 * (stack.c, lt_stack_walk_sigmask): libunwind's masking around each frame
 * lookup is then folded into one block for the whole walk. */
LT_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	if (LT_UNLIKELY(lt_stack_masking) &&
	    lt_stack_walk_sigmask((uintptr_t)__builtin_return_address(0), old) == 0)
		return 0;
	if (LT_LIKELY(lt_real.sigprocmask != NULL))
		return lt_real.sigprocmask(how, set, old);
	int r = lt_sys_sigmask(how, set, old);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}
