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
void lt_log_fatal_assert(const char *expr, const char *file, int line);

#endif
