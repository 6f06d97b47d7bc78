/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RNDIS control, host side (protocol doc §E): the requests a netvsc guest
 * sends (INITIALIZE, QUERY, SET, HALT, KEEPALIVE) and their completions.
 * The OIDs answered and accepted are all here, but for RSS (rss.c). The
 * device's state (enum hvsim_rndis_state) changes in rndis_set_state().
 */

#include <stdio.h>
#include <string.h>

#include "hv_nvsp_wire.h"
#include "hv_rndis_wire.h"
#include "vsp/rndis.h"

#define RESP_MAX	1024

/* What INITIALIZE_CMPLT promises the guest (protocol doc, appendix K). */
#define HOST_MAX_XFER_SIZE	0x4000
#define HOST_ALIGN_FACTOR	3	/* 8-byte alignment */

/* ---- state ---------------------------------------------------------------- */

static void
rndis_set_state(struct hvsim_nic *nic, enum hvsim_rndis_state state)
{
	nic->rndis_state = state;
}

void
vsp_rndis_reset(struct hvsim_nic *nic)
{
	rndis_set_state(nic, HVSIM_RNDIS_UNINITIALISED);
	nic->packet_filter = 0;
	memcpy(nic->cur_mac, nic->cfg.mac, sizeof(nic->cur_mac));
	nic->rss_enabled = false;
	hvsim_ofl_config_init(&nic->offload);
	if (nic->rsc != NULL)
		nic->rsc->nseg = 0;	/* a new session never sees the old flow */
}

/* A filter lets frames through; none (0) stops them. */
static void
set_packet_filter(struct hvsim_nic *nic, uint32_t filter)
{
	nic->packet_filter = filter;
	rndis_set_state(nic, filter != 0 ? HVSIM_RNDIS_DATA : HVSIM_RNDIS_INITIALISED);
}

/* ---- responses ----------------------------------------------------------- */

static void
send_control(struct hvsim_nic *nic, const void *msg, uint32_t len)
{
	/* on the primary channel; now, late or never (slowhost.c) */
	if (vsp_slowhost_rndis(nic, msg, len) < 0)
		fprintf(stderr, "hvsim: nic%d: RNDIS completion could not be delivered\n",
			nic->index);
}

static void
complete_set(struct hvsim_nic *nic, uint32_t rid, uint32_t status)
{
	struct hv_rndis_set_cmplt r = {
		.type = HV_RNDIS_SET_CMPLT, .len = sizeof(r), .rid = rid, .status = status,
	};

	send_control(nic, &r, sizeof(r));
}

static void
complete_query(struct hvsim_nic *nic, uint32_t rid, uint32_t status, const void *data,
	       uint32_t len)
{
	uint8_t buf[RESP_MAX] = { 0 };
	struct hv_rndis_query_cmplt *r = (void *)buf;

	if (len > sizeof(buf) - sizeof(*r))
		len = 0;
	r->type = HV_RNDIS_QUERY_CMPLT;
	r->len = (uint32_t)sizeof(*r) + len;
	r->rid = rid;
	r->status = status;
	r->info_len = len;
	r->info_offset = len ? HV_RNDIS_QUERY_CMPLT_INFO_OFFSET : 0;
	memcpy(buf + sizeof(*r), data, len);
	send_control(nic, buf, r->len);
}

/* ---- INITIALIZE, HALT, KEEPALIVE --------------------------------------------- */

static uint32_t
on_initialize(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *msg, uint32_t len)
{
	struct hv_rndis_init_msg m;
	struct hv_rndis_init_cmplt r = {
		.type = HV_RNDIS_INITIALIZE_CMPLT,
		.len = sizeof(r),
		.status = HV_RNDIS_STATUS_SUCCESS,
		.ver_major = HV_RNDIS_VERSION_MAJOR,
		.ver_minor = HV_RNDIS_VERSION_MINOR,
		.dev_flags = HV_RNDIS_DF_CONNECTIONLESS,
		.medium = HV_RNDIS_MEDIUM_802_3,
		.max_pkts_per_msg = HOST_MAX_PKTS_PER_MSG,
		.max_xfer_size = HOST_MAX_XFER_SIZE,
		.align_factor = HOST_ALIGN_FACTOR,
	};

	if (len < sizeof(m)) {
		hvsim_violation(nic, c, "RNDIS INITIALIZE too short", msg, len);
		return HV_NVSP_STATUS_FAILED;
	}
	memcpy(&m, msg, sizeof(m));
	r.rid = m.rid;
	if (m.rid == 0)
		hvsim_violation(nic, c, "RNDIS request id 0", msg, len);
	if (vsp_rndis_initialised(nic)) {
		hvsim_violation(nic, c, "RNDIS INITIALIZE twice", msg, len);
		r.status = HV_RNDIS_STATUS_FAILURE;
	}
	/* a second INITIALIZE fails and leaves the device uninitialised */
	nic->rndis_max_xfer = m.max_xfer_size;
	nic->packet_filter = 0;
	rndis_set_state(nic, r.status == HV_RNDIS_STATUS_SUCCESS ? HVSIM_RNDIS_INITIALISED :
			HVSIM_RNDIS_UNINITIALISED);
	send_control(nic, &r, sizeof(r));
	return HV_NVSP_STATUS_SUCCESS;
}

