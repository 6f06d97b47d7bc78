/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Reading a fuzz input as fields, front to back.
 */

#ifndef FUZZ_IN_H
#define FUZZ_IN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The input, read front to back; past its end every read gives zeros. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline void
fuzz_take(struct fuzz_in *in, void *dst, size_t len)
{
	size_t n = len < in->left ? len : in->left;

	memcpy(dst, in->p, n);
	memset((uint8_t *)dst + n, 0, len - n);
	in->p += n;
	in->left -= n;
}

static inline uint8_t
fuzz_u8(struct fuzz_in *in)
{
	uint8_t v;

	fuzz_take(in, &v, sizeof(v));
	return v;
}

static inline uint16_t
fuzz_u16(struct fuzz_in *in)
{
	uint16_t v;

	fuzz_take(in, &v, sizeof(v));
	return v;
}

static inline uint32_t
fuzz_u32(struct fuzz_in *in)
{
	uint32_t v;

	fuzz_take(in, &v, sizeof(v));
	return v;
}

#endif /* FUZZ_IN_H */
