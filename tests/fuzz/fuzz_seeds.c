/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Seeds for the fuzz corpora: well-formed messages as the host sends
 * them, built with the wire definitions of drivers/common/hyperv, in each
 * target's input layout (the comment at the top of each fuzz_*.c).
 * Usage: fuzz_seeds DIR  (writes DIR/TARGET/NAME files)
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hv_nvsp_wire.h"
#include "hv_ring.h"
#include "hv_rndis_wire.h"
#include "hv_vmbus_wire.h"

struct out {
	uint8_t b[16384];
	size_t n;
};

static const char *root;

static void
put(struct out *o, const void *p, size_t len)
{
	if (o->n + len > sizeof(o->b))
		abort();
	memcpy(o->b + o->n, p, len);
	o->n += len;
}

static void put8(struct out *o, uint8_t v) { put(o, &v, 1); }
static void put16(struct out *o, uint16_t v) { put(o, &v, 2); }
static void put32(struct out *o, uint32_t v) { put(o, &v, 4); }

static void
save(const char *target, const char *name, struct out *o)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(o->b, 1, o->n, f) != o->n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	o->n = 0;
}

/* A 60-byte IPv4/TCP frame, or longer with payload. */
static uint32_t
tcp_frame(uint8_t *f, uint32_t payload)
{
	static const uint8_t hdr[54] = {
		0x00, 0x15, 0x5d, 0x00, 0x00, 0x01, 0x00, 0x15, 0x5d, 0x00, 0x00, 0x02, 0x08, 0x00,
		0x45, 0x00, 0x00, 0x00, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
		0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
		0x13, 0x88, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00,
		0x50, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	};
	uint32_t i, ip_len = 40 + payload;

	memcpy(f, hdr, sizeof(hdr));
	f[16] = (uint8_t)(ip_len >> 8);
	f[17] = (uint8_t)ip_len;
	for (i = 0; i < payload; i++)
		f[54 + i] = (uint8_t)(i * 7);
	return 54 + payload;
}

/* A PACKET_MSG with frame[len] and u32 PPIs (type, value pairs). */
static uint32_t
packet_msg(uint8_t *dst, const uint8_t *frame, uint32_t len, unsigned int nppi,
	   const uint32_t *ppis)
{
	struct hv_rndis_packet_msg h = { .type = HV_RNDIS_PACKET_MSG };
	uint32_t ppi_len = 0;
	unsigned int i;

	for (i = 0; i < nppi; i++)
		ppi_len += hv_rndis_ppi_put_u32(dst + sizeof(h) + ppi_len, ppis[2 * i],
						ppis[2 * i + 1]);
	h.ppi_offset = nppi ? HV_RNDIS_PACKET_MSG_OFFSET_MIN : 0;
	h.ppi_len = ppi_len;
	h.data_offset = HV_RNDIS_PACKET_MSG_OFFSET_MIN + ppi_len;
	h.data_len = len;
	h.len = (uint32_t)sizeof(h) + ppi_len + len;
	memcpy(dst, &h, sizeof(h));
	memcpy(dst + sizeof(h) + ppi_len, frame, len);
	return h.len;
}

static uint32_t
plain_packet(uint8_t *dst, uint32_t payload)
{
	uint8_t f[2048];
	uint32_t len = tcp_frame(f, payload);
	const uint32_t ppis[] = {
		HV_RNDIS_PPI_CSUM, HV_RNDIS_RXCSUM_IP_OK | HV_RNDIS_RXCSUM_TCP_OK,
		HV_RNDIS_PPI_HASHVAL, 0x12345678, HV_RNDIS_PPI_VLAN, 0x0005,
	};

	return packet_msg(dst, f, len, 3, ppis);
}

static uint32_t
init_cmplt(uint8_t *dst, uint32_t rid)
{
	struct hv_rndis_init_cmplt c = {
		.type = HV_RNDIS_INITIALIZE_CMPLT, .len = sizeof(c), .rid = rid,
		.status = HV_RNDIS_STATUS_SUCCESS, .ver_major = 1, .max_pkts_per_msg = 8,
		.max_xfer_size = 6144, .align_factor = 3,
	};

	memcpy(dst, &c, sizeof(c));
	return sizeof(c);
}

