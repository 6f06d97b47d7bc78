/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RNDIS and NDIS wire formats shared by the guest PMD and the host
 * simulator (protocol doc §E, §F, §H): RNDIS control and packet messages,
 * status codes and indications, OIDs, per-packet info (PPI) and its bit
 * encodings, and the NDIS objects carried as OID data (offload
 * capabilities and parameters, RSS capabilities and parameters).
 *
 * Every field is little-endian. RNDIS messages are byte-packed. Some NDIS
 * objects are laid out with natural alignment by Windows; they are
 * declared packed too, with the alignment padding spelled out as fields,
 * so the layout is explicit and the structs can be overlaid on any byte
 * of a buffer. Each layout is pinned with static_assert on its size and
 * on every offset, so that a mistake here fails the build instead of
 * fooling guest and host alike.
 */

#ifndef HV_RNDIS_WIRE_H
#define HV_RNDIS_WIRE_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- §E.1 message types ----------------------------------------------- */

/* A completion's type is its request's type with this bit set. */
#define HV_RNDIS_MSG_CMPLT		0x80000000u

#define HV_RNDIS_PACKET_MSG		0x00000001u
#define HV_RNDIS_INITIALIZE_MSG		0x00000002u
#define HV_RNDIS_INITIALIZE_CMPLT	0x80000002u
#define HV_RNDIS_HALT_MSG		0x00000003u	/* no completion */
#define HV_RNDIS_QUERY_MSG		0x00000004u
#define HV_RNDIS_QUERY_CMPLT		0x80000004u
#define HV_RNDIS_SET_MSG		0x00000005u
#define HV_RNDIS_SET_CMPLT		0x80000005u
#define HV_RNDIS_RESET_MSG		0x00000006u	/* never sent by netvsc */
#define HV_RNDIS_RESET_CMPLT		0x80000006u
#define HV_RNDIS_INDICATE_STATUS_MSG	0x00000007u
#define HV_RNDIS_KEEPALIVE_MSG		0x00000008u
#define HV_RNDIS_KEEPALIVE_CMPLT	0x80000008u

/* Guest->host RNDIS version (INITIALIZE_MSG). */
#define HV_RNDIS_VERSION_MAJOR		1u
#define HV_RNDIS_VERSION_MINOR		0u

/*
 * Every "offset" in an RNDIS message counts from byte 8, the first byte
 * after {type, len} (the rid, or data_offset in PACKET_MSG).
 */
#define HV_RNDIS_OFFSET_BASE		8u

/* INITIALIZE_CMPLT values */
#define HV_RNDIS_DF_CONNECTIONLESS	0x1u	/* device_flags */
#define HV_RNDIS_MEDIUM_802_3		0u	/* medium */

/* Guest's INITIALIZE_MSG max_transfer_size (Linux, DPDK; FreeBSD 2048). */
#define HV_RNDIS_INIT_MAX_XFER_SIZE	0x4000u

/*
 * Aggregation defaults until INITIALIZE_CMPLT says otherwise (Linux):
 * at most 8 packets per message, each starting 8-byte aligned, i.e.
 * alignment factor 3 (the factor is a power-of-two exponent).
 */
#define HV_RNDIS_PKTS_PER_MSG_DEFAULT	8u
#define HV_RNDIS_PKT_ALIGN_FACTOR_DEFAULT 3u
#define HV_RNDIS_PKT_ALIGN_DEFAULT	(1u << HV_RNDIS_PKT_ALIGN_FACTOR_DEFAULT)

/* Control requests: DPDK keeps one within a page; responses are up to
 * about 4 KiB (Linux RNDIS_EXT_LEN).
 */
#define HV_RNDIS_CTRL_MSG_MAX		4096u

/* ---- §E.3 status codes ------------------------------------------------ */

#define HV_RNDIS_STATUS_SUCCESS		0x00000000u
#define HV_RNDIS_STATUS_PENDING		0x00000103u
#define HV_RNDIS_STATUS_BUFFER_OVERFLOW	0x80000005u	/* Linux internal */
#define HV_RNDIS_STATUS_FAILURE		0xc0000001u
#define HV_RNDIS_STATUS_RESOURCES	0xc000009au
#define HV_RNDIS_STATUS_NOT_SUPPORTED	0xc00000bbu
#define HV_RNDIS_STATUS_INVALID_LENGTH	0xc0010014u
#define HV_RNDIS_STATUS_INVALID_DATA	0xc0010015u
#define HV_RNDIS_STATUS_BUFFER_TOO_SHORT 0xc0010016u
#define HV_RNDIS_STATUS_INVALID_OID	0xc0010017u

/* Status indications (INDICATE_STATUS_MSG status field) */
#define HV_RNDIS_STATUS_MEDIA_CONNECT		0x4001000bu
#define HV_RNDIS_STATUS_MEDIA_DISCONNECT	0x4001000cu
#define HV_RNDIS_STATUS_LINK_SPEED_CHANGE	0x40010013u	/* u32, 100 bit/s */
#define HV_RNDIS_STATUS_NETWORK_CHANGE		0x40010018u	/* u32 type, opt. */
#define HV_RNDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG 0x40020006u

/* NETWORK_CHANGE buffer values, when present */
#define HV_RNDIS_NETCHANGE_POSSIBLE	1u
#define HV_RNDIS_NETCHANGE_DEFINITE	2u
#define HV_RNDIS_NETCHANGE_FROM_MEDIA	3u

/* ---- §E.1 message layouts --------------------------------------------- */

/* What every RNDIS message starts with; len covers the whole message. */
struct hv_rndis_msg_hdr {
	uint32_t type;		/* HV_RNDIS_*_MSG / _CMPLT */
	uint32_t len;
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_msg_hdr, type) == 0, "rndis hdr");
static_assert(offsetof(struct hv_rndis_msg_hdr, len) == 4, "rndis hdr");
static_assert(sizeof(struct hv_rndis_msg_hdr) == HV_RNDIS_OFFSET_BASE,
	"rndis hdr");

/* Request ids (rid) are non-zero and echoed verbatim by the host. */

struct hv_rndis_init_msg {
	uint32_t type;			/* HV_RNDIS_INITIALIZE_MSG */
	uint32_t len;
	uint32_t rid;
	uint32_t ver_major;		/* HV_RNDIS_VERSION_MAJOR */
	uint32_t ver_minor;		/* HV_RNDIS_VERSION_MINOR */
	uint32_t max_xfer_size;
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_init_msg, type) == 0, "rndis init");
static_assert(offsetof(struct hv_rndis_init_msg, len) == 4, "rndis init");
static_assert(offsetof(struct hv_rndis_init_msg, rid) == 8, "rndis init");
static_assert(offsetof(struct hv_rndis_init_msg, ver_major) == 12, "rndis init");
static_assert(offsetof(struct hv_rndis_init_msg, ver_minor) == 16, "rndis init");
static_assert(offsetof(struct hv_rndis_init_msg, max_xfer_size) == 20,
	"rndis init");
static_assert(sizeof(struct hv_rndis_init_msg) == 24, "rndis init");

/* DPDK accepts a completion without the two af_list fields (48 bytes). */
#define HV_RNDIS_INIT_CMPLT_MIN_LEN	48u

struct hv_rndis_init_cmplt {
	uint32_t type;			/* HV_RNDIS_INITIALIZE_CMPLT */
	uint32_t len;
	uint32_t rid;
	uint32_t status;		/* HV_RNDIS_STATUS_* */
	uint32_t ver_major;
	uint32_t ver_minor;
	uint32_t dev_flags;		/* HV_RNDIS_DF_CONNECTIONLESS */
	uint32_t medium;		/* HV_RNDIS_MEDIUM_802_3 */
	uint32_t max_pkts_per_msg;	/* aggregation limit */
	uint32_t max_xfer_size;		/* aggregation byte limit */
	uint32_t align_factor;		/* log2 of per-packet alignment */
	uint32_t af_list_offset;
	uint32_t af_list_size;
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_init_cmplt, type) == 0, "rndis init c");
static_assert(offsetof(struct hv_rndis_init_cmplt, len) == 4, "rndis init c");
static_assert(offsetof(struct hv_rndis_init_cmplt, rid) == 8, "rndis init c");
static_assert(offsetof(struct hv_rndis_init_cmplt, status) == 12, "rndis init c");
static_assert(offsetof(struct hv_rndis_init_cmplt, ver_major) == 16,
	"rndis init c");
