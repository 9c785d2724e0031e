/* Stop-the-world for the heap scan: every other thread of the process is
 * sent a real-time signal (option stop_signal, SIGRTMIN+3 by default: glibc
 * keeps the first two for itself) with rt_tgsigqueueinfo; its handler saves
 * the interrupted stack pointer, registers and thread pointer, reports in,
 * and sleeps on a futex until resumed.
 *
 * Why signals and not ptrace: a process cannot ptrace its own threads, and
 * LeakSanitizer's clone-a-tracer-task scheme needs a second address-space
 * user that Yama and containers often forbid. The price: a thread that
 * blocks the signal (a sigwait thread, say) cannot be stopped; it is left
 * running and scan.c scans its whole stack mapping instead, and the report
 * says so. A task that has exited but is still listed (a zombie: the main
 * thread after pthread_exit stays one until the process ends) is neither
 * signalled nor waited for: it has no stack left to scan.
 *
 * Nothing here allocates or takes a lock another thread could hold: the
 * caller holds the heap table's locks across the stop, and the thread table
 * is the caller's memory. The handler stays installed after first use so a
 * late stop signal (a thread that had it blocked and unblocks it later)
 * never meets SIG_DFL, which would kill the process; stray signals are
 * passed to whatever handler was there before. */
#include "world.h"
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

#include "log.h"
#include "options.h"
#include "sigtab.h"
#include "sys.h"

static int installed_sig;          /* 0: not installed yet */
static lt_world_t *volatile active;
static int active_gen;
static unsigned gen_counter;
static int stopped_count;          /* futex words */
static int resume_flag;
static int left_count;

static int stop_signo(void)
{
	return lt_opt.stop_signal ? (int)lt_opt.stop_signal : SIGRTMIN + 3;
}

/* A stop signal that is not ours goes to the program's handler: the one
 * that was there before, or the one the program installed since (the
 * signal table keeps ours in place and records it). */
static void forward(int sig, siginfo_t *si, void *uc)
{
	const struct sigaction *prog = lt_sig_program_action(sig);
	if (!prog)
		return;
	if (prog->sa_flags & SA_SIGINFO) {
		if (prog->sa_sigaction)
			prog->sa_sigaction(sig, si, uc);
	} else if (prog->sa_handler != SIG_DFL && prog->sa_handler != SIG_IGN) {
		prog->sa_handler(sig);
	}
	/* SIG_DFL for a real-time signal would terminate: a stray stop signal
	 * is dropped instead */
}

