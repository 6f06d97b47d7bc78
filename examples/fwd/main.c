/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * dpdk-hvnet-fwd: a minimal forwarder for netvsc ports (Hyper-V, Azure).
 *
 *   dpdk-hvnet-fwd [EAL options] -- [-q QUEUES]
 *
 * Every port the EAL gives us (on a VM: -a <vmbus uuid>) is started with
 * QUEUES queue pairs (default 1) spread by RSS. Ports are paired in order
 * (0 with 1, 2 with 3, ...): what one receives is sent out of the other;
 * a port left without a pair sends its frames back out of itself.
 *
 * Queues are shared out among the worker lcores (queue q of every port to
 * worker q % workers); without a worker the main lcore forwards too.
 * The main lcore prints one status line per second: per port the packets
 * per second received and sent and which path carried them, "VF" (the
 * accelerated-networking virtual function behind the netvsc port) or
 * "synthetic" (VMBus). Link changes are printed as they come. When the
 * host takes a device away (an RMV event) the port is stopped, closed and
 * detached; the same device is probed again once a second, so a device
 * the host offers again comes back as a port.
 *
 * Only the public ethdev API is used: the path comes from the PMD's
 * xstats by name (vf_rx_packets, vf_tx_packets), and a PMD without them
 * shows "-".
 */

#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#define RX_DESC		1024
#define TX_DESC		1024
#define BURST		32
#define MBUFS_PER_PORT	16384
#define MBUF_CACHE	256
#define NO_XSTAT	UINT64_MAX

/* What the main lcore knows of a port. The forwarding lcores read only
 * in_use and peer; everything else is the main lcore's.
 */
struct port {
	bool in_use;		/* started, polled by the forwarding lcores */
	bool removed;		/* the RMV event came: set by the event callback */
	uint16_t peer;		/* where its frames go */
	char dev_name[RTE_DEV_NAME_MAX_LEN];	/* to probe it again after removal */
	char sysfs[PATH_MAX];	/* where the kernel shows the device when present */
	bool reprobe;		/* removed: probe dev_name again each second */
	uint64_t vf_rx_id, vf_tx_id;	/* xstat ids, NO_XSTAT: the PMD has none */
	uint64_t last_rx, last_tx, last_vf;	/* at the previous status line */
};

/* One forwarding lcore: its share of the queues, and a count of its
 * passes over them (see port_quiesce).
 */
struct fwd_lcore {
	unsigned int index;	/* handles queue q when q % nb_fwd == index */
	uint64_t passes;
	uint64_t tx_dropped;	/* frames the peer port did not take */
	bool running;
};

static struct port ports[RTE_MAX_ETHPORTS];
static struct fwd_lcore fwd[RTE_MAX_LCORE];
static unsigned int nb_fwd;
static uint16_t nb_queues = 1;
static struct rte_mempool *pool;
static volatile bool quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = true;
}

/* ---- forwarding -------------------------------------------------------- */

static void
forward_queue(uint16_t port, uint16_t queue, struct fwd_lcore *me)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t nb_rx, nb_tx, peer;

	nb_rx = rte_eth_rx_burst(port, queue, pkts, BURST);
	if (nb_rx == 0)
		return;
	peer = ports[port].peer;
	/* the peer may be gone (removed): then its frames are dropped */
	nb_tx = __atomic_load_n(&ports[peer].in_use, __ATOMIC_SEQ_CST) ?
		rte_eth_tx_burst(peer, queue, pkts, nb_rx) : 0;
	if (nb_tx < nb_rx) {
		rte_pktmbuf_free_bulk(&pkts[nb_tx], nb_rx - nb_tx);
		me->tx_dropped += nb_rx - nb_tx;
	}
}

/* One pass over this lcore's queues of every port in use. */
static void
forward_pass(struct fwd_lcore *me)
{
	uint16_t port, queue;

	for (port = 0; port < RTE_MAX_ETHPORTS; port++) {
		if (!__atomic_load_n(&ports[port].in_use, __ATOMIC_SEQ_CST))
			continue;
		for (queue = me->index; queue < nb_queues; queue += nb_fwd)
			forward_queue(port, queue, me);
	}
	/* the pass is over: no port it saw in use is touched any more */
	__atomic_store_n(&me->passes, me->passes + 1, __ATOMIC_SEQ_CST);
}

