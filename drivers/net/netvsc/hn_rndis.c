/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RNDIS control (protocol doc §D.2, §E): requests go in the send-buffer
 * section reserved for control, one at a time; completions come back in
 * the receive buffer, mixed with data; hn_rx.c hands them to the control
 * mailbox (hn_ctl.c), which matches them by rid and type. Status
 * indications (link, speed) arrive the same way and end up in
 * hn_rndis_status(), which tells ethdev through hn_linkstatus_callback().
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <ethdev_driver.h>

#include "hn_ctl.h"
#include "hn_nvsp_msg.h"
#include "hn_rndis.h"

/* The one place the device's state changes. */
static void
rndis_set_state(struct hn_dev *hn, enum hn_rndis_state state)
{
	hn->rndis_state = state;
}

/* Copy a request into the control section and send it (RC). */
static int
rndis_send(struct hn_dev *hn, const void *msg, uint32_t len, uint64_t xid)
{
	union hv_nvsp_msg nv;
	bool sig = false;
	int ret;

	/* no channel or no send buffer: a session that is gone (its
	 * re-initialisation failed) or not yet there */
	if (hn->chans[0].vc == NULL || hn->chim == NULL)
		return -ENODEV;
	if (len > hn->chim_section_size)
		return -EMSGSIZE;
	hn_nvsp_build_rndis_pkt(&nv, HV_NVSP_CHAN_CONTROL, hn->ctl_section, len);
	memcpy(hn->chim + (size_t)hn->ctl_section * hn->chim_section_size, msg, len);
	ret = vmbus_chan_send(hn->chans[0].vc, HV_PKT_DATA_INBAND, &nv, sizeof(nv), xid,
			      HV_PKT_FLAG_COMPLETION_REQUESTED, &sig);
	if (ret == 0 && sig)
		vmbus_chan_signal(hn->chans[0].vc);
	return ret;
}

static uint32_t
next_rid(struct hn_dev *hn)
{
	if (++hn->rid == 0)	/* rids are never 0 */
		hn->rid = 1;
	return hn->rid;
}

/* Send msg (its rid already set) and wait for the completion `cmplt`. */
static int
rndis_call(struct hn_dev *hn, void *msg, uint32_t len, uint32_t rid, uint32_t cmplt,
	   const char *what)
{
	uint64_t xid = hn_ctl_arm(hn, HN_CTL_RNDIS, rid, cmplt);
	int ret;

	ret = rndis_send(hn, msg, len, xid);
	if (ret == -EMSGSIZE) {
		hn_ctl_disarm(hn);
		PMD_DRV_LOG(ERR, "port %u: RNDIS %s (%u bytes) does not fit the host's %u-byte send-buffer sections: the host's configuration cannot carry control messages",
			    hn->port_id, what, len, hn->chim_section_size);
		return ret;
	}
	if (ret < 0) {
		hn_ctl_disarm(hn);
		PMD_DRV_LOG(ERR, "port %u: cannot send RNDIS %s: %s", hn->port_id, what,
			    strerror(-ret));
		return ret;
	}
	return hn_ctl_wait(hn, what);
}

/* The QUERY and SET messages share a layout (§E.2, §E.3). */
static_assert(sizeof(struct hv_rndis_query_msg) == sizeof(struct hv_rndis_set_msg),
	      "query and set messages");
static_assert(HV_RNDIS_QUERY_INFO_OFFSET == HV_RNDIS_SET_INFO_OFFSET, "info offset");

#define HN_RNDIS_QUERY_IN_MAX	64u	/* input of a query */
#define HN_RNDIS_SET_IN_MAX	1024u	/* data of a set */

/* The parse half of a QUERY or SET: the completion buf[len] and its status. */
int
hn_rndis_parse_oid_cmplt(const uint8_t *buf, uint32_t len, bool query, uint32_t *status)
{
	struct hv_rndis_set_cmplt c;

	if (len < (query ? sizeof(struct hv_rndis_query_cmplt) : sizeof(c)))
		return -EPROTO;
	memcpy(&c, buf, sizeof(c));
	*status = c.status;
	return 0;
}