static void handler(int sig, siginfo_t *si, void *ucv)
{
	int saved = errno;
	lt_world_t *w = __atomic_load_n(&active, __ATOMIC_ACQUIRE);
	if (!w || si->si_code != SI_QUEUE || si->si_value.sival_int != active_gen ||
	    si->si_pid != lt_sys_getpid()) {
		errno = saved;
		forward(sig, si, ucv);
		return;
	}
	pid_t tid = lt_sys_gettid();
	lt_world_thread_t *me = NULL;
	size_t n = __atomic_load_n(&w->n, __ATOMIC_ACQUIRE);
	for (size_t i = 0; i < n; i++)
		if (w->t[i].tid == tid) {
			me = &w->t[i];
			break;
		}
	if (!me || __atomic_load_n(&me->state, __ATOMIC_ACQUIRE) != LT_THREAD_SIGNALLED) {
		errno = saved;
		return;
	}
	ucontext_t *uc = ucv;
#if defined(__x86_64__)
	int nregs = NGREG < LT_WORLD_NREGS ? NGREG : LT_WORLD_NREGS;
	for (int i = 0; i < nregs; i++)
		me->regs[i] = (uintptr_t)uc->uc_mcontext.gregs[i];
	me->nregs = nregs;
	me->sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
	int nregs = 31 < LT_WORLD_NREGS ? 31 : LT_WORLD_NREGS;
	for (int i = 0; i < nregs; i++)
		me->regs[i] = (uintptr_t)uc->uc_mcontext.regs[i];
	me->nregs = nregs;
	me->sp = (uintptr_t)uc->uc_mcontext.sp;
#else
	/* the ucontext lies on this stack, above our own frame */
	(void)uc;
	me->nregs = 0;
	me->sp = (uintptr_t)__builtin_frame_address(0);
#endif
	me->tp = lt_world_thread_pointer();
	int state = LT_THREAD_STOPPED;
	int expected = LT_THREAD_SIGNALLED;
	/* the controller may have given up on us meanwhile: then run on */
	if (__atomic_compare_exchange_n(&me->state, &expected, state, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		__atomic_fetch_add(&stopped_count, 1, __ATOMIC_ACQ_REL);
		lt_sys_futex(&stopped_count, FUTEX_WAKE_PRIVATE, 1, NULL);
		while (!__atomic_load_n(&resume_flag, __ATOMIC_ACQUIRE))
			lt_sys_futex(&resume_flag, FUTEX_WAIT_PRIVATE, 0, NULL);
		__atomic_fetch_add(&left_count, 1, __ATOMIC_ACQ_REL);
		lt_sys_futex(&left_count, FUTEX_WAKE_PRIVATE, 1, NULL);
	}
	errno = saved;
}

static int install(int sig)
{
	if (installed_sig == sig && lt_sig_owned(sig))
		return 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	/* a stopped thread must not run its own handlers meanwhile */
	sigfillset(&sa.sa_mask);
	sigdelset(&sa.sa_mask, SIGSEGV);
	sigdelset(&sa.sa_mask, SIGBUS);
	sigdelset(&sa.sa_mask, SIGILL);
	sigdelset(&sa.sa_mask, SIGFPE);
	int rc = lt_sig_own(sig, &sa, LT_SIG_KEEP, NULL);
	if (rc)
		return rc;
	installed_sig = sig;
	return 0;
}

/* Calls fn(w, tid) for every task of this process. Returns the number of
 * tasks or -errno. */
struct each_task_arg {
	void (*fn)(lt_world_t *, pid_t);
	lt_world_t *w;
};

static int each_task_one(long tid, int dirfd, void *arg)
{
	(void)dirfd;
	struct each_task_arg *a = arg;
	if (a->fn)
		a->fn(a->w, (pid_t)tid);
	return 0;
}

static long each_task(void (*fn)(lt_world_t *, pid_t), lt_world_t *w)
{
	struct each_task_arg a = { fn, w };
	return lt_sys_each_number("/proc/self/task", each_task_one, &a);
}

size_t lt_world_count_threads(void)
{
	long n = each_task(NULL, NULL);
	return n > 0 ? (size_t)n : 1;
}

/* 1 when task tid has exited or is exiting: its /proc/self/task/TID/stat
 * says Z (a zombie: the main thread after pthread_exit stays one until the
 * whole process ends) or X, or is gone. Such a task never runs a signal
 * handler again: signalling it succeeds, yet it would never answer and the
 * stop would wait the whole stop_timeout for it. Raw reads, no allocation. */
static int task_dead(pid_t tid)
{
	char buf[512];
	ssize_t got = lt_sys_read_task_file(tid, "stat", buf, sizeof buf);
	if (got == -ENOENT || got == -ESRCH)
		return 1;
	if (got <= 0)
		return 0;          /* cannot tell (no descriptor left...): ask it */
	/* "tid (comm) S ...": comm may hold spaces and parentheses */
	const char *rp = strrchr(buf, ')');
	if (!rp || rp[1] != ' ')
		return 0;
	return rp[2] == 'Z' || rp[2] == 'X';
}

/* Threads signalled but not answering that have exited meanwhile: marked
 * gone, so the wait ends without them. Returns how many. */
static size_t reap_dead(lt_world_t *w)
{
	size_t n = 0;
	for (size_t i = 0; i < w->n; i++) {
		if (__atomic_load_n(&w->t[i].state, __ATOMIC_ACQUIRE) != LT_THREAD_SIGNALLED ||
		    !task_dead(w->t[i].tid))
			continue;
		int expected = LT_THREAD_SIGNALLED;
		if (__atomic_compare_exchange_n(&w->t[i].state, &expected, LT_THREAD_GONE, 0,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			n++;
	}
	return n;
}

static pid_t self_tid;
static int new_threads;

static void ask(lt_world_t *w, pid_t tid)
{
	/* the shim's helper thread holds only tracer data: nothing to scan */
	if (tid == self_tid || tid == lt_helper_tid())
		return;
	for (size_t i = 0; i < w->n; i++)
		if (w->t[i].tid == tid)
			return;
	if (w->n == w->cap) {
		w->unstoppable++;   /* no room to record it: not scanned */
		return;
	}
	lt_world_thread_t *t = &w->t[w->n];
	memset(t, 0, sizeof *t);
	t->tid = tid;
	t->state = task_dead(tid) ? LT_THREAD_GONE : LT_THREAD_SIGNALLED;
	__atomic_store_n(&w->n, w->n + 1, __ATOMIC_RELEASE);
	if (t->state == LT_THREAD_GONE)
		return;     /* a zombie (main after pthread_exit): nothing to stop */
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = stop_signo();
	si.si_code = SI_QUEUE;
	si.si_pid = lt_sys_getpid();
	si.si_uid = lt_sys_getuid();
	si.si_value.sival_int = active_gen;
	if (lt_sys_tgsigqueueinfo(si.si_pid, tid, si.si_signo, &si) != 0) {
		t->state = LT_THREAD_GONE;
		return;
	}
	new_threads++;
}

int lt_world_stop(lt_world_t *w, int timeout_ms)
{
	int rc = install(stop_signo());
	if (rc)
		return rc;
	w->n = 0;
	w->stopped = 0;
	w->unstoppable = 0;
	self_tid = lt_sys_gettid();
	__atomic_store_n(&stopped_count, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&resume_flag, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&left_count, 0, __ATOMIC_RELEASE);
	active_gen = (int)(++gen_counter & 0x7fffffff);
	__atomic_store_n(&active, w, __ATOMIC_RELEASE);

	uint64_t deadline = lt_sys_now_ms() + (uint64_t)timeout_ms;
	size_t signalled = 0, dead = 0;
	/* list, signal, wait; again until no new thread appears (a thread
	 * being created while we list shows up in the next round) */
	for (int round = 0; round < 64; round++) {
		new_threads = 0;
		each_task(ask, w);
		signalled += (size_t)new_threads;
		if (!new_threads && round > 0)
			break;
		for (;;) {
			int got = __atomic_load_n(&stopped_count, __ATOMIC_ACQUIRE);
			if ((size_t)got + dead >= signalled)
				break;
			uint64_t now = lt_sys_now_ms();
			if (now >= deadline)
				break;
			struct timespec ts = {0, 5 * 1000000};
			/* a thread that exits after it was signalled never
			 * answers: look for those each time the wait times out */
			if (lt_sys_futex(&stopped_count, FUTEX_WAIT_PRIVATE, got, &ts) == -ETIMEDOUT)
				dead += reap_dead(w);
		}
		if (lt_sys_now_ms() >= deadline)
			break;
	}
	/* whoever has not answered stays running: claim its slot so a late
	 * handler run does not stop it */
	for (size_t i = 0; i < w->n; i++) {
		int expected = LT_THREAD_SIGNALLED;
		if (__atomic_compare_exchange_n(&w->t[i].state, &expected, LT_THREAD_UNSTOPPABLE, 0,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			/* it may have exited meanwhile */
			if (lt_sys_tgkill(lt_sys_getpid(), w->t[i].tid, 0) != 0)
				w->t[i].state = LT_THREAD_GONE;
			else
				w->unstoppable++;
		}
		if (w->t[i].state == LT_THREAD_STOPPED)
			w->stopped++;
	}
	return 0;
}

void lt_world_resume(lt_world_t *w)
{
	__atomic_store_n(&resume_flag, 1, __ATOMIC_RELEASE);
	lt_sys_futex(&resume_flag, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL);
	/* wait until they have left the handler, so the next stop starts clean */
	uint64_t deadline = lt_sys_now_ms() + 2000;
	for (;;) {
		int got = __atomic_load_n(&left_count, __ATOMIC_ACQUIRE);
		if ((size_t)got >= w->stopped || lt_sys_now_ms() >= deadline)
			break;
		struct timespec ts = {0, 5 * 1000000};
		lt_sys_futex(&left_count, FUTEX_WAIT_PRIVATE, got, &ts);
	}
	__atomic_store_n(&active, NULL, __ATOMIC_RELEASE);
}
