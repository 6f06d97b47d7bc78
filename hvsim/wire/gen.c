/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * --traffic=gen[:KEY=VALUE,...]: a traffic generator on the other side of
 * the wire. It sends numbered UDP or TCP frames over IPv4 or IPv6 to every
 * NIC and checks every frame that comes back: counts, loss, duplicates and
 * corruption.
 *
 *   rate=PPS      frames per second per NIC (0: as fast as the NIC takes)
 *   count=N       frames per NIC, then stop (0: until the guest exits)
 *   flows=N       distinct 5-tuples, round robin (default 1)
 *   sizes=A/B/..  frame lengths without FCS, cycled (default 64)
 *   burst=N       frames handed over per poll at most (default 32)
 *   delay=MS      start this long after the NIC first accepts frames, so a
 *                 guest finishes starting (DPDK's bundled driver drops
 *                 frames that arrive while it waits for RNDIS replies)
 *   proto=udp|tcp transport (default udp). TCP segments carry ACK only and
 *                 per-flow sequence numbers that advance by the payload, so
 *                 the host's RSC can coalesce a flow's consecutive segments
 *                 (a coalesced frame the guest sends back counts as foreign
 *                 or corrupt: use TCP with receive-only guests)
 *   ip=4|6        network layer (default 4); flow f uses 10.0.f.1 ->
 *                 10.100.0.(f & 255), or for IPv6 2001:db8::a00:f01 ->
 *                 2001:db8:64::a64:(f & 255): the same low 32 bits
 *   badsum=N      every Nth frame of a flow (seq % N == N - 1) carries a
 *                 wrong L4 checksum (RX checksum tests). UDP/IPv4 frames
 *                 carry a checksum only when this is given (it costs the
 *                 generator time); TCP and IPv6 frames always do
 *   ports=S>D/..  generate on port S and expect the frames back on port D,
 *                 for a guest that forwards between NICs (default: every
 *                 port to itself; a port not named as a source sends nothing)
 *
 * The scenario command "gen KEY=VALUE,..." starts a new batch with the
 * settings changed as given (gen_command()).
 *
 * Counters are per sending port: "received" counts the frames that came
 * back on the expected port; "wrong_port" those that came back elsewhere;
 * "stale" those of an earlier batch that came back during this one.
 * "foreign" and "corrupt" are counted on the port they arrived on.
 *
 * A frame the NIC cannot take yet (receive buffer or ring full) is not
 * lost: it is offered again later, so "sent" counts frames the guest got.
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "util.h"
#include "vmbus/nic.h"
#include "vsp/vsp.h"
#include "wire/vswitch.h"

#define GEN_MAGIC	0x48565347u	/* "HVSG" */
#define MAX_SIZES	16
#define MAX_FLOWS	4096
#define ETH_LEN		14
#define IP4_LEN		20
#define IP6_LEN		40
#define UDP_LEN		8
#define TCP_LEN		20
#define TCP_ACK		0x10

/* What every generated frame carries after its L4 header: 16 bytes, so
 * that even a 60-byte UDP/IPv4 frame holds it (42 + 16 = 58). */
struct gen_hdr {
	uint32_t magic;
	uint8_t port;		/* NIC it was sent to */
	uint8_t batch;		/* which "gen" command sent it, mod 256 */
	uint16_t flow;
	uint32_t seq;		/* per NIC and flow */
	uint16_t len;		/* whole frame */
	uint16_t sum;		/* of the pattern bytes after this header */
} __attribute__((packed));
_Static_assert(sizeof(struct gen_hdr) == 16, "gen header");

struct gen_port {
	uint64_t ready_ns;	/* when the NIC first accepted frames */
	uint64_t first_ns, last_ns;	/* first and last frame handed over */
	uint64_t sent, received, duplicates, corrupt, foreign, wrong_port, stale;
	uint64_t *next_seq;	/* per flow */
	uint32_t *tcp_seq;	/* per flow: TCP sequence number of the next byte */
	uint8_t **seen;		/* per flow bitmap of received seqs (count mode) */
};

