/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * NVSP replies: the host's completions of the control path's requests,
 * through the channel into the mailbox (hn_ctl_deliver_completion), then
 * through the parse halves of the requests (hn_nvsp.c): version, receive
 * and send buffer connection, subchannels, and the data-path switch.
 * Input: u8 request, u32 region size / subchannels wanted, u8 xid mode,
 * then the completion's payload.
 */

#include "fuzz_env.h"
#include "hn_chan.h"
#include "hn_ctl.h"
#include "hn_nvsp.h"
#include "hn_nvsp_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t types[] = {
		HV_NVSP_MSG_INIT_COMPLETE, HV_NVSP_MSG_RXBUF_CONN_RESP,
		HV_NVSP_MSG_CHIM_CONN_RESP, HV_NVSP_MSG_SUBCHANNEL,
	};
	struct fuzz_dev *d = fuzz_dev_get();
	struct fuzz_in in = { .p = data, .left = size };
	struct hn_dev *hn = d->hn;
	union hv_nvsp_msg resp;
	uint8_t payload[512];
	uint32_t kind, region, type, plen;
	uint64_t xid;
	uint8_t mode;

	fuzz_dev_reset(d);
	kind = fuzz_u8(&in);
	region = fuzz_u32(&in);
	mode = fuzz_u8(&in);
	plen = in.left < sizeof(payload) ? (uint32_t)in.left : sizeof(payload);
	fuzz_take(&in, payload, plen);
	xid = hn_ctl_arm(hn, kind & 0x10 ? HN_CTL_SENDCOMP : HN_CTL_NVSP, 0, 0);
	if (mode & 1)
		__atomic_store_n(&hn->ctl.vf_switch_xid, xid, __ATOMIC_RELEASE);
	if (mode & 2)
		xid ^= 1;				/* someone else's */
	if (mode & 4)
		xid &= ~HN_XID_CTL;		/* a data completion */
	fuzz_host_packet(d, HV_PKT_COMPLETION, xid, payload, plen);
	fuzz_dev_drain_all(d);
	hn->ctl.vf_switch_xid = 0;
	if (HN_CTL_PHASE(__atomic_load_n(&hn->ctl.state, __ATOMIC_ACQUIRE)) != HN_CTL_DONE ||
	    hn->ctl.kind != HN_CTL_NVSP)
		goto out;
	memset(&resp, 0, sizeof(resp));
	if (hn_nvsp_parse_resp(hn->ctl.buf, hn->ctl.len, types[kind & 3], &resp,
			       kind & 0x20 ? 8 : sizeof(uint32_t), sizeof(resp), &type) < 0)
		goto out;
	switch (kind & 3) {
	case 1:
		hn_nvsp_rxbuf_resp_valid(0, &resp.rxbuf_conn_resp, region);
		break;
	case 2:
		hn_nvsp_chim_resp_valid(&resp.chim_conn_resp, region);
		break;
	case 3:
		hn_nvsp_subch_resp_valid(&resp.subch_resp, region % 64);
		break;
	default:
		break;
	}
out:
	fuzz_dev_check_idle(d);
	return 0;
}
