/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * NVSP, host side (protocol doc §C, §D): version negotiation, NDIS config
 * and version, receive/send buffers, RNDIS transport in both forms
 * (send-buffer sections and GPA page lists), subchannels, data path.
 * The session's state (enum hvsim_nvsp_state) changes in nvsp_set_state().
 *
 * Strict about the guest: every length, index and state is checked, and
 * each broken rule is reported with its bytes (hvsim_violation()).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guestos/gpa.h"
#include "hv_nvsp_wire.h"
#include "vf/vf.h"
#include "vsp/vsp.h"

/* Largest RNDIS message a guest may send: an LSO packet plus headers. */
#define RNDIS_MSG_MAX	(80 * 1024)

static const uint32_t nvsp_versions[] = { HV_NVSP_PROTO_VERSIONS };

struct guest_pkt {
	const uint8_t *bytes;		/* whole packet, descriptor first */
	uint32_t len;
	struct hv_pkt_desc desc;	/* validated copy */
	const uint8_t *payload;		/* at offset8 * 8 */
	uint32_t plen;
};

static uint8_t rndis_buf[RNDIS_MSG_MAX];

/* ---- state ------------------------------------------------------------------- */

static void
nvsp_set_state(struct hvsim_nic *nic, enum hvsim_nvsp_state state)
{
	nic->nvsp_state = state;
	if (state == HVSIM_NVSP_CLOSED)
		nic->nvsp_version = 0;
}

void
vsp_nvsp_reset(struct hvsim_nic *nic)
{
	nvsp_set_state(nic, HVSIM_NVSP_CLOSED);
	nic->ndis_version = 0;
	nic->ndis_mtu = 0;
	nic->ndis_caps = 0;
	nic->send_buf_connected = false;
	nic->subch_granted = 0;
	nic->subch_offered = 0;
	nic->datapath = 0;
}

/* ---- replies ------------------------------------------------------------------ */

/* Every host NVSP message is padded to 40 bytes (§C.1). Answers to
 * control traffic may be late or withheld (scenario control, slowhost.c);
 * completions of data packets always go at once. */
static void
send_reply(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p,
	   const void *msg, uint32_t len, bool control)
{
	uint8_t buf[HV_NVSP_MSG_SIZE] = { 0 };
	int ret;

	if (!(p->desc.flags & HV_PKT_FLAG_COMPLETION_REQUESTED)) {
		hvsim_violation(nic, c, "request needing a reply sent without COMPLETION_REQUESTED",
				p->bytes, p->len);
		return;
	}
	memcpy(buf, msg, len < sizeof(buf) ? len : sizeof(buf));
	if (control)
		ret = vsp_slowhost_complete(nic, c, p->desc.trans_id, buf, sizeof(buf));
	else
		ret = hvsim_chan_complete(c, p->desc.trans_id, buf, sizeof(buf));
	if (ret < 0)
		hvsim_violation(nic, c, "guest never reads its ring: completion backlog full",
				NULL, 0);
}

static void
reply(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p,
      const void *msg, uint32_t len)
{
	send_reply(nic, c, p, msg, len, true);
}

/* 108 for an RNDIS message: control or data by its NVSP channel type */
static void
reply_rndis(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p,
	    uint32_t chan_type, uint32_t status)
{
	struct hv_nvsp_rndis_pkt_complete m = {
		.type = HV_NVSP_MSG_RNDIS_PKT_COMPLETE, .status = status,
	};

	send_reply(nic, c, p, &m, sizeof(m), chan_type == HV_NVSP_CHAN_CONTROL);
}

static bool
need(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p,
     bool cond, const char *rule)
{
	if (!cond)
		hvsim_violation(nic, c, rule, p->payload, p->plen);
	return cond;
}

/* ---- version, NDIS ------------------------------------------------------------ */

static bool
version_supported(uint32_t v, uint32_t max)
{
	unsigned int i;

	for (i = 0; i < HV_NVSP_PROTO_COUNT; i++)
		if (nvsp_versions[i] == v)
			return v <= max;
	return false;
}

