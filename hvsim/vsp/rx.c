/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RNDIS data path, wire -> guest (protocol doc §F): the packet filter,
 * the per-packet info a frame gets (VLAN, checksum results, RSS hash), its
 * channel, and in-order TCP segments held back for RSC (rsc.c).
 */

#include <errno.h>
#include <string.h>

#include "hv_nvsp_wire.h"
#include "hv_rndis_wire.h"
#include "vf/vf.h"
#include "vsp/rndis.h"
#include "wire/vswitch.h"

static bool
filter_accepts(const struct hvsim_nic *nic, const uint8_t *dst)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint32_t f = nic->packet_filter;

	if (f & HV_NDIS_PACKET_TYPE_PROMISCUOUS)
		return true;
	if (memcmp(dst, bcast, 6) == 0)
		return f & HV_NDIS_PACKET_TYPE_BROADCAST;
	/* MULTICAST passes the groups of OID_802_3_MULTICAST_LIST; no guest
	 * sets that list and hvsim keeps none, so it passes no group */
	if (dst[0] & 1)
		return f & HV_NDIS_PACKET_TYPE_ALL_MULTICAST;
	return (f & HV_NDIS_PACKET_TYPE_DIRECTED) && memcmp(dst, nic->cur_mac, 6) == 0;
}

uint32_t
vsp_rx_packet_msg(uint8_t *buf, uint32_t ppi, const uint8_t *data, uint32_t len)
{
	struct hv_rndis_packet_msg m = {
		.type = HV_RNDIS_PACKET_MSG,
		.len = (uint32_t)sizeof(m) + ppi + len,
		.data_offset = HV_RNDIS_PACKET_MSG_OFFSET_MIN + ppi,
		.data_len = len,
		.ppi_offset = ppi ? HV_RNDIS_PACKET_MSG_OFFSET_MIN : 0,
		.ppi_len = ppi,
	};

	memcpy(buf, &m, sizeof(m));
	memcpy(buf + sizeof(m) + ppi, data, len);
	return m.len;
}

static void
count_rx_csum(struct hvsim_nic *nic, uint32_t info)
{
	nic->stats.rx_csum_ip_ok += (info & HV_RNDIS_RXCSUM_IP_OK) != 0;
	nic->stats.rx_csum_ip_failed += (info & HV_RNDIS_RXCSUM_IP_FAILED) != 0;
	nic->stats.rx_csum_l4_ok += (info & (HV_RNDIS_RXCSUM_TCP_OK | HV_RNDIS_RXCSUM_UDP_OK)) != 0;
	nic->stats.rx_csum_l4_failed +=
		(info & (HV_RNDIS_RXCSUM_TCP_FAILED | HV_RNDIS_RXCSUM_UDP_FAILED)) != 0;
}

uint32_t
vsp_rx_packet_ppis(struct hvsim_nic *nic, const uint8_t *frame, uint32_t len, uint16_t vlan_tci,
		   uint32_t csum_info, uint8_t *p, struct hvsim_chan **chan, bool *hashed)
{
	uint32_t ppi = 0, hash, info;

	*chan = nic->chan[0];
	*hashed = false;
	if (vlan_tci)
		ppi += hv_rndis_ppi_put_u32(p + ppi, HV_RNDIS_PPI_VLAN, HV_RNDIS_VLAN_FROM_TCI(vlan_tci));
	if (csum_info)
		ppi += hv_rndis_ppi_put_u32(p + ppi, HV_RNDIS_PPI_CSUM, csum_info);
	if (nic->rss_enabled && vsp_rss_hash(nic, frame, len, &hash, &info)) {
		ppi += hv_rndis_ppi_put_u32(p + ppi, HV_RNDIS_PPI_HASHVAL, hash);
		ppi += hv_rndis_ppi_put_u32(p + ppi, HV_RNDIS_PPI_HASHINF, info);
		*hashed = true;
		/* the low bits of the hash index the table (its size is a power of 2) */
		*chan = nic->chan[nic->rss_table[hash & (nic->rss_table_size - 1)]];
		if (*chan == NULL)
			*chan = nic->chan[0];
	}
	return ppi;
}

void
vsp_rx_count(struct hvsim_nic *nic, struct hvsim_chan *c, uint32_t len, uint32_t csum_info,
	     bool hashed)
{
	count_rx_csum(nic, csum_info);
	nic->stats.rx_rss_hashed += hashed;
	c->stats.rx_frames++;
	nic->stats.rx_frames++;
	nic->stats.rx_bytes += len;
}