static_assert(offsetof(struct hv_rndis_init_cmplt, ver_minor) == 20,
	"rndis init c");
static_assert(offsetof(struct hv_rndis_init_cmplt, dev_flags) == 24,
	"rndis init c");
static_assert(offsetof(struct hv_rndis_init_cmplt, medium) == 28, "rndis init c");
static_assert(offsetof(struct hv_rndis_init_cmplt, max_pkts_per_msg) == 32,
	"rndis init c");
static_assert(offsetof(struct hv_rndis_init_cmplt, max_xfer_size) == 36,
	"rndis init c");
static_assert(offsetof(struct hv_rndis_init_cmplt, align_factor) == 40,
	"rndis init c");
static_assert(offsetof(struct hv_rndis_init_cmplt, af_list_offset) == 44,
	"rndis init c");
static_assert(offsetof(struct hv_rndis_init_cmplt, af_list_size) == 48,
	"rndis init c");
static_assert(sizeof(struct hv_rndis_init_cmplt) == 52, "rndis init c");

/* HALT gets no RNDIS completion, only the NVSP 108 send completion. */
struct hv_rndis_halt_msg {
	uint32_t type;			/* HV_RNDIS_HALT_MSG */
	uint32_t len;
	uint32_t rid;
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_halt_msg, type) == 0, "rndis halt");
static_assert(offsetof(struct hv_rndis_halt_msg, len) == 4, "rndis halt");
static_assert(offsetof(struct hv_rndis_halt_msg, rid) == 8, "rndis halt");
static_assert(sizeof(struct hv_rndis_halt_msg) == 12, "rndis halt");

/*
 * QUERY_MSG; input data (if any) follows at info_offset. Hyper-V fails a
 * query whose info_offset is 0, so guests always send
 * HV_RNDIS_QUERY_INFO_OFFSET, with info_len 0 when there is no input.
 */
struct hv_rndis_query_msg {
	uint32_t type;			/* HV_RNDIS_QUERY_MSG */
	uint32_t len;
	uint32_t rid;
	uint32_t oid;			/* HV_OID_* */
	uint32_t info_len;
	uint32_t info_offset;		/* from rid */
	uint32_t dev_vc_handle;		/* 0 */
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_query_msg, type) == 0, "rndis query");
static_assert(offsetof(struct hv_rndis_query_msg, len) == 4, "rndis query");
static_assert(offsetof(struct hv_rndis_query_msg, rid) == 8, "rndis query");
static_assert(offsetof(struct hv_rndis_query_msg, oid) == 12, "rndis query");
static_assert(offsetof(struct hv_rndis_query_msg, info_len) == 16,
	"rndis query");
static_assert(offsetof(struct hv_rndis_query_msg, info_offset) == 20,
	"rndis query");
static_assert(offsetof(struct hv_rndis_query_msg, dev_vc_handle) == 24,
	"rndis query");
static_assert(sizeof(struct hv_rndis_query_msg) == 28, "rndis query");

/* Data right after the QUERY/SET header: absolute byte 28. */
#define HV_RNDIS_QUERY_INFO_OFFSET	20u
static_assert(HV_RNDIS_OFFSET_BASE + HV_RNDIS_QUERY_INFO_OFFSET ==
	sizeof(struct hv_rndis_query_msg), "rndis query");

/*
 * QUERY_CMPLT; data at info_offset (typically 16: right after this
 * header). Guests accept any offset >= 16 that stays inside the message;
 * info_len 0 or info_offset 0 means "no data".
 */
struct hv_rndis_query_cmplt {
	uint32_t type;			/* HV_RNDIS_QUERY_CMPLT */
	uint32_t len;
	uint32_t rid;
	uint32_t status;		/* HV_RNDIS_STATUS_* */
	uint32_t info_len;
	uint32_t info_offset;		/* from rid */
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_query_cmplt, type) == 0, "rndis query c");
static_assert(offsetof(struct hv_rndis_query_cmplt, len) == 4, "rndis query c");
static_assert(offsetof(struct hv_rndis_query_cmplt, rid) == 8, "rndis query c");
static_assert(offsetof(struct hv_rndis_query_cmplt, status) == 12,
	"rndis query c");
static_assert(offsetof(struct hv_rndis_query_cmplt, info_len) == 16,
	"rndis query c");
static_assert(offsetof(struct hv_rndis_query_cmplt, info_offset) == 20,
	"rndis query c");
static_assert(sizeof(struct hv_rndis_query_cmplt) == 24, "rndis query c");

#define HV_RNDIS_QUERY_CMPLT_INFO_OFFSET	16u
static_assert(HV_RNDIS_OFFSET_BASE + HV_RNDIS_QUERY_CMPLT_INFO_OFFSET ==
	sizeof(struct hv_rndis_query_cmplt), "rndis query c");

/* SET_MSG: same layout as QUERY_MSG; data at HV_RNDIS_SET_INFO_OFFSET. */
struct hv_rndis_set_msg {
	uint32_t type;			/* HV_RNDIS_SET_MSG */
	uint32_t len;
	uint32_t rid;
	uint32_t oid;			/* HV_OID_* */
	uint32_t info_len;
	uint32_t info_offset;		/* from rid */
	uint32_t dev_vc_handle;		/* 0 */
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_set_msg, type) == 0, "rndis set");
static_assert(offsetof(struct hv_rndis_set_msg, len) == 4, "rndis set");
static_assert(offsetof(struct hv_rndis_set_msg, rid) == 8, "rndis set");
static_assert(offsetof(struct hv_rndis_set_msg, oid) == 12, "rndis set");
static_assert(offsetof(struct hv_rndis_set_msg, info_len) == 16, "rndis set");
static_assert(offsetof(struct hv_rndis_set_msg, info_offset) == 20, "rndis set");
static_assert(offsetof(struct hv_rndis_set_msg, dev_vc_handle) == 24,
	"rndis set");
static_assert(sizeof(struct hv_rndis_set_msg) == 28, "rndis set");

#define HV_RNDIS_SET_INFO_OFFSET	20u
static_assert(HV_RNDIS_OFFSET_BASE + HV_RNDIS_SET_INFO_OFFSET ==
	sizeof(struct hv_rndis_set_msg), "rndis set");

struct hv_rndis_set_cmplt {
	uint32_t type;			/* HV_RNDIS_SET_CMPLT */
	uint32_t len;
	uint32_t rid;
	uint32_t status;		/* HV_RNDIS_STATUS_* */
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_set_cmplt, type) == 0, "rndis set c");
static_assert(offsetof(struct hv_rndis_set_cmplt, len) == 4, "rndis set c");
static_assert(offsetof(struct hv_rndis_set_cmplt, rid) == 8, "rndis set c");
static_assert(offsetof(struct hv_rndis_set_cmplt, status) == 12, "rndis set c");
static_assert(sizeof(struct hv_rndis_set_cmplt) == 16, "rndis set c");

struct hv_rndis_reset_msg {
	uint32_t type;			/* HV_RNDIS_RESET_MSG */
	uint32_t len;
	uint32_t reserved;
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_reset_msg, type) == 0, "rndis reset");
static_assert(offsetof(struct hv_rndis_reset_msg, len) == 4, "rndis reset");
static_assert(offsetof(struct hv_rndis_reset_msg, reserved) == 8, "rndis reset");
static_assert(sizeof(struct hv_rndis_reset_msg) == 12, "rndis reset");

/* RESET_CMPLT has no rid: there is only ever one reset. */
struct hv_rndis_reset_cmplt {
	uint32_t type;			/* HV_RNDIS_RESET_CMPLT */
	uint32_t len;
	uint32_t status;
	uint32_t addr_reset;
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_reset_cmplt, type) == 0, "rndis reset c");
static_assert(offsetof(struct hv_rndis_reset_cmplt, len) == 4, "rndis reset c");
static_assert(offsetof(struct hv_rndis_reset_cmplt, status) == 8,
	"rndis reset c");