static uint32_t
query_cmplt(uint8_t *dst, uint32_t rid, const void *info, uint32_t info_len)
{
	struct hv_rndis_query_cmplt c = {
		.type = HV_RNDIS_QUERY_CMPLT, .len = (uint32_t)sizeof(c) + info_len, .rid = rid,
		.status = HV_RNDIS_STATUS_SUCCESS, .info_len = info_len,
		.info_offset = (uint32_t)sizeof(c) - HV_RNDIS_OFFSET_BASE,
	};

	memcpy(dst, &c, sizeof(c));
	memcpy(dst + sizeof(c), info, info_len);
	return c.len;
}

static uint32_t
status_msg(uint8_t *dst, uint32_t status, uint32_t speed)
{
	struct hv_rndis_status_msg s = {
		.type = HV_RNDIS_INDICATE_STATUS_MSG, .status = status,
		.status_buf_len = speed ? 4 : 0,
		.status_buf_offset = speed ? (uint32_t)sizeof(s) - HV_RNDIS_OFFSET_BASE : 0,
	};

	s.len = (uint32_t)sizeof(s) + s.status_buf_len;
	memcpy(dst, &s, sizeof(s));
	memcpy(dst + sizeof(s), &speed, s.status_buf_len);
	return s.len;
}

/* A VMBus packet: descriptor of type, payload. */
static uint32_t
vmbus_pkt(uint8_t *dst, uint16_t type, uint64_t xid, const void *data, uint32_t dlen)
{
	struct hv_pkt_desc d = { .type = type, .offset8 = 2, .trans_id = xid };
	uint32_t len = (uint32_t)sizeof(d) + dlen;

	d.len8 = (uint16_t)((len + 7) / 8);
	memset(dst, 0, d.len8 * 8u);
	memcpy(dst, &d, sizeof(d));
	memcpy(dst + sizeof(d), data, dlen);
	return d.len8 * 8u;
}

static uint32_t
xfer_pkt(uint8_t *dst, uint64_t xid, const struct hv_xfer_range *r, uint32_t n)
{
	struct hv_xfer_page_hdr h = { .xfer_pageset_id = HV_RXBUF_XFER_PAGESET_ID,
				      .range_cnt = n };
	uint32_t len = (uint32_t)sizeof(h) + n * (uint32_t)sizeof(*r);

	h.desc.type = HV_PKT_DATA_XFER_PAGES;
	h.desc.offset8 = (uint16_t)(len / 8);
	h.desc.len8 = (uint16_t)((len + 7) / 8);
	h.desc.flags = HV_PKT_FLAG_COMPLETION_REQUESTED;
	h.desc.trans_id = xid;
	memset(dst, 0, h.desc.len8 * 8u);
	memcpy(dst, &h, sizeof(h));
	memcpy(dst + sizeof(h), r, n * sizeof(*r));
	return h.desc.len8 * 8u;
}

static void
seeds_ring(struct out *o)
{
	static uint8_t mem[4096 + 1024] __attribute__((aligned(4096)));
	uint8_t body[200];
	struct hv_ring r;
	bool sig;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct iovec iov = { .iov_base = body, .iov_len = sizeof(body) };
		uint8_t desc[16];

		memset(mem, 0, sizeof(mem));
		hv_ring_attach(&r, mem, sizeof(mem));
		hv_ring_init_header(&r, 1);
		hv_ring_attach(&r, mem, sizeof(mem));
		/* start part way so that the packets wrap */
		r.hdr->write_index = r.hdr->read_index = r.reserve_index = r.read_cursor =
			r.windex_seen = i * 320;
		vmbus_pkt(desc, HV_PKT_DATA_INBAND, i, NULL, 0);
		memset(body, 0, sizeof(body));
		memcpy(body, desc, sizeof(desc));
		body[6] = sizeof(body) / 8;	/* len8 */
		for (unsigned int k = 0; k < 3; k++)
			hv_ring_write(&r, &iov, 1, &sig);
		put(o, mem, 16);
		put8(o, 1);
		put(o, mem + 4096, 1024);
		put8(o, 2);
		put16(o, 100);
		put16(o, 300);
		char name[16];
		snprintf(name, sizeof(name), "three-%u", i);
		save("fuzz_ring", name, o);
	}
}