/* The parse half of a successful QUERY: its data, at least out_min bytes,
 * copied to out (at most out_max; *out_len, when asked, says how many). */
int
hn_rndis_parse_query_cmplt(const uint8_t *buf, uint32_t len, void *out, uint32_t out_min,
			   uint32_t out_max, uint32_t *out_len)
{
	struct hv_rndis_query_cmplt c;

	if (len < sizeof(c))
		return -EPROTO;
	memcpy(&c, buf, sizeof(c));
	/* the offset counts from rid (byte 8); data must stay inside */
	if (c.info_len < out_min || c.info_offset < HV_RNDIS_QUERY_CMPLT_INFO_OFFSET ||
	    (uint64_t)HV_RNDIS_OFFSET_BASE + c.info_offset + c.info_len > len)
		return -EPROTO;
	memcpy(out, buf + HV_RNDIS_OFFSET_BASE + c.info_offset, RTE_MIN(c.info_len, out_max));
	if (out_len != NULL)
		*out_len = RTE_MIN(c.info_len, out_max);
	return 0;
}

/*
 * Send a QUERY or SET (type) of oid with in[in_len] and wait for its
 * completion, left in hn->ctl; *status is the completion's. `what`
 * (at least 40 bytes) names the request for the logs.
 */
static int
rndis_oid_call(struct hn_dev *hn, uint32_t type, uint32_t oid, const void *in,
	       uint32_t in_len, char *what, uint32_t *status)
{
	uint8_t req[sizeof(struct hv_rndis_set_msg) + HN_RNDIS_SET_IN_MAX];
	struct hv_rndis_set_msg *m = (void *)req;
	bool query = type == HV_RNDIS_QUERY_MSG;
	int ret;

	if (in_len > (query ? HN_RNDIS_QUERY_IN_MAX : HN_RNDIS_SET_IN_MAX))
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->len = (uint32_t)sizeof(*m) + in_len;
	m->rid = next_rid(hn);
	m->oid = oid;
	m->info_len = in_len;
	m->info_offset = HV_RNDIS_SET_INFO_OFFSET;	/* never 0 (§E.2) */
	if (in_len)
		memcpy(m + 1, in, in_len);
	snprintf(what, 40, "%s of OID %#x", query ? "query" : "set", oid);
	ret = rndis_call(hn, req, m->len, m->rid,
			 query ? HV_RNDIS_QUERY_CMPLT : HV_RNDIS_SET_CMPLT, what);
	if (ret < 0)
		return ret;
	return hn_rndis_parse_oid_cmplt(hn->ctl.buf, hn->ctl.len, query, status);
}

static int
rndis_query(struct hn_dev *hn, uint32_t oid, const void *in, uint32_t in_len,
	    void *out, uint32_t out_min, uint32_t out_max, uint32_t *out_len)
{
	struct hv_rndis_query_cmplt c;
	uint32_t status;
	char what[40];
	int ret = rndis_oid_call(hn, HV_RNDIS_QUERY_MSG, oid, in, in_len, what, &status);

	if (ret < 0 || status != HV_RNDIS_STATUS_SUCCESS)
		return ret < 0 ? ret : -EIO;
	ret = hn_rndis_parse_query_cmplt(hn->ctl.buf, hn->ctl.len, out, out_min, out_max,
					 out_len);
	if (ret < 0) {
		memcpy(&c, hn->ctl.buf, sizeof(c));
		PMD_DRV_LOG(ERR, "port %u: %s: malformed answer (%u bytes at %u)",
			    hn->port_id, what, c.info_len, c.info_offset);
	}
	return ret;
}

