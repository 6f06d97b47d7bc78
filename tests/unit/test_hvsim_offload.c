/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Unit tests of hvsim's data-path offloads (hvsim/vsp/offload.[ch]): checksum
 * computation against an independent RFC 1071 implementation and a known
 * header, TX checksum requests and their validation, LSOv2 segmentation
 * of 64 KiB IPv4 and IPv6 payloads, RX checksum results, the offload
 * parameters, and RSC coalescing with its refusals.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hv_rndis_wire.h"
#include "vsp/offload.h"

#define ETH	14u
#define IP4	20u
#define IP6	40u
#define TCP	20u
#define UDP	8u
#define FRAME_MAX	(70 * 1024)

#define F_FIN	0x01
#define F_SYN	0x02
#define F_PSH	0x08
#define F_ACK	0x10
#define F_CWR	0x80

/* ---- reference checksums (RFC 1071, independent of the code under test) -- */

static uint32_t
ref_add(const uint8_t *p, size_t n, uint32_t acc)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t
ref_fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Sum of the pseudo header and the L4 bytes: 0xffff when the checksum is right. */
static uint16_t
ref_l4_sum(const uint8_t *f, uint32_t l4_off, uint32_t l4_len, uint8_t proto)
{
	uint8_t ph[40] = { 0 };
	uint32_t acc;

	if ((f[ETH] >> 4) == 4) {
		memcpy(ph, f + ETH + 12, 8);
		ph[9] = proto;
		wr16(ph + 10, (uint16_t)l4_len);
		acc = ref_add(ph, 12, 0);
	} else {
		memcpy(ph, f + ETH + 8, 32);
		acc = ref_add(ph, 32, 0);
		acc += l4_len >> 16;
		acc += l4_len & 0xffff;
		acc += proto;
	}
	return ref_fold(ref_add(f + l4_off, l4_len, acc));
}

static uint16_t
ref_ip4_sum(const uint8_t *f)
{
	return ref_fold(ref_add(f + ETH, (f[ETH] & 0xfu) * 4u, 0));
}

/* ---- frames ------------------------------------------------------------------ */

struct spec {
	int ipv;		/* 4 or 6 */
	uint8_t proto;		/* 6 or 17 */
	uint32_t payload;
	uint8_t flags;		/* TCP */
	uint32_t seq;
	bool len_zero;		/* IP length 0 (LSO headers, Linux) */
	bool ext;		/* IPv6: a destination options header */
	bool tcp_opts;		/* TCP: 12 bytes of options */
	uint16_t sport;
};

static uint8_t
pattern(uint32_t i)
{
	return (uint8_t)(i * 7 + 3 + (i >> 9));
}

