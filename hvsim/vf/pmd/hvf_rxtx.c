/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The fast paths. One ring record is one frame (vf_shm.h): descriptor,
 * struct hvsim_vf_pkt, frame bytes. RX copies each frame out of the ring
 * into mbufs and gives the ring space back once per burst; TX copies each
 * mbuf chain into one record and publishes once per burst. No locks, no
 * allocation but mbufs, no events (the alarm does those).
 *
 * Everything read from a ring is read once and checked: hv_ring_peek()
 * vouches for the descriptor, the frame header is copied out before it is
 * looked at, and a bad record is counted and skipped by its length. A ring
 * whose indices are corrupt cannot be skipped: the queue stops for good.
 */

#include <errno.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_net.h>

#include "hvf.h"

/* ---- queue start -------------------------------------------------------- */

static int
ring_attach(struct hvf_adapter *hvf, struct hv_ring *r, uint16_t q, int tx)
{
	uint64_t off = hvsim_vf_ring_offset(&hvf->caps, q, tx);
	int ret;

	/* probe checked that every queue's ring lies inside the BAR */
	ret = hv_ring_attach(r, hvf->bar + off, HVSIM_VF_PAGE + hvf->caps.ring_data_size);
	if (ret != 0)
		HVF_DRV_LOG(ERR, "port %u: cannot attach %s ring %u: %d",
			    hvf->port_id, tx ? "TX" : "RX", q, ret);
	return ret;
}

/* Attach to the ring where the host left it (it reads no ring while the
 * device is stopped). */
int
hvf_rxq_start(struct hvf_adapter *hvf, struct hvf_rxq *rxq)
{
	const struct rte_eth_dev_data *data = hvf_dev(hvf)->data;

	if (rxq == NULL)
		return -EINVAL;
	rxq->max_frame = data->mtu + HVF_L2_OVERHEAD;
	rxq->rss_hash = !!(data->dev_conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_RSS_HASH);
	if (ring_attach(hvf, &rxq->ring, rxq->queue_id, 0) != 0)
		return -EIO;
	rxq->running = true;
	return 0;
}

int
hvf_txq_start(struct hvf_adapter *hvf, struct hvf_txq *txq)
{
	if (txq == NULL)
		return -EINVAL;
	txq->max_frame = hvf_dev(hvf)->data->mtu + HVF_L2_OVERHEAD;
	if (ring_attach(hvf, &txq->ring, txq->queue_id, 1) != 0)
		return -EIO;
	txq->running = true;
	return 0;
}

/* ---- burst entry and exit -------------------------------------------------- */

/*
 * As with any PMD, the application stops polling a queue before it stops
 * the port (ethdev's contract: net_netvsc closes its VF gates first); a
 * burst that comes anyway, or a secondary that polls on, finds the queue
 * not running and touches nothing. No fence here: a real VF's burst has
 * none either, and the cost of transparency is measured against this one.
 */
static inline bool
burst_enter(const bool *running)
{
	return __atomic_load_n(running, __ATOMIC_ACQUIRE);
}

/* Stop: no burst starts on the port's queues from now on. Primary only. */
void
hvf_queues_quiesce(struct rte_eth_dev *dev)
{
	struct hvf_rxq *rxq;
	struct hvf_txq *txq;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		rxq = dev->data->rx_queues[i];
		if (rxq != NULL)
			__atomic_store_n(&rxq->running, false, __ATOMIC_RELEASE);
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		txq = dev->data->tx_queues[i];
		if (txq != NULL)
			__atomic_store_n(&txq->running, false, __ATOMIC_RELEASE);
	}
}

/* ---- RX ----------------------------------------------------------------- */

