/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * net_netvsc private state, shared by the layers (one header each for
 * their functions: hn_rndis.h, hn_nvsp.h, hn_ctl.h, hn_chan.h, hn_rx.h,
 * hn_lro.h, hn_tx.h, hn_stats.h). Who owns what:
 *  - struct hn_dev: the device; NVSP/RNDIS session, link, RSS, offloads.
 *    Written by the control path (one thread at a time, ctl_lock); the
 *    session states only by hn_nvsp.c (nvsp_state) and hn_rndis.c
 *    (rndis_state); link_* also by status indications (any drainer).
 *  - struct hn_ctl: the control mailbox (hn_ctl.c): armed and read by the
 *    control thread, filled by whichever thread drains the primary channel
 *    after claiming it (a compare-and-swap on its state).
 *  - struct hn_chan: one VMBus channel. Its inbound ring has one reader at
 *    a time: whoever wins `owner` (the RX lcore, the TX lcore wanting
 *    completions, or the control thread waiting for the host).
 *  - struct hn_rxq / hn_txq: one lcore each. RX statistics are written
 *    only by the channel's current drainer, TX statistics only by the TX
 *    lcore; the completion side of a TX queue writes only the descriptor
 *    it frees, its batch of completed descriptors (emptied before the
 *    drain ends), the free-index ring (single producer: the drainer) and
 *    counters of its channel.
 * Everything lives in DPDK shared memory so a secondary process can run
 * the fast path; channel pointers are valid there because the bus maps
 * rings at the primary's addresses.
 */

#ifndef HN_DEV_H
#define HN_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include <ethdev_driver.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "hv_nvsp_wire.h"
#include "hv_rndis_wire.h"
#include "hv_vmbus.h"

extern int hn_logtype_init;
extern int hn_logtype_driver;
#define PMD_INIT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, hn_logtype_init, "netvsc: " fmt "\n", ##__VA_ARGS__)
#define PMD_DRV_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, hn_logtype_driver, "netvsc: " fmt "\n", ##__VA_ARGS__)

#define HN_MAX_QUEUES		64u	/* channels: primary + 63 subchannels */
#define HN_EXT_ORPHANS_MAX	64u	/* released queues' pools kept open */
#define HN_RSS_KEY_SIZE		40u
#define HN_RSS_RETA_SIZE	128u
#define HN_MTU_MIN		68u
#define HN_MTU_DEFAULT		1500u
#define HN_MAX_RX_PKTLEN	16128u	/* largest frame a host delivers */
#define HN_FRAME_OVERHEAD	(RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN)
/* a coalesced packet is one IP packet: 64 KiB, Ethernet header, VLAN tag */
#define HN_LRO_PKT_MAX		(UINT16_MAX + HN_FRAME_OVERHEAD)
#define HN_CTL_MSG_MAX		HV_RNDIS_CTRL_MSG_MAX
#define HN_RX_MBUF_CACHE	64u	/* mbufs taken from the pool at once */
#define HN_RX_BURST_BUDGET	256u	/* work per drain: VMBus packets, or ranges of one */
/* Ranges of one transfer packet: the protocol documents at most 562 (RSC);
 * room for a host past that, whose chain hn_lro.c then reports as such */
#define HN_RX_RANGES_MAX	1024u
#define HN_RX_SEGS_MAX		UINT16_MAX	/* mbuf nb_segs counts no more */
#define HN_TX_HDR_SIZE		128u	/* RNDIS header + PPIs of a GPA send */
#define HN_TX_FREE_BATCH	64u	/* sent-by-copy mbufs freed at once */
#define HN_TX_IDX_BATCH		32u	/* descriptors taken or given back at once */
#define HN_TX_STAGE_PKTS	32u	/* GPA packets staged for one ring reservation */
#define HN_TX_STAGE_BYTES	8192u	/* their bytes, trailers' room included */
#define HN_TX_COPYBREAK_DEFAULT	1024u	/* devarg tx_copybreak: copied up to this */
#define HN_TX_MAX_SEGS		HV_GPA_RANGES_MAX	/* a range each, at worst */
#define HN_STOP_DRAIN_MS	1000u	/* dev_stop: wait for send completions */
#define HN_REVOKE_LINGER_MS	200u	/* revokes get no response */

