/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RNDIS, host side (protocol doc §E, §F): the control requests a netvsc
 * guest sends and their completions, status indications, the packet
 * filter, and the data path in both directions with per-packet info.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_thash.h>

#include "hv_nvsp_wire.h"
#include "hv_rndis_wire.h"
#include "vsp/vsp.h"
#include "wire/vswitch.h"

#define RESP_MAX	1024
#define ETH_HDR_LEN	14
#define ETH_P_8021Q	0x8100
#define ETH_P_IPV4	0x0800
#define ETH_P_IPV6	0x86dd

/* What INITIALIZE_CMPLT promises the guest (protocol doc, appendix K). */
#define HOST_MAX_PKTS_PER_MSG	8
#define HOST_MAX_XFER_SIZE	0x4000
#define HOST_ALIGN_FACTOR	3	/* 8-byte alignment */

/* vRSS: what rss_caps() offers, the hash types that allows (§E.6, §E.7). */
#define HOST_RSS_CAPS	(HV_NDIS_RSS_CAP_HASH_TOEPLITZ | HV_NDIS_RSS_CAP_IPV4 | \
			 HV_NDIS_RSS_CAP_IPV6 | HV_NDIS_RSS_CAP_IPV6_EX)
#define HOST_HASH_TYPES	(HV_NDIS_HASH_IPV4 | HV_NDIS_HASH_TCP_IPV4 | HV_NDIS_HASH_IPV6 | \
			 HV_NDIS_HASH_TCP_IPV6 | HV_NDIS_HASH_IPV6_EX | \
			 HV_NDIS_HASH_TCP_IPV6_EX)
#define RSS_FLAGS_KNOWN	(HV_NDIS_RSS_FLAG_BASE_CPU_UNCHG | HV_NDIS_RSS_FLAG_HASH_INFO_UNCHG | \
			 HV_NDIS_RSS_FLAG_ITABLE_UNCHG | HV_NDIS_RSS_FLAG_HKEY_UNCHG | \
			 HV_NDIS_RSS_FLAG_DISABLE)

/* ---- responses ----------------------------------------------------------- */

