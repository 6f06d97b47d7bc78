/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * NVSP (Network Virtual Service Protocol) wire formats shared by the guest
 * PMD and the host simulator: message codes, status codes, protocol and
 * NDIS versions, and one body layout per message (protocol doc §C, §H).
 *
 * Every field is little-endian and byte-packed. Each NVSP message is the
 * payload of a VMBus packet (in-band 0x6, completion 0xB, or the in-band
 * part of a 0x7/0x9 packet) and starts with a u32 message type; the body
 * follows directly. Each layout is pinned with static_assert on its size
 * and on every offset, so that a mistake here fails the build instead of
 * fooling guest and host alike.
 */

#ifndef HV_NVSP_WIRE_H
#define HV_NVSP_WIRE_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "hv_vmbus_wire.h"

/*
 * Every message either side sends is zero-padded to this size (§C.1):
 * hosts ignore requests that are too short (a 12-byte INIT gets no reply),
 * and Linux guests copy 40 bytes of every init-phase response.
 */
#define HV_NVSP_MSG_SIZE	40u

/*
 * Smallest responses a DPDK guest accepts (§C.1); an emulator pads to
 * HV_NVSP_MSG_SIZE anyway, a guest checks at least these.
 */
#define HV_NVSP_INIT_COMPLETE_MIN	16u
#define HV_NVSP_RXBUF_CONN_RESP_MIN	28u	/* one section descriptor */
#define HV_NVSP_CHIM_CONN_RESP_MIN	12u

/* Largest message a host sends is the send indirection table (~112 bytes);
 * DPDK keeps a 256-byte buffer for NVSP responses (§H).
 */
#define HV_NVSP_RESP_BUF_SIZE	256u

/* ---- §C.2 message type codes ----------------------------------------- */

enum hv_nvsp_msg_type {
	HV_NVSP_MSG_INIT		= 1,	/* G->H, RC */
	HV_NVSP_MSG_INIT_COMPLETE	= 2,	/* H->G completion */

	/* NVSP v1: a plain enum starting at 100 */
	HV_NVSP_MSG_NDIS_VER		= 100,	/* G->H, no response */
	HV_NVSP_MSG_RXBUF_CONN		= 101,	/* G->H, RC */
	HV_NVSP_MSG_RXBUF_CONN_RESP	= 102,	/* H->G completion */
	HV_NVSP_MSG_RXBUF_REVOKE	= 103,	/* G->H, no response */
	HV_NVSP_MSG_CHIM_CONN		= 104,	/* G->H, RC */
	HV_NVSP_MSG_CHIM_CONN_RESP	= 105,	/* H->G completion */
	HV_NVSP_MSG_CHIM_REVOKE		= 106,	/* G->H, no response */
	HV_NVSP_MSG_RNDIS_PKT		= 107,	/* both ways, carries RNDIS */
	HV_NVSP_MSG_RNDIS_PKT_COMPLETE	= 108,	/* both ways, completes 107 */

	/* 109..124: v2 chimney/VMQ messages, used by no driver */

	/* NVSP v2 (>= 0x30002) */
	HV_NVSP_MSG_NDIS_CONFIG		= 125,	/* G->H, no response */

	/* 126..127: v2 chimney-handle messages, unused */

	/* NVSP v4 (>= 0x40000) */
	HV_NVSP_MSG_VF_ASSOC		= 128,	/* H->G notification */
	HV_NVSP_MSG_SWITCH_DATAPATH	= 129,	/* G->H; RC only in recent Linux */
	HV_NVSP_MSG_UPLINK_CONNECT_DEPRECATED = 130,

	/* NVSP v5 (>= 0x50000) */
	HV_NVSP_MSG_OID_QUERY_EX	= 131,	/* unused */
	HV_NVSP_MSG_OID_QUERY_EX_COMP	= 132,	/* unused */
	HV_NVSP_MSG_SUBCHANNEL		= 133,	/* request and completion */
	HV_NVSP_MSG_INDIR_TABLE		= 134,	/* H->G notification */

	/* NVSP v6 (>= 0x60000): Packet Direct, defined but unused */
	HV_NVSP_MSG_PD_API		= 135,
	HV_NVSP_MSG_PD_POST_BATCH	= 136,
};

/* ---- §C.3 status codes (every NVSP status field) --------------------- */