static int
rndis_set(struct hn_dev *hn, uint32_t oid, const void *data, uint32_t len)
{
	uint32_t status;
	char what[40];
	int ret = rndis_oid_call(hn, HV_RNDIS_SET_MSG, oid, data, len, what, &status);

	if (ret == 0 && status != HV_RNDIS_STATUS_SUCCESS) {
		PMD_DRV_LOG(DEBUG, "port %u: %s failed: status %#x", hn->port_id, what,
			    status);
		ret = -EIO;
	}
	return ret;
}

/* The parse half of INITIALIZE: the completion buf[len] sets the
 * aggregation limits; -EIO (with *status) when it says no. */
int
hn_rndis_parse_init_cmplt(struct hn_dev *hn, const uint8_t *buf, uint32_t len,
			  uint32_t *status)
{
	struct hv_rndis_init_cmplt c;

	memset(&c, 0, sizeof(c));
	memcpy(&c, buf, RTE_MIN(len, (uint32_t)sizeof(c)));
	*status = c.status;
	if (len < HV_RNDIS_INIT_CMPLT_MIN_LEN || c.status != HV_RNDIS_STATUS_SUCCESS)
		return -EIO;
	/* aggregation limits: sane values or no aggregation at all */
	hn->agg_max_pkts = c.max_pkts_per_msg ? RTE_MIN(c.max_pkts_per_msg, 64u) : 1;
	hn->agg_max_bytes = c.max_xfer_size;
	hn->agg_align = c.align_factor <= 12 ? 1u << c.align_factor : 0;
	if (hn->agg_align < 4) {
		hn->agg_max_pkts = 1;	/* no sane alignment: never pack two */
		hn->agg_align = 4;
	}
	return 0;
}

static int
rndis_init(struct hn_dev *hn)
{
	struct hv_rndis_init_msg m = {
		.type = HV_RNDIS_INITIALIZE_MSG,
		.len = sizeof(m),
		.ver_major = HV_RNDIS_VERSION_MAJOR,
		.ver_minor = HV_RNDIS_VERSION_MINOR,
		.max_xfer_size = HV_RNDIS_INIT_MAX_XFER_SIZE,
	};
	uint32_t status;
	int ret;

	m.rid = next_rid(hn);
	ret = rndis_call(hn, &m, sizeof(m), m.rid, HV_RNDIS_INITIALIZE_CMPLT,
			 "RNDIS initialize");
	if (ret < 0)
		return ret;
	ret = hn_rndis_parse_init_cmplt(hn, hn->ctl.buf, hn->ctl.len, &status);
	if (ret < 0) {
		PMD_DRV_LOG(ERR, "port %u: RNDIS initialize failed: status %#x", hn->port_id,
			    status);
		return ret;
	}
	rndis_set_state(hn, HN_RNDIS_INITIALISED);
	return 0;
}

int
hn_rndis_set_filter(struct hn_dev *hn, uint32_t filter)
{
	int ret = rndis_set(hn, HV_OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof(filter));

	if (ret == 0) {
		hn->filter = filter;
		rndis_set_state(hn, filter != 0 ? HN_RNDIS_DATA : HN_RNDIS_INITIALISED);
	}
	return ret;
}

int
hn_rndis_query_link(struct hn_dev *hn)
{
	uint32_t state, speed;
	int ret;

	ret = rndis_query(hn, HV_OID_GEN_MEDIA_CONNECT_STATUS, NULL, 0, &state,
			  sizeof(state), sizeof(state), NULL);
	if (ret == 0)
		ret = rndis_query(hn, HV_OID_GEN_LINK_SPEED, NULL, 0, &speed,
				  sizeof(speed), sizeof(speed), NULL);
	if (ret < 0)
		return ret;
	__atomic_store_n(&hn->link_up, state == HV_NDIS_MEDIA_STATE_CONNECTED,
			 __ATOMIC_RELAXED);
	/* 100 bit/s units */
	hn->link_speed_mbps = speed / (1000000u / HV_NDIS_LINK_SPEED_UNIT);
	return 0;
}