static void
send_control(struct hvsim_nic *nic, const void *msg, uint32_t len)
{
	/* on the primary channel; now, late or never (slowhost.c) */
	if (hvsim_nic_ctl_rndis(nic, msg, len) < 0)
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
	if (nic->rndis_ready) {
		hvsim_violation(nic, c, "RNDIS INITIALIZE twice", msg, len);
		r.status = HV_RNDIS_STATUS_FAILURE;
	}
	nic->rndis_ready = r.status == HV_RNDIS_STATUS_SUCCESS;
	nic->rndis_max_xfer = m.max_xfer_size;
	nic->packet_filter = 0;
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

static void
rss_caps(const struct hvsim_nic *nic, struct hv_ndis_rss_caps *r)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = HV_NDIS_OBJTYPE_RSS_CAPS;
	r->hdr.rev = HV_NDIS_RSS_CAPS_REV_2;
	r->hdr.size = HV_NDIS_RSS_CAPS_SIZE_REV2;
	r->caps = HOST_RSS_CAPS;
	/* what the switch could do; --subchannels=N limits the grant only, as
	 * a VM with fewer vCPUs than the switch's queues gets (a partial grant) */
	r->num_int_msgs = HVSIM_MAX_CHANNELS;
	r->num_rx_queues = HVSIM_MAX_CHANNELS;
	r->num_indir_entries = HV_NDIS_RSS_INDIR_ENTRIES;
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
		rss_caps(nic, &v.rss);
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

/* A rule of §E.7 broken: say which, refuse the whole SET. */
static uint32_t
rss_refuse(struct hvsim_nic *nic, struct hvsim_chan *c, const char *rule,
	   const uint8_t *info, uint32_t len)
{
	hvsim_violation(nic, c, rule, info, len < 64 ? len : 64);
	return HV_RNDIS_STATUS_INVALID_DATA;
}

/* The header, flags and hash function and types, before anything is kept. */
static const char *
rss_params_problem(const struct hvsim_nic *nic, const struct hv_ndis_rss_params *p,
		   uint32_t len)
{
	if (p->hdr.type != HV_NDIS_OBJTYPE_RSS_PARAMS ||
	    (p->hdr.rev != HV_NDIS_RSS_PARAMS_REV_1 && p->hdr.rev != HV_NDIS_RSS_PARAMS_REV_2) ||
	    p->hdr.size < HV_NDIS_RSS_PARAMS_SIZE_REV1 || p->hdr.size > len)
		return "RSS parameters: object header type, revision or size wrong";
	if (p->flags & ~RSS_FLAGS_KNOWN)
		return "RSS parameters: unknown flags";
	if (p->flags & HV_NDIS_RSS_FLAG_DISABLE)
		return NULL;
	if (!(p->flags & HV_NDIS_RSS_FLAG_HASH_INFO_UNCHG)) {
		if ((p->hash_info & HV_NDIS_HASH_FUNCTION_MASK) != HV_NDIS_HASH_FUNCTION_TOEPLITZ)
			return "RSS hash function is not Toeplitz (the only one offered)";
		if (p->hash_info & ~(HV_NDIS_HASH_FUNCTION_MASK | HOST_HASH_TYPES))
			return "RSS hash type the host did not advertise";
	}
	if (!nic->rss_programmed &&
	    (p->flags & (HV_NDIS_RSS_FLAG_ITABLE_UNCHG | HV_NDIS_RSS_FLAG_HKEY_UNCHG)))
		return "RSS table or key 'unchanged' before one was ever set";
	return NULL;
}

/* The table: 1 ... 128 entries, a power of two, each an open channel. */
static const char *
rss_table_problem(const struct hvsim_nic *nic, const struct hv_ndis_rss_params *p,
		  const uint8_t *info, uint32_t len)
{
	uint32_t n = p->indir_size / 4, i, q;

	if (p->indir_size % 4 || n == 0 || n > HVSIM_RSS_TABLE_SIZE || (n & (n - 1)) ||
	    p->indir_offset < HV_NDIS_RSS_PARAMS_SIZE_REV1 ||
	    (uint64_t)p->indir_offset + p->indir_size > len)
		return "RSS table size not a power of two up to 128 entries, or beyond the data";
	for (i = 0; i < n; i++) {
		memcpy(&q, info + p->indir_offset + 4 * i, 4);
		if (q >= nic->nchan)
			return "RSS table names a channel that is not open";
	}
	return NULL;
}

static const char *
rss_key_problem(const struct hv_ndis_rss_params *p, uint32_t len)
{
	if (p->hash_key_size != HV_NDIS_RSS_KEY_SIZE ||
	    p->hash_key_offset < HV_NDIS_RSS_PARAMS_SIZE_REV1 ||
	    (uint64_t)p->hash_key_offset + p->hash_key_size > len)
		return "RSS key not 40 bytes, or beyond the data";
	return NULL;
}

/*
 * Everything is checked before anything is kept: a refused SET leaves the
 * host as it was. The key and table are found by their offsets (FreeBSD
 * puts the key first, Linux and DPDK the table); the UNCHG flags keep
 * what was set before.
 */
static uint32_t
set_rss(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *info, uint32_t len)
{
	struct hv_ndis_rss_params p;
	bool table = false, key = false;
	const char *why;

	if (len < HV_NDIS_RSS_PARAMS_SIZE_REV1)
		return rss_refuse(nic, c, "RSS parameters shorter than revision 1", info, len);
	memset(&p, 0, sizeof(p));
	memcpy(&p, info, len < sizeof(p) ? len : sizeof(p));
	why = rss_params_problem(nic, &p, len);
	if (why == NULL && !(p.flags & HV_NDIS_RSS_FLAG_DISABLE)) {
		table = !(p.flags & HV_NDIS_RSS_FLAG_ITABLE_UNCHG);
		key = !(p.flags & HV_NDIS_RSS_FLAG_HKEY_UNCHG);
		if (table)
			why = rss_table_problem(nic, &p, info, len);
		if (why == NULL && key)
			why = rss_key_problem(&p, len);
	}
	if (why != NULL)
		return rss_refuse(nic, c, why, info, len);
	if (p.flags & HV_NDIS_RSS_FLAG_DISABLE) {
		nic->rss_enabled = false;
		return HV_RNDIS_STATUS_SUCCESS;
	}
	if (key)
		memcpy(nic->rss_key, info + p.hash_key_offset, HV_NDIS_RSS_KEY_SIZE);
	if (table) {
		nic->rss_table_size = p.indir_size / 4;
		memcpy(nic->rss_table, info + p.indir_offset, p.indir_size);
	}
	if (!(p.flags & HV_NDIS_RSS_FLAG_HASH_INFO_UNCHG))
		nic->rss_hash_info = p.hash_info;
	nic->rss_enabled = true;
	nic->rss_programmed = true;
	nic->stats.rss_sets++;
	return HV_RNDIS_STATUS_SUCCESS;
}

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
	switch (oid) {
	case HV_OID_GEN_CURRENT_PACKET_FILTER:
		if (len < 4)
			return HV_RNDIS_STATUS_INVALID_LENGTH;
		memcpy(&nic->packet_filter, info, 4);
		return HV_RNDIS_STATUS_SUCCESS;
	case HV_OID_TCP_OFFLOAD_PARAMETERS:
		return set_offload(nic, c, info, len);
	case HV_OID_GEN_RECEIVE_SCALE_PARAMETERS:
		return set_rss(nic, c, info, len);
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
	if (h.type != HV_RNDIS_INITIALIZE_MSG && !nic->rndis_ready) {
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
		nic->rndis_ready = false;	/* no completion (§E.1) */
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

/* ---- TX: guest -> wire -------------------------------------------------------------- */

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
		nic->stats.tx_bytes += m.data_len;
	}
	return ret;
}

/* One section may hold several aggregated PACKET_MSGs (§F.7). */
uint32_t
vsp_rndis_data(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *msg, uint32_t len)
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

/* ---- RX: wire -> guest ---------------------------------------------------------------- */

static bool
filter_accepts(const struct hvsim_nic *nic, const uint8_t *dst)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint32_t f = nic->packet_filter;

	if (f & HV_NDIS_PACKET_TYPE_PROMISCUOUS)
		return true;
	if (memcmp(dst, bcast, 6) == 0)
		return f & HV_NDIS_PACKET_TYPE_BROADCAST;
	if (dst[0] & 1)
		return f & (HV_NDIS_PACKET_TYPE_ALL_MULTICAST | HV_NDIS_PACKET_TYPE_MULTICAST);
	return (f & HV_NDIS_PACKET_TYPE_DIRECTED) && memcmp(dst, nic->cur_mac, 6) == 0;
}

