/* The shim's stream: reports for "stderr" and the shim's warnings go to
 * descriptor 2 until the program closes or replaces it (close, dup2 onto
 * it, fclose(stderr), freopen, close_range, closefrom); the hooks then call
 * lt_stderr_keep() first, and from then on they go to a private duplicate. */
#ifndef LT_STDERR_H
#define LT_STDERR_H

/* Keep a private duplicate of fd 2 (once; idempotent). */
void lt_stderr_keep(void);
/* The duplicate's number, or -1 while there is none. */
int lt_stderr_kept(void);

#endif
