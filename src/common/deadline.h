/*
 * Absolute deadlines for pthread_cond_timedwait, which wants a
 * CLOCK_REALTIME time point rather than a duration.
 */
#ifndef YG_COMMON_DEADLINE_H
#define YG_COMMON_DEADLINE_H

#include <stdint.h>
#include <time.h>

/* CLOCK_REALTIME now plus ms, with tv_nsec kept below one second. */
static inline struct timespec yg_deadline_ms(uint64_t ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(ms / 1000);
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	return until;
}

#endif