/* Builds the frame with zero checksums; returns its length, *l4 its offset. */
static uint32_t
build(uint8_t *f, const struct spec *s, uint32_t *l4)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	uint32_t off = ETH, l4hdr, i, l3len;

	memset(f, 0, ETH + IP6 + 8 + TCP + 12);
	memcpy(f, macs, 12);
	l4hdr = s->proto == 6 ? TCP + (s->tcp_opts ? 12 : 0) : UDP;
	if (s->ipv == 4) {
		wr16(f + 12, 0x0800);
		f[off] = 0x45;
		l3len = IP4 + l4hdr + s->payload;
		wr16(f + off + 2, s->len_zero ? 0 : (uint16_t)l3len);
		wr16(f + off + 4, 0x1234);
		wr16(f + off + 6, 0x4000);	/* DF */
		f[off + 8] = 64;
		f[off + 9] = s->proto;
		memcpy(f + off + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
		off += IP4;
	} else {
		wr16(f + 12, 0x86dd);
		f[off] = 0x60;
		l3len = IP6 + (s->ext ? 8 : 0) + l4hdr + s->payload;
		wr16(f + off + 4, s->len_zero ? 0 : (uint16_t)(l3len - IP6));
		f[off + 6] = s->ext ? 60 : s->proto;
		f[off + 7] = 64;
		memcpy(f + off + 8, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(f + off + 24, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
		off += IP6;
		if (s->ext) {	/* destination options: 6 bytes of PadN */
			f[off] = s->proto;
			f[off + 1] = 0;
			f[off + 2] = 1;
			f[off + 3] = 4;
			off += 8;
		}
	}
	*l4 = off;
	wr16(f + off, s->sport ? s->sport : 40000);
	wr16(f + off + 2, s->proto == 6 ? 80 : 53);
	if (s->proto == 6) {
		f[off + 4] = (uint8_t)(s->seq >> 24);
		f[off + 5] = (uint8_t)(s->seq >> 16);
		f[off + 6] = (uint8_t)(s->seq >> 8);
		f[off + 7] = (uint8_t)s->seq;
		memcpy(f + off + 8, "\x01\x02\x03\x04", 4);
		f[off + 12] = (uint8_t)((l4hdr / 4) << 4);
		f[off + 13] = s->flags;
		wr16(f + off + 14, 0xffff);
		if (s->tcp_opts)	/* NOP NOP timestamps */
			memcpy(f + off + 20, "\x01\x01\x08\x0a\0\0\0\x07\0\0\0\x09", 12);
	} else {
		wr16(f + off + 4, (uint16_t)(UDP + s->payload));
	}
	for (i = 0; i < s->payload; i++)
		f[off + l4hdr + i] = pattern(i);
	return off + l4hdr + s->payload;
}

/* Fill in right checksums with the reference (a frame from a good sender). */
static void
ref_fill(uint8_t *f, uint32_t len, uint32_t l4, uint8_t proto)
{
	uint32_t csum = l4 + (proto == 6 ? 16 : 6);

	if ((f[ETH] >> 4) == 4) {
		wr16(f + ETH + 10, 0);
		wr16(f + ETH + 10, (uint16_t)~ref_ip4_sum(f));
	}
	wr16(f + csum, 0);
	wr16(f + csum, (uint16_t)~ref_l4_sum(f, l4, len - l4, proto));
}

static struct hvsim_ofl_config
all_on(void)
{
	struct hvsim_ofl_config c = {
		.ip4 = HV_NDIS_OFFLOAD_PARAM_TXRX, .tcp4 = HV_NDIS_OFFLOAD_PARAM_TXRX,
		.udp4 = HV_NDIS_OFFLOAD_PARAM_TXRX, .tcp6 = HV_NDIS_OFFLOAD_PARAM_TXRX,
		.udp6 = HV_NDIS_OFFLOAD_PARAM_TXRX,
		.lso4 = true, .lso6 = true, .rsc4 = true, .rsc6 = true,
	};

	return c;
}

static uint8_t *
frame_buf(void)
{
	uint8_t *f = calloc(1, FRAME_MAX);

	assert_non_null(f);
	return f;
}

/* ---- parsing ------------------------------------------------------------------ */

static void
test_parse(void **state)
{
	struct spec s6 = { .ipv = 6, .proto = 17, .payload = 100, .ext = true };
	struct spec s4 = { .ipv = 4, .proto = 6, .payload = 10, .tcp_opts = true };
	struct hvsim_ofl_layout l;
	uint8_t *f = frame_buf();
	uint32_t len, l4;

	(void)state;
	len = build(f, &s4, &l4);
	assert_int_equal(hvsim_ofl_parse(f, len, &l), 0);
	assert_int_equal(l.ip_ver, 4);
	assert_int_equal(l.l4_proto, 6);
	assert_int_equal(l.l4_off, ETH + IP4);
	assert_int_equal(l.l4_hdr_len, 32);
	assert_int_equal(l.l4_len, 32 + 10);
	/* Ethernet padding is not part of the IP packet */
	assert_int_equal(hvsim_ofl_parse(f, len + 6, &l), 0);
	assert_int_equal(l.l3_len, IP4 + 32 + 10);

	len = build(f, &s6, &l4);
	assert_int_equal(hvsim_ofl_parse(f, len, &l), 0);
	assert_int_equal(l.ip_ver, 6);
	assert_int_equal(l.l4_proto, 17);
	assert_int_equal(l.l4_off, ETH + IP6 + 8);
	assert_int_equal(l.l4_len, UDP + 100);

	/* truncated, inconsistent, not IP */
	assert_int_equal(hvsim_ofl_parse(f, len - 1, &l), -EINVAL);
	assert_int_equal(hvsim_ofl_parse(f, 13, &l), -EINVAL);
	wr16(f + 12, 0x0806);
	assert_int_equal(hvsim_ofl_parse(f, len, &l), -EPROTONOSUPPORT);
	free(f);
}

/* ---- checksums ------------------------------------------------------------------ */

/* The IPv4 header example everybody uses: checksum 0xb861. */
static void
test_ip4_known_header(void **state)
{
	static const uint8_t hdr[20] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
	};
	struct hvsim_ofl_config cfg = all_on();
	uint8_t *f = frame_buf();
	unsigned int did;
	const char *why;

	(void)state;
	wr16(f + 12, 0x0800);
	memcpy(f + ETH, hdr, sizeof(hdr));
	wr16(f + ETH + IP4 + 4, 0x73 - IP4);	/* UDP length */
	assert_int_equal(hvsim_ofl_tx_csum(f, ETH + 0x73, HV_RNDIS_TXCSUM_IPV4 |
					   HV_RNDIS_TXCSUM_IP, &cfg, &did, &why), 0);
	assert_int_equal(did, HVSIM_OFL_DID_IP);
	assert_int_equal(be16(f + ETH + 10), 0xb861);
	free(f);
}

struct csum_case {
	int ipv;
	uint8_t proto;
	bool ext;
	uint32_t payload;
};

/* Request each checksum with garbage in the field: the result equals the
 * reference, and the verifier agrees. */
static void
test_tx_csum_vs_reference(void **state)
{
	static const struct csum_case cases[] = {
		{ 4, 6, false, 1 }, { 4, 6, false, 1460 }, { 4, 17, false, 0 },
		{ 4, 17, false, 333 }, { 6, 6, false, 1440 }, { 6, 6, true, 7 },
		{ 6, 17, false, 1 }, { 6, 17, true, 1000 },
	};
	struct hvsim_ofl_config cfg = all_on();
	uint8_t *f = frame_buf(), *ref = frame_buf();
	unsigned int i, did;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct csum_case *k = &cases[i];
		struct spec s = { .ipv = k->ipv, .proto = k->proto, .payload = k->payload,
				  .ext = k->ext, .flags = F_ACK, .seq = 99 };
		uint32_t len, l4, csum, req;
		struct hvsim_csum_check chk;
		const char *why = NULL;

		len = build(ref, &s, &l4);
		ref_fill(ref, len, l4, k->proto);
		csum = l4 + (k->proto == 6 ? 16 : 6);
		memcpy(f, ref, len);
		wr16(f + csum, 0xbeef);		/* whatever the guest left there */
		if (k->ipv == 4)
			wr16(f + ETH + 10, 0xdead);
		req = (k->ipv == 4 ? HV_RNDIS_TXCSUM_IPV4 | HV_RNDIS_TXCSUM_IP :
				     HV_RNDIS_TXCSUM_IPV6) |
		      (k->proto == 6 ? HV_RNDIS_TXCSUM_TCP : HV_RNDIS_TXCSUM_UDP) |
		      HV_RNDIS_TXCSUM_HDROFF(l4);
		assert_int_equal(hvsim_ofl_tx_csum(f, len, req, &cfg, &did, &why), 0);
		assert_null(why);
		assert_int_equal(did, (k->ipv == 4 ? HVSIM_OFL_DID_IP : 0) |
				      (k->proto == 6 ? HVSIM_OFL_DID_TCP : HVSIM_OFL_DID_UDP));
		assert_memory_equal(f, ref, len);
		assert_int_equal(ref_l4_sum(f, l4, len - l4, k->proto), 0xffff);
		hvsim_ofl_check(f, len, &chk);
		assert_int_equal(chk.l4, HVSIM_CSUM_GOOD);
		assert_int_equal(chk.ip, k->ipv == 4 ? HVSIM_CSUM_GOOD : HVSIM_CSUM_NONE);
	}
	free(f);
	free(ref);
}

