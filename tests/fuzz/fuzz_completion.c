/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Send completions: the guest sends frames (copied into send-buffer
 * sections or sent by guest physical address, as their length says),
 * the host reads them and answers with completions of its choosing:
 * right, duplicated, forged, out of range, of the wrong NVSP type or
 * status, for sends that never happened. Every mbuf must come back to
 * the pool exactly once (the pool aborts on a double free).
 * Input: u8 frames, u16 frame lengths, then completions
 * { u8 how, u8 which, u32 type, u32 status }.
 */

#include <rte_ether.h>

#include "fuzz_env.h"
#include "hn_chan.h"
#include "hn_nvsp_msg.h"
#include "hn_tx.h"

#define FRAMES_MAX	16u

static struct rte_mbuf *
frame(struct fuzz_dev *d, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(d->pool);
	uint8_t *p;

	if (m == NULL)
		abort();
	len = RTE_MAX(len % 1515, (uint16_t)RTE_ETHER_HDR_LEN);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	memset(p, 0x11, len);
	p[0] = 0x00;	/* unicast */
	p[12] = 0x08;	/* IPv4 */
	p[13] = 0x00;
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_dev *d = fuzz_dev_get();
	struct fuzz_in in = { .p = data, .left = size };
	struct rte_mbuf *pkts[FRAMES_MAX];
	uint64_t xids[FRAMES_MAX + 4];
	uint32_t nx = 0;
	uint16_t n, sent, i;
	uint8_t buf[512];

	fuzz_dev_reset(d);
	n = fuzz_u8(&in) % FRAMES_MAX + 1;
	for (i = 0; i < n; i++)
		pkts[i] = frame(d, fuzz_u16(&in));
	sent = hn_xmit_pkts(d->txq, pkts, n);
	rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	/* the host reads what was sent: the transaction ids to complete */
	while (nx < RTE_DIM(xids)) {
		struct hv_pkt_desc desc;
		uint32_t len = fake_host_read(d->vc, buf, sizeof(buf));

		if (len == 0)
			break;
		memcpy(&desc, buf, sizeof(desc));
		xids[nx++] = desc.trans_id;
	}
	for (i = 0; i < 48 && in.left >= 2; i++) {
		struct hv_nvsp_rndis_pkt_complete c;
		uint8_t how = fuzz_u8(&in);
		uint8_t which = fuzz_u8(&in);
		uint64_t xid = nx ? xids[which % nx] : which;

		c.type = how & 1 ? fuzz_u32(&in) : HV_NVSP_MSG_RNDIS_PKT_COMPLETE;
		c.status = how & 2 ? fuzz_u32(&in) : HV_NVSP_STATUS_SUCCESS;
		if (how & 4)
			xid = which;				/* a forged index */
		if (how & 8)
			xid |= (uint64_t)fuzz_u32(&in) << 32;	/* high bits */
		if (fuzz_host_packet(d, HV_PKT_COMPLETION, xid, &c,
				     how & 0x10 ? how >> 5 : sizeof(c)) != 0)
			break;
		if (how & 0x80)
			fuzz_dev_drain_all(d);
	}
	fuzz_dev_drain_all(d);
	fuzz_dev_check_idle(d);
	return 0;
}
