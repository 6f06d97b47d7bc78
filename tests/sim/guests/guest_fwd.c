/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * A minimal forwarding application for the data path scenarios: any netvsc
 * PMD (ours or DPDK's bundled one) on hvsim, plain ethdev API, so that it
 * runs where Debian 12's testpmd cannot (testpmd disables every stream of
 * a PMD that reports its queues as stopped, which the bundled 22.11
 * net_netvsc does: it never sets the queue state).
 *
 *   guest_fwd [EAL args] -- [--rxq N] [--txq N] [--mode io|rxonly|offload]
 *                           [--packets N] [--seconds S] [--mbuf-size BYTES]
 *                           [--port N] [--rxd N] [--txd N]
 *                           [offload options, below]
 *
 * io: every frame received on queue q is sent back on queue q (same port).
 * Stops after N frames received in total, or S seconds, whichever first,
 * then prints "key=value" lines the scenarios check. --mbuf-size sets the
 * data room of the mbufs (the bundled PMD copies each received frame into
 * one mbuf: jumbo frames need a larger one). --rxd and --txd set each
 * queue's descriptors (default 0: the PMD's default, 1024 for hvnet's,
 * ethdev's 512 for the bundled one); the mbuf pool grows with them. The
 * bundled PMD empties its whole channel ring into a staging ring of --rxd
 * entries and drops what does not fit: a guest descheduled for a while
 * needs room for every frame the host delivered meanwhile.
 *
 * offload: the guest builds TCP and UDP frames over IPv4 and IPv6 itself,
 * sends them one at a time to a looping host and counts what comes back:
 *   --count N        small frames of each kind (TCP4, UDP4, TCP6, UDP6)
 *   --tx-csum        checksums left zero, requested from the host
 *                    (RTE_MBUF_F_TX_IP_CKSUM / TCP_CKSUM / UDP_CKSUM)
 *   --tx-csum-unconfigured  the same requests, the offloads not enabled
 *                    (a PMD must not pass them to the host)
 *   --tso N          N TSO packets of each IP version (RTE_MBUF_F_TX_TCP_SEG)
 *   --tso-payload B  TCP payload of each (default 60000); MSS 1460 / 1440
 *   --vlan TCI       every frame tagged through RTE_MBUF_F_TX_VLAN
 *   --rx-csum        RX checksum offload on: count the mbuf flags
 *   --bad N          N frames of each kind with a wrong TCP/UDP checksum
 *                    and N TCP/IPv4 ones with a wrong IP header checksum
 *                    (software checksums, no request)
 *   --jumbo LEN      one more UDP/IPv4 frame of LEN bytes, echoed
 *   --oversize LEN   one more UDP/IPv4 frame of LEN bytes (expect no echo)
 *   --mss N          MSS of the TSO packets (default 1460 / 1440)
 *   --vlan-inframe   the --vlan tag goes inside the frame instead (the PMD
 *                    must move it to the host's per-packet info)
 * Every returned frame's checksums are also verified in software.
 *
 * Port options, any mode:
 *   --lro            RTE_ETH_RX_OFFLOAD_TCP_LRO; every TCP packet received
 *                    is checked: its mbuf chain, its IP length and IPv4
 *                    header checksum, RTE_MBUF_F_RX_LRO and tso_segsz
 *                    against the wire segments it holds, every payload
 *                    byte (the offload mode's TSO pattern, or in io and
 *                    rxonly modes the generator's per-segment headers and
 *                    pattern: hvsim --traffic=gen:proto=tcp)
 *   --lro-max BYTES  max_lro_pkt_size (default: the PMD's maximum)
 *   --tx-retry       io mode: a frame the PMD cannot take yet is offered
 *                    again (a while) instead of being dropped as unsent
 *   --lro-tso        io mode: a coalesced packet goes back as a TSO request
 *                    with its tso_segsz, so the wire sees its segments again
 *   --vlan-strip     RTE_ETH_RX_OFFLOAD_VLAN_STRIP
 *   --scatter        RTE_ETH_RX_OFFLOAD_SCATTER and TX multi-segment mbufs
 *   --mtu N          the MTU before the first start
 *   --mtu-restart N  started once, the port is stopped, gets MTU N and is
 *                    started again (a change on a stopped port)
 */

#include <getopt.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#define BURST		32
#define MAX_QUEUES	16
#define NB_DESC		0	/* the PMD's default */
#define NB_DESC_SIZING	1024	/* what the pool is sized for when that is asked */

enum mode { MODE_IO, MODE_RXONLY, MODE_OFFLOAD };

struct options {
	uint16_t rxq, txq;
	enum mode mode;
	uint64_t packets;
	double seconds;
	uint16_t mbuf_size;
	uint16_t port;		/* which port (default 0; a VF probed first is 0) */
	uint16_t rxd, txd;	/* descriptors per queue */
	/* offload mode */
	uint32_t count, tso, tso_payload, bad, jumbo, oversize, mss;
	uint16_t vlan;
	bool tx_csum, tx_csum_unconf, rx_csum, vlan_inframe;
	/* port */
	bool lro, lro_tso, vlan_strip, scatter, tx_retry;
	uint32_t lro_max;		/* max_lro_pkt_size asked (0: the PMD's) */
	uint32_t lro_piece;		/* what the PMD delivers at most (lro_expect) */
	uint16_t mtu, mtu_restart;
};

static uint64_t rx_count[MAX_QUEUES], tx_count[MAX_QUEUES], tx_unsent[MAX_QUEUES];
static uint64_t first_rx_tsc, last_rx_tsc;

static int
parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "rxq", required_argument, NULL, 'r' },
		{ "txq", required_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'm' },
		{ "packets", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 's' },
		{ "mbuf-size", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'c' },
		{ "tx-csum", no_argument, NULL, 'T' },
		{ "rx-csum", no_argument, NULL, 'R' },
		{ "tso", required_argument, NULL, 'S' },
		{ "tso-payload", required_argument, NULL, 'P' },
		{ "vlan", required_argument, NULL, 'V' },
		{ "bad", required_argument, NULL, 'B' },
		{ "jumbo", required_argument, NULL, 'J' },
		{ "oversize", required_argument, NULL, 'O' },
		{ "mss", required_argument, NULL, 'M' },
		{ "tx-csum-unconfigured", no_argument, NULL, 'K' },
		{ "tx-retry", no_argument, NULL, 'Y' },
		{ "vlan-inframe", no_argument, NULL, 'I' },
		{ "lro", no_argument, NULL, 'L' },
		{ "lro-max", required_argument, NULL, 'X' },
		{ "lro-tso", no_argument, NULL, 'G' },
		{ "vlan-strip", no_argument, NULL, 'Z' },
		{ "scatter", no_argument, NULL, 'C' },
		{ "mtu", required_argument, NULL, 'u' },
		{ "mtu-restart", required_argument, NULL, 'U' },
		{ "port", required_argument, NULL, 'N' },
		{ "rxd", required_argument, NULL, 'D' },
		{ "txd", required_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct options){ .rxq = 1, .txq = 1, .mode = MODE_IO, .seconds = 10,
			       .tso_payload = 60000, .mbuf_size = RTE_MBUF_DEFAULT_BUF_SIZE,
			       .rxd = NB_DESC, .txd = NB_DESC };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->rxq = (uint16_t)atoi(optarg); break;
		case 't': o->txq = (uint16_t)atoi(optarg); break;
		case 'm':
			o->mode = strcmp(optarg, "io") == 0 ? MODE_IO :
				  strcmp(optarg, "offload") == 0 ? MODE_OFFLOAD : MODE_RXONLY;
			break;
		case 'p': o->packets = strtoull(optarg, NULL, 0); break;
		case 's': o->seconds = atof(optarg); break;
		case 'b': o->mbuf_size = (uint16_t)atoi(optarg); break;
		case 'N': o->port = (uint16_t)atoi(optarg); break;
		case 'D': o->rxd = (uint16_t)atoi(optarg); break;
		case 'E': o->txd = (uint16_t)atoi(optarg); break;
		case 'c': o->count = (uint32_t)atoi(optarg); break;
		case 'T': o->tx_csum = true; break;
		case 'R': o->rx_csum = true; break;
		case 'S': o->tso = (uint32_t)atoi(optarg); break;
		case 'P': o->tso_payload = (uint32_t)atoi(optarg); break;
		case 'V': o->vlan = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'B': o->bad = (uint32_t)atoi(optarg); break;
		case 'J': o->jumbo = (uint32_t)atoi(optarg); break;
		case 'O': o->oversize = (uint32_t)atoi(optarg); break;
		case 'M': o->mss = (uint32_t)atoi(optarg); break;
		case 'K': o->tx_csum_unconf = true; break;
		case 'Y': o->tx_retry = true; break;
		case 'I': o->vlan_inframe = true; break;
		case 'L': o->lro = true; break;
		case 'X': o->lro_max = (uint32_t)atoi(optarg); break;
		case 'G': o->lro_tso = true; break;
		case 'Z': o->vlan_strip = true; break;
		case 'C': o->scatter = true; break;
		case 'u': o->mtu = (uint16_t)atoi(optarg); break;
		case 'U': o->mtu_restart = (uint16_t)atoi(optarg); break;
		default: return -1;
		}
	}
	return (o->rxq && o->rxq <= MAX_QUEUES && o->txq && o->txq <= MAX_QUEUES) ? 0 : -1;
}