/* FreeBSD sends no header offset: the host finds the header itself. A TCP
 * request alone leaves the IPv4 header checksum untouched. */
static void
test_tx_csum_no_offset_l4_only(void **state)
{
	struct spec s = { .ipv = 4, .proto = 6, .payload = 50, .flags = F_ACK };
	struct hvsim_ofl_config cfg = all_on();
	uint8_t *f = frame_buf();
	unsigned int did;
	const char *why;
	uint32_t len, l4;

	(void)state;
	len = build(f, &s, &l4);
	wr16(f + ETH + 10, 0x1111);
	assert_int_equal(hvsim_ofl_tx_csum(f, len, HV_RNDIS_TXCSUM_IPV4 | HV_RNDIS_TXCSUM_TCP,
					   &cfg, &did, &why), 0);
	assert_int_equal(did, HVSIM_OFL_DID_TCP);
	assert_int_equal(be16(f + ETH + 10), 0x1111);
	assert_int_equal(ref_l4_sum(f, l4, len - l4, 6), 0xffff);
	free(f);
}

struct bad_req {
	int ipv;
	uint8_t proto;
	uint32_t req;
	uint8_t tcp4;		/* TX setting of tcp4 (others on) */
	bool len_zero;
	const char *rule;	/* substring of the reason */
};

static void
test_tx_csum_rejects(void **state)
{
	const uint32_t v4 = HV_RNDIS_TXCSUM_IPV4, v6 = HV_RNDIS_TXCSUM_IPV6;
	const uint32_t tcp = HV_RNDIS_TXCSUM_TCP, udp = HV_RNDIS_TXCSUM_UDP;
	const uint8_t on = HV_NDIS_OFFLOAD_PARAM_TXRX;
	const struct bad_req cases[] = {
		{ 4, 6, v6 | tcp, on, false, "IP version is not the frame's" },
		{ 6, 6, v4 | tcp, on, false, "IP version is not the frame's" },
		{ 4, 6, tcp, on, false, "neither or both" },
		{ 4, 6, v4 | v6 | tcp, on, false, "neither or both" },
		{ 4, 17, v4 | tcp, on, false, "not the frame's transport" },
		{ 4, 6, v4 | udp, on, false, "not the frame's transport" },
		{ 4, 6, v4 | tcp | udp, on, false, "both TCP and UDP" },
		{ 6, 6, v6 | HV_RNDIS_TXCSUM_IP, on, false, "IPv4 header checksum requested" },
		{ 4, 6, v4 | tcp | 0x20, on, false, "reserved bits" },
		{ 4, 6, v4 | tcp | HV_RNDIS_TXCSUM_HDROFF(30), on, false, "header offset" },
		{ 4, 6, v4 | tcp, on, true, "IP length is 0" },
		/* what DPDK's 2 | 3 makes of "TX and RX": RX only */
		{ 4, 6, v4 | tcp, HV_NDIS_OFFLOAD_PARAM_RX, false, "not enabled for TX" },
		{ 4, 6, v4 | tcp, HV_NDIS_OFFLOAD_PARAM_OFF, false, "not enabled for TX" },
	};
	uint8_t *f = frame_buf(), *orig = frame_buf();
	unsigned int i, did;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spec s = { .ipv = cases[i].ipv, .proto = cases[i].proto, .payload = 20,
				  .flags = F_ACK, .len_zero = cases[i].len_zero };
		struct hvsim_ofl_config cfg = all_on();
		const char *why = NULL;
		uint32_t len, l4;

		cfg.tcp4 = cases[i].tcp4;
		len = build(f, &s, &l4);
		memcpy(orig, f, len);
		assert_int_equal(hvsim_ofl_tx_csum(f, len, cases[i].req, &cfg, &did, &why),
				 -EINVAL);
		assert_non_null(why);
		if (strstr(why, cases[i].rule) == NULL)
			fail_msg("case %u: \"%s\" does not say \"%s\"", i, why, cases[i].rule);
		assert_int_equal(did, 0);
		assert_memory_equal(f, orig, len);	/* nothing applied */
	}
	free(f);
	free(orig);
}

