/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Transmit (protocol doc §F.7). Each TX queue owns a run of send-buffer
 * sections, one per descriptor, so no lock is shared between queues:
 *  - small frames (up to tx_copybreak) are copied, RNDIS header first,
 *    into the section being filled, several per section within the host's
 *    aggregation limits, and the section goes out as one NVSP RNDIS_PKT
 *    when full or at the end of the burst;
 *  - larger frames go as GPA ranges: the RNDIS header and PPIs in the
 *    descriptor's own header slot (one range, never across a page), then
 *    a range per contiguous run of the mbufs, spanning pages. Copying
 *    them would touch every cache line of the frame twice, more than the
 *    GPA packet and its completion cost. The mbuf is freed when the host
 *    completes the send. A burst's GPA packets are built whole, in ring
 *    format, in the queue's stage and go into the ring together: one
 *    reservation (a compare-and-swap) and one copy instead of one of each
 *    per frame. Frames leave in order: the stage goes before anything
 *    else is sent or taken, and when the ring has room for only some of
 *    it, the burst ends at the first that did not go.
 * Free descriptors are taken from their ring in batches; completed ones,
 * and their mbufs, go back in batches at the end of each drain.
 * A send's transaction id is its descriptor's index and generation
 * (txd_post); a completion frees the descriptor only if it names the send
 * in flight (hn_tx_complete), never used as a pointer.
 */

#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_net.h>
#include <rte_tcp.h>

#include "hn_chan.h"
#include "hn_copy.h"
#include "hn_nvsp_msg.h"
#include "hn_rx.h"
#include "hn_tx.h"
#include "hn_vf.h"

/* The largest RNDIS header + PPIs a frame needs: hash, VLAN, csum/LSO. */
#define HN_TX_PPI_MAX	(3 * HV_RNDIS_PPI_SIZE(4))
#define HN_TX_RNDIS_MAX	(sizeof(struct hv_rndis_packet_msg) + HN_TX_PPI_MAX)
static_assert(HN_TX_RNDIS_MAX <= HN_TX_HDR_SIZE, "GPA header slot too small");

/*
 * One TX burst's sends: they reach the host as one batch (one index
 * update and at most one signal), ended before anything that makes this
 * lcore wait on the host or write the channel another way.
 */
struct hn_tx_burst {
	struct vmbus_send_batch b;
	bool sig;
	bool stopped;	/* staged packets did not all go: the burst ends */
	uint16_t taken;	/* then: the frames taken, pkts[0..taken) */
};

static inline void
burst_begin(struct hn_txq *txq, struct hn_tx_burst *tb)
{
	vmbus_chan_batch_begin(txq->ch->vc, &tb->b);
	tb->sig = false;
	tb->stopped = false;
	tb->taken = 0;
}

static int stage_commit(struct hn_txq *txq, struct hn_tx_burst *tb);
static void tx_count_refused(struct hn_txq *txq, int err);

/* Staged packets into the ring, then publish and, if the ring rules say
 * so, signal: the host can act on what the burst sent so far. Done at the
 * end of the burst and before this lcore waits for completions; the burst
 * goes on afterwards unless the staged packets did not all go. */
static inline void
burst_flush(struct hn_txq *txq, struct hn_tx_burst *tb)
{
	int ret;

	stage_commit(txq, tb);
	/* publishing fails only when the write index was scribbled over or
	 * another writer never published: what the burst sent is stuck */
	ret = vmbus_chan_batch_end(&tb->b, &tb->sig);
	if (unlikely(ret < 0))
		tx_count_refused(txq, ret);
	if (tb->sig)
		vmbus_chan_signal(txq->ch->vc);
	tb->sig = false;
}

static inline uint8_t *
section_of(const struct hn_txq *txq, uint32_t idx)
{
	return txq->sections + (size_t)idx * txq->section_size;
}

/* ---- descriptors -------------------------------------------------------- */

/*
 * Who owns a descriptor while it is posted: its tag, one word changed by
 * compare-and-swap. The TX lcore posts it (new generation, POSTED) before
 * the send, since the host may complete it as soon as the packet is
 * visible (a receive completion written by another lcore publishes the
 * packets before it). A completion takes it (POSTED -> not) only when its
 * id carries that generation. A send that fails is taken back the same
 * way, and one of the two wins: when the completion did (the host cannot
 * have seen the packet: the id was forged), the frames went with it, and
 * the burst counts them lost instead of handing them back to the caller.
 */
static inline uint64_t
txd_post(struct hn_txd *d, uint32_t idx)
{
	uint32_t gen = ((__atomic_load_n(&d->tag, __ATOMIC_RELAXED) >> 1) + 1) & HN_TXD_GEN_MASK;

	if (gen == 0)
		gen = 1;	/* an index alone never names a send */
	__atomic_store_n(&d->tag, gen << 1 | HN_TXD_POSTED, __ATOMIC_RELEASE);
	return (uint64_t)gen << HN_XID_TX_IDX_BITS | idx;
}

static inline uint32_t
txd_posted_tag(uint64_t xid)
{
	return (uint32_t)(xid >> HN_XID_TX_IDX_BITS) << 1 | HN_TXD_POSTED;
}

/* The send of xid failed: true when d is the TX lcore's again, false when
 * a completion took it first. */