static_assert(offsetof(struct hv_rndis_reset_cmplt, addr_reset) == 12,
	"rndis reset c");
static_assert(sizeof(struct hv_rndis_reset_cmplt) == 16, "rndis reset c");

/* INDICATE_STATUS_MSG: unsolicited, arrives mixed with data. */
struct hv_rndis_status_msg {
	uint32_t type;			/* HV_RNDIS_INDICATE_STATUS_MSG */
	uint32_t len;
	uint32_t status;		/* HV_RNDIS_STATUS_<indication> */
	uint32_t status_buf_len;
	uint32_t status_buf_offset;	/* from byte 8 */
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_status_msg, type) == 0, "rndis status");
static_assert(offsetof(struct hv_rndis_status_msg, len) == 4, "rndis status");
static_assert(offsetof(struct hv_rndis_status_msg, status) == 8, "rndis status");
static_assert(offsetof(struct hv_rndis_status_msg, status_buf_len) == 12,
	"rndis status");
static_assert(offsetof(struct hv_rndis_status_msg, status_buf_offset) == 16,
	"rndis status");
static_assert(sizeof(struct hv_rndis_status_msg) == 20, "rndis status");

/* Optional diagnostic block after an error indication's header. */
struct hv_rndis_diag_info {
	uint32_t diag_status;
	uint32_t error_offset;
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_diag_info, diag_status) == 0,
	"rndis diag");
static_assert(offsetof(struct hv_rndis_diag_info, error_offset) == 4,
	"rndis diag");
static_assert(sizeof(struct hv_rndis_diag_info) == 8, "rndis diag");

struct hv_rndis_keepalive_msg {
	uint32_t type;			/* HV_RNDIS_KEEPALIVE_MSG */
	uint32_t len;
	uint32_t rid;
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_keepalive_msg, type) == 0, "rndis ka");
static_assert(offsetof(struct hv_rndis_keepalive_msg, len) == 4, "rndis ka");
static_assert(offsetof(struct hv_rndis_keepalive_msg, rid) == 8, "rndis ka");
static_assert(sizeof(struct hv_rndis_keepalive_msg) == 12, "rndis ka");

struct hv_rndis_keepalive_cmplt {
	uint32_t type;			/* HV_RNDIS_KEEPALIVE_CMPLT */
	uint32_t len;
	uint32_t rid;
	uint32_t status;
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_keepalive_cmplt, type) == 0,
	"rndis ka c");
static_assert(offsetof(struct hv_rndis_keepalive_cmplt, len) == 4, "rndis ka c");
static_assert(offsetof(struct hv_rndis_keepalive_cmplt, rid) == 8, "rndis ka c");
static_assert(offsetof(struct hv_rndis_keepalive_cmplt, status) == 12,
	"rndis ka c");
static_assert(sizeof(struct hv_rndis_keepalive_cmplt) == 16, "rndis ka c");

/* ---- §F.1 PACKET_MSG --------------------------------------------------- */

/*
 * Offsets count from byte 8 (data_offset's own position): the frame is at
 * absolute byte 8 + data_offset, the first PPI at 8 + ppi_offset.
 * Guests send ppi_offset = 36 (PPIs right after this header) and
 * data_offset = 36 + ppi_len. The host's data_offset need not be
 * 4-aligned, so a guest checks it only against the minimum; ppi_offset
 * must be a multiple of 4.
 */
struct hv_rndis_packet_msg {
	uint32_t type;			/* HV_RNDIS_PACKET_MSG */
	uint32_t len;			/* incl. aggregation padding */
	uint32_t data_offset;		/* from byte 8 */
	uint32_t data_len;		/* frame, no FCS, no VLAN tag */
	uint32_t oob_data_offset;	/* 0 */
	uint32_t oob_data_len;		/* 0 */
	uint32_t oob_num_elements;	/* 0 */
	uint32_t ppi_offset;		/* from byte 8; 0 = none */
	uint32_t ppi_len;		/* all PPI entries */
	uint32_t vc_handle;		/* 0 */
	uint32_t reserved;		/* 0 */
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_packet_msg, type) == 0, "rndis pkt");
static_assert(offsetof(struct hv_rndis_packet_msg, len) == 4, "rndis pkt");
static_assert(offsetof(struct hv_rndis_packet_msg, data_offset) == 8,
	"rndis pkt");
static_assert(offsetof(struct hv_rndis_packet_msg, data_len) == 12, "rndis pkt");
static_assert(offsetof(struct hv_rndis_packet_msg, oob_data_offset) == 16,
	"rndis pkt");
static_assert(offsetof(struct hv_rndis_packet_msg, oob_data_len) == 20,
	"rndis pkt");
static_assert(offsetof(struct hv_rndis_packet_msg, oob_num_elements) == 24,
	"rndis pkt");
static_assert(offsetof(struct hv_rndis_packet_msg, ppi_offset) == 28,
	"rndis pkt");
static_assert(offsetof(struct hv_rndis_packet_msg, ppi_len) == 32, "rndis pkt");
static_assert(offsetof(struct hv_rndis_packet_msg, vc_handle) == 36,
	"rndis pkt");
static_assert(offsetof(struct hv_rndis_packet_msg, reserved) == 40, "rndis pkt");
static_assert(sizeof(struct hv_rndis_packet_msg) == 44, "rndis pkt");

/* Smallest legal data_offset / ppi_offset: right after the 44-byte header. */
#define HV_RNDIS_PACKET_MSG_OFFSET_MIN	36u
static_assert(HV_RNDIS_OFFSET_BASE + HV_RNDIS_PACKET_MSG_OFFSET_MIN ==
	sizeof(struct hv_rndis_packet_msg), "rndis pkt");

/* Absolute position of something a PACKET_MSG offset points at. */
#define HV_RNDIS_PACKET_MSG_ABS(off)	(HV_RNDIS_OFFSET_BASE + (off))

/* Smallest data_len a DPDK guest accepts on receive (an Ethernet header). */
#define HV_RNDIS_RX_DATA_LEN_MIN	14u

/* ---- §F.2 per-packet info (PPI) ---------------------------------------- */

/*
 * Entries sit back to back. size covers header and data and must be a
 * multiple of 4; data is at offset (always 12 in practice) from the entry
 * and is size - offset bytes long.
 */
struct hv_rndis_ppi {
	uint32_t size;
	uint32_t type;		/* HV_RNDIS_PPI_* */
	uint32_t offset;	/* from the start of this entry to the data */
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_ppi, size) == 0, "rndis ppi");
static_assert(offsetof(struct hv_rndis_ppi, type) == 4, "rndis ppi");
static_assert(offsetof(struct hv_rndis_ppi, offset) == 8, "rndis ppi");
static_assert(sizeof(struct hv_rndis_ppi) == 12, "rndis ppi");

#define HV_RNDIS_PPI_HDR_SIZE		12u
/* Size of a PPI entry carrying dlen bytes of data. */
#define HV_RNDIS_PPI_SIZE(dlen)		(HV_RNDIS_PPI_HDR_SIZE + (dlen))

/* Write a PPI entry of type carrying one u32 at p; returns its size. Every
 * PPI either side sends (VLAN, checksum, LSO, hash, fragment id) is one. */
static inline uint32_t
hv_rndis_ppi_put_u32(uint8_t *p, uint32_t type, uint32_t value)
{
	const struct hv_rndis_ppi e = {
		.size = HV_RNDIS_PPI_SIZE(sizeof(value)),
		.type = type,
		.offset = HV_RNDIS_PPI_HDR_SIZE,
	};

	memcpy(p, &e, sizeof(e));
	memcpy(p + sizeof(e), &value, sizeof(value));
	return e.size;
}

/* ---- §F.3 PPI types ---------------------------------------------------- */

#define HV_RNDIS_PPI_CSUM		0u	/* u32: TX request / RX result */
#define HV_RNDIS_PPI_IPSEC		1u	/* unused */
#define HV_RNDIS_PPI_LSO		2u	/* u32: LSOv2 TX */
#define HV_RNDIS_PPI_CLASSIFY		3u	/* unused */
#define HV_RNDIS_PPI_SGLIST		5u	/* unused */
#define HV_RNDIS_PPI_VLAN		6u	/* u32: TX and RX tag */
#define HV_RNDIS_PPI_ORIG		7u	/* unused */
/* RX: RSS hash; TX: the guest's queue index or flow hash, never a hash
 * the host should trust (§F.5).
 */