struct gen {
	struct hvsim_vswitch *vs;
	int dst[HVSIM_VSWITCH_PORTS];	/* expected return port; -1: sends nothing */
	bool routes_given, routes_checked;
	uint64_t rate, count, delay_ns;
	uint32_t flows, burst;
	bool tcp, ipv6;
	uint32_t badsum;		/* every Nth frame of a flow: bad L4 sum */
	uint32_t l4_off, hdr_off, frame_min;	/* layout for proto= and ip= */
	uint32_t sizes[MAX_SIZES];
	unsigned int nsizes;
	uint64_t start_ns;
	bool stopped;			/* `gen stop`: no more frames, counters kept */
	uint8_t dst_mac[6];		/* dst=: frames for another MAC */
	uint16_t vlan_tci;		/* vlan=: frames tagged on the wire */
	bool have_dst_mac;
	uint8_t batch;			/* of the frames sent now */
	struct gen_port port[HVSIM_VSWITCH_PORTS];
	uint8_t frame[HVSIM_VSWITCH_FRAME_MAX];
};

/* ---- arguments -------------------------------------------------------------- */

static int
parse_sizes(struct gen *g, const char *v)
{
	char *end;

	g->nsizes = 0;
	while (*v && g->nsizes < MAX_SIZES) {
		unsigned long n = strtoul(v, &end, 10);

		if (end == v || n < 60 || n > 9018)
			return -EINVAL;
		g->sizes[g->nsizes++] = (uint32_t)n;	/* raised to frame_min later */
		v = *end == '/' ? end + 1 : end;
		if (*end != '/' && *end != '\0')
			return -EINVAL;
	}
	return g->nsizes ? 0 : -EINVAL;
}

/* "0>1/1>0": which ports send, and where their frames must come back */
static int
parse_ports(struct gen *g, const char *v)
{
	int p;

	g->routes_given = true;
	for (p = 0; p < HVSIM_VSWITCH_PORTS; p++)
		g->dst[p] = -1;
	while (*v) {
		unsigned int src, dst;
		int used;

		if (sscanf(v, "%u>%u%n", &src, &dst, &used) != 2 ||
		    src >= HVSIM_VSWITCH_PORTS || dst >= HVSIM_VSWITCH_PORTS || g->dst[src] >= 0)
			return -EINVAL;
		g->dst[src] = (int)dst;
		v += used;
		if (*v != '/' && *v != '\0')
			return -EINVAL;
		if (*v == '/')
			v++;
	}
	return 0;
}

static int
parse_proto(struct gen *g, const char *v)
{
	if (strcmp(v, "udp") != 0 && strcmp(v, "tcp") != 0)
		return -EINVAL;
	g->tcp = strcmp(v, "tcp") == 0;
	return 0;
}

static int
parse_ip(struct gen *g, const char *v)
{
	if (strcmp(v, "4") != 0 && strcmp(v, "6") != 0)
		return -EINVAL;
	g->ipv6 = strcmp(v, "6") == 0;
	return 0;
}

/* Header offsets follow proto= and ip=; no size may cut the gen header. */
static void
set_layout(struct gen *g)
{
	unsigned int i;

	g->l4_off = ETH_LEN + (g->ipv6 ? IP6_LEN : IP4_LEN);
	g->hdr_off = g->l4_off + (g->tcp ? TCP_LEN : UDP_LEN);
	g->frame_min = g->hdr_off + (uint32_t)sizeof(struct gen_hdr);
	for (i = 0; i < g->nsizes; i++)
		if (g->sizes[i] < g->frame_min)
			g->sizes[i] = g->frame_min;
}