/* ---- TCP packets received with --lro --------------------------------------------- */

#define GEN_MAGIC	0x48565347u	/* hvsim/wire/gen.c: "HVSG" */
#define TSO_SEQ_BASE	100000u		/* send_tso: packet i starts at (i + 1) * this */
#define LRO_BUF		(65536 + 64)

/* What hvsim's generator puts after each segment's L4 header. */
struct gen_hdr {
	uint32_t magic;
	uint8_t port;
	uint8_t reserved;
	uint16_t flow;
	uint32_t seq;
	uint16_t len;		/* the whole frame */
	uint16_t sum;		/* of the pattern bytes after this header */
} __attribute__((packed));

/* hvsim/wire/gen.c's payload pattern: byte i of frame seq. */
static uint8_t
gen_pattern(uint64_t seq, uint32_t i)
{
	return (uint8_t)(seq * 7 + i * 13 + (i >> 8));
}

struct lro_tally {
	uint64_t tcp;		/* TCP packets received */
	uint64_t lro;		/* ... with RTE_MBUF_F_RX_LRO */
	uint64_t lro_segs;	/* wire segments in those */
	uint64_t segs;		/* wire segments in all of them */
	uint64_t payload;	/* TCP payload bytes */
	uint64_t mbufs;		/* mbufs in their chains */
	uint64_t max_len;
	uint64_t bad;		/* a check failed */
};