#define HV_RNDIS_PPI_HASHVAL		8u
#define HV_RNDIS_PPI_HASHINF		9u	/* u32: HV_NDIS_HASH_* bits */
#define HV_RNDIS_PPI_CACHE_NBLIST	10u	/* unused */
#define HV_RNDIS_PPI_PKT_PAD		11u	/* unused */

/*
 * Bit 31 marks Linux's "internal" types. DPDK and FreeBSD compare all 32
 * bits and so ignore them; the only one is the RSC fragment id.
 */
#define HV_RNDIS_PPI_INTERNAL		0x80000000u
#define HV_RNDIS_PPI_TYPE_MASK		0x7fffffffu
#define HV_RNDIS_PPI_PKTINFO_ID		(HV_RNDIS_PPI_INTERNAL | 1u)

/* Data size of each PPI type in use. */
#define HV_RNDIS_PPI_CSUM_SIZE		4u
#define HV_RNDIS_PPI_LSO_SIZE		4u
#define HV_RNDIS_PPI_VLAN_SIZE		4u
#define HV_RNDIS_PPI_HASHVAL_SIZE	4u
#define HV_RNDIS_PPI_HASHINF_SIZE	4u
#define HV_RNDIS_PPI_PKTINFO_ID_SIZE	4u

/* ---- §F.4 bit encodings ------------------------------------------------ */

/*
 * VLAN PPI (u32). Not the 802.1Q TCI layout: priority is in the low bits
 * and the VLAN id above them. The host always strips the tag on receive,
 * and a guest must move a TX tag from the frame into this PPI.
 */
#define HV_RNDIS_VLAN_PRI_MASK		0x00000007u	/* bits 0-2 */
#define HV_RNDIS_VLAN_PRI_SHIFT		0
#define HV_RNDIS_VLAN_CFI		0x00000008u	/* bit 3, CFI/DEI */
#define HV_RNDIS_VLAN_ID_MASK		0x0000fff0u	/* bits 4-15 */
#define HV_RNDIS_VLAN_ID_SHIFT		4
/* bits 16-31 reserved, 0 */

#define HV_RNDIS_VLAN_ID(v)	(((uint32_t)(v) & HV_RNDIS_VLAN_ID_MASK) >> \
				 HV_RNDIS_VLAN_ID_SHIFT)
#define HV_RNDIS_VLAN_PRI(v)	(((uint32_t)(v) & HV_RNDIS_VLAN_PRI_MASK) >> \
				 HV_RNDIS_VLAN_PRI_SHIFT)
/* 802.1Q TCI (pri 13-15, DEI 12, id 0-11) <-> PPI value */
#define HV_RNDIS_VLAN_FROM_TCI(tci) \
	((((uint32_t)(tci) & 0x0fffu) << HV_RNDIS_VLAN_ID_SHIFT) | \
	 ((((uint32_t)(tci) >> 12) & 0x1u) << 3) | \
	 (((uint32_t)(tci) >> 13) & 0x7u))
#define HV_RNDIS_VLAN_TO_TCI(v) \
	((uint16_t)((HV_RNDIS_VLAN_ID(v)) | \
		    (((uint32_t)(v) & HV_RNDIS_VLAN_CFI) ? 0x1000u : 0u) | \
		    (HV_RNDIS_VLAN_PRI(v) << 13)))

/*
 * TX checksum request (CSUM PPI, u32). The header offset is that of the
 * transport header from the frame start; FreeBSD sends 0, so a host must
 * not depend on it.
 */
#define HV_RNDIS_TXCSUM_IPV4		0x00000001u
#define HV_RNDIS_TXCSUM_IPV6		0x00000002u
#define HV_RNDIS_TXCSUM_TCP		0x00000004u
#define HV_RNDIS_TXCSUM_UDP		0x00000008u
#define HV_RNDIS_TXCSUM_IP		0x00000010u	/* IPv4 header checksum */
#define HV_RNDIS_TXCSUM_HDROFF_MASK	0x03ff0000u	/* bits 16-25 */
#define HV_RNDIS_TXCSUM_HDROFF_SHIFT	16
#define HV_RNDIS_TXCSUM_HDROFF(off) \
	(((uint32_t)(off) << HV_RNDIS_TXCSUM_HDROFF_SHIFT) & \
	 HV_RNDIS_TXCSUM_HDROFF_MASK)

/* RX checksum result (CSUM PPI, u32). No PPI means "not checked". */
#define HV_RNDIS_RXCSUM_TCP_FAILED	0x001u
#define HV_RNDIS_RXCSUM_UDP_FAILED	0x002u
#define HV_RNDIS_RXCSUM_IP_FAILED	0x004u
#define HV_RNDIS_RXCSUM_TCP_OK		0x008u
#define HV_RNDIS_RXCSUM_UDP_OK		0x010u
#define HV_RNDIS_RXCSUM_IP_OK		0x020u
#define HV_RNDIS_RXCSUM_LOOPBACK	0x040u
#define HV_RNDIS_RXCSUM_TCP_INVALID	0x080u	/* TCP checksum value stale */
/* IPv4 header checksum field not recomputed (e.g. after RSC): recompute. */
#define HV_RNDIS_RXCSUM_IP_INVALID	0x100u

/* LSOv2 request (LSO PPI, u32), Windows LsoV2Transmit layout. */
#define HV_RNDIS_LSO2_MSS_MASK		0x000fffffu	/* bits 0-19 */
#define HV_RNDIS_LSO2_MSS_SHIFT		0
#define HV_RNDIS_LSO2_THOFF_MASK	0x3ff00000u	/* bits 20-29 */
#define HV_RNDIS_LSO2_THOFF_SHIFT	20
#define HV_RNDIS_LSO2_TYPE_V2		0x40000000u	/* bit 30: LSOv2 */
#define HV_RNDIS_LSO2_IPV4		0x00000000u	/* bit 31 clear */
#define HV_RNDIS_LSO2_IPV6		0x80000000u	/* bit 31 set */
#define HV_RNDIS_LSO2_MSS(mss) \
	(((uint32_t)(mss) << HV_RNDIS_LSO2_MSS_SHIFT) & HV_RNDIS_LSO2_MSS_MASK)
#define HV_RNDIS_LSO2_THOFF(off) \
	(((uint32_t)(off) << HV_RNDIS_LSO2_THOFF_SHIFT) & \
	 HV_RNDIS_LSO2_THOFF_MASK)

/*
 * RSC fragment id (internal PPI HV_RNDIS_PPI_PKTINFO_ID, NVSP >= 6.1):
 * one coalesced packet arrives as consecutive PACKET_MSGs (ranges of the
 * same 0x7 packet), each marked with this. The first fragment's VLAN,
 * checksum and hash PPIs apply to the whole packet.
 */
struct hv_rndis_pktinfo_id {
	uint8_t ver;		/* HV_RNDIS_PKTINFO_ID_VER */
	uint8_t flag;		/* HV_RNDIS_PKTINFO_* */
	uint16_t pkt_id;
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_pktinfo_id, ver) == 0, "pktinfo id");
static_assert(offsetof(struct hv_rndis_pktinfo_id, flag) == 1, "pktinfo id");
static_assert(offsetof(struct hv_rndis_pktinfo_id, pkt_id) == 2, "pktinfo id");
static_assert(sizeof(struct hv_rndis_pktinfo_id) ==
	HV_RNDIS_PPI_PKTINFO_ID_SIZE, "pktinfo id");

#define HV_RNDIS_PKTINFO_ID_VER		1u
#define HV_RNDIS_PKTINFO_SUBALLOC	0x1u	/* this is a fragment */
#define HV_RNDIS_PKTINFO_FIRST_FRAG	0x2u
#define HV_RNDIS_PKTINFO_LAST_FRAG	0x4u

/* Fragments per coalesced packet (Linux NVSP_RSC_MAX). */
#define HV_RNDIS_RSC_FRAGS_MAX		562u

