/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The NVSP session on the primary channel (protocol doc §C, §D): version
 * negotiation, NDIS configuration, receive and send buffer connection,
 * subchannel allocation, teardown, and the host's in-band notifications.
 * Messages are built by hn_nvsp_msg.h; requests wait through hn_ctl.c.
 */

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "hn_chan.h"
#include "hn_ctl.h"
#include "hn_nvsp.h"
#include "hn_nvsp_msg.h"
#include "hn_rx.h"

/* The one place the session's state changes. */
static void
nvsp_set_state(struct hn_dev *hn, enum hn_nvsp_state state)
{
	hn->nvsp_state = state;
}

/* Send an NVSP message that gets no response. */
static int
nvsp_post(struct hn_dev *hn, const union hv_nvsp_msg *msg)
{
	bool sig = false;
	int ret;

	ret = vmbus_chan_send(hn->chans[0].vc, HV_PKT_DATA_INBAND, msg, sizeof(*msg),
			      hn_ctl_next_xid(hn), 0, &sig);
	if (ret == 0 && sig)
		vmbus_chan_signal(hn->chans[0].vc);
	return ret;
}

/* The parse half of a request: the answer buf[len] must be of type
 * resp_type and at least resp_min bytes; copied to resp (at most
 * resp_max). *type: the answer's type, 0 when too short to have one. */
int
hn_nvsp_parse_resp(const uint8_t *buf, uint32_t len, uint32_t resp_type, void *resp,
		   uint32_t resp_min, uint32_t resp_max, uint32_t *type)
{
	*type = 0;
	if (len >= sizeof(*type))
		memcpy(type, buf, sizeof(*type));
	if (len < resp_min || *type != resp_type)
		return -EPROTO;
	memcpy(resp, buf, RTE_MIN(len, resp_max));
	return 0;
}

/*
 * Send an NVSP request and wait for its completion, of type resp_type and
 * at least resp_min bytes (copied to resp, at most resp_max).
 */
static int
nvsp_request(struct hn_dev *hn, const union hv_nvsp_msg *req, uint32_t resp_type,
	     void *resp, uint32_t resp_min, uint32_t resp_max)
{
	char what[48];
	uint32_t type;
	bool sig = false;
	int ret;
	uint64_t xid = hn_ctl_arm(hn, HN_CTL_NVSP, 0, 0);

	ret = vmbus_chan_send(hn->chans[0].vc, HV_PKT_DATA_INBAND, req, sizeof(*req),
			      xid, HV_PKT_FLAG_COMPLETION_REQUESTED, &sig);
	if (ret < 0) {
		hn_ctl_disarm(hn);
		PMD_DRV_LOG(ERR, "port %u: cannot send NVSP message %u: %s", hn->port_id,
			    req->type, strerror(-ret));
		return ret;
	}
	if (sig)
		vmbus_chan_signal(hn->chans[0].vc);
	snprintf(what, sizeof(what), "NVSP message %u", req->type);
	ret = hn_ctl_wait(hn, what);
	if (ret < 0)
		return ret;
	ret = hn_nvsp_parse_resp(hn->ctl.buf, hn->ctl.len, resp_type, resp, resp_min, resp_max,
				 &type);
	if (ret < 0)
		PMD_DRV_LOG(ERR, "port %u: NVSP message %u answered with type %u, %u bytes",
			    hn->port_id, req->type, type, hn->ctl.len);
	return ret;
}