static void
on_init(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p)
{
	struct hv_nvsp_init m;
	struct hv_nvsp_init_complete r = { .type = HV_NVSP_MSG_INIT_COMPLETE };

	memcpy(&m, p->payload, sizeof(m));
	if (!need(nic, c, p, nic->nvsp_state == HVSIM_NVSP_CLOSED, "INIT after a version was agreed") ||
	    !need(nic, c, p, m.ver_min == m.ver_max, "INIT with min != max version"))
		r.status = HV_NVSP_STATUS_FAILED;
	else if (!version_supported(m.ver_min, nic->cfg.nvsp_max))
		r.status = HV_NVSP_STATUS_PROTOCOL_UNSUPPORTED;	/* guest tries older */
	else
		r.status = HV_NVSP_STATUS_SUCCESS;
	if (r.status == HV_NVSP_STATUS_SUCCESS) {
		nic->nvsp_version = m.ver_min;
		nic->last_nvsp_version = m.ver_min;
		nvsp_set_state(nic, HVSIM_NVSP_VERSIONED);
		r.ver_negotiated = m.ver_min;
	}
	if (nic->verbose)
		fprintf(stderr, "hvsim: nic%d NVSP INIT 0x%x -> status %u\n", nic->index,
			m.ver_min, r.status);
	reply(nic, c, p, &r, sizeof(r));
}

static void
on_ndis_config(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p)
{
	struct hv_nvsp_ndis_config m;

	memcpy(&m, p->payload, sizeof(m));
	if (!need(nic, c, p, nic->nvsp_version >= HV_NVSP_PROTO_V2,
		  "NDIS_CONFIG needs NVSP >= 0x30002") ||
	    !need(nic, c, p, m.mtu > HV_NVSP_NDIS_CONFIG_MTU_ADJ &&
		  m.mtu - HV_NVSP_NDIS_CONFIG_MTU_ADJ <= nic->cfg.mtu,
		  "NDIS_CONFIG mtu (MTU + 14) beyond the maximum frame size"))
		return;
	nic->ndis_mtu = m.mtu - HV_NVSP_NDIS_CONFIG_MTU_ADJ;
	nic->ndis_caps = m.capab;
	nic->last_ndis_caps = m.capab;
}

static void
on_ndis_ver(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p)
{
	struct hv_nvsp_ndis_ver m;
	uint32_t want;

	memcpy(&m, p->payload, sizeof(m));
	want = nic->nvsp_version >= HV_NVSP_PROTO_V5 ? HV_NDIS_VERSION_6_30 : HV_NDIS_VERSION_6_1;
	if (!need(nic, c, p, nic->nvsp_state != HVSIM_NVSP_CLOSED, "NDIS_VER before INIT") ||
	    !need(nic, c, p, (m.ndis_major << 16 | m.ndis_minor) == want,
		  "NDIS version does not match the NVSP version (6.1 up to 0x40000, 6.30 after)"))
		return;
	nic->ndis_version = want;
}

/* ---- buffers --------------------------------------------------------------------- */

static void
on_rxbuf_conn(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p)
{
	struct hv_nvsp_rxbuf_conn m;
	struct hv_nvsp_rxbuf_conn_resp r = {
		.type = HV_NVSP_MSG_RXBUF_CONN_RESP,
		.status = HV_NVSP_STATUS_FAILED,
	};

	memcpy(&m, p->payload, sizeof(m));
	if (need(nic, c, p, nic->nvsp_state != HVSIM_NVSP_CLOSED, "RXBUF_CONN before INIT") &&
	    need(nic, c, p, nic->nvsp_state != HVSIM_NVSP_READY, "RXBUF_CONN twice") &&
	    need(nic, c, p, m.gpadl == nic->cfg.spec.recv_gpadl,
		 "RXBUF_CONN with a GPADL that is not the receive buffer's") &&
	    need(nic, c, p, m.id == HV_NVSP_RXBUF_ID, "RXBUF_CONN id is not 0xCAFE")) {
		r.status = HV_NVSP_STATUS_SUCCESS;
		r.num_sections = 1;
		r.sections[0].offset = 0;
		r.sections[0].sub_alloc_size = nic->cfg.rx_slot_size;
		r.sections[0].num_sub_allocs = nic->slot_count;
		r.sections[0].end_offset = nic->slot_count * nic->cfg.rx_slot_size;
		nvsp_set_state(nic, HVSIM_NVSP_READY);
	}
	reply(nic, c, p, &r, sizeof(r));
}

