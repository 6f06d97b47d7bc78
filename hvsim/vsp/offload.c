/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Data-path offloads of the simulated host: see offload.h. Checksums are
 * DPDK's (rte_ip.h); everything else reads and writes header fields by
 * their wire offsets, in network byte order.
 */

/* rte_ipv[46]_udptcp_cksum_verify() are experimental in DPDK 22.11 */
#define ALLOW_EXPERIMENTAL_API 1

#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "hv_rndis_wire.h"
#include "vsp/offload.h"

#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_IPV6	0x86dd
#define PROTO_TCP	6
#define PROTO_UDP	17
#define IP4_HDR_MIN	20u
#define IP6_HDR_LEN	40u
#define TCP_HDR_MIN	20u
#define UDP_HDR_LEN	8u
#define IP6_EXT_MAX	8	/* extension headers walked at most */

/* IPv4 header fields */
#define IP4_TOTLEN	2
#define IP4_ID		4
#define IP4_FRAG	6
#define IP4_PROTO	9
#define IP4_CSUM	10
#define IP4_MF_OFFSET	0x3fffu
/* IPv6 header fields */
#define IP6_PLEN	4
#define IP6_NEXT	6
/* TCP header fields */
#define TCP_SEQ		4
#define TCP_DOFF	12
#define TCP_FLAGS	13
#define TCP_CSUM	16
#define UDP_CSUM	6

#define TCP_FIN		0x01
#define TCP_SYN		0x02
#define TCP_RST		0x04
#define TCP_PSH		0x08
#define TCP_ACK		0x10
#define TCP_URG		0x20
#define TCP_ECE		0x40
#define TCP_CWR		0x80

/* Bits of a TX checksum request that carry meaning (§F.4). */
#define TXCSUM_KNOWN	(HV_RNDIS_TXCSUM_IPV4 | HV_RNDIS_TXCSUM_IPV6 | \
			 HV_RNDIS_TXCSUM_TCP | HV_RNDIS_TXCSUM_UDP | \
			 HV_RNDIS_TXCSUM_IP | HV_RNDIS_TXCSUM_HDROFF_MASK)

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* ---- parsing ------------------------------------------------------------------ */

static int
parse_ipv4(const uint8_t *f, uint32_t len, struct hvsim_ofl_layout *l)
{
	const uint8_t *ip = f + l->l3_off;
	uint32_t ihl, tot;

	if (len < l->l3_off + IP4_HDR_MIN || ip[0] >> 4 != 4)
		return -EINVAL;
	ihl = (ip[0] & 0xfu) * 4u;
	tot = get16(ip + IP4_TOTLEN);
	if (ihl < IP4_HDR_MIN || l->l3_off + ihl > len)
		return -EINVAL;
	l->ip_ver = 4;
	l->ip_len_zero = tot == 0;
	l->l3_len = tot ? tot : len - l->l3_off;
	if (l->l3_len < ihl || l->l3_off + l->l3_len > len)
		return -EINVAL;
	l->fragment = (get16(ip + IP4_FRAG) & IP4_MF_OFFSET) != 0;
	l->l4_proto = ip[IP4_PROTO];
	l->l4_off = l->l3_off + ihl;
	return 0;
}

/* Hop-by-hop, routing and destination options are skipped; a fragment
 * header ends the walk (the transport header may not be there). */