/* One KEY=VALUE of --traffic=gen (and of the gen control command). */
static int
parse_kv(void *ctx, const char *key, const char *v)
{
	struct gen *g = ctx;
	int ret = 0;

	if (strcmp(key, "rate") == 0)
		g->rate = strtoull(v, NULL, 0);
	else if (strcmp(key, "count") == 0)
		g->count = strtoull(v, NULL, 0);
	else if (strcmp(key, "flows") == 0)
		g->flows = (uint32_t)strtoul(v, NULL, 0);
	else if (strcmp(key, "delay") == 0)
		g->delay_ns = strtoull(v, NULL, 0) * 1000000ull;
	else if (strcmp(key, "burst") == 0)
		g->burst = (uint32_t)strtoul(v, NULL, 0);
	else if (strcmp(key, "sizes") == 0)
		ret = parse_sizes(g, v);
	else if (strcmp(key, "dst") == 0)
		/* dst=MAC: address frames elsewhere (filter tests) */
		g->have_dst_mac = (ret = hvsim_parse_mac(v, g->dst_mac)) == 0;
	else if (strcmp(key, "vlan") == 0)
		/* vlan=TCI: tagged on the wire; the host hands the tag over in
		 * the 802.1Q PPI, the frame without it (as tap.c does) */
		g->vlan_tci = (uint16_t)strtoul(v, NULL, 0);
	else if (strcmp(key, "ports") == 0)
		ret = parse_ports(g, v);
	else if (strcmp(key, "proto") == 0)
		ret = parse_proto(g, v);
	else if (strcmp(key, "ip") == 0)
		ret = parse_ip(g, v);
	else if (strcmp(key, "badsum") == 0)
		g->badsum = (uint32_t)strtoul(v, NULL, 0);
	else
		ret = -EINVAL;
	return ret;
}

static int
parse_args(struct gen *g, const char *args)
{
	int ret = hvsim_parse_kv(args, parse_kv, g);

	if (g->flows == 0 || g->flows > MAX_FLOWS || g->burst == 0)
		ret = -EINVAL;
	set_layout(g);
	return ret;
}

static void
ports_free(struct gen *g)
{
	unsigned int p, f;

	for (p = 0; p < HVSIM_VSWITCH_PORTS; p++) {
		for (f = 0; g->port[p].seen && f < g->flows; f++)
			free(g->port[p].seen[f]);
		free(g->port[p].seen);
		free(g->port[p].next_seq);
		free(g->port[p].tcp_seq);
	}
	memset(g->port, 0, sizeof(g->port));
}

/* Per-port state for g->flows flows and g->count frames, counters at 0. */
static int
ports_alloc(struct gen *g)
{
	unsigned int p, f;

	for (p = 0; p < HVSIM_VSWITCH_PORTS; p++) {
		g->port[p].next_seq = calloc(g->flows, sizeof(uint64_t));
		g->port[p].tcp_seq = calloc(g->flows, sizeof(uint32_t));
		g->port[p].seen = calloc(g->flows, sizeof(uint8_t *));
		if (g->port[p].next_seq == NULL || g->port[p].seen == NULL ||
		    g->port[p].tcp_seq == NULL)
			return -ENOMEM;
		for (f = 0; g->count && f < g->flows; f++) {
			g->port[p].seen[f] = calloc(g->count / g->flows / 8 + 2, 1);
			if (g->port[p].seen[f] == NULL)
				return -ENOMEM;
		}
	}
	return 0;
}

static int
gen_create(struct hvsim_vswitch *vs, const char *args, void **ctx)
{
	struct gen *g = calloc(1, sizeof(*g));
	unsigned int p;

	if (g == NULL)
		return -ENOMEM;
	g->vs = vs;
	g->flows = 1;
	g->burst = 32;
	g->sizes[0] = 64;
	g->nsizes = 1;
	set_layout(g);
	for (p = 0; p < HVSIM_VSWITCH_PORTS; p++)
		g->dst[p] = (int)p;
	if (parse_args(g, args) < 0) {
		fprintf(stderr, "hvsim: --traffic=gen:%s: expected rate=,count=,flows=,sizes=A/B,"
			"burst=,delay=,ports=S>D/S>D,dst=MAC,proto=udp|tcp,ip=4|6,badsum=N\n",
			args);
		free(g);
		return -EINVAL;
	}
	*ctx = g;
	return ports_alloc(g);
}

/*
 * "gen KEY=VALUE,..." from scenario control: the next batch. The settings
 * change as given, every port's counters start again from zero and delay=
 * counts from now. Frames of an earlier batch that come back later carry
 * its number and count as stale. check: parse only.
 */
static int
gen_command(void *ctx, const char *args, bool check)
{
	struct gen *g = ctx, *t = malloc(sizeof(*t));
	int ret;

	/* "stop": end the batch where it is, its counters stay (a run of
	 * unknown length still checks every frame that was sent) */
	if (strcmp(args, "stop") == 0) {
		if (!check)
			g->stopped = true;
		free(t);
		return 0;
	}
	if (t == NULL)
		return -ENOMEM;
	memcpy(t, g, offsetof(struct gen, port));	/* the settings */
	ret = parse_args(t, args);
	if (ret == 0 && !check) {
		ports_free(g);
		memcpy(g, t, offsetof(struct gen, port));
		g->batch++;
		g->start_ns = 0;
		g->stopped = false;
		ret = ports_alloc(g);
	}
	free(t);
	return ret;
}