enum hv_nvsp_status {
	HV_NVSP_STATUS_NONE			= 0,
	HV_NVSP_STATUS_SUCCESS			= 1,	/* anything else fails */
	HV_NVSP_STATUS_FAILED			= 2,
	HV_NVSP_STATUS_PROTOCOL_TOO_NEW		= 3,
	HV_NVSP_STATUS_PROTOCOL_TOO_OLD		= 4,
	HV_NVSP_STATUS_INVALID_RNDIS_PKT	= 5,
	HV_NVSP_STATUS_BUSY			= 6,
	HV_NVSP_STATUS_PROTOCOL_UNSUPPORTED	= 7,
};

/* ---- §C.5 protocol versions ------------------------------------------ */

#define HV_NVSP_PROTO_V1	0x00002u	/* base, MTU 1500 */
#define HV_NVSP_PROTO_V2	0x30002u	/* NDIS_CONFIG, jumbo frames */
#define HV_NVSP_PROTO_V4	0x40000u	/* VF association, datapath */
#define HV_NVSP_PROTO_V5	0x50000u	/* NDIS 6.30, subchannels, SR-IOV */
#define HV_NVSP_PROTO_V6	0x60000u	/* Packet Direct (unused) */
#define HV_NVSP_PROTO_V61	0x60001u	/* RSC */

/*
 * Guests offer one version per INIT, newest first, until INIT_COMPLETE
 * says SUCCESS. No other version exists in any driver (§C.5), so a host
 * accepting all of these covers every guest. Use as an initializer:
 *	static const uint32_t vers[] = { HV_NVSP_PROTO_VERSIONS };
 */
#define HV_NVSP_PROTO_VERSIONS \
	HV_NVSP_PROTO_V61, HV_NVSP_PROTO_V6, HV_NVSP_PROTO_V5, \
	HV_NVSP_PROTO_V4, HV_NVSP_PROTO_V2, HV_NVSP_PROTO_V1
#define HV_NVSP_PROTO_COUNT	6u

/* ---- §C.6 NDIS versions (sent in NDIS_VER) --------------------------- */

#define HV_NDIS_VERSION_6_1	0x00060001u	/* sent with NVSP <= 0x40000 */
#define HV_NDIS_VERSION_6_20	0x00060014u	/* never sent: RSS threshold */
#define HV_NDIS_VERSION_6_30	0x0006001eu	/* sent with NVSP >= 0x50000 */

/* NDIS_VER carries the two halves in separate u32 fields. */
#define HV_NDIS_VERSION_MAJOR(v)	((uint32_t)(v) >> 16)
#define HV_NDIS_VERSION_MINOR(v)	((uint32_t)(v) & 0xffffu)

/* ---- §C.4, §C.7, §H constants ----------------------------------------- */

/*
 * Receive buffer id in RXBUF_CONN / RXBUF_REVOKE. The host echoes it as
 * xfer_pageset_id in every 0x7 packet, so it must equal the VMBus one.
 */
#define HV_NVSP_RXBUF_ID	0xcafeu
static_assert(HV_NVSP_RXBUF_ID == HV_RXBUF_XFER_PAGESET_ID, "rxbuf id");

/* Send ("chimney") buffer id: DPDK/FreeBSD value; Linux sends 0, so a
 * host must accept any value.
 */
#define HV_NVSP_CHIM_ID		0xfaceu

/* RNDIS_PKT channel_type: control requests (INIT/QUERY/SET/HALT) vs frames */
#define HV_NVSP_CHAN_DATA	0u
#define HV_NVSP_CHAN_CONTROL	1u

/* RNDIS_PKT section index meaning "not in the send buffer" (size is 0). */
#define HV_NVSP_CHIM_IDX_INVALID	0xffffffffu

/* NDIS_CONFIG mtu field is the MTU plus the Ethernet header (14). */
#define HV_NVSP_NDIS_CONFIG_MTU_ADJ	14u

/* NDIS_CONFIG capability bits (u64). What guests set, by NVSP version:
 * IEEE8021Q always; SRIOV (and TEAMING in Linux) from 0x50000; RSC from
 * 0x60001.
 */
#define HV_NVSP_NDIS_CAP_VMQ		0x01ull
#define HV_NVSP_NDIS_CAP_CHIMNEY	0x02ull
#define HV_NVSP_NDIS_CAP_SRIOV		0x04ull
#define HV_NVSP_NDIS_CAP_IEEE8021Q	0x08ull
#define HV_NVSP_NDIS_CAP_CORRELATION_ID	0x10ull
#define HV_NVSP_NDIS_CAP_TEAMING	0x20ull	/* Linux: link speed updates */
#define HV_NVSP_NDIS_CAP_VSUBNETID	0x40ull
#define HV_NVSP_NDIS_CAP_RSC		0x80ull

