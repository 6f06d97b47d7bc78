/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Wire-format tests of hv_nvsp_wire.h and hv_rndis_wire.h against the
 * byte tables of the protocol doc (§C, §E, §F). Each test writes a
 * message byte by byte, little-endian, at the offsets the doc gives, and
 * checks that the structs read the same values and, where a side builds
 * the message, that filling the struct produces the same bytes. This is
 * independent of the headers' static_asserts, which only restate the
 * offsets the header author believed.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hv_nvsp_wire.h"
#include "hv_rndis_wire.h"

/* ---- little-endian image builders ------------------------------------ */

static void
put8(uint8_t *img, size_t off, uint8_t v)
{
	img[off] = v;
}

static void
put16(uint8_t *img, size_t off, uint16_t v)
{
	img[off] = (uint8_t)v;
	img[off + 1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *img, size_t off, uint32_t v)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		img[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t
get32(const uint8_t *img, size_t off)
{
	return (uint32_t)img[off] | (uint32_t)img[off + 1] << 8 |
		(uint32_t)img[off + 2] << 16 | (uint32_t)img[off + 3] << 24;
}

/* The well-known Microsoft Toeplitz key (§E.7). */
static const uint8_t ms_key[HV_NDIS_RSS_KEY_SIZE] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* ---- NVSP (§C) ---------------------------------------------------------- */

/* INIT for 0x60001, padded to 40, as the guest sends it. */
static void
test_nvsp_init(void **state)
{
	uint8_t img[40] = { 0 };
	union hv_nvsp_msg msg;
	const union hv_nvsp_msg *rd = (const void *)img;

	(void)state;
	put32(img, 0, 1);		/* type INIT */
	put32(img, 4, 0x60001);		/* min */
	put32(img, 8, 0x60001);		/* max */

	memset(&msg, 0, sizeof(msg));
	msg.init.type = HV_NVSP_MSG_INIT;
	msg.init.ver_min = HV_NVSP_PROTO_V61;
	msg.init.ver_max = HV_NVSP_PROTO_V61;
	assert_int_equal(sizeof(msg), 40);
	assert_int_equal(HV_NVSP_MSG_SIZE, 40);
	assert_memory_equal(&msg, img, sizeof(img));

	assert_int_equal(rd->type, 1);
	assert_int_equal(rd->init.ver_min, 0x60001);
	assert_int_equal(rd->init.ver_max, 0x60001);
}

/* INIT_COMPLETE: status at 12. */
static void
test_nvsp_init_complete(void **state)
{
	uint8_t img[40] = { 0 };
	const struct hv_nvsp_init_complete *c = (const void *)img;

	(void)state;
	put32(img, 0, 2);
	put32(img, 4, 0x50000);
	put32(img, 8, 0x33);
	put32(img, 12, 1);
	assert_int_equal(c->type, HV_NVSP_MSG_INIT_COMPLETE);
	assert_int_equal(c->ver_negotiated, 0x50000);
	assert_int_equal(c->max_mdl_chain_len, 0x33);
	assert_int_equal(c->status, HV_NVSP_STATUS_SUCCESS);
}

/* Version list newest first; NDIS versions split into major/minor. */
static void
test_nvsp_versions(void **state)
{
	static const uint32_t vers[] = { HV_NVSP_PROTO_VERSIONS };
	static const uint32_t expect[] = {
		0x60001, 0x60000, 0x50000, 0x40000, 0x30002, 0x2,
	};
	union hv_nvsp_msg msg;
	uint8_t img[40] = { 0 };

	(void)state;
	assert_int_equal(sizeof(vers) / sizeof(vers[0]), HV_NVSP_PROTO_COUNT);
	assert_memory_equal(vers, expect, sizeof(expect));

	/* NDIS_VER (100) for NDIS 6.30: major 6 at 4, minor 30 at 8 */
	put32(img, 0, 100);
	put32(img, 4, 6);
	put32(img, 8, 30);
	memset(&msg, 0, sizeof(msg));
	msg.ndis_ver.type = HV_NVSP_MSG_NDIS_VER;
	msg.ndis_ver.ndis_major = HV_NDIS_VERSION_MAJOR(HV_NDIS_VERSION_6_30);
	msg.ndis_ver.ndis_minor = HV_NDIS_VERSION_MINOR(HV_NDIS_VERSION_6_30);
	assert_memory_equal(&msg, img, sizeof(img));
	assert_int_equal(HV_NDIS_VERSION_MINOR(HV_NDIS_VERSION_6_1), 1);
	assert_int_equal(HV_NDIS_VERSION_MINOR(HV_NDIS_VERSION_6_20), 20);
}

/* NDIS_CONFIG: MTU 1500 + 14, capability VLAN|SRIOV as u64 at offset 12. */
static void
test_nvsp_ndis_config(void **state)
{
	uint8_t img[40] = { 0 };
	union hv_nvsp_msg msg;
	const struct hv_nvsp_ndis_config *rd = (const void *)img;

	(void)state;
	put32(img, 0, 125);
	put32(img, 4, 1514);
	put32(img, 8, 0);
	put8(img, 12, 0x08 | 0x04);	/* u64 LE: low byte first, rest 0 */

	memset(&msg, 0, sizeof(msg));
	msg.ndis_config.type = HV_NVSP_MSG_NDIS_CONFIG;
	msg.ndis_config.mtu = 1500 + HV_NVSP_NDIS_CONFIG_MTU_ADJ;
	msg.ndis_config.capab = HV_NVSP_NDIS_CAP_IEEE8021Q |
		HV_NVSP_NDIS_CAP_SRIOV;
	assert_memory_equal(&msg, img, sizeof(img));

	assert_int_equal(rd->type, 125);
	assert_int_equal(rd->mtu, 1514);
	assert_int_equal(rd->reserved, 0);
	assert_int_equal(rd->capab, 0xc);

	/* The field is 8 bytes wide: its top byte is image byte 19. */
	put8(img, 19, 0x80);
	put8(img, 20, 0xff);		/* past the field: must not be read */
	assert_int_equal(rd->capab, 0x800000000000000cull);
}

/* RXBUF_CONN and its one-section response. */
static void
test_nvsp_rxbuf(void **state)
{
	uint8_t img[40] = { 0 };
	union hv_nvsp_msg msg;
	const struct hv_nvsp_rxbuf_conn_resp *r = (const void *)img;

	(void)state;
	put32(img, 0, 101);
	put32(img, 4, 0x1234);		/* gpadl */
	put16(img, 8, 0xcafe);
	memset(&msg, 0, sizeof(msg));
	msg.rxbuf_conn.type = HV_NVSP_MSG_RXBUF_CONN;
	msg.rxbuf_conn.gpadl = 0x1234;
	msg.rxbuf_conn.id = HV_NVSP_RXBUF_ID;
	assert_memory_equal(&msg, img, sizeof(img));

	memset(img, 0, sizeof(img));
	put32(img, 0, 102);
	put32(img, 4, 1);		/* status */
	put32(img, 8, 1);		/* one section */
	put32(img, 12, 0);		/* offset */
	put32(img, 16, 1728);		/* slot size */
	put32(img, 20, 9709);		/* slot count */
	put32(img, 24, 1728 * 9709);	/* end */
	assert_int_equal(r->type, HV_NVSP_MSG_RXBUF_CONN_RESP);
	assert_int_equal(r->status, HV_NVSP_STATUS_SUCCESS);
	assert_int_equal(r->num_sections, 1);
	assert_int_equal(r->sections[0].offset, 0);
	assert_int_equal(r->sections[0].sub_alloc_size, 1728);
	assert_int_equal(r->sections[0].num_sub_allocs, 9709);
	assert_int_equal(r->sections[0].end_offset, 1728 * 9709);
	assert_int_equal(sizeof(*r), 28);
}

/* RNDIS_PKT over GPA (no section) and the send-buffer responses. */
static void
test_nvsp_rndis_pkt(void **state)
{
	uint8_t img[40] = { 0 };
	union hv_nvsp_msg msg;
	const union hv_nvsp_msg *rd = (const void *)img;

	(void)state;
	put32(img, 0, 107);
	put32(img, 4, 1);		/* control */
	put32(img, 8, 0xffffffff);
	put32(img, 12, 0);
	memset(&msg, 0, sizeof(msg));
	msg.rndis_pkt.type = HV_NVSP_MSG_RNDIS_PKT;
	msg.rndis_pkt.chan_type = HV_NVSP_CHAN_CONTROL;
	msg.rndis_pkt.chim_idx = HV_NVSP_CHIM_IDX_INVALID;
	msg.rndis_pkt.chim_sz = 0;
	assert_memory_equal(&msg, img, sizeof(img));

	memset(img, 0, sizeof(img));
	put32(img, 0, 105);
	put32(img, 4, 1);
	put32(img, 8, 6144);
	assert_int_equal(rd->chim_conn_resp.status, 1);
	assert_int_equal(rd->chim_conn_resp.section_size, 6144);

	put32(img, 0, 108);
	put32(img, 4, 2);
	assert_int_equal(rd->rndis_pkt_complete.status, HV_NVSP_STATUS_FAILED);

	memset(img, 0, sizeof(img));
	put32(img, 0, 133);
	put32(img, 4, 1);
	put32(img, 8, 7);
	assert_int_equal(rd->subch_req.op, HV_NVSP_SUBCH_OP_ALLOC);
	assert_int_equal(rd->subch_req.num_subch, 7);
	assert_int_equal(rd->subch_resp.status, 1);
	assert_int_equal(rd->subch_resp.num_subch, 7);

	put32(img, 0, 128);
	put32(img, 4, 1);
	put32(img, 8, 42);
	assert_int_equal(rd->vf_assoc.allocated, 1);
	assert_int_equal(rd->vf_assoc.serial, 42);

	put32(img, 0, 129);
	assert_int_equal(rd->switch_datapath.active_datapath,
		HV_NVSP_DATAPATH_VF);
}

/* Send indirection table: 16 entries at offset 12 from the type field. */
static void
test_nvsp_indir_table(void **state)
{
	uint8_t img[12 + 16 * 4] = { 0 };
	const struct hv_nvsp_indir_table *t = (const void *)img;
	unsigned int i;

	(void)state;
	put32(img, 0, 134);
	put32(img, 4, 16);
	put32(img, 8, 12);
	for (i = 0; i < 16; i++)
		put32(img, 12 + 4 * i, i % 3);
	assert_int_equal(t->type, HV_NVSP_MSG_INDIR_TABLE);
	assert_int_equal(t->count, HV_NVSP_INDIR_TABLE_ENTRIES);
	assert_int_equal(t->offset, sizeof(*t));
	for (i = 0; i < t->count; i++)
		assert_int_equal(get32(img, t->offset + 4 * i), i % 3);
}

/* ---- RNDIS control messages (§E.1) --------------------------------------- */

/* QUERY GEN_MAXIMUM_FRAME_SIZE with no input: 28 bytes, infobufoffset 20. */
static void
test_rndis_query_msg(void **state)
{
	uint8_t img[28] = { 0 };
	struct hv_rndis_query_msg q;
	const struct hv_rndis_query_msg *rd = (const void *)img;

	(void)state;
	put32(img, 0, 4);
	put32(img, 4, 28);
	put32(img, 8, 0x00010000);	/* rid */
	put32(img, 12, 0x00010106);	/* OID_GEN_MAXIMUM_FRAME_SIZE */
	put32(img, 16, 0);
	put32(img, 20, 20);
	put32(img, 24, 0);

	memset(&q, 0xff, sizeof(q));
	q.type = HV_RNDIS_QUERY_MSG;
	q.len = sizeof(q);
	q.rid = 0x00010000;
	q.oid = HV_OID_GEN_MAXIMUM_FRAME_SIZE;
	q.info_len = 0;
	q.info_offset = HV_RNDIS_QUERY_INFO_OFFSET;
	q.dev_vc_handle = 0;
	assert_int_equal(sizeof(q), 28);
	assert_memory_equal(&q, img, sizeof(img));

	assert_int_equal(rd->type, HV_RNDIS_QUERY_MSG);
	assert_int_equal(rd->len, 28);
	assert_int_equal(rd->rid, 0x10000);
	assert_int_equal(rd->oid, 0x00010106);
	assert_int_equal(rd->info_len, 0);
	assert_int_equal(rd->info_offset, 20);
	assert_int_equal(rd->dev_vc_handle, 0);
}

/* QUERY_CMPLT with a u32 answer right after the 24-byte header. */
static void
test_rndis_query_cmplt(void **state)
{
	uint8_t img[28] = { 0 };
	const struct hv_rndis_query_cmplt *c = (const void *)img;

	(void)state;
	put32(img, 0, 0x80000004);
	put32(img, 4, 28);
	put32(img, 8, 0x00010000);
	put32(img, 12, 0);
	put32(img, 16, 4);
	put32(img, 20, 16);
	put32(img, 24, 1500);
	assert_int_equal(c->type, HV_RNDIS_QUERY_CMPLT);
	assert_int_equal(c->type, HV_RNDIS_QUERY_MSG | HV_RNDIS_MSG_CMPLT);
	assert_int_equal(c->rid, 0x10000);
	assert_int_equal(c->status, HV_RNDIS_STATUS_SUCCESS);
	assert_int_equal(c->info_len, 4);
	assert_int_equal(c->info_offset, HV_RNDIS_QUERY_CMPLT_INFO_OFFSET);
	assert_int_equal(get32(img, HV_RNDIS_OFFSET_BASE + c->info_offset),
		1500);
}

/* INITIALIZE_MSG and the 52-byte INITIALIZE_CMPLT. */
static void
test_rndis_init(void **state)
{
	uint8_t img[52] = { 0 };
	struct hv_rndis_init_msg m;
	const struct hv_rndis_init_cmplt *c = (const void *)img;

	(void)state;
	put32(img, 0, 2);
	put32(img, 4, 24);
	put32(img, 8, 7);
	put32(img, 12, 1);
	put32(img, 16, 0);
	put32(img, 20, 0x4000);
	m.type = HV_RNDIS_INITIALIZE_MSG;
	m.len = sizeof(m);
	m.rid = 7;
	m.ver_major = HV_RNDIS_VERSION_MAJOR;
	m.ver_minor = HV_RNDIS_VERSION_MINOR;
	m.max_xfer_size = HV_RNDIS_INIT_MAX_XFER_SIZE;
	assert_int_equal(sizeof(m), 24);
	assert_memory_equal(&m, img, sizeof(m));

	memset(img, 0, sizeof(img));
	put32(img, 0, 0x80000002);
	put32(img, 4, 52);
	put32(img, 8, 7);
	put32(img, 12, 0xc0000001);
	put32(img, 16, 1);
	put32(img, 20, 0);
	put32(img, 24, 1);		/* connectionless */
	put32(img, 28, 0);		/* 802.3 */
	put32(img, 32, 8);
	put32(img, 36, 6144);
	put32(img, 40, 3);
	put32(img, 44, 0x11);
	put32(img, 48, 0x22);
	assert_int_equal(c->type, HV_RNDIS_INITIALIZE_CMPLT);
	assert_int_equal(c->len, 52);
	assert_int_equal(c->rid, 7);
	assert_int_equal(c->status, HV_RNDIS_STATUS_FAILURE);
	assert_int_equal(c->ver_major, 1);
	assert_int_equal(c->ver_minor, 0);
	assert_int_equal(c->dev_flags, HV_RNDIS_DF_CONNECTIONLESS);
	assert_int_equal(c->medium, HV_RNDIS_MEDIUM_802_3);
	assert_int_equal(c->max_pkts_per_msg, 8);
	assert_int_equal(c->max_xfer_size, 6144);
	assert_int_equal(c->align_factor, 3);
	assert_int_equal(1u << c->align_factor, HV_RNDIS_PKT_ALIGN_DEFAULT);
	assert_int_equal(c->af_list_offset, 0x11);
	assert_int_equal(c->af_list_size, 0x22);
	assert_int_equal(sizeof(*c), 52);
	assert_true(HV_RNDIS_INIT_CMPLT_MIN_LEN ==
		offsetof(struct hv_rndis_init_cmplt, af_list_size));
}

/* SET packet filter, SET_CMPLT, INDICATE_STATUS, RESET_CMPLT, keepalive. */
static void
test_rndis_set_status(void **state)
{
	uint8_t img[32] = { 0 };
	struct {
		struct hv_rndis_set_msg hdr;
		uint32_t filter;
	} __attribute__((packed)) s;
	const union {
		struct hv_rndis_set_cmplt set;
		struct hv_rndis_status_msg st;
		struct hv_rndis_reset_cmplt rst;
		struct hv_rndis_keepalive_cmplt ka;
		struct hv_rndis_halt_msg halt;
	} *rd = (const void *)img;

	(void)state;
	put32(img, 0, 5);
	put32(img, 4, 32);
	put32(img, 8, 9);
	put32(img, 12, 0x0001010e);
	put32(img, 16, 4);
	put32(img, 20, 20);
	put32(img, 24, 0);
	put32(img, 28, 0x1 | 0x4 | 0x8);
	s.hdr.type = HV_RNDIS_SET_MSG;
	s.hdr.len = sizeof(s);
	s.hdr.rid = 9;
	s.hdr.oid = HV_OID_GEN_CURRENT_PACKET_FILTER;
	s.hdr.info_len = sizeof(s.filter);
	s.hdr.info_offset = HV_RNDIS_SET_INFO_OFFSET;
	s.hdr.dev_vc_handle = 0;
	s.filter = HV_NDIS_PACKET_TYPE_DIRECTED |
		HV_NDIS_PACKET_TYPE_ALL_MULTICAST | HV_NDIS_PACKET_TYPE_BROADCAST;
	assert_int_equal(sizeof(s), 32);
	assert_memory_equal(&s, img, sizeof(img));

	memset(img, 0, sizeof(img));
	put32(img, 0, 0x80000005);
	put32(img, 4, 16);
	put32(img, 8, 9);
	put32(img, 12, 0xc00000bb);
	assert_int_equal(rd->set.type, HV_RNDIS_SET_CMPLT);
	assert_int_equal(rd->set.rid, 9);
	assert_int_equal(rd->set.status, HV_RNDIS_STATUS_NOT_SUPPORTED);
	assert_int_equal(rd->ka.rid, 9);
	assert_int_equal(rd->ka.status, HV_RNDIS_STATUS_NOT_SUPPORTED);
	assert_int_equal(rd->halt.rid, 9);

	/* LINK_SPEED_CHANGE, 10 Gbit/s in 100 bit/s units at byte 8 + 12 */
	memset(img, 0, sizeof(img));
	put32(img, 0, 7);
	put32(img, 4, 24);
	put32(img, 8, 0x40010013);
	put32(img, 12, 4);
	put32(img, 16, 12);
	put32(img, 20, 100000000);
	assert_int_equal(rd->st.type, HV_RNDIS_INDICATE_STATUS_MSG);
	assert_int_equal(rd->st.status, HV_RNDIS_STATUS_LINK_SPEED_CHANGE);
	assert_int_equal(rd->st.status_buf_len, 4);
	assert_int_equal(rd->st.status_buf_offset, 12);
	assert_int_equal(get32(img, 8 + rd->st.status_buf_offset) /
		(1000000 / HV_NDIS_LINK_SPEED_UNIT), 10000);

	/* RESET_CMPLT: status at 8 (no rid), addressing_reset at 12 */
	memset(img, 0, sizeof(img));
	put32(img, 0, 0x80000006);
	put32(img, 4, 16);
	put32(img, 8, 0xc0010017);
	put32(img, 12, 1);
	assert_int_equal(rd->rst.type, HV_RNDIS_RESET_CMPLT);
	assert_int_equal(rd->rst.status, HV_RNDIS_STATUS_INVALID_OID);
	assert_int_equal(rd->rst.addr_reset, 1);
}

/* ---- PACKET_MSG and PPI (§F) ---------------------------------------------- */

#define FRAME_LEN	60u

/*
 * A guest-TX style PACKET_MSG: 44-byte header, one VLAN PPI at absolute
 * 44 (ppi_offset 36), the frame at absolute 60 (data_offset 52).
 * VLAN id 100, priority 5.
 */
static void
test_rndis_packet_vlan(void **state)
{
	uint8_t img[44 + 16 + FRAME_LEN] = { 0 };
	uint8_t buf[sizeof(img)];
	struct hv_rndis_packet_msg *pkt = (void *)buf;
	struct hv_rndis_ppi *ppi;
	const struct hv_rndis_packet_msg *rp = (const void *)img;
	const struct hv_rndis_ppi *rppi;
	uint32_t vlan, v;
	unsigned int i;

	(void)state;
	put32(img, 0, 1);
	put32(img, 4, sizeof(img));		/* 120 */
	put32(img, 8, 52);			/* data_offset */
	put32(img, 12, FRAME_LEN);
	put32(img, 28, 36);			/* ppi_offset */
	put32(img, 32, 16);			/* ppi_len */
	put32(img, 44, 16);			/* PPI size */
	put32(img, 48, 6);			/* PPI type VLAN */
	put32(img, 52, 12);			/* PPI data offset */
	put32(img, 56, (100u << 4) | 5u);	/* id 100, prio 5: 0x645 */
	for (i = 0; i < FRAME_LEN; i++)
		img[60 + i] = (uint8_t)(i * 7 + 1);

	/* Build it the way a guest does, from the structs and macros. */
	memset(buf, 0, sizeof(buf));
	pkt->type = HV_RNDIS_PACKET_MSG;
	pkt->ppi_offset = HV_RNDIS_PACKET_MSG_OFFSET_MIN;
	pkt->ppi_len = HV_RNDIS_PPI_SIZE(HV_RNDIS_PPI_VLAN_SIZE);
	ppi = (void *)(buf + HV_RNDIS_PACKET_MSG_ABS(pkt->ppi_offset));
	ppi->size = HV_RNDIS_PPI_SIZE(HV_RNDIS_PPI_VLAN_SIZE);
	ppi->type = HV_RNDIS_PPI_VLAN;
	ppi->offset = sizeof(*ppi);
	vlan = HV_RNDIS_VLAN_FROM_TCI((5u << 13) | 100u);
	memcpy((uint8_t *)ppi + ppi->offset, &vlan, sizeof(vlan));
	pkt->data_offset = pkt->ppi_offset + pkt->ppi_len;
	pkt->data_len = FRAME_LEN;
	pkt->len = sizeof(*pkt) + pkt->ppi_len + pkt->data_len;
	memcpy(buf + HV_RNDIS_PACKET_MSG_ABS(pkt->data_offset), img + 60,
		FRAME_LEN);
	assert_memory_equal(buf, img, sizeof(img));

	/* Parse it the way a host (or an RX path) does. */
	assert_int_equal(rp->type, HV_RNDIS_PACKET_MSG);
	assert_int_equal(rp->len, 120);
	assert_int_equal(rp->data_offset, 52);
	assert_int_equal(rp->data_len, FRAME_LEN);
	assert_int_equal(rp->oob_data_offset, 0);
	assert_int_equal(rp->oob_data_len, 0);
	assert_int_equal(rp->oob_num_elements, 0);
	assert_int_equal(rp->ppi_offset, 36);
	assert_int_equal(rp->ppi_len, 16);
	assert_int_equal(rp->vc_handle, 0);
	assert_int_equal(rp->reserved, 0);
	rppi = (const void *)(img + 8 + rp->ppi_offset);
	assert_int_equal(rppi->size, 16);
	assert_int_equal(rppi->type, HV_RNDIS_PPI_VLAN);
	assert_int_equal(rppi->offset, HV_RNDIS_PPI_HDR_SIZE);
	v = get32((const uint8_t *)rppi, rppi->offset);
	assert_int_equal(v, 0x645);
	assert_int_equal(HV_RNDIS_VLAN_ID(v), 100);
	assert_int_equal(HV_RNDIS_VLAN_PRI(v), 5);
	assert_int_equal(v & HV_RNDIS_VLAN_CFI, 0);
	assert_int_equal(HV_RNDIS_VLAN_TO_TCI(v), 0xa064);
	assert_memory_equal(img + 8 + rp->data_offset, img + 60, FRAME_LEN);

	/* DEI/CFI: TCI bit 12 <-> PPI bit 3 */
	assert_int_equal(HV_RNDIS_VLAN_FROM_TCI(0xb064), 0x64d);
	assert_int_equal(HV_RNDIS_VLAN_TO_TCI(0x64d), 0xb064);
	assert_int_equal(HV_RNDIS_VLAN_FROM_TCI(0x0fff), 0xfff0);
}

/* TX checksum and LSOv2 PPI words, computed by hand from §F.4. */
static void
test_ppi_tx_bits(void **state)
{
	(void)state;
	/* IPv4 + TCP + IP header checksum, transport header at 34 */
	assert_int_equal(HV_RNDIS_TXCSUM_IPV4 | HV_RNDIS_TXCSUM_TCP |
		HV_RNDIS_TXCSUM_IP | HV_RNDIS_TXCSUM_HDROFF(34), 0x00220015);
	/* IPv6 + UDP, header at 54 */
	assert_int_equal(HV_RNDIS_TXCSUM_IPV6 | HV_RNDIS_TXCSUM_UDP |
		HV_RNDIS_TXCSUM_HDROFF(54), 0x0036000a);
	/* The offset field is 10 bits wide (16-25). */
	assert_int_equal(HV_RNDIS_TXCSUM_HDROFF(0x3ff), 0x03ff0000);
	assert_int_equal(HV_RNDIS_TXCSUM_HDROFF(0x400), 0);

	/* LSOv2 IPv4, MSS 1448, TCP header at 34 */
	assert_int_equal(HV_RNDIS_LSO2_TYPE_V2 | HV_RNDIS_LSO2_IPV4 |
		HV_RNDIS_LSO2_MSS(1448) | HV_RNDIS_LSO2_THOFF(34), 0x422005a8);
	/* LSOv2 IPv6, MSS 1440, TCP header at 54 */
	assert_int_equal(HV_RNDIS_LSO2_TYPE_V2 | HV_RNDIS_LSO2_IPV6 |
		HV_RNDIS_LSO2_MSS(1440) | HV_RNDIS_LSO2_THOFF(54), 0xc36005a0);
	assert_int_equal(HV_RNDIS_LSO2_MSS(0xfffff), 0x000fffff);
	assert_int_equal(HV_RNDIS_LSO2_THOFF(0x3ff), 0x3ff00000);
}

/* RX side: checksum, hash and RSC-fragment PPIs as a host attaches them. */
static void
test_ppi_rx(void **state)
{
	uint8_t img[3 * 16] = { 0 };
	const struct hv_rndis_ppi *p;
	const struct hv_rndis_pktinfo_id *id;
	size_t off;

	(void)state;
	/* csum: TCP ok, IP ok, IP value invalid (after RSC) */
	put32(img, 0, 16);
	put32(img, 4, 0);
	put32(img, 8, 12);
	put32(img, 12, 0x008 | 0x020 | 0x100);
	/* hash info: Toeplitz, TCP-IPv4 */
	put32(img, 16, 16);
	put32(img, 20, 9);
	put32(img, 24, 12);
	put32(img, 28, 0x201);
	/* RSC fragment id: ver 1, SUBALLOC|FIRST, id 0x1234 */
	put32(img, 32, 16);
	put32(img, 36, 0x80000001);
	put32(img, 40, 12);
	put8(img, 44, 1);
	put8(img, 45, 0x1 | 0x2);
	put16(img, 46, 0x1234);

	off = 0;
	p = (const void *)(img + off);
	assert_int_equal(p->type, HV_RNDIS_PPI_CSUM);
	assert_int_equal(get32(img, off + p->offset),
		HV_RNDIS_RXCSUM_TCP_OK | HV_RNDIS_RXCSUM_IP_OK |
		HV_RNDIS_RXCSUM_IP_INVALID);

	off += p->size;
	p = (const void *)(img + off);
	assert_int_equal(p->type, HV_RNDIS_PPI_HASHINF);
	assert_int_equal(get32(img, off + p->offset) &
		HV_NDIS_HASH_FUNCTION_MASK, HV_NDIS_HASH_FUNCTION_TOEPLITZ);
	assert_int_equal(get32(img, off + p->offset) & HV_NDIS_HASH_TYPE_MASK,
		HV_NDIS_HASH_TCP_IPV4);

	off += p->size;
	p = (const void *)(img + off);
	assert_int_equal(p->type, HV_RNDIS_PPI_PKTINFO_ID);
	assert_true((p->type & HV_RNDIS_PPI_INTERNAL) != 0);
	assert_int_equal(p->type & HV_RNDIS_PPI_TYPE_MASK, 1);
	assert_int_equal(p->size - p->offset, HV_RNDIS_PPI_PKTINFO_ID_SIZE);
	id = (const void *)(img + off + p->offset);
	assert_int_equal(id->ver, HV_RNDIS_PKTINFO_ID_VER);
	assert_int_equal(id->flag, HV_RNDIS_PKTINFO_SUBALLOC |
		HV_RNDIS_PKTINFO_FIRST_FRAG);
	assert_int_equal(id->flag & HV_RNDIS_PKTINFO_LAST_FRAG, 0);
	assert_int_equal(id->pkt_id, 0x1234);
	assert_int_equal(off + p->size, sizeof(img));
}

/* ---- NDIS objects (§E.4-E.7) ---------------------------------------------- */

/* NDIS_OFFLOAD revision 3 (156 bytes), every field a distinct value. */
static void
test_ndis_offload(void **state)
{
	uint8_t img[156] = { 0 };
	const struct hv_ndis_offload *o = (const void *)img;
	unsigned int off, i;

	(void)state;
	put8(img, 0, 0xa7);
	put8(img, 1, 3);
	put16(img, 2, 156);
	/* u32 fields 4..108: value = 0x1000 + offset */
	for (off = 4; off <= 108; off += 4)
		put32(img, off, 0x1000 + off);
	put32(img, 112, 0x2112);		/* ipsecv2.encap */
	for (i = 0; i < 11; i++)		/* booleans 116..126 */
		put8(img, 116 + i, (uint8_t)(0x40 + i));
	put32(img, 128, 0x2128);
	put32(img, 132, 0x2132);
	put32(img, 136, 0x2136);
	put32(img, 140, 0x2140);
	put8(img, 144, 1);			/* rsc.ip4 */
	put8(img, 145, 2);			/* rsc.ip6 */
	put32(img, 148, 0x3148);		/* encap_gre.flags */
	put32(img, 152, 0x3152);		/* encap_gre.maxhdr */

	assert_int_equal(o->hdr.type, HV_NDIS_OBJTYPE_OFFLOAD);
	assert_int_equal(o->hdr.rev, HV_NDIS_OFFLOAD_REV_3);
	assert_int_equal(o->hdr.size, HV_NDIS_OFFLOAD_SIZE_REV3);
	assert_int_equal(o->csum.ip4_tx_encap, 0x1004);
	assert_int_equal(o->csum.ip4_tx_csum, 0x1008);
	assert_int_equal(o->csum.ip4_rx_encap, 0x100c);
	assert_int_equal(o->csum.ip4_rx_csum, 0x1010);
	assert_int_equal(o->csum.ip6_tx_encap, 0x1014);
	assert_int_equal(o->csum.ip6_tx_csum, 0x1018);
	assert_int_equal(o->csum.ip6_rx_encap, 0x101c);
	assert_int_equal(o->csum.ip6_rx_csum, 0x1020);
	assert_int_equal(o->lsov1.encap, 0x1024);
	assert_int_equal(o->lsov1.maxsize, 0x1028);
	assert_int_equal(o->lsov1.minsegs, 0x102c);
	assert_int_equal(o->lsov1.opts, 0x1030);
	assert_int_equal(o->ipsecv1.encap, 0x1034);
	assert_int_equal(o->ipsecv1.ah_esp, 0x1038);
	assert_int_equal(o->ipsecv1.xport_tun, 0x103c);
	assert_int_equal(o->ipsecv1.ip4_opts, 0x1040);
	assert_int_equal(o->ipsecv1.flags, 0x1044);
	assert_int_equal(o->ipsecv1.ip4_ah, 0x1048);
	assert_int_equal(o->ipsecv1.ip4_esp, 0x104c);
	assert_int_equal(o->lsov2.ip4_encap, 0x1050);
	assert_int_equal(o->lsov2.ip4_maxsz, 0x1054);
	assert_int_equal(o->lsov2.ip4_minsg, 0x1058);
	assert_int_equal(o->lsov2.ip6_encap, 0x105c);
	assert_int_equal(o->lsov2.ip6_maxsz, 0x1060);
	assert_int_equal(o->lsov2.ip6_minsg, 0x1064);
	assert_int_equal(o->lsov2.ip6_opts, 0x1068);
	assert_int_equal(o->flags, 0x106c);
	assert_int_equal(o->ipsecv2.encap, 0x2112);
	assert_int_equal(o->ipsecv2.ip6, 0x40);
	assert_int_equal(o->ipsecv2.ip4_opts, 0x41);
	assert_int_equal(o->ipsecv2.ip6_exthdr, 0x42);
	assert_int_equal(o->ipsecv2.ah, 0x43);
	assert_int_equal(o->ipsecv2.esp, 0x44);
	assert_int_equal(o->ipsecv2.ah_esp, 0x45);
	assert_int_equal(o->ipsecv2.xport, 0x46);
	assert_int_equal(o->ipsecv2.tun, 0x47);
	assert_int_equal(o->ipsecv2.xport_tun, 0x48);
	assert_int_equal(o->ipsecv2.lso, 0x49);
	assert_int_equal(o->ipsecv2.extseq, 0x4a);
	assert_int_equal(o->ipsecv2.udp_esp, 0x2128);
	assert_int_equal(o->ipsecv2.auth, 0x2132);
	assert_int_equal(o->ipsecv2.crypto, 0x2136);
	assert_int_equal(o->ipsecv2.sa_caps, 0x2140);
	assert_int_equal(o->rsc.ip4, 1);
	assert_int_equal(o->rsc.ip6, 2);
	assert_int_equal(o->encap_gre.flags, 0x3148);
	assert_int_equal(o->encap_gre.maxhdr, 0x3152);
	assert_int_equal(sizeof(*o), sizeof(img));

	/* Revision boundaries: where rev 1 and rev 2 data end. */
	assert_int_equal((const uint8_t *)&o->ipsecv2 - img, 112);
	assert_int_equal((const uint8_t *)&o->rsc - img, 144);

	/* Capability bit values from §E.4 */
	assert_int_equal(HV_NDIS_CSUM_CAP_IP4_OPTS | HV_NDIS_CSUM_CAP_IP4_TCPOPTS |
		HV_NDIS_CSUM_CAP_IP4_TCP | HV_NDIS_CSUM_CAP_IP4_UDP |
		HV_NDIS_CSUM_CAP_IP4_HDR, 0x155);
	assert_int_equal(HV_NDIS_CSUM_CAP_IP6_EXTHDR |
		HV_NDIS_CSUM_CAP_IP6_TCPOPTS | HV_NDIS_CSUM_CAP_IP6_TCP |
		HV_NDIS_CSUM_CAP_IP6_UDP, 0x55);
	assert_int_equal(HV_NDIS_ENCAP_IEEE802_3, 0x2);
}

/* NDIS_OFFLOAD_PARAMETERS, revision 3 / 28 bytes, flags at 16. */
static void
test_ndis_offload_params(void **state)
{
	uint8_t img[28] = { 0 };
	struct hv_ndis_offload_params p;
	const struct hv_ndis_offload_params *rd = (const void *)img;

	(void)state;
	put8(img, 0, 0x80);
	put8(img, 1, 3);
	put16(img, 2, 28);
	put8(img, 4, 1);	/* ip4 off */
	put8(img, 5, 4);	/* tcp4 tx+rx */
	put8(img, 6, 4);	/* udp4 */
	put8(img, 7, 4);	/* tcp6 */
	put8(img, 8, 3);	/* udp6 rx only */
	put8(img, 9, 0);	/* lsov1 no change */
	put8(img, 10, 0);
	put8(img, 11, 2);	/* lsov2 ip4 on */
	put8(img, 12, 1);	/* lsov2 ip6 off */
	put8(img, 22, 2);	/* rsc ip4 on */
	put8(img, 23, 1);	/* rsc ip6 off */
	put8(img, 24, 2);	/* encap off */
	put8(img, 25, 1);	/* NVGRE */

	memset(&p, 0, sizeof(p));
	p.hdr.type = HV_NDIS_OBJTYPE_DEFAULT;
	p.hdr.rev = HV_NDIS_OFFLOAD_PARAMS_REV_3;
	p.hdr.size = HV_NDIS_OFFLOAD_PARAMS_SIZE_REV3;
	p.ip4_csum = HV_NDIS_OFFLOAD_PARAM_OFF;
	p.tcp4_csum = HV_NDIS_OFFLOAD_PARAM_TXRX;
	p.udp4_csum = HV_NDIS_OFFLOAD_PARAM_TXRX;
	p.tcp6_csum = HV_NDIS_OFFLOAD_PARAM_TXRX;
	p.udp6_csum = HV_NDIS_OFFLOAD_PARAM_RX;
	p.lsov1 = HV_NDIS_OFFLOAD_LSO_NOCHG;
	p.ipsecv1 = HV_NDIS_OFFLOAD_IPSECV1_NOCHG;
	p.lsov2_ip4 = HV_NDIS_OFFLOAD_LSO_ON;
	p.lsov2_ip6 = HV_NDIS_OFFLOAD_LSO_OFF;
	p.rsc_ip4 = HV_NDIS_OFFLOAD_RSC_ON;
	p.rsc_ip6 = HV_NDIS_OFFLOAD_RSC_OFF;
	p.encap = HV_NDIS_OFFLOAD_ENCAP_OFF;
	p.encap_types = HV_NDIS_ENCAP_TYPE_NVGRE;
	assert_int_equal(sizeof(p), 28);
	assert_memory_equal(&p, img, sizeof(img));

	/* Fields the guest leaves 0, read at their doc offsets. */
	put8(img, 13, 0x5a);
	put8(img, 14, 0x5b);
	put32(img, 16, 0xdeadbeef);
	put8(img, 20, 0x6a);
	put8(img, 21, 0x6b);
	assert_int_equal(rd->tcp_conn_ip4, 0x5a);
	assert_int_equal(rd->tcp_conn_ip6, 0x5b);
	assert_int_equal(rd->flags, 0xdeadbeef);
	assert_int_equal(rd->ipsecv2, 0x6a);
	assert_int_equal(rd->ipsecv2_ip4, 0x6b);
	assert_int_equal(rd->rsc_ip4, 2);
	assert_int_equal(rd->encap_types, 1);

	/* The NDIS 6.1 form is the first 22 bytes. */
	assert_int_equal(offsetof(struct hv_ndis_offload_params, rsc_ip4),
		HV_NDIS_OFFLOAD_PARAMS_SIZE_REV2);
	assert_int_equal(HV_NDIS_OFFLOAD_PARAMS_SIZE_REV2, 22);
}

/* RSS capabilities, revision 2 / 18 bytes. */
static void
test_ndis_rss_caps(void **state)
{
	uint8_t img[18] = { 0 };
	const struct hv_ndis_rss_caps *c = (const void *)img;

	(void)state;
	put8(img, 0, 0x88);
	put8(img, 1, 2);
	put16(img, 2, 18);
	put32(img, 4, 0x0d000301);	/* MSI, DPC, MSI-X, v4, v6, Toeplitz */
	put32(img, 8, 9);
	put32(img, 12, 4);
	put16(img, 16, 128);
	assert_int_equal(c->hdr.type, HV_NDIS_OBJTYPE_RSS_CAPS);
	assert_int_equal(c->hdr.rev, HV_NDIS_RSS_CAPS_REV_2);
	assert_int_equal(c->hdr.size, HV_NDIS_RSS_CAPS_SIZE_REV2);
	assert_int_equal(c->caps, HV_NDIS_RSS_CAP_HASH_TOEPLITZ |
		HV_NDIS_RSS_CAP_IPV4 | HV_NDIS_RSS_CAP_IPV6 |
		HV_NDIS_RSS_CAP_MSI | HV_NDIS_RSS_CAP_CLASSIFY_DPC |
		HV_NDIS_RSS_CAP_MSIX);
	assert_int_equal(c->num_int_msgs, 9);
	assert_int_equal(c->num_rx_queues, 4);
	assert_int_equal(c->num_indir_entries, HV_NDIS_RSS_INDIR_ENTRIES);
	assert_int_equal(sizeof(*c), 18);
}

/* RSS parameters as Linux/DPDK send them: table at 40, key at 552. */
static void
test_ndis_rss_params(void **state)
{
	static uint8_t img[592];
	static struct hv_ndis_rss_blob b;
	const struct hv_ndis_rss_params *rd = (const void *)img;
	unsigned int i;

	(void)state;
	memset(img, 0, sizeof(img));
	put8(img, 0, 0x89);
	put8(img, 1, 2);
	put16(img, 2, 40);
	put16(img, 4, 0);		/* flags */
	put16(img, 6, 0);		/* base cpu */
	put32(img, 8, 0x1701);		/* Toeplitz, v4, tcp4, v6, tcp6 */
	put16(img, 12, 512);
	put32(img, 16, 40);
	put16(img, 20, 40);
	put32(img, 24, 552);
	for (i = 0; i < 128; i++)
		put32(img, 40 + 4 * i, i % 4);
	memcpy(img + 552, ms_key, sizeof(ms_key));

	memset(&b, 0, sizeof(b));
	b.params.hdr.type = HV_NDIS_OBJTYPE_RSS_PARAMS;
	b.params.hdr.rev = HV_NDIS_RSS_PARAMS_REV_2;
	b.params.hdr.size = HV_NDIS_RSS_PARAMS_SIZE_REV2;
	b.params.hash_info = HV_NDIS_HASH_FUNCTION_TOEPLITZ |
		HV_NDIS_HASH_IPV4 | HV_NDIS_HASH_TCP_IPV4 |
		HV_NDIS_HASH_IPV6 | HV_NDIS_HASH_TCP_IPV6;
	b.params.indir_size = HV_NDIS_RSS_INDIR_SIZE;
	b.params.indir_offset = offsetof(struct hv_ndis_rss_blob, indir);
	b.params.hash_key_size = HV_NDIS_RSS_KEY_SIZE;
	b.params.hash_key_offset = offsetof(struct hv_ndis_rss_blob, key);
	for (i = 0; i < HV_NDIS_RSS_INDIR_ENTRIES; i++)
		b.indir[i] = i % 4;
	memcpy(b.key, ms_key, sizeof(ms_key));
	assert_int_equal(sizeof(b), 592);
	assert_memory_equal(&b, img, sizeof(img));

	/* Host side: go by the offsets. */
	assert_int_equal(rd->hdr.type, HV_NDIS_OBJTYPE_RSS_PARAMS);
	assert_int_equal(rd->hdr.size, 40);
	assert_int_equal(rd->flags, 0);
	assert_int_equal(rd->base_cpu, 0);
	assert_int_equal(rd->hash_info, 0x1701);
	assert_int_equal(rd->indir_size, 512);
	assert_int_equal(rd->indir_offset, 40);
	assert_int_equal(rd->hash_key_size, 40);
	assert_int_equal(rd->hash_key_offset, 552);
	assert_int_equal(rd->proc_masks_offset, 0);
	assert_int_equal(rd->num_proc_masks, 0);
	assert_int_equal(rd->proc_masks_entry_size, 0);
	for (i = 0; i < rd->indir_size / 4; i++)
		assert_int_equal(get32(img, rd->indir_offset + 4 * i), i % 4);
	assert_memory_equal(img + rd->hash_key_offset, ms_key, sizeof(ms_key));

	/* DISABLE first, as every driver does before reprogramming */
	put16(img, 4, 0x10);
	assert_int_equal(rd->flags, HV_NDIS_RSS_FLAG_DISABLE);
}

/* FreeBSD's order: key at 40, table at 80, header size = whole blob. */
static void
test_ndis_rss_params_key_first(void **state)
{
	static uint8_t img[40 + 40 + 512];
	const struct hv_ndis_rss_params *rd = (const void *)img;
	unsigned int i;

	(void)state;
	memset(img, 0, sizeof(img));
	put8(img, 0, 0x89);
	put8(img, 1, 2);
	put16(img, 2, sizeof(img));
	put32(img, 8, 0x0301);		/* Toeplitz, v4, tcp4 */
	put16(img, 12, 512);
	put32(img, 16, 80);
	put16(img, 20, 40);
	put32(img, 24, 40);
	memcpy(img + 40, ms_key, sizeof(ms_key));
	for (i = 0; i < 128; i++)
		put32(img, 80 + 4 * i, 127 - i);

	assert_int_equal(rd->hdr.size, 592);
	assert_int_equal(rd->hash_info & HV_NDIS_HASH_TYPE_MASK,
		HV_NDIS_HASH_IPV4 | HV_NDIS_HASH_TCP_IPV4);
	assert_int_equal(rd->hash_key_offset, 40);
	assert_int_equal(rd->indir_offset, 80);
	assert_memory_equal(img + rd->hash_key_offset, ms_key, sizeof(ms_key));
	for (i = 0; i < rd->indir_size / 4; i++)
		assert_int_equal(get32(img, rd->indir_offset + 4 * i), 127 - i);
}

/* Linux MAC change: "NetworkAddress" = "00155D012345", UTF-16LE. */
static void
test_rndis_netaddr_param(void **state)
{
	static const char name[] = "NetworkAddress";
	static const char value[] = "00155D012345";
	uint8_t img[72] = { 0 };
	struct hv_rndis_netaddr_param p;
	const struct hv_rndis_config_param *rd = (const void *)img;
	unsigned int i;

	(void)state;
	put32(img, 0, 20);
	put32(img, 4, 28);
	put32(img, 8, 2);
	put32(img, 12, 48);
	put32(img, 16, 24);
	for (i = 0; i < 14; i++)
		put16(img, 20 + 2 * i, (uint16_t)name[i]);
	for (i = 0; i < 12; i++)
		put16(img, 48 + 2 * i, (uint16_t)value[i]);

	memset(&p, 0, sizeof(p));
	p.hdr.name_offset = offsetof(struct hv_rndis_netaddr_param, name);
	p.hdr.name_len = sizeof(p.name);
	p.hdr.type = HV_RNDIS_CONFIG_PARAM_STRING;
	p.hdr.value_offset = offsetof(struct hv_rndis_netaddr_param, value);
	p.hdr.value_len = sizeof(p.value);
	for (i = 0; i < HV_RNDIS_NETADDR_NAME_CHARS; i++)
		p.name[i] = (uint16_t)HV_RNDIS_NETADDR_NAME[i];
	for (i = 0; i < HV_RNDIS_NETADDR_VALUE_CHARS; i++)
		p.value[i] = (uint16_t)value[i];
	assert_int_equal(sizeof(p), 72);
	assert_memory_equal(&p, img, sizeof(img));

	assert_int_equal(rd->name_offset, HV_RNDIS_NETADDR_NAME_OFFSET);
	assert_int_equal(rd->name_len, HV_RNDIS_NETADDR_NAME_LEN);
	assert_int_equal(rd->type, HV_RNDIS_CONFIG_PARAM_STRING);
	assert_int_equal(rd->value_offset, HV_RNDIS_NETADDR_VALUE_OFFSET);
	assert_int_equal(rd->value_len, HV_RNDIS_NETADDR_VALUE_LEN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nvsp_init),
		cmocka_unit_test(test_nvsp_init_complete),
		cmocka_unit_test(test_nvsp_versions),
		cmocka_unit_test(test_nvsp_ndis_config),
		cmocka_unit_test(test_nvsp_rxbuf),
		cmocka_unit_test(test_nvsp_rndis_pkt),
		cmocka_unit_test(test_nvsp_indir_table),
		cmocka_unit_test(test_rndis_query_msg),
		cmocka_unit_test(test_rndis_query_cmplt),
		cmocka_unit_test(test_rndis_init),
		cmocka_unit_test(test_rndis_set_status),
		cmocka_unit_test(test_rndis_packet_vlan),
		cmocka_unit_test(test_ppi_tx_bits),
		cmocka_unit_test(test_ppi_rx),
		cmocka_unit_test(test_ndis_offload),
		cmocka_unit_test(test_ndis_offload_params),
		cmocka_unit_test(test_ndis_rss_caps),
		cmocka_unit_test(test_ndis_rss_params),
		cmocka_unit_test(test_ndis_rss_params_key_first),
		cmocka_unit_test(test_rndis_netaddr_param),
	};

	return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
