/* Coarse milliseconds since the tracer started: cheap enough (a vDSO read)
 * to stamp every allocation. */
#ifndef LT_CLOCK_H
#define LT_CLOCK_H

#include <stdint.h>
#include <time.h>

extern uint64_t lt_clock_start_ms;

static inline uint64_t lt_clock_abs_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline uint32_t lt_clock_ms(void)
{
	return (uint32_t)(lt_clock_abs_ms() - lt_clock_start_ms);
}

#endif
