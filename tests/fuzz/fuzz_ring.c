/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The VMBus ring (hv_ring.c) with a hostile peer: the input is the
 * header the peer writes (indices, interrupt mask, pending_send_sz,
 * feature bits) and the data area. The reader peeks, consumes and
 * commits until the ring is empty or refuses; the writer writes and
 * batches against the peer's read index. Nothing may read or write
 * outside the ring, loop forever, or accept a packet past the data.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_env.h"
#include "hv_ring.h"

#define DATA_BYTES	1024u
#define RING_BYTES	(4096u + DATA_BYTES)

static void
read_all(struct hv_ring *r)
{
	uint8_t scratch[256], copy[64];
	unsigned int i;

	for (i = 0; i < DATA_BYTES / 8 + 2; i++) {
		struct hv_ring_pkt pkt;
		bool sig = false;
		int ret = hv_ring_peek(r, &pkt, scratch, sizeof(scratch));

		(void)hv_ring_readable(r);
		if (ret == 0 || ret == -EIO)
			break;
		if (pkt.len < HV_RING_PKT_MIN || pkt.len > DATA_BYTES)
			abort();	/* the contract: a length inside the data */
		if (ret == 1) {
			uint32_t n = pkt.len < sizeof(copy) ? pkt.len : sizeof(copy);

			if (pkt.desc.offset8 < 2 || pkt.desc.offset8 > pkt.desc.len8)
				abort();
			hv_ring_copy_out(r, pkt.len - n, copy, n);
			(void)hv_ring_next_hint(r, pkt.len, 16);
		}
		hv_ring_consume(r, pkt.len);
		hv_ring_read_commit(r, &sig);
	}
}

static void
write_some(struct hv_ring *r, struct fuzz_in *in)
{
	uint8_t body[512];
	struct hv_ring_batch b;
	unsigned int i, n = fuzz_u8(in) % 4;
	bool sig = false;

	memset(body, 0x5a, sizeof(body));
	for (i = 0; i < n; i++) {
		struct iovec iov = { .iov_base = body, .iov_len = fuzz_u16(in) % sizeof(body) };

		if (hv_ring_write(r, &iov, 1, &sig) == -EIO)
			return;
	}
	hv_ring_batch_begin(&b, r);
	for (i = 0; i < n; i++) {
		struct iovec iov = { .iov_base = body, .iov_len = 8 + fuzz_u8(in) };

		if (hv_ring_batch_add(&b, &iov, 1, &sig) < 0)
			break;
	}
	hv_ring_batch_end(&b, &sig);
	hv_ring_set_pending(r, fuzz_u32(in));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *mem;
	struct fuzz_in in = { .p = data, .left = size };
	struct hv_ring_header h;
	struct hv_ring r;

	if (mem == NULL && posix_memalign((void **)&mem, 4096, RING_BYTES) != 0)
		abort();
	memset(&h, 0, sizeof(h));
	fuzz_take(&in, &h, 16);			/* indices, mask, pending */
	h.feature_bits = fuzz_u8(&in) & 1;
	memcpy(mem, &h, sizeof(h));
	fuzz_take(&in, mem + 4096, DATA_BYTES);
	/* the reader's side: attach reads the peer's indices */
	if (hv_ring_attach(&r, mem, RING_BYTES) == 0) {
		read_all(&r);
		(void)hv_ring_unmask(&r);
		hv_ring_mask(&r);
	}
	/* the writer's side, the peer moving read_index under it */
	memcpy(mem, &h, 16);
	if (hv_ring_attach(&r, mem, RING_BYTES) == 0)
		write_some(&r, &in);
	return 0;
}
