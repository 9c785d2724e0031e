/* The shim's helper thread as core sees it: the trigger layer (signal.c)
 * starts it and registers it here, so stop-the-world and the root scan
 * leave it be, and the pthread_exit hook can tell it the main thread is
 * going without knowing who runs it. */
#ifndef LT_HELPER_H
#define LT_HELPER_H

/* Register the helper's thread id (0: none), and what to call when the
 * main thread calls pthread_exit. */
void lt_helper_set(int tid, void (*on_main_exit)(void));
/* Thread id of the helper thread (0 before it runs). */
int lt_helper_tid(void);
/* The main thread is about to pthread_exit (the pthread_exit hook). */
void lt_helper_main_exiting(void);

#endif
