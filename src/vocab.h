/* The report's vocabulary, defined once for the shim and the leaktrace
 * command alike (the JSON contract, man/leaktrace-json.5, spells these
 * names): resource kinds, memory and handle classes, and the bit order of
 * the fail_on option. Part of the contract library: includes nothing of
 * the shim. */
#ifndef LT_VOCAB_H
#define LT_VOCAB_H

/* X(enum suffix, contract name), in enum order. */
#define LT_KIND_LIST(X)                                                        \
	X(MEMORY, "memory")                                                    \
	LT_HANDLE_KIND_LIST(X)
#define LT_HANDLE_KIND_LIST(X)                                                 \
	X(FD, "fd")                                                            \
	X(SOCKET, "socket")                                                    \
	X(FILE, "file")                                                        \
	X(DIR, "dir")                                                          \
	X(IO_URING_RING, "io_uring_ring")                                      \
	X(IO_URING_BUFFER, "io_uring_buffer")                                  \
	X(IO_URING_FILE, "io_uring_file")                                      \
	X(KQUEUE, "kqueue")                                                    \
	X(KEVENT_FILTER, "kevent_filter")                                      \
	X(THREAD, "thread")                                                    \
	X(CHILD, "child")                                                      \
	X(MAPPING, "mapping")

#define LT_CLASS_LIST(X)                                                       \
	X(DEFINITE, "definitely_lost")                                         \
	X(INDIRECT, "indirectly_lost")                                         \
	X(POSSIBLE, "possibly_lost")                                           \
	X(REACHABLE, "still_reachable")                                        \
	X(UNCLASSIFIED, "unclassified")                                        \
	X(OPEN, "open")          /* handles */

#define LT_VOCAB_ENUM_KIND(e, n) LT_KIND_##e,
#define LT_VOCAB_ENUM_CLASS(e, n) LT_CLASS_##e,
enum lt_kind { LT_KIND_LIST(LT_VOCAB_ENUM_KIND) LT_KIND_COUNT };
enum lt_class { LT_CLASS_LIST(LT_VOCAB_ENUM_CLASS) LT_CLASS_COUNT };
#undef LT_VOCAB_ENUM_KIND
#undef LT_VOCAB_ENUM_CLASS

/* The memory classes come first; LT_CLASS_UNCLASSIFIED is the last of them. */
#define LT_MEMORY_CLASS_COUNT (LT_CLASS_UNCLASSIFIED + 1)

/* "unknown" when out of range. */
const char *lt_kind_name(int kind);
const char *lt_class_name(int cls);
/* The enum value of a name; -1 when it is none. */
int lt_kind_of_name(const char *name);
int lt_class_of_name(const char *name);

/* fail_on: bit 0 memory, bit 1 every handle kind, then one bit per handle
 * kind in lt_kind order (LT_FAIL_KIND(LT_KIND_FD) is bit 2). The option's
 * value set (options.inc) and the JSON gate.counted_kinds list are spelled
 * from the same table. */
#define LT_FAIL_MEMORY (1u << 0)
#define LT_FAIL_HANDLES (1u << 1)
#define LT_FAIL_KIND(kind) (1u << ((kind) + 1))
#define LT_FAIL_BITS (LT_KIND_COUNT + 1)
#define LT_VOCAB_PIPE_NAME(e, n) "|" n
#define LT_FAIL_ON_VALUES "memory|handles" LT_HANDLE_KIND_LIST(LT_VOCAB_PIPE_NAME)
/* Name of fail_on bit b ("memory", "handles", "fd", ...). */
const char *lt_fail_on_name(int bit);

#endif
