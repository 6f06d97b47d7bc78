/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * LRO (RSC) chains: fragments of coalesced packets, each an RNDIS
 * PACKET_MSG with a fragment-id PPI (first / middle / last, packet id)
 * and a checksum PPI, in one or two transfer packets. The fragments'
 * bytes (the headers LRO parses and rewrites, the payload) and their
 * order, ids and flags are the input's: chains that start without a
 * first, end without a last, change id, overflow the packet limit.
 * Input: u8 frags (low 5 bits) and max_lro_pkt_size (high 3), u8 split, then per fragment { u8 flag, u8 id,
 * u16 length, bytes }.
 */

#include "fuzz_env.h"
#include "hn_chan.h"

#define FRAGS_MAX	24u

static uint32_t
fragment_msg(uint8_t *dst, uint8_t flag, uint16_t id, const uint8_t *frag, uint32_t len,
	     uint32_t csum)
{
	struct hv_rndis_pktinfo_id fid = { .ver = HV_RNDIS_PKTINFO_ID_VER, .flag = flag,
					   .pkt_id = id };
	struct hv_rndis_packet_msg h = { .type = HV_RNDIS_PACKET_MSG };
	uint32_t v, ppi_len = 0;

	memcpy(&v, &fid, sizeof(v));
	ppi_len += hv_rndis_ppi_put_u32(dst + sizeof(h), HV_RNDIS_PPI_PKTINFO_ID, v);
	ppi_len += hv_rndis_ppi_put_u32(dst + sizeof(h) + ppi_len, HV_RNDIS_PPI_CSUM, csum);
	h.ppi_offset = HV_RNDIS_PACKET_MSG_OFFSET_MIN;
	h.ppi_len = ppi_len;
	h.data_offset = HV_RNDIS_PACKET_MSG_OFFSET_MIN + ppi_len;
	h.data_len = len;
	h.len = (uint32_t)sizeof(h) + ppi_len + len;
	memcpy(dst, &h, sizeof(h));
	memcpy(dst + sizeof(h) + ppi_len, frag, len);
	return h.len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_dev *d = fuzz_dev_get();
	struct fuzz_in in = { .p = data, .left = size };
	struct hv_xfer_range r[FRAGS_MAX];
	uint8_t frag[4096];
	uint32_t i, n, split, off = 0;

	static const uint32_t lro_max[8] = {
		HN_LRO_PKT_MAX, 1514, 2000, 3000, 4000, 6000, 9000, 16000,
	};
	uint8_t first;

	fuzz_dev_reset(d);
	first = fuzz_u8(&in);
	n = (first & 31u) % FRAGS_MAX + 1;
	/* the application's max_lro_pkt_size: longer packets are cut */
	d->rxq->lro_max = lro_max[first >> 5];
	split = fuzz_u8(&in) % (n + 1);
	for (i = 0; i < n; i++) {
		uint8_t flag = fuzz_u8(&in);
		uint16_t id = fuzz_u8(&in);
		uint32_t len = fuzz_u16(&in) % sizeof(frag);
		uint32_t csum = flag & 0x80 ? 0 : HV_RNDIS_RXCSUM_IP_OK | HV_RNDIS_RXCSUM_TCP_OK;

		if (off + len + 256 > FUZZ_RXBUF_BYTES)
			break;
		fuzz_take(&in, frag, len);
		r[i].byte_offset = off;
		r[i].byte_count = fragment_msg(d->hn->rxbuf + off, flag & 0x7f, id, frag, len,
					       csum);
		off += (r[i].byte_count + 63) & ~63u;
	}
	n = i;
	if (split > n)
		split = n;
	if (split > 0)
		fuzz_host_xfer(d, 1, HV_RXBUF_XFER_PAGESET_ID, r, split);
	if (n > split)
		fuzz_host_xfer(d, 2, HV_RXBUF_XFER_PAGESET_ID, r + split, n - split);
	fuzz_dev_drain_all(d);
	fuzz_dev_check_idle(d);
	d->rxq->lro_max = HN_LRO_PKT_MAX;
	return 0;
}