/* ---- frames --------------------------------------------------------------------- */

static uint8_t
pattern(uint64_t seq, uint32_t i)
{
	return (uint8_t)(seq * 7 + i * 13 + (i >> 8));
}

static void
put_eth(struct gen *g, int port)
{
	const struct hvsim_nic *nic = hvsim_vswitch_port(g->vs, port);

	memcpy(g->frame, g->have_dst_mac ? g->dst_mac : nic->cur_mac, 6);
	memcpy(g->frame + 6, "\x02\x00\x5e\x10\x00", 5);
	g->frame[11] = (uint8_t)port;
	g->frame[12] = g->ipv6 ? 0x86 : 0x08;
	g->frame[13] = g->ipv6 ? 0xdd : 0x00;
}

/* IPv4 and IPv6 flows share their low 32 address bits (rss_predict.py). */
static void
put_ip(struct gen *g, uint32_t flow, uint32_t len)
{
	uint32_t src = rte_cpu_to_be_32(0x0a000000u | (flow << 8) | 1);
	uint32_t dst = rte_cpu_to_be_32(0x0a640000u | (flow & 0xff));
	uint8_t proto = g->tcp ? IPPROTO_TCP : IPPROTO_UDP;

	if (g->ipv6) {
		static const uint8_t src_pfx[12] = { 0x20, 0x01, 0x0d, 0xb8 };
		static const uint8_t dst_pfx[12] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x64 };
		struct rte_ipv6_hdr *ip6 = (void *)(g->frame + ETH_LEN);

		memset(ip6, 0, sizeof(*ip6));
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(len - g->l4_off));
		ip6->proto = proto;
		ip6->hop_limits = 64;
		memcpy(&ip6->src_addr, src_pfx, 12);
		memcpy((uint8_t *)&ip6->src_addr + 12, &src, 4);
		memcpy(&ip6->dst_addr, dst_pfx, 12);
		memcpy((uint8_t *)&ip6->dst_addr + 12, &dst, 4);
	} else {
		struct rte_ipv4_hdr *ip = (void *)(g->frame + ETH_LEN);

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(len - ETH_LEN));
		ip->time_to_live = 64;
		ip->next_proto_id = proto;
		ip->src_addr = src;
		ip->dst_addr = dst;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
}

static void
put_l4(struct gen *g, int port, uint32_t flow, uint32_t len)
{
	uint8_t *l4 = g->frame + g->l4_off;
	uint16_t sport = rte_cpu_to_be_16((uint16_t)(1024 + flow));
	uint16_t dport = rte_cpu_to_be_16((uint16_t)(5000 + flow % 7));

	memcpy(l4, &sport, 2);
	memcpy(l4 + 2, &dport, 2);
	if (g->tcp) {
		uint32_t seq = rte_cpu_to_be_32(g->port[port].tcp_seq[flow]);
		uint32_t ack = rte_cpu_to_be_32(1);
		uint16_t win = rte_cpu_to_be_16(0xffff);

		memcpy(l4 + 4, &seq, 4);
		memcpy(l4 + 8, &ack, 4);
		l4[12] = (TCP_LEN / 4) << 4;
		l4[13] = TCP_ACK;	/* no PSH: the host may coalesce the flow */
		memcpy(l4 + 14, &win, 2);
		memset(l4 + 16, 0, 4);
	} else {
		uint16_t ulen = rte_cpu_to_be_16((uint16_t)(len - g->l4_off));

		memcpy(l4 + 4, &ulen, 2);
		memset(l4 + 6, 0, 2);
	}
}

/* The L4 checksum, deliberately wrong on every badsum-th frame of a flow.
 * UDP over IPv4 may go without one, which saves time at full rate. */