/* ---- RX checksum results ----------------------------------------------------------- */

static void
test_rx_csum_info(void **state)
{
	struct spec tcp4 = { .ipv = 4, .proto = 6, .payload = 100, .flags = F_ACK };
	struct spec udp4 = { .ipv = 4, .proto = 17, .payload = 64 };
	struct spec udp6 = { .ipv = 6, .proto = 17, .payload = 64 };
	struct hvsim_ofl_config on = all_on(), off, tx_only;
	struct hvsim_csum_check chk;
	uint8_t *f = frame_buf();
	uint32_t len, l4;

	(void)state;
	hvsim_ofl_config_init(&off);
	tx_only = off;
	tx_only.ip4 = tx_only.tcp4 = HV_NDIS_OFFLOAD_PARAM_TX;

	len = build(f, &tcp4, &l4);
	ref_fill(f, len, l4, 6);
	hvsim_ofl_check(f, len, &chk);
	assert_int_equal(hvsim_ofl_rx_csum_info(&chk, &on),
			 HV_RNDIS_RXCSUM_IP_OK | HV_RNDIS_RXCSUM_TCP_OK);
	assert_int_equal(hvsim_ofl_rx_csum_info(&chk, &off), 0);
	assert_int_equal(hvsim_ofl_rx_csum_info(&chk, &tx_only), 0);

	f[len - 1] ^= 0x40;	/* payload damaged */
	hvsim_ofl_check(f, len, &chk);
	assert_int_equal(hvsim_ofl_rx_csum_info(&chk, &on),
			 HV_RNDIS_RXCSUM_IP_OK | HV_RNDIS_RXCSUM_TCP_FAILED);
	f[ETH + 8] = 63;	/* TTL changed, checksum not */
	hvsim_ofl_check(f, len, &chk);
	assert_int_equal(hvsim_ofl_rx_csum_info(&chk, &on),
			 HV_RNDIS_RXCSUM_IP_FAILED | HV_RNDIS_RXCSUM_TCP_FAILED);

	/* UDP checksum 0: "none" over IPv4, forbidden over IPv6 */
	len = build(f, &udp4, &l4);
	ref_fill(f, len, l4, 17);
	wr16(f + l4 + 6, 0);
	hvsim_ofl_check(f, len, &chk);
	assert_int_equal(hvsim_ofl_rx_csum_info(&chk, &on),
			 HV_RNDIS_RXCSUM_IP_OK | HV_RNDIS_RXCSUM_UDP_OK);
	len = build(f, &udp6, &l4);
	hvsim_ofl_check(f, len, &chk);
	assert_int_equal(hvsim_ofl_rx_csum_info(&chk, &on), HV_RNDIS_RXCSUM_UDP_FAILED);
	ref_fill(f, len, l4, 17);
	hvsim_ofl_check(f, len, &chk);
	assert_int_equal(hvsim_ofl_rx_csum_info(&chk, &on), HV_RNDIS_RXCSUM_UDP_OK);
	free(f);
}

/* ---- offload parameters ----------------------------------------------------------- */

static void
params(uint8_t *b, uint8_t rev, uint16_t size)
{
	memset(b, 0, 28);
	b[0] = HV_NDIS_OBJTYPE_DEFAULT;
	b[1] = rev;
	b[2] = (uint8_t)size;
	b[3] = (uint8_t)(size >> 8);
}