/* Toeplitz input (rte_softrss: 32-bit words in host order) and its type. */
struct rss_input {
	uint32_t w[9];			/* IPv6: 4 + 4 address words, ports */
	uint32_t n;
	uint32_t type;			/* HV_NDIS_HASH_* */
};

static void
rss_put(struct rss_input *in, const uint8_t *bytes, uint32_t len)
{
	uint32_t i, v;

	for (i = 0; i < len; i += 4) {
		memcpy(&v, bytes + i, 4);
		in->w[in->n++] = rte_be_to_cpu_32(v);
	}
}

/* IPv4: the 4-tuple for an unfragmented TCP segment with TCP_IPV4, else
 * the addresses with IPV4, else nothing. */
static bool
rss_input_ipv4(uint32_t hi, const uint8_t *ip, uint32_t len, struct rss_input *in)
{
	uint32_t ihl = (ip[0] & 0xf) * 4u;
	bool frag = ((ip[6] << 8 | ip[7]) & 0x3fff) != 0;	/* MF or an offset */

	if (len < 20 || ip[0] >> 4 != 4 || ihl < 20 || len < ihl)
		return false;
	rss_put(in, ip + 12, 8);
	if (ip[9] == 6 && !frag && len >= ihl + 4 && (hi & HV_NDIS_HASH_TCP_IPV4)) {
		rss_put(in, ip + ihl, 4);
		in->type = HV_NDIS_HASH_TCP_IPV4;
		return true;
	}
	in->type = HV_NDIS_HASH_IPV4;
	return hi & HV_NDIS_HASH_IPV4;
}

/*
 * IPv6: TCP right after the fixed header gets the 4-tuple (TCP_IPV6_EX
 * before TCP_IPV6), anything else the addresses (IPV6_EX before IPV6).
 * Extension headers are not walked: without them the _EX types hash what
 * the plain ones do, and the _EX type is reported when it was chosen.
 */