/* SWITCH_DATAPATH active_datapath */
#define HV_NVSP_DATAPATH_SYNTHETIC	0u
#define HV_NVSP_DATAPATH_VF		1u

/* SUBCHANNEL request op */
#define HV_NVSP_SUBCH_OP_ALLOC		1u

/* Channels a guest may use in all (primary + subchannels, §H). */
#define HV_NVSP_CHANNELS_MAX		64u

/* Send indirection table: entry count Linux accepts, and where the table
 * really is on NVSP <= 0x60000, whose hosts may report a bad offset (§C.4).
 */
#define HV_NVSP_INDIR_TABLE_ENTRIES	16u
#define HV_NVSP_INDIR_TABLE_FIXUP_OFFSET	40u

/* ---- §C.4 message bodies --------------------------------------------- */

/* Type alone: what a receiver reads first to dispatch. */
struct hv_nvsp_hdr {
	uint32_t type;		/* enum hv_nvsp_msg_type */
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_hdr, type) == 0, "nvsp hdr");
static_assert(sizeof(struct hv_nvsp_hdr) == 4, "nvsp hdr");

/* INIT (1): all drivers offer a single version, min == max. */
struct hv_nvsp_init {
	uint32_t type;
	uint32_t ver_min;
	uint32_t ver_max;
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_init, type) == 0, "nvsp init");
static_assert(offsetof(struct hv_nvsp_init, ver_min) == 4, "nvsp init");
static_assert(offsetof(struct hv_nvsp_init, ver_max) == 8, "nvsp init");
static_assert(sizeof(struct hv_nvsp_init) == 12, "nvsp init");

/* INIT_COMPLETE (2): only status matters to guests. */
struct hv_nvsp_init_complete {
	uint32_t type;
	uint32_t ver_negotiated;	/* deprecated, ignored by guests */
	uint32_t max_mdl_chain_len;	/* ignored */
	uint32_t status;		/* enum hv_nvsp_status */
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_init_complete, type) == 0, "nvsp init c");
static_assert(offsetof(struct hv_nvsp_init_complete, ver_negotiated) == 4,
	"nvsp init c");
static_assert(offsetof(struct hv_nvsp_init_complete, max_mdl_chain_len) == 8,
	"nvsp init c");
static_assert(offsetof(struct hv_nvsp_init_complete, status) == 12,
	"nvsp init c");
static_assert(sizeof(struct hv_nvsp_init_complete) == 16, "nvsp init c");

/* NDIS_VER (100): HV_NDIS_VERSION_MAJOR/MINOR of an HV_NDIS_VERSION_*. */
struct hv_nvsp_ndis_ver {
	uint32_t type;
	uint32_t ndis_major;
	uint32_t ndis_minor;
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_ndis_ver, type) == 0, "nvsp ndis ver");
static_assert(offsetof(struct hv_nvsp_ndis_ver, ndis_major) == 4, "nvsp ndis ver");
static_assert(offsetof(struct hv_nvsp_ndis_ver, ndis_minor) == 8, "nvsp ndis ver");
static_assert(sizeof(struct hv_nvsp_ndis_ver) == 12, "nvsp ndis ver");

/* RXBUF_CONN (101) */
struct hv_nvsp_rxbuf_conn {
	uint32_t type;
	uint32_t gpadl;		/* GPADL handle of the receive buffer */
	uint16_t id;		/* HV_NVSP_RXBUF_ID */
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_rxbuf_conn, type) == 0, "nvsp rxbuf");
static_assert(offsetof(struct hv_nvsp_rxbuf_conn, gpadl) == 4, "nvsp rxbuf");
static_assert(offsetof(struct hv_nvsp_rxbuf_conn, id) == 8, "nvsp rxbuf");
static_assert(sizeof(struct hv_nvsp_rxbuf_conn) == 10, "nvsp rxbuf");

/* One receive-buffer section: the host carves it into equal slots. */
struct hv_nvsp_rxbuf_section {
	uint32_t offset;		/* start in the buffer; Linux needs 0 */
	uint32_t sub_alloc_size;	/* slot size; Linux needs >= 68 */
	uint32_t num_sub_allocs;	/* slot count */
	uint32_t end_offset;
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_rxbuf_section, offset) == 0, "nvsp sect");
static_assert(offsetof(struct hv_nvsp_rxbuf_section, sub_alloc_size) == 4,
	"nvsp sect");