/* ---- QUERY ------------------------------------------------------------------- */

static void
offload_caps(const struct hvsim_nic *nic, struct hv_ndis_offload *o)
{
	memset(o, 0, sizeof(*o));
	o->hdr.type = HV_NDIS_OBJTYPE_OFFLOAD;
	o->hdr.rev = 3;
	o->hdr.size = HV_NDIS_OFFLOAD_SIZE_REV3;
	o->csum.ip4_tx_encap = o->csum.ip4_rx_encap = HV_NDIS_ENCAP_IEEE802_3;
	o->csum.ip6_tx_encap = o->csum.ip6_rx_encap = HV_NDIS_ENCAP_IEEE802_3;
	o->csum.ip4_tx_csum = o->csum.ip4_rx_csum = HV_NDIS_CSUM_CAP_IP4_OPTS |
		HV_NDIS_CSUM_CAP_IP4_TCPOPTS | HV_NDIS_CSUM_CAP_IP4_TCP |
		HV_NDIS_CSUM_CAP_IP4_UDP | HV_NDIS_CSUM_CAP_IP4_HDR;
	o->csum.ip6_tx_csum = o->csum.ip6_rx_csum = HV_NDIS_CSUM_CAP_IP6_EXTHDR |
		HV_NDIS_CSUM_CAP_IP6_TCPOPTS | HV_NDIS_CSUM_CAP_IP6_TCP | HV_NDIS_CSUM_CAP_IP6_UDP;
	o->lsov2.ip4_encap = o->lsov2.ip6_encap = HV_NDIS_ENCAP_IEEE802_3;
	o->lsov2.ip4_maxsz = o->lsov2.ip6_maxsz = nic->cfg.lso_max;
	o->lsov2.ip4_minsg = o->lsov2.ip6_minsg = nic->cfg.lso_min_segs;
	o->lsov2.ip6_opts = HV_NDIS_LSOV2_CAP_IP6_EXTHDR | HV_NDIS_LSOV2_CAP_IP6_TCPOPTS;
	o->rsc.ip4 = o->rsc.ip6 = nic->nvsp_version >= HV_NVSP_PROTO_V61;
}


static uint32_t
on_query(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *msg, uint32_t len)
{
	struct hv_rndis_query_msg m;
	union {
		uint32_t u32;
		uint8_t mac[6];
		struct hv_ndis_offload off;
		struct hv_ndis_rss_caps rss;
	} v;
	uint32_t vlen = 4, status = HV_RNDIS_STATUS_SUCCESS;

	if (len < sizeof(m)) {
		hvsim_violation(nic, c, "RNDIS QUERY too short", msg, len);
		return HV_NVSP_STATUS_FAILED;
	}
	memcpy(&m, msg, sizeof(m));
	/* Hyper-V fails queries whose info offset is 0 (§E.2): guests send 20 */
	if (m.info_offset != HV_RNDIS_QUERY_INFO_OFFSET ||
	    (uint64_t)8 + m.info_offset + m.info_len > len)
		hvsim_violation(nic, c, "RNDIS QUERY info offset not 20 or beyond the message",
				msg, len);
	switch (m.oid) {
	case HV_OID_GEN_MAXIMUM_FRAME_SIZE:
		v.u32 = nic->cfg.mtu;
		break;
	case HV_OID_GEN_LINK_SPEED:
		v.u32 = (uint32_t)(nic->cfg.speed_mbps * 10000);	/* 100 bit/s */
		break;
	case HV_OID_GEN_MEDIA_CONNECT_STATUS:
		v.u32 = nic->cfg.link_up ? 0 : 1;
		break;
	case HV_OID_802_3_PERMANENT_ADDRESS:
		memcpy(v.mac, nic->cfg.mac, 6);
		vlen = 6;
		break;
	case HV_OID_802_3_CURRENT_ADDRESS:
		memcpy(v.mac, nic->cur_mac, 6);
		vlen = 6;
		break;
	case HV_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES:
		offload_caps(nic, &v.off);
		vlen = sizeof(v.off);
		break;
	case HV_OID_GEN_RECEIVE_SCALE_CAPABILITIES:
		if (nic->ndis_version < HV_NDIS_VERSION_6_20) {
			status = HV_RNDIS_STATUS_NOT_SUPPORTED;
			vlen = 0;
			break;
		}
		vsp_rss_caps(nic, &v.rss);
		vlen = HV_NDIS_RSS_CAPS_SIZE_REV2;
		break;
	default:
		status = HV_RNDIS_STATUS_NOT_SUPPORTED;
		vlen = 0;
	}
	if (nic->verbose)
		fprintf(stderr, "hvsim: nic%d RNDIS QUERY oid 0x%08x -> 0x%x\n", nic->index,
			m.oid, status);
	complete_query(nic, m.rid, status, &v, vlen);
	return HV_NVSP_STATUS_SUCCESS;
}