static int
worker_main(void *arg)
{
	struct fwd_lcore *me = arg;

	while (!quit)
		forward_pass(me);
	__atomic_store_n(&me->running, false, __ATOMIC_SEQ_CST);
	return 0;
}

/* Take a port away from the forwarding lcores: once each has finished
 * the pass it was in, none uses the port and it may be stopped. The flag
 * and the pass counts are sequentially consistent: a pass that begins
 * after the count we wait for sees the port out of use.
 */
static void
port_quiesce(uint16_t port)
{
	uint64_t seen[RTE_MAX_LCORE];
	unsigned int lcore;

	__atomic_store_n(&ports[port].in_use, false, __ATOMIC_SEQ_CST);
	RTE_LCORE_FOREACH_WORKER(lcore)
		seen[lcore] = __atomic_load_n(&fwd[lcore].passes, __ATOMIC_SEQ_CST);
	RTE_LCORE_FOREACH_WORKER(lcore)
		while (__atomic_load_n(&fwd[lcore].running, __ATOMIC_SEQ_CST) &&
		       __atomic_load_n(&fwd[lcore].passes, __ATOMIC_SEQ_CST) == seen[lcore])
			rte_pause();
}

/* ---- ports ------------------------------------------------------------- */

static uint64_t
xstat_id(uint16_t port, const char *name)
{
	uint64_t id;

	return rte_eth_xstats_get_id_by_name(port, name, &id) == 0 ? id : NO_XSTAT;
}

static int
port_start(uint16_t port)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t rx_desc = RX_DESC, tx_desc = TX_DESC, q;
	struct port *p = &ports[port];
	int ret;

	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	if (nb_queues > info.max_rx_queues || nb_queues > info.max_tx_queues) {
		printf("port %u: %u queues asked, the device has %u\n", port, nb_queues,
		       RTE_MIN(info.max_rx_queues, info.max_tx_queues));
		return -EINVAL;
	}
	if (nb_queues > 1) {
		/* the PMD's default key; only the hash types it offers */
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP |
			RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	}
	/* events rather than polling, where the PMD raises them */
	conf.intr_conf.lsc = !!(*info.dev_flags & RTE_ETH_DEV_INTR_LSC);
	conf.intr_conf.rmv = !!(*info.dev_flags & RTE_ETH_DEV_INTR_RMV);

	ret = rte_eth_dev_configure(port, nb_queues, nb_queues, &conf);
	if (ret == 0)
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rx_desc, &tx_desc);
	for (q = 0; ret == 0 && q < nb_queues; q++)
		ret = rte_eth_rx_queue_setup(port, q, rx_desc, rte_eth_dev_socket_id(port),
					     NULL, pool);
	for (q = 0; ret == 0 && q < nb_queues; q++)
		ret = rte_eth_tx_queue_setup(port, q, tx_desc, rte_eth_dev_socket_id(port),
					     NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	if (ret != 0) {
		printf("port %u: cannot start: %s\n", port, rte_strerror(-ret));
		return ret;
	}
	/* a forwarder passes on frames for any address, as a bridge does */
	rte_eth_promiscuous_enable(port);

	/* the ids are fixed once the queues are: look them up once */
	p->vf_rx_id = xstat_id(port, "vf_rx_packets");
	p->vf_tx_id = xstat_id(port, "vf_tx_packets");
	p->last_rx = p->last_tx = p->last_vf = 0;
	p->removed = false;
	p->reprobe = false;
	snprintf(p->dev_name, sizeof(p->dev_name), "%s", rte_dev_name(info.device));
	snprintf(p->sysfs, sizeof(p->sysfs), "/sys/bus/%s/devices/%s",
		 rte_bus_name(rte_dev_bus(info.device)), rte_dev_name(info.device));
	printf("port %u: %s started, %u queue pair(s)\n", port, p->dev_name, nb_queues);
	__atomic_store_n(&p->in_use, true, __ATOMIC_RELEASE);
	return 0;
}

/* The host took the device away: stop using the port, then close it and
 * detach the device, so that a new offer of it probes afresh.
 */
static void
port_remove(uint16_t port)
{
	struct rte_eth_dev_info info;
	struct rte_device *dev = NULL;

	port_quiesce(port);
	if (rte_eth_dev_info_get(port, &info) == 0)
		dev = info.device;
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	if (dev != NULL)
		rte_dev_remove(dev);
	ports[port].removed = false;
	ports[port].reprobe = true;
	printf("port %u: closed and detached; %s will be probed again each second\n",
	       port, ports[port].dev_name);
}

