/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RX (hn_rx.c): RNDIS messages of a transfer packet parsed in place,
 * frames copied or attached, the RX burst.
 */

#ifndef HN_RX_H
#define HN_RX_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "hn_chan.h"
#include "hn_dev.h"

uint16_t hn_recv_pkts(void *rxq, struct rte_mbuf **pkts, uint16_t n);
void hn_rxq_flush(struct hn_rxq *rxq);
/* The host's receive-buffer layout (RXBUF_CONN answer): one section of
 * count slots of size bytes at offset, inside a buffer of buf_len. 0, or
 * -EPROTO with one log line. */
int hn_rx_sections_check(uint16_t port_id, uint32_t offset, uint32_t size, uint32_t count,
			 uint64_t buf_len);
/* The guest frame of every 4 KiB of the receive buffer (rx_extmbuf):
 * hn->rxbuf_pfn; -EFAULT where the kernel cannot tell. */
int hn_rx_map_pages(struct hn_dev *hn);
/* The checksum flags of a frame from a VF that does not check them: what
 * the host would have said, computed over what the frame holds only. */
uint64_t hn_rx_sw_csum_flags(struct rte_mbuf *m);

/* Entries of that table for a buffer of len bytes: every page that holds
 * a byte of it, the last one partial when len is not a multiple of 4 KiB
 * (the mapping is whole pages: that page is there and has a frame). */
static inline uint64_t
hn_rx_pfn_count(uint64_t len)
{
	return (len + HV_PAGE_SIZE - 1) >> HV_PAGE_SHIFT;
}
/* free callback of attached frames: they are recognised by it */
void hn_rx_ext_free(void *addr, void *opaque);
/* Frames of m received in place: their slots never go back (a send given up). */
void hn_rx_ext_abandon(struct rte_mbuf *m);

/*
 * False for a segment received in place whose session is over (held past
 * an MTU change, a reset, a close or a removal): its bytes are no longer
 * the frame's, and after a removal its pages may be anybody's, so it is
 * not handed to the host by address. True for any other segment.
 */
static inline bool
hn_rx_ext_current(const struct rte_mbuf *m)
{
	const struct hn_rx_ext *e;

	if (likely(!RTE_MBUF_HAS_EXTBUF(m)) || m->shinfo->free_cb != hn_rx_ext_free)
		return true;
	e = m->shinfo->fcb_opaque;
	/* the session is set while the gate is closed, and published by its
	 * opening (release): read the gate first */
	if (__atomic_load_n(&e->pool->gate, __ATOMIC_ACQUIRE) & HN_EXT_GATE_CLOSED)
		return false;
	return e->session == __atomic_load_n(&e->pool->session, __ATOMIC_RELAXED);
}
/* The queue's attach entries (rx_extmbuf_enable), their gate closed. */
int hn_rxq_ext_setup(struct hn_rxq *rxq, int socket);
/* The queue is bound to its channel in the current session: free
 * callbacks may complete on it. */
void hn_rxq_ext_open(struct hn_rxq *rxq);
/* The channel or the session is going: callbacks stop reaching them
 * (returns once none inside does). */
void hn_rxq_ext_close(struct hn_rxq *rxq);
/* The queue is being freed: its pool lives on while frames are held. */
void hn_rxq_ext_release(struct hn_rxq *rxq);
/* Close released queues' pools: all of them (a detach, the close), or
 * those whose frames all came back. */
void hn_rx_ext_orphans_close(struct hn_dev *hn, bool all);
/* The receiver may sleep on its interrupt (1) or polls (0): callbacks of
 * frames received in place send their completions at once while armed. */
void hn_rxq_set_armed(struct hn_rxq *rxq, uint32_t armed);

/* ---- shared by the RX parser (hn_rx.c) and LRO (hn_lro.c) --------------- */

/* What the per-packet info of one frame says. */
struct hn_rxinfo {
	uint32_t vlan;
	uint32_t csum;
	uint32_t hash;
	uint32_t hash_info;
	struct hv_rndis_pktinfo_id frag;	/* RSC fragment id (§F.6) */
	uint8_t have;		/* HN_RXI_* */
};
#define HN_RXI_VLAN	0x1
#define HN_RXI_CSUM	0x2
#define HN_RXI_HASH	0x4
#define HN_RXI_HASHINF	0x8
#define HN_RXI_FRAG	0x10	/* one fragment of a coalesced packet */

/* One transfer packet being parsed. */
struct hn_xfer {
	struct hn_sink *sink;
	struct hn_rx_ext *ext;		/* its frames were attached (lazily) */
	uint64_t xid;
	uint8_t lro;			/* HN_XFER_LRO_*: coalesced packets met */
};

/* hn_xfer.lro */
#define HN_XFER_LRO_SEEN	0x1	/* a fragment was met */
#define HN_XFER_LRO_BROKEN	0x2	/* a chain was dropped: complete as failed */

/* data_off, refcnt, nb_segs and port: one aligned 8-byte word in every
 * DPDK release we build against (the rearm word other PMDs write) */
static_assert(offsetof(struct rte_mbuf, data_off) % 8 == 0 &&
	      offsetof(struct rte_mbuf, refcnt) == offsetof(struct rte_mbuf, data_off) + 2 &&
	      offsetof(struct rte_mbuf, nb_segs) == offsetof(struct rte_mbuf, data_off) + 4 &&
	      offsetof(struct rte_mbuf, port) == offsetof(struct rte_mbuf, data_off) + 6,
	      "mbuf rearm word");

static inline uint64_t *
hn_mbuf_rearm_word(struct rte_mbuf *m)
{
	return (uint64_t *)(void *)((uint8_t *)m + offsetof(struct rte_mbuf, data_off));
}

