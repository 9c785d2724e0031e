/* leaktrace client API: tell the leak tracer about a program's intentions.
 *
 * Header only, no library to link: each function calls into libleaktrace.so
 * when it is preloaded and does nothing otherwise (the entry points are
 * declared weak, so a program built with this header runs with or without
 * the tracer, and links without it). `pkg-config --cflags leaktrace` gives
 * the include path; `pkg-config --libs leaktrace` is empty.
 *
 * The shim also exports LeakSanitizer's interface (__lsan_ignore_object,
 * __lsan_disable, __lsan_enable, __lsan_do_leak_check,
 * __lsan_do_recoverable_leak_check, __lsan_register_root_region,
 * __lsan_unregister_root_region) with LSan's semantics, so code already
 * annotated for LSan needs no change. See libleaktrace(7), "CLIENT API". */
#ifndef LEAKTRACE_H
#define LEAKTRACE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Entry points in libleaktrace.so; NULL when it is not loaded. */
extern int __leaktrace_active(void) __attribute__((weak));
extern void __leaktrace_ignore_object(const void *p) __attribute__((weak));
extern void __leaktrace_disable(void) __attribute__((weak));
extern void __leaktrace_enable(void) __attribute__((weak));
extern const char *__leaktrace_snapshot(void) __attribute__((weak));
extern void __leaktrace_register_root_region(const void *p, size_t size) __attribute__((weak));
extern void __leaktrace_unregister_root_region(const void *p, size_t size) __attribute__((weak));

/* 1 when the tracer is loaded and tracing this process. */
static inline int leaktrace_active(void)
{
	return __leaktrace_active ? __leaktrace_active() : 0;
}

/* Never report the heap block starting at p as a leak (an intentional
 * one-time allocation). It counts as still reachable, and so does what it
 * points to. Freeing the block drops the mark. */
static inline void leaktrace_ignore_object(const void *p)
{
	if (__leaktrace_ignore_object)
		__leaktrace_ignore_object(p);
}

/* Between leaktrace_disable() and leaktrace_enable(), blocks this thread
 * allocates are ignored as by leaktrace_ignore_object. Calls nest. */
static inline void leaktrace_disable(void)
{
	if (__leaktrace_disable)
		__leaktrace_disable();
}

static inline void leaktrace_enable(void)
{
	if (__leaktrace_enable)
		__leaktrace_enable();
}

/* Write a snapshot report now (as the snapshot signal does) and return
 * where it went: a file name, "stderr", or NULL when the tracer is not
 * loaded or not tracing. The string is valid until the next call. */
static inline const char *leaktrace_snapshot(void)
{
	return __leaktrace_snapshot ? __leaktrace_snapshot() : NULL;
}

/* Scan [p, p + size) for pointers to heap blocks, like a global variable's
 * storage (memory the program got from mmap, say). Only its readable pages
 * are read. Unregister with the same p and size. */
static inline void leaktrace_register_root_region(const void *p, size_t size)
{
	if (__leaktrace_register_root_region)
		__leaktrace_register_root_region(p, size);
}

static inline void leaktrace_unregister_root_region(const void *p, size_t size)
{
	if (__leaktrace_unregister_root_region)
		__leaktrace_unregister_root_region(p, size);
}

#ifdef __cplusplus
}
#endif

#endif
