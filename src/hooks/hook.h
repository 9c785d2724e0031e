/* The skeleton every hook family shares.
 *
 * A hook (1) makes sure the real symbols are resolved, (2) calls the real
 * function, (3) if tracing is on and the guard is free, captures the stack
 * and calls the core, keeping errno as the real function left it, and
 * (4) returns the real result unchanged. Record after the resource exists;
 * forget before it is released (the number or address may be reused by
 * another thread the moment it is released). */
#ifndef LT_HOOK_H
#define LT_HOOK_H

#include <errno.h>

#include "../guard.h"
#include "../lt.h"
#include "../real.h"

/* 1 when the real function table is usable. */
static inline int lt_hook_ready(void)
{
	if (LT_LIKELY(__atomic_load_n(&lt_real_ready, __ATOMIC_ACQUIRE)))
		return 1;
	return lt_real_init() == 0;
}

/* Open a tracking section: 1 (guard now held, errno saved) or 0. */
#define LT_TRACK_BEGIN(saved_errno)                                            \
	(lt_tracing() && lt_guard_enter() && ((saved_errno) = errno, 1))

#define LT_TRACK_END(saved_errno)                                              \
	do {                                                                   \
		errno = (saved_errno);                                         \
		lt_guard_exit();                                               \
	} while (0)

/* A real function that no loaded library provides (kqueue on Linux without
 * libkqueue): fail as the missing function would. */
#define LT_REAL_OR_ENOSYS(name, failval)                                       \
	do {                                                                   \
		if (!lt_hook_ready() || !lt_real.name) {                       \
			errno = ENOSYS;                                        \
			return (failval);                                      \
		}                                                              \
	} while (0)

#endif