static void
put_l4_cksum(struct gen *g, uint64_t seq)
{
	uint8_t *l3 = g->frame + ETH_LEN, *l4 = g->frame + g->l4_off;
	uint8_t *field = l4 + (g->tcp ? 16 : 6);
	uint16_t sum;

	if (!g->tcp && !g->ipv6 && g->badsum == 0)
		return;
	sum = g->ipv6 ? rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)l3, l4)
		      : rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)l3, l4);
	if (g->badsum && seq % g->badsum == g->badsum - 1)
		sum = sum == 0x1234 ? 0x4321 : 0x1234;	/* never 0: UDP's "none" */
	memcpy(field, &sum, 2);
}

static void
build_frame(struct gen *g, int port, uint32_t flow, uint64_t seq, uint32_t len)
{
	struct gen_hdr h = {
		.magic = GEN_MAGIC, .port = (uint8_t)port, .flow = (uint16_t)flow,
		.seq = (uint32_t)seq, .len = (uint16_t)len, .batch = g->batch,
	};
	uint32_t i;

	put_eth(g, port);
	put_ip(g, flow, len);
	put_l4(g, port, flow, len);
	for (i = g->frame_min; i < len; i++) {
		g->frame[i] = pattern(seq, i);
		h.sum = (uint16_t)(h.sum + g->frame[i]);
	}
	memcpy(g->frame + g->hdr_off, &h, sizeof(h));
	put_l4_cksum(g, seq);
}

/* Frames due by now at the configured rate (or a burst, at full speed). */
static uint64_t
due(const struct gen *g, const struct gen_port *gp, uint64_t now)
{
	uint64_t allowed;

	if (g->count && gp->sent >= g->count)
		return 0;
	if (g->rate == 0)
		allowed = gp->sent + g->burst;
	else
		allowed = (now - g->start_ns) / 1000 * g->rate / 1000000;
	if (g->count && allowed > g->count)
		allowed = g->count;
	return allowed > gp->sent ? allowed - gp->sent : 0;
}

/* A port sends once it and the port its frames return on take frames. */
static bool
route_ready(struct gen *g, int p, uint64_t now)
{
	struct gen_port *gp = &g->port[p];

	if (gp->ready_ns == 0 &&
	    vsp_rx_accepts_traffic(hvsim_vswitch_port(g->vs, p)) &&
	    vsp_rx_accepts_traffic(hvsim_vswitch_port(g->vs, g->dst[p])))
		gp->ready_ns = now;
	return gp->ready_ns != 0 && now >= gp->ready_ns + g->delay_ns;
}

static unsigned int
send_burst(struct gen *g, int p, uint64_t now)
{
	struct gen_port *gp = &g->port[p];
	uint64_t n = due(g, gp, now);
	unsigned int work = 0;

	if (n > g->burst)
		n = g->burst;
	while (n-- > 0) {
		uint32_t flow = (uint32_t)(gp->sent % g->flows);
		uint32_t len = g->sizes[gp->sent % g->nsizes];

		build_frame(g, p, flow, gp->next_seq[flow], len);
		/* not ready or full: offer the same frame again later */
		if (hvsim_vswitch_deliver(g->vs, p, g->frame, len, g->vlan_tci) < 0)
			break;
		if (g->start_ns == 0)
			g->start_ns = now;	/* the rate clock starts with the guest */
		if (gp->first_ns == 0)
			gp->first_ns = now;
		gp->last_ns = now;
		gp->next_seq[flow]++;
		gp->tcp_seq[flow] += len - g->hdr_off;
		gp->sent++;
		work++;
	}
	return work;
}

/* Routes are given before the NICs exist: say once which name none. */
static void
check_routes(struct gen *g, int nports)
{
	int p;

	g->routes_checked = true;
	for (p = 0; g->routes_given && p < HVSIM_VSWITCH_PORTS; p++)
		if (g->dst[p] >= 0 && (p >= nports || g->dst[p] >= nports))
			fprintf(stderr, "hvsim: gen: ports=%d>%d names a NIC that does not exist "
				"(--nics=%d): nothing is sent on it\n", p, g->dst[p], nports);
}

static unsigned int
gen_poll(void *ctx)
{
	struct gen *g = ctx;
	int p, nports = hvsim_vswitch_nports(g->vs);
	uint64_t now = now_ns();
	unsigned int work = 0;

	if (!g->routes_checked)
		check_routes(g, nports);
	if (g->stopped)
		return 0;

	for (p = 0; p < nports; p++) {
		if (g->dst[p] < 0 || g->dst[p] >= nports)
			continue;	/* not a source, or returning to no NIC */
		if (route_ready(g, p, now))
			work += send_burst(g, p, now);
	}
	return work;
}

