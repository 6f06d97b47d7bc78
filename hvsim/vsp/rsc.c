/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RSC delivery (protocol doc §F.6): a coalesced packet goes to the guest as
 * one transfer-page packet whose ranges are its fragments, and a scenario
 * may break the next few on purpose (rsc-fault).
 */

#include <errno.h>
#include <string.h>

#include "hv_rndis_wire.h"
#include "vsp/rndis.h"

/* The RSC fragment id PPI (§F.6): {version 1, flags, packet id}. */
static uint32_t
put_pktinfo_id(uint8_t *p, uint8_t flag, uint16_t id)
{
	struct hv_rndis_pktinfo_id v = {
		.ver = HV_RNDIS_PKTINFO_ID_VER, .flag = flag, .pkt_id = id,
	};
	uint32_t u;

	memcpy(&u, &v, sizeof(u));
	return hv_rndis_ppi_put_u32(p, HV_RNDIS_PPI_PKTINFO_ID, u);
}

/* Fragments of a coalesced packet hvsim sends at most (rsc-fault toomany). */
#define RSC_FRAGS_MAX	(HV_RNDIS_RSC_FRAGS_MAX + 1)

/*
 * Where the fragments of a finished packet are: one per segment, or for
 * the toomany fault one more than the protocol allows, the payload cut
 * evenly. Returns the number of fragments.
 */
static uint32_t
rsc_cut(const struct hvsim_rsc *r, bool toomany, uint32_t *off, uint32_t *len)
{
	uint32_t payload = r->len - r->hdr_len, chunk, i;

	if (!toomany) {
		for (i = 0; i < r->nseg; i++)
			hvsim_rsc_fragment(r, i, &off[i], &len[i]);
		return r->nseg;
	}
	chunk = payload / RSC_FRAGS_MAX;
	for (i = 0; i < RSC_FRAGS_MAX; i++) {
		off[i] = r->hdr_len + i * chunk;
		len[i] = i + 1 == RSC_FRAGS_MAX ? payload - i * chunk : chunk;
	}
	len[0] += r->hdr_len;	/* the first fragment carries the headers */
	off[0] = 0;
	return RSC_FRAGS_MAX;
}

/* The fragment id flags of fragment i of n, as the fault (if any) has them. */
static uint8_t
rsc_flags(uint32_t i, uint32_t n, uint8_t fault)
{
	uint8_t flag = HV_RNDIS_PKTINFO_SUBALLOC;

	if (i == 0 && fault != HVSIM_RSC_FAULT_NOSTART)
		flag |= HV_RNDIS_PKTINFO_FIRST_FRAG;
	if (i + 1 == n && fault != HVSIM_RSC_FAULT_NOLAST)
		flag |= HV_RNDIS_PKTINFO_LAST_FRAG;
	return flag;
}

void
vsp_rsc_set_fault(struct hvsim_nic *nic, enum hvsim_rsc_fault fault, uint32_t count)
{
	nic->rsc_fault = (uint8_t)fault;
	nic->rsc_fault_left = count;
}

/* The fault for coalesced packet r, counted; toomany needs a byte of
 * payload per fragment (a packet too short for it goes unbroken). */
static uint8_t
rsc_next_fault(struct hvsim_nic *nic, const struct hvsim_rsc *r)
{
	if (nic->rsc_fault == HVSIM_RSC_FAULT_NONE || nic->rsc_fault_left == 0 ||
	    (nic->rsc_fault == HVSIM_RSC_FAULT_TOOMANY && r->len - r->hdr_len < RSC_FRAGS_MAX))
		return HVSIM_RSC_FAULT_NONE;
	nic->rsc_fault_left--;
	nic->stats.rsc_faults++;
	return nic->rsc_fault;
}

/*
 * A coalesced packet (§F.6): one transfer-page packet whose ranges are its
 * fragments, each a PACKET_MSG marked with the fragment id PPI. The first
 * holds the headers and the PPIs of the whole packet.
 */
int
vsp_rsc_deliver(struct hvsim_nic *nic, struct hvsim_rsc *r)
{
	static uint8_t buf[HVSIM_OFL_ETH_LEN + HVSIM_RSC_L3_MAX + RSC_FRAGS_MAX * 128];
	static uint32_t off[RSC_FRAGS_MAX], len[RSC_FRAGS_MAX];
	static struct iovec msgs[RSC_FRAGS_MAX];
	uint32_t csum_info = hvsim_rsc_finish(r, &nic->offload);
	uint8_t fault = rsc_next_fault(nic, r);
	uint32_t i, n, pos = 0, ppi;
	uint16_t id = nic->rsc_pkt_id++;
	struct hvsim_chan *c = nic->chan[0];
	bool hashed = false;

	n = rsc_cut(r, fault == HVSIM_RSC_FAULT_TOOMANY, off, len);
	if (fault == HVSIM_RSC_FAULT_SHORT)
		n--;	/* the one before is marked last: the IP length is not met */
	for (i = 0; i < n; i++) {
		uint8_t *p = buf + pos + sizeof(struct hv_rndis_packet_msg);
		bool other = fault == HVSIM_RSC_FAULT_ID && i == 1;

		ppi = 0;
		if (i == 0)
			ppi = vsp_rx_packet_ppis(nic, r->frame, r->len, r->vlan_tci, csum_info,
						 p, &c, &hashed);
		ppi += put_pktinfo_id(p + ppi, rsc_flags(i, n, fault), (uint16_t)(id + other));
		msgs[i].iov_base = buf + pos;
		msgs[i].iov_len = vsp_rx_packet_msg(buf + pos, ppi, r->frame + off[i], len[i]);
		pos += (uint32_t)msgs[i].iov_len;
	}
	if (vsp_rxbuf_send_ranges(nic, c, msgs, n) < 0)
		return -ENOBUFS;
	vsp_rx_count(nic, c, r->len, csum_info, hashed);
	nic->stats.rsc_packets++;
	nic->stats.rsc_segments += r->nseg;
	return 0;
}
