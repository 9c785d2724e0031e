/* Hooks for threads, child processes and memory mappings: pthread_create,
 * the pthread_join family and pthread_detach; fork, vfork, posix_spawn(p),
 * popen's child (for hooks/stdio.c) and the wait family; mmap, munmap and
 * mremap. The tables are core (proctab.c); what each resource is at report
 * time (ended, zombie, path) is read by the report.
 *
 * Not seen, on purpose or by glibc's design: system() (glibc spawns and
 * reaps its child internally, and it never outlives the call); vfork on
 * other architectures than x86_64 (the hook is an assembly stub, below);
 * glibc malloc's own mmap calls for large chunks and arenas, which call the
 * kernel directly (__mmap, not through the PLT), so the program's malloc
 * never shows up as a mapping; and the tracer's own mappings and those
 * libunwind and libdw make while the guard is held. */
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../intalloc.h"
#include "../proctab.h"
#include "../sys.h"
#include "../sysfile.h"
#include "hhook.h"

/* hhook.h's tracking section, and never while this thread holds the
 * process tables' lock (a hook reached from inside them). */
static int begin(int enabled, int *e, uint32_t *sid)
{
	return !lt_proctab_held && lt_hh_track(enabled, e, sid);
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
	if (r == 0 && traced && begin(lt_opt.track_threads, &e, NULL)) {
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
		if (begin(lt_opt.track_threads, &e, NULL)) {                 \
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
	if (traced && pid > 0 && begin(lt_opt.track_children, &e, NULL)) {
		lt_proctab_child_add(pid, sid);
		LT_TRACK_END(e);
	}
}

/* A wait call returned pid with status: forget it once it has ended
 * (a stopped or continued child is still there to be waited for). */
static void child_waited(pid_t pid, int ended)
{
	int e;
	if (pid > 0 && ended && begin(lt_opt.track_children, &e, NULL)) {
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

/* vfork. The child borrows the parent's memory and stack until it execs or
 * _exits, and returns from vfork first: a C wrapper's frame (its saved
 * registers and return address) would be overwritten by the child's next
 * calls (execve's own frames) before the parent resumes in it. glibc's
 * vfork (sysdeps/unix/sysv/linux/x86_64/vfork.S) solves this by keeping
 * its return address in %rdi across the system call, which the kernel
 * preserves for the parent whatever the child does to the stack. The hook
 * does the same in assembly: the C half before the call captures the stack
 * (nothing shared yet), the return address and that stack's token wait in
 * %r8 and %r9 (caller-saved, so the program keeps nothing there; the
 * syscall instruction clobbers only %rax, %rcx and %r11), the stub enters
 * the kernel itself, and the parent, once the child has exec'd or exited
 * and the stack is its own again, records the pid in C. The child returns
 * straight to the program. x86_64 only; elsewhere vfork is not hooked. */
#if defined(__x86_64__)
#define VF_STR2(x) #x
#define VF_STR(x) VF_STR2(x)
/* The stack token for the stub: bit 32 set when traced, the stack id below. */
uint64_t lt_hook_vfork_before(void);
uint64_t lt_hook_vfork_before(void)
{
	uint32_t sid = 0;
	if (!lt_hook_ready() || !child_begin(&sid))
		return 0;
	return (uint64_t)1 << 32 | sid;
}

void lt_hook_vfork_after(int pid, uint64_t token);
void lt_hook_vfork_after(int pid, uint64_t token)
{
	child_created((int)(token >> 32), pid, (uint32_t)token);
}

/* The system call failed with -err: no child, the stack is the parent's. */
long lt_hook_vfork_failed(long err);
long lt_hook_vfork_failed(long err)
{
	errno = (int)-err;
	return -1;
}

__asm__(".text\n"
	".globl vfork\n"
	".type vfork, @function\n"
	".p2align 4\n"
	"vfork:\n"
	".cfi_startproc\n"
	"	subq $8, %rsp\n"               /* align for the call */
	".cfi_adjust_cfa_offset 8\n"
	"	call lt_hook_vfork_before\n"
	"	addq $8, %rsp\n"
	".cfi_adjust_cfa_offset -8\n"
	"	movq %rax, %r9\n"
	"	popq %r8\n"                    /* the return address, off the shared stack */
	".cfi_adjust_cfa_offset -8\n"
	".cfi_register %rip, %r8\n"
	"	movl $" VF_STR(SYS_vfork) ", %eax\n"
	"	syscall\n"
	"	pushq %r8\n"
	".cfi_adjust_cfa_offset 8\n"
	".cfi_offset %rip, -8\n"
	"	testq %rax, %rax\n"
	"	jg 2f\n"                       /* the parent, with the pid */
	"	jz 1f\n"                       /* the child: return as vfork does */
	"	subq $8, %rsp\n"
	".cfi_adjust_cfa_offset 8\n"
	"	movq %rax, %rdi\n"
	"	call lt_hook_vfork_failed\n"
	"	addq $8, %rsp\n"
	".cfi_adjust_cfa_offset -8\n"
	"1:	ret\n"
	"2:	pushq %rax\n"
	".cfi_adjust_cfa_offset 8\n"
	"	movl %eax, %edi\n"
	"	movq %r9, %rsi\n"
	"	call lt_hook_vfork_after\n"
	"	popq %rax\n"
	".cfi_adjust_cfa_offset -8\n"
	"	ret\n"
	".cfi_endproc\n"
	".size vfork, .-vfork\n");
#endif

/* popen: glibc makes the child with its internal __posix_spawn and reaps it
 * in pclose with its internal waitpid, neither through the PLT, and keeps
 * the pid in a private structure. The kernel names it: this thread's
 * children (/proc/self/task/TID/children, zombies included, Linux 3.5 with
 * CONFIG_PROC_CHILDREN) after popen, less those before it. Only this thread
 * adds to that list, so exactly one pid is new. */
static char *thread_children(void)
{
	char path[64], *buf = NULL;
	size_t len = 0;
	snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)lt_sys_gettid());
	if (lt_sys_read_file(path, &buf, &len))
		return NULL;
	return buf;
}

static int listed(const char *list, long pid)
{
	for (const char *p = list; *p;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		if (v == pid)
			return 1;
		p = end;
	}
	return 0;
}

char *lt_hook_popen_before(uint32_t *sid)
{
	int e;
	if (!begin(lt_opt.track_children, &e, sid))
		return NULL;
	char *before = thread_children();
	LT_TRACK_END(e);
	return before;
}

void lt_hook_popen_after(char *before, uint32_t sid, int fd, const char *cmd)
{
	int e;
	if (!before)
		return;
	if (fd >= 0 && begin(lt_opt.track_children, &e, NULL)) {
		char *after = thread_children();
		long pid = 0;
		int fresh = 0;
		for (const char *p = after ? after : ""; *p;) {
			char *end;
			long v = strtol(p, &end, 10);
			if (end == p)
				break;
			if (!listed(before, v)) {
				pid = v;
				fresh++;
			}
			p = end;
		}
		if (fresh == 1)
			lt_proctab_child_add_popen((int)pid, fd, cmd, sid);
		lt_ia_free(after);
		LT_TRACK_END(e);
	}
	lt_ia_free(before);
}

void lt_hook_pclose(int fd)
{
	int e;
	if (fd >= 0 && begin(lt_opt.track_children, &e, NULL)) {
		lt_proctab_child_forget_stream(fd);
		LT_TRACK_END(e);
	}
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
	if (begin(lt_opt.track_mappings, &e, NULL)) {
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