static struct lro_tally lt;

/* The TSO pattern of fill_frame() at TCP sequence seq: wire segments of
 * mss it spans, or -1 for a wrong byte. */
static int
tso_payload_segs(const uint8_t *pl, uint32_t len, uint32_t seq, uint32_t mss,
		 uint32_t *maxseg)
{
	uint32_t seq0 = seq / TSO_SEQ_BASE * TSO_SEQ_BASE, j;

	for (j = 0; j < len; j++)
		if (pl[j] != (uint8_t)(seq0 + (seq - seq0 + j) * 31))
			return -1;
	*maxseg = RTE_MIN(mss, len);
	return (int)((len + mss - 1) / mss);
}

/* Generator segments back to back, each opening with its gen_hdr: how
 * many, or -1 for a wrong byte or length. hdr_off: where the gen header
 * sits in a generated frame. */
static int
gen_payload_segs(const uint8_t *pl, uint32_t len, uint32_t hdr_off, uint32_t *maxseg)
{
	uint32_t off = 0, seg, j;
	int n = 0;

	*maxseg = 0;
	while (off < len) {
		struct gen_hdr h;
		uint16_t sum = 0;

		if (len - off < sizeof(h))
			return -1;
		memcpy(&h, pl + off, sizeof(h));
		if (h.magic != GEN_MAGIC || h.len < hdr_off + sizeof(h) ||
		    (seg = h.len - hdr_off) > len - off)
			return -1;
		for (j = sizeof(h); j < seg; j++) {
			if (pl[off + j] != gen_pattern(h.seq, hdr_off + j))
				return -1;
			sum = (uint16_t)(sum + pl[off + j]);
		}
		if (sum != h.sum)
			return -1;
		*maxseg = RTE_MAX(*maxseg, seg);
		off += seg;
		n++;
	}
	return n;
}

/* IPv4 header checksum, IP length, TCP checksum (unless the host vouched
 * for a coalesced packet: its field is stale by design), payload. Returns
 * the wire segments in the packet, -1 for a failed check, 0 for not TCP. */
static int
tcp_verify(const struct rte_mbuf *m, const uint8_t *p, bool offload_mode,
	   const struct options *o, uint32_t *payload, uint32_t *maxseg)
{
	bool lro = m->ol_flags & RTE_MBUF_F_RX_LRO;
	bool l4_good = (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	uint32_t l2 = 14, l3, l4, iplen, seq;
	const struct rte_tcp_hdr *th;
	uint16_t type;
	bool v6;

	memcpy(&type, p + 12, 2);
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN)) {
		memcpy(&type, p + 16, 2);
		l2 = 18;
	}
	v6 = type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	if (v6) {
		const struct rte_ipv6_hdr *ip = (const void *)(p + l2);

		if (ip->proto != IPPROTO_TCP)
			return 0;
		l3 = sizeof(*ip);
		iplen = l3 + rte_be_to_cpu_16(ip->payload_len);
		if (!(lro && l4_good) && rte_ipv6_udptcp_cksum_verify(ip, p + l2 + l3) != 0)
			return -1;
	} else if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip = (const void *)(p + l2);

		if (ip->next_proto_id != IPPROTO_TCP)
			return 0;
		l3 = rte_ipv4_hdr_len(ip);
		iplen = rte_be_to_cpu_16(ip->total_length);
		if (rte_raw_cksum(ip, l3) != 0xffff ||
		    (!(lro && l4_good) && rte_ipv4_udptcp_cksum_verify(ip, p + l2 + l3) != 0))
			return -1;
	} else {
		return 0;
	}
	th = (const void *)(p + l2 + l3);
	l4 = (uint32_t)(th->data_off >> 4) * 4;
	if (l2 + iplen != m->pkt_len || l2 + l3 + l4 > m->pkt_len)
		return -1;
	*payload = m->pkt_len - l2 - l3 - l4;
	seq = rte_be_to_cpu_32(th->sent_seq);
	if (offload_mode)
		return tso_payload_segs(p + l2 + l3 + l4, *payload, seq,
					o->mss ? o->mss : (v6 ? 1440 : 1460), maxseg);
	return gen_payload_segs(p + l2 + l3 + l4, *payload, 14 + l3 + l4, maxseg);
}