static void
on_chim_conn(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p)
{
	struct hv_nvsp_chim_conn m;
	struct hv_nvsp_chim_conn_resp r = {
		.type = HV_NVSP_MSG_CHIM_CONN_RESP,
		.status = HV_NVSP_STATUS_FAILED,
	};

	memcpy(&m, p->payload, sizeof(m));
	if (need(nic, c, p, nic->nvsp_state != HVSIM_NVSP_CLOSED, "CHIM_CONN before INIT") &&
	    need(nic, c, p, !nic->send_buf_connected, "CHIM_CONN twice") &&
	    need(nic, c, p, m.gpadl == nic->cfg.spec.send_gpadl,
		 "CHIM_CONN with a GPADL that is not the send buffer's")) {
		r.status = HV_NVSP_STATUS_SUCCESS;
		r.section_size = nic->cfg.tx_section_size;
		nic->send_buf_connected = true;
	}
	reply(nic, c, p, &r, sizeof(r));
}

/* The receive buffer goes: the host can no longer send to the guest. */
static void
on_rxbuf_revoke(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p)
{
	if (need(nic, c, p, nic->nvsp_state == HVSIM_NVSP_READY, "RXBUF_REVOKE of no buffer"))
		nvsp_set_state(nic, HVSIM_NVSP_VERSIONED);
}

static void
on_chim_revoke(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p)
{
	if (need(nic, c, p, nic->send_buf_connected, "CHIM_REVOKE of no buffer"))
		nic->send_buf_connected = false;
}

/* ---- subchannels, data path --------------------------------------------------------- */

static void
on_subchannel(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p)
{
	struct hv_nvsp_subch_req m;
	struct hv_nvsp_subch_resp r = {
		.type = HV_NVSP_MSG_SUBCHANNEL,
		.status = HV_NVSP_STATUS_FAILED,
	};

	memcpy(&m, p->payload, sizeof(m));
	if (need(nic, c, p, nic->nvsp_version >= HV_NVSP_PROTO_V5,
		 "SUBCHANNEL needs NVSP >= 0x50000") &&
	    need(nic, c, p, c->subchannel_id == 0, "SUBCHANNEL on a subchannel") &&
	    need(nic, c, p, nic->subch_granted == 0,
		 "SUBCHANNEL sent twice in one session") &&
	    need(nic, c, p, m.op == HV_NVSP_SUBCH_OP_ALLOC && m.num_subch > 0 &&
		 m.num_subch < HVSIM_MAX_CHANNELS, "SUBCHANNEL with a bad op or count")) {
		r.status = HV_NVSP_STATUS_SUCCESS;
		r.num_subch = m.num_subch < nic->cfg.max_subchannels ?
			      m.num_subch : nic->cfg.max_subchannels;
		if (r.num_subch > 0)
			hvsim_nic_grant_subchannels(nic, r.num_subch);
	}
	reply(nic, c, p, &r, sizeof(r));
}