/* ---- SET ------------------------------------------------------------------------ */


static int
hex_digit(uint16_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* GEN_RNDIS_CONFIG_PARAMETER: only "NetworkAddress" = 12 hex digits, both
 * UTF-16LE at offsets relative to the block (§E.4, Linux MAC change). */
static uint32_t
set_config_param(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *info,
		 uint32_t len)
{
	static const char name[] = HV_RNDIS_NETADDR_NAME;
	struct hv_rndis_config_param p;
	uint8_t mac[6];
	uint32_t i;

	if (len < sizeof(p))
		return HV_RNDIS_STATUS_INVALID_LENGTH;
	memcpy(&p, info, sizeof(p));
	if ((uint64_t)p.name_offset + p.name_len > len ||
	    (uint64_t)p.value_offset + p.value_len > len ||
	    p.type != HV_RNDIS_CONFIG_PARAM_STRING) {
		hvsim_violation(nic, c, "RNDIS config parameter offsets beyond the data", info, len);
		return HV_RNDIS_STATUS_INVALID_DATA;
	}
	if (p.name_len != HV_RNDIS_NETADDR_NAME_LEN)
		return HV_RNDIS_STATUS_NOT_SUPPORTED;
	for (i = 0; i < HV_RNDIS_NETADDR_NAME_CHARS; i++) {
		uint16_t ch;

		memcpy(&ch, info + p.name_offset + 2 * i, 2);
		if (ch != (uint8_t)name[i])
			return HV_RNDIS_STATUS_NOT_SUPPORTED;
	}
	if (p.value_len != HV_RNDIS_NETADDR_VALUE_LEN)
		return HV_RNDIS_STATUS_INVALID_DATA;
	for (i = 0; i < 12; i++) {
		uint16_t ch;
		int d;

		memcpy(&ch, info + p.value_offset + 2 * i, 2);
		d = hex_digit(ch);
		if (d < 0)
			return HV_RNDIS_STATUS_INVALID_DATA;
		mac[i / 2] = (uint8_t)(i % 2 ? (mac[i / 2] << 4) | d : d);
	}
	if (mac[0] & 1)
		return HV_RNDIS_STATUS_INVALID_DATA;	/* a group address */
	memcpy(nic->cur_mac, mac, sizeof(mac));
	return HV_RNDIS_STATUS_SUCCESS;
}

static uint32_t
set_offload(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *info, uint32_t len)
{
	const struct hvsim_ofl_config *o = &nic->offload;
	const char *why;

	/* RSC is offered from NVSP 6.1 on (offload_caps()), to a guest whose
	 * NDIS_CONFIG said it takes RSC (capability bit 7, §C) */
	if (hvsim_ofl_params_apply(&nic->offload, info, len,
				   nic->nvsp_version >= HV_NVSP_PROTO_V61 &&
				   (nic->ndis_caps & HV_NVSP_NDIS_CAP_RSC), &why) < 0) {
		hvsim_violation(nic, c, why, info, len);
		return HV_RNDIS_STATUS_INVALID_DATA;
	}
	nic->last_offload = nic->offload;
	if (nic->verbose)
		fprintf(stderr, "hvsim: nic%d offloads: ip4 %s tcp4 %s udp4 %s tcp6 %s udp6 %s "
			"lso4 %d lso6 %d rsc4 %d rsc6 %d\n", nic->index,
			hvsim_ofl_param_name(o->ip4), hvsim_ofl_param_name(o->tcp4),
			hvsim_ofl_param_name(o->udp4), hvsim_ofl_param_name(o->tcp6),
			hvsim_ofl_param_name(o->udp6), o->lso4, o->lso6, o->rsc4, o->rsc6);
	return HV_RNDIS_STATUS_SUCCESS;
}

static uint32_t
set_oid(struct hvsim_nic *nic, struct hvsim_chan *c, uint32_t oid, const uint8_t *info,
	uint32_t len)
{
	uint32_t filter;

	switch (oid) {
	case HV_OID_GEN_CURRENT_PACKET_FILTER:
		if (len < 4)
			return HV_RNDIS_STATUS_INVALID_LENGTH;
		memcpy(&filter, info, 4);
		set_packet_filter(nic, filter);
		return HV_RNDIS_STATUS_SUCCESS;
	case HV_OID_TCP_OFFLOAD_PARAMETERS:
		return set_offload(nic, c, info, len);
	case HV_OID_GEN_RECEIVE_SCALE_PARAMETERS:
		return vsp_rss_set(nic, c, info, len);
	case HV_OID_GEN_RNDIS_CONFIG_PARAMETER:
		return set_config_param(nic, c, info, len);
	default:
		return HV_RNDIS_STATUS_NOT_SUPPORTED;
	}
}

static uint32_t
on_set(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *msg, uint32_t len)
{
	struct hv_rndis_set_msg m;
	uint32_t status;

	if (len < sizeof(m)) {
		hvsim_violation(nic, c, "RNDIS SET too short", msg, len);
		return HV_NVSP_STATUS_FAILED;
	}
	memcpy(&m, msg, sizeof(m));
	if ((uint64_t)8 + m.info_offset + m.info_len > len || m.info_offset < 20) {
		hvsim_violation(nic, c, "RNDIS SET info buffer beyond the message", msg, len);
		complete_set(nic, m.rid, HV_RNDIS_STATUS_INVALID_DATA);
		return HV_NVSP_STATUS_SUCCESS;
	}
	status = set_oid(nic, c, m.oid, msg + 8 + m.info_offset, m.info_len);
	if (nic->verbose)
		fprintf(stderr, "hvsim: nic%d RNDIS SET oid 0x%08x -> 0x%x\n", nic->index, m.oid,
			status);
	complete_set(nic, m.rid, status);
	return HV_NVSP_STATUS_SUCCESS;
}

uint32_t
vsp_rndis_control(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *msg,
		  uint32_t len)
{
	struct hv_rndis_msg_hdr h;

	nic->stats.rndis_requests++;
	if (len < sizeof(h) + 4) {
		hvsim_violation(nic, c, "RNDIS control message too short", msg, len);
		return HV_NVSP_STATUS_FAILED;
	}
	memcpy(&h, msg, sizeof(h));
	if (h.len > len || h.len < sizeof(h) + 4) {
		hvsim_violation(nic, c, "RNDIS length field beyond the bytes sent", msg, len);
		return HV_NVSP_STATUS_FAILED;
	}
	if (c->subchannel_id != 0)
		hvsim_violation(nic, c, "RNDIS control request on a subchannel", msg, len);
	if (h.type != HV_RNDIS_INITIALIZE_MSG && !vsp_rndis_initialised(nic)) {
		hvsim_violation(nic, c, "RNDIS request before INITIALIZE", msg, len);
		return HV_NVSP_STATUS_FAILED;
	}
	switch (h.type) {
	case HV_RNDIS_INITIALIZE_MSG:
		return on_initialize(nic, c, msg, h.len);
	case HV_RNDIS_QUERY_MSG:
		return on_query(nic, c, msg, h.len);
	case HV_RNDIS_SET_MSG:
		return on_set(nic, c, msg, h.len);
	case HV_RNDIS_HALT_MSG:
		rndis_set_state(nic, HVSIM_RNDIS_HALTED);	/* no completion (§E.1) */
		return HV_NVSP_STATUS_SUCCESS;
	case HV_RNDIS_KEEPALIVE_MSG: {
		struct hv_rndis_keepalive_cmplt r = {
			.type = HV_RNDIS_KEEPALIVE_CMPLT, .len = sizeof(r),
		};

		memcpy(&r.rid, msg + 8, 4);
		send_control(nic, &r, sizeof(r));
		return HV_NVSP_STATUS_SUCCESS;
	}
	default:
		hvsim_violation(nic, c, "RNDIS control message of unknown type", msg, len);
		return HV_NVSP_STATUS_FAILED;
	}
}