static void
seeds_desc(struct out *o)
{
	uint8_t p[2048], m[64];
	struct hv_nvsp_rndis_pkt_complete c = { .type = HV_NVSP_MSG_RNDIS_PKT_COMPLETE };
	struct hv_nvsp_vf_assoc vf = { .type = HV_NVSP_MSG_VF_ASSOC, .allocated = 1,
				       .serial = 7 };
	struct hv_xfer_range r = { .byte_count = 200, .byte_offset = 0 };
	uint32_t n;

	n = vmbus_pkt(p, HV_PKT_COMPLETION, 3, &c, sizeof(c));
	put16(o, (uint16_t)n);
	put(o, p, n);
	n = vmbus_pkt(p, HV_PKT_DATA_INBAND, 0, &vf, sizeof(vf));
	put16(o, (uint16_t)n);
	put(o, p, n);
	n = xfer_pkt(p, 9, &r, 1);
	put16(o, (uint16_t)n);
	put(o, p, n);
	(void)m;
	save("fuzz_desc", "completion-inband-xfer", o);
}

static void
seeds_xfer(struct out *o)
{
	static uint8_t buf[8192];
	uint32_t a = plain_packet(buf, 100);
	uint32_t b = plain_packet(buf + 1024, 1000);

	put16(o, HV_RXBUF_XFER_PAGESET_ID);
	put32(o, 2);
	put8(o, 2);
	put8(o, 0);
	put32(o, a);
	put32(o, 0);
	put32(o, b);
	put32(o, 1024);
	put(o, buf, 1024 + b);
	save("fuzz_xfer", "two-frames", o);
}

static void
seeds_rndis_pkt(struct out *o)
{
	static uint8_t buf[8192];
	uint32_t one = 1, mtu = 1500, len;

	len = plain_packet(buf, 100);
	put8(o, 0);
	put8(o, 0);
	put16(o, (uint16_t)len);
	put(o, buf, len);
	save("fuzz_rndis_pkt", "frame-ppis", o);

	len = plain_packet(buf, 1400);
	put8(o, 0x80);
	put8(o, 2);
	put16(o, (uint16_t)len);
	put16(o, (uint16_t)len);
	put16(o, (uint16_t)len);
	put(o, buf, len);
	put(o, buf, len);
	put(o, buf, len);
	save("fuzz_rndis_pkt", "three-frames-staged", o);

	{
		uint8_t f[256];
		const uint32_t ppis[] = { HV_RNDIS_PPI_CSUM, HV_RNDIS_RXCSUM_IP_INVALID };
		uint32_t flen = tcp_frame(f, 40);

		f[14 + 10] = 0xde;	/* a wrong IPv4 checksum to recompute */
		len = packet_msg(buf, f, flen, 1, ppis);
		put8(o, 0);
		put8(o, 0);
		put16(o, (uint16_t)len);
		put(o, buf, len);
		save("fuzz_rndis_pkt", "ip-csum-invalid", o);
		put8(o, 0x04 | 0x08);	/* attached in place, copybreak 14 */
		put8(o, 0);
		put16(o, (uint16_t)len);
		put(o, buf, len);
		save("fuzz_rndis_pkt", "ip-csum-invalid-attached", o);
	}

	len = init_cmplt(buf, 1);
	put8(o, 0x40);
	put8(o, 0);
	put16(o, (uint16_t)len);
	put(o, buf, len);
	save("fuzz_rndis_pkt", "init-cmplt", o);

	len = query_cmplt(buf, 1, &mtu, 4);
	put8(o, 0x41);
	put8(o, 0);
	put16(o, (uint16_t)len);
	put(o, buf, len);
	save("fuzz_rndis_pkt", "query-cmplt", o);

	len = status_msg(buf, HV_RNDIS_STATUS_LINK_SPEED_CHANGE, 100000);
	put8(o, 0);
	put8(o, 0);
	put16(o, (uint16_t)len);
	put(o, buf, len);
	save("fuzz_rndis_pkt", "status-speed", o);
	(void)one;
}