/* Ranges (RNDIS messages) per 0x7 receive packet (Linux comment, §H). */
#define HV_RNDIS_RX_RANGES_MAX_NDIS5	64u	/* NDIS < 6.0 */
#define HV_RNDIS_RX_RANGES_MAX		375u	/* NDIS >= 6.0 */
#define HV_RNDIS_RX_RANGES_MAX_RSC	562u	/* with RSC */

/* ---- §E.4 OIDs --------------------------------------------------------- */

#define HV_OID_GEN_MAXIMUM_FRAME_SIZE	0x00010106u	/* Q u32: MTU */
#define HV_OID_GEN_LINK_SPEED		0x00010107u	/* Q u32, 100 bit/s */
#define HV_OID_GEN_CURRENT_PACKET_FILTER 0x0001010eu	/* S u32 */
#define HV_OID_GEN_MEDIA_CONNECT_STATUS	0x00010114u	/* Q u32 */
#define HV_OID_GEN_RNDIS_CONFIG_PARAMETER 0x0001021bu	/* S: MAC change */
#define HV_OID_GEN_RECEIVE_SCALE_CAPABILITIES 0x00010203u /* Q w/ input */
#define HV_OID_GEN_RECEIVE_SCALE_PARAMETERS 0x00010204u	/* S */
#define HV_OID_GEN_FRIENDLY_NAME	0x00020216u	/* Q UTF-16 (Linux no.) */
#define HV_OID_802_3_PERMANENT_ADDRESS	0x01010101u	/* Q 6 bytes */
#define HV_OID_802_3_CURRENT_ADDRESS	0x01010102u	/* unused */
#define HV_OID_802_3_MULTICAST_LIST	0x01010103u	/* unused: ALL_MULTICAST */
#define HV_OID_OFFLOAD_ENCAPSULATION	0x0101010au	/* unused */
#define HV_OID_TCP_OFFLOAD_CURRENT_CONFIG 0xfc01020bu	/* unused */
#define HV_OID_TCP_OFFLOAD_PARAMETERS	0xfc01020cu	/* S */
#define HV_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES 0xfc01020du /* Q w/ input */

/* GEN_MEDIA_CONNECT_STATUS values */
#define HV_NDIS_MEDIA_STATE_CONNECTED	0u
#define HV_NDIS_MEDIA_STATE_DISCONNECTED 1u

/* GEN_LINK_SPEED and LINK_SPEED_CHANGE are in units of 100 bit/s. */
#define HV_NDIS_LINK_SPEED_UNIT		100u

/* GEN_FRIENDLY_NAME reply is at most this many bytes of UTF-16. */
#define HV_NDIS_FRIENDLY_NAME_MAX	512u

/*
 * GEN_CURRENT_PACKET_FILTER bits. Netvsc guests use only DIRECTED,
 * ALL_MULTICAST, BROADCAST and PROMISCUOUS (and 0 to stop). GROUP ..
 * MAC_FRAME are DPDK's/FreeBSD's values; Linux uses 0x100..0x800. No
 * netvsc driver sends them, so the mismatch is harmless.
 */
#define HV_NDIS_PACKET_TYPE_DIRECTED		0x0001u
#define HV_NDIS_PACKET_TYPE_MULTICAST		0x0002u
#define HV_NDIS_PACKET_TYPE_ALL_MULTICAST	0x0004u
#define HV_NDIS_PACKET_TYPE_BROADCAST		0x0008u
#define HV_NDIS_PACKET_TYPE_SOURCE_ROUTING	0x0010u
#define HV_NDIS_PACKET_TYPE_PROMISCUOUS		0x0020u
#define HV_NDIS_PACKET_TYPE_SMT			0x0040u
#define HV_NDIS_PACKET_TYPE_ALL_LOCAL		0x0080u
#define HV_NDIS_PACKET_TYPE_GROUP		0x1000u
#define HV_NDIS_PACKET_TYPE_ALL_FUNCTIONAL	0x2000u
#define HV_NDIS_PACKET_TYPE_FUNCTIONAL		0x4000u
#define HV_NDIS_PACKET_TYPE_MAC_FRAME		0x8000u

/* ---- §E.4 config parameter (Linux MAC change) -------------------------- */

/*
 * SET GEN_RNDIS_CONFIG_PARAMETER data: this block, then the parameter
 * name and value as UTF-16LE strings at the given offsets (relative to
 * the block).
 */
struct hv_rndis_config_param {
	uint32_t name_offset;
	uint32_t name_len;	/* bytes */
	uint32_t type;		/* HV_RNDIS_CONFIG_PARAM_STRING */
	uint32_t value_offset;
	uint32_t value_len;	/* bytes */
} __attribute__((packed));

static_assert(offsetof(struct hv_rndis_config_param, name_offset) == 0,
	"rndis cfg");
static_assert(offsetof(struct hv_rndis_config_param, name_len) == 4,
	"rndis cfg");
static_assert(offsetof(struct hv_rndis_config_param, type) == 8, "rndis cfg");
static_assert(offsetof(struct hv_rndis_config_param, value_offset) == 12,
	"rndis cfg");
static_assert(offsetof(struct hv_rndis_config_param, value_len) == 16,
	"rndis cfg");
static_assert(sizeof(struct hv_rndis_config_param) == 20, "rndis cfg");

#define HV_RNDIS_CONFIG_PARAM_STRING	2u

/* "NetworkAddress" = 14 UTF-16 units; the value is 12 hex digits. */
#define HV_RNDIS_NETADDR_NAME		"NetworkAddress"
#define HV_RNDIS_NETADDR_NAME_CHARS	14u
#define HV_RNDIS_NETADDR_VALUE_CHARS	12u

/* The whole MAC-change SET data as Linux sends it. */
struct hv_rndis_netaddr_param {
	struct hv_rndis_config_param hdr;	/* offsets 20 and 48 */
	uint16_t name[HV_RNDIS_NETADDR_NAME_CHARS];	/* UTF-16LE */
	uint16_t value[HV_RNDIS_NETADDR_VALUE_CHARS];	/* UTF-16LE hex */
} __attribute__((packed));

#define HV_RNDIS_NETADDR_NAME_OFFSET	20u
#define HV_RNDIS_NETADDR_NAME_LEN	28u
#define HV_RNDIS_NETADDR_VALUE_OFFSET	48u
#define HV_RNDIS_NETADDR_VALUE_LEN	24u

static_assert(offsetof(struct hv_rndis_netaddr_param, hdr) == 0, "netaddr");
static_assert(offsetof(struct hv_rndis_netaddr_param, name) ==
	HV_RNDIS_NETADDR_NAME_OFFSET, "netaddr");
static_assert(sizeof(((struct hv_rndis_netaddr_param *)0)->name) ==
	HV_RNDIS_NETADDR_NAME_LEN, "netaddr");
static_assert(offsetof(struct hv_rndis_netaddr_param, value) ==
	HV_RNDIS_NETADDR_VALUE_OFFSET, "netaddr");
static_assert(sizeof(((struct hv_rndis_netaddr_param *)0)->value) ==
	HV_RNDIS_NETADDR_VALUE_LEN, "netaddr");
static_assert(sizeof(struct hv_rndis_netaddr_param) == 72, "netaddr");

/* ---- §E.4 NDIS object header ------------------------------------------ */

/* Starts every NDIS_* object below; size is the object's byte size. */
struct hv_ndis_obj_hdr {
	uint8_t type;		/* HV_NDIS_OBJTYPE_* */
	uint8_t rev;
	uint16_t size;
} __attribute__((packed));

static_assert(offsetof(struct hv_ndis_obj_hdr, type) == 0, "ndis hdr");
static_assert(offsetof(struct hv_ndis_obj_hdr, rev) == 1, "ndis hdr");
static_assert(offsetof(struct hv_ndis_obj_hdr, size) == 2, "ndis hdr");
static_assert(sizeof(struct hv_ndis_obj_hdr) == 4, "ndis hdr");

#define HV_NDIS_OBJTYPE_DEFAULT		0x80u	/* offload parameters */
#define HV_NDIS_OBJTYPE_RSS_CAPS	0x88u
#define HV_NDIS_OBJTYPE_RSS_PARAMS	0x89u
#define HV_NDIS_OBJTYPE_OFFLOAD		0xa7u	/* offload capabilities */