/* One received packet: if TCP, its chain, headers, flags and payload. */
static void
check_tcp(const struct rte_mbuf *m, bool offload_mode, const struct options *o)
{
	static uint8_t buf[LRO_BUF];
	bool lro = m->ol_flags & RTE_MBUF_F_RX_LRO;
	uint32_t nsegs = 0, bytes = 0, payload = 0, maxseg = 0;
	const struct rte_mbuf *s;
	const uint8_t *p;
	int wire;

	for (s = m; s != NULL; s = s->next) {
		nsegs++;
		bytes += s->data_len;
	}
	if (nsegs != m->nb_segs || bytes != m->pkt_len || m->pkt_len > LRO_BUF) {
		lt.bad++;
		return;
	}
	if (m->pkt_len < 54 || (p = rte_pktmbuf_read(m, 0, m->pkt_len, buf)) == NULL)
		return;	/* no room for a TCP/IPv4 header: not one of ours */
	wire = tcp_verify(m, p, offload_mode, o, &payload, &maxseg);
	if (wire == 0)
		return;
	lt.tcp++;
	/* several wire segments: flagged LRO with their MSS; one: a frame */
	if (wire < 0 || lro != (wire > 1) || (lro && m->tso_segsz != maxseg) ||
	    (o->lro_max && m->pkt_len > o->lro_max)) {
		lt.bad++;
		return;
	}
	lt.lro += lro;
	lt.lro_segs += lro ? (uint64_t)wire : 0;
	lt.segs += (uint64_t)wire;
	lt.payload += payload;
	lt.mbufs += nsegs;
	lt.max_len = RTE_MAX(lt.max_len, (uint64_t)m->pkt_len);
}

static void
report_lro(void)
{
	printf("lro tcp=%" PRIu64 " lro=%" PRIu64 " lro_segs=%" PRIu64 " segs=%" PRIu64
	       " payload=%" PRIu64 " mbufs=%" PRIu64 " max_len=%" PRIu64 " bad=%" PRIu64 "\n",
	       lt.tcp, lt.lro, lt.lro_segs, lt.segs, lt.payload, lt.mbufs, lt.max_len, lt.bad);
}

/* How many packets the PMD makes of a TSO packet of segs segments of mss
 * that hvsim coalesced whole: it cuts at max_lro_pkt_size (counting a
 * tag put back in), never below one frame (MTU + 14). */
static uint32_t
lro_pieces(const struct options *o, bool v6, uint32_t segs, uint32_t mss)
{
	uint32_t hdr = 14 + (v6 ? 40 : 20) + 20, per;

	if (!o->lro)
		return segs;
	per = RTE_MAX(1u, (o->lro_piece - hdr) / mss);
	return (segs + per - 1) / per;
}

/* io --lro-tso: a coalesced packet goes back out cut by the host (TSO)
 * into segments of its tso_segsz; the rest is sent as it came. */
static void
lro_to_tso(struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t l2 = 14, l3;
	uint16_t type;
	uint64_t tx;

	if (!(m->ol_flags & RTE_MBUF_F_RX_LRO))
		return;
	memcpy(&type, p + 12, 2);
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN)) {
		memcpy(&type, p + 16, 2);
		l2 = 18;
	}
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
		l3 = sizeof(struct rte_ipv6_hdr);
		tx = RTE_MBUF_F_TX_IPV6;
	} else {
		l3 = rte_ipv4_hdr_len((const struct rte_ipv4_hdr *)(p + l2));
		tx = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	}
	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED)
		tx |= RTE_MBUF_F_TX_VLAN;
	m->l2_len = l2;
	m->l3_len = l3;
	m->l4_len = (uint32_t)(((const struct rte_tcp_hdr *)(p + l2 + l3))->data_off >> 4) * 4;
	m->ol_flags = tx | RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM;
}

/* ---- offload mode ------------------------------------------------------------ */

#define MSS4		1460
#define MSS6		1440
#define BIG_ROOM	65535	/* one segment holds a whole TSO packet */

enum kind { K_TCP4, K_UDP4, K_TCP6, K_UDP6, K_COUNT };

/* What came back, by the PMD's flags and by our own check. */
struct rx_tally {
	uint64_t rx, ip_good, ip_bad, ip_unknown, l4_good, l4_bad, l4_unknown;
	uint64_t vlan, vlan_inframe, sw_bad;
};

/* The TCI of a tag inside the frame, 0 if none. */
static uint16_t
vlan_inframe(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t type, tci;

	if (m->data_len < 18)
		return 0;
	memcpy(&type, p + 12, 2);
	memcpy(&tci, p + 14, 2);
	return type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN) ? rte_be_to_cpu_16(tci) : 0;
}

static struct rx_tally tally;

static bool
is_v6(enum kind k)
{
	return k == K_TCP6 || k == K_UDP6;
}

static bool
is_tcp(enum kind k)
{
	return k == K_TCP4 || k == K_TCP6;
}