/* A removed device offered again: probe it, start the port it becomes
 * (the same port id or another one) with the old port's pairing.
 */
static void
port_reprobe(uint16_t old)
{
	struct rte_eth_dev_info info;
	uint16_t port, peer = ports[old].peer;

	/* probing an absent device fails loudly: wait until the kernel
	 * shows it again (vmbus and pci both name devices this way)
	 */
	if (access(ports[old].sysfs, F_OK) != 0 || rte_dev_probe(ports[old].dev_name) != 0)
		return;
	RTE_ETH_FOREACH_DEV(port) {
		if (ports[port].in_use || rte_eth_dev_info_get(port, &info) != 0 ||
		    strcmp(rte_dev_name(info.device), ports[old].dev_name) != 0)
			continue;
		ports[old].reprobe = false;
		if (peer == old)
			peer = port;	/* it had no pair */
		else
			ports[peer].peer = port;
		ports[port].peer = peer;
		printf("port %u: %s is back\n", port, ports[old].dev_name);
		port_start(port);
		return;
	}
}

/* ---- events (on the EAL's interrupt thread) ---------------------------- */

static int
on_event(uint16_t port, enum rte_eth_event_type type, void *arg, void *out)
{
	struct rte_eth_link link;

	(void)arg;
	(void)out;
	/* registered for RTE_ETH_ALL, the callback also hears of ports that
	 * are not ours: a netvsc port's VF has a port of its own, owned by
	 * the netvsc port, and its removal is the netvsc port's business
	 * (traffic moves to the synthetic path); closing it here would pull
	 * it from under the PMD
	 */
	if (!__atomic_load_n(&ports[port].in_use, __ATOMIC_ACQUIRE))
		return 0;
	if (type == RTE_ETH_EVENT_INTR_LSC) {
		/* nowait: an event callback must not block the interrupt thread */
		if (rte_eth_link_get_nowait(port, &link) == 0)
			printf("port %u: link %s, %u Mbps\n", port,
			       link.link_status ? "up" : "down", link.link_speed);
	} else if (type == RTE_ETH_EVENT_INTR_RMV) {
		/* closing the port here would pull it from under the
		 * forwarding lcores: the main lcore does it
		 */
		printf("port %u: removed by the host\n", port);
		__atomic_store_n(&ports[port].removed, true, __ATOMIC_RELEASE);
	}
	fflush(stdout);
	return 0;
}

/* ---- status ------------------------------------------------------------ */

static uint64_t
xstat_value(uint16_t port, uint64_t id)
{
	uint64_t value;

	if (id == NO_XSTAT || rte_eth_xstats_get_by_id(port, &id, &value, 1) != 1)
		return 0;
	return value;
}

/* Which path carried the last second's packets, from the share the VF
 * counted of the port's totals.
 */
static const char *
path_name(const struct port *p, uint64_t packets, uint64_t vf_packets)
{
	if (p->vf_rx_id == NO_XSTAT)
		return "-";
	if (packets == 0)
		return "idle";
	if (vf_packets == 0)
		return "synthetic";
	return vf_packets == packets ? "VF" : "VF+synthetic";
}

static void
status_line(double seconds)
{
	struct rte_eth_stats st;
	struct rte_eth_link link;
	uint16_t port;
	uint64_t vf, rx, tx;
	struct port *p;

	printf("status:");
	for (port = 0; port < RTE_MAX_ETHPORTS; port++) {
		p = &ports[port];
		if (p->reprobe) {
			printf(" | port %u removed", port);
			continue;
		}
		if (!p->in_use || rte_eth_stats_get(port, &st) != 0)
			continue;
		vf = xstat_value(port, p->vf_rx_id) + xstat_value(port, p->vf_tx_id);
		rx = st.ipackets - p->last_rx;
		tx = st.opackets - p->last_tx;
		if (rte_eth_link_get_nowait(port, &link) != 0)
			link.link_status = RTE_ETH_LINK_DOWN;
		printf(" | port %u %s rx %.0f pps tx %.0f pps path %s", port,
		       link.link_status ? "up" : "down", rx / seconds, tx / seconds,
		       path_name(p, rx + tx, vf - p->last_vf));
		p->last_rx = st.ipackets;
		p->last_tx = st.opackets;
		p->last_vf = vf;
	}
	printf("\n");
	/* a line a second is for a log or a pipe too: not held in a buffer */
	fflush(stdout);
}