/* ---- §E.4 NDIS_OFFLOAD (TCP_OFFLOAD_HARDWARE_CAPABILITIES) ------------- */

/*
 * Guests query with the revision their NDIS version allows (6.30: 3/156,
 * 6.1: 2/144, older: 1/112) and must check the reply's revision and size
 * before reading fields past HV_NDIS_OFFLOAD_SIZE_REV1 (type 0xa7,
 * revision >= 1, size >= 112 and within their buffer).
 */
#define HV_NDIS_OFFLOAD_REV_1		1u
#define HV_NDIS_OFFLOAD_REV_2		2u	/* NDIS 6.1 */
#define HV_NDIS_OFFLOAD_REV_3		3u	/* NDIS 6.30 */
#define HV_NDIS_OFFLOAD_SIZE_REV1	112u
#define HV_NDIS_OFFLOAD_SIZE_REV2	144u
#define HV_NDIS_OFFLOAD_SIZE_REV3	156u

/* Encapsulation values (the *_encap fields; bit mask) */
#define HV_NDIS_ENCAP_NONE		0x00u
#define HV_NDIS_ENCAP_NULL		0x01u
#define HV_NDIS_ENCAP_IEEE802_3		0x02u
#define HV_NDIS_ENCAP_IEEE802_3_PQ	0x04u	/* priority/VLAN in frame */
#define HV_NDIS_ENCAP_IEEE802_3_PQ_OOB	0x08u	/* priority/VLAN out of band */
#define HV_NDIS_ENCAP_RFC1483		0x10u

/* Checksum capability bits (ip4_* and ip6_* csum fields, TX and RX) */
#define HV_NDIS_CSUM_CAP_IP4_OPTS	0x001u	/* IPv4 options */
#define HV_NDIS_CSUM_CAP_IP4_TCPOPTS	0x004u
#define HV_NDIS_CSUM_CAP_IP4_TCP	0x010u
#define HV_NDIS_CSUM_CAP_IP4_UDP	0x040u
#define HV_NDIS_CSUM_CAP_IP4_HDR	0x100u	/* IPv4 header checksum */
#define HV_NDIS_CSUM_CAP_IP6_EXTHDR	0x001u	/* IPv6 extension headers */
#define HV_NDIS_CSUM_CAP_IP6_TCPOPTS	0x004u
#define HV_NDIS_CSUM_CAP_IP6_TCP	0x010u
#define HV_NDIS_CSUM_CAP_IP6_UDP	0x040u

/* lsov2.ip6_opts bits (IPv6 LSOv2 needs both, Linux) */
#define HV_NDIS_LSOV2_CAP_IP6_EXTHDR	0x001u
#define HV_NDIS_LSOV2_CAP_IP6_TCPOPTS	0x004u

struct hv_ndis_csum_offload {
	uint32_t ip4_tx_encap;		/* HV_NDIS_ENCAP_* */
	uint32_t ip4_tx_csum;		/* HV_NDIS_CSUM_CAP_IP4_* */
	uint32_t ip4_rx_encap;
	uint32_t ip4_rx_csum;
	uint32_t ip6_tx_encap;
	uint32_t ip6_tx_csum;		/* HV_NDIS_CSUM_CAP_IP6_* */
	uint32_t ip6_rx_encap;
	uint32_t ip6_rx_csum;
} __attribute__((packed));

struct hv_ndis_lsov1_offload {
	uint32_t encap;
	uint32_t maxsize;
	uint32_t minsegs;
	uint32_t opts;
} __attribute__((packed));

/* Seven u32 as in Windows NDIS_IPSEC_OFFLOAD_V1 (the last two bit sets). */
struct hv_ndis_ipsecv1_offload {
	uint32_t encap;
	uint32_t ah_esp;
	uint32_t xport_tun;
	uint32_t ip4_opts;
	uint32_t flags;
	uint32_t ip4_ah;
	uint32_t ip4_esp;
} __attribute__((packed));

struct hv_ndis_lsov2_offload {
	uint32_t ip4_encap;		/* HV_NDIS_ENCAP_IEEE802_3 = usable */
	uint32_t ip4_maxsz;
	uint32_t ip4_minsg;
	uint32_t ip6_encap;
	uint32_t ip6_maxsz;
	uint32_t ip6_minsg;
	uint32_t ip6_opts;		/* HV_NDIS_LSOV2_CAP_* */
} __attribute__((packed));

/*
 * The eleven IPsec-v2 flags are Windows BOOLEANs, one byte each. The
 * protocol doc flags this as disputed (one FreeBSD revision uses u16,
 * which would move RSC to 156 and make revision 3 168 bytes); we follow
 * Windows, DPDK and current Linux: u8, one pad byte to realign udp_esp.
 */
struct hv_ndis_ipsecv2_offload {
	uint32_t encap;
	uint8_t ip6;
	uint8_t ip4_opts;
	uint8_t ip6_exthdr;
	uint8_t ah;
	uint8_t esp;
	uint8_t ah_esp;
	uint8_t xport;
	uint8_t tun;
	uint8_t xport_tun;
	uint8_t lso;
	uint8_t extseq;
	uint8_t pad;
	uint32_t udp_esp;
	uint32_t auth;
	uint32_t crypto;
	uint32_t sa_caps;
} __attribute__((packed));

/* RSC flags: Windows BOOLEANs too (same dispute, same choice: u8). */
struct hv_ndis_rsc_offload {
	uint8_t ip4;			/* non-zero: supported */
	uint8_t ip6;
} __attribute__((packed));

struct hv_ndis_encap_offload {
	uint32_t flags;
	uint32_t maxhdr;
} __attribute__((packed));

struct hv_ndis_offload {
	struct hv_ndis_obj_hdr hdr;	/* HV_NDIS_OBJTYPE_OFFLOAD */
	struct hv_ndis_csum_offload csum;
	struct hv_ndis_lsov1_offload lsov1;
	struct hv_ndis_ipsecv1_offload ipsecv1;
	struct hv_ndis_lsov2_offload lsov2;
	uint32_t flags;
	/* end of revision 1 */
	struct hv_ndis_ipsecv2_offload ipsecv2;
	/* end of revision 2 */
	struct hv_ndis_rsc_offload rsc;
	uint8_t pad[2];
	struct hv_ndis_encap_offload encap_gre;
	/* end of revision 3 */
} __attribute__((packed));

static_assert(sizeof(struct hv_ndis_csum_offload) == 32, "ndis offload");
static_assert(sizeof(struct hv_ndis_lsov1_offload) == 16, "ndis offload");
static_assert(sizeof(struct hv_ndis_ipsecv1_offload) == 28, "ndis offload");
static_assert(sizeof(struct hv_ndis_lsov2_offload) == 28, "ndis offload");
static_assert(sizeof(struct hv_ndis_ipsecv2_offload) == 32, "ndis offload");
static_assert(sizeof(struct hv_ndis_rsc_offload) == 2, "ndis offload");
static_assert(sizeof(struct hv_ndis_encap_offload) == 8, "ndis offload");

static_assert(offsetof(struct hv_ndis_offload, hdr) == 0, "ndis offload");
static_assert(offsetof(struct hv_ndis_offload, csum.ip4_tx_encap) == 4,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, csum.ip4_tx_csum) == 8,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, csum.ip4_rx_encap) == 12,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, csum.ip4_rx_csum) == 16,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, csum.ip6_tx_encap) == 20,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, csum.ip6_tx_csum) == 24,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, csum.ip6_rx_encap) == 28,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, csum.ip6_rx_csum) == 32,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, lsov1.encap) == 36,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, lsov1.maxsize) == 40,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, lsov1.minsegs) == 44,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, lsov1.opts) == 48,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv1.encap) == 52,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv1.ah_esp) == 56,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv1.xport_tun) == 60,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv1.ip4_opts) == 64,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv1.flags) == 68,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv1.ip4_ah) == 72,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv1.ip4_esp) == 76,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, lsov2.ip4_encap) == 80,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, lsov2.ip4_maxsz) == 84,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, lsov2.ip4_minsg) == 88,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, lsov2.ip6_encap) == 92,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, lsov2.ip6_maxsz) == 96,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, lsov2.ip6_minsg) == 100,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, lsov2.ip6_opts) == 104,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, flags) == 108, "ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2) ==
	HV_NDIS_OFFLOAD_SIZE_REV1, "ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.encap) == 112,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.ip6) == 116,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.ip4_opts) == 117,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.ip6_exthdr) == 118,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.ah) == 119,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.esp) == 120,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.ah_esp) == 121,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.xport) == 122,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.tun) == 123,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.xport_tun) == 124,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.lso) == 125,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.extseq) == 126,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.pad) == 127,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.udp_esp) == 128,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.auth) == 132,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.crypto) == 136,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, ipsecv2.sa_caps) == 140,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, rsc) ==
	HV_NDIS_OFFLOAD_SIZE_REV2, "ndis offload");
