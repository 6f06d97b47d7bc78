/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Small helpers every room of hvsim uses: path formatting, the clock.
 */

#ifndef HVSIM_UTIL_H
#define HVSIM_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* snprintf into buf; -ENAMETOOLONG instead of a silently cut path. */
static inline int __attribute__((format(printf, 3, 4)))
fmt_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

/* CLOCK_MONOTONIC in nanoseconds: due times of offers, answers, commands. */
static inline uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif /* HVSIM_UTIL_H */