static int
parse_ipv6(const uint8_t *f, uint32_t len, struct hvsim_ofl_layout *l)
{
	const uint8_t *ip = f + l->l3_off;
	uint32_t plen, off, end;
	uint8_t nh;
	int i;

	if (len < l->l3_off + IP6_HDR_LEN || ip[0] >> 4 != 6)
		return -EINVAL;
	plen = get16(ip + IP6_PLEN);
	l->ip_ver = 6;
	l->ip_len_zero = plen == 0;
	l->l3_len = plen ? IP6_HDR_LEN + plen : len - l->l3_off;
	end = l->l3_off + l->l3_len;
	if (end > len)
		return -EINVAL;
	nh = ip[IP6_NEXT];
	off = l->l3_off + IP6_HDR_LEN;
	for (i = 0; i < IP6_EXT_MAX && (nh == 0 || nh == 43 || nh == 60); i++) {
		if (off + 8 > end)
			return -EINVAL;
		nh = f[off];
		off += (f[off + 1] + 1u) * 8u;
	}
	if (off > end || nh == 0 || nh == 43 || nh == 60)
		return -EINVAL;
	l->fragment = nh == 44;
	l->l4_proto = nh;
	l->l4_off = off;
	return 0;
}

static int
parse_l4(const uint8_t *f, struct hvsim_ofl_layout *l)
{
	l->l4_len = l->l3_off + l->l3_len - l->l4_off;
	if (l->fragment)
		return 0;
	if (l->l4_proto == PROTO_TCP) {
		if (l->l4_len < TCP_HDR_MIN)
			return -EINVAL;
		l->l4_hdr_len = (f[l->l4_off + TCP_DOFF] >> 4) * 4u;
		if (l->l4_hdr_len < TCP_HDR_MIN || l->l4_hdr_len > l->l4_len)
			return -EINVAL;
	} else if (l->l4_proto == PROTO_UDP) {
		if (l->l4_len < UDP_HDR_LEN)
			return -EINVAL;
		l->l4_hdr_len = UDP_HDR_LEN;
	}
	return 0;
}

int
hvsim_ofl_parse(const uint8_t *frame, uint32_t len, struct hvsim_ofl_layout *l)
{
	uint16_t type;
	int ret;

	memset(l, 0, sizeof(*l));
	if (len < HVSIM_OFL_ETH_LEN)
		return -EINVAL;
	l->l3_off = HVSIM_OFL_ETH_LEN;
	type = get16(frame + 12);
	if (type == ETHERTYPE_IPV4)
		ret = parse_ipv4(frame, len, l);
	else if (type == ETHERTYPE_IPV6)
		ret = parse_ipv6(frame, len, l);
	else
		return -EPROTONOSUPPORT;
	return ret < 0 ? ret : parse_l4(frame, l);
}

/* ---- checksums ------------------------------------------------------------------- */

