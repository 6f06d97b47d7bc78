/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Inside vsp/: what the RNDIS files share. The control requests
 * (rndis.c) use the RSS parameters (rss.c); received frames (rx.c) are
 * hashed by rss.c and coalesced ones delivered by rsc.c, with the PPIs
 * and PACKET_MSG framing rx.c builds.
 */

#ifndef HVSIM_VSP_RNDIS_H
#define HVSIM_VSP_RNDIS_H

#include <stdbool.h>
#include <stdint.h>

#include "hv_rndis_wire.h"
#include "vsp/vsp.h"

#define ETH_HDR_LEN	14
#define ETH_P_8021Q	0x8100
#define ETH_P_IPV4	0x0800
#define ETH_P_IPV6	0x86dd

/* INITIALISED or DATA: the device answers requests and takes frames (with
 * no filter set, the filter drops them). */
static inline bool
vsp_rndis_initialised(const struct hvsim_nic *nic)
{
	return nic->rndis_state == HVSIM_RNDIS_INITIALISED ||
	       nic->rndis_state == HVSIM_RNDIS_DATA;
}

/* Packets per data message INITIALIZE_CMPLT allows (appendix K). */
#define HOST_MAX_PKTS_PER_MSG	8

/* rss.c: the RECEIVE_SCALE_CAPABILITIES answer. */
void vsp_rss_caps(const struct hvsim_nic *nic, struct hv_ndis_rss_caps *r);
/* rss.c: SET of RECEIVE_SCALE_PARAMETERS; returns the RNDIS status. */
uint32_t vsp_rss_set(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *info,
		     uint32_t len);
/* rss.c: the guest's Toeplitz hash of a frame and its hash info, or false
 * when its hash types select nothing in it. */
bool vsp_rss_hash(const struct hvsim_nic *nic, const uint8_t *frame, uint32_t len,
		  uint32_t *hash, uint32_t *info);

/*
 * rx.c: the PPIs that describe a whole packet (VLAN, checksum result, RSS
 * hash) at p, and the channel it goes to. csum_info 0: no checksum PPI.
 */
uint32_t vsp_rx_packet_ppis(struct hvsim_nic *nic, const uint8_t *frame, uint32_t len,
			    uint16_t vlan_tci, uint32_t csum_info, uint8_t *p,
			    struct hvsim_chan **chan, bool *hashed);
/* rx.c: one PACKET_MSG at buf: header, the PPIs already at buf + 44, the data. */
uint32_t vsp_rx_packet_msg(uint8_t *buf, uint32_t ppi, const uint8_t *data, uint32_t len);
/* rx.c: a packet the guest got, with the checksum results and hash it was told. */
void vsp_rx_count(struct hvsim_nic *nic, struct hvsim_chan *c, uint32_t len,
		  uint32_t csum_info, bool hashed);

/* rsc.c: deliver a coalesced packet of several segments. */
int vsp_rsc_deliver(struct hvsim_nic *nic, struct hvsim_rsc *r);

#endif /* HVSIM_VSP_RNDIS_H */
