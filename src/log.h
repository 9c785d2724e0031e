/* One-line diagnostics on stderr, always prefixed "leaktrace: ". */
#ifndef LT_LOG_H
#define LT_LOG_H

void lt_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lt_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lt_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same as lt_log_warn but printed at most once per call site key. */
#define lt_log_warn_once(...)                                               \
	do {                                                                \
		static int lt_once_;                                        \
		if (!__atomic_exchange_n(&lt_once_, 1, __ATOMIC_RELAXED))   \
			lt_log_warn(__VA_ARGS__);                           \
	} while (0)
/* The command-line tool parses options the program will report on itself:
 * it mutes warnings and info meanwhile (errors still print). */
void lt_log_mute(int on);
/* A note about the program's normal behaviour that the user may want to
 * know (it took over the snapshot signal, say): never printed on the
 * program's stderr unless verbosity >= 1; kept (up to LT_LOG_MAX_NOTES,
 * each cut to LT_LOG_NOTE_LEN bytes) and written in every later report. */
#define LT_LOG_MAX_NOTES 8
#define LT_LOG_NOTE_LEN 256
void lt_log_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Number of notes kept so far, and note i (0-based). */
int lt_log_note_count(void);
const char *lt_log_note_get(int i);
/* The descriptor diagnostics and stderr reports go to (see output.c). */
void lt_log_set_fd(int fd);
int lt_log_fd(void);
void lt_log_fatal_assert(const char *expr, const char *file, int line);

#endif
