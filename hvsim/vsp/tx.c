/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RNDIS data path, guest -> wire (protocol doc §F): PACKET_MSGs, several
 * to a message, with their per-packet info: VLAN, checksum and LSOv2
 * requests, carried out here before the frame goes to the switch.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hv_nvsp_wire.h"
#include "hv_rndis_wire.h"
#include "vf/vf.h"
#include "vsp/rndis.h"
#include "wire/vswitch.h"

/* What the per-packet info of one guest PACKET_MSG asks for. */
struct tx_ppi {
	uint16_t vlan_tci;
	bool csum, lso;
	uint32_t csum_req, lso_req;
};

/* Walk the per-packet info of one PACKET_MSG. */
static int
parse_tx_ppi(const uint8_t *ppi, uint32_t len, struct tx_ppi *t)
{
	uint32_t pos = 0;

	while (pos < len) {
		struct hv_rndis_ppi e;
		uint32_t v;

		if (len - pos < sizeof(e))
			return -EINVAL;
		memcpy(&e, ppi + pos, sizeof(e));
		if (e.size < sizeof(e) || e.size > len - pos || (e.size & 3) ||
		    e.offset < sizeof(e) || e.offset > e.size)
			return -EINVAL;
		if (e.size - e.offset >= 4) {
			memcpy(&v, ppi + pos + e.offset, 4);
			if (e.type == HV_RNDIS_PPI_VLAN) {
				t->vlan_tci = (uint16_t)HV_RNDIS_VLAN_TO_TCI(v);
			} else if (e.type == HV_RNDIS_PPI_CSUM) {
				t->csum = true;
				t->csum_req = v;
			} else if (e.type == HV_RNDIS_PPI_LSO) {
				t->lso = true;
				t->lso_req = v;
			}
		}
		pos += e.size;
	}
	return 0;
}

/* A rule broken by an offload request: the rule, the PPI value, the headers. */
static void
offload_violation(struct hvsim_nic *nic, struct hvsim_chan *c, const char *why,
		  uint32_t req, const uint8_t *frame, uint32_t len)
{
	char rule[256];

	snprintf(rule, sizeof(rule), "%s (PPI 0x%08x)", why, req);
	hvsim_violation(nic, c, rule, frame, len < 64 ? len : 64);
}

/* LSOv2 (§F.4): the host cuts the frame into MSS-sized segments. */
static int
tx_lso(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *frame, uint32_t len,
       const struct tx_ppi *t)
{
	static uint8_t seg[HVSIM_VSWITCH_FRAME_MAX];
	const struct hvsim_ofl_limits lim = {
		.max_frame = hvsim_nic_max_frame(nic),
		.lso_max = nic->cfg.lso_max,
		.lso_min_segs = nic->cfg.lso_min_segs,
	};
	struct hvsim_lso s;
	const char *why;
	uint32_t i;

	if (hvsim_lso_prepare(&s, frame, len, t->lso_req, &nic->offload, &lim, &why) < 0) {
		offload_violation(nic, c, why, t->lso_req, frame, len);
		return -EINVAL;
	}
	for (i = 0; i < s.nseg; i++)
		hvsim_vswitch_tx(nic->vswitch, nic->port, seg, hvsim_lso_segment(&s, i, seg),
				 t->vlan_tci);
	nic->stats.lso_packets++;
	nic->stats.lso_segments += s.nseg;
	return 0;
}

/* Checksum request (§F.4): computed into a copy, the guest's memory stays. */
static int
tx_csum(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *frame, uint32_t len,
	const struct tx_ppi *t)
{
	static uint8_t copy[HVSIM_VSWITCH_FRAME_MAX];
	unsigned int did;
	const char *why;

	memcpy(copy, frame, len);
	if (hvsim_ofl_tx_csum(copy, len, t->csum_req, &nic->offload, &did, &why) < 0) {
		offload_violation(nic, c, why, t->csum_req, frame, len);
		return -EINVAL;
	}
	nic->stats.tx_csum_ip += (did & HVSIM_OFL_DID_IP) != 0;
	nic->stats.tx_csum_tcp += (did & HVSIM_OFL_DID_TCP) != 0;
	nic->stats.tx_csum_udp += (did & HVSIM_OFL_DID_UDP) != 0;
	hvsim_vswitch_tx(nic->vswitch, nic->port, copy, len, t->vlan_tci);
	return 0;
}

