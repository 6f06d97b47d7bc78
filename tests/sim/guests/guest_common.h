/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * What the small guest applications of the wire scenarios share (plain
 * ethdev API, so they run on any netvsc PMD on hvsim): port set-up, a
 * clean stop on SIGTERM (hvsim's "quit"), time.
 */

#ifndef GUEST_COMMON_H
#define GUEST_COMMON_H

#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define GUEST_NB_DESC	512
/* Room for a 9000-byte MTU frame with VLAN tag in one mbuf: DPDK's
 * bundled netvsc copies every received frame into one mbuf and drops
 * what does not fit. */
#define GUEST_MBUF_DATA	(9216 + RTE_PKTMBUF_HEADROOM)

struct guest_port_opts {
	bool promisc;	/* a bridge takes frames for other MACs */
	bool lsc;	/* link state change events instead of polling */
};

static volatile sig_atomic_t guest_stop;

static void
guest_on_signal(int sig)
{
	(void)sig;
	guest_stop = 1;
}

/* SIGTERM (hvsim's quit) and SIGINT end the main loop; the report follows. */
static inline void
guest_catch_signals(void)
{
	signal(SIGTERM, guest_on_signal);
	signal(SIGINT, guest_on_signal);
}

static inline uint64_t
guest_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static inline uint64_t
guest_now_ms(void)
{
	return guest_now_us() / 1000;
}

/* One queue each way; VLAN tags travel in mbuf metadata both ways, as the
 * NIC carries them out of band (RNDIS per-packet info). */
static inline int
guest_port_setup(uint16_t port, struct rte_mempool *mp, const struct guest_port_opts *o)
{
	struct rte_eth_conf conf = { 0 };
	int ret;

	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_VLAN_INSERT;
	conf.intr_conf.lsc = o->lsc;
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(port, 0, GUEST_NB_DESC, rte_eth_dev_socket_id(port),
					     NULL, mp);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(port, 0, GUEST_NB_DESC, rte_eth_dev_socket_id(port),
					     NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	if (ret == 0 && o->promisc)
		ret = rte_eth_promiscuous_enable(port);
	if (ret != 0)
		fprintf(stderr, "guest: port %u set-up failed: %d\n", port, ret);
	return ret;
}

/* Send all of pkts, retrying while the PMD is busy; what is left after
 * the retries is freed and returned as unsent. */
static inline uint16_t
guest_tx_all(uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = 0;
	unsigned int tries;

	for (tries = 0; sent < n && tries < 100000; tries++)
		sent += rte_eth_tx_burst(port, 0, pkts + sent, n - sent);
	if (sent < n)
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	return n - sent;
}

static inline void
guest_report_port(uint16_t port)
{
	struct rte_eth_stats st;

	if (rte_eth_stats_get(port, &st) == 0)
		printf("port%u ipackets=%" PRIu64 " opackets=%" PRIu64 " ierrors=%" PRIu64
		       " oerrors=%" PRIu64 " imissed=%" PRIu64 "\n", port, st.ipackets,
		       st.opackets, st.ierrors, st.oerrors, st.imissed);
}

#endif /* GUEST_COMMON_H */