static void
on_switch_datapath(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p)
{
	struct hv_nvsp_switch_datapath m;

	memcpy(&m, p->payload, sizeof(m));
	if (!need(nic, c, p, nic->nvsp_version >= HV_NVSP_PROTO_V4,
		  "SWITCH_DATA_PATH needs NVSP >= 0x40000") ||
	    !need(nic, c, p, m.active_datapath <= 1, "SWITCH_DATA_PATH to an unknown path"))
		return;
	/* the VF room steers and answers: recent Linux asks for an empty
	 * completion (RC), older guests and DPDK do not */
	bool rc = p->desc.flags & HV_PKT_FLAG_COMPLETION_REQUESTED;

	if (nic->vf != NULL) {
		hvsim_vf_on_switch(nic->vf, c, p->desc.trans_id, rc, m.active_datapath);
		return;
	}
	nic->datapath = m.active_datapath;	/* a NIC without a VF room (unit tests) */
	if (rc)
		vsp_slowhost_complete(nic, c, p->desc.trans_id, NULL, 0);
}

/* ---- RNDIS transport ---------------------------------------------------------------- */

static uint32_t
deliver_rndis(struct hvsim_nic *nic, struct hvsim_chan *c, uint32_t chan_type,
	      const uint8_t *msg, uint32_t len)
{
	if (chan_type == HV_NVSP_CHAN_CONTROL)
		return vsp_rndis_control(nic, c, msg, len);
	return vsp_tx_data(nic, c, msg, len);
}

/* Copy `sz` bytes of send-buffer section `idx` to host memory. */
static int
copy_section(struct hvsim_nic *nic, uint32_t idx, uint32_t sz, uint8_t *dst)
{
	uint32_t count = (uint32_t)(nic->region_size[HV_UIO_SEND_BUF] / nic->cfg.tx_section_size);

	if (!nic->send_buf_connected || idx >= count || sz == 0 || sz > nic->cfg.tx_section_size)
		return -EINVAL;
	memcpy(dst, (uint8_t *)nic->region[HV_UIO_SEND_BUF] +
		    (size_t)idx * nic->cfg.tx_section_size, sz);
	return 0;
}

static void
on_rndis_inband(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p)
{
	struct hv_nvsp_rndis_pkt m;
	uint32_t status = HV_NVSP_STATUS_FAILED;

	memcpy(&m, p->payload, sizeof(m));
	if (need(nic, c, p, copy_section(nic, m.chim_idx, m.chim_sz, rndis_buf) == 0,
		 "RNDIS in a send-buffer section that is out of range or not connected") &&
	    need(nic, c, p, m.chan_type <= HV_NVSP_CHAN_CONTROL, "RNDIS channel type not 0/1"))
		status = deliver_rndis(nic, c, m.chan_type, rndis_buf, m.chim_sz);
	reply_rndis(nic, c, p, m.chan_type, status);
}

/*
 * Read the ranges of a GPA-direct packet from guest memory. Both the
 * classic one-page ranges and multi-page ranges are accepted. Returns the
 * bytes gathered, or -errno; *first is the length of the first range (the
 * RNDIS header must lie inside it).
 */
static int64_t
gather_gpa(struct hvsim_nic *nic, const struct guest_pkt *p, uint8_t *dst, uint32_t max,
	   uint32_t *first)
{
	uint32_t hdr_end = p->desc.offset8 * 8u, pos = sizeof(struct hv_gpa_direct_hdr);
	uint32_t nranges, r, total = 0;

	memcpy(&nranges, p->bytes + 20, sizeof(nranges));
	if (nranges == 0 || nranges > HV_GPA_RANGES_MAX)
		return -E2BIG;
	for (r = 0; r < nranges; r++) {
		uint32_t cnt, off, npfn, k;

		if (pos + 8 > hdr_end)
			return -EINVAL;
		memcpy(&cnt, p->bytes + pos, 4);
		memcpy(&off, p->bytes + pos + 4, 4);
		npfn = (uint32_t)(((uint64_t)off + cnt + HV_PAGE_SIZE - 1) / HV_PAGE_SIZE);
		pos += 8;
		if (off >= HV_PAGE_SIZE || cnt == 0 || pos + 8ull * npfn > hdr_end ||
		    total + (uint64_t)cnt > max)
			return -EINVAL;
		for (k = 0; k < npfn; k++) {
			uint64_t pfn;
			uint32_t in_page = k == 0 ? off : 0;
			uint32_t chunk = HV_PAGE_SIZE - in_page;

			memcpy(&pfn, p->bytes + pos + 8 * k, 8);
			if (chunk > cnt)
				chunk = cnt;
			if (nic->gpa == NULL ||
			    hvsim_gpa_read(nic->gpa, pfn * HV_PAGE_SIZE + in_page, dst + total,
					   chunk) < 0)
				return -EFAULT;
			total += chunk;
			cnt -= chunk;
		}
		pos += 8 * npfn;
		if (r == 0)
			*first = total;
	}
	return total;
}

