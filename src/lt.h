/* Attributes and tiny macros shared by every leaktrace source file.
 *
 * Error convention: internal fallible functions return int, 0 on success or
 * -errno on failure (libuv's style). Nothing in the shim aborts the target:
 * when a feature fails it is switched off with one warning. */
#ifndef LT_H
#define LT_H

#include <stddef.h>
#include <stdint.h>

#define LT_EXPORT __attribute__((visibility("default")))
#define LT_HIDDEN __attribute__((visibility("hidden")))
#define LT_LIKELY(x) __builtin_expect(!!(x), 1)
#define LT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LT_NOINLINE __attribute__((noinline))
#define LT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define LT_TLS __thread __attribute__((tls_model("initial-exec")))

#define LT_VERSION_STRING LT_VERSION
#define LT_JSON_FORMAT_VERSION 1

#ifdef LT_DEBUG
#include "log.h"
#define lt_assert(c)                                                        \
	do {                                                                \
		if (!(c))                                                   \
			lt_log_fatal_assert(#c, __FILE__, __LINE__);        \
	} while (0)
#else
#define lt_assert(c) ((void)0)
#endif

#endif
