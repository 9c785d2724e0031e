/* Hooks for threads, child processes and memory mappings: pthread_create,
 * the pthread_join family and pthread_detach; fork, posix_spawn(p) and the
 * wait family; mmap, munmap and mremap. The tables are core (proctab.c);
 * what each resource is at report time (ended, zombie, path) is read by the
 * report.
 *
 * Not seen, on purpose or by glibc's design: vfork (a wrapper's stack frame
 * would be reused by the child before the parent resumes in it); popen's
 * child (glibc spawns and reaps it internally; an unclosed popen stream is
 * already reported as a "file" handle); system(); glibc malloc's own mmap
 * calls for large chunks and arenas, which call the kernel directly
 * (__mmap, not through the PLT), so the program's malloc never shows up as
 * a mapping; and the tracer's own mappings and those libunwind and libdw
 * make while the guard is held. */
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../proctab.h"
#include "../sys.h"
#include "hhook.h"

/* A stack for a new thread, child or mapping when the program made it
 * (tracing on, guard free): 1 and the guard held, or 0. */
static int begin(int enabled, int *e, uint32_t *sid)
{
	if (!enabled || !lt_tracing() || lt_proctab_held || lt_handle_held)
		return 0;
	if (!LT_TRACK_BEGIN(*e))
		return 0;
	*sid = lt_stack_capture();
	return 1;
}

/* A release (join, wait, munmap) the program made: 1 and the guard held. */
static int begin_release(int enabled, int *e)
{
	if (!enabled || !lt_tracing() || lt_proctab_held || lt_handle_held)
		return 0;
	return LT_TRACK_BEGIN(*e);
}

/* ---- threads -------------------------------------------------------------- */

/* The stack is captured before the real call and recorded after it: once
 * the new thread runs, it may sit in a dl_iterate_phdr callback (holding the
 * loader's lock) and allocate, and a capture here that walks a frame for the
 * first time would then wait on the loader's lock while holding libunwind's
 * (tests/programs/reach/dl_iterate_free.c hung that way). Before the call,
 * this capture is no colder than the one glibc's own allocations inside
 * pthread_create make. */
LT_EXPORT int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
			     void *arg)
{
	LT_REAL_OR_ENOSYS(pthread_create, ENOSYS);
	int detached = 0, e, traced = 0;
	uint32_t sid = 0;
	if (attr)
		pthread_attr_getdetachstate(attr, &detached);
	if (detached != PTHREAD_CREATE_DETACHED && begin(lt_opt.track_threads, &e, &sid)) {
		LT_TRACK_END(e);
		traced = 1;
	}
	int r = lt_real.pthread_create(t, attr, fn, arg);
	if (r == 0 && traced && begin_release(lt_opt.track_threads, &e)) {
		lt_proctab_thread_add(*t, sid);
		LT_TRACK_END(e);
	}
	return r;
}

/* Forget before release (a joined thread's descriptor is reused by the
 * next pthread_create), and put the record back when the call fails. */
#define RELEASE_THREAD(call, t, failed)                                        \
	do {                                                                   \
		lt_proc_rec_t saved;                                           \
		int had = 0, e;                                                \
		if (begin_release(lt_opt.track_threads, &e)) {                 \
			had = lt_proctab_thread_take(t, &saved);               \
			LT_TRACK_END(e);                                       \
		}                                                              \
		int r = (call);                                                \
		if (had && (failed))                                           \
			lt_proctab_put_back(&saved);                           \
		return r;                                                      \
	} while (0)

LT_EXPORT int pthread_join(pthread_t t, void **ret)
{
	LT_REAL_OR_ENOSYS(pthread_join, ENOSYS);
	RELEASE_THREAD(lt_real.pthread_join(t, ret), t, r != 0);
}

LT_EXPORT int pthread_tryjoin_np(pthread_t t, void **ret)
{
	LT_REAL_OR_ENOSYS(pthread_tryjoin_np, ENOSYS);
	RELEASE_THREAD(lt_real.pthread_tryjoin_np(t, ret), t, r != 0);
}

LT_EXPORT int pthread_timedjoin_np(pthread_t t, void **ret, const struct timespec *ts)
{
	LT_REAL_OR_ENOSYS(pthread_timedjoin_np, ENOSYS);
	RELEASE_THREAD(lt_real.pthread_timedjoin_np(t, ret, ts), t, r != 0);
}

LT_EXPORT int pthread_clockjoin_np(pthread_t t, void **ret, clockid_t c, const struct timespec *ts)
{
	LT_REAL_OR_ENOSYS(pthread_clockjoin_np, ENOSYS);
	RELEASE_THREAD(lt_real.pthread_clockjoin_np(t, ret, c, ts), t, r != 0);
}

LT_EXPORT int pthread_detach(pthread_t t)
{
	LT_REAL_OR_ENOSYS(pthread_detach, ENOSYS);
	RELEASE_THREAD(lt_real.pthread_detach(t), t, r != 0);
}

/* ---- child processes -------------------------------------------------- */

/* As for threads: the stack is captured before the call, recorded after. */
static int child_begin(uint32_t *sid)
{
	int e;
	if (!begin(lt_opt.track_children, &e, sid))
		return 0;
	LT_TRACK_END(e);
	return 1;
}

static void child_created(int traced, pid_t pid, uint32_t sid)
{
	int e;
	if (traced && pid > 0 && begin_release(lt_opt.track_children, &e)) {
		lt_proctab_child_add(pid, sid);
		LT_TRACK_END(e);
	}
}

/* A wait call returned pid with status: forget it once it has ended
 * (a stopped or continued child is still there to be waited for). */