/* Headers and payload of one frame in m; checksum fields zero. */
static void
fill_frame(struct rte_mbuf *m, uint16_t port, enum kind k, uint32_t payload, uint32_t seq)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (void *)p;
	uint32_t l3 = is_v6(k) ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	uint32_t l4 = is_tcp(k) ? sizeof(struct rte_tcp_hdr) : sizeof(struct rte_udp_hdr);
	uint8_t *l3p = p + sizeof(*eth), *l4p = l3p + l3;
	uint32_t i;

	rte_eth_macaddr_get(port, &eth->dst_addr);	/* the loop returns it to us */
	memcpy(eth->src_addr.addr_bytes, "\x02\x00\x00\x00\x00\x99", 6);
	eth->ether_type = rte_cpu_to_be_16(is_v6(k) ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	if (is_v6(k)) {
		struct rte_ipv6_hdr *ip = (void *)l3p;

		memset(ip, 0, sizeof(*ip));
		ip->vtc_flow = rte_cpu_to_be_32(0x60000000);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(l4 + payload));
		ip->proto = is_tcp(k) ? IPPROTO_TCP : IPPROTO_UDP;
		ip->hop_limits = 64;
		memcpy(&ip->src_addr, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(&ip->dst_addr, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	} else {
		struct rte_ipv4_hdr *ip = (void *)l3p;

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(l3 + l4 + payload));
		ip->packet_id = rte_cpu_to_be_16((uint16_t)seq);
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = is_tcp(k) ? IPPROTO_TCP : IPPROTO_UDP;
		ip->src_addr = rte_cpu_to_be_32(0x0a010001);
		ip->dst_addr = rte_cpu_to_be_32(0x0a010002);
	}
	if (is_tcp(k)) {
		struct rte_tcp_hdr *t = (void *)l4p;

		memset(t, 0, sizeof(*t));
		t->src_port = rte_cpu_to_be_16((uint16_t)(1000 + k));
		t->dst_port = rte_cpu_to_be_16(80);
		t->sent_seq = rte_cpu_to_be_32(seq);
		t->recv_ack = rte_cpu_to_be_32(1);
		t->data_off = (uint8_t)((sizeof(*t) / 4) << 4);
		t->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
		t->rx_win = rte_cpu_to_be_16(65535);
	} else {
		struct rte_udp_hdr *u = (void *)l4p;

		u->src_port = rte_cpu_to_be_16((uint16_t)(1000 + k));
		u->dst_port = rte_cpu_to_be_16(53);
		u->dgram_len = rte_cpu_to_be_16((uint16_t)(l4 + payload));
		u->dgram_cksum = 0;
	}
	for (i = 0; i < payload; i++)
		l4p[l4 + i] = (uint8_t)(seq + i * 31);
	m->data_len = m->pkt_len = (uint32_t)(sizeof(*eth) + l3 + l4 + payload);
	m->l2_len = sizeof(*eth);
	m->l3_len = l3;
	m->l4_len = l4;
}

/* Checksums in software, the way a guest without offloads does. */
static void
sw_checksums(struct rte_mbuf *m, enum kind k)
{
	uint8_t *l3p = rte_pktmbuf_mtod_offset(m, uint8_t *, m->l2_len);
	uint8_t *l4p = l3p + m->l3_len;
	uint16_t *field = (uint16_t *)(l4p + (is_tcp(k) ? 16 : 6));

	*field = 0;
	if (is_v6(k)) {
		*field = rte_ipv6_udptcp_cksum((void *)l3p, l4p);
	} else {
		struct rte_ipv4_hdr *ip = (void *)l3p;

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		*field = rte_ipv4_udptcp_cksum(ip, l4p);
	}
}

static uint64_t
csum_flags(enum kind k)
{
	uint64_t l4 = is_tcp(k) ? RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM;

	return is_v6(k) ? RTE_MBUF_F_TX_IPV6 | l4 :
			  RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | l4;
}

/* Is every checksum of a returned frame right? (VLAN tag may be inside.)
 * A coalesced packet's TCP checksum is stale when the host vouched for
 * it (RTE_MBUF_F_RX_L4_CKSUM_GOOD): only its IP header is checked. */
static bool
sw_verify(struct rte_mbuf *m)
{
	static uint8_t buf[LRO_BUF];
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t off = sizeof(struct rte_ether_hdr);
	bool hdr_only = (m->ol_flags & RTE_MBUF_F_RX_LRO) &&
			(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	uint16_t type;

	if (m->nb_segs != 1) {
		if (m->pkt_len > LRO_BUF)
			return false;
		p = (uint8_t *)(uintptr_t)rte_pktmbuf_read(m, 0, m->pkt_len, buf);
	}
	if (p == NULL || m->pkt_len < off + 4)
		return false;
	memcpy(&type, p + 12, 2);
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN)) {
		memcpy(&type, p + 16, 2);
		off += 4;
	}
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		struct rte_ipv4_hdr *ip = (void *)(p + off);

		if (rte_raw_cksum(ip, rte_ipv4_hdr_len(ip)) != 0xffff)
			return false;
		if (hdr_only)
			return true;
		if (ip->next_proto_id == IPPROTO_UDP &&
		    ((struct rte_udp_hdr *)(p + off + rte_ipv4_hdr_len(ip)))->dgram_cksum == 0)
			return true;
		return rte_ipv4_udptcp_cksum_verify(ip, p + off + rte_ipv4_hdr_len(ip)) == 0;
	}
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))
		return hdr_only ||
		       rte_ipv6_udptcp_cksum_verify((void *)(p + off), p + off + 40) == 0;
	return false;
}

static void
tally_rx(struct rte_mbuf *m, const struct options *o)
{
	uint64_t ip = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	tally.rx++;
	tally.ip_good += ip == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	tally.ip_bad += ip == RTE_MBUF_F_RX_IP_CKSUM_BAD;
	tally.ip_unknown += ip == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN;
	tally.l4_good += l4 == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	tally.l4_bad += l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD;
	tally.l4_unknown += l4 == RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN;
	tally.vlan += o->vlan && (m->ol_flags & RTE_MBUF_F_RX_VLAN) && m->vlan_tci == o->vlan;
	tally.vlan_inframe += o->vlan && vlan_inframe(m) == o->vlan;
	tally.sw_bad += !sw_verify(m);
	if (o->lro)
		check_tcp(m, true, o);
}