/* What the host can offload; unknown revisions leave everything off. */
static void
rndis_query_offload_caps(struct hn_dev *hn)
{
	struct hv_ndis_offload caps;
	struct hv_ndis_obj_hdr in = { .type = HV_NDIS_OBJTYPE_OFFLOAD };
	uint32_t len = 0;

	if (hn->ndis_ver >= HV_NDIS_VERSION_6_30) {
		in.rev = HV_NDIS_OFFLOAD_REV_3;
		in.size = HV_NDIS_OFFLOAD_SIZE_REV3;
	} else {
		in.rev = HV_NDIS_OFFLOAD_REV_2;
		in.size = HV_NDIS_OFFLOAD_SIZE_REV2;
	}
	memset(&caps, 0, sizeof(caps));
	if (rndis_query(hn, HV_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES, &in, sizeof(in),
			&caps, HV_NDIS_OFFLOAD_SIZE_REV1, sizeof(caps), &len) < 0 ||
	    hn_rndis_parse_offload_caps(hn, &caps, len) < 0)
		PMD_DRV_LOG(NOTICE, "port %u: no offload capabilities from the host",
			    hn->port_id);
}

/* The parse half of the offload query: caps, of which len bytes came. */
int
hn_rndis_parse_offload_caps(struct hn_dev *hn, const struct hv_ndis_offload *c, uint32_t len)
{
	const struct hv_ndis_offload caps = *c;

	if (caps.hdr.type != HV_NDIS_OBJTYPE_OFFLOAD || caps.hdr.rev < HV_NDIS_OFFLOAD_REV_1 ||
	    caps.hdr.size < HV_NDIS_OFFLOAD_SIZE_REV1)
		return -EPROTO;
	hn->csum_tx4 = caps.csum.ip4_tx_csum;
	hn->csum_rx4 = caps.csum.ip4_rx_csum;
	hn->csum_tx6 = caps.csum.ip6_tx_csum;
	hn->csum_rx6 = caps.csum.ip6_rx_csum;
	if (caps.lsov2.ip4_encap & HV_NDIS_ENCAP_IEEE802_3)
		hn->lso4_max = caps.lsov2.ip4_maxsz;
	if (caps.lsov2.ip6_encap & HV_NDIS_ENCAP_IEEE802_3)
		hn->lso6_max = caps.lsov2.ip6_maxsz;
	hn->lso_minsegs = RTE_MAX(2u, RTE_MAX(caps.lsov2.ip4_minsg, caps.lsov2.ip6_minsg));
	/* RSC needs NVSP 6.1 too: NDIS_CONFIG offered it only then */
	hn->rsc_caps = hn->nvsp_ver >= HV_NVSP_PROTO_V61 &&
		       caps.hdr.rev >= HV_NDIS_OFFLOAD_REV_3 &&
		       len >= HV_NDIS_OFFLOAD_SIZE_REV3 && caps.rsc.ip4 && caps.rsc.ip6;
	return 0;
}

static void
rndis_query_rss_caps(struct hn_dev *hn)
{
	struct hv_ndis_obj_hdr in = {
		.type = HV_NDIS_OBJTYPE_RSS_CAPS,
		.rev = HV_NDIS_RSS_CAPS_REV_2,
		.size = HV_NDIS_RSS_CAPS_SIZE_REV2,
	};
	struct hv_ndis_rss_caps caps;

	hn->rss_caps = 0;
	hn->rss_max_queues = 1;
	if (hn->ndis_ver < HV_NDIS_VERSION_6_30)
		return;	/* vRSS needs NDIS 6.20+, which comes with NVSP 5 */
	memset(&caps, 0, sizeof(caps));
	if (rndis_query(hn, HV_OID_GEN_RECEIVE_SCALE_CAPABILITIES, &in, sizeof(in), &caps,
			HV_NDIS_RSS_CAPS_SIZE_REV1, sizeof(caps), NULL) == 0)
		hn_rndis_parse_rss_caps(hn, &caps);
}