static uint64_t
rx_flags(uint16_t f, bool rss_hash)
{
	uint64_t ol = 0;

	if (f & HVSIM_VF_RX_VLAN)
		ol |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	if ((f & HVSIM_VF_RX_RSS_HASH) && rss_hash)
		ol |= RTE_MBUF_F_RX_RSS_HASH;
	/* good and bad together: the host does not know, nor do we */
	switch (f & (HVSIM_VF_RX_IP_GOOD | HVSIM_VF_RX_IP_BAD)) {
	case HVSIM_VF_RX_IP_GOOD:
		ol |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
		break;
	case HVSIM_VF_RX_IP_BAD:
		ol |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
		break;
	}
	switch (f & (HVSIM_VF_RX_L4_GOOD | HVSIM_VF_RX_L4_BAD)) {
	case HVSIM_VF_RX_L4_GOOD:
		ol |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		break;
	case HVSIM_VF_RX_L4_BAD:
		ol |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
		break;
	}
	return ol;
}

/*
 * Copy frame_len bytes at offset HVSIM_VF_REC_HDR of the current record
 * into a chain from the queue's pool. NULL when the pool ran dry (nothing
 * consumed: the frame is tried again next burst).
 */
static struct rte_mbuf *
rx_copy_frame(struct hvf_rxq *rxq, uint32_t frame_len)
{
	struct rte_mbuf *head = NULL, *tail = NULL, *m;
	uint32_t done = 0, n;

	do {
		m = rte_pktmbuf_alloc(rxq->mp);
		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		n = RTE_MIN(frame_len - done, (uint32_t)rte_pktmbuf_tailroom(m));
		hv_ring_copy_out(&rxq->ring, HVSIM_VF_REC_HDR + done,
				 rte_pktmbuf_mtod(m, void *), n);
		m->data_len = n;
		done += n;
		if (head == NULL) {
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
		}
		tail = m;
	} while (done < frame_len);
	head->pkt_len = frame_len;
	return head;
}

/* What to do with the record at the cursor. */
enum rx_verdict {
	RX_DELIVER,	/* *out holds the frame */
	RX_SKIP,	/* counted; consume and go on */
	RX_RETRY,	/* no mbuf: leave it, end the burst */
};

static enum rx_verdict
rx_one(struct hvf_rxq *rxq, const struct hv_ring_pkt *pkt, struct rte_mbuf **out)
{
	struct hvsim_vf_pkt hdr;
	struct rte_mbuf *m;
	uint32_t frame_len;

	if (pkt->desc.type != HV_PKT_DATA_INBAND || pkt->desc.offset8 != HVSIM_VF_REC_HDR / 8) {
		rxq->stats.bad_records++;
		return RX_SKIP;
	}
	/* offset8 <= len8 (hv_ring_peek): the header is inside the record */
	hv_ring_copy_out(&rxq->ring, sizeof(struct hv_pkt_desc), &hdr, sizeof(hdr));
	frame_len = hdr.frame_len;
	if (frame_len < RTE_ETHER_HDR_LEN || frame_len > pkt->len - HVSIM_VF_REC_HDR ||
	    frame_len > rxq->max_frame) {
		rxq->stats.bad_records++;
		return RX_SKIP;
	}
	if (!rxq->scatter &&
	    frame_len + RTE_PKTMBUF_HEADROOM > rte_pktmbuf_data_room_size(rxq->mp)) {
		rxq->stats.too_long++;
		return RX_SKIP;
	}
	m = rx_copy_frame(rxq, frame_len);
	if (m == NULL) {
		rxq->stats.nombuf++;
		rte_eth_devices[rxq->port_id].data->rx_mbuf_alloc_failed++;
		return RX_RETRY;
	}
	m->port = rxq->port_id;
	m->ol_flags = rx_flags(hdr.flags, rxq->rss_hash);
	if (hdr.flags & HVSIM_VF_RX_VLAN)
		m->vlan_tci = hdr.vlan_tci;
	if (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH)
		m->hash.rss = hdr.rss_hash;
	m->packet_type = rte_net_get_ptype(m, NULL, RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK |
					   RTE_PTYPE_L4_MASK);
	rxq->stats.bytes += frame_len;
	*out = m;
	return RX_DELIVER;
}

