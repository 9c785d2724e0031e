/* The tracer's time origin (see clock.h). */
#include "clock.h"

uint64_t lt_clock_start_ms;