static inline bool
txd_revoke(struct hn_txd *d, uint64_t xid)
{
	uint32_t posted = txd_posted_tag(xid);

	return __atomic_compare_exchange_n(&d->tag, &posted, posted & ~HN_TXD_POSTED, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline unsigned int
stash_fill(struct hn_txq *txq)
{
	txq->stash_n = rte_ring_sc_dequeue_burst_elem(txq->free_idx, txq->stash,
						      sizeof(uint32_t), HN_TX_IDX_BATCH, NULL);
	return txq->stash_n;
}

/* A free descriptor: taken from the free ring a batch at a time. */
static inline int
txd_get(struct hn_txq *txq, struct hn_tx_burst *tb, uint32_t *idx)
{
	if (unlikely(txq->stash_n == 0 && stash_fill(txq) == 0)) {
		/* none free: collect completions (frames met on the way are
		 * parked). The host completes only what it can see, and the
		 * drain writes receive completions to this ring itself. */
		burst_flush(txq, tb);
		if (tb->stopped)
			return -1;
		hn_chan_drain_for_tx(txq);
		if (stash_fill(txq) == 0)
			return -1;
	}
	*idx = txq->stash[--txq->stash_n];
	return 0;
}

static inline uint32_t
txd_free_count(const struct hn_txq *txq)
{
	return txq->stash_n + rte_ring_count(txq->free_idx);
}

/*
 * A burst of frames sent by address starts only when descriptors for a
 * batch of them are free. When the host is the bottleneck, completions
 * come back one or two at a time; sending as each arrives would pay a
 * burst's whole overhead (drain, index update, signal check) for one or
 * two frames. Waiting for a batch sends in batches, as NIC drivers do
 * with tx_free_thresh. At most half the descriptors are asked for, so a
 * small queue, or one whose section is still waiting for ring room, is
 * never refused for good. Frames that are copied share sections, so one
 * free descriptor is enough for them.
 */
static bool
tx_room(struct hn_txq *txq, struct hn_tx_burst *tb, struct rte_mbuf *first, uint16_t n)
{
	uint32_t need = 1;

	if (first->pkt_len > txq->copybreak)
		need = RTE_MAX(RTE_MIN(RTE_MIN((uint32_t)n, HN_TX_IDX_BATCH), txq->ndesc / 2),
			       1u);
	if (likely(txd_free_count(txq) >= need))
		return true;
	burst_flush(txq, tb);
	hn_chan_drain_for_tx(txq);
	return txd_free_count(txq) >= need;
}

/*
 * Sent mbufs back to their pool. With MBUF_FAST_FREE the application
 * promised one pool per queue and no other reference: a run of plain
 * one-segment mbufs goes back with one mempool put, without looking at
 * reference counts. A chain, or a frame attached to another buffer (its
 * free callback must run: an attached RX frame returns receive slots to
 * the host), takes the full path.
 */
static void
tx_free(const struct hn_txq *txq, struct rte_mbuf **m, uint32_t n)
{
	uint32_t i;

	if (!(txq->offloads & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)) {
		rte_pktmbuf_free_bulk(m, n);
		return;
	}
	for (i = 0; i < n; i++)
		if (unlikely(m[i]->nb_segs != 1 || (m[i]->ol_flags & RTE_MBUF_F_EXTERNAL) ||
			     m[i]->pool != m[0]->pool))
			break;
	if (i > 0)
		rte_mempool_put_bulk(m[0]->pool, (void **)m, i);
	if (i < n)
		rte_pktmbuf_free_bulk(m + i, n - i);
}

/* Completed descriptors and their mbufs go back in bulk: one ring enqueue
 * and one mempool put per batch instead of one per send. */
static void
txq_done_flush(struct hn_txq *txq)
{
	if (txq->done_mbufs > 0) {
		tx_free(txq, txq->done_m, txq->done_mbufs);
		txq->done_mbufs = 0;
	}
	if (txq->done_n > 0) {
		/* cannot fail: the ring holds every descriptor */
		rte_ring_sp_enqueue_bulk_elem(txq->free_idx, txq->done_idx, sizeof(uint32_t),
					      txq->done_n, NULL);
		txq->done_n = 0;
	}
}

/* The drainer is done with the channel: nothing stays in the batch. */
void
hn_tx_complete_flush(struct hn_chan *ch)
{
	if (ch->txq != NULL)
		txq_done_flush(ch->txq);
}

/*
 * Called by the channel's drainer for every data send completion. Only
 * the id of a send in flight frees anything: an index out of range or
 * never posted, a duplicate, an old or future generation (a forged id or
 * one from before a failed send) are counted and dropped.
 */
void
hn_tx_complete(struct hn_chan *ch, uint64_t xid, uint32_t status)
{
	struct hn_txq *txq = ch->txq;
	uint32_t idx = (uint32_t)(xid & (RTE_BIT64(HN_XID_TX_IDX_BITS) - 1));
	uint64_t gen = xid >> HN_XID_TX_IDX_BITS;
	uint32_t posted;
	struct hn_txd *d;

	if (unlikely(txq == NULL || idx >= txq->ndesc || gen == 0 || gen > HN_TXD_GEN_MASK)) {
		ch->bad_completions++;
		return;
	}
	d = &txq->txd[idx];
	posted = txd_posted_tag(xid);
	if (unlikely(!__atomic_compare_exchange_n(&d->tag, &posted, posted & ~HN_TXD_POSTED,
						  false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))) {
		ch->bad_completions++;
		return;
	}
	if (status != HV_NVSP_STATUS_SUCCESS)
		ch->tx_host_failed += d->npkts;
	/* read by tx_done_cleanup from any thread */
	__atomic_store_n(&txq->done_pkts, txq->done_pkts + d->npkts, __ATOMIC_RELAXED);
	if (d->m != NULL) {
		txq->done_m[txq->done_mbufs++] = d->m;
		d->m = NULL;
	}
	d->npkts = 0;
	txq->done_idx[txq->done_n++] = idx;
	/* both batches fill at the same pace at most: one check covers them */
	if (txq->done_n == HN_TX_IDX_BATCH)
		txq_done_flush(txq);
}

unsigned int
hn_txq_inflight(const struct hn_txq *txq)
{
	return txq->ndesc - rte_ring_count(txq->free_idx) - txq->stash_n - (txq->agg_idx >= 0);
}

/*
 * The ethdev reading: offset 0 is where the next send goes, and the sends
 * in flight are the last places from there (ndesc - 1 is the oldest when
 * the queue is full). The bundled PMD answers the other way round (FULL
 * from offset 0 while anything is in flight).
 */
int
hn_tx_descriptor_status(void *q, uint16_t offset)
{
	const struct hn_txq *txq = q;

	if (offset >= txq->nb_desc)
		return -EINVAL;
	if (offset >= txq->ndesc)
		return RTE_ETH_TX_DESC_UNAVAIL;
	/* a section still being filled (or refused by the ring) holds its
	 * descriptor and frames too */
	return offset >= txq->ndesc - hn_txq_inflight(txq) - (txq->agg_idx >= 0) ?
	       RTE_ETH_TX_DESC_FULL : RTE_ETH_TX_DESC_DONE;
}

/* ---- RNDIS header ------------------------------------------------------- */

static inline uint8_t *
put_ppi(uint8_t *p, uint32_t type, uint32_t value)
{
	return p + hv_rndis_ppi_put_u32(p, type, value);
}

/* Checksum or LSOv2 request, from the mbuf's offload flags. */
static inline uint8_t *
put_offload_ppi(uint8_t *p, const struct rte_mbuf *m)
{
	uint64_t fl = m->ol_flags;
	uint32_t l4off = m->l2_len + m->l3_len;
	uint32_t v;

	if (fl & RTE_MBUF_F_TX_TCP_SEG) {
		v = HV_RNDIS_LSO2_TYPE_V2 | HV_RNDIS_LSO2_MSS(m->tso_segsz) |
		    HV_RNDIS_LSO2_THOFF(l4off);
		if (fl & RTE_MBUF_F_TX_IPV6)
			v |= HV_RNDIS_LSO2_IPV6;
		return put_ppi(p, HV_RNDIS_PPI_LSO, v);
	}
	if (!(fl & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK)))
		return p;
	v = (fl & RTE_MBUF_F_TX_IPV6) ? HV_RNDIS_TXCSUM_IPV6 : HV_RNDIS_TXCSUM_IPV4;
	if (fl & RTE_MBUF_F_TX_IP_CKSUM)
		v |= HV_RNDIS_TXCSUM_IP;
	switch (fl & RTE_MBUF_F_TX_L4_MASK) {
	case RTE_MBUF_F_TX_TCP_CKSUM:
		v |= HV_RNDIS_TXCSUM_TCP | HV_RNDIS_TXCSUM_HDROFF(l4off);
		break;
	case RTE_MBUF_F_TX_UDP_CKSUM:
		v |= HV_RNDIS_TXCSUM_UDP | HV_RNDIS_TXCSUM_HDROFF(l4off);
		break;
	default:
		break;
	}
	return put_ppi(p, HV_RNDIS_PPI_CSUM, v);
}

/* Write PACKET_MSG + PPIs for m at dst; returns the header length. */
static inline uint32_t
build_rndis(const struct hn_txq *txq, uint8_t *dst, const struct rte_mbuf *m)
{
	struct hv_rndis_packet_msg *h = (struct hv_rndis_packet_msg *)dst;
	uint8_t *ppi = dst + sizeof(*h);
	uint8_t *p = ppi;
	uint32_t ppi_len;

	/* the queue index, so a host completes on this queue's channel */
	p = put_ppi(p, HV_RNDIS_PPI_HASHVAL, txq->queue_id);
	if (m->ol_flags & RTE_MBUF_F_TX_VLAN)
		p = put_ppi(p, HV_RNDIS_PPI_VLAN, HV_RNDIS_VLAN_FROM_TCI(m->vlan_tci));
	p = put_offload_ppi(p, m);
	ppi_len = (uint32_t)(p - ppi);
	h->type = HV_RNDIS_PACKET_MSG;
	h->len = (uint32_t)sizeof(*h) + ppi_len + m->pkt_len;
	h->data_offset = HV_RNDIS_PACKET_MSG_OFFSET_MIN + ppi_len;
	h->data_len = m->pkt_len;
	h->oob_data_offset = 0;
	h->oob_data_len = 0;
	h->oob_num_elements = 0;
	h->ppi_offset = HV_RNDIS_PACKET_MSG_OFFSET_MIN;
	h->ppi_len = ppi_len;
	h->vc_handle = 0;
	h->reserved = 0;
	return (uint32_t)sizeof(*h) + ppi_len;
}

/* ---- send-buffer aggregation ------------------------------------------- */

/* An inband NVSP packet as the ring takes it: one write, no pieces. */
struct hn_inband_pkt {
	struct hv_pkt_desc desc;
	union hv_nvsp_msg nv;
} __attribute__((packed));

static_assert(sizeof(struct hn_inband_pkt) % 8 == 0, "an inband packet needs no padding");

static int
agg_flush(struct hn_txq *txq, struct hn_tx_burst *tb)
{
	struct hn_inband_pkt p;
	struct hn_txd *d;
	uint64_t xid;
	int ret;

	if (txq->agg_idx < 0)
		return 0;
	d = &txq->txd[txq->agg_idx];
	hn_nvsp_build_rndis_pkt(&p.nv, HV_NVSP_CHAN_DATA,
				txq->first_section + (uint32_t)txq->agg_idx, txq->agg_used);
	d->npkts = txq->agg_pkts;
	xid = txd_post(d, (uint32_t)txq->agg_idx);
	p.desc = (struct hv_pkt_desc){
		.type = HV_PKT_DATA_INBAND,
		.offset8 = sizeof(p.desc) / 8,
		.len8 = sizeof(p) / 8,
		.flags = HV_PKT_FLAG_COMPLETION_REQUESTED,
		.trans_id = xid,
	};
	ret = vmbus_chan_batch_send_pkt(&tb->b, &p, sizeof(p), &tb->sig);
	if (unlikely(ret < 0)) {
		/* not sent: stays pending, retried by the next burst */
		if (txd_revoke(d, xid))
			return ret;
		/* a forged completion freed the descriptor: its frames are lost */
		txq->stats.forged_completions++;
		txq->stats.errors += txq->agg_pkts;
	}
	txq->agg_idx = -1;
	return 0;
}

/*
 * A send the ring refused: no room (-EAGAIN), or a ring whose indices make
 * no sense (-EIO: the host wrote them, or a send waited past its deadline
 * for another writer to publish). The second is logged once a queue, so
 * that a queue which only ever reports ring_full is not taken for one
 * whose host is slow.
 */
static void
tx_count_refused(struct hn_txq *txq, int err)
{
	if (likely(err != -EIO)) {
		txq->stats.ring_full++;
		return;
	}
	txq->stats.ring_broken++;
	if (!txq->ring_broken_said) {
		txq->ring_broken_said = true;
		PMD_DRV_LOG(ERR, "port %u TX queue %u: the send ring's indices make no sense "
			    "(written by the host, or a send never published); sends on the "
			    "queue are refused (xstat tx_q%u_broken_ring_errors counts them)",
			    txq->port_id, txq->queue_id, txq->queue_id);
	}
}

/* The section being filled, if there is one, into the ring; a refusal
 * is counted, and the section stays for the next try. */
static inline int
agg_flush_pending(struct hn_txq *txq, struct hn_tx_burst *tb)
{
	int ret;

	if (txq->agg_idx < 0)
		return 0;
	ret = agg_flush(txq, tb);
	if (unlikely(ret < 0))
		tx_count_refused(txq, ret);
	return ret;
}

/* Room for `need` bytes in the section being filled, or in a new one.
 * Inline in the copy path, whatever the rare callers (tx_copy_untagged). */
static __rte_always_inline uint8_t *
agg_reserve(struct hn_txq *txq, uint32_t need, struct hn_tx_burst *tb)
{
	uint8_t *sec;
	uint32_t idx;

	if (txq->agg_idx >= 0) {
		uint32_t used = RTE_ALIGN_CEIL(txq->agg_used, txq->agg_align);

		if (txq->agg_pkts < txq->agg_max_pkts && used + need <= txq->agg_max_bytes) {
			sec = section_of(txq, (uint32_t)txq->agg_idx);
			if (used != txq->agg_used) {
				/* the previous message's len covers its padding */
				struct hv_rndis_packet_msg *last = (void *)txq->agg_last;

				memset(sec + txq->agg_used, 0, used - txq->agg_used);
				last->len += used - txq->agg_used;
				txq->agg_used = used;
			}
			return sec + used;
		}
		if (agg_flush_pending(txq, tb) < 0)
			return NULL;
	}
	if (txd_get(txq, tb, &idx) < 0) {
		txq->stats.no_desc++;
		return NULL;
	}
	txq->agg_idx = (int32_t)idx;
	txq->agg_used = 0;
	txq->agg_pkts = 0;
	return section_of(txq, idx);
}

/* A frame of len bytes (header included) went into the section at dst. */
static inline void
agg_add(struct hn_txq *txq, uint8_t *dst, uint32_t len)
{
	txq->agg_last = dst;
	txq->agg_used += len;
	txq->agg_pkts++;
	txq->stats.copied++;
}

/* Copy m (header first) into the send buffer. */
static int
tx_copy(struct hn_txq *txq, struct rte_mbuf *m, struct hn_tx_burst *tb)
{
	uint8_t *dst = agg_reserve(txq, HN_TX_RNDIS_MAX + m->pkt_len, tb);
	uint32_t hlen, off;
	const struct rte_mbuf *seg;

	if (dst == NULL)
		return -EAGAIN;
	hlen = build_rndis(txq, dst, m);
	off = hlen;
	for (seg = m; seg != NULL; seg = seg->next) {
		hn_copy(dst + off, rte_pktmbuf_mtod(seg, void *), seg->data_len);
		off += seg->data_len;
	}
	agg_add(txq, dst, off);
	return 0;
}

/*
 * A frame whose tag cannot be stripped in place (tx_tag_shared): the host
 * is told what sh, its header as if stripped, says, and the copy leaves
 * out the tag's 4 bytes (the first segment holds it whole).
 */
static __rte_noinline int
tx_copy_untagged(struct hn_txq *txq, const struct rte_mbuf *m, const struct rte_mbuf *sh,
		 struct hn_tx_burst *tb)
{
	const uint32_t macs = 2 * RTE_ETHER_ADDR_LEN, skip = macs + RTE_VLAN_HLEN;
	uint8_t *dst = agg_reserve(txq, HN_TX_RNDIS_MAX + sh->pkt_len, tb);
	const struct rte_mbuf *seg;
	uint32_t off;

	if (dst == NULL)
		return -EAGAIN;
	/* a rare path: the C library's copy, not the inline one of tx_copy */
	off = build_rndis(txq, dst, sh);
	memcpy(dst + off, rte_pktmbuf_mtod(m, void *), macs);
	memcpy(dst + off + macs, rte_pktmbuf_mtod_offset(m, void *, skip), m->data_len - skip);
	off += m->data_len - RTE_VLAN_HLEN;
	for (seg = m->next; seg != NULL; seg = seg->next) {
		memcpy(dst + off, rte_pktmbuf_mtod(seg, void *), seg->data_len);
		off += seg->data_len;
	}
	agg_add(txq, dst, off);
	return 0;
}

/*
 * A GPA send's ranges (§B.4), as the wire has them: per range, one word
 * {byte_count, byte_offset} and the PFNs of the pages it covers. Words 0
 * and 1 are kept for the RNDIS header's range; m's data follows. A range
 * covers a run of IOVA-contiguous bytes, so a segment that crosses pages is
 * one range, not one per page, and segments that follow each other in
 * memory share one: a 62 KB TSO packet in 2 KiB mbufs is 31 ranges, where
 * one range per page made it more than 45, past the host's 32.
 */
#define HN_TX_GPA_HDR_WORDS	2u
/* a word and a PFN per range, and 64 PFNs more (256 KiB of pages beyond
 * each range's first): more than any TSO packet needs */
#define HN_TX_GPA_WORDS		(HN_TX_GPA_HDR_WORDS + HV_GPA_RANGES_MAX * 2u + 64u)

struct hn_gpa_list {
	uint32_t nranges;	/* of m's data */
	uint32_t nwords;	/* w[] used, header words included */
	uint64_t w[HN_TX_GPA_WORDS];
};
static_assert(sizeof(union hv_nvsp_msg) == HV_NVSP_MSG_SIZE && HV_NVSP_MSG_SIZE % 8 == 0,
	      "the NVSP message ends a packet on a word");
static_assert(sizeof(struct hv_gpa_direct_hdr) + HN_TX_GPA_WORDS * 8u + HV_NVSP_MSG_SIZE +
	      HV_RING_TRAILER_SIZE <= HN_TX_STAGE_BYTES, "the largest GPA packet fits the stage");

static inline uint64_t
gpa_range_word(uint32_t byte_count, uint32_t byte_offset)
{
	return rte_cpu_to_le_64((uint64_t)byte_offset << 32 | byte_count);
}

/* The PFNs of pages first..last (none when last < first) onto the list;
 * false when they do not fit. */
static inline bool
gpa_put_pfns(struct hn_gpa_list *g, uint64_t first, uint64_t last)
{
	if (last < first)
		return true;
	if (unlikely(last - first >= HN_TX_GPA_WORDS - g->nwords))
		return false;
	for (; first <= last; first++)
		g->w[g->nwords++] = rte_cpu_to_le_64(first);
	return true;
}

/* The common frame, one segment: one range, its pages, no loop over
 * segments. A segment spans at most two pages unless it is a large TSO
 * frame, which the loop below covers as well. */
static inline bool
gpa_one_range(const struct rte_mbuf *m, struct hn_gpa_list *g)
{
	rte_iova_t iova = rte_mbuf_data_iova(m);
	uint64_t first = iova >> HV_PAGE_SHIFT;
	uint64_t last = (iova + m->data_len - 1) >> HV_PAGE_SHIFT;

	g->w[HN_TX_GPA_HDR_WORDS] = gpa_range_word(m->data_len, (uint32_t)(iova & HV_PAGE_MASK));
	g->w[HN_TX_GPA_HDR_WORDS + 1] = rte_cpu_to_le_64(first);
	g->w[HN_TX_GPA_HDR_WORDS + 2] = rte_cpu_to_le_64(first + 1);
	g->nranges = 1;
	g->nwords = HN_TX_GPA_HDR_WORDS + 2 + (uint32_t)(last - first);
	return true;
}

/*
 * m's data as at most `max` ranges after the header words of g; false when
 * it needs more (ranges or PFN words), or holds a frame received in place
 * in a session that is over (then copied, as any frame that cannot go by
 * address).
 */
static bool
gpa_ranges(const struct rte_mbuf *m, struct hn_gpa_list *g, unsigned int max)
{
	rte_iova_t end = RTE_BAD_IOVA;	/* just past the open range */
	uint32_t open = 0, off = 0, cnt = 0;	/* its word, offset, bytes */

	if (likely(m->next == NULL && m->data_len > 0 &&
		   ((rte_mbuf_data_iova(m) & HV_PAGE_MASK) + m->data_len <= 2 * HV_PAGE_SIZE) &&
		   hn_rx_ext_current(m)))
		return gpa_one_range(m, g);
	g->nranges = 0;
	g->nwords = HN_TX_GPA_HDR_WORDS;
	for (; m != NULL; m = m->next) {
		rte_iova_t iova = rte_mbuf_data_iova(m);
		uint32_t len = m->data_len;

		if (unlikely(len == 0))
			continue;
		if (unlikely(!hn_rx_ext_current(m)))
			return false;
		if (iova == end) {
			/* continues the open range: only its new pages */
			if (!gpa_put_pfns(g, ((end - 1) >> HV_PAGE_SHIFT) + 1,
					  (iova + len - 1) >> HV_PAGE_SHIFT))
				return false;
			cnt += len;
		} else {
			if (g->nranges > 0)
				g->w[open] = gpa_range_word(cnt, off);
			if (unlikely(g->nranges == max || g->nwords == HN_TX_GPA_WORDS))
				return false;
			open = g->nwords++;
			g->nranges++;
			off = (uint32_t)(iova & HV_PAGE_MASK);
			cnt = len;
			if (!gpa_put_pfns(g, iova >> HV_PAGE_SHIFT,
					  (iova + len - 1) >> HV_PAGE_SHIFT))
				return false;
		}
		end = iova + len;
	}
	if (g->nranges == 0)
		return false;
	g->w[open] = gpa_range_word(cnt, off);
	return true;
}

/* The GPA packet of words w[first..nwords) of g: its length in the ring. */
static inline uint32_t
gpa_pkt_len(const struct hn_gpa_list *g, uint32_t first)
{
	return (uint32_t)sizeof(struct hv_gpa_direct_hdr) + (g->nwords - first) * 8u +
	       HV_NVSP_MSG_SIZE;
}

/*
 * Stage the GPA packet of words w[first..nwords) of g, their nranges
 * ranges and nv: its header, the words and the message, written straight
 * into the stage in ring format.
 */
static void
gpa_stage(struct hn_txq *txq, const struct hn_gpa_list *g, uint32_t first, uint32_t nranges,
	  const union hv_nvsp_msg *nv, uint32_t idx, uint64_t xid, struct hn_tx_tally tally,
	  uint16_t pos)
{
	struct hn_tx_stage *st = &txq->stage;
	uint32_t len = gpa_pkt_len(g, first);
	uint32_t hdrlen = len - (uint32_t)sizeof(*nv);
	struct hv_gpa_direct_hdr h = {
		.desc = {
			.type = HV_PKT_DATA_GPA_DIRECT,
			.offset8 = (uint16_t)(hdrlen / 8),
			.len8 = (uint16_t)(len / 8),
			.flags = HV_PKT_FLAG_COMPLETION_REQUESTED,
			.trans_id = xid,
		},
		.range_count = nranges,
	};
	uint8_t *pkt = st->buf + st->bytes;
	uint32_t k = st->n++;

	memcpy(pkt, &h, sizeof(h));
	memcpy(pkt + sizeof(h), g->w + first, hdrlen - sizeof(h));
	memcpy(pkt + hdrlen, nv, sizeof(*nv));
	if (k == 0)
		st->first = pos;
	st->bytes += len + HV_RING_TRAILER_SIZE;
	st->ends[k] = st->bytes;
	st->idx[k] = idx;
	st->xid[k] = xid;
	st->tally[k] = tally;
}

/* Room among the staged packets for one of len bytes: when there is none,
 * those staged go first. False when they did not all go. */
static inline bool
stage_room(struct hn_txq *txq, struct hn_tx_burst *tb, uint32_t len)
{
	const struct hn_tx_stage *st = &txq->stage;

	if (likely(st->n < HN_TX_STAGE_PKTS &&
		   st->bytes + len + HV_RING_TRAILER_SIZE <= HN_TX_STAGE_BYTES))
		return true;
	return stage_commit(txq, tb) == 0;
}

/*
 * m's RNDIS header into its descriptor's slot, stored only where it
 * differs from what the slot holds. The host read the slot at the
 * descriptor's last send, so a store has to take the line back from the
 * host's cache; frames of one stream (one size, the same offloads) have
 * the same header every time, and then the slot is only read.
 */
static inline uint32_t
hdr_slot_put(const struct hn_txq *txq, uint8_t *slot, const struct rte_mbuf *m)
{
	uint8_t hdr[HN_TX_RNDIS_MAX] __rte_aligned(8);
	uint32_t hlen = build_rndis(txq, hdr, m);

	if (memcmp(slot, hdr, hlen) != 0)
		memcpy(slot, hdr, hlen);
	return hlen;
}

/*
 * Stage m as a GPA packet (it goes with the others at stage_commit());
 * -EAGAIN when no descriptor, no room, or the burst has ended.
 * The RNDIS header is one range of its own, in the descriptor's header
 * slot (never across a page: the host wants it in one range). Data that
 * takes all 32 ranges leaves none for it: then the header goes in the
 * descriptor's send-buffer section instead, and the host reads the section
 * bytes first and the ranges after them, as it does for Linux's partial
 * copies (§F.7; OpenVMM's netvsp and hvsim the same).
 */
static int
tx_gpa(struct hn_txq *txq, struct rte_mbuf *m, struct hn_gpa_list *g, struct hn_tx_burst *tb,
       struct hn_tx_tally tally, uint16_t pos)
{
	uint32_t idx, hlen, first = 0, nranges = g->nranges;
	uint32_t chim_idx = HV_NVSP_CHIM_IDX_INVALID, chim_sz = 0;
	union hv_nvsp_msg nv;
	struct hn_txd *d;
	uint64_t xid;

	/* frames leave in order: the section being filled goes first */
	if (agg_flush_pending(txq, tb) < 0)
		return -EAGAIN;
	if (unlikely(nranges >= HV_GPA_RANGES_MAX))
		first = HN_TX_GPA_HDR_WORDS;
	if (!stage_room(txq, tb, gpa_pkt_len(g, first)))
		return -EAGAIN;
	if (txd_get(txq, tb, &idx) < 0) {
		if (!tb->stopped)	/* else the stage's ring_full said why */
			txq->stats.no_desc++;
		return -EAGAIN;
	}
	if (likely(first == 0)) {
		rte_iova_t hiova = txq->hdr_iova + (size_t)idx * HN_TX_HDR_SIZE;

		hlen = hdr_slot_put(txq, txq->hdr + (size_t)idx * HN_TX_HDR_SIZE, m);
		g->w[0] = gpa_range_word(hlen, (uint32_t)(hiova & HV_PAGE_MASK));
		g->w[1] = rte_cpu_to_le_64(hiova >> HV_PAGE_SHIFT);
		nranges++;
	} else {
		chim_sz = build_rndis(txq, section_of(txq, idx), m);
		chim_idx = txq->first_section + idx;
		txq->stats.gpa_section_hdr++;
	}
	hn_nvsp_build_rndis_pkt(&nv, HV_NVSP_CHAN_DATA, chim_idx, chim_sz);
	d = &txq->txd[idx];
	d->m = m;
	d->npkts = 1;
	xid = txd_post(d, idx);
	gpa_stage(txq, g, first, nranges, &nv, idx, xid, tally, pos);
	return 0;
}

/* A tag inside the frame must travel as a PPI (§F.4): one the first
 * segment holds whole, not already asked for as an offload. */
static inline bool
tx_tag_in_frame(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	return unlikely(eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN)) &&
	       !(m->ol_flags & RTE_MBUF_F_TX_VLAN) &&
	       m->data_len >= sizeof(*eh) + sizeof(struct rte_vlan_hdr);
}

