/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * In-band messages from the host: NVSP notifications (VF association,
 * data-path switch, send indirection table, anything else) of any length,
 * through the channel (chan_inband) into hn_nvsp_inband.
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
	uint8_t msg[1024];
	unsigned int i;

	fuzz_dev_reset(d);
	for (i = 0; i < 16 && in.left > 0; i++) {
		uint32_t len = fuzz_u16(&in) % sizeof(msg);

		fuzz_take(&in, msg, len);
		if (fuzz_host_packet(d, HV_PKT_DATA_INBAND, fuzz_u8(&in), msg, len) != 0)
			break;
	}
	fuzz_dev_drain_all(d);
	fuzz_dev_check_idle(d);
	return 0;
}