static void
seeds_lro(struct out *o)
{
	static uint8_t f[16384];
	uint32_t len = tcp_frame(f, 3000), off = 0, i;
	const uint32_t cut[] = { 1000, 1000, len - 2000 };
	const uint8_t flags[] = {
		HV_RNDIS_PKTINFO_SUBALLOC | HV_RNDIS_PKTINFO_FIRST_FRAG,
		HV_RNDIS_PKTINFO_SUBALLOC,
		HV_RNDIS_PKTINFO_SUBALLOC | HV_RNDIS_PKTINFO_LAST_FRAG,
	};

	for (unsigned int split = 0; split < 2; split++) {
		put8(o, 2);
		put8(o, split ? 2 : 3);
		for (i = 0, off = 0; i < 3; i++) {
			put8(o, flags[i]);
			put8(o, 5);
			put16(o, (uint16_t)cut[i]);
			put(o, f + off, cut[i]);
			off += cut[i];
		}
		save("fuzz_lro", split ? "chain-split" : "chain-one-xfer", o);
	}
	/* eight fragments of 1400 bytes, max_lro_pkt_size 3000: cut in pieces */
	len = tcp_frame(f, 8 * 1400 - 54);
	put8(o, 7 | 3u << 5);
	put8(o, 8);
	for (i = 0, off = 0; i < 8; i++) {
		put8(o, HV_RNDIS_PKTINFO_SUBALLOC | (i == 0 ? HV_RNDIS_PKTINFO_FIRST_FRAG : 0) |
			(i == 7 ? HV_RNDIS_PKTINFO_LAST_FRAG : 0));
		put8(o, 9);
		put16(o, 1400);
		put(o, f + off, 1400);
		off += 1400;
	}
	save("fuzz_lro", "chain-cut-in-pieces", o);
}

static void
seeds_nvsp(struct out *o)
{
	struct hv_nvsp_init_complete ic = { .type = HV_NVSP_MSG_INIT_COMPLETE,
					    .status = HV_NVSP_STATUS_SUCCESS };
	struct hv_nvsp_rxbuf_conn_resp rx = { .type = HV_NVSP_MSG_RXBUF_CONN_RESP,
					      .status = HV_NVSP_STATUS_SUCCESS,
					      .num_sections = 1 };
	struct hv_nvsp_chim_conn_resp ch = { .type = HV_NVSP_MSG_CHIM_CONN_RESP,
					     .status = HV_NVSP_STATUS_SUCCESS,
					     .section_size = 6144 };
	struct hv_nvsp_subch_resp sc = { .type = HV_NVSP_MSG_SUBCHANNEL,
					 .status = HV_NVSP_STATUS_SUCCESS, .num_subch = 3 };
	uint32_t sw[2] = { HV_NVSP_MSG_SWITCH_DATAPATH, HV_NVSP_STATUS_SUCCESS };

	rx.sections[0].sub_alloc_size = 1728;
	rx.sections[0].num_sub_allocs = 1000;
	rx.sections[0].end_offset = 1728000;
	put8(o, 0); put32(o, 0); put8(o, 0); put(o, &ic, sizeof(ic));
	save("fuzz_nvsp_reply", "init", o);
	put8(o, 1); put32(o, 16u << 20); put8(o, 0); put(o, &rx, sizeof(rx));
	save("fuzz_nvsp_reply", "rxbuf", o);
	put8(o, 2); put32(o, 15u << 20); put8(o, 0); put(o, &ch, sizeof(ch));
	save("fuzz_nvsp_reply", "chim", o);
	put8(o, 3); put32(o, 7); put8(o, 0); put(o, &sc, sizeof(sc));
	save("fuzz_nvsp_reply", "subch", o);
	put8(o, 0); put32(o, 0); put8(o, 1); put(o, sw, sizeof(sw));
	save("fuzz_nvsp_reply", "switch", o);
}

