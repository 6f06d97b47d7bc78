/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Path formatting shared by hvsim's building blocks.
 */

#ifndef HVSIM_PATH_H
#define HVSIM_PATH_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

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

#endif /* HVSIM_PATH_H */