/* Stripping moves the MACs inside the data and changes the header: not
 * for a frame others hold too (a clone, an mbuf with more references, a
 * buffer attached from elsewhere). */
static inline bool
tx_tag_shared(const struct rte_mbuf *m)
{
	return !RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1;
}

/* The flags and lengths of a frame whose tag moved into a PPI. */
static inline void
tx_tag_moved(struct rte_mbuf *m, uint16_t tci)
{
	m->vlan_tci = tci;
	m->ol_flags &= ~(RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED);
	m->ol_flags |= RTE_MBUF_F_TX_VLAN;
	if (m->l2_len >= sizeof(struct rte_ether_hdr) + sizeof(struct rte_vlan_hdr))
		m->l2_len -= sizeof(struct rte_vlan_hdr);
}

/* *sh: m's header as if its tag (inside the frame) were stripped. */
static inline void
tx_untagged_view(const struct rte_mbuf *m, struct rte_mbuf *sh)
{
	const struct rte_vlan_hdr *vh =
		rte_pktmbuf_mtod_offset(m, const struct rte_vlan_hdr *, sizeof(struct rte_ether_hdr));

	*sh = *m;
	sh->pkt_len -= sizeof(*vh);
	sh->data_len -= sizeof(*vh);
	tx_tag_moved(sh, rte_be_to_cpu_16(vh->vlan_tci));
}

