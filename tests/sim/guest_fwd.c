/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * A minimal forwarding application for the data path scenarios: any netvsc
 * PMD (ours or DPDK's bundled one) on hvsim, plain ethdev API, so that it
 * runs where Debian 12's testpmd cannot (testpmd disables every stream of
 * a PMD that reports its queues as stopped, which the bundled 22.11
 * net_netvsc does: it never sets the queue state).
 *
 *   guest_fwd [EAL args] -- [--rxq N] [--txq N] [--mode io|rxonly]
 *                           [--packets N] [--seconds S]
 *
 * io: every frame received on queue q is sent back on queue q (same port).
 * Stops after N frames received in total, or S seconds, whichever first,
 * then prints "key=value" lines the scenarios check.
 */

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define BURST		32
#define MAX_QUEUES	16
#define NB_DESC		512

struct options {
	uint16_t rxq, txq;
	int io;
	uint64_t packets;
	double seconds;
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
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct options){ .rxq = 1, .txq = 1, .io = 1, .seconds = 10 };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->rxq = (uint16_t)atoi(optarg); break;
		case 't': o->txq = (uint16_t)atoi(optarg); break;
		case 'm': o->io = strcmp(optarg, "io") == 0; break;
		case 'p': o->packets = strtoull(optarg, NULL, 0); break;
		case 's': o->seconds = atof(optarg); break;
		default: return -1;
		}
	}
	return (o->rxq && o->rxq <= MAX_QUEUES && o->txq && o->txq <= MAX_QUEUES) ? 0 : -1;
}

static int
port_setup(uint16_t port, const struct options *o, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = { 0 };
	uint16_t q;
	int ret;

	if (o->rxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP;
	}
	ret = rte_eth_dev_configure(port, o->rxq, o->txq, &conf);
	for (q = 0; ret == 0 && q < o->rxq; q++)
		ret = rte_eth_rx_queue_setup(port, q, NB_DESC, rte_eth_dev_socket_id(port),
					     NULL, mp);
	for (q = 0; ret == 0 && q < o->txq; q++)
		ret = rte_eth_tx_queue_setup(port, q, NB_DESC, rte_eth_dev_socket_id(port), NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	return ret;
}

static uint64_t
poll_queue(uint16_t port, uint16_t q, const struct options *o)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n, sent, txq = q % o->txq;

	n = rte_eth_rx_burst(port, q, pkts, BURST);
	if (n == 0)
		return 0;
	last_rx_tsc = rte_rdtsc();
	if (first_rx_tsc == 0)
		first_rx_tsc = last_rx_tsc;
	rx_count[q] += n;
	if (!o->io) {
		rte_pktmbuf_free_bulk(pkts, n);
		return n;
	}
	sent = rte_eth_tx_burst(port, txq, pkts, n);
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
}

int
main(int argc, char **argv)
{
	struct rte_mempool *mp;
	struct options o;
	uint64_t deadline, total = 0;
	uint16_t port = 0, q;
	int n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "guest_fwd: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	if (parse(argc - n, argv + n, &o) < 0 || rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "guest_fwd: bad arguments or no port\n");
		return 2;
	}
	mp = rte_pktmbuf_pool_create("guest_fwd", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     rte_socket_id());
	if (mp == NULL || port_setup(port, &o, mp) != 0) {
		fprintf(stderr, "guest_fwd: port setup failed\n");
		return 2;
	}
	printf("started=1\n");
	deadline = rte_get_timer_cycles() + (uint64_t)(o.seconds * rte_get_timer_hz());
	while (rte_get_timer_cycles() < deadline && (o.packets == 0 || total < o.packets))
		for (q = 0; q < o.rxq; q++)
			total += poll_queue(port, q, &o);
	report(port, &o);
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	rte_eal_cleanup();
	return 0;
}