static_assert(offsetof(struct hv_nvsp_rxbuf_section, num_sub_allocs) == 8,
	"nvsp sect");
static_assert(offsetof(struct hv_nvsp_rxbuf_section, end_offset) == 12,
	"nvsp sect");
static_assert(sizeof(struct hv_nvsp_rxbuf_section) == 16, "nvsp sect");

/*
 * RXBUF_CONN_RESP (102). On the wire num_sections descriptors follow, but
 * Linux and DPDK reject anything other than exactly one, so the struct
 * holds one and stays a fixed 28 bytes (the DPDK minimum).
 */
struct hv_nvsp_rxbuf_conn_resp {
	uint32_t type;
	uint32_t status;		/* enum hv_nvsp_status */
	uint32_t num_sections;		/* must be 1 */
	struct hv_nvsp_rxbuf_section sections[1];
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_rxbuf_conn_resp, type) == 0, "nvsp rxresp");
static_assert(offsetof(struct hv_nvsp_rxbuf_conn_resp, status) == 4,
	"nvsp rxresp");
static_assert(offsetof(struct hv_nvsp_rxbuf_conn_resp, num_sections) == 8,
	"nvsp rxresp");
static_assert(offsetof(struct hv_nvsp_rxbuf_conn_resp, sections) == 12,
	"nvsp rxresp");
static_assert(offsetof(struct hv_nvsp_rxbuf_conn_resp, sections[0].offset) == 12,
	"nvsp rxresp");
static_assert(offsetof(struct hv_nvsp_rxbuf_conn_resp,
	sections[0].sub_alloc_size) == 16, "nvsp rxresp");
static_assert(offsetof(struct hv_nvsp_rxbuf_conn_resp,
	sections[0].num_sub_allocs) == 20, "nvsp rxresp");
static_assert(offsetof(struct hv_nvsp_rxbuf_conn_resp,
	sections[0].end_offset) == 24, "nvsp rxresp");
static_assert(sizeof(struct hv_nvsp_rxbuf_conn_resp) ==
	HV_NVSP_RXBUF_CONN_RESP_MIN, "nvsp rxresp");

/* RXBUF_REVOKE (103): no response; guests linger ~200 ms. */
struct hv_nvsp_rxbuf_revoke {
	uint32_t type;
	uint16_t id;		/* HV_NVSP_RXBUF_ID */
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_rxbuf_revoke, type) == 0, "nvsp rxrev");
static_assert(offsetof(struct hv_nvsp_rxbuf_revoke, id) == 4, "nvsp rxrev");
static_assert(sizeof(struct hv_nvsp_rxbuf_revoke) == 6, "nvsp rxrev");

/* CHIM_CONN (104): send buffer. */
struct hv_nvsp_chim_conn {
	uint32_t type;
	uint32_t gpadl;		/* GPADL handle of the send buffer */
	uint16_t id;		/* HV_NVSP_CHIM_ID (Linux 0): host ignores */
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_chim_conn, type) == 0, "nvsp chim");
static_assert(offsetof(struct hv_nvsp_chim_conn, gpadl) == 4, "nvsp chim");
static_assert(offsetof(struct hv_nvsp_chim_conn, id) == 8, "nvsp chim");
static_assert(sizeof(struct hv_nvsp_chim_conn) == 10, "nvsp chim");

/* CHIM_CONN_RESP (105): the host picks the section size. */
struct hv_nvsp_chim_conn_resp {
	uint32_t type;
	uint32_t status;	/* enum hv_nvsp_status */
	uint32_t section_size;	/* non-zero, multiple of 4, >= 68 (Linux) */
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_chim_conn_resp, type) == 0, "nvsp chresp");
static_assert(offsetof(struct hv_nvsp_chim_conn_resp, status) == 4,
	"nvsp chresp");
static_assert(offsetof(struct hv_nvsp_chim_conn_resp, section_size) == 8,
	"nvsp chresp");
static_assert(sizeof(struct hv_nvsp_chim_conn_resp) ==
	HV_NVSP_CHIM_CONN_RESP_MIN, "nvsp chresp");