static void
on_rndis_gpa(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p)
{
	struct hv_nvsp_rndis_pkt m;
	uint32_t status = HV_NVSP_STATUS_FAILED, first = 0, prefix = 0;
	int64_t n;

	memcpy(&m, p->payload, sizeof(m));
	/* Linux "cp_partial": section bytes first, then the pages */
	if (m.chim_idx != HV_NVSP_CHIM_IDX_INVALID) {
		if (!need(nic, c, p, copy_section(nic, m.chim_idx, m.chim_sz, rndis_buf) == 0,
			  "GPA RNDIS with a bad send-buffer section"))
			goto done;
		prefix = m.chim_sz;
	}
	n = gather_gpa(nic, p, rndis_buf + prefix, RNDIS_MSG_MAX - prefix, &first);
	if (!need(nic, c, p, n > 0, "GPA ranges malformed, beyond 32, or not guest memory"))
		goto done;
	if (!need(nic, c, p, prefix > 0 || first >= 8,
		  "RNDIS header not inside the first GPA range"))
		goto done;
	status = deliver_rndis(nic, c, m.chan_type, rndis_buf, (uint32_t)(prefix + n));
done:
	reply_rndis(nic, c, p, m.chan_type, status);
}

/* ---- dispatch ------------------------------------------------------------------------ */

static void
on_inband(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p)
{
	uint32_t type;

	if (!need(nic, c, p, p->plen >= 12, "NVSP message shorter than 12 bytes"))
		return;
	memcpy(&type, p->payload, sizeof(type));
	switch (type) {
	case HV_NVSP_MSG_INIT:
		on_init(nic, c, p);
		break;
	case HV_NVSP_MSG_NDIS_CONFIG:
		if (need(nic, c, p, p->plen >= sizeof(struct hv_nvsp_ndis_config),
			 "NDIS_CONFIG too short"))
			on_ndis_config(nic, c, p);
		break;
	case HV_NVSP_MSG_NDIS_VER:
		on_ndis_ver(nic, c, p);
		break;
	case HV_NVSP_MSG_RXBUF_CONN:
		on_rxbuf_conn(nic, c, p);
		break;
	case HV_NVSP_MSG_RXBUF_REVOKE:
		on_rxbuf_revoke(nic, c, p);
		break;
	case HV_NVSP_MSG_CHIM_CONN:
		on_chim_conn(nic, c, p);
		break;
	case HV_NVSP_MSG_CHIM_REVOKE:
		on_chim_revoke(nic, c, p);
		break;
	case HV_NVSP_MSG_RNDIS_PKT:
		if (need(nic, c, p, p->plen >= sizeof(struct hv_nvsp_rndis_pkt),
			 "RNDIS_PKT too short"))
			on_rndis_inband(nic, c, p);
		break;
	case HV_NVSP_MSG_SUBCHANNEL:
		on_subchannel(nic, c, p);
		break;
	case HV_NVSP_MSG_SWITCH_DATAPATH:
		on_switch_datapath(nic, c, p);
		break;
	default:
		hvsim_violation(nic, c, "unknown NVSP message type", p->payload, p->plen);
	}
}