static bool
rss_input_ipv6(uint32_t hi, const uint8_t *ip, uint32_t len, struct rss_input *in)
{
	if (len < 40 || ip[0] >> 4 != 6)
		return false;
	rss_put(in, ip + 8, 32);
	if (ip[6] == 6 && len >= 44 && (hi & (HV_NDIS_HASH_TCP_IPV6 | HV_NDIS_HASH_TCP_IPV6_EX))) {
		rss_put(in, ip + 40, 4);
		in->type = hi & HV_NDIS_HASH_TCP_IPV6_EX ? HV_NDIS_HASH_TCP_IPV6_EX
							 : HV_NDIS_HASH_TCP_IPV6;
		return true;
	}
	in->type = hi & HV_NDIS_HASH_IPV6_EX ? HV_NDIS_HASH_IPV6_EX : HV_NDIS_HASH_IPV6;
	return hi & (HV_NDIS_HASH_IPV6 | HV_NDIS_HASH_IPV6_EX);
}

/* Toeplitz with the guest's key over what its hash types select. */
static bool
rss_hash(const struct hvsim_nic *nic, const uint8_t *frame, uint32_t len, uint32_t *hash,
	 uint32_t *info)
{
	uint16_t type = len >= ETH_HDR_LEN ? (uint16_t)(frame[12] << 8 | frame[13]) : 0;
	struct rss_input in = { .n = 0 };
	bool ok;

	if (type == ETH_P_IPV4)
		ok = rss_input_ipv4(nic->rss_hash_info, frame + ETH_HDR_LEN, len - ETH_HDR_LEN,
				    &in);
	else if (type == ETH_P_IPV6)
		ok = rss_input_ipv6(nic->rss_hash_info, frame + ETH_HDR_LEN, len - ETH_HDR_LEN,
				    &in);
	else
		ok = false;
	if (!ok)
		return false;
	*hash = rte_softrss(in.w, in.n, nic->rss_key);
	*info = HV_NDIS_HASH_FUNCTION_TOEPLITZ | in.type;
	return true;
}

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

/* One PACKET_MSG at buf: header, the PPIs already at buf + 44, the data. */
static uint32_t
finish_packet_msg(uint8_t *buf, uint32_t ppi, const uint8_t *data, uint32_t len)
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

/*
 * The PPIs that describe a whole packet (VLAN, checksum result, RSS hash),
 * and the channel it goes to. csum_info 0: no checksum PPI.
 */
