/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The VMBus descriptor: the host writes raw packets into the channel (the
 * descriptor's type, offset8, len8, flags and transaction id are the
 * input's), and the channel drains them: bad descriptors are counted and
 * skipped, none crashes the drain or leaks an mbuf.
 * Input: { u16 length, bytes } repeated.
 */

#include "fuzz_env.h"
#include "hn_chan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_dev *d = fuzz_dev_get();
	struct fuzz_in in = { .p = data, .left = size };
	uint8_t pkt[2048];
	unsigned int i;

	fuzz_dev_reset(d);
	for (i = 0; i < 16 && in.left > 0; i++) {
		uint32_t len = fuzz_u16(&in) % sizeof(pkt);

		fuzz_take(&in, pkt, len);
		if (len == 0 || fuzz_host_write(d, pkt, len) != 0)
			break;
	}
	fuzz_dev_drain_all(d);
	fuzz_dev_check_idle(d);
	return 0;
}
