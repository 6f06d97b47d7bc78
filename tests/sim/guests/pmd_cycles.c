/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * N configure/start/traffic/stop/close cycles of a netvsc port, each with
 * a different queue count (1..4, so every other cycle re-initialises the
 * NVSP session), the port removed and probed again after close. Frames go
 * out and come back (hvsim --traffic=loop). At the end every mbuf must be
 * back in the pool. Each cycle also reads the statistics between
 * configure and queue setup, and checks the bus's counters after a reset.
 * Prints one summary line for the test to check:
 *   cycles=N sent=S received=R pool_initial=A pool_final=B leaks=L
 *   xstats_before_setup=X bus_counters_reset=Z
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define FRAMES_PER_CYCLE 64
#define NB_DESC 256

static struct rte_mempool *pool;
static unsigned int xstats_unset_ok;	/* cycles whose xstats read fine before queue setup */
static unsigned int reset_ok;		/* cycles whose bus counters read 0 after a reset */

/* Every xstat of the port, in one call; its count, or -1. */
static int
xstats_read(uint16_t port, struct rte_eth_xstat **xs, struct rte_eth_xstat_name **names)
{
	int n = rte_eth_xstats_get(port, NULL, 0);

	*xs = NULL;
	*names = NULL;
	if (n <= 0)
		return -1;
	*xs = calloc((size_t)n, sizeof(**xs));
	*names = calloc((size_t)n, sizeof(**names));
	if (*xs == NULL || *names == NULL || rte_eth_xstats_get(port, *xs, n) != n ||
	    rte_eth_xstats_get_names(port, *names, n) != n)
		return -1;
	return n;
}

/* Between configure and queue setup the queues do not exist yet: the
 * statistics must still read (as zeros), not crash. */
static bool
xstats_before_setup(uint16_t port)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *xs;
	struct rte_eth_stats st;
	int i, n = xstats_read(port, &xs, &names);
	bool ok = n > 0 && rte_eth_stats_get(port, &st) == 0;

	for (i = 0; ok && i < n; i++)
		if (strncmp(names[i].name, "rx_q", 4) == 0 && xs[i].value != 0)
			ok = false;
	free(xs);
	free(names);
	return ok;
}

/* After a reset, the bus's per-channel counters read 0 too. */
static bool
bus_counters_reset(uint16_t port)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *xs;
	int i, n, seen = 0;
	bool ok;

	ok = rte_eth_xstats_reset(port) == 0;
	n = xstats_read(port, &xs, &names);
	ok = ok && n > 0;
	for (i = 0; ok && i < n; i++) {
		if (strstr(names[i].name, "_host_signals") == NULL &&
		    strstr(names[i].name, "_ring_full_errors") == NULL)
			continue;
		seen++;
		if (xs[i].value != 0) {
			fprintf(stderr, "pmd_cycles: %s is %" PRIu64 " after a reset\n",
				names[i].name, xs[i].value);
			ok = false;
		}
	}
	free(xs);
	free(names);
	return ok && seen > 0;
}