static_assert(offsetof(struct hv_ndis_offload, rsc.ip4) == 144, "ndis offload");
static_assert(offsetof(struct hv_ndis_offload, rsc.ip6) == 145, "ndis offload");
static_assert(offsetof(struct hv_ndis_offload, pad) == 146, "ndis offload");
static_assert(offsetof(struct hv_ndis_offload, encap_gre.flags) == 148,
	"ndis offload");
static_assert(offsetof(struct hv_ndis_offload, encap_gre.maxhdr) == 152,
	"ndis offload");
static_assert(sizeof(struct hv_ndis_offload) == HV_NDIS_OFFLOAD_SIZE_REV3,
	"ndis offload");

/* ---- §E.5 NDIS_OFFLOAD_PARAMETERS (SET TCP_OFFLOAD_PARAMETERS) --------- */

/*
 * Revision 2 / 22 bytes for NDIS 6.1 (ends after ipsecv2_ip4), revision 3
 * / 28 bytes for NDIS 6.30. Windows aligns it naturally: pad0 puts flags
 * on 4 bytes and pad1 rounds the size up to 28. (Linux sends revision 3
 * even with 22 bytes; a host should go by the size.)
 */
#define HV_NDIS_OFFLOAD_PARAMS_REV_2	2u
#define HV_NDIS_OFFLOAD_PARAMS_REV_3	3u
#define HV_NDIS_OFFLOAD_PARAMS_SIZE_REV2 22u
#define HV_NDIS_OFFLOAD_PARAMS_SIZE_REV3 28u

/* Checksum fields (ip4_csum .. udp6_csum) */
#define HV_NDIS_OFFLOAD_PARAM_NOCHG	0u
#define HV_NDIS_OFFLOAD_PARAM_OFF	1u	/* TX and RX off */
#define HV_NDIS_OFFLOAD_PARAM_TX	2u	/* TX on, RX off */
#define HV_NDIS_OFFLOAD_PARAM_RX	3u	/* RX on, TX off */
#define HV_NDIS_OFFLOAD_PARAM_TXRX	4u	/* TX and RX on */

/* lsov1, lsov2_ip4/ip6, rsc_ip4/ip6 */
#define HV_NDIS_OFFLOAD_LSO_NOCHG	0u
#define HV_NDIS_OFFLOAD_LSO_OFF		1u
#define HV_NDIS_OFFLOAD_LSO_ON		2u
#define HV_NDIS_OFFLOAD_RSC_NOCHG	0u
#define HV_NDIS_OFFLOAD_RSC_OFF		1u
#define HV_NDIS_OFFLOAD_RSC_ON		2u

/* ipsecv1 */
#define HV_NDIS_OFFLOAD_IPSECV1_NOCHG	0u
#define HV_NDIS_OFFLOAD_IPSECV1_OFF	1u
#define HV_NDIS_OFFLOAD_IPSECV1_AH	2u
#define HV_NDIS_OFFLOAD_IPSECV1_ESP	3u
#define HV_NDIS_OFFLOAD_IPSECV1_AH_ESP	4u

/* encap_task_offload: note on/off order is the reverse of LSO's. */
#define HV_NDIS_OFFLOAD_ENCAP_NOCHG	0u
#define HV_NDIS_OFFLOAD_ENCAP_ON	1u
#define HV_NDIS_OFFLOAD_ENCAP_OFF	2u
#define HV_NDIS_ENCAP_TYPE_NVGRE	0x1u	/* encap_types */

struct hv_ndis_offload_params {
	struct hv_ndis_obj_hdr hdr;	/* HV_NDIS_OBJTYPE_DEFAULT */
	uint8_t ip4_csum;		/* HV_NDIS_OFFLOAD_PARAM_* */
	uint8_t tcp4_csum;
	uint8_t udp4_csum;
	uint8_t tcp6_csum;
	uint8_t udp6_csum;
	uint8_t lsov1;			/* HV_NDIS_OFFLOAD_LSO_* */
	uint8_t ipsecv1;		/* HV_NDIS_OFFLOAD_IPSECV1_* */
	uint8_t lsov2_ip4;		/* HV_NDIS_OFFLOAD_LSO_* */
	uint8_t lsov2_ip6;
	uint8_t tcp_conn_ip4;		/* 0 */
	uint8_t tcp_conn_ip6;		/* 0 */
	uint8_t pad0;			/* natural alignment of flags */
	uint32_t flags;			/* 0 */
	uint8_t ipsecv2;		/* 0 */
	uint8_t ipsecv2_ip4;		/* 0; end of revision 2 */
	uint8_t rsc_ip4;		/* HV_NDIS_OFFLOAD_RSC_* */
	uint8_t rsc_ip6;
	uint8_t encap;			/* HV_NDIS_OFFLOAD_ENCAP_* */
	uint8_t encap_types;		/* HV_NDIS_ENCAP_TYPE_* */
	uint8_t pad1[2];		/* natural size: multiple of 4 */
} __attribute__((packed));

static_assert(offsetof(struct hv_ndis_offload_params, hdr) == 0, "offload par");
static_assert(offsetof(struct hv_ndis_offload_params, ip4_csum) == 4,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, tcp4_csum) == 5,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, udp4_csum) == 6,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, tcp6_csum) == 7,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, udp6_csum) == 8,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, lsov1) == 9,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, ipsecv1) == 10,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, lsov2_ip4) == 11,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, lsov2_ip6) == 12,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, tcp_conn_ip4) == 13,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, tcp_conn_ip6) == 14,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, pad0) == 15,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, flags) == 16,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, ipsecv2) == 20,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, ipsecv2_ip4) == 21,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, rsc_ip4) ==
	HV_NDIS_OFFLOAD_PARAMS_SIZE_REV2, "offload par");
static_assert(offsetof(struct hv_ndis_offload_params, rsc_ip6) == 23,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, encap) == 24,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, encap_types) == 25,
	"offload par");
static_assert(offsetof(struct hv_ndis_offload_params, pad1) == 26,
	"offload par");
static_assert(sizeof(struct hv_ndis_offload_params) ==
	HV_NDIS_OFFLOAD_PARAMS_SIZE_REV3, "offload par");

/* ---- §E.6 RSS capabilities (Q GEN_RECEIVE_SCALE_CAPABILITIES) ---------- */

/*
 * Guests send a header-only input (type 0x88, revision 2, size 18).
 * Revision 2's size is 18, through num_indir_entries, not the 20 a
 * naturally aligned struct would have: hence packed, no tail pad.
 */
#define HV_NDIS_RSS_CAPS_REV_1		1u
#define HV_NDIS_RSS_CAPS_REV_2		2u
#define HV_NDIS_RSS_CAPS_SIZE_REV1	16u
#define HV_NDIS_RSS_CAPS_SIZE_REV2	18u