static uint32_t
packet_ppis(struct hvsim_nic *nic, const uint8_t *frame, uint32_t len, uint16_t vlan_tci,
	    uint32_t csum_info, uint8_t *p, struct hvsim_chan **chan, bool *hashed)
{
	uint32_t ppi = 0, hash, info;

	*chan = nic->chan[0];
	*hashed = false;
	if (vlan_tci)
		ppi += hv_rndis_ppi_put_u32(p + ppi, HV_RNDIS_PPI_VLAN, HV_RNDIS_VLAN_FROM_TCI(vlan_tci));
	if (csum_info)
		ppi += hv_rndis_ppi_put_u32(p + ppi, HV_RNDIS_PPI_CSUM, csum_info);
	if (nic->rss_enabled && rss_hash(nic, frame, len, &hash, &info)) {
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

/* A packet the guest got, with the checksum results and hash it was told. */
static void
count_rx(struct hvsim_nic *nic, struct hvsim_chan *c, uint32_t len, uint32_t csum_info,
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

/* One frame, one PACKET_MSG, one transfer-page packet. */
static int
rx_deliver(struct hvsim_nic *nic, const uint8_t *frame, uint32_t len, uint16_t vlan_tci)
{
	static uint8_t buf[HVSIM_VSWITCH_FRAME_MAX + 256];
	struct hv_rndis_packet_msg *m = (void *)buf;
	uint32_t ppi, csum_info = rx_csum_info(nic, frame, len);
	struct hvsim_chan *c;
	bool hashed;

	ppi = packet_ppis(nic, frame, len, vlan_tci, csum_info, buf + sizeof(*m), &c, &hashed);
	if (hvsim_nic_send_rndis(nic, c, buf, finish_packet_msg(buf, ppi, frame, len)) < 0)
		return -ENOBUFS;
	count_rx(nic, c, len, csum_info, hashed);
	return 0;
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
static int
rx_deliver_rsc(struct hvsim_nic *nic, struct hvsim_rsc *r)
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
			ppi = packet_ppis(nic, r->frame, r->len, r->vlan_tci, csum_info, p, &c,
					   &hashed);
		ppi += put_pktinfo_id(p + ppi, rsc_flags(i, n, fault), (uint16_t)(id + other));
		msgs[i].iov_base = buf + pos;
		msgs[i].iov_len = finish_packet_msg(buf + pos, ppi, r->frame + off[i], len[i]);
		pos += (uint32_t)msgs[i].iov_len;
	}
	if (hvsim_nic_send_rndis_ranges(nic, c, msgs, n) < 0)
		return -ENOBUFS;
	count_rx(nic, c, r->len, csum_info, hashed);
	nic->stats.rsc_packets++;
	nic->stats.rsc_segments += r->nseg;
	return 0;
}

void
hvsim_nic_rx_flush(struct hvsim_nic *nic)
{
	struct hvsim_rsc *r = nic->rsc;
	uint32_t n = r != NULL ? r->nseg : 0;

	if (n == 0)
		return;
	/* a lone segment goes as it came: it was whole (no padding) */
	if (n == 1)
		rx_deliver(nic, r->frame, r->len, r->vlan_tci);
	else
		rx_deliver_rsc(nic, r);
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
	hvsim_nic_rx_flush(nic);
	if (hvsim_rsc_start(r, frame, len, vlan_tci) == 0)
		return 0;
	return rx_deliver(nic, frame, len, vlan_tci);
}

bool
hvsim_nic_accepts_traffic(const struct hvsim_nic *nic)
{
	return nic->chan[0] != NULL && nic->rndis_ready && nic->rxbuf_connected &&
	       nic->cfg.link_up && nic->packet_filter != 0;
}

int
hvsim_nic_receive(struct hvsim_nic *nic, const uint8_t *frame, uint32_t len,
		  uint16_t vlan_tci)
{
	if (nic->chan[0] == NULL || !nic->rndis_ready || !nic->cfg.link_up ||
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
	hvsim_nic_rx_flush(nic);	/* keep the wire's order */
	return rx_deliver(nic, frame, len, vlan_tci);
}

/* Indications are not answers: a slow or muted host still sends them. */
static void
indicate_status(struct hvsim_nic *nic, uint32_t status, const void *buf, uint32_t len)
{
	uint8_t msg[sizeof(struct hv_rndis_status_msg) + 8] = { 0 };
	struct hv_rndis_status_msg *s = (void *)msg;

	if (!nic->rndis_ready || nic->chan[0] == NULL || len > 8)
		return;
	s->type = HV_RNDIS_INDICATE_STATUS_MSG;
	s->len = (uint32_t)sizeof(*s) + len;
	s->status = status;
	s->status_buf_len = len;
	/* counted from the request id field at byte 8, as in every RNDIS message */
	s->status_buf_offset = len ? (uint32_t)sizeof(*s) - 8 : 0;
	memcpy(msg + sizeof(*s), buf, len);
	if (hvsim_nic_send_rndis(nic, nic->chan[0], msg, s->len) == 0)
		nic->stats.status_indications++;
	else
		fprintf(stderr, "hvsim: nic%d: status indication 0x%08x could not be delivered\n",
			nic->index, status);
}

void
hvsim_nic_set_link(struct hvsim_nic *nic, bool up)
{
	nic->cfg.link_up = up;
	indicate_status(nic, up ? HV_RNDIS_STATUS_MEDIA_CONNECT :
			HV_RNDIS_STATUS_MEDIA_DISCONNECT, NULL, 0);
}

void
hvsim_nic_set_speed(struct hvsim_nic *nic, uint64_t mbps)
{
	uint32_t v = (uint32_t)(mbps * (1000000 / HV_NDIS_LINK_SPEED_UNIT));

	nic->cfg.speed_mbps = mbps;
	indicate_status(nic, HV_RNDIS_STATUS_LINK_SPEED_CHANGE, &v, sizeof(v));
}