/* The parse half of the RSS capabilities query. */
int
hn_rndis_parse_rss_caps(struct hn_dev *hn, const struct hv_ndis_rss_caps *c)
{
	const struct hv_ndis_rss_caps caps = *c;

	if (caps.hdr.type != HV_NDIS_OBJTYPE_RSS_CAPS || caps.num_rx_queues == 0)
		return -EPROTO;
	hn->rss_caps = caps.caps;
	hn->rss_max_queues = RTE_MIN(caps.num_rx_queues, HN_MAX_QUEUES);
	if (caps.hdr.rev >= HV_NDIS_RSS_CAPS_REV_2 && caps.num_indir_entries != 0 &&
	    caps.num_indir_entries != HN_RSS_RETA_SIZE)
		PMD_DRV_LOG(NOTICE, "port %u: host reports %u indirection entries, using %u",
			    hn->port_id, caps.num_indir_entries, HN_RSS_RETA_SIZE);
	return 0;
}

/* INIT, filter cleared, then what the device is (§D.2 steps 8-17). */
int
hn_rndis_attach(struct hn_dev *hn)
{
	uint32_t mtu;
	int ret;

	ret = rndis_init(hn);
	if (ret < 0)
		return ret;
	/* some hosts leave the filter set after INIT (§I.11) */
	ret = hn_rndis_set_filter(hn, 0);
	if (ret == 0)
		ret = rndis_query(hn, HV_OID_GEN_MAXIMUM_FRAME_SIZE, NULL, 0, &mtu,
				  sizeof(mtu), sizeof(mtu), NULL);
	if (ret == 0)
		ret = rndis_query(hn, HV_OID_802_3_PERMANENT_ADDRESS, NULL, 0,
				  &hn->perm_mac, RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN,
				  NULL);
	if (ret == 0)
		ret = hn_rndis_query_link(hn);
	if (ret < 0)
		return ret;
	if (mtu < HN_MTU_MIN || mtu > HN_MAX_RX_PKTLEN - RTE_ETHER_HDR_LEN) {
		PMD_DRV_LOG(ERR, "port %u: host reports an impossible MTU %u", hn->port_id, mtu);
		return -EPROTO;
	}
	hn->host_mtu = mtu;
	if (rte_is_zero_ether_addr(&hn->mac))
		rte_ether_addr_copy(&hn->perm_mac, &hn->mac);
	rndis_query_offload_caps(hn);
	rndis_query_rss_caps(hn);
	return 0;
}

/* HALT has no RNDIS completion: wait only for the host to read it. */
void
hn_rndis_detach(struct hn_dev *hn)
{
	struct hv_rndis_halt_msg m = {
		.type = HV_RNDIS_HALT_MSG,
		.len = sizeof(m),
	};

	if (!hn_rndis_is_up(hn) || (hn->vdev != NULL && vmbus_device_rescinded(hn->vdev)))
		goto out;
	m.rid = next_rid(hn);
	if (rndis_send(hn, &m, sizeof(m), hn_ctl_arm(hn, HN_CTL_SENDCOMP, 0, 0)) == 0)
		hn_ctl_wait(hn, "RNDIS halt");
	hn_ctl_disarm(hn);
out:
	rndis_set_state(hn, HN_RNDIS_HALTED);
}