/* Poll until `want` frames came back in total (or a second passed). */
static void
await_rx(uint16_t port, uint64_t want, const struct options *o)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz();
	struct rte_mbuf *pkts[BURST];
	uint16_t n, i;

	while (tally.rx < want && rte_get_timer_cycles() < deadline) {
		n = rte_eth_rx_burst(port, 0, pkts, BURST);
		for (i = 0; i < n; i++)
			tally_rx(pkts[i], o);
		rte_pktmbuf_free_bulk(pkts, n);
	}
}

static uint64_t sent, expected, unsent;

/* Send one frame; expect `echoes` frames back from the looping host. */
static void
send_one(uint16_t port, struct rte_mbuf *m, uint32_t echoes, const struct options *o)
{
	if (o->vlan) {
		m->vlan_tci = o->vlan;
		if (!o->vlan_inframe)
			m->ol_flags |= RTE_MBUF_F_TX_VLAN;
		else if (rte_vlan_insert(&m) != 0)	/* l2_len grows by the tag */
			m->ol_flags |= RTE_MBUF_F_TX_VLAN;
	}
	if (rte_eth_tx_burst(port, 0, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		unsent++;
		return;
	}
	sent++;
	expected += echoes;
	await_rx(port, expected, o);
}

static void
send_small(uint16_t port, struct rte_mempool *mp, const struct options *o)
{
	uint32_t i, k;

	for (i = 0; i < o->count; i++) {
		for (k = 0; k < K_COUNT; k++) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

			if (m == NULL)
				return;
			fill_frame(m, port, k, 18 + (i * 97 + k * 13) % 1400, i);
			if (o->tx_csum || o->tx_csum_unconf)
				m->ol_flags |= csum_flags(k);
			else
				sw_checksums(m, k);
			send_one(port, m, 1, o);
		}
	}
}

/* Right checksums, then one of them broken: no offload is asked. */
static void
send_bad(uint16_t port, struct rte_mempool *mp, const struct options *o)
{
	uint32_t i, k;

	for (i = 0; i < o->bad; i++) {
		for (k = 0; k <= K_COUNT; k++) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
			enum kind kk = k == K_COUNT ? K_TCP4 : k;
			uint8_t *p;

			if (m == NULL)
				return;
			fill_frame(m, port, kk, 100 + i, 7 + i);
			sw_checksums(m, kk);
			p = rte_pktmbuf_mtod(m, uint8_t *);
			if (k == K_COUNT)	/* the IPv4 header checksum */
				p[14 + 10] ^= 0x01;
			else			/* the TCP/UDP checksum */
				p[m->l2_len + m->l3_len + (is_tcp(kk) ? 16 : 6)] ^= 0x01;
			send_one(port, m, 1, o);
		}
	}
}

static void
send_tso(uint16_t port, struct rte_mempool *big, const struct options *o)
{
	uint32_t i, k, mss, segs;

	for (i = 0; i < o->tso; i++) {
		for (k = K_TCP4; k <= K_TCP6; k += 2) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(big);

			if (m == NULL)
				return;
			mss = o->mss ? o->mss : is_v6(k) ? MSS6 : MSS4;
			fill_frame(m, port, k, o->tso_payload, TSO_SEQ_BASE * (i + 1));
			m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | csum_flags(k);
			m->tso_segsz = (uint16_t)mss;
			segs = (o->tso_payload + mss - 1) / mss;
			/* hvsim coalesces the segments back (RSC) when LRO is on */
			send_one(port, m, lro_pieces(o, is_v6(k), segs, mss), o);
		}
	}
}

/* One UDP/IPv4 frame of len bytes (at least 42). */
static void
send_big(uint16_t port, struct rte_mempool *big, uint32_t len, uint32_t echoes,
	 const struct options *o)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(big);

	if (m == NULL || len < 14 + 20 + 8) {
		rte_pktmbuf_free(m);
		return;
	}
	fill_frame(m, port, K_UDP4, len - 14 - 20 - 8, 1);
	sw_checksums(m, K_UDP4);
	send_one(port, m, echoes, o);
}

static void
report_offload(void)
{
	printf("offload sent=%" PRIu64 " unsent=%" PRIu64 " expected=%" PRIu64 " rx=%" PRIu64
	       "\n", sent, unsent, expected, tally.rx);
	printf("offload ip_good=%" PRIu64 " ip_bad=%" PRIu64 " ip_unknown=%" PRIu64
	       " l4_good=%" PRIu64 " l4_bad=%" PRIu64 " l4_unknown=%" PRIu64 "\n",
	       tally.ip_good, tally.ip_bad, tally.ip_unknown, tally.l4_good, tally.l4_bad,
	       tally.l4_unknown);
	printf("offload vlan=%" PRIu64 " sw_bad=%" PRIu64 "\n", tally.vlan, tally.sw_bad);
	printf("offload vlan_inframe=%" PRIu64 "\n", tally.vlan_inframe);
}