/* Transaction ids: a data send carries its descriptor's index (low 16
 * bits, checked against the table, never a pointer) and the descriptor's
 * generation above it, new at every send (hn_tx.c): a completion names one
 * send, not a slot. Control messages set the top bit; SWITCH_DATA_PATH
 * (hn_vf.c) the next one too, with its own sequence numbers. */
#define HN_XID_CTL		(UINT64_C(1) << 63)
#define HN_XID_VF_SWITCH	(UINT64_C(1) << 62)
#define HN_XID_TX_IDX_BITS	16

struct hn_dev;

/* Runtime configuration (devargs), a superset of DPDK's bundled driver. */
struct hn_devargs {
	uint32_t latency_us;		/* host polling interval, monitor only */
	uint32_t rx_copybreak;		/* rx_extmbuf: copy frames up to this */
	uint32_t tx_copybreak;		/* copy into the send buffer up to this */
	bool rx_extmbuf;		/* attach large frames, copy none */
	bool isolated;			/* the host is not trusted: no attached frames */
	bool numa_aware;		/* queue memory on the device's node */
	uint32_t timeout_s;		/* deadline of every wait for the host */
	uint32_t max_queues;		/* queue pairs (channels) asked at probe */
	uint32_t vf_mode;		/* HN_VF_MODE_*: devarg vf= */
	char vf_name[RTE_DEV_NAME_MAX_LEN];	/* vf=<device name> */
	uint32_t vf_deadline_s;		/* look for the VF this long after an association */
};

enum { HN_VF_MODE_AUTO, HN_VF_MODE_NONE, HN_VF_MODE_NAME };

/*
 * A queue's gate to the VF (hn_vf.c flips it, the bursts read it), with no
 * device-wide lock: the control thread writes rx_on / tx_on; the queue's
 * lcore makes busy odd while it may touch the VF and even after. Turning
 * a gate off is: store 0, full fence, then wait until busy is even or has
 * moved on (hn_vf_gate_close()): from then on the queue no longer uses the
 * VF. drain_req / drain_ack: the control thread asks (a new epoch) whether
 * the VF's RX queue ran empty; the burst answers when a VF read came back
 * short.
 */
struct hn_vf_gate {
	uint32_t rx_on;
	uint32_t tx_on;
	uint32_t busy;
	uint32_t drain_req;
	uint32_t drain_ack;
	uint32_t sw_fix;		/* HN_VF_SW_*: RX offloads the VF lacks, in software */
	/* The VF's queue of the same index, set before the gate opens: shared
	 * memory, the same address in every process (ethdev's per-process
	 * fast-path table can be stale in a secondary: it is filled when the
	 * process attaches the port, before the primary configured it). */
	void *vf_queue;
};

#define HN_VF_SW_VLAN_STRIP	0x1u
#define HN_VF_SW_CSUM		0x2u
#define HN_VF_SW_RSS		0x4u

/* What a queue carried over the VF (its lcore writes, never reset by a detach). */
struct hn_vf_qstats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t drained;		/* RX: read after TX left the VF */
};

/* Frame size bins, as DPDK's xstats name them. */
enum {
	HN_BIN_64, HN_BIN_65_127, HN_BIN_128_255, HN_BIN_256_511,
	HN_BIN_512_1023, HN_BIN_1024_1518, HN_BIN_1519_MAX, HN_BIN_COUNT
};

/* The size bin of a frame of len bytes. */
static inline unsigned int
hn_size_bin(uint32_t len)
{
	if (len <= 64)
		return HN_BIN_64;
	if (len >= 1519)
		return HN_BIN_1519_MAX;
	if (len >= 1024)
		return HN_BIN_1024_1518;
	return 31 - __builtin_clz(len) - 5;	/* 65..127 -> 1, ..., 512..1023 -> 4 */
}