static void
seeds_rndis_ctl(struct out *o)
{
	uint8_t buf[1024];
	struct hv_rndis_set_cmplt set = { .type = HV_RNDIS_SET_CMPLT, .len = sizeof(set),
					  .rid = 4, .status = HV_RNDIS_STATUS_SUCCESS };
	struct hv_ndis_offload caps;
	struct hv_ndis_rss_caps rss;
	uint8_t mac[6] = { 0x00, 0x15, 0x5d, 1, 2, 3 };
	uint32_t v = 1500, len;

	len = init_cmplt(buf, 1);
	put8(o, 0); put(o, buf, len); save("fuzz_rndis_ctl", "init", o);
	len = query_cmplt(buf, 2, &v, 4);
	put8(o, 0x01); put(o, buf, len); save("fuzz_rndis_ctl", "query-u32", o);
	len = query_cmplt(buf, 3, mac, 6);
	put8(o, 0x11); put(o, buf, len); save("fuzz_rndis_ctl", "query-mac", o);
	memset(&caps, 0, sizeof(caps));
	caps.hdr.type = HV_NDIS_OBJTYPE_OFFLOAD;
	caps.hdr.rev = HV_NDIS_OFFLOAD_REV_3;
	caps.hdr.size = HV_NDIS_OFFLOAD_SIZE_REV3;
	caps.csum.ip4_tx_csum = caps.csum.ip4_rx_csum = 1;
	caps.lsov2.ip4_encap = HV_NDIS_ENCAP_IEEE802_3;
	caps.lsov2.ip4_maxsz = 62780;
	caps.rsc.ip4 = caps.rsc.ip6 = 1;
	len = query_cmplt(buf, 5, &caps, HV_NDIS_OFFLOAD_SIZE_REV3);
	put8(o, 0x21); put(o, buf, len); save("fuzz_rndis_ctl", "query-offload", o);
	memset(&rss, 0, sizeof(rss));
	rss.hdr.type = HV_NDIS_OBJTYPE_RSS_CAPS;
	rss.hdr.rev = HV_NDIS_RSS_CAPS_REV_2;
	rss.hdr.size = HV_NDIS_RSS_CAPS_SIZE_REV2;
	rss.num_rx_queues = 8;
	rss.num_indir_entries = 128;
	len = query_cmplt(buf, 6, &rss, HV_NDIS_RSS_CAPS_SIZE_REV2);
	put8(o, 0x31); put(o, buf, len); save("fuzz_rndis_ctl", "query-rss", o);
	put8(o, 0x02); put(o, &set, sizeof(set)); save("fuzz_rndis_ctl", "set", o);
	len = status_msg(buf, HV_RNDIS_STATUS_MEDIA_CONNECT, 0);
	put8(o, 0x03); put(o, buf, len); save("fuzz_rndis_ctl", "status-up", o);
	len = status_msg(buf, HV_RNDIS_STATUS_LINK_SPEED_CHANGE, 400000);
	put8(o, 0x03); put(o, buf, len); save("fuzz_rndis_ctl", "status-speed", o);
}

static void
seeds_completion(struct out *o)
{
	unsigned int i;

	put8(o, 3);
	put16(o, 60);
	put16(o, 1000);
	put16(o, 1514);
	put16(o, 200);
	for (i = 0; i < 4; i++) {
		put8(o, 0);
		put8(o, (uint8_t)i);
	}
	save("fuzz_completion", "four-sent-four-completed", o);
	put8(o, 1);
	put16(o, 60);
	put16(o, 100);
	put8(o, 0x80); put8(o, 0);	/* complete, drain */
	put8(o, 0); put8(o, 0);		/* the same again */
	put8(o, 2); put8(o, 1); put32(o, 1);	/* failed status */
	save("fuzz_completion", "duplicate", o);
}