static int
run_offload(uint16_t port, const struct options *o, struct rte_mempool *mp)
{
	struct rte_mempool *big = NULL;

	if (o->tso || o->jumbo || o->oversize) {
		big = rte_pktmbuf_pool_create("guest_fwd_big", 63, 0, 0, BIG_ROOM,
					      rte_socket_id());
		if (big == NULL) {
			fprintf(stderr, "guest_fwd: no pool of large mbufs: %s\n",
				rte_strerror(rte_errno));
			return -1;
		}
	}
	send_small(port, mp, o);
	send_bad(port, mp, o);
	send_tso(port, big, o);
	if (o->jumbo)
		send_big(port, big, o->jumbo, 1, o);
	if (o->oversize)
		send_big(port, big, o->oversize, 0, o);
	await_rx(port, expected + 1, o);	/* anything unexpected shows up */
	report_offload();
	if (o->lro)
		report_lro();
	return 0;
}

/* The offloads the options ask for, if the PMD offers them. */
static int
offload_conf(uint16_t port, struct options *o, struct rte_eth_conf *conf)
{
	struct rte_eth_dev_info info;
	uint64_t tx = 0, rx = 0;

	if (o->tx_csum || o->tso)
		tx |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
		      RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	if (o->tso)
		tx |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	if (o->vlan)
		tx |= RTE_ETH_TX_OFFLOAD_VLAN_INSERT;
	if (o->rx_csum)
		rx |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
		      RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	if (o->lro)
		rx |= RTE_ETH_RX_OFFLOAD_TCP_LRO;
	if (o->lro_tso)
		tx |= RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
		      RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (o->vlan_strip)
		rx |= RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
	if (o->scatter) {
		rx |= RTE_ETH_RX_OFFLOAD_SCATTER;
		tx |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	}
	if (rte_eth_dev_info_get(port, &info) != 0)
		return -1;
	if ((info.tx_offload_capa & tx) != tx || (info.rx_offload_capa & rx) != rx) {
		fprintf(stderr, "guest_fwd: offloads tx 0x%" PRIx64 " rx 0x%" PRIx64
			" not offered (tx 0x%" PRIx64 " rx 0x%" PRIx64 ")\n", tx, rx,
			info.tx_offload_capa, info.rx_offload_capa);
		return -1;
	}
	conf->txmode.offloads = tx;
	conf->rxmode.offloads = rx;
	conf->rxmode.mtu = o->mtu;
	if (o->lro) {
		conf->rxmode.max_lro_pkt_size = o->lro_max ? o->lro_max : info.max_lro_pkt_size;
		o->lro_max = conf->rxmode.max_lro_pkt_size;
	}
	return 0;
}

/* What the PMD offers, for the scenarios to check. */
static void
report_caps(uint16_t port)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port, &info) == 0)
		printf("caps rx=0x%" PRIx64 " tx=0x%" PRIx64 " max_lro_pkt_size=%u"
		       " max_rx_pktlen=%u max_mtu=%u lro=%d tso=%d\n", info.rx_offload_capa,
		       info.tx_offload_capa, info.max_lro_pkt_size, info.max_rx_pktlen,
		       info.max_mtu, !!(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_LRO),
		       !!(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO));
}

/* Started once: stop, new MTU, start again. */
static int
mtu_restart(uint16_t port, struct options *o)
{
	int ret;

	ret = rte_eth_dev_stop(port);
	if (ret == 0)
		ret = rte_eth_dev_set_mtu(port, o->mtu_restart);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	if (ret != 0)
		fprintf(stderr, "guest_fwd: MTU %u on the stopped port: %s\n", o->mtu_restart,
			rte_strerror(-ret));
	o->mtu = o->mtu_restart;
	return ret;
}