struct hn_rx_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t errors;		/* malformed RNDIS messages from the host */
	uint64_t nombuf;		/* mempool empty: frame dropped */
	uint64_t too_long;		/* larger than an mbuf, no scatter */
	uint64_t staged;		/* parked while another thread drained */
	uint64_t staging_full;		/* dropped: nobody received them */
	uint64_t stopped_drops;		/* arrived on a stopped queue */
	uint64_t attached;		/* frames attached, not copied */
	uint64_t ext_exhausted;		/* copied: every ext record in use */
	uint64_t ext_scattered;		/* copied: across pages that are not adjacent frames */
	uint64_t ext_chained;		/* attached as a chain: the same, scatter on */
	uint64_t lro_packets;		/* coalesced packets delivered (RX_LRO) */
	uint64_t lro_segments;		/* host fragments in them */
	uint64_t lro_split;		/* extra packets: cut at max_lro_pkt_size */
	uint64_t lro_errors;		/* broken fragment chains, dropped */
	uint64_t multicast;
	uint64_t broadcast;
	uint64_t bins[HN_BIN_COUNT];
};

struct hn_tx_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t errors;		/* dropped by the driver or failed on the host */
	uint64_t ring_full;		/* burst cut short: no room in the ring */
	uint64_t no_desc;		/* burst cut short: no free descriptor */
	uint64_t copied;		/* went through the send buffer */
	uint64_t gpa;			/* went as GPA ranges */
	uint64_t gpa_section_hdr;	/* of those: 32 data ranges, header in the section */
	uint64_t linearized;		/* too many pages: copied instead */
	uint64_t too_many_segs;		/* dropped: too many pages to copy */
	uint64_t bad_offload;		/* dropped: offload request not possible */
	uint64_t tso_packets;		/* sent as LSOv2 */
	uint64_t tso_errors;		/* dropped: TSO beyond the host's limits */
	uint64_t too_long;		/* dropped: longer than MTU + 14, no TSO */
	uint64_t forged_completions;	/* a send failed, yet a completion took it */
	uint64_t ring_broken;		/* a send refused: ring indices make no sense */
	uint64_t multicast;
	uint64_t broadcast;
	uint64_t bins[HN_BIN_COUNT];
};

/* A receive completion from a free callback (rx_extmbuf_enable). */
struct hn_ack {
	uint64_t xid;
	uint32_t status;
};

/* A receive completion as it goes on the ring, queued in that form so a
 * run of them is written with one copy: descriptor and NVSP message. */
struct hn_ack_pkt {
	struct hv_pkt_desc desc;
	struct hv_nvsp_rndis_pkt_complete msg;
} __attribute__((packed));

static_assert(sizeof(struct hn_ack_pkt) % 8 == 0, "a completion needs no padding");

/* One VMBus channel: queue i uses the channel whose subchannel index is i. */

/* In-band completions a channel keeps while its ring has no room. */
#define HN_INBAND_ACKS_MAX	8u