/* CHIM_REVOKE (106): no response. */
struct hv_nvsp_chim_revoke {
	uint32_t type;
	uint16_t id;
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_chim_revoke, type) == 0, "nvsp chrev");
static_assert(offsetof(struct hv_nvsp_chim_revoke, id) == 4, "nvsp chrev");
static_assert(sizeof(struct hv_nvsp_chim_revoke) == 6, "nvsp chrev");

/*
 * RNDIS_PKT (107): one or more RNDIS messages, either in send-buffer
 * section chim_idx (chim_sz bytes used), or, with chim_idx =
 * HV_NVSP_CHIM_IDX_INVALID and chim_sz = 0, in the GPA ranges of the
 * carrying 0x9 packet. Linux may use both at once ("section bytes, then
 * GPA ranges" is one stream). Host->guest copies carry the same fields,
 * which guests ignore.
 */
struct hv_nvsp_rndis_pkt {
	uint32_t type;
	uint32_t chan_type;	/* HV_NVSP_CHAN_DATA / HV_NVSP_CHAN_CONTROL */
	uint32_t chim_idx;	/* send buffer section, or ..._IDX_INVALID */
	uint32_t chim_sz;	/* bytes used in that section */
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_rndis_pkt, type) == 0, "nvsp rndis");
static_assert(offsetof(struct hv_nvsp_rndis_pkt, chan_type) == 4, "nvsp rndis");
static_assert(offsetof(struct hv_nvsp_rndis_pkt, chim_idx) == 8, "nvsp rndis");
static_assert(offsetof(struct hv_nvsp_rndis_pkt, chim_sz) == 12, "nvsp rndis");
static_assert(sizeof(struct hv_nvsp_rndis_pkt) == 16, "nvsp rndis");

/* RNDIS_PKT_COMPLETE (108): status 2 means the send/receive failed. */
struct hv_nvsp_rndis_pkt_complete {
	uint32_t type;
	uint32_t status;	/* enum hv_nvsp_status */
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_rndis_pkt_complete, type) == 0,
	"nvsp rndis c");
static_assert(offsetof(struct hv_nvsp_rndis_pkt_complete, status) == 4,
	"nvsp rndis c");
static_assert(sizeof(struct hv_nvsp_rndis_pkt_complete) == 8, "nvsp rndis c");

/*
 * NDIS_CONFIG (125), NVSP >= 0x30002. The u64 capability field sits at
 * offset 12, not 8-aligned: packing is what puts it there, and readers
 * must not assume natural alignment (copy it out, or use this struct).
 */
struct hv_nvsp_ndis_config {
	uint32_t type;
	uint32_t mtu;		/* MTU + HV_NVSP_NDIS_CONFIG_MTU_ADJ */
	uint32_t reserved;	/* 0 */
	uint64_t capab;		/* HV_NVSP_NDIS_CAP_* */
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_ndis_config, type) == 0, "nvsp ndis conf");
static_assert(offsetof(struct hv_nvsp_ndis_config, mtu) == 4, "nvsp ndis conf");
static_assert(offsetof(struct hv_nvsp_ndis_config, reserved) == 8,
	"nvsp ndis conf");
static_assert(offsetof(struct hv_nvsp_ndis_config, capab) == 12,
	"nvsp ndis conf");
static_assert(sizeof(struct hv_nvsp_ndis_config) == 20, "nvsp ndis conf");

/* VF_ASSOC (128), unsolicited H->G in-band. */
struct hv_nvsp_vf_assoc {
	uint32_t type;
	uint32_t allocated;	/* 1: a VF is there and serial is valid; 0: gone */
	uint32_t serial;	/* VF serial (Linux: PCI slot name, decimal) */
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_vf_assoc, type) == 0, "nvsp vf");
static_assert(offsetof(struct hv_nvsp_vf_assoc, allocated) == 4, "nvsp vf");
static_assert(offsetof(struct hv_nvsp_vf_assoc, serial) == 8, "nvsp vf");
static_assert(sizeof(struct hv_nvsp_vf_assoc) == 12, "nvsp vf");

/* SWITCH_DATAPATH (129). With RC, the host's completion has no payload. */
struct hv_nvsp_switch_datapath {
	uint32_t type;
	uint32_t active_datapath;	/* HV_NVSP_DATAPATH_* */
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_switch_datapath, type) == 0, "nvsp dp");
static_assert(offsetof(struct hv_nvsp_switch_datapath, active_datapath) == 4,
	"nvsp dp");
static_assert(sizeof(struct hv_nvsp_switch_datapath) == 8, "nvsp dp");

