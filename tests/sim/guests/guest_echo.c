/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * A guest that a kernel can ping: it answers ARP requests for its IPv4
 * address and ICMP echo requests to it, on port 0, keeping the VLAN tag
 * of the request. It also watches the link, for the scenario control
 * tests.
 *
 *   guest_echo [EAL args] -- --ip A.B.C.D [--seconds S] [--link-poll MS] [--lsc]
 *
 * --link-poll MS  ask the PMD for the link every MS ms and print each
 *                 change ("link up speed=10000 t_ms=..."); the first line
 *                 is the state at start
 * --lsc           count link state change events instead (the PMD's
 *                 callback); ethdev then serves the link from its cache
 *
 * A link query slower than a second (a host that does not answer) is
 * printed as "link_call_ms=N".
 *
 * Runs until S seconds have passed or SIGTERM (hvsim's quit), then
 * prints "key=value" counters the scenarios check.
 */

#include <arpa/inet.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "guest_common.h"
#include "hvnet_compat.h"

#define BURST	32
#define SLOW_CALL_MS	1000

struct options {
	rte_be32_t ip;
	double seconds;
	unsigned int link_poll_ms;
	bool lsc;
};

static struct {
	uint64_t rx, arp_requests, arp_replies, echo_requests, echo_replies;
	uint64_t bad_csum, vlan, other, unsent;
	uint64_t lsc_events;
} cnt;

static int
parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "seconds", required_argument, NULL, 's' },
		{ "link-poll", required_argument, NULL, 'l' },
		{ "lsc", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct options){ .seconds = 30 };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (inet_pton(AF_INET, optarg, &o->ip) != 1)
				return -1;
			break;
		case 's': o->seconds = atof(optarg); break;
		case 'l': o->link_poll_ms = (unsigned int)atoi(optarg); break;
		case 'c': o->lsc = true; break;
		default: return -1;
		}
	}
	return o->ip ? 0 : -1;
}

/* ---- answers ---------------------------------------------------------------- */

/* Turn an ARP request for our address into the reply, in place. */
static bool
answer_arp(struct rte_mbuf *m, const struct options *o, const struct rte_ether_addr *mac)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	if (m->data_len < sizeof(*eth) + sizeof(*arp) ||
	    arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    arp->arp_data.arp_tip != o->ip)
		return false;
	cnt.arp_requests++;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_tip = arp->arp_data.arp_sip;
	arp->arp_data.arp_sha = *mac;
	arp->arp_data.arp_sip = o->ip;
	eth->dst_addr = eth->src_addr;
	eth->src_addr = *mac;
	return true;
}

/* Turn an ICMP echo request to our address into the reply, in place;
 * a request with a bad checksum is counted and not answered. */
static bool
answer_echo(struct rte_mbuf *m, const struct options *o, const struct rte_ether_addr *mac)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_icmp_hdr *icmp;
	uint32_t ihl, icmp_len;

	if (m->data_len < sizeof(*eth) + sizeof(*ip) || ip->dst_addr != o->ip ||
	    ip->next_proto_id != IPPROTO_ICMP)
		return false;
	ihl = rte_ipv4_hdr_len(ip);
	icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);
	icmp_len = rte_be_to_cpu_16(ip->total_length) - ihl;
	if (sizeof(*eth) + ihl + icmp_len > m->data_len || icmp->icmp_type != RTE_ICMP_TYPE_ECHO_REQUEST)
		return false;
	cnt.echo_requests++;
	/* a header or message that holds its right checksum sums to 0xffff */
	if (rte_ipv4_cksum(ip) != 0 || rte_raw_cksum(icmp, icmp_len) != 0xffff) {
		cnt.bad_csum++;
		return false;
	}
	icmp->icmp_type = RTE_ICMP_TYPE_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, icmp_len);
	ip->dst_addr = ip->src_addr;
	ip->src_addr = o->ip;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	eth->dst_addr = eth->src_addr;
	eth->src_addr = *mac;
	return true;
}

/* The reply leaves with the request's VLAN tag, out of band again. */
static void
as_reply(struct rte_mbuf *m)
{
	bool tagged = m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED;

	m->ol_flags = tagged ? RTE_MBUF_F_TX_VLAN : 0;
	if (tagged)
		cnt.vlan++;
}

