/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RNDIS control replies: the parse halves of INITIALIZE, QUERY (with the
 * output sizes the driver asks for: u32 values, a MAC, the offload and
 * RSS capability objects) and SET completions (hn_rndis.c), the
 * mailbox's matching (hn_ctl_deliver_rndis), and status indications
 * (hn_rndis_status): link, speed, anything else.
 * Input: u8 what, then the message.
 */

#include "fuzz_env.h"
#include "hn_ctl.h"
#include "hn_rndis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
query(struct hn_dev *hn, const uint8_t *msg, uint32_t len, unsigned int what)
{
	struct hv_ndis_offload caps;
	struct hv_ndis_rss_caps rss;
	uint8_t out[64];
	uint32_t out_len = 0;

	switch (what % 4) {
	case 0:		/* link state, speed, MTU */
		hn_rndis_parse_query_cmplt(msg, len, out, 4, 4, NULL);
		break;
	case 1:		/* the permanent MAC */
		hn_rndis_parse_query_cmplt(msg, len, out, 6, 6, NULL);
		break;
	case 2:
		memset(&caps, 0, sizeof(caps));
		if (hn_rndis_parse_query_cmplt(msg, len, &caps, HV_NDIS_OFFLOAD_SIZE_REV1,
					       sizeof(caps), &out_len) == 0)
			hn_rndis_parse_offload_caps(hn, &caps, out_len);
		break;
	default:
		memset(&rss, 0, sizeof(rss));
		if (hn_rndis_parse_query_cmplt(msg, len, &rss, HV_NDIS_RSS_CAPS_SIZE_REV1,
					       sizeof(rss), NULL) == 0)
			hn_rndis_parse_rss_caps(hn, &rss);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t types[] = {
		HV_RNDIS_INITIALIZE_CMPLT, HV_RNDIS_QUERY_CMPLT, HV_RNDIS_SET_CMPLT,
		HV_RNDIS_INDICATE_STATUS_MSG,
	};
	struct fuzz_dev *d = fuzz_dev_get();
	struct fuzz_in in = { .p = data, .left = size };
	struct hn_dev *hn = d->hn;
	uint8_t msg[HN_CTL_MSG_MAX + 64];
	uint32_t len, status, rid;
	uint8_t what;

	what = fuzz_u8(&in);
	len = in.left < sizeof(msg) ? (uint32_t)in.left : sizeof(msg);
	fuzz_take(&in, msg, len);
	/* the mailbox: armed for the rid the message carries, or not */
	rid = len >= 12 ? (uint32_t)msg[8] | (uint32_t)msg[9] << 8 |
			  (uint32_t)msg[10] << 16 | (uint32_t)msg[11] << 24 : 0;
	hn_ctl_arm(hn, HN_CTL_RNDIS, what & 0x80 ? rid + 1 : rid, types[what & 3]);
	hn_ctl_deliver_rndis(&hn->ctl, msg, len, types[(what >> 2) & 3]);
	if (HN_CTL_PHASE(__atomic_load_n(&hn->ctl.state, __ATOMIC_ACQUIRE)) == HN_CTL_DONE) {
		memcpy(msg, hn->ctl.buf, hn->ctl.len);
		len = hn->ctl.len;
	}
	hn_ctl_disarm(hn);
	switch (what & 3) {
	case 0:
		hn_rndis_parse_init_cmplt(hn, msg, len, &status);
		break;
	case 1:
		if (hn_rndis_parse_oid_cmplt(msg, len, true, &status) == 0)
			query(hn, msg, len, what >> 4);
		break;
	case 2:
		hn_rndis_parse_oid_cmplt(msg, len, false, &status);
		break;
	default:
		hn_rndis_status(hn, msg, len);
		break;
	}
	return 0;
}