static void child_waited(pid_t pid, int ended)
{
	int e;
	if (pid > 0 && ended && begin_release(lt_opt.track_children, &e)) {
		lt_proctab_child_forget(pid);
		LT_TRACK_END(e);
	}
}

static int ended(int *status, int options)
{
	if (!status)   /* WUNTRACED/WCONTINUED ask for the others too */
		return !(options & (WUNTRACED | WCONTINUED));
	return WIFEXITED(*status) || WIFSIGNALED(*status);
}

LT_EXPORT pid_t fork(void)
{
	LT_REAL_OR_ENOSYS(fork, -1);
	uint32_t sid = 0;
	int traced = child_begin(&sid);
	pid_t pid = lt_real.fork();
	child_created(traced, pid, sid);
	return pid;
}

/* posix_spawn and posix_spawnp differ only in how they find the program */
#define SPAWN_HOOK(name, where)                                                \
	LT_EXPORT int name(pid_t *pid, const char *where, const posix_spawn_file_actions_t *fa, \
			   const posix_spawnattr_t *sa, char *const argv[], char *const envp[]) \
	{                                                                      \
		LT_REAL_OR_ENOSYS(name, ENOSYS);                               \
		uint32_t sid = 0;                                              \
		int traced = child_begin(&sid);                                \
		int r = lt_real.name(pid, where, fa, sa, argv, envp);          \
		if (r == 0 && pid)                                             \
			child_created(traced, *pid, sid);                      \
		return r;                                                      \
	}

SPAWN_HOOK(posix_spawn, path)
SPAWN_HOOK(posix_spawnp, file)

/* status may be NULL: the hooks ask for it to know how the child ended. */
LT_EXPORT pid_t wait(int *status)
{
	LT_REAL_OR_ENOSYS(wait, -1);
	int st = 0;
	pid_t pid = lt_real.wait(&st);
	if (status && pid > 0)
		*status = st;
	child_waited(pid, ended(&st, 0));
	return pid;
}

LT_EXPORT pid_t waitpid(pid_t p, int *status, int options)
{
	LT_REAL_OR_ENOSYS(waitpid, -1);
	int st = 0;
	pid_t pid = lt_real.waitpid(p, &st, options);
	if (status && pid > 0)
		*status = st;
	child_waited(pid, ended(&st, options));
	return pid;
}

LT_EXPORT pid_t wait3(int *status, int options, struct rusage *ru)
{
	LT_REAL_OR_ENOSYS(wait3, -1);
	int st = 0;
	pid_t pid = lt_real.wait3(&st, options, ru);
	if (status && pid > 0)
		*status = st;
	child_waited(pid, ended(&st, options));
	return pid;
}

LT_EXPORT pid_t wait4(pid_t p, int *status, int options, struct rusage *ru)
{
	LT_REAL_OR_ENOSYS(wait4, -1);
	int st = 0;
	pid_t pid = lt_real.wait4(p, &st, options, ru);
	if (status && pid > 0)
		*status = st;
	child_waited(pid, ended(&st, options));
	return pid;
}

LT_EXPORT int waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
	LT_REAL_OR_ENOSYS(waitid, -1);
	int r = lt_real.waitid(type, id, info, options);
	/* WNOWAIT leaves the child waitable */
	if (r == 0 && info && !(options & WNOWAIT))
		child_waited(info->si_pid, info->si_code == CLD_EXITED || info->si_code == CLD_KILLED ||
						   info->si_code == CLD_DUMPED);
	return r;
}

/* ---- mappings -------------------------------------------------------------- */

static void mapped(void *p, size_t len)
{
	int e;
	uint32_t sid;
	if (p != MAP_FAILED && begin(lt_opt.track_mappings, &e, &sid)) {
		lt_proctab_map_add((uintptr_t)p, len, sid);
		LT_TRACK_END(e);
	}
}

/* Before lt_real is known (a mapping made while the real table resolves),
 * the kernel's own call. */
LT_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (!lt_hook_ready() || !lt_real.mmap)
		return (void *)lt_sys_call6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
	void *p = lt_real.mmap(addr, len, prot, flags, fd, off);
	mapped(p, len);
	return p;
}

LT_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
	if (!lt_hook_ready() || !lt_real.mmap64)
		return (void *)lt_sys_call6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
	void *p = lt_real.mmap64(addr, len, prot, flags, fd, off);
	mapped(p, len);
	return p;
}

LT_EXPORT int munmap(void *addr, size_t len)
{
	if (!lt_hook_ready() || !lt_real.munmap)
		return (int)lt_sys_call6(SYS_munmap, (long)addr, (long)len, 0, 0, 0, 0);
	int e;
	/* forget before release: another thread may map the range next */
	if (begin_release(lt_opt.track_mappings, &e)) {
		lt_proctab_map_remove((uintptr_t)addr, len);
		LT_TRACK_END(e);
	}
	return lt_real.munmap(addr, len);
}

LT_EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *want = NULL;
	if (flags & MREMAP_FIXED) {
		va_list ap;
		va_start(ap, flags);
		want = va_arg(ap, void *);
		va_end(ap);
	}
	if (!lt_hook_ready() || !lt_real.mremap)
		return (void *)lt_sys_call6(SYS_mremap, (long)old, (long)old_len, (long)new_len, flags,
					    (long)want, 0);
	void *p = lt_real.mremap(old, old_len, new_len, flags, want);
	int e;
	uint32_t sid;
	if (p != MAP_FAILED && begin(lt_opt.track_mappings, &e, &sid)) {
		lt_proctab_map_move((uintptr_t)old, old_len, (uintptr_t)p, new_len, sid);
		LT_TRACK_END(e);
	}
	return p;
}