static void
test_params(void **state)
{
	struct hvsim_ofl_config c;
	const char *why;
	uint8_t b[28];

	(void)state;
	hvsim_ofl_config_init(&c);
	assert_int_equal(c.tcp4, HV_NDIS_OFFLOAD_PARAM_OFF);
	assert_false(c.lso4 || c.rsc4);

	/* DPDK asks "TX | RX" as 2 | 3 = 3: RX only */
	params(b, 3, 28);
	b[5] = 3;		/* tcp4 */
	b[4] = 2;		/* ip4 TX */
	b[11] = b[12] = 2;	/* LSOv2 */
	assert_int_equal(hvsim_ofl_params_apply(&c, b, 28, false, &why), 0);
	assert_int_equal(c.tcp4, HV_NDIS_OFFLOAD_PARAM_RX);
	assert_true(hvsim_ofl_rx_on(c.tcp4));
	assert_false(hvsim_ofl_tx_on(c.tcp4));
	assert_true(hvsim_ofl_tx_on(c.ip4));
	assert_true(c.lso4 && c.lso6);
	assert_int_equal(c.udp4, HV_NDIS_OFFLOAD_PARAM_OFF);

	/* 0 changes nothing; 1 turns off */
	params(b, 3, 28);
	b[12] = 1;
	b[8] = 4;
	assert_int_equal(hvsim_ofl_params_apply(&c, b, 28, false, &why), 0);
	assert_int_equal(c.tcp4, HV_NDIS_OFFLOAD_PARAM_RX);
	assert_true(c.lso4);
	assert_false(c.lso6);
	assert_int_equal(c.udp6, HV_NDIS_OFFLOAD_PARAM_TXRX);

	/* Linux: revision 3 with the 22-byte form; RSC bytes beyond it unread */
	params(b, 3, 22);
	b[7] = 4;
	b[22] = 2;
	assert_int_equal(hvsim_ofl_params_apply(&c, b, 22, false, &why), 0);
	assert_int_equal(c.tcp6, HV_NDIS_OFFLOAD_PARAM_TXRX);
	assert_false(c.rsc4);

	/* RSC only when offered (NVSP 6.1) */
	params(b, 3, 28);
	b[22] = 2;
	assert_int_equal(hvsim_ofl_params_apply(&c, b, 28, false, &why), -EINVAL);
	assert_non_null(strstr(why, "RSC"));
	assert_false(c.rsc4);
	assert_int_equal(hvsim_ofl_params_apply(&c, b, 28, true, &why), 0);
	assert_true(c.rsc4);
	assert_false(c.rsc6);

	/* broken objects change nothing */
	params(b, 3, 28);
	b[5] = 5;
	assert_int_equal(hvsim_ofl_params_apply(&c, b, 28, true, &why), -EINVAL);
	b[5] = 0;
	b[9] = 2;	/* LSOv1: not offered */
	assert_int_equal(hvsim_ofl_params_apply(&c, b, 28, true, &why), -EINVAL);
	params(b, 3, 28);
	b[0] = 0x81;
	assert_int_equal(hvsim_ofl_params_apply(&c, b, 28, true, &why), -EINVAL);
	params(b, 3, 28);
	assert_int_equal(hvsim_ofl_params_apply(&c, b, 27, true, &why), -EINVAL);
	params(b, 3, 20);
	assert_int_equal(hvsim_ofl_params_apply(&c, b, 28, true, &why), -EINVAL);
	assert_int_equal(c.tcp4, HV_NDIS_OFFLOAD_PARAM_RX);
	assert_int_equal(hvsim_ofl_params_apply(&c, b, 2, true, &why), -EINVAL);
}

/* ---- LSOv2 ---------------------------------------------------------------------------- */

static const struct hvsim_ofl_limits big_limits = {
	.max_frame = 9014, .lso_max = 65536, .lso_min_segs = 2,
};

/*
 * Every segment: its length, IP length and id, sequence number, flags,
 * both checksums (reference), and its slice of the original payload.
 */
static void
check_segments(const uint8_t *orig, const struct spec *s, uint32_t l4, uint32_t mss,
	       uint32_t want_segs, uint32_t last_payload)
{
	const struct hvsim_ofl_config cfg = all_on();
	uint32_t len = l4 + TCP + s->payload, hdr = l4 + TCP, i;
	uint32_t req = HV_RNDIS_LSO2_TYPE_V2 | HV_RNDIS_LSO2_MSS(mss) |
		       HV_RNDIS_LSO2_THOFF(l4) | (s->ipv == 6 ? HV_RNDIS_LSO2_IPV6 : 0);
	uint8_t *seg = frame_buf();
	struct hvsim_lso lso;
	const char *why = NULL;

	assert_int_equal(hvsim_lso_prepare(&lso, orig, len, req, &cfg, &big_limits, &why), 0);
	assert_null(why);
	assert_int_equal(lso.nseg, want_segs);
	assert_int_equal(lso.mss, mss);
	assert_int_equal(lso.hdr_len, hdr);
	for (i = 0; i < lso.nseg; i++) {
		uint32_t n = hvsim_lso_segment(&lso, i, seg);
		uint32_t chunk = i + 1 < lso.nseg ? mss : last_payload;
		uint8_t flags = seg[l4 + 13];

		assert_int_equal(n, hdr + chunk);
		if (s->ipv == 4) {
			assert_int_equal(be16(seg + ETH + 2), IP4 + TCP + chunk);
			assert_int_equal(be16(seg + ETH + 4), (uint16_t)(0x1234 + i));
			assert_int_equal(ref_ip4_sum(seg), 0xffff);
		} else {
			assert_int_equal(be16(seg + ETH + 4), l4 - ETH - IP6 + TCP + chunk);
		}
		assert_int_equal(be32(seg + l4 + 4), s->seq + i * mss);
		assert_int_equal(flags & F_ACK, F_ACK);
		/* FIN/PSH only on the last segment, CWR only on the first */
		assert_int_equal(flags & (F_FIN | F_PSH),
				 i + 1 == lso.nseg ? s->flags & (F_FIN | F_PSH) : 0);
		assert_int_equal(flags & F_CWR, i == 0 ? s->flags & F_CWR : 0);
		assert_int_equal(ref_l4_sum(seg, l4, n - l4, 6), 0xffff);
		assert_memory_equal(seg + hdr, orig + hdr + i * mss, chunk);
		/* everything else of the header is the original's */
		assert_memory_equal(seg, orig, ETH + (s->ipv == 4 ? 2 : 4));
		assert_memory_equal(seg + l4, orig + l4, 4);
	}
	free(seg);
}

