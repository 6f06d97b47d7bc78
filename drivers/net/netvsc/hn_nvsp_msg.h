/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Every NVSP message the guest sends is built here, one builder per
 * message (protocol doc §C, §D, §F.7); the wire layout itself is in
 * drivers/common/hyperv/hv_nvsp_wire.h. Each builder clears the whole
 * message first: what the guest leaves unset is zero on the wire.
 * Answers are parsed where they are awaited: hn_nvsp.c (session) and
 * hn_chan.c (completions, in-band notifications).
 */

#ifndef HN_NVSP_MSG_H
#define HN_NVSP_MSG_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hv_nvsp_wire.h"

static inline void
hn_nvsp_msg_init(union hv_nvsp_msg *m, uint32_t type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
}

/* INIT: one version at a time (§C.1). */
static inline void
hn_nvsp_build_init(union hv_nvsp_msg *m, uint32_t version)
{
	hn_nvsp_msg_init(m, HV_NVSP_MSG_INIT);
	m->init.ver_min = m->init.ver_max = version;
}

static inline void
hn_nvsp_build_ndis_config(union hv_nvsp_msg *m, uint32_t mtu, uint64_t capab)
{
	hn_nvsp_msg_init(m, HV_NVSP_MSG_NDIS_CONFIG);
	m->ndis_config.mtu = mtu + HV_NVSP_NDIS_CONFIG_MTU_ADJ;
	m->ndis_config.capab = capab;
}

static inline void
hn_nvsp_build_ndis_ver(union hv_nvsp_msg *m, uint32_t ndis_ver)
{
	hn_nvsp_msg_init(m, HV_NVSP_MSG_NDIS_VER);
	m->ndis_ver.ndis_major = HV_NDIS_VERSION_MAJOR(ndis_ver);
	m->ndis_ver.ndis_minor = HV_NDIS_VERSION_MINOR(ndis_ver);
}

/* The receive and send buffers are connected and revoked by messages of
 * one layout each: one builder serves both. */
static_assert(sizeof(struct hv_nvsp_rxbuf_conn) == sizeof(struct hv_nvsp_chim_conn) &&
	      offsetof(struct hv_nvsp_rxbuf_conn, gpadl) ==
	      offsetof(struct hv_nvsp_chim_conn, gpadl) &&
	      offsetof(struct hv_nvsp_rxbuf_conn, id) == offsetof(struct hv_nvsp_chim_conn, id),
	      "buffer connect messages");
static_assert(sizeof(struct hv_nvsp_rxbuf_revoke) == sizeof(struct hv_nvsp_chim_revoke) &&
	      offsetof(struct hv_nvsp_rxbuf_revoke, id) ==
	      offsetof(struct hv_nvsp_chim_revoke, id), "buffer revoke messages");

/* RXBUF_CONN (id HV_NVSP_RXBUF_ID) or CHIM_CONN (HV_NVSP_CHIM_ID): lend
 * the host the buffer of GPADL gpadl. */
static inline void
hn_nvsp_build_buf_conn(union hv_nvsp_msg *m, uint32_t type, uint32_t gpadl, uint16_t id)
{
	hn_nvsp_msg_init(m, type);
	m->rxbuf_conn.gpadl = gpadl;
	m->rxbuf_conn.id = id;
}

/* RXBUF_REVOKE or CHIM_REVOKE: take the buffer back (no answer). */
static inline void
hn_nvsp_build_buf_revoke(union hv_nvsp_msg *m, uint32_t type, uint16_t id)
{
	hn_nvsp_msg_init(m, type);
	m->rxbuf_revoke.id = id;
}

static inline void
hn_nvsp_build_subch_alloc(union hv_nvsp_msg *m, uint32_t num_subch)
{
	hn_nvsp_msg_init(m, HV_NVSP_MSG_SUBCHANNEL);
	m->subch_req.op = HV_NVSP_SUBCH_OP_ALLOC;
	m->subch_req.num_subch = num_subch;
}

/*
 * RNDIS_PKT: an RNDIS message follows, in send-buffer section chim_idx
 * (chim_sz bytes), or, with HV_NVSP_CHIM_IDX_INVALID, in the packet's page
 * ranges. chan_type: HV_NVSP_CHAN_DATA or HV_NVSP_CHAN_CONTROL.
 */
static inline void
hn_nvsp_build_rndis_pkt(union hv_nvsp_msg *m, uint32_t chan_type, uint32_t chim_idx,
			uint32_t chim_sz)
{
	hn_nvsp_msg_init(m, HV_NVSP_MSG_RNDIS_PKT);
	m->rndis_pkt.chan_type = chan_type;
	m->rndis_pkt.chim_idx = chim_idx;
	m->rndis_pkt.chim_sz = chim_sz;
}

/* RNDIS_PKT_COMPLETE: the receive slots of a transfer packet go back;
 * only its 8 bytes are sent. */
static inline struct hv_nvsp_rndis_pkt_complete
hn_nvsp_build_rndis_pkt_complete(uint32_t status)
{
	struct hv_nvsp_rndis_pkt_complete c = {
		.type = HV_NVSP_MSG_RNDIS_PKT_COMPLETE,
		.status = status,
	};

	return c;
}

#endif /* HN_NVSP_MSG_H */
