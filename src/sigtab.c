/* The table of signals the shim owns (see sigtab.h). */
#include "sigtab.h"

#include <errno.h>
#include <string.h>

#include "real.h"
#include "sys.h"

static unsigned char policy_of[NSIG];        /* 0: not ours */
static void (*release_of[NSIG])(int);
static struct sigaction program_action[NSIG]; /* what the program believes is set */

static int valid(int signo)
{
	return signo > 0 && signo < NSIG;
}

int lt_sig_own(int signo, const struct sigaction *ours, enum lt_sig_policy policy,
	       void (*release)(int))
{
	if (!valid(signo) || !lt_real.sigaction)
		return -EINVAL;
	struct sigaction old;
	if (lt_real.sigaction(signo, ours, &old) != 0)
		return -errno;
	if (!policy_of[signo])
		program_action[signo] = old;
	release_of[signo] = release;
	__atomic_store_n(&policy_of[signo], (unsigned char)policy, __ATOMIC_RELEASE);
	return 0;
}

int lt_sig_owned(int signo)
{
	return valid(signo) && __atomic_load_n(&policy_of[signo], __ATOMIC_ACQUIRE);
}

const struct sigaction *lt_sig_program_action(int signo)
{
	return lt_sig_owned(signo) ? &program_action[signo] : NULL;
}

int lt_sig_program_sigaction(int signo, const struct sigaction *act, struct sigaction *old)
{
	if (!lt_real.sigaction) {
		errno = ENOSYS;
		return -1;
	}
	if (!lt_sig_owned(signo))
		return lt_real.sigaction(signo, act, old);
	struct sigaction prev = program_action[signo];
	if (act) {
		const void *h = (act->sa_flags & SA_SIGINFO) ? (const void *)act->sa_sigaction
							     : (const void *)act->sa_handler;
		/* SIG_DFL keeps ours: on a termination signal it reports, then
		 * dies as the default action would; on the snapshot signal it
		 * is what the shim put in place of the default from the start.
		 * Programs reset every signal to SIG_DFL before exec (git's
		 * run-command does), and that must neither turn snapshots off
		 * nor print a warning. */
		if (policy_of[signo] == LT_SIG_YIELD && h != (const void *)SIG_DFL) {
			int rc = lt_real.sigaction(signo, act, NULL);
			if (rc == 0) {
				__atomic_store_n(&policy_of[signo], 0, __ATOMIC_RELEASE);
				if (release_of[signo])
					release_of[signo](signo);
				if (old)
					*old = prev;
			}
			return rc;
		}
		program_action[signo] = *act;
	}
	if (old)
		*old = prev;
	return 0;
}

void lt_sig_default(int signo)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	if (valid(signo))
		__atomic_store_n(&policy_of[signo], 0, __ATOMIC_RELEASE);
	if (lt_real.sigaction)
		lt_real.sigaction(signo, &dfl, NULL);
}