/* The RX CSUM PPI value; checksums are verified only when it can matter. */
static uint32_t
rx_csum_info(const struct hvsim_nic *nic, const uint8_t *frame, uint32_t len)
{
	const struct hvsim_ofl_config *o = &nic->offload;
	struct hvsim_csum_check chk;

	if (!hvsim_ofl_rx_on(o->ip4) && !hvsim_ofl_rx_on(o->tcp4) && !hvsim_ofl_rx_on(o->udp4) &&
	    !hvsim_ofl_rx_on(o->tcp6) && !hvsim_ofl_rx_on(o->udp6))
		return 0;
	hvsim_ofl_check(frame, len, &chk);
	return hvsim_ofl_rx_csum_info(&chk, o);
}

/* One frame, one PACKET_MSG: a range of this round's transfer-page packet. */
static int
rx_deliver(struct hvsim_nic *nic, const uint8_t *frame, uint32_t len, uint16_t vlan_tci)
{
	static uint8_t buf[HVSIM_VSWITCH_FRAME_MAX + 256];
	struct hv_rndis_packet_msg *m = (void *)buf;
	uint32_t ppi, csum_info = rx_csum_info(nic, frame, len);
	struct hvsim_chan *c;
	bool hashed;

	ppi = vsp_rx_packet_ppis(nic, frame, len, vlan_tci, csum_info, buf + sizeof(*m), &c, &hashed);
	if (vsp_rxbuf_queue(nic, c, buf, vsp_rx_packet_msg(buf, ppi, frame, len)) < 0)
		return -ENOBUFS;
	vsp_rx_count(nic, c, len, csum_info, hashed);
	return 0;
}

void
vsp_rx_flush(struct hvsim_nic *nic)
{
	struct hvsim_rsc *r = nic->rsc;
	uint32_t n = r != NULL ? r->nseg : 0;

	if (n == 0)
		return;
	/* a lone segment goes as it came: it was whole (no padding) */
	if (n == 1)
		rx_deliver(nic, r->frame, r->len, r->vlan_tci);
	else
		vsp_rsc_deliver(nic, r);
	r->nseg = 0;
}

/* RSC is on for the frame's IP version (NVSP >= 6.1 and the guest's SET). */
static bool
rsc_wanted(const struct hvsim_nic *nic, const uint8_t *frame)
{
	uint16_t type = (uint16_t)(frame[12] << 8 | frame[13]);

	return nic->nvsp_version >= HV_NVSP_PROTO_V61 &&
	       ((type == ETH_P_IPV4 && nic->offload.rsc4) ||
		(type == ETH_P_IPV6 && nic->offload.rsc6));
}

/* Hold in-order segments of one flow back until the poll round ends. */
static int
rx_coalesce(struct hvsim_nic *nic, const uint8_t *frame, uint32_t len, uint16_t vlan_tci)
{
	struct hvsim_rsc *r = nic->rsc;

	if (r->nseg > 0 && hvsim_rsc_add(r, frame, len, vlan_tci) == 0)
		return 0;
	vsp_rx_flush(nic);
	if (hvsim_rsc_start(r, frame, len, vlan_tci) == 0)
		return 0;
	return rx_deliver(nic, frame, len, vlan_tci);
}

bool
vsp_rx_accepts_traffic(const struct hvsim_nic *nic)
{
	/* --vf-only: no session; the VF, once started, is the NIC */
	if (hvsim_vf_alone_ready(nic->vf))
		return true;
	return nic->chan[0] != NULL && nic->rndis_state == HVSIM_RNDIS_DATA &&
	       nic->nvsp_state == HVSIM_NVSP_READY && nic->cfg.link_up;
}

int
vsp_rx_frame(struct hvsim_nic *nic, const uint8_t *frame, uint32_t len, uint16_t vlan_tci)
{
	if (nic->chan[0] == NULL || !vsp_rndis_initialised(nic) || !nic->cfg.link_up ||
	    len < ETH_HDR_LEN || len > HVSIM_VSWITCH_FRAME_MAX)
		return -ENOTCONN;
	/* a NIC drops what its MTU does not allow; the wire never learns */
	if (len > hvsim_nic_max_frame(nic)) {
		nic->stats.rx_dropped_oversize++;
		return 0;
	}
	if (!filter_accepts(nic, frame)) {
		nic->stats.rx_dropped_filter++;
		return -EPERM;
	}
	if (rsc_wanted(nic, frame))
		return rx_coalesce(nic, frame, len, vlan_tci);
	vsp_rx_flush(nic);	/* keep the wire's order */
	return rx_deliver(nic, frame, len, vlan_tci);
}