/* A frame with its tag inside, only ours: stripped in place. */
static inline void
tx_untag(struct rte_mbuf *m)
{
	if (rte_vlan_strip(m) == 0)
		tx_tag_moved(m, m->vlan_tci);
}

/*
 * A TSO request the host accepts (§F.4, and the limits it advertised in
 * its LSOv2 capabilities): TCP over the IP version named, that version
 * offered, a payload within its maximum size that makes at least its
 * minimum number of segments, and segments that fit the MTU.
 */
static bool
tx_tso_ok(const struct hn_txq *txq, const struct rte_mbuf *m)
{
	bool v6 = m->ol_flags & RTE_MBUF_F_TX_IPV6;
	uint32_t max = v6 ? txq->lso6_max : txq->lso4_max;
	uint32_t hdr = m->l2_len + m->l3_len + m->l4_len;
	uint32_t mss = m->tso_segsz, payload;

	if (!(txq->offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO) || max == 0 || mss == 0 ||
	    m->l4_len < sizeof(struct rte_tcp_hdr) ||
	    (!v6 && !(m->ol_flags & RTE_MBUF_F_TX_IPV4)) || hdr >= m->pkt_len ||
	    m->l2_len + m->l3_len > (HV_RNDIS_LSO2_THOFF_MASK >> HV_RNDIS_LSO2_THOFF_SHIFT))
		return false;
	payload = m->pkt_len - hdr;
	return payload <= max && (payload + mss - 1) / mss >= txq->lso_minsegs &&
	       hdr + RTE_MIN(mss, payload) <= txq->max_frame;
}