struct hn_chan {
	struct vmbus_channel *vc;
	struct hv_ring *rx_ring;	/* vc's inbound ring: idle polls, and the
					 * drain's inline peek (owner only) */
	uint32_t owner;			/* 1 while someone drains (atomic) */
	uint16_t index;
	struct hn_rxq *rxq;		/* NULL: no RX queue on this channel */
	struct hn_txq *txq;
	/* receive completions of this drain, then those the outbound ring
	 * had no room for: sent together when the drain ends, never dropped */
	struct hn_ack_pkt *acks;
	uint32_t ack_head;
	uint32_t ack_count;
	uint32_t ack_cap;
	uint32_t ack_new;		/* queued since the last send attempt */
	/* empty completions the host asked for of its in-band messages that
	 * found the outbound ring full: the next drains send them (owner) */
	uint32_t inband_n;
	uint64_t inband_xids[HN_INBAND_ACKS_MAX];
	uint64_t acks_deferred;		/* completions that found the ring full */
	struct rte_ring *ext_acks;	/* hn_ack from free callbacks, sent by the owner */
	uint32_t ext_kick;		/* this many in ext_acks: a callback sends them */
	/* found ext_acks full, or a completion the host asked for of its own
	 * message found the ring full (atomic: any thread) */
	uint64_t ext_acks_lost;
	uint64_t bad_packets;		/* unknown or malformed VMBus packets */
	uint64_t bad_completions;	/* completions of nothing posted: dropped */
	uint64_t bad_descriptors;	/* malformed VMBus descriptors, skipped */
	uint64_t tx_host_failed;	/* send completed with a failure status */
	/* the bus's counters of this channel at the last stats reset (the
	 * bus keeps counting; xstats show what came since) */
	uint64_t bus_signals_base;
	uint64_t bus_ring_full_base;
} __rte_cache_aligned;

/*
 * A transfer packet whose frames were attached to mbufs instead of copied
 * (rx_extmbuf_enable): its receive-buffer slots go back to the host (one
 * completion) once the last of those mbufs is freed, from any thread: with
 * the channel's next drain, or from the free callback (hn_chan.c, ext_kick).
 */
struct hn_rx_ext_pool;

struct hn_rx_ext {
	struct rte_mbuf_ext_shared_info shinfo;	/* refcnt: frames + parser */
	struct hn_rx_ext_pool *pool;
	struct hn_chan *ch;		/* only while the pool's gate is open */
	uint64_t xid;
	uint32_t session;		/* a stale session's packet is not completed */
	uint32_t idx;
	uint32_t status;		/* its completion's, set before the parser lets go */
	bool abandoned;			/* a send of it was given up: never completed */
};

/*
 * A queue's attach entries, and all their free callbacks may touch. The
 * application may hold attached frames past the queue's release, a new
 * session or the port's close, so the pool is allocated apart: a released
 * queue orphans it, and whoever returns its last entry frees it.
 *
 * The gate says when a callback may reach the channel, the queue and the
 * device (to send a completion): a callback enters (the count), and
 * completes only while the gate is open and the entry is of the session
 * the gate was opened for. Closing (a detach, the queue's release) waits
 * until the callbacks inside have left, so none touches a channel being
 * reset or a queue being freed. Returning an entry to the free ring
 * needs only the pool. Gates are opened and closed by control paths
 * only, one at a time (ethdev's rule for them).
 *
 * A queue released while its frames are held in a live session leaves
 * its pool open on the device's orphan list: those completions are still
 * the host's slots. The next detach closes it.
 */
#define HN_EXT_GATE_CLOSED	RTE_BIT32(31)
#define HN_EXT_GATE_ORPHANED	RTE_BIT32(30)	/* the queue let go; once closed
							 * too, the last one back frees */
#define HN_EXT_GATE_FREEING	RTE_BIT32(29)	/* somebody is freeing the pool */
#define HN_EXT_GATE_INSIDE	(RTE_BIT32(29) - 1)	/* callbacks inside */

struct hn_rx_ext_pool {
	uint32_t gate;			/* atomic: HN_EXT_GATE_* | callbacks inside */
	uint32_t session;		/* whose entries complete, set while closed */
	uint32_t nb;			/* entries */
	uint32_t armed;			/* atomic: 1 while the receiver may sleep on
					 * its interrupt (callbacks send at once) */
	struct rte_ring *free;		/* free entry indices (MP: free callbacks) */
	struct hn_rx_ext ent[];
};

struct hn_lro;	/* hn_lro.c: a coalesced packet being put together */