static void
ip4_hdr_cksum(uint8_t *f, const struct hvsim_ofl_layout *l)
{
	struct rte_ipv4_hdr *ip = (void *)(f + l->l3_off);

	put16(f + l->l3_off + IP4_CSUM, 0);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/*
 * DPDK's helpers take the L4 length from the IP header and the protocol
 * from its next-header field. A copy of the fixed header carrying the
 * real L4 length and protocol makes them right for LSO headers (length 0)
 * and for IPv6 extension headers alike.
 */
static void
pseudo_ip4(const uint8_t *f, const struct hvsim_ofl_layout *l, struct rte_ipv4_hdr *h)
{
	memcpy(h, f + l->l3_off, sizeof(*h));
	h->version_ihl = 0x45;
	h->total_length = rte_cpu_to_be_16((uint16_t)(IP4_HDR_MIN + l->l4_len));
	h->next_proto_id = l->l4_proto;
}

static void
pseudo_ip6(const uint8_t *f, const struct hvsim_ofl_layout *l, struct rte_ipv6_hdr *h)
{
	memcpy(h, f + l->l3_off, sizeof(*h));
	h->payload_len = rte_cpu_to_be_16((uint16_t)l->l4_len);
	h->proto = l->l4_proto;
}

static uint32_t
l4_csum_off(const struct hvsim_ofl_layout *l)
{
	return l->l4_off + (l->l4_proto == PROTO_TCP ? TCP_CSUM : UDP_CSUM);
}

/* Compute the TCP or UDP checksum in place (the field's content is ignored). */
static void
l4_cksum(uint8_t *f, const struct hvsim_ofl_layout *l)
{
	uint16_t sum;

	put16(f + l4_csum_off(l), 0);
	if (l->ip_ver == 4) {
		struct rte_ipv4_hdr h;

		pseudo_ip4(f, l, &h);
		sum = rte_ipv4_udptcp_cksum(&h, f + l->l4_off);
	} else {
		struct rte_ipv6_hdr h;

		pseudo_ip6(f, l, &h);
		sum = rte_ipv6_udptcp_cksum(&h, f + l->l4_off);
	}
	memcpy(f + l4_csum_off(l), &sum, sizeof(sum));	/* already big endian */
}

static bool
l4_cksum_ok(const uint8_t *f, const struct hvsim_ofl_layout *l)
{
	if (l->ip_ver == 4) {
		struct rte_ipv4_hdr h;

		pseudo_ip4(f, l, &h);
		return rte_ipv4_udptcp_cksum_verify(&h, f + l->l4_off) == 0;
	} else {
		struct rte_ipv6_hdr h;

		pseudo_ip6(f, l, &h);
		return rte_ipv6_udptcp_cksum_verify(&h, f + l->l4_off) == 0;
	}
}

static bool
ip4_cksum_ok(const uint8_t *f, const struct hvsim_ofl_layout *l)
{
	return rte_raw_cksum(f + l->l3_off, l->l4_off - l->l3_off) == 0xffff;
}

void
hvsim_ofl_check(const uint8_t *frame, uint32_t len, struct hvsim_csum_check *c)
{
	struct hvsim_ofl_layout l;

	memset(c, 0, sizeof(*c));
	if (hvsim_ofl_parse(frame, len, &l) < 0 || l.ip_len_zero)
		return;
	c->ip_ver = l.ip_ver;
	c->l4_proto = l.l4_proto;
	if (l.ip_ver == 4)
		c->ip = ip4_cksum_ok(frame, &l) ? HVSIM_CSUM_GOOD : HVSIM_CSUM_BAD;
	if (l.fragment || (l.l4_proto != PROTO_TCP && l.l4_proto != PROTO_UDP))
		return;
	/* RFC 768: 0 is "no checksum" over IPv4; RFC 8200 forbids it over IPv6 */
	if (l.l4_proto == PROTO_UDP && get16(frame + l4_csum_off(&l)) == 0)
		c->l4 = l.ip_ver == 4 ? HVSIM_CSUM_GOOD : HVSIM_CSUM_BAD;
	else
		c->l4 = l4_cksum_ok(frame, &l) ? HVSIM_CSUM_GOOD : HVSIM_CSUM_BAD;
}

static uint32_t
rx_bits(uint8_t verdict, uint32_t ok, uint32_t failed)
{
	return verdict == HVSIM_CSUM_GOOD ? ok : verdict == HVSIM_CSUM_BAD ? failed : 0;
}

uint32_t
hvsim_ofl_rx_csum_info(const struct hvsim_csum_check *c, const struct hvsim_ofl_config *cfg)
{
	bool v4 = c->ip_ver == 4;
	uint32_t info = 0;

	if (v4 && hvsim_ofl_rx_on(cfg->ip4))
		info |= rx_bits(c->ip, HV_RNDIS_RXCSUM_IP_OK, HV_RNDIS_RXCSUM_IP_FAILED);
	if (c->l4_proto == PROTO_TCP && hvsim_ofl_rx_on(v4 ? cfg->tcp4 : cfg->tcp6))
		info |= rx_bits(c->l4, HV_RNDIS_RXCSUM_TCP_OK, HV_RNDIS_RXCSUM_TCP_FAILED);
	if (c->l4_proto == PROTO_UDP && hvsim_ofl_rx_on(v4 ? cfg->udp4 : cfg->udp6))
		info |= rx_bits(c->l4, HV_RNDIS_RXCSUM_UDP_OK, HV_RNDIS_RXCSUM_UDP_FAILED);
	return info;
}

/* ---- offload parameters ------------------------------------------------------------- */

void
hvsim_ofl_config_init(struct hvsim_ofl_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ip4 = cfg->tcp4 = cfg->udp4 = cfg->tcp6 = cfg->udp6 = HV_NDIS_OFFLOAD_PARAM_OFF;
}

bool
hvsim_ofl_tx_on(uint8_t param)
{
	return param == HV_NDIS_OFFLOAD_PARAM_TX || param == HV_NDIS_OFFLOAD_PARAM_TXRX;
}

bool
hvsim_ofl_rx_on(uint8_t param)
{
	return param == HV_NDIS_OFFLOAD_PARAM_RX || param == HV_NDIS_OFFLOAD_PARAM_TXRX;
}

const char *
hvsim_ofl_param_name(uint8_t param)
{
	static const char *const names[] = { "nochange", "off", "tx", "rx", "txrx" };

	return param < 5 ? names[param] : "invalid";
}

static int
params_check(const struct hv_ndis_offload_params *p, uint32_t size, bool rsc_offered,
	     const char **why)
{
	const uint8_t csum[] = { p->ip4_csum, p->tcp4_csum, p->udp4_csum, p->tcp6_csum,
				 p->udp6_csum };
	unsigned int i;

	for (i = 0; i < sizeof(csum); i++)
		if (csum[i] > HV_NDIS_OFFLOAD_PARAM_TXRX)
			*why = "offload parameters: checksum value beyond 4";
	if (p->lsov2_ip4 > HV_NDIS_OFFLOAD_LSO_ON || p->lsov2_ip6 > HV_NDIS_OFFLOAD_LSO_ON ||
	    p->rsc_ip4 > HV_NDIS_OFFLOAD_RSC_ON || p->rsc_ip6 > HV_NDIS_OFFLOAD_RSC_ON)
		*why = "offload parameters: LSOv2 or RSC value beyond 2";
	/* what the capabilities did not offer may not be turned on */
	if (p->lsov1 > HV_NDIS_OFFLOAD_LSO_OFF || p->ipsecv1 > HV_NDIS_OFFLOAD_IPSECV1_OFF ||
	    p->tcp_conn_ip4 || p->tcp_conn_ip6 || p->ipsecv2 || p->ipsecv2_ip4 ||
	    (size >= HV_NDIS_OFFLOAD_PARAMS_SIZE_REV3 && p->encap == HV_NDIS_OFFLOAD_ENCAP_ON))
		*why = "offload parameters turn on LSOv1, IPsec, TCP chimney or encapsulation, "
		       "which the host did not offer";
	if (!rsc_offered && (p->rsc_ip4 == HV_NDIS_OFFLOAD_RSC_ON ||
			     p->rsc_ip6 == HV_NDIS_OFFLOAD_RSC_ON))
		*why = "offload parameters turn on RSC, which needs NVSP >= 0x60001 and RSC "
		       "offered in NDIS_CONFIG";
	return *why ? -EINVAL : 0;
}

static void
set_csum(uint8_t *field, uint8_t v)
{
	if (v != HV_NDIS_OFFLOAD_PARAM_NOCHG)
		*field = v;
}

static void
set_onoff(bool *field, uint8_t v)
{
	if (v != 0)	/* LSO and RSC: 0 no change, 1 off, 2 on */
		*field = v == HV_NDIS_OFFLOAD_LSO_ON;
}

int
hvsim_ofl_params_apply(struct hvsim_ofl_config *cfg, const uint8_t *info, uint32_t len,
		       bool rsc_offered, const char **why)
{
	struct hv_ndis_offload_params p;
	uint32_t size;

	*why = NULL;
	memset(&p, 0, sizeof(p));
	if (len < sizeof(p.hdr)) {
		*why = "offload parameters shorter than their NDIS header";
		return -EINVAL;
	}
	memcpy(&p.hdr, info, sizeof(p.hdr));
	size = p.hdr.size;
	/* Linux sends revision 3 with the 22-byte form: go by the size */
	if (p.hdr.type != HV_NDIS_OBJTYPE_DEFAULT || size < HV_NDIS_OFFLOAD_PARAMS_SIZE_REV2 ||
	    size > len || (p.hdr.rev != HV_NDIS_OFFLOAD_PARAMS_REV_2 &&
			   p.hdr.rev != HV_NDIS_OFFLOAD_PARAMS_REV_3)) {
		*why = "offload parameters: NDIS header not type 0x80, revision 2/3, "
		       "size >= 22 and within the data";
		return -EINVAL;
	}
	memcpy(&p, info, size < sizeof(p) ? size : sizeof(p));
	if (params_check(&p, size, rsc_offered, why) < 0)
		return -EINVAL;
	set_csum(&cfg->ip4, p.ip4_csum);
	set_csum(&cfg->tcp4, p.tcp4_csum);
	set_csum(&cfg->udp4, p.udp4_csum);
	set_csum(&cfg->tcp6, p.tcp6_csum);
	set_csum(&cfg->udp6, p.udp6_csum);
	set_onoff(&cfg->lso4, p.lsov2_ip4);
	set_onoff(&cfg->lso6, p.lsov2_ip6);
	set_onoff(&cfg->rsc4, p.rsc_ip4);
	set_onoff(&cfg->rsc6, p.rsc_ip6);
	return 0;
}

/* ---- TX checksum requests ----------------------------------------------------------- */

static const char *
tx_csum_check(const struct hvsim_ofl_layout *l, uint32_t req,
	      const struct hvsim_ofl_config *cfg)
{
	bool v4 = req & HV_RNDIS_TXCSUM_IPV4, v6 = req & HV_RNDIS_TXCSUM_IPV6;
	bool tcp = req & HV_RNDIS_TXCSUM_TCP, udp = req & HV_RNDIS_TXCSUM_UDP;
	uint32_t hdroff = (req & HV_RNDIS_TXCSUM_HDROFF_MASK) >> HV_RNDIS_TXCSUM_HDROFF_SHIFT;

	if (req & ~TXCSUM_KNOWN)
		return "checksum request with reserved bits set";
	if (v4 == v6)
		return "checksum request names neither or both of IPv4 and IPv6";
	if (l->ip_ver != (v4 ? 4 : 6))
		return "checksum request's IP version is not the frame's";
	if (l->ip_len_zero)
		return "checksum request on a frame whose IP length is 0 (LSO headers without LSO)";
	if ((req & HV_RNDIS_TXCSUM_IP) && (!v4 || !hvsim_ofl_tx_on(cfg->ip4)))
		return "IPv4 header checksum requested but not enabled for TX";
	if (tcp && udp)
		return "checksum request asks for both TCP and UDP";
	if ((tcp && l->l4_proto != PROTO_TCP) || (udp && l->l4_proto != PROTO_UDP) ||
	    ((tcp || udp) && l->fragment))
		return "checksum request's TCP/UDP is not the frame's transport (or a fragment)";
	if ((tcp || udp) && hdroff != 0 && hdroff != l->l4_off)
		return "checksum request's transport header offset is not the frame's";
	if (tcp && !hvsim_ofl_tx_on(v4 ? cfg->tcp4 : cfg->tcp6))
		return "TCP checksum requested but not enabled for TX";
	if (udp && !hvsim_ofl_tx_on(v4 ? cfg->udp4 : cfg->udp6))
		return "UDP checksum requested but not enabled for TX";
	return NULL;
}

int
hvsim_ofl_tx_csum(uint8_t *frame, uint32_t len, uint32_t req,
		  const struct hvsim_ofl_config *cfg, unsigned int *did, const char **why)
{
	struct hvsim_ofl_layout l;

	*did = 0;
	if (hvsim_ofl_parse(frame, len, &l) < 0) {
		*why = "checksum request on a frame that is not well-formed IPv4/IPv6";
		return -EINVAL;
	}
	*why = tx_csum_check(&l, req, cfg);
	if (*why != NULL)
		return -EINVAL;
	if (req & HV_RNDIS_TXCSUM_IP) {
		ip4_hdr_cksum(frame, &l);
		*did |= HVSIM_OFL_DID_IP;
	}
	if (req & (HV_RNDIS_TXCSUM_TCP | HV_RNDIS_TXCSUM_UDP)) {
		l4_cksum(frame, &l);
		*did |= l.l4_proto == PROTO_TCP ? HVSIM_OFL_DID_TCP : HVSIM_OFL_DID_UDP;
	}
	return 0;
}

/* ---- LSOv2 ------------------------------------------------------------------------------ */

static const char *
lso_check(const struct hvsim_lso *s, uint32_t len, uint32_t req,
	  const struct hvsim_ofl_config *cfg, const struct hvsim_ofl_limits *lim)
{
	bool v6 = req & HV_RNDIS_LSO2_IPV6;
	uint32_t thoff = (req & HV_RNDIS_LSO2_THOFF_MASK) >> HV_RNDIS_LSO2_THOFF_SHIFT;
	uint32_t first = s->mss < s->payload_len ? s->mss : s->payload_len;

	if (!(req & HV_RNDIS_LSO2_TYPE_V2))
		return "LSOv1 request: the host offers LSOv2 only";
	if (!(v6 ? cfg->lso6 : cfg->lso4))
		return "LSOv2 requested but not enabled for this IP version";
	if (s->l.ip_ver != (v6 ? 6 : 4) || s->l.l4_proto != PROTO_TCP || s->l.fragment)
		return "LSOv2 request's frame is not TCP over the IP version it names";
	if (thoff != 0 && thoff != s->l.l4_off)
		return "LSOv2 request's TCP header offset is not the frame's";
	if (!s->l.ip_len_zero && s->l.l3_off + s->l.l3_len != len)
		return "LSOv2 frame's IP length is neither 0 nor the frame's";
	if (s->mss == 0)
		return "LSOv2 request with MSS 0";
	if (s->payload_len == 0 || s->payload_len > lim->lso_max)
		return "LSOv2 payload empty or beyond the advertised maximum size";
	if (s->nseg < lim->lso_min_segs)
		return "LSOv2 payload makes fewer segments than the advertised minimum";
	if (s->hdr_len + first > lim->max_frame)
		return "LSOv2 segments would be longer than the MTU + 14";
	return NULL;
}

int
hvsim_lso_prepare(struct hvsim_lso *s, const uint8_t *frame, uint32_t len, uint32_t req,
		  const struct hvsim_ofl_config *cfg, const struct hvsim_ofl_limits *lim,
		  const char **why)
{
	memset(s, 0, sizeof(*s));
	if (hvsim_ofl_parse(frame, len, &s->l) < 0) {
		*why = "LSOv2 request on a frame that is not well-formed IPv4/IPv6";
		return -EINVAL;
	}
	s->frame = frame;
	s->hdr_len = s->l.l4_off + s->l.l4_hdr_len;
	s->payload_len = s->l.l4_len - s->l.l4_hdr_len;
	s->mss = (req & HV_RNDIS_LSO2_MSS_MASK) >> HV_RNDIS_LSO2_MSS_SHIFT;
	s->nseg = s->mss ? (s->payload_len + s->mss - 1) / s->mss : 0;
	if (s->l.l4_proto != PROTO_TCP)
		s->hdr_len = s->l.l4_off;	/* keep the checks' arithmetic sane */
	*why = lso_check(s, len, req, cfg, lim);
	return *why ? -EINVAL : 0;
}

uint32_t
hvsim_lso_segment(const struct hvsim_lso *s, uint32_t i, uint8_t *out)
{
	struct hvsim_ofl_layout l = s->l;
	uint32_t done = i * s->mss, chunk = s->payload_len - done;
	uint8_t *ip = out + l.l3_off, *tcp = out + l.l4_off;
	uint8_t flags;

	if (chunk > s->mss)
		chunk = s->mss;
	memcpy(out, s->frame, s->hdr_len);
	memcpy(out + s->hdr_len, s->frame + s->hdr_len + done, chunk);
	l.l4_len = l.l4_hdr_len + chunk;
	l.l3_len = l.l4_off - l.l3_off + l.l4_len;
	if (l.ip_ver == 4) {
		put16(ip + IP4_TOTLEN, (uint16_t)l.l3_len);
		put16(ip + IP4_ID, (uint16_t)(get16(ip + IP4_ID) + i));
		ip4_hdr_cksum(out, &l);
	} else {
		put16(ip + IP6_PLEN, (uint16_t)(l.l3_len - IP6_HDR_LEN));
	}
	put32(tcp + TCP_SEQ, get32(tcp + TCP_SEQ) + done);
	flags = tcp[TCP_FLAGS];
	if (i + 1 < s->nseg)
		flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (i > 0)
		flags &= (uint8_t)~TCP_CWR;
	tcp[TCP_FLAGS] = flags;
	l4_cksum(out, &l);
	return s->hdr_len + chunk;
}

/* ---- RSC ------------------------------------------------------------------------------------ */

/* Can this segment be part of a coalesced packet at all? */
static int
rsc_segment(const uint8_t *f, uint32_t len, struct hvsim_ofl_layout *l)
{
	struct hvsim_csum_check c;
	uint8_t flags;

	if (hvsim_ofl_parse(f, len, l) < 0 || l->l4_proto != PROTO_TCP || l->fragment ||
	    l->ip_len_zero || l->l3_off + l->l3_len != len ||
	    l->l4_len == l->l4_hdr_len || l->l4_off + l->l4_hdr_len > HVSIM_OFL_HDR_MAX)
		return -EINVAL;
	flags = f[l->l4_off + TCP_FLAGS];
	if (!(flags & TCP_ACK) ||
	    (flags & (TCP_FIN | TCP_SYN | TCP_RST | TCP_URG | TCP_ECE | TCP_CWR)))
		return -EINVAL;
	hvsim_ofl_check(f, len, &c);
	if (c.l4 != HVSIM_CSUM_GOOD || c.ip == HVSIM_CSUM_BAD)
		return -EINVAL;
	return 0;
}

static void
rsc_append(struct hvsim_rsc *r, const uint8_t *f, const struct hvsim_ofl_layout *l)
{
	uint32_t hdr = l->l4_off + l->l4_hdr_len, payload = l->l4_len - l->l4_hdr_len;

	memcpy(r->frame + r->len, f + hdr, payload);
	r->len += payload;
	r->seg_len[r->nseg++] = payload;
	r->next_seq = get32(f + l->l4_off + TCP_SEQ) + payload;
	r->closed = f[l->l4_off + TCP_FLAGS] & TCP_PSH;
}

int
hvsim_rsc_start(struct hvsim_rsc *r, const uint8_t *frame, uint32_t len, uint16_t vlan_tci)
{
	struct hvsim_ofl_layout l;

	r->nseg = 0;
	if (rsc_segment(frame, len, &l) < 0)
		return -EINVAL;
	r->l = l;
	r->vlan_tci = vlan_tci;
	r->hdr_len = l.l4_off + l.l4_hdr_len;
	memcpy(r->frame, frame, r->hdr_len);
	r->len = r->hdr_len;
	rsc_append(r, frame, &l);
	return 0;
}

/*
 * Same flow and nothing else differs: every header byte but the IP length,
 * IPv4 id and checksum, and the TCP sequence number, flags and checksum.
 */
static bool
rsc_same_headers(const struct hvsim_rsc *r, const uint8_t *f, const struct hvsim_ofl_layout *l)
{
	const uint8_t *a = r->frame, *b = f;
	uint32_t i;

	if (l->ip_ver != r->l.ip_ver || l->l4_off != r->l.l4_off ||
	    l->l4_hdr_len != r->l.l4_hdr_len)
		return false;
	for (i = 0; i < r->hdr_len; i++) {
		uint32_t ip = i - r->l.l3_off, tcp = i - r->l.l4_off;

		if (i >= r->l.l3_off && i < r->l.l4_off &&
		    (r->l.ip_ver == 4 ? (ip == IP4_TOTLEN || ip == IP4_TOTLEN + 1 ||
					 ip == IP4_ID || ip == IP4_ID + 1 ||
					 ip == IP4_CSUM || ip == IP4_CSUM + 1) :
					(ip == IP6_PLEN || ip == IP6_PLEN + 1)))
			continue;
		if (i >= r->l.l4_off && ((tcp >= TCP_SEQ && tcp < TCP_SEQ + 4) ||
					 tcp == TCP_FLAGS || tcp == TCP_CSUM ||
					 tcp == TCP_CSUM + 1))
			continue;
		if (a[i] != b[i])
			return false;
	}
	return true;
}

int
hvsim_rsc_add(struct hvsim_rsc *r, const uint8_t *frame, uint32_t len, uint16_t vlan_tci)
{
	struct hvsim_ofl_layout l;

	if (rsc_segment(frame, len, &l) < 0)
		return -EINVAL;
	if (r->nseg == 0 || r->closed || r->nseg == HVSIM_RSC_SEGS_MAX ||
	    vlan_tci != r->vlan_tci || !rsc_same_headers(r, frame, &l) ||
	    get32(frame + l.l4_off + TCP_SEQ) != r->next_seq ||
	    r->len - r->l.l3_off + (l.l4_len - l.l4_hdr_len) > HVSIM_RSC_L3_MAX)
		return -EAGAIN;
	rsc_append(r, frame, &l);
	return 0;
}

uint32_t
hvsim_rsc_finish(struct hvsim_rsc *r, const struct hvsim_ofl_config *cfg)
{
	struct hvsim_ofl_layout l = r->l;
	uint8_t *ip = r->frame + l.l3_off;
	bool v4 = l.ip_ver == 4;
	bool ip_rx = v4 && hvsim_ofl_rx_on(cfg->ip4);
	bool tcp_rx = hvsim_ofl_rx_on(v4 ? cfg->tcp4 : cfg->tcp6);
	uint32_t info = 0;

	l.l3_len = r->len - l.l3_off;
	l.l4_len = r->len - l.l4_off;
	if (v4)
		put16(ip + IP4_TOTLEN, (uint16_t)l.l3_len);
	else
		put16(ip + IP6_PLEN, (uint16_t)(l.l3_len - IP6_HDR_LEN));
	if (r->closed)
		r->frame[l.l4_off + TCP_FLAGS] |= TCP_PSH;
	if (v4 && !ip_rx)
		ip4_hdr_cksum(r->frame, &l);
	if (!tcp_rx)
		l4_cksum(r->frame, &l);
	if (ip_rx)
		info |= HV_RNDIS_RXCSUM_IP_OK | HV_RNDIS_RXCSUM_IP_INVALID;
	if (tcp_rx)
		info |= HV_RNDIS_RXCSUM_TCP_OK | HV_RNDIS_RXCSUM_TCP_INVALID;
	r->l = l;
	return info;
}

void
hvsim_rsc_fragment(const struct hvsim_rsc *r, uint32_t i, uint32_t *off, uint32_t *len)
{
	uint32_t k;

	*off = r->hdr_len;
	for (k = 0; k < i; k++)
		*off += r->seg_len[k];
	*len = r->seg_len[i];
	if (i == 0) {	/* the first fragment carries the headers */
		*off = 0;
		*len += r->hdr_len;
	}
}