static int
nvsp_negotiate(struct hn_dev *hn)
{
	static const uint32_t versions[] = { HV_NVSP_PROTO_VERSIONS };
	unsigned int i;

	for (i = 0; i < RTE_DIM(versions); i++) {
		struct hv_nvsp_init_complete resp;
		union hv_nvsp_msg req;
		int ret;

		hn_nvsp_build_init(&req, versions[i]);
		ret = nvsp_request(hn, &req, HV_NVSP_MSG_INIT_COMPLETE, &resp,
				   HV_NVSP_INIT_COMPLETE_MIN, sizeof(resp));
		if (ret < 0)
			return ret;
		if (resp.status == HV_NVSP_STATUS_SUCCESS) {
			hn->nvsp_ver = versions[i];
			nvsp_set_state(hn, HN_NVSP_VERSIONED);
			PMD_INIT_LOG(DEBUG, "port %u: NVSP version %#x", hn->port_id,
				     versions[i]);
			return 0;
		}
	}
	PMD_DRV_LOG(ERR, "port %u: the host accepts no NVSP version from %#x to %#x",
		    hn->port_id, versions[RTE_DIM(versions) - 1], versions[0]);
	return -EPROTONOSUPPORT;
}

/* NDIS config (the MTU lives here: changing it needs a new session) and
 * the NDIS version. Neither gets a response. */
static int
nvsp_configure_ndis(struct hn_dev *hn, uint32_t mtu)
{
	union hv_nvsp_msg msg;
	int ret;

	if (hn->nvsp_ver >= HV_NVSP_PROTO_V2) {
		uint64_t capab = HV_NVSP_NDIS_CAP_IEEE8021Q;

		if (hn->nvsp_ver >= HV_NVSP_PROTO_V5)
			capab |= HV_NVSP_NDIS_CAP_SRIOV;
		/* RSC is offered from NVSP 6.1; it is turned on or off later
		 * through the offload parameters, following the LRO offload */
		if (hn->nvsp_ver >= HV_NVSP_PROTO_V61)
			capab |= HV_NVSP_NDIS_CAP_RSC;
		hn_nvsp_build_ndis_config(&msg, mtu, capab);
		ret = nvsp_post(hn, &msg);
		if (ret < 0)
			return ret;
	}
	hn->ndis_ver = hn->nvsp_ver <= HV_NVSP_PROTO_V4 ? HV_NDIS_VERSION_6_1
							: HV_NDIS_VERSION_6_30;
	hn_nvsp_build_ndis_ver(&msg, hn->ndis_ver);
	hn->mtu = mtu;
	return nvsp_post(hn, &msg);
}

/* Lend the host buffer r (RXBUF_CONN or CHIM_CONN, type): its answer, the
 * message type after the request's, in resp. */
static_assert(HV_NVSP_MSG_RXBUF_CONN_RESP == HV_NVSP_MSG_RXBUF_CONN + 1 &&
	      HV_NVSP_MSG_CHIM_CONN_RESP == HV_NVSP_MSG_CHIM_CONN + 1, "answer types");
static int
nvsp_connect_buf(struct hn_dev *hn, const struct vmbus_region *r, uint32_t type, uint16_t id,
		 void *resp, uint32_t resp_min, uint32_t resp_max)
{
	union hv_nvsp_msg req;

	hn_nvsp_build_buf_conn(&req, type, r->gpadl, id);
	return nvsp_request(hn, &req, type + 1, resp, resp_min, resp_max);
}

/* The host's answer to RXBUF_CONN for a buffer of size bytes: 0 when it
 * carves the buffer into slots that fit it, else -EPROTO. */
int
hn_nvsp_rxbuf_resp_valid(uint16_t port_id, const struct hv_nvsp_rxbuf_conn_resp *resp,
			 uint64_t size)
{
	const struct hv_nvsp_rxbuf_section *s = &resp->sections[0];

	if (resp->status != HV_NVSP_STATUS_SUCCESS || resp->num_sections != 1) {
		PMD_DRV_LOG(ERR, "port %u: receive buffer refused or malformed answer "
			    "(status %u, %u sections)", port_id, resp->status,
			    resp->num_sections);
		return -EPROTO;
	}
	return hn_rx_sections_check(port_id, s->offset, s->sub_alloc_size, s->num_sub_allocs,
				    size);
}

