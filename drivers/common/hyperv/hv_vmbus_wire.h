/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * VMBus wire formats shared by the guest (bus driver, PMD) and the host
 * simulator: ring buffer header, packet descriptors, transfer-page and
 * GPA-direct packets, the monitor and interrupt pages.
 *
 * Every field is little-endian and byte-packed (protocol doc, "Conventions").
 * Each layout is pinned with static_assert on its size and on every offset,
 * so that a mistake here fails the build instead of fooling both sides.
 */

#ifndef HV_VMBUS_WIRE_H
#define HV_VMBUS_WIRE_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

/* A Hyper-V page is 4 KiB whatever the guest's own page size (protocol §Conv). */
#define HV_PAGE_SHIFT	12
#define HV_PAGE_SIZE	(1u << HV_PAGE_SHIFT)
#define HV_PAGE_MASK	(HV_PAGE_SIZE - 1)

/* Class GUID of the synthetic NIC (netvsc). */
#define HV_NETVSC_CLASS_GUID "f8615163-df3e-46c5-913f-f2d2f965ed0e"

/* ---- §A.1 ring buffer header page ---------------------------------- */

#define HV_RING_FEAT_PENDING_SEND_SZ	0x1u

struct hv_ring_header {
	uint32_t write_index;		/* written only by the ring's writer */
	uint32_t read_index;		/* written only by the ring's reader */
	uint32_t interrupt_mask;	/* reader: 1 = do not signal me */
	uint32_t pending_send_sz;	/* writer: bytes it waits for, 0 = none */
	uint32_t reserved1[12];
	uint32_t feature_bits;		/* HV_RING_FEAT_* */
	uint8_t reserved2[4028];
	uint8_t data[];			/* data area starts on the next page */
};	/* naturally aligned: not packed, so the indices can be atomics */

static_assert(offsetof(struct hv_ring_header, write_index) == 0, "ring hdr");
static_assert(offsetof(struct hv_ring_header, read_index) == 4, "ring hdr");
static_assert(offsetof(struct hv_ring_header, interrupt_mask) == 8, "ring hdr");
static_assert(offsetof(struct hv_ring_header, pending_send_sz) == 12, "ring hdr");
static_assert(offsetof(struct hv_ring_header, feature_bits) == 64, "ring hdr");
static_assert(offsetof(struct hv_ring_header, data) == HV_PAGE_SIZE, "ring hdr");
static_assert(sizeof(struct hv_ring_header) == HV_PAGE_SIZE, "ring hdr");

/* Every packet is followed by this trailer: its start offset << 32 (§A.2). */
#define HV_RING_TRAILER_SIZE	8u

/* ---- §B.1 packet descriptor ----------------------------------------- */

enum hv_pkt_type {
	HV_PKT_INVALID		= 0x0,
	HV_PKT_SYNCH		= 0x1,
	HV_PKT_ADD_XFER_PAGESET	= 0x2,
	HV_PKT_RM_XFER_PAGESET	= 0x3,
	HV_PKT_ESTABLISH_GPADL	= 0x4,
	HV_PKT_TEARDOWN_GPADL	= 0x5,
	HV_PKT_DATA_INBAND	= 0x6,
	HV_PKT_DATA_XFER_PAGES	= 0x7,
	HV_PKT_DATA_GPADL	= 0x8,
	HV_PKT_DATA_GPA_DIRECT	= 0x9,
	HV_PKT_CANCEL		= 0xa,
	HV_PKT_COMPLETION	= 0xb,
	HV_PKT_DATA_ADDITIONAL	= 0xc,
	HV_PKT_ADDITIONAL_DATA	= 0xd,
};

#define HV_PKT_FLAG_COMPLETION_REQUESTED	0x1u

struct hv_pkt_desc {
	uint16_t type;		/* enum hv_pkt_type */
	uint16_t offset8;	/* header length in 8-byte units, >= 2 */
	uint16_t len8;		/* whole packet length in 8-byte units */
	uint16_t flags;		/* HV_PKT_FLAG_* */
	uint64_t trans_id;	/* opaque, echoed in the completion */
} __attribute__((packed));

static_assert(offsetof(struct hv_pkt_desc, type) == 0, "desc");
static_assert(offsetof(struct hv_pkt_desc, offset8) == 2, "desc");
static_assert(offsetof(struct hv_pkt_desc, len8) == 4, "desc");
static_assert(offsetof(struct hv_pkt_desc, flags) == 6, "desc");
static_assert(offsetof(struct hv_pkt_desc, trans_id) == 8, "desc");
static_assert(sizeof(struct hv_pkt_desc) == 16, "desc");

/* ---- §B.3 transfer-page packet (host -> guest receive) --------------- */

#define HV_RXBUF_XFER_PAGESET_ID	0xcafeu

struct hv_xfer_range {
	uint32_t byte_count;
	uint32_t byte_offset;	/* from the start of the receive buffer */
} __attribute__((packed));

static_assert(offsetof(struct hv_xfer_range, byte_count) == 0, "xfer range");
static_assert(offsetof(struct hv_xfer_range, byte_offset) == 4, "xfer range");
static_assert(sizeof(struct hv_xfer_range) == 8, "xfer range");

