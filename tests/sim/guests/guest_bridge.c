/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * A guest that bridges its two NICs: every frame received on port 0 is
 * sent unchanged on port 1 and back (VLAN tag included, in the mbuf's
 * metadata). Both ports are promiscuous, as a bridge's are.
 *
 *   guest_bridge [EAL args] -- [--packets N] [--seconds S]
 *
 * Stops after N frames forwarded in all (0: no limit), S seconds, or
 * SIGTERM (hvsim's quit), then prints "key=value" counters.
 */

#include <getopt.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "guest_common.h"

#define BURST	32

static uint64_t fwd[2], unsent[2];

static int
parse(int argc, char **argv, uint64_t *packets, double *seconds)
{
	static const struct option longopts[] = {
		{ "packets", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*packets = 0;
	*seconds = 30;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': *packets = strtoull(optarg, NULL, 0); break;
		case 's': *seconds = atof(optarg); break;
		default: return -1;
		}
	}
	return 0;
}

/* Received frames keep their VLAN tag on the way out. */
static void
rx_to_tx_flags(struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++)
		pkts[i]->ol_flags = (pkts[i]->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) ?
				    RTE_MBUF_F_TX_VLAN : 0;
}

static uint64_t
forward(uint16_t from, uint16_t to)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n = rte_eth_rx_burst(from, 0, pkts, BURST);

	if (n == 0)
		return 0;
	rx_to_tx_flags(pkts, n);
	unsent[from] += guest_tx_all(to, pkts, n);
	fwd[from] += n;
	return n;
}

int
main(int argc, char **argv)
{
	struct guest_port_opts po = { .promisc = true };
	struct rte_mempool *mp;
	uint64_t packets, total = 0, deadline;
	double seconds;
	uint16_t p;
	int n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	guest_catch_signals();
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "guest_bridge: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	if (parse(argc - n, argv + n, &packets, &seconds) < 0 || rte_eth_dev_count_avail() < 2) {
		fprintf(stderr, "guest_bridge: bad arguments or fewer than two ports\n");
		return 2;
	}
	mp = rte_pktmbuf_pool_create("guest_bridge", 4095, 128, 0, GUEST_MBUF_DATA,
				     rte_socket_id());
	for (p = 0; p < 2; p++)
		if (mp == NULL || guest_port_setup(p, mp, &po) != 0)
			return 2;
	printf("started=1\n");
	deadline = guest_now_ms() + (uint64_t)(seconds * 1000);
	while (!guest_stop && guest_now_ms() < deadline && (packets == 0 || total < packets)) {
		total += forward(0, 1);
		total += forward(1, 0);
	}
	printf("fwd0to1=%" PRIu64 " fwd1to0=%" PRIu64 " unsent=%" PRIu64 "\n", fwd[0], fwd[1],
	       unsent[0] + unsent[1]);
	for (p = 0; p < 2; p++) {
		guest_report_port(p);
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_eal_cleanup();
	return 0;
}