/* The queue's mbuf template (hn_rx.c), from its pool and port. */
void hn_rxq_mbuf_template(struct hn_rxq *rxq);
/* The queue's mbuf cache empty: refill it from the pool (hn_rx.c). */
int hn_rx_refill(struct hn_rxq *rxq);

/*
 * An mbuf for a frame: from the queue's cache, refilled in bulk. A raw
 * mbuf from the pool has refcnt 1, nb_segs 1 and no next (the pool's
 * invariants); one 8-byte store of the template and the fields a frame
 * sets make it what rte_pktmbuf_reset() would, as other PMDs rearm.
 */
static __rte_always_inline struct rte_mbuf *
hn_rx_mbuf(struct hn_rxq *rxq)
{
	struct rte_mbuf *m;

	if (unlikely(rxq->cache_n == 0) && hn_rx_refill(rxq) != 0)
		return NULL;
	m = rxq->cache[--rxq->cache_n];
	if (likely(rxq->mbuf_raw)) {
		*hn_mbuf_rearm_word(m) = rxq->mbuf_rearm;
		m->ol_flags = 0;
		m->packet_type = 0;
		m->pkt_len = 0;
		m->data_len = 0;
		m->vlan_tci = 0;
		m->vlan_tci_outer = 0;
		m->tx_offload = 0;
	}
	return m;
}

static inline void
hn_rx_fill(struct hn_rxq *rxq, struct rte_mbuf *m, const struct hn_rxinfo *info, bool strip)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint64_t fl = 0;

	m->port = rxq->port_id;
	m->packet_type = RTE_PTYPE_L2_ETHER;
	if (info->have & HN_RXI_CSUM) {
		if (info->csum & HV_RNDIS_RXCSUM_IP_OK)
			fl |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
		else if (info->csum & HV_RNDIS_RXCSUM_IP_FAILED)
			fl |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
		if (info->csum & (HV_RNDIS_RXCSUM_TCP_OK | HV_RNDIS_RXCSUM_UDP_OK))
			fl |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		else if (info->csum & (HV_RNDIS_RXCSUM_TCP_FAILED | HV_RNDIS_RXCSUM_UDP_FAILED))
			fl |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
	}
	/* a hash info without a value is meaningless (§F.5) */
	if ((info->have & (HN_RXI_HASH | HN_RXI_HASHINF)) == (HN_RXI_HASH | HN_RXI_HASHINF)) {
		m->hash.rss = info->hash;
		fl |= RTE_MBUF_F_RX_RSS_HASH;
	}
	m->ol_flags |= fl;	/* keeps RTE_MBUF_F_EXTERNAL of an attached frame */
	if (unlikely(rte_is_multicast_ether_addr(&eh->dst_addr))) {
		if (rte_is_broadcast_ether_addr(&eh->dst_addr))
			rxq->stats.broadcast++;
		else
			rxq->stats.multicast++;
	}
	if (info->have & HN_RXI_VLAN) {
		m->vlan_tci = HV_RNDIS_VLAN_TO_TCI(info->vlan);
		m->ol_flags |= RTE_MBUF_F_RX_VLAN;
		if (strip)
			m->ol_flags |= RTE_MBUF_F_RX_VLAN_STRIPPED;
		else if (rte_vlan_insert(&m) == 0)	/* the host always strips */
			m->ol_flags &= ~RTE_MBUF_F_RX_VLAN;
	}
}

/* The longest whole frame the queue takes: the MTU the host was given,
 * its Ethernet header and a tag (the host strips tags; one in the data is
 * allowed). A coalesced packet comes as fragments, bounded by hn_lro.c. */
static inline uint32_t
hn_rx_frame_max(const struct hn_rxq *rxq)
{
	return rxq->hn->mtu + HN_FRAME_OVERHEAD;
}

/* Hand a frame to the burst, or park it for the queue's receiver. */
static inline void
hn_rx_deliver(struct hn_rxq *rxq, struct hn_sink *sink, struct rte_mbuf *m)
{
	if (sink != NULL && sink->n < sink->max) {
		sink->pkts[sink->n++] = m;
	} else if (rte_ring_sp_enqueue(rxq->staging, m) == 0) {
		rxq->stats.staged++;
	} else {
		rxq->stats.staging_full++;
		rte_pktmbuf_free(m);
		return;
	}
	rxq->stats.packets++;
	rxq->stats.bytes += m->pkt_len;
	rxq->stats.bins[hn_size_bin(m->pkt_len)]++;
}

/*
 * An IPv4 header checksum the host left stale (§F.4 0x100). An attached
 * frame is still in the receive buffer, which the host can rewrite at
 * any time: the header length is read once, checked against the frame,
 * and the sum runs over that length, never over one read again (a header
 * grown to 60 bytes meanwhile would be summed past the frame, past the
 * buffer for a frame at its end).
 */
/*
 * §F.4: the host says the IPv4 header is good but its checksum field was
 * not recomputed (after RSC). Only then is the field put right: a header
 * the host found bad is left as it came, for the application to see so.
 */
static inline bool
hn_rx_ip4_csum_stale(const struct hn_rxinfo *info)
{
	const uint32_t both = HV_RNDIS_RXCSUM_IP_OK | HV_RNDIS_RXCSUM_IP_INVALID;

	return (info->have & HN_RXI_CSUM) && (info->csum & both) == both;
}

static inline void
hn_rx_ip4_recksum(struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	uint32_t hlen;

	if (m->data_len < sizeof(*eh) + sizeof(*ip) ||
	    eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return;
	hlen = (*(volatile const uint8_t *)&ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) *
	       RTE_IPV4_IHL_MULTIPLIER;
	if (hlen < sizeof(*ip) || m->data_len < sizeof(*eh) + hlen)
		return;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, hlen);
}

#endif /* HN_RX_H */