/* The main lcore's work besides forwarding: removals, re-offers, status. */
static void
housekeeping(uint64_t *next_status)
{
	uint64_t now = rte_get_timer_cycles(), hz = rte_get_timer_hz();
	uint16_t port;

	for (port = 0; port < RTE_MAX_ETHPORTS; port++)
		if (__atomic_load_n(&ports[port].removed, __ATOMIC_ACQUIRE))
			port_remove(port);
	if (now < *next_status)
		return;
	status_line((double)(now - *next_status + hz) / hz);
	*next_status = now + hz;
	for (port = 0; port < RTE_MAX_ETHPORTS; port++)
		if (ports[port].reprobe)
			port_reprobe(port);
}

/* ---- main -------------------------------------------------------------- */

static void
print_totals(void)
{
	struct rte_eth_stats st;
	uint64_t dropped = 0;
	unsigned int lcore;
	uint16_t port;

	RTE_LCORE_FOREACH(lcore)
		dropped += fwd[lcore].tx_dropped;
	RTE_ETH_FOREACH_DEV(port)
		if (ports[port].in_use && rte_eth_stats_get(port, &st) == 0)
			printf("port %u: rx %" PRIu64 " tx %" PRIu64 " packets\n", port,
			       st.ipackets, st.opackets);
	printf("dropped on tx: %" PRIu64 "\n", dropped);
}

static int
parse_args(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "q:")) != -1) {
		if (opt != 'q')
			return -1;
		nb_queues = (uint16_t)atoi(optarg);
		if (nb_queues == 0)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned int lcore, n = 0;
	uint64_t next_status;
	uint16_t port, prev = 0, nb_ports;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "EAL initialisation failed\n");
	if (parse_args(argc - ret, argv + ret) != 0)
		rte_exit(EXIT_FAILURE, "usage: %s [EAL options] -- [-q QUEUES]\n", argv[0]);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	nb_ports = rte_eth_dev_count_avail();
	if (nb_ports == 0)
		rte_exit(EXIT_FAILURE, "no port: on a VM, bind the NIC and pass -a <uuid>\n");
	pool = rte_pktmbuf_pool_create("mbufs", MBUFS_PER_PORT * nb_ports, MBUF_CACHE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL)
		rte_exit(EXIT_FAILURE, "cannot create the mbuf pool\n");

	/* registered for every port, also those a re-offer brings later */
	rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_INTR_LSC, on_event, NULL);
	rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_INTR_RMV, on_event, NULL);

	/* pairs in port order; an odd one out is its own peer. Port ids
	 * need not be consecutive (a VF's hidden port takes one)
	 */
	RTE_ETH_FOREACH_DEV(port) {
		ports[port].peer = port;
		if (n++ % 2 == 1) {
			ports[port].peer = prev;
			ports[prev].peer = port;
		}
		prev = port;
	}
	RTE_ETH_FOREACH_DEV(port)
		if (port_start(port) != 0)
			rte_exit(EXIT_FAILURE, "port %u did not start\n", port);

	nb_fwd = RTE_MAX(rte_lcore_count() - 1, 1u);
	n = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		fwd[lcore] = (struct fwd_lcore){ .index = n++, .running = true };
		rte_eal_remote_launch(worker_main, &fwd[lcore], lcore);
	}
	printf("forwarding on %u port(s), %u queue pair(s) each, %u forwarding lcore(s)\n",
	       nb_ports, nb_queues, nb_fwd);
	fflush(stdout);

	lcore = rte_lcore_id();
	fwd[lcore] = (struct fwd_lcore){ .index = 0 };
	next_status = rte_get_timer_cycles() + rte_get_timer_hz();
	while (!quit) {
		if (n == 0)
			forward_pass(&fwd[lcore]);	/* no worker: the main lcore forwards */
		else
			rte_delay_us_sleep(1000);
		housekeeping(&next_status);
	}

	rte_eal_mp_wait_lcore();
	print_totals();
	RTE_ETH_FOREACH_DEV(port) {
		if (!ports[port].in_use)
			continue;
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	rte_eal_cleanup();
	printf("bye\n");
	return 0;
}