static int
port_setup(uint16_t port, struct options *o, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = { 0 };
	uint16_t q;
	int ret;

	if (o->rxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP;
	}
	report_caps(port);
	if (offload_conf(port, o, &conf) != 0)
		return -1;
	ret = rte_eth_dev_configure(port, o->rxq, o->txq, &conf);
	for (q = 0; ret == 0 && q < o->rxq; q++)
		ret = rte_eth_rx_queue_setup(port, q, o->rxd, rte_eth_dev_socket_id(port),
					     NULL, mp);
	for (q = 0; ret == 0 && q < o->txq; q++)
		ret = rte_eth_tx_queue_setup(port, q, o->txd, rte_eth_dev_socket_id(port), NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	if (ret == 0 && o->mtu_restart)
		ret = mtu_restart(port, o);
	if (o->lro) {
		/* what the PMD delivers at most: max_lro_pkt_size less a tag it
		 * puts back, never below one frame */
		uint32_t mtu = o->mtu ? o->mtu : RTE_ETHER_MTU;
		uint32_t tag = o->vlan_strip ? 0 : RTE_VLAN_HLEN;

		o->lro_piece = RTE_MAX(mtu + 14, o->lro_max - RTE_MIN(tag, o->lro_max));
	}
	return ret;
}

static uint64_t
poll_queue(uint16_t port, uint16_t q, const struct options *o)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n, sent, i, txq = q % o->txq;
	unsigned int tries;

	n = rte_eth_rx_burst(port, q, pkts, BURST);
	if (n == 0)
		return 0;
	last_rx_tsc = rte_rdtsc();
	if (first_rx_tsc == 0)
		first_rx_tsc = last_rx_tsc;
	rx_count[q] += n;
	for (i = 0; o->lro && i < n; i++) {
		check_tcp(pkts[i], false, o);
		if (o->lro_tso)
			lro_to_tso(pkts[i]);
	}
	if (o->mode != MODE_IO) {
		rte_pktmbuf_free_bulk(pkts, n);
		return n;
	}
	/* --tx-retry: a busy host completes sends late; retry a while */
	sent = rte_eth_tx_burst(port, txq, pkts, n);
	for (tries = 0; o->tx_retry && sent < n && tries < 100000; tries++)
		sent += rte_eth_tx_burst(port, txq, pkts + sent, n - sent);
	tx_count[txq] += sent;
	if (sent < n) {
		tx_unsent[txq] += n - sent;
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
	return n;
}

/* Every non-zero extended statistic: where frames went, by the PMD's word. */
static void
report_xstats(uint16_t port)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *vals;
	int i, n = rte_eth_xstats_get_names(port, NULL, 0);

	if (n <= 0)
		return;
	names = calloc(n, sizeof(*names));
	vals = calloc(n, sizeof(*vals));
	if (names && vals && rte_eth_xstats_get_names(port, names, n) == n &&
	    rte_eth_xstats_get(port, vals, n) == n)
		for (i = 0; i < n; i++)
			if (vals[i].value != 0)
				printf("xstat %s=%" PRIu64 "\n", names[vals[i].id].name,
				       vals[i].value);
	free(names);
	free(vals);
}

static void
report(uint16_t port, const struct options *o)
{
	struct rte_eth_stats st;
	uint64_t rx = 0, tx = 0, unsent = 0;
	uint16_t q;

	for (q = 0; q < o->rxq; q++) {
		printf("queue=%u rx=%" PRIu64 "\n", q, rx_count[q]);
		rx += rx_count[q];
	}
	for (q = 0; q < o->txq; q++) {
		tx += tx_count[q];
		unsent += tx_unsent[q];
	}
	printf("total rx=%" PRIu64 " tx=%" PRIu64 " unsent=%" PRIu64 "\n", rx, tx, unsent);
	printf("rx_window_us=%" PRIu64 "\n",
	       (last_rx_tsc - first_rx_tsc) * 1000000 / rte_get_tsc_hz());
	if (rte_eth_stats_get(port, &st) == 0)
		printf("port ipackets=%" PRIu64 " opackets=%" PRIu64 " ierrors=%" PRIu64
		       " oerrors=%" PRIu64 " imissed=%" PRIu64 "\n", st.ipackets, st.opackets,
		       st.ierrors, st.oerrors, st.imissed);
	report_xstats(port);
	if (getenv("GUEST_PRIV_DUMP") != NULL)	/* the PMD's own view */
		rte_eth_dev_priv_dump(port, stdout);
}

/* Stop the port (the PMD gives back what it holds), then count the
 * receive pool's mbufs nobody returned: a leak shows here. */
static void
finish(uint16_t port, struct rte_mempool *mp)
{
	rte_eth_dev_stop(port);
	printf("mbufs_in_use=%u\n", rte_mempool_in_use_count(mp));
	rte_eth_dev_close(port);
	rte_eal_cleanup();
}

/* Every descriptor full, plus what bursts and caches hold: never fewer
 * than the 8191 every scenario was written against. */
static unsigned int
pool_size(const struct options *o)
{
	unsigned int need = o->rxq * (o->rxd ? o->rxd : NB_DESC_SIZING) +
			    o->txq * (o->txd ? o->txd : NB_DESC_SIZING) + 2048;

	return RTE_MAX(8191u, rte_align32pow2(need) - 1);
}

int
main(int argc, char **argv)
{
	struct rte_mempool *mp;
	struct options o;
	uint64_t deadline, total = 0;
	uint16_t port, q;
	int n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "guest_fwd: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	if (parse(argc - n, argv + n, &o) < 0 || !rte_eth_dev_is_valid_port(o.port)) {
		fprintf(stderr, "guest_fwd: bad arguments or no port\n");
		return 2;
	}
	port = o.port;
	mp = rte_pktmbuf_pool_create("guest_fwd", pool_size(&o), 256, 0, o.mbuf_size,
				     rte_socket_id());
	if (mp == NULL || port_setup(port, &o, mp) != 0) {
		fprintf(stderr, "guest_fwd: port setup failed\n");
		return 2;
	}
	printf("started=1\n");
	if (o.mode == MODE_OFFLOAD) {
		n = run_offload(port, &o, mp);
		report(port, &o);
		finish(port, mp);
		return n == 0 ? 0 : 2;
	}
	deadline = rte_get_timer_cycles() + (uint64_t)(o.seconds * rte_get_timer_hz());
	while (rte_get_timer_cycles() < deadline && (o.packets == 0 || total < o.packets))
		for (q = 0; q < o.rxq; q++)
			total += poll_queue(port, q, &o);
	report(port, &o);
	if (o.lro)
		report_lro();
	finish(port, mp);
	return 0;
}