struct hn_rxq {
	struct hn_dev *hn;
	struct hn_chan *ch;
	struct rte_mempool *mp;
	struct rte_ring *staging;	/* frames drained by another thread */
	uint64_t polls;			/* rx_burst calls: TX sees the receiver is alive */
	uint16_t queue_id;
	uint16_t port_id;
	uint16_t nb_desc;
	uint16_t buf_size;		/* data room of one mbuf */
	bool scatter;
	bool vlan_strip;
	bool started;
	bool extmbuf;			/* attach frames above copybreak */
	uint32_t copybreak;
	uint32_t lro_max;		/* longest packet delivered (max_lro_pkt_size) */
	struct hn_lro *lro;
	struct hn_rx_ext_pool *ext_pool;	/* rx_extmbuf_enable: nb_desc entries */
	/* mbufs come raw from the pool and get their first 8 bytes from
	 * this template (data_off, refcnt, nb_segs, port), unless the pool
	 * has pinned external buffers (then rte_pktmbuf_alloc_bulk) */
	bool mbuf_raw;
	uint64_t mbuf_rearm;
	uint16_t cache_n;
	struct rte_mbuf *cache[HN_RX_MBUF_CACHE];
	struct hn_rx_stats stats;
	struct hn_vf_gate vf_gate __rte_cache_aligned;
	struct hn_vf_qstats vf_stats;
} __rte_cache_aligned;

/* A descriptor's tag: generation << 1 | HN_TXD_POSTED (hn_tx.c). */
#define HN_TXD_POSTED		1u
#define HN_TXD_GEN_MASK		0x7fffffffu

struct hn_txd {
	struct rte_mbuf *m;		/* GPA send: freed at completion */
	uint32_t tag;			/* changed by compare-and-swap once posted */
	uint32_t npkts;
};

/* What a frame adds to the statistics, read before the host may free it. */
struct hn_tx_tally {
	uint32_t len;
	uint8_t cast;	/* 0 unicast, 1 multicast, 2 broadcast */
	bool tso;
};

/*
 * A burst's GPA packets, built whole in ring format and sent together:
 * one ring reservation and one copy instead of one each per frame
 * (hn_tx.c). They are frames pkts[first..first + n) of the burst, in
 * order; nothing else is sent while any is staged.
 */
struct hn_tx_stage {
	uint32_t n;
	uint32_t bytes;
	uint16_t first;
	uint32_t ends[HN_TX_STAGE_PKTS];	/* hv_ring_batch_add_staged() */
	uint32_t idx[HN_TX_STAGE_PKTS];		/* posted descriptors */
	uint64_t xid[HN_TX_STAGE_PKTS];
	struct hn_tx_tally tally[HN_TX_STAGE_PKTS];
	uint8_t buf[HN_TX_STAGE_BYTES] __rte_cache_aligned;
};

struct hn_txq {
	struct hn_dev *hn;
	struct hn_chan *ch;
	uint16_t queue_id;
	uint16_t port_id;
	uint16_t nb_desc;
	uint32_t ndesc;			/* usable: one send-buffer section each */
	uint64_t rx_polls_seen;		/* the receiver's polls at our last drain */
	struct hn_txd *txd;
	struct rte_ring *free_idx;	/* free descriptor indices */
	const struct rte_memzone *hdr_mz;	/* per descriptor GPA header */
	uint8_t *hdr;
	rte_iova_t hdr_iova;
	uint8_t *sections;		/* this queue's first section */
	uint32_t section_size;
	/* GPA ranges a frame's data may take: all 32 only when a section can
	 * hold the RNDIS header the host then reads from it (tx_gpa) */
	uint32_t gpa_ranges_max;
	uint32_t first_section;
	/* the send-buffer section being filled (aggregation) */
	int32_t agg_idx;		/* descriptor, -1: none */
	uint32_t agg_used;
	uint32_t agg_pkts;
	uint8_t *agg_last;		/* last message: its len grows by padding */
	uint32_t agg_max_bytes;
	uint32_t agg_max_pkts;
	uint32_t agg_align;
	uint32_t copybreak;
	/* what the host accepts (hn_tx.c tx_check) */
	uint32_t lso4_max, lso6_max;	/* TSO payload bytes; 0: not offered */
	uint32_t lso_minsegs;
	uint32_t max_frame;		/* MTU + 14 */
	bool csum6;			/* IPv6 TCP/UDP checksums offered */
	uint64_t offloads;
	bool ring_broken_said;		/* the broken ring was logged (once a queue) */
	bool started;
	/* TX lcore only: free descriptors taken from free_idx in bulk, and
	 * those of staged packets that did not go (hn_tx.c stage_take_back) */
	uint32_t stash_n;
	uint32_t stash[HN_TX_IDX_BATCH + HN_TX_STAGE_PKTS];
	struct hn_tx_stage stage;
	struct hn_tx_stats stats;
	struct hn_vf_gate vf_gate;
	struct hn_vf_qstats vf_stats;
	/* completion side (the channel's drainer only): descriptors and GPA
	 * mbufs given back in bulk, at the latest when the drain ends */
	uint32_t done_n __rte_cache_aligned;
	uint32_t done_mbufs;
	uint64_t done_pkts;		/* frames of completed sends, ever (atomic) */
	uint32_t done_idx[HN_TX_IDX_BATCH];
	struct rte_mbuf *done_m[HN_TX_IDX_BATCH];
} __rte_cache_aligned;