/* The host's answer to CHIM_CONN for a buffer of size bytes. */
int
hn_nvsp_chim_resp_valid(const struct hv_nvsp_chim_conn_resp *resp, uint64_t size)
{
	if (resp->status != HV_NVSP_STATUS_SUCCESS || resp->section_size < 68 ||
	    resp->section_size % 4 != 0 || resp->section_size > size / 2)
		return -EPROTO;
	return 0;
}

/* The host's answer to a subchannel request for want channels. */
int
hn_nvsp_subch_resp_valid(const struct hv_nvsp_subch_resp *resp, uint32_t want)
{
	if (resp->status != HV_NVSP_STATUS_SUCCESS || resp->num_subch > want)
		return -EPROTO;
	return 0;
}

/* The receive buffer: the host carves it into slots and says how. */
static int
nvsp_connect_rxbuf(struct hn_dev *hn)
{
	const struct vmbus_region *r = &hn->vdev->regions[HV_UIO_RECV_BUF];
	struct hv_nvsp_rxbuf_conn_resp resp;
	int ret = nvsp_connect_buf(hn, r, HV_NVSP_MSG_RXBUF_CONN, HV_NVSP_RXBUF_ID, &resp,
				   HV_NVSP_RXBUF_CONN_RESP_MIN, sizeof(resp));

	if (ret < 0)
		return ret;
	ret = hn_nvsp_rxbuf_resp_valid(hn->port_id, &resp, r->size);
	if (ret < 0)
		return ret;
	hn->rxbuf = r->addr;
	hn->rxbuf_len = r->size;
	hn->rx_slots = resp.sections[0].num_sub_allocs;
	nvsp_set_state(hn, HN_NVSP_BUFFERS);
	if (hn->args.rx_extmbuf && hn_rx_map_pages(hn) < 0)
		PMD_DRV_LOG(WARNING, "port %u: receive buffer pages not translatable: "
			    "rx_extmbuf_enable ignored, frames are copied", hn->port_id);
	return hn_chan_alloc_acks(hn, &hn->chans[0]);
}

/* The send buffer: sections of a size the host picks. */
static int
nvsp_connect_chim(struct hn_dev *hn)
{
	const struct vmbus_region *r = &hn->vdev->regions[HV_UIO_SEND_BUF];
	struct hv_nvsp_chim_conn_resp resp;
	int ret = nvsp_connect_buf(hn, r, HV_NVSP_MSG_CHIM_CONN, HV_NVSP_CHIM_ID, &resp,
				   HV_NVSP_CHIM_CONN_RESP_MIN, sizeof(resp));

	if (ret < 0)
		return ret;
	if (hn_nvsp_chim_resp_valid(&resp, r->size) < 0) {
		PMD_DRV_LOG(ERR, "port %u: send buffer refused (status %u, section size %u)",
			    hn->port_id, resp.status, resp.section_size);
		return -EPROTO;
	}
	hn->chim = r->addr;
	hn->chim_len = r->size;
	hn->chim_section_size = resp.section_size;
	hn->chim_count = (uint32_t)(r->size / resp.section_size);
	hn->ctl_section = hn->chim_count - 1;
	nvsp_set_state(hn, HN_NVSP_READY);
	return 0;
}

int
hn_nvsp_attach(struct hn_dev *hn, uint32_t mtu)
{
	struct vmbus_channel *vc;
	int ret;

	hn_chan_reset(&hn->chans[0], 0);
	/* frames of an older session still attached are never completed */
	__atomic_add_fetch(&hn->session, 1, __ATOMIC_RELEASE);
	ret = vmbus_chan_open(hn->vdev, &vc);
	if (ret < 0) {
		PMD_DRV_LOG(ERR, "port %u: cannot open the primary channel: %s", hn->port_id,
			    strerror(-ret));
		return ret;
	}
	hn_chan_bind(hn, &hn->chans[0], vc);
	hn->nchan = 1;
	hn->subch_requested = false;
	hn->subch_granted = 0;
	ret = nvsp_negotiate(hn);
	if (ret == 0)
		ret = nvsp_configure_ndis(hn, mtu);
	if (ret == 0)
		ret = nvsp_connect_rxbuf(hn);
	if (ret == 0)
		ret = nvsp_connect_chim(hn);
	return ret;
}