static void
test_lso_64k_ipv4(void **state)
{
	/* Linux's LSO headers: IP total length 0 (65536 + 40 does not fit) */
	struct spec s = { .ipv = 4, .proto = 6, .payload = 65536, .len_zero = true,
			  .flags = F_ACK | F_PSH | F_FIN | F_CWR, .seq = 0xfffff000u };
	uint8_t *f = frame_buf();
	uint32_t l4;

	(void)state;
	build(f, &s, &l4);
	/* 44 * 1460 = 64240, then 1296: 45 segments; seq wraps past 2^32 */
	check_segments(f, &s, l4, 1460, 45, 1296);
	free(f);
}

static void
test_lso_64k_ipv6(void **state)
{
	/* extension header before TCP; 45 * 1440 = 64800, then 736 */
	struct spec s = { .ipv = 6, .proto = 6, .payload = 65536, .len_zero = true, .ext = true,
			  .flags = F_ACK | F_PSH | F_CWR, .seq = 1000 };
	uint8_t *f = frame_buf();
	uint32_t l4;

	(void)state;
	build(f, &s, &l4);
	check_segments(f, &s, l4, 1440, 46, 736);
	free(f);
}

static void
test_lso_dpdk_headers(void **state)
{
	/* DPDK sends the real IP length and leaves the checksums to chance */
	struct spec s = { .ipv = 4, .proto = 6, .payload = 60000, .flags = F_ACK, .seq = 7 };
	uint8_t *f = frame_buf();
	uint32_t l4;

	(void)state;
	build(f, &s, &l4);
	wr16(f + ETH + 10, 0x5555);
	wr16(f + l4 + 16, 0xaaaa);
	/* 41 * 1460 = 59860, then 140 */
	check_segments(f, &s, l4, 1460, 42, 140);
	free(f);
}

struct lso_bad {
	int ipv;
	uint8_t proto;
	uint32_t payload;
	uint32_t req;		/* THOFF and the IPv6 bit added unless raw */
	bool raw;
	bool lso4_off;
	int32_t len_delta;	/* frame length vs the IP length */
	const char *rule;
};

static void
test_lso_rejects(void **state)
{
	const uint32_t v2 = HV_RNDIS_LSO2_TYPE_V2;
	const struct lso_bad cases[] = {
		{ 4, 6, 3000, HV_RNDIS_LSO2_MSS(1460), false, false, 0, "LSOv1" },
		{ 4, 6, 3000, v2, false, false, 0, "MSS 0" },
		{ 4, 6, 3000, v2 | HV_RNDIS_LSO2_MSS(1460), false, true, 0, "not enabled" },
		{ 4, 6, 3000, v2 | HV_RNDIS_LSO2_MSS(1460) | HV_RNDIS_LSO2_IPV6, true, false, 0,
		  "not TCP over the IP version" },
		{ 4, 17, 3000, v2 | HV_RNDIS_LSO2_MSS(1460), false, false, 0,
		  "not TCP over the IP version" },
		{ 4, 6, 3000, v2 | HV_RNDIS_LSO2_MSS(1460) | HV_RNDIS_LSO2_THOFF(36), true, false,
		  0, "TCP header offset" },
		{ 4, 6, 1460, v2 | HV_RNDIS_LSO2_MSS(1460), false, false, 0, "fewer segments" },
		{ 4, 6, 0, v2 | HV_RNDIS_LSO2_MSS(1460), false, false, 0, "payload empty" },
		{ 6, 6, 65000, v2 | HV_RNDIS_LSO2_MSS(1440), false, false, 0, "maximum size" },
		{ 4, 6, 30000, v2 | HV_RNDIS_LSO2_MSS(9000), false, false, 0, "MTU" },
		{ 4, 6, 3000, v2 | HV_RNDIS_LSO2_MSS(1460), false, false, 4, "IP length" },
	};
	const struct hvsim_ofl_limits lim = { .max_frame = 1514, .lso_max = 62780,
					      .lso_min_segs = 2 };
	uint8_t *f = frame_buf();
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct lso_bad *k = &cases[i];
		struct spec s = { .ipv = k->ipv, .proto = k->proto, .payload = k->payload,
				  .flags = F_ACK };
		struct hvsim_ofl_config cfg = all_on();
		const char *why = NULL;
		struct hvsim_lso lso;
		uint32_t len, l4, req = k->req;

		cfg.lso4 = !k->lso4_off;
		len = build(f, &s, &l4);
		if (!k->raw)
			req |= HV_RNDIS_LSO2_THOFF(l4) | (k->ipv == 6 ? HV_RNDIS_LSO2_IPV6 : 0);
		assert_int_equal(hvsim_lso_prepare(&lso, f, len + k->len_delta, req, &cfg, &lim,
						   &why), -EINVAL);
		assert_non_null(why);
		if (strstr(why, k->rule) == NULL)
			fail_msg("case %u: \"%s\" does not say \"%s\"", i, why, k->rule);
	}
	free(f);
}