static int
configure(uint16_t port, uint16_t nq)
{
	struct rte_eth_conf conf;
	uint16_t q;
	int ret;

	memset(&conf, 0, sizeof(conf));
	if (nq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP;
	}
	ret = rte_eth_dev_configure(port, nq, nq, &conf);
	if (ret == 0 && xstats_before_setup(port))
		xstats_unset_ok++;
	for (q = 0; ret == 0 && q < nq; q++)
		ret = rte_eth_rx_queue_setup(port, q, NB_DESC, rte_socket_id(), NULL, pool);
	for (q = 0; ret == 0 && q < nq; q++)
		ret = rte_eth_tx_queue_setup(port, q, NB_DESC, rte_socket_id(), NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	return ret;
}

/* Directed frames to ourselves: the loop wire sends them back. */
static unsigned int
send_frames(uint16_t port, unsigned int n)
{
	struct rte_mbuf *m[FRAMES_PER_CYCLE];
	struct rte_ether_addr mac;
	unsigned int i, sent = 0;

	rte_eth_macaddr_get(port, &mac);
	if (rte_pktmbuf_alloc_bulk(pool, m, n) != 0)
		return 0;
	for (i = 0; i < n; i++) {
		struct rte_ether_hdr *eh = (void *)rte_pktmbuf_append(m[i], 60 + i);

		memset(eh, (int)i, 60 + i);
		rte_ether_addr_copy(&mac, &eh->dst_addr);
		rte_ether_addr_copy(&mac, &eh->src_addr);
		eh->ether_type = rte_cpu_to_be_16(0x88b5);	/* local experimental */
	}
	while (sent < n) {
		uint16_t k = rte_eth_tx_burst(port, 0, m + sent, (uint16_t)(n - sent));

		if (k == 0)
			break;
		sent += k;
	}
	if (sent < n)
		rte_pktmbuf_free_bulk(m + sent, n - sent);
	return sent;
}

static unsigned int
receive_frames(uint16_t port, uint16_t nq, unsigned int want)
{
	uint64_t end = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	struct rte_mbuf *m[32];
	unsigned int got = 0;
	uint16_t q, k;

	while (got < want && rte_get_timer_cycles() < end) {
		for (q = 0; q < nq; q++) {
			k = rte_eth_rx_burst(port, q, m, RTE_DIM(m));
			got += k;
			rte_pktmbuf_free_bulk(m, k);
		}
	}
	return got;
}

static int
reprobe(const char *name, uint16_t *port)
{
	struct rte_eth_dev_info info;
	uint16_t p;

	if (rte_dev_probe(name) != 0)
		return -1;
	RTE_ETH_FOREACH_DEV(p) {
		if (rte_eth_dev_info_get(p, &info) == 0 &&
		    strcmp(rte_dev_name(info.device), name) == 0) {
			*port = p;
			return 0;
		}
	}
	return -1;
}

int
main(int argc, char **argv)
{
	unsigned int cycles = 100, c, sent = 0, received = 0, leaks = 0, initial;
	char name[RTE_DEV_NAME_MAX_LEN];
	struct rte_eth_dev_info info;
	uint16_t port = 0;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		return 2;
	if (argc - ret > 1)
		cycles = (unsigned int)atoi(argv[ret + 1]);
	if (rte_eth_dev_count_avail() == 0 || rte_eth_dev_info_get(0, &info) != 0) {
		fprintf(stderr, "pmd_cycles: no port\n");
		return 2;
	}
	snprintf(name, sizeof(name), "%s", rte_dev_name(info.device));
	/* no per-lcore cache: the available count is exact */
	pool = rte_pktmbuf_pool_create("cycles", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       rte_socket_id());
	if (pool == NULL)
		return 2;
	initial = rte_mempool_avail_count(pool);
	for (c = 0; c < cycles; c++) {
		uint16_t nq = (uint16_t)(1 + c % 4);

		if (configure(port, nq) != 0) {
			fprintf(stderr, "pmd_cycles: cycle %u: configure/start failed\n", c);
			break;
		}
		sent += send_frames(port, FRAMES_PER_CYCLE);
		received += receive_frames(port, nq, FRAMES_PER_CYCLE);
		if (bus_counters_reset(port))
			reset_ok++;
		rte_eth_dev_stop(port);
		if (rte_mempool_avail_count(pool) != initial) {
			fprintf(stderr, "pmd_cycles: cycle %u: pool at %u of %u after stop\n", c,
				rte_mempool_avail_count(pool), initial);
			leaks++;
		}
		rte_eth_dev_close(port);
		if (rte_dev_remove(info.device) != 0 || reprobe(name, &port) != 0 ||
		    rte_eth_dev_info_get(port, &info) != 0) {
			fprintf(stderr, "pmd_cycles: cycle %u: remove/probe failed\n", c);
			break;
		}
	}
	printf("cycles=%u sent=%u received=%u pool_initial=%u pool_final=%u leaks=%u "
	       "xstats_before_setup=%u bus_counters_reset=%u\n", c, sent, received, initial,
	       rte_mempool_avail_count(pool), leaks, xstats_unset_ok, reset_ok);
	rte_eth_dev_close(port);
	rte_eal_cleanup();
	return 0;
}