/* What a waiting control request expects from the host. */
enum hn_ctl_kind {
	HN_CTL_NONE,
	HN_CTL_NVSP,		/* an NVSP completion with xid */
	HN_CTL_RNDIS,		/* an RNDIS completion with rid and type */
	HN_CTL_SENDCOMP,	/* only the send completion of xid (HALT) */
};

/*
 * The mailbox's state: the armed request's sequence number (its xid
 * without HN_XID_CTL) and a phase, in one word. A drainer claims the
 * mailbox for an answer with a compare-and-swap ARMED -> FILLING of the
 * state it matched the answer against, so an answer can only land in the
 * mailbox of the request it answers, never in the next one's.
 */
#define HN_CTL_IDLE		0u	/* nothing armed: answers are stale */
#define HN_CTL_ARMED		1u	/* waiting: an answer may claim it */
#define HN_CTL_FILLING		2u	/* a drainer is copying the answer */
#define HN_CTL_DONE		3u	/* answered: buf and len are valid */
#define HN_CTL_PHASE(s)		((uint32_t)((s) & 3u))
#define HN_CTL_SEQ(s)		((s) >> 2)

struct hn_ctl {
	rte_spinlock_t lock;		/* one request at a time */
	uint64_t state;			/* seq << 2 | phase (atomic) */
	/* what the armed request expects: written only while not ARMED,
	 * read by drainers before their claim (which validates the read) */
	uint32_t kind;
	uint32_t rid;
	uint32_t type;
	uint32_t len;			/* the answer: written by the claiming drainer */
	uint64_t seq;			/* last sequence number given (control thread) */
	uint64_t stray;			/* answers to no request (atomic) */
	uint64_t stale;			/* answers to an earlier request: late, duplicate (atomic) */
	uint64_t timeouts;
	/* requests unanswered since the host last answered: a silent host is
	 * reported once, not once per request of an operation */
	uint32_t unanswered;
	/* answers that matched no waiting request, never reset (atomic),
	 * and their number when the host fell silent: more since are late
	 * answers, so the host is slow, not silent (control thread) */
	uint64_t unmatched;
	uint64_t unmatched_at_silence;
	/* a SWITCH_DATA_PATH in flight (hn_vf.c): its xid, and the answer the
	 * drainer records: 1 done, 2 failed (a {129, status != 1} payload) */
	uint64_t vf_switch_xid;
	uint32_t vf_switch_result;
	uint8_t buf[HN_CTL_MSG_MAX];
};