/* "NetworkAddress" = 12 hex digits, both as UTF-16LE (§E.4). */
int
hn_rndis_set_mac(struct hn_dev *hn, const struct rte_ether_addr *mac)
{
	struct hv_rndis_netaddr_param p;
	static const char name[] = HV_RNDIS_NETADDR_NAME;
	char hex[HV_RNDIS_NETADDR_VALUE_CHARS + 1];
	unsigned int i;

	memset(&p, 0, sizeof(p));
	p.hdr.name_offset = HV_RNDIS_NETADDR_NAME_OFFSET;
	p.hdr.name_len = HV_RNDIS_NETADDR_NAME_LEN;
	p.hdr.type = HV_RNDIS_CONFIG_PARAM_STRING;
	p.hdr.value_offset = HV_RNDIS_NETADDR_VALUE_OFFSET;
	p.hdr.value_len = HV_RNDIS_NETADDR_VALUE_LEN;
	for (i = 0; i < HV_RNDIS_NETADDR_NAME_CHARS; i++)
		p.name[i] = (uint16_t)name[i];
	snprintf(hex, sizeof(hex), "%02X%02X%02X%02X%02X%02X", mac->addr_bytes[0],
		 mac->addr_bytes[1], mac->addr_bytes[2], mac->addr_bytes[3],
		 mac->addr_bytes[4], mac->addr_bytes[5]);
	for (i = 0; i < HV_RNDIS_NETADDR_VALUE_CHARS; i++)
		p.value[i] = (uint16_t)hex[i];
	return rndis_set(hn, HV_OID_GEN_RNDIS_CONFIG_PARAMETER, &p, sizeof(p));
}

static uint8_t
csum_param(bool tx, bool rx)
{
	if (tx && rx)
		return HV_NDIS_OFFLOAD_PARAM_TXRX;
	if (tx)
		return HV_NDIS_OFFLOAD_PARAM_TX;
	if (rx)
		return HV_NDIS_OFFLOAD_PARAM_RX;
	return HV_NDIS_OFFLOAD_PARAM_OFF;
}

/* Tell the host which offloads are on: the form follows the NDIS version. */
int
hn_rndis_set_offloads(struct hn_dev *hn, uint64_t rx, uint64_t tx)
{
	struct hv_ndis_offload_params p;
	bool tcp_tx = tx & RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	bool udp_tx = tx & RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	bool tcp_rx = rx & RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	bool udp_rx = rx & RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	bool tso = tx & RTE_ETH_TX_OFFLOAD_TCP_TSO;

	memset(&p, 0, sizeof(p));
	p.hdr.type = HV_NDIS_OBJTYPE_DEFAULT;
	if (hn->ndis_ver >= HV_NDIS_VERSION_6_30) {
		p.hdr.rev = HV_NDIS_OFFLOAD_PARAMS_REV_3;
		p.hdr.size = HV_NDIS_OFFLOAD_PARAMS_SIZE_REV3;
	} else {
		p.hdr.rev = HV_NDIS_OFFLOAD_PARAMS_REV_2;
		p.hdr.size = HV_NDIS_OFFLOAD_PARAMS_SIZE_REV2;
	}
	p.ip4_csum = csum_param(tx & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM,
				rx & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM);
	p.tcp4_csum = csum_param(tcp_tx || tso, tcp_rx);
	p.tcp6_csum = csum_param((tcp_tx || tso) && hn->csum_tx6, tcp_rx && hn->csum_rx6);
	p.udp4_csum = csum_param(udp_tx, udp_rx);
	p.udp6_csum = csum_param(udp_tx && hn->csum_tx6, udp_rx && hn->csum_rx6);
	p.lsov2_ip4 = tso && hn->lso4_max ? HV_NDIS_OFFLOAD_LSO_ON : HV_NDIS_OFFLOAD_LSO_OFF;
	p.lsov2_ip6 = tso && hn->lso6_max ? HV_NDIS_OFFLOAD_LSO_ON : HV_NDIS_OFFLOAD_LSO_OFF;
	/* the RSC fields exist in the NDIS 6.30 form only; LRO needs both
	 * IP versions, as the capability says (§E.5) */
	if (hn->rsc_caps && p.hdr.size >= HV_NDIS_OFFLOAD_PARAMS_SIZE_REV3) {
		p.rsc_ip4 = rx & RTE_ETH_RX_OFFLOAD_TCP_LRO ? HV_NDIS_OFFLOAD_RSC_ON
							    : HV_NDIS_OFFLOAD_RSC_OFF;
		p.rsc_ip6 = p.rsc_ip4;
	}
	return rndis_set(hn, HV_OID_TCP_OFFLOAD_PARAMETERS, &p, p.hdr.size);
}