/* No request: the frame goes out as it is. A wrong checksum is the guest's
 * business (not a protocol rule), but worth counting. */
static void
tx_plain(struct hvsim_nic *nic, const uint8_t *frame, uint32_t len, uint16_t vlan_tci)
{
	struct hvsim_csum_check chk;

	hvsim_ofl_check(frame, len, &chk);
	if (chk.ip == HVSIM_CSUM_BAD || chk.l4 == HVSIM_CSUM_BAD)
		nic->stats.tx_csum_bad_no_offload++;
	hvsim_vswitch_tx(nic->vswitch, nic->port, frame, len, vlan_tci);
}

static int
tx_one(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *msg, uint32_t len)
{
	struct hv_rndis_packet_msg m;
	struct tx_ppi t = { 0 };
	const uint8_t *frame;
	uint16_t ethertype;
	int ret = 0;

	memcpy(&m, msg, sizeof(m));
	if (m.data_offset < HV_RNDIS_PACKET_MSG_OFFSET_MIN || m.data_len < ETH_HDR_LEN ||
	    (uint64_t)8 + m.data_offset + m.data_len > m.len ||
	    (m.ppi_len && (m.ppi_offset < HV_RNDIS_PACKET_MSG_OFFSET_MIN ||
			   (uint64_t)8 + m.ppi_offset + m.ppi_len > m.len)) ||
	    (m.ppi_len && parse_tx_ppi(msg + 8 + m.ppi_offset, m.ppi_len, &t))) {
		hvsim_violation(nic, c, "RNDIS PACKET_MSG offsets, lengths or PPIs malformed",
				msg, len);
		return -EINVAL;
	}
	frame = msg + 8 + m.data_offset;
	ethertype = (uint16_t)(frame[12] << 8 | frame[13]);
	if (ethertype == ETH_P_8021Q) {
		hvsim_violation(nic, c, "VLAN tag inside the frame (must be a PPI, §F.4)",
				frame, 18);
		return -EINVAL;
	}
	if (!t.lso && m.data_len > hvsim_nic_max_frame(nic)) {
		hvsim_violation(nic, c, "frame longer than MTU + 14 without LSO", frame, 16);
		return -EINVAL;
	}
	/* an LSO request covers the checksums too: a CSUM PPI beside it is moot */
	if (t.lso)
		ret = tx_lso(nic, c, frame, m.data_len, &t);
	else if (t.csum)
		ret = tx_csum(nic, c, frame, m.data_len, &t);
	else
		tx_plain(nic, frame, m.data_len, t.vlan_tci);
	if (ret == 0) {
		nic->stats.tx_frames++;
		hvsim_vf_note_synthetic_tx(nic->vf);
		nic->stats.tx_bytes += m.data_len;
	}
	return ret;
}

/* One section may hold several aggregated PACKET_MSGs (§F.7). */
uint32_t
vsp_tx_data(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *msg, uint32_t len)
{
	uint32_t pos = 0, count = 0;

	while (pos < len) {
		struct hv_rndis_msg_hdr h;

		if (len - pos < sizeof(struct hv_rndis_packet_msg))
			break;
		memcpy(&h, msg + pos, sizeof(h));
		if (h.type != HV_RNDIS_PACKET_MSG || h.len < sizeof(struct hv_rndis_packet_msg) ||
		    h.len > len - pos) {
			hvsim_violation(nic, c, "RNDIS data message with bad type or length",
					msg + pos, len - pos);
			return HV_NVSP_STATUS_INVALID_RNDIS_PKT;
		}
		if (tx_one(nic, c, msg + pos, h.len) < 0)
			return HV_NVSP_STATUS_INVALID_RNDIS_PKT;
		pos += h.len;
		count++;
	}
	if (pos != len || count == 0) {
		hvsim_violation(nic, c, "RNDIS data section with trailing bytes", msg, len);
		return HV_NVSP_STATUS_INVALID_RNDIS_PKT;
	}
	if (count > HOST_MAX_PKTS_PER_MSG)
		hvsim_violation(nic, c, "more packets in one message than INITIALIZE allowed",
				msg, 16);
	return HV_NVSP_STATUS_SUCCESS;
}