uint16_t
hvf_recv_pkts(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct hvf_rxq *rxq = queue;
	struct hv_ring_pkt pkt;
	uint16_t nb_rx = 0;
	bool consumed = false, signal = false;
	enum rx_verdict v;
	int ret;

	/* NULL: a secondary polling after the primary released the queues */
	if (unlikely(rxq == NULL || !burst_enter(&rxq->running)))
		return 0;
	if (unlikely(__atomic_load_n(&rxq->hvf->recovering, __ATOMIC_RELAXED)) ||
	    hv_ring_idle(&rxq->ring))
		return 0;
	while (nb_rx < nb_pkts) {
		/* no scratch: a record that wraps is read with copy_out */
		ret = hv_ring_peek(&rxq->ring, &pkt, NULL, 0);
		if (ret == 0)
			break;
		if (unlikely(ret == -EIO)) {
			rxq->stats.ring_errors++;
			rxq->running = false;
			HVF_DRV_LOG(ERR, "port %u: RX ring %u is corrupt; queue stopped",
				    rxq->port_id, rxq->queue_id);
			break;
		}
		if (ret == -EBADMSG) {
			rxq->stats.bad_records++;
			v = RX_SKIP;
		} else {
			/* 1, or -ENOBUFS: wraps, descriptor checked all the same */
			v = rx_one(rxq, &pkt, &pkts[nb_rx]);
		}
		if (v == RX_RETRY)
			break;
		if (v == RX_DELIVER)
			nb_rx++;
		hv_ring_consume(&rxq->ring, pkt.len);
		consumed = true;
	}
	if (consumed)
		hv_ring_read_commit(&rxq->ring, &signal);
	rxq->stats.packets += nb_rx;
	return nb_rx;
}

/* ---- TX ----------------------------------------------------------------- */

/* The record header for m, or false when the request cannot be honoured. */
static bool
tx_header(const struct hvf_txq *txq, const struct rte_mbuf *m, struct hvsim_vf_pkt *h)
{
	uint64_t ol = m->ol_flags;

	memset(h, 0, sizeof(*h));
	h->frame_len = m->pkt_len;
	if (ol & RTE_MBUF_F_TX_IP_CKSUM)
		h->flags |= HVSIM_VF_TX_IPV4_CKSUM;
	switch (ol & RTE_MBUF_F_TX_L4_MASK) {
	case RTE_MBUF_F_TX_TCP_CKSUM:
		h->flags |= HVSIM_VF_TX_TCP_CKSUM;
		break;
	case RTE_MBUF_F_TX_UDP_CKSUM:
		h->flags |= HVSIM_VF_TX_UDP_CKSUM;
		break;
	case RTE_MBUF_F_TX_L4_NO_CKSUM:
		break;
	default:
		return false;		/* SCTP: not offered */
	}
	if (ol & RTE_MBUF_F_TX_TCP_SEG) {
		if (m->tso_segsz == 0)
			return false;
		h->flags |= HVSIM_VF_TX_TSO | HVSIM_VF_TX_TCP_CKSUM;
		h->tso_segsz = m->tso_segsz;
	} else if (m->pkt_len > txq->max_frame -
		   ((ol & RTE_MBUF_F_TX_VLAN) ? RTE_VLAN_HLEN : 0)) {
		return false;		/* the tag the device inserts counts too */
	}
	if (ol & RTE_MBUF_F_TX_VLAN) {
		h->flags |= HVSIM_VF_TX_VLAN;
		h->vlan_tci = m->vlan_tci;
	}
	if (h->flags & (HVSIM_VF_TX_IPV4_CKSUM | HVSIM_VF_TX_TCP_CKSUM | HVSIM_VF_TX_UDP_CKSUM |
			HVSIM_VF_TX_TSO)) {
		/* l2_len has 7 bits, l3_len 9: the record has 8 for it */
		if (m->l2_len == 0 || m->l3_len == 0 || m->l3_len > UINT8_MAX)
			return false;
		h->l2_len = m->l2_len;
		h->l3_len = m->l3_len;
	}
	return true;
}

