/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * net_hvsim_vf: the PMD of hvsim's simulated SR-IOV VF. Its "hardware" is
 * the BAR file laid out by vf/vf_shm.h: page 0 (caps, host state, guest
 * configuration) and one VMBus-format ring per queue and direction.
 *
 * Who touches what:
 *   - the control thread (ethdev ops, the EAL alarm) owns struct hvf_adapter
 *     and the guest configuration page; it only reads host state;
 *   - an RX or TX queue belongs to the lcore polling it: its ring cursor and
 *     its counters are written there only. The control thread reads the
 *     counters (64-bit loads, no lock) and resets them by keeping a base.
 *
 * Secondary processes: the adapter (dev_private) and the queues live in
 * DPDK's hugepage memory, at the same address in every process, and so do
 * the mempools. The pointers stored in them point only there or into the
 * BAR, which a secondary maps at the primary's address (hvf->bar), so the
 * bursts and the read-only operations work from any process. What differs
 * per process is never stored: the port's struct rte_eth_dev is looked up
 * by port id (hvf_dev()), and a secondary keeps its own mapping in
 * dev->process_private. Everything else that writes (configuration, start,
 * stop, the alarm and its struct hvf_watch) is the primary's alone.
 */

#ifndef HVF_H
#define HVF_H

#include <stdbool.h>
#include <stdint.h>

#include <ethdev_driver.h>
#include <rte_log.h>

#include "hv_ring.h"
#include "hvnet_compat.h"
#include "vf/vf_shm.h"

extern int hvf_logtype_init;
extern int hvf_logtype_driver;

#define HVF_INIT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, hvf_logtype_init, "hvsim_vf: " fmt "\n", ##__VA_ARGS__)
#define HVF_DRV_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, hvf_logtype_driver, "hvsim_vf: " fmt "\n", ##__VA_ARGS__)

/* Ethernet header plus one VLAN tag: a frame is at most mtu + this. */
#define HVF_L2_OVERHEAD		(RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN)
/* Segments a TX frame may have: one iovec each, plus the record header. */
#define HVF_TX_MAX_SEGS		64
/* Nominal descriptor limits: rings are counted in bytes, not descriptors. */
#define HVF_DESC_MAX		8192
/* How often the alarm looks at the host state. */
#define HVF_ALARM_US		10000

/* One RX queue's counters; the polling lcore writes them. */
struct hvf_rx_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t bad_records;	/* malformed descriptor or frame header */
	uint64_t too_long;	/* frame beyond one mbuf without scatter */
	uint64_t nombuf;	/* mbuf allocation failed (frame left in the ring) */
	uint64_t ring_errors;	/* ring corrupt: the queue stopped */
};

struct hvf_tx_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t bad_packets;	/* too long, too many segments, bad offload request */
	uint64_t gone_drops;	/* sent after the device was revoked: lost */
	uint64_t ring_errors;	/* ring corrupt: the queue stopped */
};

struct hvf_adapter;

struct hvf_rxq {
	struct hv_ring ring;
	struct rte_mempool *mp;
	struct hvf_adapter *hvf;
	uint16_t port_id;
	uint16_t queue_id;
	uint32_t max_frame;	/* mtu + HVF_L2_OVERHEAD, set at start */
	uint16_t nb_desc;	/* as asked at setup (rings are sized in bytes) */
	bool scatter;		/* RTE_ETH_RX_OFFLOAD_SCATTER */
	bool rss_hash;		/* report the host's hash */
	/* started and the ring sound: else the ring is not touched. A queue
	 * the primary freed (rte_free zeroes) reads as not running to a
	 * secondary still polling it. */
	bool running;
	struct hvf_rx_stats stats;
	struct hvf_rx_stats base;	/* at the last stats reset */
};

struct hvf_txq {
	struct hv_ring ring;
	struct hvf_adapter *hvf;
	uint16_t port_id;
	uint16_t queue_id;
	uint32_t max_frame;	/* without TSO; set at start */
	uint16_t nb_desc;
	uint64_t next_id;	/* running frame number (trans_id) */
	bool running;		/* started and the ring sound (as RX) */
	struct hvf_tx_stats stats;
	struct hvf_tx_stats base;
};