/* Milliseconds left until deadline (timer cycles), at least 1. */
static unsigned int
ms_until(uint64_t deadline)
{
	uint64_t now = rte_get_timer_cycles();

	if (now >= deadline)
		return 1;
	return (unsigned int)RTE_MAX((deadline - now) * 1000 / rte_get_timer_hz(), 1ul);
}

/* Ask for want subchannels once per session, open those granted. */
int
hn_nvsp_subchannels(struct hn_dev *hn, uint32_t want, uint32_t *granted)
{
	struct hv_nvsp_subch_resp resp;
	union hv_nvsp_msg req;
	uint64_t deadline;
	uint32_t i;
	int ret;

	*granted = 0;
	if (want == 0)
		return 0;
	if (hn->nvsp_ver < HV_NVSP_PROTO_V5) {
		PMD_DRV_LOG(ERR, "port %u: NVSP %#x has no subchannels: one queue only",
			    hn->port_id, hn->nvsp_ver);
		return -ENOTSUP;
	}
	hn->subch_requested = true;
	hn_nvsp_build_subch_alloc(&req, want);
	ret = nvsp_request(hn, &req, HV_NVSP_MSG_SUBCHANNEL, &resp, sizeof(resp),
			   sizeof(resp));
	if (ret < 0)
		return ret;
	if (hn_nvsp_subch_resp_valid(&resp, want) < 0) {
		PMD_DRV_LOG(ERR, "port %u: subchannel request failed (status %u, granted %u "
			    "of %u)", hn->port_id, resp.status, resp.num_subch, want);
		return -EPROTO;
	}
	/* one deadline for them all: a host offering each subchannel just
	 * before the previous wait ends must not stretch the total wait to
	 * num_subch times the timeout */
	deadline = rte_get_timer_cycles() + rte_get_timer_hz() * hn->args.timeout_s;
	for (i = 0; i < resp.num_subch; i++) {
		struct hn_chan *ch = &hn->chans[i + 1];
		struct vmbus_channel *vc;
		uint16_t id;

		ret = vmbus_subchan_open(hn->chans[0].vc, &vc, ms_until(deadline));
		if (ret < 0) {
			PMD_DRV_LOG(ERR, "port %u: subchannel %u of %u never appeared: %s",
				    hn->port_id, i + 1, resp.num_subch, strerror(-ret));
			return ret;
		}
		id = vmbus_chan_subchannel_id(vc);
		if (id != i + 1) {
			/* queue i must be the channel with subchannel index i */
			PMD_DRV_LOG(ERR, "port %u: subchannel index %u offered where %u was due",
				    hn->port_id, id, i + 1);
			vmbus_chan_close(vc);
			return -EPROTO;
		}
		hn_chan_reset(ch, (uint16_t)(i + 1));
		hn_chan_bind(hn, ch, vc);
		ret = hn_chan_alloc_acks(hn, ch);
		if (ret < 0)
			return ret;
		hn->nchan = i + 2;
	}
	hn->subch_granted = resp.num_subch;
	*granted = resp.num_subch;
	return 0;
}

/* Wait (bounded) until the host has read everything we wrote. */
static void
wait_outbound_drained(struct hn_dev *hn, struct hn_chan *ch, unsigned int ms)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() * ms / 1000;

	while (vmbus_chan_tx_pending(ch->vc) != 0 && rte_get_timer_cycles() < end) {
		hn_chan_drain(hn, ch, NULL, 0, HN_RX_BURST_BUDGET);
		rte_delay_us_sleep(100);
	}
}

