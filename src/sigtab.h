/* The one table of the signals the shim owns: the snapshot signal, the
 * termination and crash signals it reports on, and the stop-the-world
 * signal. Every disposition the shim sets goes through here (and through
 * lt_real.sigaction, never libc's sigaction, which is the shim's own hook),
 * and the program's sigaction()/signal() calls are answered from here: the
 * program always reads back what it set, never the shim's handler. */
#ifndef LT_SIGTAB_H
#define LT_SIGTAB_H

#include <signal.h>

/* How an owned signal reacts when the program installs a handler of its
 * own (anything but SIG_DFL):
 *  LT_SIG_YIELD  the program's handler replaces ours, and release(signo)
 *                is called once (snapshot and termination signals);
 *  LT_SIG_KEEP   ours stays and the program's action is only recorded, for
 *                the owner to forward stray signals to (the stop signal: a
 *                program handler there would make every thread unstoppable). */
enum lt_sig_policy { LT_SIG_YIELD = 1, LT_SIG_KEEP = 2 };

/* Install ours for signo, remembering what was set as the program's action
 * (unless signo is owned already). Returns 0 or -errno. */
int lt_sig_own(int signo, const struct sigaction *ours, enum lt_sig_policy policy,
	       void (*release)(int signo));
/* 1 while the shim's handler is in place for signo. */
int lt_sig_owned(int signo);
/* What the program believes is set for signo (NULL when not owned). */
const struct sigaction *lt_sig_program_action(int signo);
/* The program's sigaction(signo, act, old): the sigaction hook's one call. */
int lt_sig_program_sigaction(int signo, const struct sigaction *act, struct sigaction *old);
/* Put SIG_DFL back (a fatal signal about to take its default action);
 * async-signal-safe. */
void lt_sig_default(int signo);

#endif
