/* Live tables of the process resources that are not descriptors: threads
 * created joinable and not yet joined or detached, child processes not yet
 * waited for, and memory mappings the program made and has not unmapped.
 *
 * Safe from any thread: one spinlock, never a hooked function, errno kept.
 * Callers are the hooks (src/hooks/proc.c) and the report, which takes a
 * copy (lt_proctab_snapshot). */
#ifndef LT_PROCTAB_H
#define LT_PROCTAB_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "lt.h"

/* Non-zero while this thread holds the table lock. */
extern LT_TLS int lt_proctab_held;

typedef struct lt_proc_rec {
	int kind;                /* LT_KIND_THREAD, _CHILD or _MAPPING */
	uintptr_t key;           /* pthread_t, pid, or start address */
	uint64_t length;         /* mappings: bytes */
	int running;             /* threads, in a snapshot: still running */
	uint32_t stack, ms;
	/* children made by popen: the stream's descriptor (else -1) and the
	 * command, truncated to fit ("" when not known) */
	int stream_fd;
	char command[64];
} lt_proc_rec_t;

/* A joinable thread was created. */
void lt_proctab_thread_add(pthread_t t, uint32_t stack);
/* pthread_join / pthread_detach is about to release t: take its record
 * out (1, copied to *saved) so a failed call can put it back. */
int lt_proctab_thread_take(pthread_t t, lt_proc_rec_t *saved);
void lt_proctab_put_back(const lt_proc_rec_t *saved);

/* A child process was created / was reaped. */
void lt_proctab_child_add(int pid, uint32_t stack);
void lt_proctab_child_forget(int pid);
/* popen's child pid reads and writes the stream on descriptor stream_fd;
 * pclose of that stream is about to reap it (forget its record). */
void lt_proctab_child_add_popen(int pid, int stream_fd, const char *command, uint32_t stack);
void lt_proctab_child_forget_stream(int stream_fd);

/* Mappings: [addr, addr+len) now mapped by the program (replacing any
 * recorded overlap, as MAP_FIXED does); [addr, addr+len) unmapped
 * (partial unmaps trim or split a record); mremap moves a range and keeps
 * the creating stack. len is rounded up to pages. */
void lt_proctab_map_add(uintptr_t addr, uint64_t len, uint32_t stack);
void lt_proctab_map_remove(uintptr_t addr, uint64_t len);
void lt_proctab_map_move(uintptr_t old, uint64_t old_len, uintptr_t nu, uint64_t new_len,
			 uint32_t stack);

/* Copy every record into private memory (lt_ia_free the array). A thread's
 * "running" is decided here, under the lock, where its descriptor is known
 * to be alive (not joined, not detached). Returns 0 or -ENOMEM. */
int lt_proctab_snapshot(lt_proc_rec_t **out, size_t *n);

void lt_proctab_prefork(void);
void lt_proctab_postfork_parent(void);
/* The child has one thread and no children of its own; the mappings it
 * inherited are its parent's work: all tables start empty. */
void lt_proctab_postfork_child(void);

size_t lt_proctab_count(int kind);

#endif