/* ---- checking what comes back ----------------------------------------------------- */

static bool
payload_intact(const struct gen *g, const uint8_t *frame, uint32_t len, const struct gen_hdr *h)
{
	uint16_t sum = 0;
	uint32_t i;

	for (i = g->frame_min; i < len; i++) {
		if (frame[i] != pattern(h->seq, i))
			return false;
		sum = (uint16_t)(sum + frame[i]);
	}
	return sum == h->sum;
}

/* First sight of (flow, seq)? Count mode keeps a bitmap. */
static bool
first_sight(const struct gen *g, struct gen_port *gp, const struct gen_hdr *h)
{
	uint64_t idx = h->seq;
	uint8_t *bm;

	if (g->count == 0)
		return true;
	if (idx > g->count / g->flows + 1)
		return false;
	bm = gp->seen[h->flow];
	if (bm[idx / 8] & (1u << (idx % 8)))
		return false;
	bm[idx / 8] |= (uint8_t)(1u << (idx % 8));
	return true;
}

static void
gen_from_guest(void *ctx, int port, const uint8_t *frame, uint32_t len, uint16_t vlan_tci)
{
	struct gen *g = ctx;
	struct gen_port *src;
	struct gen_hdr h;

	(void)vlan_tci;
	if (len < g->frame_min ||
	    (memcpy(&h, frame + g->hdr_off, sizeof(h)), h.magic != GEN_MAGIC) ||
	    h.flow >= g->flows || h.port >= HVSIM_VSWITCH_PORTS || g->dst[h.port] < 0) {
		g->port[port].foreign++;
		return;
	}
	if (h.len != len || !payload_intact(g, frame, len, &h)) {
		g->port[port].corrupt++;
		return;
	}
	src = &g->port[h.port];
	if (h.batch != g->batch) {
		src->stale++;
		return;
	}
	if (g->dst[h.port] != port) {
		src->wrong_port++;
		return;
	}
	if (!first_sight(g, src, &h)) {
		src->duplicates++;
		return;
	}
	src->received++;
}

/* ---- reporting -------------------------------------------------------------------------- */

static void
gen_stats_json(void *ctx, FILE *f)
{
	const struct gen *g = ctx;
	int p, n = hvsim_vswitch_nports(g->vs);

	fprintf(f, "{\"ports\": [");
	for (p = 0; p < n; p++) {
		const struct gen_port *gp = &g->port[p];

		fprintf(f, "%s{\"to\": %d, \"sent\": %llu, \"received\": %llu, \"lost\": %llu, "
			"\"duplicates\": %llu, \"corrupt\": %llu, \"foreign\": %llu, "
			"\"wrong_port\": %llu, \"stale\": %llu, \"send_window_us\": %llu}",
			p ? ", " : "",
			g->dst[p], (unsigned long long)gp->sent, (unsigned long long)gp->received,
			(unsigned long long)(gp->sent > gp->received ? gp->sent - gp->received : 0),
			(unsigned long long)gp->duplicates, (unsigned long long)gp->corrupt,
			(unsigned long long)gp->foreign, (unsigned long long)gp->wrong_port,
			(unsigned long long)gp->stale,
			(unsigned long long)((gp->last_ns - gp->first_ns) / 1000));
	}
	fprintf(f, "]}");
}

static int
gen_done(void *ctx)
{
	const struct gen *g = ctx;
	int p;

	if (g->stopped)
		return 1;
	if (g->count == 0)
		return 0;
	for (p = 0; p < hvsim_vswitch_nports(g->vs); p++)
		if (g->dst[p] >= 0 && g->port[p].sent < g->count)
			return 0;
	return 1;
}

static void
gen_destroy(void *ctx)
{
	struct gen *g = ctx;

	ports_free(g);
	free(g);
}

const struct hvsim_wire_ops hvsim_wire_gen = {
	.name = "gen",
	.create = gen_create,
	.from_guest = gen_from_guest,
	.poll = gen_poll,
	.stats_json = gen_stats_json,
	.done = gen_done,
	.command = gen_command,
	.destroy = gen_destroy,
};