enum hn_tx_verdict { HN_TX_OK, HN_TX_TOO_LONG, HN_TX_BAD_TSO, HN_TX_BAD_OFFLOAD };

/* A checksum request asks only for what the port enabled. */
static enum hn_tx_verdict
tx_offload_check(const struct hn_txq *txq, const struct rte_mbuf *m)
{
	uint64_t fl = m->ol_flags;

	if (fl & RTE_MBUF_F_TX_TCP_SEG)
		return tx_tso_ok(txq, m) ? HN_TX_OK : HN_TX_BAD_TSO;
	/* the offload parameters turn IPv6 checksums on only if offered */
	if (((fl & RTE_MBUF_F_TX_IPV6) && (fl & RTE_MBUF_F_TX_L4_MASK) && !txq->csum6) ||
	    ((fl & RTE_MBUF_F_TX_IP_CKSUM) &&
	     !(txq->offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)) ||
	    ((fl & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM &&
	     !(txq->offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM)) ||
	    ((fl & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_UDP_CKSUM &&
	     !(txq->offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM)) ||
	    (fl & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_SCTP_CKSUM)
		return HN_TX_BAD_OFFLOAD;
	return m->pkt_len <= txq->max_frame ? HN_TX_OK : HN_TX_TOO_LONG;
}

/* What the host would refuse is dropped here, never sent (a strict host
 * fails the send; what others do with it is not documented). */
static inline enum hn_tx_verdict
tx_check(const struct hn_txq *txq, const struct rte_mbuf *m)
{
	if (m->ol_flags & (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IP_CKSUM |
			   RTE_MBUF_F_TX_L4_MASK))
		return tx_offload_check(txq, m);
	return likely(m->pkt_len <= txq->max_frame) ? HN_TX_OK : HN_TX_TOO_LONG;
}

static inline struct hn_tx_tally
tx_tally(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct hn_tx_tally t = {
		.len = m->pkt_len, .cast = 0, .tso = m->ol_flags & RTE_MBUF_F_TX_TCP_SEG,
	};

	if (unlikely(rte_is_multicast_ether_addr(&eh->dst_addr)))
		t.cast = rte_is_broadcast_ether_addr(&eh->dst_addr) ? 2 : 1;
	return t;
}

static inline void
tx_count(struct hn_txq *txq, struct hn_tx_tally t)
{
	txq->stats.packets++;
	txq->stats.bytes += t.len;
	txq->stats.bins[hn_size_bin(t.len)]++;
	if (t.tso)
		txq->stats.tso_packets++;
	if (unlikely(t.cast == 1))
		txq->stats.multicast++;
	else if (unlikely(t.cast == 2))
		txq->stats.broadcast++;
}

/*
 * Staged packets from..n did not go. Their descriptors go back to the
 * stash (in reverse: it is a stack, so they are reused in order), their
 * frames to the caller, except where a completion took the descriptor
 * first (a forged id: the host never saw the packet): that frame went
 * with it. The caller is told the frames up to the last such one were
 * taken; those of them that did not go are dropped and counted. Returns
 * how many staged frames count as taken.
 */
static uint32_t
stage_take_back(struct hn_txq *txq, uint32_t from, uint32_t n)
{
	struct hn_tx_stage *st = &txq->stage;
	bool revoked[HN_TX_STAGE_PKTS];
	uint32_t taken = from, i;

	for (i = from; i < n; i++) {
		revoked[i] = txd_revoke(&txq->txd[st->idx[i]], st->xid[i]);
		if (!revoked[i]) {
			txq->stats.forged_completions++;
			txq->stats.errors++;
			taken = i + 1;
		}
	}
	for (i = n; i-- > from;) {
		struct hn_txd *d = &txq->txd[st->idx[i]];

		if (!revoked[i])
			continue;
		if (i < taken) {
			rte_pktmbuf_free(d->m);
			txq->stats.errors++;
		}
		d->m = NULL;
		txq->stash[txq->stash_n++] = st->idx[i];
	}
	return taken;
}

/*
 * The staged packets into the ring, with one reservation. Those that went
 * are counted; when some did not (no room), the burst ends at the first
 * of them (tb->stopped, tb->taken) and -EAGAIN is returned.
 */
static int
stage_commit(struct hn_txq *txq, struct hn_tx_burst *tb)
{
	struct hn_tx_stage *st = &txq->stage;
	uint32_t n = st->n, sent, i;
	int ret;

	if (n == 0)
		return 0;
	ret = vmbus_chan_batch_send_staged(&tb->b, st->buf, st->ends, n, &tb->sig);
	sent = ret > 0 ? (uint32_t)ret : 0;
	for (i = 0; i < sent; i++)
		tx_count(txq, st->tally[i]);
	txq->stats.gpa += sent;
	st->n = 0;
	st->bytes = 0;
	if (likely(sent == n))
		return 0;
	tx_count_refused(txq, ret < 0 ? ret : -EAGAIN);
	tb->stopped = true;
	tb->taken = (uint16_t)(st->first + stage_take_back(txq, sent, n));
	return -EAGAIN;
}

/* Staged packets go before anything else is sent or taken. */
static inline int
stage_flush(struct hn_txq *txq, struct hn_tx_burst *tb)
{
	return likely(txq->stage.n == 0) ? 0 : stage_commit(txq, tb);
}

static void
tx_count_bad(struct hn_txq *txq, enum hn_tx_verdict verdict)
{
	if (verdict == HN_TX_BAD_TSO)
		txq->stats.tso_errors++;
	else if (verdict == HN_TX_TOO_LONG)
		txq->stats.too_long++;
	else
		txq->stats.bad_offload++;
	txq->stats.errors++;
}

/*
 * A frame others hold too, with its tag inside (tx_tag_shared): checked
 * as if stripped and copied into the send buffer without its tag. One the
 * checks refuse, or a section cannot hold, is counted and dropped (0,
 * taken). < 0: no room now, not taken. Out of line: the burst's loop stays
 * as it is without such frames.
 */
static __rte_noinline int
tx_shared_tagged(struct hn_txq *txq, struct rte_mbuf *m, struct hn_tx_burst *tb)
{
	enum hn_tx_verdict verdict;
	struct rte_mbuf sh;
	/* a frame taken at once (copied or dropped): the staged ones go first */
	int ret = stage_flush(txq, tb);

	if (ret < 0)
		return ret;
	tx_untagged_view(m, &sh);
	verdict = tx_check(txq, &sh);
	if (verdict != HN_TX_OK) {
		tx_count_bad(txq, verdict);
		return 0;
	}
	if (HN_TX_RNDIS_MAX + sh.pkt_len > txq->agg_max_bytes) {
		txq->stats.too_many_segs++;
		txq->stats.errors++;
		return 0;
	}
	ret = tx_copy_untagged(txq, m, &sh, tb);
	if (ret == 0) {
		if (sh.pkt_len > txq->copybreak)
			txq->stats.linearized++;
		tx_count(txq, tx_tally(&sh));
	}
	return ret;
}

uint16_t
hn_xmit_pkts(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct hn_txq *txq = q;
	struct rte_mbuf *done[HN_TX_FREE_BATCH];	/* copied or dropped: freed in bulk */
	struct hn_gpa_list g;
	struct hn_tx_burst tb;
	unsigned int ndone = 0;
	uint16_t i;

	if (unlikely(!txq->started) || n == 0)
		return 0;
	/* an aggregate the ring had no room for goes first: frames in order */
	if (unlikely(hn_vf_present(txq->hn)) && txq->agg_idx < 0) {
		uint16_t sent;

		if (hn_vf_tx(txq, pkts, n, &sent))
			return sent;
	}
	burst_begin(txq, &tb);
	if (unlikely(agg_flush_pending(txq, &tb) < 0)) {
		burst_flush(txq, &tb);
		return 0;
	}
	if (unlikely(!tx_room(txq, &tb, pkts[0], n))) {
		txq->stats.no_desc++;
		burst_flush(txq, &tb);
		return 0;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		enum hn_tx_verdict verdict;
		struct hn_tx_tally tally;
		bool by_gpa = false;
		int ret;

		if (unlikely(ndone == HN_TX_FREE_BATCH)) {
			/* a free callback may complete on this channel */
			burst_flush(txq, &tb);
			tx_free(txq, done, ndone);
			ndone = 0;
			if (tb.stopped)
				break;
		}

		if (tx_tag_in_frame(m)) {
			if (unlikely(tx_tag_shared(m))) {
				if (tx_shared_tagged(txq, m, &tb) < 0)
					break;
				done[ndone++] = m;
				continue;
			}
			tx_untag(m);
		}
		verdict = tx_check(txq, m);
		if (unlikely(verdict != HN_TX_OK)) {
			/* a dropped frame is taken: the staged ones before it go first */
			if (stage_flush(txq, &tb) < 0)
				break;
			tx_count_bad(txq, verdict);
			done[ndone++] = m;
			continue;
		}
		if (m->pkt_len > txq->copybreak) {
			by_gpa = gpa_ranges(m, &g, txq->gpa_ranges_max);
			if (!by_gpa && HN_TX_RNDIS_MAX + m->pkt_len > txq->agg_max_bytes) {
				if (stage_flush(txq, &tb) < 0)
					break;
				txq->stats.too_many_segs++;
				txq->stats.errors++;
				done[ndone++] = m;
				continue;
			}
		}
		tally = tx_tally(m);	/* the host may free m once it is sent */
		if (by_gpa) {
			ret = tx_gpa(txq, m, &g, &tb, tally, i);
		} else {
			/* a copied frame is taken at once: the staged ones go first */
			ret = stage_flush(txq, &tb);
			if (ret == 0)
				ret = tx_copy(txq, m, &tb);
			if (ret == 0) {
				if (m->pkt_len > txq->copybreak)
					txq->stats.linearized++;
				done[ndone++] = m;
				tx_count(txq, tally);
			}
		}
		if (unlikely(ret < 0))
			break;
	}
	(void)agg_flush_pending(txq, &tb);	/* refused: the next burst sends it */
	burst_flush(txq, &tb);
	if (ndone > 0)
		tx_free(txq, done, ndone);
	/* staged frames that did not go are the caller's again */
	return tb.stopped ? tb.taken : i;
}

/* tx_pkt_prepare: what the host cannot do is refused here, not dropped. */
uint16_t
hn_xmit_prepare(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct hn_txq *txq = q;
	uint16_t i;

	for (i = 0; i < n; i++) {
		const struct rte_mbuf *hm = pkts[i];
		struct rte_mbuf sh;

		/* checked as the burst will send it: a tag inside moves out, and
		 * a frame others hold goes copied, so it must fit a section */
		if (tx_tag_in_frame(hm)) {
			tx_untagged_view(hm, &sh);
			if (tx_tag_shared(hm) && HN_TX_RNDIS_MAX + sh.pkt_len > txq->agg_max_bytes) {
				rte_errno = EINVAL;
				return i;
			}
			hm = &sh;
		}
		if (tx_check(txq, hm) != HN_TX_OK) {
			rte_errno = EINVAL;
			return i;
		}
	}
	return n;
}

/* dev_start: this queue's sections and a full free list. */
int
hn_txq_bind(struct hn_dev *hn, struct hn_txq *txq, uint32_t nb_txq)
{
	uint32_t share = (hn->chim_count - 1) / nb_txq;	/* last one: control */
	uint32_t i;

	txq->ndesc = RTE_MIN((uint32_t)txq->nb_desc, share);
	if (txq->ndesc == 0) {
		PMD_DRV_LOG(ERR, "port %u: no send-buffer section left for TX queue %u",
			    hn->port_id, txq->queue_id);
		return -ENOSPC;
	}
	txq->first_section = txq->queue_id * share;
	txq->section_size = hn->chim_section_size;
	txq->sections = hn->chim + (size_t)txq->first_section * hn->chim_section_size;
	txq->agg_max_bytes = RTE_MIN(hn->chim_section_size, hn->agg_max_bytes);
	/* the host may give sections smaller than a header with its PPIs
	 * (68 B is valid): data then keeps a range free for the header slot */
	txq->gpa_ranges_max = txq->section_size >= HN_TX_RNDIS_MAX ? HV_GPA_RANGES_MAX :
				HV_GPA_RANGES_MAX - 1;
	txq->agg_max_pkts = hn->agg_max_pkts;
	txq->agg_align = hn->agg_align;
	/* a section (or the host's transfer size) too small for an RNDIS
	 * header and a frame: nothing is copied, every frame goes by address
	 * (the subtraction would wrap and copies run past the section) */
	txq->copybreak = txq->agg_max_bytes >= HN_TX_RNDIS_MAX + RTE_ETHER_MIN_LEN ?
			 RTE_MIN(hn->args.tx_copybreak,
				 txq->agg_max_bytes - (uint32_t)HN_TX_RNDIS_MAX) : 0;
	txq->lso4_max = hn->lso4_max;
	txq->lso6_max = hn->lso6_max;
	txq->lso_minsegs = hn->lso_minsegs;
	txq->csum6 = hn->csum_tx6 != 0;
	txq->max_frame = hn->mtu + RTE_ETHER_HDR_LEN;
	txq->agg_idx = -1;
	txq->stash_n = 0;
	txq->stage.n = 0;
	txq->stage.bytes = 0;
	txq->done_n = 0;
	txq->done_mbufs = 0;
	rte_ring_reset(txq->free_idx);
	for (i = 0; i < txq->ndesc; i++) {
		txq->txd[i].m = NULL;
		txq->txd[i].npkts = 0;
		/* the generation goes on: a completion from before is stale */
		txq->txd[i].tag &= ~HN_TXD_POSTED;
		rte_ring_sp_enqueue_elem(txq->free_idx, &i, sizeof(i));
	}
	return 0;
}

/* After dev_stop's drain: what the host never completed is given up.
 * The host may still read what it was sent by address: a frame received
 * in place keeps its slot from the host. */
void
hn_txq_reclaim_all(struct hn_txq *txq)
{
	uint32_t i;

	for (i = 0; i < txq->ndesc; i++) {
		struct hn_txd *d = &txq->txd[i];

		if (d->m != NULL) {
			hn_rx_ext_abandon(d->m);
			rte_pktmbuf_free(d->m);
		}
		d->m = NULL;
		d->tag &= ~HN_TXD_POSTED;
	}
	txq->agg_idx = -1;
}

/*
 * Send what is being aggregated and take the completions the host has
 * given. Returns the frames whose sends completed meanwhile (ethdev counts
 * packets, and an aggregated send holds several), whoever took their
 * completions; free_cnt is not a limit here: a completion frees what it
 * frees, and holding some back would only delay them.
 */
int
hn_tx_done_cleanup(void *q, uint32_t free_cnt)
{
	struct hn_txq *txq = q;
	uint64_t before = __atomic_load_n(&txq->done_pkts, __ATOMIC_RELAXED), after;
	struct hn_tx_burst tb;

	RTE_SET_USED(free_cnt);
	if (txq->agg_idx >= 0) {
		burst_begin(txq, &tb);
		/* not counted when refused: the stop's drain retries this
		 * every 100 us; the burst that could not send it counted it */
		(void)agg_flush(txq, &tb);
		burst_flush(txq, &tb);
	}
	hn_chan_drain_for_tx(txq);
	after = __atomic_load_n(&txq->done_pkts, __ATOMIC_RELAXED);
	return (int)RTE_MIN(after - before, (uint64_t)INT32_MAX);
}