struct hv_xfer_page_hdr {
	struct hv_pkt_desc desc;
	uint16_t xfer_pageset_id;	/* must be HV_RXBUF_XFER_PAGESET_ID */
	uint8_t sender_owns_set;
	uint8_t reserved;
	uint32_t range_cnt;
	struct hv_xfer_range ranges[];
} __attribute__((packed));

static_assert(offsetof(struct hv_xfer_page_hdr, xfer_pageset_id) == 16, "xfer");
static_assert(offsetof(struct hv_xfer_page_hdr, sender_owns_set) == 18, "xfer");
static_assert(offsetof(struct hv_xfer_page_hdr, reserved) == 19, "xfer");
static_assert(offsetof(struct hv_xfer_page_hdr, range_cnt) == 20, "xfer");
static_assert(offsetof(struct hv_xfer_page_hdr, ranges) == 24, "xfer");
static_assert(sizeof(struct hv_xfer_page_hdr) == 24, "xfer");

/* ---- §B.4 GPA-direct packet (guest -> host page buffer) -------------- */

/* Hosts accept at most this many ranges in one GPA-direct packet. */
#define HV_GPA_RANGES_MAX	32u

/* Classic single-PFN range ("page buffer"): one per page. */
struct hv_gpa_range {
	uint32_t byte_count;
	uint32_t byte_offset;	/* within the page, < HV_PAGE_SIZE */
	uint64_t pfn;		/* guest physical address >> HV_PAGE_SHIFT */
} __attribute__((packed));

static_assert(offsetof(struct hv_gpa_range, byte_count) == 0, "gpa range");
static_assert(offsetof(struct hv_gpa_range, byte_offset) == 4, "gpa range");
static_assert(offsetof(struct hv_gpa_range, pfn) == 8, "gpa range");
static_assert(sizeof(struct hv_gpa_range) == 16, "gpa range");

struct hv_gpa_direct_hdr {
	struct hv_pkt_desc desc;
	uint32_t reserved;
	uint32_t range_count;
	/* ranges follow: single-PFN struct hv_gpa_range, or multi-PFN
	 * {byte_count, byte_offset, pfn[k]} entries back to back */
} __attribute__((packed));

static_assert(offsetof(struct hv_gpa_direct_hdr, reserved) == 16, "gpa");
static_assert(offsetof(struct hv_gpa_direct_hdr, range_count) == 20, "gpa");
static_assert(sizeof(struct hv_gpa_direct_hdr) == 24, "gpa");

/* ---- uio_hv_generic regions (uio-hv-generic.md) ----------------------- */

enum hv_uio_region {
	HV_UIO_TXRX_RING	= 0,
	HV_UIO_INT_PAGE		= 1,
	HV_UIO_MON_PAGE		= 2,
	HV_UIO_RECV_BUF		= 3,
	HV_UIO_SEND_BUF		= 4,
	HV_UIO_REGION_COUNT	= 5,
};

/* Guest->host half of the interrupt page starts half way in. */
#define HV_INT_PAGE_TX_OFFSET	2048u

/* ---- monitor page (Hyper-V TLFS layout) ------------------------------ */

#define HV_MONITOR_GROUPS	4u
#define HV_MONITOR_PER_GROUP	32u
#define HV_MONITOR_ID_MAX	(HV_MONITOR_GROUPS * HV_MONITOR_PER_GROUP)

struct hv_monitor_trigger_group {
	uint32_t pending;	/* guest sets bit (id % 32) to signal */
	uint32_t armed;
} __attribute__((packed));

struct hv_monitor_parameter {
	uint32_t connection_id;
	uint16_t flag_number;
	uint16_t reserved;
} __attribute__((packed));

struct hv_monitor_page {
	uint32_t trigger_state;
	uint32_t reserved1;
	struct hv_monitor_trigger_group trigger_group[HV_MONITOR_GROUPS];
	uint64_t reserved2[3];
	int32_t next_check_time[HV_MONITOR_GROUPS][HV_MONITOR_PER_GROUP];
	/* host scan latency per monitor id, in 100 ns units */
	uint16_t latency[HV_MONITOR_GROUPS][HV_MONITOR_PER_GROUP];
	uint64_t reserved3[32];
	struct hv_monitor_parameter parameter[HV_MONITOR_GROUPS][HV_MONITOR_PER_GROUP];
	uint8_t reserved4[1984];
} __attribute__((packed));

static_assert(offsetof(struct hv_monitor_page, trigger_group) == 8, "mon");
static_assert(offsetof(struct hv_monitor_page, next_check_time) == 64, "mon");
static_assert(offsetof(struct hv_monitor_page, latency) == 576, "mon");
static_assert(offsetof(struct hv_monitor_page, reserved3) == 832, "mon");
static_assert(offsetof(struct hv_monitor_page, parameter) == 1088, "mon");
static_assert(sizeof(struct hv_monitor_page) == HV_PAGE_SIZE, "mon");

#endif /* HV_VMBUS_WIRE_H */