/* FreeBSD sends no TCP header offset: accepted, the host finds it. */
static void
test_lso_no_offset(void **state)
{
	struct spec s = { .ipv = 6, .proto = 6, .payload = 2881, .flags = F_ACK };
	const struct hvsim_ofl_limits lim = { .max_frame = 1514, .lso_max = 62780,
					      .lso_min_segs = 2 };
	struct hvsim_ofl_config cfg = all_on();
	uint8_t *f = frame_buf();
	struct hvsim_lso lso;
	const char *why;
	uint32_t len, l4;

	(void)state;
	len = build(f, &s, &l4);
	assert_int_equal(hvsim_lso_prepare(&lso, f, len, HV_RNDIS_LSO2_TYPE_V2 |
					   HV_RNDIS_LSO2_IPV6 | HV_RNDIS_LSO2_MSS(1440),
					   &cfg, &lim, &why), 0);
	assert_int_equal(lso.nseg, 3);	/* 1440 + 1440 + 1 */
	free(f);
}

/* ---- RSC -------------------------------------------------------------------------------- */

/* Segment k of a flow: right checksums, in order. */
static uint32_t
flow_seg(uint8_t *f, int ipv, uint32_t k, uint32_t payload, uint8_t flags, uint16_t sport)
{
	struct spec s = { .ipv = ipv, .proto = 6, .payload = payload, .flags = flags,
			  .seq = 5000 + k * payload, .tcp_opts = true, .sport = sport };
	uint32_t len, l4, i;

	len = build(f, &s, &l4);
	for (i = 0; i < payload; i++)	/* payload tells where it belongs */
		f[l4 + 32 + i] = pattern(k * payload + i);
	if (ipv == 4)
		wr16(f + ETH + 4, (uint16_t)(0x1234 + k));	/* ids differ per segment */
	ref_fill(f, len, l4, 6);
	return len;
}

static void
check_coalesced(struct hvsim_rsc *r, int ipv, uint32_t n, uint32_t payload)
{
	uint32_t l4 = ETH + (ipv == 4 ? IP4 : IP6), hdr = l4 + 32, i, off, len, pos = 0;

	assert_int_equal(r->nseg, n);
	assert_int_equal(r->len, hdr + n * payload);
	if (ipv == 4)
		assert_int_equal(be16(r->frame + ETH + 2), IP4 + 32 + n * payload);
	else
		assert_int_equal(be16(r->frame + ETH + 4), 32 + n * payload);
	assert_int_equal(be32(r->frame + l4 + 4), 5000);
	for (i = 0; i < n * payload; i++)
		if (r->frame[hdr + i] != pattern(i))
			fail_msg("coalesced payload byte %u wrong", i);
	/* fragments: the headers and the first payload, then one payload each */
	for (i = 0; i < n; i++) {
		hvsim_rsc_fragment(r, i, &off, &len);
		assert_int_equal(off, pos);
		assert_int_equal(len, payload + (i == 0 ? hdr : 0));
		pos += len;
	}
	assert_int_equal(pos, r->len);
}

static void
test_rsc_coalesce_fixed_checksums(void **state)
{
	struct hvsim_ofl_config cfg;	/* RX checksum off: the guest verifies */
	struct hvsim_rsc *r = calloc(1, sizeof(*r));
	uint8_t *f = frame_buf();
	uint32_t k, len;

	(void)state;
	hvsim_ofl_config_init(&cfg);
	cfg.rsc4 = true;
	len = flow_seg(f, 4, 0, 1000, F_ACK, 0);
	assert_int_equal(hvsim_rsc_start(r, f, len, 7), 0);
	for (k = 1; k < 10; k++) {
		len = flow_seg(f, 4, k, 1000, k == 9 ? F_ACK | F_PSH : F_ACK, 0);
		assert_int_equal(hvsim_rsc_add(r, f, len, 7), 0);
	}
	assert_true(r->closed);		/* PSH ends it */
	len = flow_seg(f, 4, 10, 1000, F_ACK, 0);
	assert_int_equal(hvsim_rsc_add(r, f, len, 7), -EAGAIN);

	assert_int_equal(hvsim_rsc_finish(r, &cfg), 0);
	check_coalesced(r, 4, 10, 1000);
	assert_int_equal(r->frame[ETH + IP4 + 13], F_ACK | F_PSH);
	assert_int_equal(ref_ip4_sum(r->frame), 0xffff);
	assert_int_equal(ref_l4_sum(r->frame, ETH + IP4, r->len - ETH - IP4, 6), 0xffff);
	free(f);
	free(r);
}

static void
test_rsc_coalesce_stale_checksums(void **state)
{
	struct hvsim_ofl_config cfg = all_on();
	struct hvsim_rsc *r = calloc(1, sizeof(*r));
	uint8_t *f = frame_buf(), first_csum[4];
	uint32_t k, len, l4 = ETH + IP6;

	(void)state;
	len = flow_seg(f, 6, 0, 1400, F_ACK, 0);
	memcpy(first_csum, f + l4 + 16, 2);
	assert_int_equal(hvsim_rsc_start(r, f, len, 0), 0);
	for (k = 1; k < 46; k++) {
		len = flow_seg(f, 6, k, 1400, F_ACK, 0);
		assert_int_equal(hvsim_rsc_add(r, f, len, 0), 0);
	}
	/* 47 * 1400 + 72 would pass 65535 bytes of IP packet */
	len = flow_seg(f, 6, 46, 1400, F_ACK, 0);
	assert_int_equal(hvsim_rsc_add(r, f, len, 0), -EAGAIN);
	/* the host reports the checksums it checked, values stale (§F.4) */
	assert_int_equal(hvsim_rsc_finish(r, &cfg),
			 HV_RNDIS_RXCSUM_TCP_OK | HV_RNDIS_RXCSUM_TCP_INVALID);
	check_coalesced(r, 6, 46, 1400);
	assert_memory_equal(r->frame + l4 + 16, first_csum, 2);
	free(f);
	free(r);
}