static void
on_gpa_direct(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p)
{
	uint32_t type;

	if (!need(nic, c, p, p->desc.offset8 * 8u >= sizeof(struct hv_gpa_direct_hdr) &&
		  p->plen >= sizeof(struct hv_nvsp_rndis_pkt), "GPA-direct packet too short"))
		return;
	memcpy(&type, p->payload, sizeof(type));
	if (need(nic, c, p, type == HV_NVSP_MSG_RNDIS_PKT, "GPA-direct packet is not RNDIS"))
		on_rndis_gpa(nic, c, p);
}

static void
on_completion(struct hvsim_nic *nic, struct hvsim_chan *c, const struct guest_pkt *p)
{
	uint32_t type = 0;

	/* VF_ASSOCIATION and the host's 129 ask for one; guests may answer */
	if (hvsim_vf_on_completion(nic->vf, p->desc.trans_id))
		return;
	if (p->plen >= 8)
		memcpy(&type, p->payload, sizeof(type));
	/* after corruption, completions the guest sends for corrupted or
	 * forged packets are its business (vsp_corrupt_excuses) */
	if (type != HV_NVSP_MSG_RNDIS_PKT_COMPLETE && vsp_corrupt_excuses(nic))
		return;
	if (!need(nic, c, p, type == HV_NVSP_MSG_RNDIS_PKT_COMPLETE,
		  "guest completion is not an RNDIS_PKT_COMPLETE"))
		return;
	if (vsp_rxbuf_complete(nic, p->desc.trans_id) < 0) {
		if (!vsp_corrupt_excuses(nic))
			hvsim_violation(nic, c,
					"completion of a receive packet that is not outstanding",
					p->bytes, p->len);
		return;
	}
	nic->stats.rx_xfer_completed++;
	if (p->plen >= sizeof(struct hv_nvsp_rndis_pkt_complete)) {
		struct hv_nvsp_rndis_pkt_complete m;

		memcpy(&m, p->payload, sizeof(m));
		nic->stats.rx_xfer_failed += m.status != HV_NVSP_STATUS_SUCCESS;
	}
}

static void
handle_packet(struct hvsim_nic *nic, struct hvsim_chan *c, const struct hv_ring_pkt *rp)
{
	struct guest_pkt p = {
		.bytes = rp->data,
		.len = rp->len,
		.desc = rp->desc,
		.payload = (const uint8_t *)rp->data + rp->desc.offset8 * 8u,
		.plen = rp->len - rp->desc.offset8 * 8u,
	};

	c->stats.rx_packets++;
	switch (p.desc.type) {
	case HV_PKT_DATA_INBAND:
		on_inband(nic, c, &p);
		break;
	case HV_PKT_DATA_GPA_DIRECT:
		on_gpa_direct(nic, c, &p);
		break;
	case HV_PKT_COMPLETION:
		on_completion(nic, c, &p);
		break;
	default:
		hvsim_violation(nic, c, "packet type a netvsc guest never sends", p.bytes, p.len);
	}
}

unsigned int
vsp_nvsp_drain(struct hvsim_nic *nic, struct hvsim_chan *c, unsigned int budget)
{
	struct hv_ring_pkt pkt;
	unsigned int n = 0;
	bool need_sig = false;
	int ret;

	while (n < budget && c->backlog_len == 0) {
		ret = hv_ring_peek(&c->g2h, &pkt, c->scratch, sizeof(c->scratch));
		if (ret == 0)
			break;
		if (ret == -EIO) {
			hvsim_violation(nic, c, "guest->host ring indices corrupt", c->g2h.hdr, 16);
			break;
		}
		if (ret < 0) {
			c->stats.bad_packets++;
			hvsim_violation(nic, c, "malformed packet descriptor", pkt.data, 16);
		} else {
			handle_packet(nic, c, &pkt);
		}
		hv_ring_consume(&c->g2h, pkt.len);
		n++;
		if (nic->irq_fd < 0)
			return n;
	}
	if (n > 0) {
		hv_ring_read_commit(&c->g2h, &need_sig);
		if (need_sig)
			hvsim_chan_signal_guest(c);
	}
	return n;
}