/* The VF's life (hn_vf.c, changed only by hn_vf_set_state()). */
enum hn_vf_state {
	HN_VF_NONE,		/* no association, or vf=none */
	HN_VF_SEARCHING,	/* associated: looking for the port */
	HN_VF_ATTACHED,		/* owned, not started */
	HN_VF_RX_ON,		/* started, its RX polled, TX synthetic */
	HN_VF_SWITCHING,	/* SWITCH_DATA_PATH(VF) sent, waiting */
	HN_VF_ACTIVE,		/* the host steers to it: TX on it too */
	HN_VF_LEAVING,		/* TX back, switching back, draining its RX */
	HN_VF_STATE_COUNT
};

struct hn_vf {
	/* read by the bursts */
	uint32_t present;		/* some gate may be on (atomic) */
	uint16_t port_id;		/* the VF's ethdev port */
	uint32_t tx_block;		/* host's 129 or RMV: TX synthetic now (atomic) */
	/* written by hn_nvsp_inband (any drainer), read by the tick (atomics) */
	uint32_t assoc_seq;		/* bumped by every VF_ASSOCIATION */
	uint32_t assoc_allocated;
	uint32_t assoc_serial;
	uint32_t host_synthetic_seq;	/* bumped by every host SWITCH_DATA_PATH(synthetic) */
	/* written by event callbacks (control), read by the tick */
	uint32_t ev_rmv;
	uint32_t ev_recovering;
	uint32_t ev_recovered;
	uint32_t ev_recovery_failed;
	uint32_t ev_new;		/* an ethdev port appeared */
	uint32_t claimed;		/* port + 1 owned before the association (atomic) */
	char hotadd_name[RTE_DEV_NAME_MAX_LEN];	/* PCI device added (EAL event) */
	uint32_t hotadd_pending;
	/* control thread only, under lock */
	rte_spinlock_t lock;
	enum hn_vf_state state;
	uint64_t state_since;		/* timer cycles */
	char reason[64];		/* why the data path is synthetic */
	bool ticking;
	/* the netvsc port is started, for the VF: from the end of a start
	 * that succeeded to the beginning of the stop. hn->started covers
	 * the start's and the stop's host requests too, when the tick must
	 * not take the VF up */
	bool port_on;
	bool callbacks;
	bool dev_events;
	uint32_t assoc_seen;
	uint32_t host_synthetic_seen;
	bool associated;
	uint32_t serial;
	uint64_t search_deadline;
	uint64_t next_try;
	uint32_t backoff_ms;
	/* a host flapping the data path or the association: nothing is
	 * taken again before hold_until (see vf_note_host_flap) */
	uint64_t last_host_leave;
	uint64_t hold_until;
	uint32_t host_flaps;
	uint64_t owner_id;
	char dev_name[RTE_DEV_NAME_MAX_LEN];	/* the VF's device */
	char dev_args[256];		/* its devargs, kept for a re-add */
	char failed_dev[RTE_DEV_NAME_MAX_LEN];	/* failed recovery: not taken again
						 * until it went away and came back */
	uint16_t nb_rxq, nb_txq;	/* VF queues used */
	bool tx_ok;			/* the VF has every TX offload enabled */
	uint32_t sw_fix;		/* HN_VF_SW_*: RX offloads done in software */
	uint64_t switch_sent;		/* cycles */
	uint64_t switch_deadline;
	uint32_t leave_phase;
	uint32_t leave_epoch;
	uint64_t leave_deadline;
	enum hn_vf_state leave_to;	/* ATTACHED (keep) or NONE/SEARCHING (detach) */
	bool leave_detach;
	bool gone;			/* RMV seen: the device is not there */
	bool recovering;
	/* counters (xstats) */
	uint64_t attach, detach, attach_failed;
	uint64_t sw_to_vf, sw_to_syn, sw_failed;
	uint64_t sw_latency_us, sw_latency_max_us;
	/* VF port counters kept when the VF goes: stats never go down */
	uint64_t base_imissed, base_ierrors, base_oerrors, base_nombuf;
};

/* The NVSP session (§C, §D), in the order it is built up. */
enum hn_nvsp_state {
	HN_NVSP_CLOSED,		/* no primary channel, or torn down */
	HN_NVSP_VERSIONED,	/* version agreed, NDIS configured */
	HN_NVSP_BUFFERS,	/* receive buffer connected: transfer pages valid */
	HN_NVSP_READY,		/* send buffer connected too: data can flow */
};