/* One record for m: 0, -EAGAIN (ring full), -EIO (ring corrupt), or
 * -EINVAL (m is unfit; counted). */
static int
tx_one(struct hvf_txq *txq, struct hv_ring_batch *b, struct rte_mbuf *m)
{
	struct {
		struct hv_pkt_desc desc;
		struct hvsim_vf_pkt pkt;
	} rec;
	struct iovec iov[1 + HVF_TX_MAX_SEGS];
	const struct rte_mbuf *seg;
	unsigned int n = 1;
	uint32_t total = 0;
	bool signal = false;
	int ret;

	if (m->pkt_len == 0 || m->pkt_len > HVSIM_VF_FRAME_MAX || m->nb_segs > HVF_TX_MAX_SEGS ||
	    !tx_header(txq, m, &rec.pkt)) {
		txq->stats.bad_packets++;
		return -EINVAL;
	}
	rec.desc.type = HV_PKT_DATA_INBAND;
	rec.desc.offset8 = HVSIM_VF_REC_HDR / 8;
	rec.desc.len8 = (HVSIM_VF_REC_HDR + m->pkt_len + 7) / 8;
	rec.desc.flags = 0;
	rec.desc.trans_id = txq->next_id;
	iov[0].iov_base = &rec;
	iov[0].iov_len = sizeof(rec);
	for (seg = m; seg != NULL && n < RTE_DIM(iov); seg = seg->next) {
		if (seg->data_len == 0)
			continue;
		iov[n].iov_base = rte_pktmbuf_mtod(seg, void *);
		iov[n].iov_len = seg->data_len;
		total += seg->data_len;
		n++;
	}
	/* the record's length is the segments': a chain whose pkt_len says
	 * otherwise would make the descriptor lie */
	if (seg != NULL || total != m->pkt_len) {
		txq->stats.bad_packets++;
		return -EINVAL;
	}
	ret = hv_ring_batch_add(b, iov, n, &signal);
	if (ret == -EINVAL) {
		txq->stats.bad_packets++;
		return ret;
	}
	if (ret != 0)
		return ret;
	txq->next_id++;
	txq->stats.bytes += m->pkt_len;
	return 0;
}

uint16_t
hvf_xmit_pkts(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct hvf_txq *txq = queue;
	struct hv_ring_batch b;
	uint16_t i, sent = 0;
	bool signal = false;
	int ret = 0;

	if (unlikely(txq == NULL || !burst_enter(&txq->running)))
		return 0;
	if (unlikely(__atomic_load_n(&txq->hvf->recovering, __ATOMIC_RELAXED)))
		return 0;

	hv_ring_batch_begin(&b, &txq->ring);
	for (i = 0; i < nb_pkts; i++) {
		ret = tx_one(txq, &b, pkts[i]);
		if (ret == -EAGAIN || ret == -EIO)
			break;
		/* sent or unfit (counted): either way it is ours to free */
		if (ret == 0)
			sent++;
		rte_pktmbuf_free(pkts[i]);
	}
	if (hv_ring_batch_end(&b, &signal) != 0)
		ret = -EIO;
	if (unlikely(ret == -EIO)) {
		txq->stats.ring_errors++;
		txq->running = false;
		HVF_DRV_LOG(ERR, "port %u: TX ring %u is corrupt; queue stopped",
			    txq->port_id, txq->queue_id);
	}
	txq->stats.packets += sent;
	/* a revoked device is written to as before, as hardware that went
	 * away is: the frames go nowhere (hvsim counts them lost) and the
	 * application learns of it from RTE_ETH_EVENT_INTR_RMV */
	if (unlikely(__atomic_load_n(&txq->hvf->gone, __ATOMIC_RELAXED)))
		txq->stats.gone_drops += sent;
	return i;
}