/*
 * Revoke the buffers (no responses: wait until the host has read the
 * revokes, bounded), then close the channels, subchannels first. A
 * rescinded channel is not written to: the host no longer drains it.
 */
void
hn_nvsp_detach(struct hn_dev *hn)
{
	bool gone = hn->vdev == NULL || vmbus_device_rescinded(hn->vdev);
	union hv_nvsp_msg msg;
	int i;

	if (hn->chans[0].vc == NULL)
		return;
	if (!gone && hn->nvsp_state >= HN_NVSP_BUFFERS) {
		hn_nvsp_build_buf_revoke(&msg, HV_NVSP_MSG_RXBUF_REVOKE, HV_NVSP_RXBUF_ID);
		nvsp_post(hn, &msg);
	}
	if (!gone && hn->nvsp_state == HN_NVSP_READY) {
		hn_nvsp_build_buf_revoke(&msg, HV_NVSP_MSG_CHIM_REVOKE, HV_NVSP_CHIM_ID);
		nvsp_post(hn, &msg);
	}
	if (!gone)
		wait_outbound_drained(hn, &hn->chans[0], HN_REVOKE_LINGER_MS);
	nvsp_set_state(hn, HN_NVSP_CLOSED);
	hn->chim = NULL;	/* unmapped by a reopen: rndis_send checks it */
	rte_free(hn->rxbuf_pfn);
	hn->rxbuf_pfn = NULL;
	for (i = (int)hn->nchan - 1; i >= 0; i--) {
		struct hn_chan *ch = &hn->chans[i];

		if (ch->vc != NULL)
			vmbus_chan_close(ch->vc);
		hn_chan_reset(ch, (uint16_t)i);
	}
	hn->nchan = 0;
	hn->nvsp_ver = 0;
}

/*
 * An in-band notification (any draining thread, often a data-path lcore):
 * only recorded here, with atomics; the VF's control tick (hn_vf.c) acts
 * on it. A host SWITCH_DATA_PATH(synthetic) also stops TX on the VF at
 * once: the host steers to synthetic already and may be taking the VF away.
 * Returns -EBADMSG for a message of no known type or too short for its
 * type (the caller counts it), else 0.
 */
int
hn_nvsp_inband(struct hn_dev *hn, const uint8_t *msg, uint32_t len)
{
	struct hv_nvsp_switch_datapath sw;
	struct hv_nvsp_vf_assoc vf;
	uint32_t type;

	memcpy(&type, msg, sizeof(type));
	/* any channel's drainer may be here: one add, not a read-modify-write */
	__atomic_fetch_add(&hn->inband_notes, 1, __ATOMIC_RELAXED);
	if (type == HV_NVSP_MSG_VF_ASSOC && len >= sizeof(vf)) {
		memcpy(&vf, msg, sizeof(vf));
		__atomic_store_n(&hn->vf.assoc_allocated, vf.allocated != 0, __ATOMIC_RELAXED);
		__atomic_store_n(&hn->vf.assoc_serial, vf.serial, __ATOMIC_RELAXED);
		if (vf.allocated == 0)
			__atomic_store_n(&hn->vf.tx_block, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&hn->vf.assoc_seq, 1, __ATOMIC_RELEASE);
		return 0;
	}
	if (type == HV_NVSP_MSG_SWITCH_DATAPATH && len >= sizeof(sw)) {
		memcpy(&sw, msg, sizeof(sw));
		if (sw.active_datapath == HV_NVSP_DATAPATH_SYNTHETIC) {
			__atomic_store_n(&hn->vf.tx_block, 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&hn->vf.host_synthetic_seq, 1, __ATOMIC_RELEASE);
		}
		return 0;
	}
	/* the send indirection table needs no action: every queue sends on
	 * its own channel and completions come back there */
	return type == HV_NVSP_MSG_INDIR_TABLE ? 0 : -EBADMSG;
}