/* The RNDIS device on top of it (§E). */
enum hn_rndis_state {
	HN_RNDIS_UNINITIALISED,	/* no INITIALIZE answered yet */
	HN_RNDIS_INITIALISED,	/* control works; the packet filter is 0 */
	HN_RNDIS_DATA,		/* a packet filter is set: frames arrive */
	HN_RNDIS_HALTED,	/* HALT sent (or the device is gone) */
};

struct hn_dev {
	struct vmbus_device *vdev;	/* primary process only */
	struct rte_eth_dev_data *data;
	uint16_t port_id;
	struct hn_devargs args;
	bool extmbuf_warned;		/* rx_extmbuf_enable's warning, once a port */

	/* NVSP session: nvsp_state is changed only by hn_nvsp.c */
	enum hn_nvsp_state nvsp_state;
	uint32_t nvsp_ver;
	uint32_t ndis_ver;
	uint8_t *rxbuf;
	uint64_t rxbuf_len;
	uint64_t *rxbuf_pfn;		/* guest page of each 4 KiB, rx_extmbuf */
	uint32_t session;		/* bumped by every NVSP attach (atomic) */
	uint32_t rx_slots;		/* receive sections the host carved */
	/* pools of released queues whose frames are still held (hn_rx.c) */
	struct hn_rx_ext_pool *ext_orphans[HN_EXT_ORPHANS_MAX];
	uint32_t n_ext_orphans;
	uint8_t *chim;
	uint64_t chim_len;
	uint32_t chim_section_size;
	uint32_t chim_count;
	uint32_t ctl_section;		/* last section: control requests */
	uint32_t subch_granted;
	bool subch_requested;		/* once per session */
	uint32_t nchan;			/* channels opened */

	/* RNDIS device: rndis_state is changed only by hn_rndis.c */
	enum hn_rndis_state rndis_state;
	uint32_t rid;
	uint32_t agg_max_pkts;
	uint32_t agg_max_bytes;
	uint32_t agg_align;
	uint32_t host_mtu;		/* OID_GEN_MAXIMUM_FRAME_SIZE */
	uint32_t mtu;			/* what NDIS_CONFIG told the host */
	struct rte_ether_addr perm_mac;
	struct rte_ether_addr mac;
	uint32_t link_up;		/* atomic: status indications */
	uint32_t link_speed_mbps;
	uint32_t link_dirty;		/* atomic: an indication arrived */
	uint32_t filter;
	bool promisc;
	bool allmulti;
	/* offload and RSS capabilities (host), and what is enabled */
	uint32_t csum_tx4, csum_rx4, csum_tx6, csum_rx6;
	uint32_t lso4_max, lso6_max, lso_minsegs;
	bool rsc_caps;
	uint32_t rss_caps;
	uint32_t rss_max_queues;
	uint32_t rss_hash_info;
	uint8_t rss_key[HN_RSS_KEY_SIZE];
	uint32_t reta[HN_RSS_RETA_SIZE];
	uint64_t rx_offloads;
	uint64_t tx_offloads;

	struct hn_ctl ctl;
	struct hn_chan chans[HN_MAX_QUEUES];
	uint64_t lsc_events;
	uint32_t lsc_armed;		/* an LSC alarm is pending (atomic) */
	uint64_t inband_notes;		/* VF / indirection table notifications */
	bool started;
	/* a re-initialisation failed (a silent host): no session until the
	 * next start builds one (hn_dev_start) */
	bool session_lost;
	struct hn_vf vf;		/* hn_vf.c */
};

static inline struct hn_dev *
hn_dev_of(const struct rte_eth_dev *dev)
{
	return dev->data->dev_private;
}

static inline bool
hn_is_primary(void)
{
	return rte_eal_process_type() == RTE_PROC_PRIMARY;
}

#endif /* HN_DEV_H */