static void
test_rsc_refusals(void **state)
{
	struct hvsim_rsc *r = calloc(1, sizeof(*r));
	uint8_t *f = frame_buf();
	uint32_t len, k;

	(void)state;
	len = flow_seg(f, 4, 0, 500, F_ACK, 0);
	assert_int_equal(hvsim_rsc_start(r, f, len, 0), 0);
	/* out of order: a gap, then an old segment */
	len = flow_seg(f, 4, 2, 500, F_ACK, 0);
	assert_int_equal(hvsim_rsc_add(r, f, len, 0), -EAGAIN);
	len = flow_seg(f, 4, 0, 500, F_ACK, 0);
	assert_int_equal(hvsim_rsc_add(r, f, len, 0), -EAGAIN);
	/* another flow, another VLAN, another IP version */
	len = flow_seg(f, 4, 1, 500, F_ACK, 40001);
	assert_int_equal(hvsim_rsc_add(r, f, len, 0), -EAGAIN);
	len = flow_seg(f, 4, 1, 500, F_ACK, 0);
	assert_int_equal(hvsim_rsc_add(r, f, len, 5), -EAGAIN);
	len = flow_seg(f, 6, 1, 500, F_ACK, 0);
	assert_int_equal(hvsim_rsc_add(r, f, len, 0), -EAGAIN);
	/* a different ACK number or TTL: not the same headers */
	len = flow_seg(f, 4, 1, 500, F_ACK, 0);
	f[ETH + IP4 + 11] ^= 1;
	ref_fill(f, len, ETH + IP4, 6);
	assert_int_equal(hvsim_rsc_add(r, f, len, 0), -EAGAIN);
	len = flow_seg(f, 4, 1, 500, F_ACK, 0);
	f[ETH + 8] = 1;
	ref_fill(f, len, ETH + IP4, 6);
	assert_int_equal(hvsim_rsc_add(r, f, len, 0), -EAGAIN);
	/* flags that end coalescing, a bad checksum, no payload, padding */
	len = flow_seg(f, 4, 1, 500, F_ACK | F_FIN, 0);
	assert_int_equal(hvsim_rsc_add(r, f, len, 0), -EINVAL);
	len = flow_seg(f, 4, 1, 500, F_SYN | F_ACK, 0);
	assert_int_equal(hvsim_rsc_add(r, f, len, 0), -EINVAL);
	len = flow_seg(f, 4, 1, 500, 0, 0);
	assert_int_equal(hvsim_rsc_add(r, f, len, 0), -EINVAL);
	len = flow_seg(f, 4, 1, 500, F_ACK, 0);
	f[len - 1] ^= 1;
	assert_int_equal(hvsim_rsc_add(r, f, len, 0), -EINVAL);
	len = flow_seg(f, 4, 1, 0, F_ACK, 0);
	assert_int_equal(hvsim_rsc_add(r, f, len, 0), -EINVAL);
	len = flow_seg(f, 4, 1, 500, F_ACK, 0);
	assert_int_equal(hvsim_rsc_add(r, f, len + 4, 0), -EINVAL);
	/* none of it touched the packet; the right next segment still fits */
	assert_int_equal(r->nseg, 1);
	assert_int_equal(hvsim_rsc_add(r, f, len, 0), 0);
	assert_int_equal(r->nseg, 2);
	/* at most HVSIM_RSC_SEGS_MAX segments */
	for (k = 2; k < HVSIM_RSC_SEGS_MAX; k++) {
		len = flow_seg(f, 4, k, 500, F_ACK, 0);
		assert_int_equal(hvsim_rsc_add(r, f, len, 0), 0);
	}
	len = flow_seg(f, 4, k, 500, F_ACK, 0);
	assert_int_equal(hvsim_rsc_add(r, f, len, 0), -EAGAIN);
	/* UDP never starts a packet */
	{
		struct spec u = { .ipv = 4, .proto = 17, .payload = 100 };
		uint32_t l4;

		len = build(f, &u, &l4);
		ref_fill(f, len, l4, 17);
		assert_int_equal(hvsim_rsc_start(r, f, len, 0), -EINVAL);
		assert_int_equal(r->nseg, 0);
	}
	free(f);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_ip4_known_header),
		cmocka_unit_test(test_tx_csum_vs_reference),
		cmocka_unit_test(test_tx_csum_no_offset_l4_only),
		cmocka_unit_test(test_tx_csum_rejects),
		cmocka_unit_test(test_rx_csum_info),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_lso_64k_ipv4),
		cmocka_unit_test(test_lso_64k_ipv6),
		cmocka_unit_test(test_lso_dpdk_headers),
		cmocka_unit_test(test_lso_rejects),
		cmocka_unit_test(test_lso_no_offset),
		cmocka_unit_test(test_rsc_coalesce_fixed_checksums),
		cmocka_unit_test(test_rsc_coalesce_stale_checksums),
		cmocka_unit_test(test_rsc_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