static bool
answer(struct rte_mbuf *m, const struct options *o, const struct rte_ether_addr *mac)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint16_t type = rte_be_to_cpu_16(eth->ether_type);

	if (type == RTE_ETHER_TYPE_ARP && answer_arp(m, o, mac)) {
		cnt.arp_replies++;
		as_reply(m);
		return true;
	}
	if (type == RTE_ETHER_TYPE_IPV4 && answer_echo(m, o, mac)) {
		cnt.echo_replies++;
		as_reply(m);
		return true;
	}
	cnt.other++;
	return false;
}

static void
poll_rx(uint16_t port, const struct options *o, const struct rte_ether_addr *mac)
{
	struct rte_mbuf *pkts[BURST], *out[BURST];
	uint16_t n, i, nout = 0;

	n = rte_eth_rx_burst(port, 0, pkts, BURST);
	for (i = 0; i < n; i++) {
		cnt.rx++;
		if (answer(pkts[i], o, mac))
			out[nout++] = pkts[i];
		else
			rte_pktmbuf_free(pkts[i]);
	}
	if (nout > 0)
		cnt.unsent += guest_tx_all(port, out, nout);
}

/* ---- link -------------------------------------------------------------------- */

static int
on_lsc(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret)
{
	(void)port; (void)type; (void)arg; (void)ret;
	/* the bundled PMD calls back from an EAL alarm (another thread) */
	__atomic_fetch_add(&cnt.lsc_events, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Print the link when it differs from what was printed last. A query
 * the host leaves unanswered blocks until the PMD's RNDIS deadline: such
 * a slow call is printed too. */
static void
watch_link(uint16_t port, uint64_t t0)
{
	static int last_status = -1;
	static uint32_t last_speed;
	struct rte_eth_link link;
	uint64_t t = guest_now_ms();
	int ret;

	ret = rte_eth_link_get_nowait(port, &link);
	if (guest_now_ms() - t > SLOW_CALL_MS)
		printf("link_call_ms=%" PRIu64 " ret=%d t_ms=%" PRIu64 "\n", guest_now_ms() - t,
		       ret, guest_now_ms() - t0);
	if (ret != 0)
		return;
	if ((int)link.link_status == last_status && link.link_speed == last_speed)
		return;
	last_status = link.link_status;
	last_speed = link.link_speed;
	printf("link %s speed=%u t_ms=%" PRIu64 "\n", link.link_status ? "up" : "down",
	       link.link_speed, guest_now_ms() - t0);
}

static void
report(uint16_t port, const struct options *o)
{
	printf("rx=%" PRIu64 " arp_requests=%" PRIu64 " arp_replies=%" PRIu64
	       " echo_requests=%" PRIu64 " echo_replies=%" PRIu64 " bad_csum=%" PRIu64
	       " vlan_replies=%" PRIu64 " other=%" PRIu64 " unsent=%" PRIu64 "\n", cnt.rx,
	       cnt.arp_requests, cnt.arp_replies, cnt.echo_requests, cnt.echo_replies,
	       cnt.bad_csum, cnt.vlan, cnt.other, cnt.unsent);
	if (o->lsc)
		printf("lsc_events=%" PRIu64 "\n",
		       __atomic_load_n(&cnt.lsc_events, __ATOMIC_RELAXED));
	guest_report_port(port);
}

int
main(int argc, char **argv)
{
	struct guest_port_opts po = { 0 };
	struct rte_ether_addr mac;
	struct rte_mempool *mp;
	struct options o;
	uint64_t t0 = guest_now_ms(), deadline, next_link = 0;
	uint16_t port = 0;
	int n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	guest_catch_signals();
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "guest_echo: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	if (parse(argc - n, argv + n, &o) < 0 || rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "guest_echo: bad arguments (--ip A.B.C.D) or no port\n");
		return 2;
	}
	mp = rte_pktmbuf_pool_create("guest_echo", 2047, 64, 0, GUEST_MBUF_DATA, rte_socket_id());
	po.lsc = o.lsc;
	if (mp == NULL || guest_port_setup(port, mp, &po) != 0 ||
	    (o.lsc && rte_eth_dev_callback_register(port, RTE_ETH_EVENT_INTR_LSC, on_lsc, NULL)))
		return 2;
	rte_eth_macaddr_get(port, &mac);
	printf("started=1 start_ms=%" PRIu64 "\n", guest_now_ms() - t0);
	deadline = guest_now_ms() + (uint64_t)(o.seconds * 1000);
	while (!guest_stop && guest_now_ms() < deadline) {
		poll_rx(port, &o, &mac);
		if (o.link_poll_ms && guest_now_ms() >= next_link) {
			watch_link(port, t0);
			next_link = guest_now_ms() + o.link_poll_ms;
		}
	}
	report(port, &o);
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	rte_eal_cleanup();
	return 0;
}