/* Disable, then set everything (the UNCHG flags are unreliable, §I.12). */
int
hn_rndis_set_rss(struct hn_dev *hn, uint32_t nqueues)
{
	struct hv_ndis_rss_blob b;
	unsigned int i;
	int ret;

	memset(&b, 0, sizeof(b));
	b.params.hdr.type = HV_NDIS_OBJTYPE_RSS_PARAMS;
	b.params.hdr.rev = HV_NDIS_RSS_PARAMS_REV_2;
	b.params.hdr.size = HV_NDIS_RSS_PARAMS_SIZE_REV2;
	b.params.flags = HV_NDIS_RSS_FLAG_DISABLE;
	b.params.hash_info = HV_NDIS_HASH_FUNCTION_TOEPLITZ;
	b.params.indir_size = HV_NDIS_RSS_INDIR_SIZE;
	b.params.indir_offset = HV_NDIS_RSS_BLOB_INDIR_OFFSET;
	b.params.hash_key_size = HV_NDIS_RSS_KEY_SIZE;
	b.params.hash_key_offset = HV_NDIS_RSS_BLOB_KEY_OFFSET;
	ret = rndis_set(hn, HV_OID_GEN_RECEIVE_SCALE_PARAMETERS, &b, sizeof(b));
	if (ret < 0 || nqueues <= 1 || (hn->rss_hash_info & HV_NDIS_HASH_TYPE_MASK) == 0)
		return ret;
	b.params.flags = 0;
	b.params.hash_info = hn->rss_hash_info | HV_NDIS_HASH_FUNCTION_TOEPLITZ;
	for (i = 0; i < HV_NDIS_RSS_INDIR_ENTRIES; i++)
		b.indir[i] = hn->reta[i] < nqueues ? hn->reta[i] : i % nqueues;
	memcpy(b.key, hn->rss_key, HV_NDIS_RSS_KEY_SIZE);
	return rndis_set(hn, HV_OID_GEN_RECEIVE_SCALE_PARAMETERS, &b, sizeof(b));
}

/* An INDICATE_STATUS from the receive buffer (any draining thread). */
void
hn_rndis_status(struct hn_dev *hn, const uint8_t *msg, uint32_t len)
{
	struct hv_rndis_status_msg s;
	uint32_t speed;

	if (len < sizeof(s))
		return;
	memcpy(&s, msg, sizeof(s));
	switch (s.status) {
	case HV_RNDIS_STATUS_MEDIA_CONNECT:
	case HV_RNDIS_STATUS_MEDIA_DISCONNECT:
		__atomic_store_n(&hn->link_up, s.status == HV_RNDIS_STATUS_MEDIA_CONNECT,
				 __ATOMIC_RELAXED);
		break;
	case HV_RNDIS_STATUS_LINK_SPEED_CHANGE:
		if (s.status_buf_len < sizeof(speed) ||
		    (uint64_t)HV_RNDIS_OFFSET_BASE + s.status_buf_offset + sizeof(speed) > len)
			return;
		memcpy(&speed, msg + HV_RNDIS_OFFSET_BASE + s.status_buf_offset, sizeof(speed));
		hn->link_speed_mbps = speed / (1000000u / HV_NDIS_LINK_SPEED_UNIT);
		break;
	default:
		return;	/* network change, offload config: nothing to do */
	}
	__atomic_store_n(&hn->link_dirty, 1, __ATOMIC_RELEASE);
	hn_linkstatus_callback(hn);
}