/*
 * The alarm's state. It is not in the port's private data: an event
 * callback may close the port (freeing that) while the alarm runs; then
 * close only marks this, and the alarm frees it when the callback returns.
 */
struct hvf_watch {
	uint16_t port_id;
	bool closed;		/* the port was closed meanwhile */
	struct hvf_adapter *hvf;
};

struct hvf_adapter {
	uint16_t port_id;		/* the device: hvf_dev(), in any process */
	struct hvsim_vf_shm *shm;	/* page 0 of the BAR */
	uint8_t *bar;			/* where every process maps it */
	size_t bar_len;
	/* the BAR file the primary mapped: a secondary maps the same one */
	uint64_t bar_st_dev;
	uint64_t bar_st_ino;
	struct hvsim_vf_caps caps;	/* copied and checked at probe */
	uint64_t rx_offload_capa;
	uint64_t tx_offload_capa;
	uint64_t rss_hf_capa;

	/* RSS as the application set it (sent to the host at start). */
	uint8_t rss_key[HVSIM_VF_RSS_KEY_SIZE];
	uint64_t rss_hf;
	uint16_t reta[HVSIM_VF_RETA_SIZE];

	/* Host state as last seen by the alarm. */
	uint32_t event_seq;
	uint32_t recovery_seq;
	bool link_up;
	bool gone;		/* also read by TX bursts (relaxed) */
	bool recovering;	/* bursts do nothing while set (relaxed) */
	bool recovery_failed;	/* the last reset failed (recovering stays set) */
	bool started;
	uint32_t nb_mc_addrs;	/* multicast list set: the host gets allmulti */
	uint32_t conf_seq;	/* last value written */

	/* Control-thread counters (xstats). */
	uint64_t bad_host_state;	/* host state fields out of range */
	uint64_t events_lsc, events_rmv, events_recovery;

	struct hvf_watch *watch;	/* the primary's (its heap): only it looks */
};

/* A secondary's own mapping of the BAR (dev->process_private). */
struct hvf_local_map {
	void *addr;
	size_t len;
};

static inline struct hvf_adapter *
hvf_of(const struct rte_eth_dev *dev)
{
	return dev->data->dev_private;
}

/* The port's struct rte_eth_dev in this process (rte_eth_devices[] is
 * each process's own array: a pointer to it is not shared). */
static inline struct rte_eth_dev *
hvf_dev(const struct hvf_adapter *hvf)
{
	return &rte_eth_devices[hvf->port_id];
}

/* hvf_rxtx.c */
uint16_t hvf_recv_pkts(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t hvf_xmit_pkts(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);
int hvf_rxq_start(struct hvf_adapter *hvf, struct hvf_rxq *rxq);
int hvf_txq_start(struct hvf_adapter *hvf, struct hvf_txq *txq);
void hvf_queues_quiesce(struct rte_eth_dev *dev);

/* hvf_stats.c */
int hvf_stats_get(HVNET_STATS_GET_ARGS(dev, st, qst));
int hvf_stats_reset(struct rte_eth_dev *dev);
int hvf_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs, unsigned int n);
int hvf_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
			 unsigned int size);

/* hvf_event.c */
int hvf_watch_start(struct hvf_adapter *hvf);
void hvf_watch_stop(struct hvf_adapter *hvf);
void hvf_read_host(const struct hvf_adapter *hvf, uint32_t *link_up, uint32_t *gone);

/* hvf_rss.c */
void hvf_rss_defaults(struct hvf_adapter *hvf, uint16_t nb_rx_queues);
uint32_t hvf_rss_hf_to_types(uint64_t hf);
uint64_t hvf_rss_types_to_hf(uint32_t types);
int hvf_rss_hash_update(struct rte_eth_dev *dev, struct rte_eth_rss_conf *conf);
int hvf_rss_hash_conf_get(struct rte_eth_dev *dev, struct rte_eth_rss_conf *conf);
int hvf_reta_update(struct rte_eth_dev *dev, struct rte_eth_rss_reta_entry64 *reta,
		    uint16_t reta_size);
int hvf_reta_query(struct rte_eth_dev *dev, struct rte_eth_rss_reta_entry64 *reta,
		   uint16_t reta_size);

/* hvf_ethdev.c: write the guest configuration and bump conf_seq. */
void hvf_publish_conf(struct hvf_adapter *hvf);

#endif /* HVF_H */