static void
seeds_inband(struct out *o)
{
	struct hv_nvsp_vf_assoc vf = { .type = HV_NVSP_MSG_VF_ASSOC, .allocated = 1,
				       .serial = 7 };
	struct hv_nvsp_switch_datapath sw = { .type = HV_NVSP_MSG_SWITCH_DATAPATH,
					      .active_datapath = HV_NVSP_DATAPATH_SYNTHETIC };

	put16(o, sizeof(vf)); put(o, &vf, sizeof(vf)); put8(o, 0);
	put16(o, sizeof(sw)); put(o, &sw, sizeof(sw)); put8(o, 0);
	vf.allocated = 0;
	put16(o, sizeof(vf)); put(o, &vf, sizeof(vf)); put8(o, 0);
	save("fuzz_inband", "vf-assoc-switch", o);
}

static void
seeds_drain(struct out *o)
{
	static uint8_t ring[8192], buf[8192];
	struct hv_nvsp_rndis_pkt_complete c = { .type = HV_NVSP_MSG_RNDIS_PKT_COMPLETE };
	struct hv_nvsp_vf_assoc vf = { .type = HV_NVSP_MSG_VF_ASSOC, .allocated = 1 };
	struct hv_xfer_range r[2];
	uint32_t n = 0, a, b, s;

	a = plain_packet(buf, 300);
	b = init_cmplt(buf + 1024, 1);
	s = status_msg(buf + 2048, HV_RNDIS_STATUS_MEDIA_DISCONNECT, 0);
	r[0] = (struct hv_xfer_range){ .byte_count = a, .byte_offset = 0 };
	r[1] = (struct hv_xfer_range){ .byte_count = s, .byte_offset = 2048 };
	n += xfer_pkt(ring + n, 1, r, 2);
	n += 8;		/* trailer */
	n += vmbus_pkt(ring + n, HV_PKT_COMPLETION, 0, &c, sizeof(c));
	n += 8;
	n += vmbus_pkt(ring + n, HV_PKT_DATA_INBAND, 0, &vf, sizeof(vf));
	n += 8;
	for (unsigned int wrap = 0; wrap < 2; wrap++) {
		uint32_t rindex = wrap ? (64u << 10) - 64 : 0;

		put32(o, 0);
		put32(o, rindex);
		put8(o, 0);
		put16(o, (uint16_t)n);
		put(o, ring, n);
		put(o, buf, 2048 + s);
		save("fuzz_drain", wrap ? "three-packets-wrapped" : "three-packets", o);
	}
	(void)b;
}

static void
attr(struct out *o, const char *text)
{
	put8(o, (uint8_t)strlen(text));
	put(o, text, strlen(text));
}

static void
seeds_sysfs(struct out *o)
{
	put8(o, 0); put8(o, 0);
	attr(o, "{f8615163-df3e-46c5-913f-f2d2f965ed0e}\n");
	attr(o, "14\n");
	attr(o, "3\n");
	attr(o, "0\n");
	attr(o, "4096");
	save("fuzz_sysfs", "device", o);
	put8(o, 1); put8(o, 0);
	attr(o, "0x200000\n");
	attr(o, "txrx_rings\n");
	save("fuzz_sysfs", "map-rings", o);
	put8(o, 1); put8(o, 3);
	attr(o, "0x1000000\n");
	attr(o, "recv:42\n");
	save("fuzz_sysfs", "map-recv", o);
	put8(o, 2); put8(o, 0);
	attr(o, "");
	attr(o, "2\n");
	attr(o, "5\n");
	save("fuzz_sysfs", "channel", o);
}

int
main(int argc, char **argv)
{
	static struct out o;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	root = argv[1];
	mkdir(root, 0755);
	seeds_ring(&o);
	seeds_desc(&o);
	seeds_xfer(&o);
	seeds_rndis_pkt(&o);
	seeds_lro(&o);
	seeds_nvsp(&o);
	seeds_rndis_ctl(&o);
	seeds_completion(&o);
	seeds_inband(&o);
	seeds_drain(&o);
	seeds_sysfs(&o);
	return 0;
}