#define HV_NDIS_RSS_CAP_HASH_FUNC_MASK	0x000000ffu	/* HV_NDIS_HASH_FUNCTION_* */
#define HV_NDIS_RSS_CAP_HASH_TOEPLITZ	0x00000001u
#define HV_NDIS_RSS_CAP_IPV4		0x00000100u	/* IPv4, TCP-IPv4 */
#define HV_NDIS_RSS_CAP_IPV6		0x00000200u	/* IPv6, TCP-IPv6 */
#define HV_NDIS_RSS_CAP_IPV6_EX		0x00000400u
#define HV_NDIS_RSS_CAP_MSI		0x01000000u
#define HV_NDIS_RSS_CAP_CLASSIFY_ISR	0x02000000u
#define HV_NDIS_RSS_CAP_CLASSIFY_DPC	0x04000000u
#define HV_NDIS_RSS_CAP_MSIX		0x08000000u
#define HV_NDIS_RSS_CAP_RSS_AVAIL_ON_PORTS 0x10000000u	/* Linux only */
#define HV_NDIS_RSS_CAP_SUPPORTS_MSIX	0x20000000u	/* Linux only */

struct hv_ndis_rss_caps {
	struct hv_ndis_obj_hdr hdr;	/* HV_NDIS_OBJTYPE_RSS_CAPS */
	uint32_t caps;			/* HV_NDIS_RSS_CAP_* */
	uint32_t num_int_msgs;
	uint32_t num_rx_queues;		/* >= 1; vRSS only if >= 2 */
	uint16_t num_indir_entries;	/* rev 2: <= 128, power of 2 */
} __attribute__((packed));

static_assert(offsetof(struct hv_ndis_rss_caps, hdr) == 0, "rss caps");
static_assert(offsetof(struct hv_ndis_rss_caps, caps) == 4, "rss caps");
static_assert(offsetof(struct hv_ndis_rss_caps, num_int_msgs) == 8, "rss caps");
static_assert(offsetof(struct hv_ndis_rss_caps, num_rx_queues) == 12,
	"rss caps");
static_assert(offsetof(struct hv_ndis_rss_caps, num_indir_entries) ==
	HV_NDIS_RSS_CAPS_SIZE_REV1, "rss caps");
static_assert(sizeof(struct hv_ndis_rss_caps) == HV_NDIS_RSS_CAPS_SIZE_REV2,
	"rss caps");

/* ---- §E.7 RSS parameters (S GEN_RECEIVE_SCALE_PARAMETERS) -------------- */

/*
 * Hash function and type bits: hash_info here, the HASHINF PPI on
 * receive (function plus the one type that applied). Newer hosts report
 * UDP-IPv4 4-tuple hashes as TCP_IPV4, so check the real L4 protocol.
 */
#define HV_NDIS_HASH_FUNCTION_MASK	0x000000ffu
#define HV_NDIS_HASH_FUNCTION_TOEPLITZ	0x00000001u
#define HV_NDIS_HASH_TYPE_MASK		0x00ffff00u
#define HV_NDIS_HASH_IPV4		0x00000100u
#define HV_NDIS_HASH_TCP_IPV4		0x00000200u
#define HV_NDIS_HASH_IPV6		0x00000400u
#define HV_NDIS_HASH_IPV6_EX		0x00000800u
#define HV_NDIS_HASH_TCP_IPV6		0x00001000u
#define HV_NDIS_HASH_TCP_IPV6_EX	0x00002000u
#define HV_NDIS_HASH_UDP_IPV4_X		0x00004000u	/* FreeBSD, never sent */

/* flags. The UNCHG flags are unreliable: send DISABLE, then everything. */
#define HV_NDIS_RSS_FLAG_BASE_CPU_UNCHG	0x0001u
#define HV_NDIS_RSS_FLAG_HASH_INFO_UNCHG 0x0002u
#define HV_NDIS_RSS_FLAG_ITABLE_UNCHG	0x0004u
#define HV_NDIS_RSS_FLAG_HKEY_UNCHG	0x0008u
#define HV_NDIS_RSS_FLAG_DISABLE	0x0010u

#define HV_NDIS_RSS_PARAMS_REV_1	1u
#define HV_NDIS_RSS_PARAMS_REV_2	2u
#define HV_NDIS_RSS_PARAMS_SIZE_REV1	28u
#define HV_NDIS_RSS_PARAMS_SIZE_REV2	40u

/* Toeplitz key and indirection table sizes (§H) */
#define HV_NDIS_RSS_KEY_SIZE		40u
#define HV_NDIS_RSS_INDIR_ENTRIES	128u
#define HV_NDIS_RSS_INDIR_SIZE		(HV_NDIS_RSS_INDIR_ENTRIES * 4u)

/*
 * Windows aligns this naturally; pad0/pad1 are that alignment made
 * explicit. Key and table sit anywhere after it, at the offsets given:
 * a host must go by the offsets (FreeBSD puts the key first), and by
 * hdr.size being either 40 (Linux, DPDK) or the whole blob (FreeBSD).
 */
struct hv_ndis_rss_params {
	struct hv_ndis_obj_hdr hdr;	/* HV_NDIS_OBJTYPE_RSS_PARAMS */
	uint16_t flags;			/* HV_NDIS_RSS_FLAG_* */
	uint16_t base_cpu;		/* 0 */
	uint32_t hash_info;		/* HV_NDIS_HASH_* */
	uint16_t indir_size;		/* table size in bytes */
	uint16_t pad0;
	uint32_t indir_offset;		/* from the start of this struct */
	uint16_t hash_key_size;		/* HV_NDIS_RSS_KEY_SIZE */
	uint16_t pad1;
	uint32_t hash_key_offset;	/* from the start of this struct */
	/* end of revision 1 */
	uint32_t proc_masks_offset;	/* 0 */
	uint32_t num_proc_masks;	/* 0 */
	uint32_t proc_masks_entry_size;	/* 0 */
} __attribute__((packed));

static_assert(offsetof(struct hv_ndis_rss_params, hdr) == 0, "rss params");
static_assert(offsetof(struct hv_ndis_rss_params, flags) == 4, "rss params");
static_assert(offsetof(struct hv_ndis_rss_params, base_cpu) == 6, "rss params");
static_assert(offsetof(struct hv_ndis_rss_params, hash_info) == 8,
	"rss params");
static_assert(offsetof(struct hv_ndis_rss_params, indir_size) == 12,
	"rss params");
static_assert(offsetof(struct hv_ndis_rss_params, pad0) == 14, "rss params");
static_assert(offsetof(struct hv_ndis_rss_params, indir_offset) == 16,
	"rss params");
static_assert(offsetof(struct hv_ndis_rss_params, hash_key_size) == 20,
	"rss params");
static_assert(offsetof(struct hv_ndis_rss_params, pad1) == 22, "rss params");
static_assert(offsetof(struct hv_ndis_rss_params, hash_key_offset) == 24,
	"rss params");
static_assert(offsetof(struct hv_ndis_rss_params, proc_masks_offset) ==
	HV_NDIS_RSS_PARAMS_SIZE_REV1, "rss params");
static_assert(offsetof(struct hv_ndis_rss_params, num_proc_masks) == 32,
	"rss params");
static_assert(offsetof(struct hv_ndis_rss_params, proc_masks_entry_size) == 36,
	"rss params");
static_assert(sizeof(struct hv_ndis_rss_params) == HV_NDIS_RSS_PARAMS_SIZE_REV2,
	"rss params");

/*
 * The SET data as Linux and DPDK (and this project's guest) lay it out:
 * parameters, then the table (u32 channel indices, each below the number
 * of open channels), then the key. Only a sender may rely on this order.
 */
struct hv_ndis_rss_blob {
	struct hv_ndis_rss_params params;
	uint32_t indir[HV_NDIS_RSS_INDIR_ENTRIES];
	uint8_t key[HV_NDIS_RSS_KEY_SIZE];
} __attribute__((packed));

#define HV_NDIS_RSS_BLOB_INDIR_OFFSET	40u
#define HV_NDIS_RSS_BLOB_KEY_OFFSET	552u

static_assert(offsetof(struct hv_ndis_rss_blob, params) == 0, "rss blob");
static_assert(offsetof(struct hv_ndis_rss_blob, indir) ==
	HV_NDIS_RSS_BLOB_INDIR_OFFSET, "rss blob");
static_assert(offsetof(struct hv_ndis_rss_blob, key) ==
	HV_NDIS_RSS_BLOB_KEY_OFFSET, "rss blob");
static_assert(sizeof(struct hv_ndis_rss_blob) == 592, "rss blob");

#endif /* HV_RNDIS_WIRE_H */
