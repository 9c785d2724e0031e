/* The live table's biased shards and retired frees (heap.c) in a real
 * process: what revokes a bias, what reclaims the records of exited
 * threads, and a seccomp filter that forbids membarrier.
 *
 *   bias_cases churn     300 threads, at most 16 at a time (more records
 *                        than the shim's 256 are taken, so those of
 *                        exited threads are reclaimed); each allocates 64
 *                        blocks of 40 bytes, frees half of them itself and
 *                        hands the rest to the main thread, which frees
 *                        them; each leaks one 48-byte block (thread_leak).
 *   bias_cases seccomp   installs a filter that kills the process on
 *                        membarrier and on madvise(MADV_POPULATE_READ or
 *                        _WRITE) (prctl(PR_SET_SECCOMP)), then one
 *                        thread frees 20,000 blocks another allocates,
 *                        100,000 blocks are made and freed (the live
 *                        table grows); 3 blocks of 100 bytes leak
 *                        (seccomp_leak).
 *   bias_cases seccomp-syscall   the same, the filter installed with
 *                        syscall(SYS_seccomp).
 *
 * Expected (from the code): churn: definitely lost 300 x 48 = 14,400 bytes
 * in 300 blocks at thread_leak, nothing else from this file; seccomp: 300
 * bytes in 3 blocks at seccomp_leak. memcheck (--leak-check=full) on churn:
 * "definitely lost: 14,400 bytes in 300 blocks" (thread_leak), the
 * handed-over and self-freed blocks all freed. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

/* ---- churn ---- */

#define THREADS 300
#define LIVE 16
#define PER 64

static void *volatile sink;

static NOINLINE void thread_leak(void)
{
	void *p = malloc(48);
	memset(p, 1, 48);
	sink = p;
	sink = NULL;
}

static NOINLINE void *churn_alloc(void)
{
	void *p = malloc(40);
	memset(p, 2, 40);
	return p;
}

static void *churn(void *arg)
{
	void **out = arg;
	void *mine[PER];
	for (int i = 0; i < PER; i++)
		mine[i] = churn_alloc();
	for (int i = 0; i < PER; i++) {
		if (i & 1)
			free(mine[i]);
		else
			out[i / 2] = mine[i];
	}
	thread_leak();
	return NULL;
}

static int run_churn(void)
{
	pthread_t t[LIVE];
	void *handed[LIVE][PER / 2];
	for (int n = 0; n < THREADS; n += LIVE) {
		int k = THREADS - n < LIVE ? THREADS - n : LIVE;
		for (int i = 0; i < k; i++)
			if (pthread_create(&t[i], NULL, churn, handed[i]))
				return 1;
		for (int i = 0; i < k; i++) {
			pthread_join(t[i], NULL);
			for (int j = 0; j < PER / 2; j++)
				free(handed[i][j]);
		}
	}
	puts("churn done");
	return 0;
}

/* ---- seccomp ---- */

#define BLOCKS 20000

static void *volatile blocks[BLOCKS];
static volatile int made;

static NOINLINE void seccomp_leak(void)
{
	for (int i = 0; i < 3; i++) {
		void *p = malloc(100);
		memset(p, 3, 100);
		sink = p;
	}
	sink = NULL;
}

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 0; i < BLOCKS; i++) {
		blocks[i] = malloc(16 + i % 200);
		__atomic_store_n(&made, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (int i = 0; i < BLOCKS; i++) {
		while (__atomic_load_n(&made, __ATOMIC_ACQUIRE) <= i)
			;
		free(blocks[i]);
	}
	return NULL;
}

static int install_filter(int via_syscall)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_membarrier, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_madvise, 0, 4),
		/* madvise's advice, the low word of args[2] (x86-64) */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MADV_POPULATE_READ, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MADV_POPULATE_WRITE, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof f / sizeof f[0], .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	if (via_syscall)
		return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

static int run_seccomp(int via_syscall)
{
	/* biases taken before the filter: this thread's, and a thread's */
	void *early[64];
	for (int i = 0; i < 64; i++)
		early[i] = malloc(32);
	pthread_t a;
	pthread_create(&a, NULL, producer, NULL);
	pthread_join(a, NULL);
	made = 0;
	if (install_filter(via_syscall)) {
		perror("seccomp");
		return 1;
	}
	for (int i = 0; i < 64; i++)
		free(early[i]);
	/* frees of blocks another thread allocated, that thread still
	 * running: without the bias revoked before the filter, revoking it
	 * now would call membarrier and die of SIGSYS */
	for (int i = 0; i < BLOCKS; i++)
		free(blocks[i]);
	pthread_t p, c;
	pthread_create(&p, NULL, producer, NULL);
	pthread_create(&c, NULL, consumer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	/* the live table grows after the filter: a populate of its new
	 * mapping (MADV_POPULATE_WRITE) would die of SIGSYS now */
	enum { MANY = 100000 };
	void **many = malloc(MANY * sizeof *many);
	for (int i = 0; i < MANY; i++)
		many[i] = malloc(16);
	for (int i = 0; i < MANY; i++)
		free(many[i]);
	free(many);
	seccomp_leak();
	puts("seccomp done");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "churn";
	if (!strcmp(mode, "churn"))
		return run_churn();
	if (!strcmp(mode, "seccomp"))
		return run_seccomp(0);
	if (!strcmp(mode, "seccomp-syscall"))
		return run_seccomp(1);
	fprintf(stderr, "bias_cases: unknown mode %s\n", mode);
	return 2;
}