/* SUBCHANNEL request (133) */
struct hv_nvsp_subch_req {
	uint32_t type;
	uint32_t op;		/* HV_NVSP_SUBCH_OP_ALLOC */
	uint32_t num_subch;	/* total channels - 1 */
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_subch_req, type) == 0, "nvsp subch");
static_assert(offsetof(struct hv_nvsp_subch_req, op) == 4, "nvsp subch");
static_assert(offsetof(struct hv_nvsp_subch_req, num_subch) == 8, "nvsp subch");
static_assert(sizeof(struct hv_nvsp_subch_req) == 12, "nvsp subch");

/* SUBCHANNEL completion (133, same code): the host may grant fewer. */
struct hv_nvsp_subch_resp {
	uint32_t type;
	uint32_t status;	/* enum hv_nvsp_status */
	uint32_t num_subch;	/* granted; never more than requested */
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_subch_resp, type) == 0, "nvsp subch c");
static_assert(offsetof(struct hv_nvsp_subch_resp, status) == 4, "nvsp subch c");
static_assert(offsetof(struct hv_nvsp_subch_resp, num_subch) == 8,
	"nvsp subch c");
static_assert(sizeof(struct hv_nvsp_subch_resp) == 12, "nvsp subch c");

/*
 * INDIR_TABLE (134), H->G: count u32 channel indices (one per send-hash
 * bucket) at byte `offset` of the NVSP message, counted from the type
 * field. On NVSP <= 0x60000 the offset may be wrong and the table is at
 * HV_NVSP_INDIR_TABLE_FIXUP_OFFSET. Not padded to 40: the table follows.
 */
struct hv_nvsp_indir_table {
	uint32_t type;
	uint32_t count;		/* HV_NVSP_INDIR_TABLE_ENTRIES */
	uint32_t offset;	/* from the start of this message */
} __attribute__((packed));

static_assert(offsetof(struct hv_nvsp_indir_table, type) == 0, "nvsp indir");
static_assert(offsetof(struct hv_nvsp_indir_table, count) == 4, "nvsp indir");
static_assert(offsetof(struct hv_nvsp_indir_table, offset) == 8, "nvsp indir");
static_assert(sizeof(struct hv_nvsp_indir_table) == 12, "nvsp indir");

/* ---- whole message, padded to HV_NVSP_MSG_SIZE ------------------------ */

/*
 * Build a request (or an emulator's response) here, zeroed, and send
 * sizeof() bytes: every fixed body fits, and the tail stays zero.
 */
union hv_nvsp_msg {
	uint32_t type;				/* enum hv_nvsp_msg_type */
	struct hv_nvsp_hdr hdr;
	struct hv_nvsp_init init;
	struct hv_nvsp_init_complete init_complete;
	struct hv_nvsp_ndis_ver ndis_ver;
	struct hv_nvsp_rxbuf_conn rxbuf_conn;
	struct hv_nvsp_rxbuf_conn_resp rxbuf_conn_resp;
	struct hv_nvsp_rxbuf_revoke rxbuf_revoke;
	struct hv_nvsp_chim_conn chim_conn;
	struct hv_nvsp_chim_conn_resp chim_conn_resp;
	struct hv_nvsp_chim_revoke chim_revoke;
	struct hv_nvsp_rndis_pkt rndis_pkt;
	struct hv_nvsp_rndis_pkt_complete rndis_pkt_complete;
	struct hv_nvsp_ndis_config ndis_config;
	struct hv_nvsp_vf_assoc vf_assoc;
	struct hv_nvsp_switch_datapath switch_datapath;
	struct hv_nvsp_subch_req subch_req;
	struct hv_nvsp_subch_resp subch_resp;
	struct hv_nvsp_indir_table indir_table;
	uint8_t raw[HV_NVSP_MSG_SIZE];
} __attribute__((packed));

static_assert(sizeof(union hv_nvsp_msg) == HV_NVSP_MSG_SIZE, "nvsp msg");
static_assert(offsetof(union hv_nvsp_msg, type) == 0, "nvsp msg");
static_assert(offsetof(union hv_nvsp_msg, init.type) == 0, "nvsp msg");
static_assert(offsetof(union hv_nvsp_msg, ndis_config.capab) == 12, "nvsp msg");
/* Linux's fall-through length checks need INIT_COMPLETE >= 28 (§C.1). */
static_assert(sizeof(union hv_nvsp_msg) >= 28, "nvsp msg");

#endif /* HV_NVSP_WIRE_H */
