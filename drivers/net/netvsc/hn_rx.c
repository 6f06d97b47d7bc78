/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The inbound side of a channel: every VMBus packet the host sends is
 * parsed here, in place in the ring (protocol doc §B, §F):
 *   0x7 transfer pages  RNDIS messages in the receive buffer: frames,
 *                       control completions, status indications; one
 *                       completion goes back per packet, always;
 *   0xB completion      NVSP answers to the control path, and send
 *                       completions that free TX descriptors;
 *   0x6 in-band         host notifications (VF, send table).
 * Everything the host wrote is read once into local copies and checked
 * before use; a bad message is counted and skipped.
 *
 * One thread drains a channel at a time (hn_chan.owner). Frames go
 * straight into the caller's burst array; when the drainer is not that
 * queue's receiver (TX wanting completions, the control thread waiting
 * for an answer) they are parked in the queue's staging ring.
 */

#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_net.h>
#include <rte_tcp.h>

#include "hn_chan.h"
#include "hn_ctl.h"
#include "hn_rndis.h"
#include "hn_rx.h"

/* One transfer packet being parsed. */
struct hn_xfer {
	struct hn_sink *sink;
	struct hn_rx_ext *ext;		/* its frames were attached (lazily) */
	uint64_t xid;
	uint8_t lro;			/* HN_XFER_LRO_*: coalesced packets met */
};

/* ---- frames ------------------------------------------------------------- */

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

static int
parse_ppi(const uint8_t *p, uint32_t len, struct hn_rxinfo *info)
{
	while (len > 0) {
		struct hv_rndis_ppi e;
		uint32_t v;

		if (len < sizeof(e))
			return -EINVAL;
		memcpy(&e, p, sizeof(e));
		if (e.size < sizeof(e) || e.size > len || (e.size & 3) != 0 ||
		    e.offset < sizeof(e) || e.offset > e.size)
			return -EINVAL;
		if (e.size - e.offset >= sizeof(v)) {
			memcpy(&v, p + e.offset, sizeof(v));
			switch (e.type) {
			case HV_RNDIS_PPI_VLAN:
				info->vlan = v;
				info->have |= HN_RXI_VLAN;
				break;
			case HV_RNDIS_PPI_CSUM:
				info->csum = v;
				info->have |= HN_RXI_CSUM;
				break;
			case HV_RNDIS_PPI_HASHVAL:
				info->hash = v;
				info->have |= HN_RXI_HASH;
				break;
			case HV_RNDIS_PPI_HASHINF:
				info->hash_info = v;
				info->have |= HN_RXI_HASHINF;
				break;
			case HV_RNDIS_PPI_PKTINFO_ID:
				memcpy(&info->frag, &v, sizeof(info->frag));
				if (info->frag.ver != HV_RNDIS_PKTINFO_ID_VER)
					return -EINVAL;
				/* without SUBALLOC the message is a whole frame */
				if (info->frag.flag & HV_RNDIS_PKTINFO_SUBALLOC)
					info->have |= HN_RXI_FRAG;
				break;
			default:
				break;	/* unknown types are skipped */
			}
		}
		p += e.size;
		len -= e.size;
	}
	return 0;
}

static inline struct rte_mbuf *
rx_mbuf(struct hn_rxq *rxq)
{
	if (unlikely(rxq->cache_n == 0)) {
		if (rte_pktmbuf_alloc_bulk(rxq->mp, rxq->cache, HN_RX_MBUF_CACHE) != 0)
			return NULL;
		rxq->cache_n = HN_RX_MBUF_CACHE;
	}
	return rxq->cache[--rxq->cache_n];
}

/* Copy a frame, chaining mbufs when scatter is on. */
static struct rte_mbuf *
rx_copy(struct hn_rxq *rxq, const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *head = rx_mbuf(rxq);
	struct rte_mbuf *m;

	if (unlikely(head == NULL)) {
		rxq->stats.nombuf++;
		return NULL;
	}
	if (likely(len <= rte_pktmbuf_tailroom(head))) {
		rte_memcpy(rte_pktmbuf_mtod(head, void *), data, len);
		head->data_len = (uint16_t)len;
		head->pkt_len = len;
		return head;
	}
	if (!rxq->scatter) {
		rxq->stats.too_long++;
		rte_pktmbuf_free(head);
		return NULL;
	}
	head->pkt_len = len;
	for (m = head;;) {
		uint32_t take = RTE_MIN(len, (uint32_t)rte_pktmbuf_tailroom(m));

		rte_memcpy(rte_pktmbuf_mtod(m, void *), data, take);
		m->data_len = (uint16_t)take;
		data += take;
		len -= take;
		if (len == 0)
			return head;
		m->next = rx_mbuf(rxq);
		if (m->next == NULL) {
			rxq->stats.nombuf++;
			rte_pktmbuf_free(head);
			return NULL;
		}
		m = m->next;
		head->nb_segs++;
	}
}

static void
rx_fill(struct hn_rxq *rxq, struct rte_mbuf *m, const struct hn_rxinfo *info)
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
		if (rxq->vlan_strip)
			m->ol_flags |= RTE_MBUF_F_RX_VLAN_STRIPPED;
		else if (rte_vlan_insert(&m) == 0)	/* the host always strips */
			m->ol_flags &= ~RTE_MBUF_F_RX_VLAN;
	}
}

/* Hand a frame to the burst, or park it for the queue's receiver. */
static void
rx_deliver(struct hn_rxq *rxq, struct hn_sink *sink, struct rte_mbuf *m)
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

/* ---- frames attached in place (rx_extmbuf_enable) ------------------------ */

int
hn_rxq_ext_setup(struct hn_rxq *rxq, int socket)
{
	char name[RTE_RING_NAMESIZE];
	uint32_t i;

	rxq->ext = rte_zmalloc_socket("hn_rx_ext", sizeof(*rxq->ext) * rxq->nb_desc,
				      RTE_CACHE_LINE_SIZE, socket);
	snprintf(name, sizeof(name), "hn_rxe_p%u_q%u", rxq->port_id, rxq->queue_id);
	rxq->ext_free = rte_ring_create_elem(name, sizeof(uint32_t),
					     rte_align32pow2(rxq->nb_desc + 1u), socket,
					     RING_F_SC_DEQ);
	if (rxq->ext == NULL || rxq->ext_free == NULL) {
		hn_rxq_ext_release(rxq);
		return -ENOMEM;
	}
	for (i = 0; i < rxq->nb_desc; i++) {
		rxq->ext[i].rxq = rxq;
		rxq->ext[i].idx = i;
		rte_ring_mp_enqueue_elem(rxq->ext_free, &i, sizeof(i));
	}
	return 0;
}

void
hn_rxq_ext_release(struct hn_rxq *rxq)
{
	rte_ring_free(rxq->ext_free);
	rte_free(rxq->ext);
	rxq->ext_free = NULL;
	rxq->ext = NULL;
}

/*
 * The last mbuf of a transfer packet is freed (any thread): give the
 * slots back. The bus's send is multi-producer safe; when the ring is
 * full the channel's drainer sends it later.
 */
void
hn_rx_ext_free(void *addr, void *opaque)
{
	struct hn_rx_ext *e = opaque;
	struct hn_rxq *rxq = e->rxq;
	struct hn_chan *ch = e->ch;

	RTE_SET_USED(addr);
	/*
	 * The completion goes through the channel's owner, never straight
	 * to the ring: this may run inside a drain of the same channel (a
	 * frame dropped there), whose batch would block a direct send.
	 */
	if (e->session == __atomic_load_n(&rxq->hn->session, __ATOMIC_ACQUIRE) &&
	    ch->vc != NULL && ch->ext_acks != NULL) {
		rte_ring_mp_enqueue_elem(ch->ext_acks, &e->xid, sizeof(e->xid));
		/* pairs with the owner's fence after it lets go */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		hn_chan_acks_kick(ch);
	}
	rte_ring_mp_enqueue_elem(rxq->ext_free, &e->idx, sizeof(e->idx));
}

/* Attach the frame at data in place; NULL: copy it instead. */
static struct rte_mbuf *
rx_attach(struct hn_rxq *rxq, struct hn_chan *ch, struct hn_xfer *x, uint8_t *data,
	  uint32_t len)
{
	struct hn_dev *hn = rxq->hn;
	uint64_t off = (uint64_t)(data - hn->rxbuf);
	struct hn_rx_ext *e = x->ext;
	struct rte_mbuf *m;

	if (e == NULL) {
		uint32_t idx;

		if (rte_ring_sc_dequeue_elem(rxq->ext_free, &idx, sizeof(idx)) != 0) {
			rxq->stats.ext_exhausted++;
			return NULL;
		}
		e = &rxq->ext[idx];
		e->ch = ch;
		e->xid = x->xid;
		e->session = hn->session;
		e->shinfo.free_cb = hn_rx_ext_free;
		e->shinfo.fcb_opaque = e;
		rte_mbuf_ext_refcnt_set(&e->shinfo, 1);	/* the parser's reference */
		x->ext = e;
	}
	m = rx_mbuf(rxq);
	if (m == NULL)
		return NULL;
	rte_mbuf_ext_refcnt_update(&e->shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, data, (hn->rxbuf_pfn[off >> HV_PAGE_SHIFT] <<
					    HV_PAGE_SHIFT) + (off & HV_PAGE_MASK),
				  (uint16_t)len, &e->shinfo);
	m->data_off = 0;
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	rxq->stats.attached++;
	return m;
}

/* The parser is done with a transfer packet: complete it now, unless
 * frames attached to it are still out there. */
static bool
rx_xfer_done(struct hn_xfer *x)
{
	struct hn_rx_ext *e = x->ext;

	if (e == NULL)
		return true;
	if (rte_mbuf_ext_refcnt_update(&e->shinfo, -1) != 0)
		return false;	/* hn_rx_ext_free() completes it */
	rte_ring_mp_enqueue_elem(e->rxq->ext_free, &e->idx, sizeof(e->idx));
	return true;
}

/* ---- coalesced packets: RSC from the host, LRO to the application --------- */

/*
 * The host sends one coalesced TCP packet as consecutive ranges of one
 * transfer packet, each a PACKET_MSG marked with the fragment id PPI; the
 * first holds the headers, and its PPIs describe the whole packet (§F.6).
 * The fragments are copied into one mbuf chain. A packet longer than the
 * application's max_lro_pkt_size is cut at fragment boundaries into
 * several, each with the first one's headers fixed up (IP length, TCP
 * sequence, PSH, checksums). Nothing is delivered before the last fragment
 * and before the bytes add up to the IP length: a broken chain is dropped
 * whole, counted once (rx_qN_lro_errors), and its transfer packet is
 * completed with a failure status (still exactly one completion).
 *
 * The protocol gives neither the MSS nor the number of wire segments
 * coalesced. tso_segsz is the longest fragment's TCP payload: the MSS when
 * the host cuts fragments at segment boundaries, as hvsim does (what
 * Hyper-V does is not documented).
 */

enum hn_lro_state { HN_LRO_IDLE, HN_LRO_BUILD, HN_LRO_SKIP };

/* hn_xfer.lro */
#define HN_XFER_LRO_SEEN	0x1	/* a fragment was met */
#define HN_XFER_LRO_BROKEN	0x2	/* a chain was dropped: complete as failed */

struct hn_lro_piece {
	struct rte_mbuf *m;
	uint32_t seq_off;	/* TCP payload of the packet before this piece */
	uint16_t nfrags;
};

struct hn_lro {
	uint8_t state;		/* enum hn_lro_state */
	bool v6;
	uint16_t id;		/* fragment id of the packet built or skipped */
	uint16_t nfrags;
	uint16_t npieces;	/* pieces[npieces - 1] is being filled */
	uint16_t l2_len, l3_len, hdr_len;	/* Ethernet .. TCP options */
	uint32_t payload;	/* TCP payload bytes so far */
	uint32_t mss;		/* longest fragment payload */
	uint32_t frame_len;	/* the frame's length by its IP header */
	uint32_t piece_max;	/* bytes in one delivered packet */
	struct rte_mbuf *tail;	/* last segment of the piece being filled */
	struct hn_rxinfo info;	/* the first fragment's: the whole packet's */
	struct hn_lro_piece pieces[HV_RNDIS_RSC_FRAGS_MAX];
};

int
hn_rxq_lro_setup(struct hn_rxq *rxq, int socket)
{
	rxq->lro = rte_zmalloc_socket("hn_lro", sizeof(*rxq->lro), RTE_CACHE_LINE_SIZE,
				      socket);
	return rxq->lro == NULL ? -ENOMEM : 0;
}

void
hn_rxq_lro_release(struct hn_rxq *rxq)
{
	rte_free(rxq->lro);
	rxq->lro = NULL;
}

/* Give back every mbuf of the packet being built. */
static void
lro_drop(struct hn_lro *l)
{
	uint16_t i;

	for (i = 0; i < l->npieces; i++)
		rte_pktmbuf_free(l->pieces[i].m);
	l->npieces = 0;
	l->state = HN_LRO_IDLE;
}

/* The packet with fragment id `id` is broken: drop what was built, skip
 * the rest of its fragments, count it once. */
static void
lro_fail(struct hn_rxq *rxq, struct hn_xfer *x, uint16_t id, const char *why)
{
	lro_drop(rxq->lro);
	rxq->lro->state = HN_LRO_SKIP;
	rxq->lro->id = id;
	rxq->stats.lro_errors++;
	x->lro |= HN_XFER_LRO_BROKEN;
	PMD_DRV_LOG(DEBUG, "port %u queue %u: coalesced packet %u dropped: %s", rxq->port_id,
		    rxq->queue_id, id, why);
}

/* Append len bytes to the piece being filled, chaining mbufs. */
static int
lro_copy(struct hn_rxq *rxq, struct hn_lro *l, const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *head = l->pieces[l->npieces - 1].m;
	struct rte_mbuf *m = l->tail;

	while (len > 0) {
		uint32_t take = RTE_MIN(len, (uint32_t)rte_pktmbuf_tailroom(m));

		if (take == 0) {
			m->next = rx_mbuf(rxq);
			if (m->next == NULL) {
				rxq->stats.nombuf++;
				return -ENOMEM;
			}
			m = m->next;
			l->tail = m;
			head->nb_segs++;
			continue;
		}
		rte_memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, m->data_len), data, take);
		m->data_len = (uint16_t)(m->data_len + take);
		head->pkt_len += take;
		data += take;
		len -= take;
	}
	return 0;
}

/* A new piece starting with len bytes at data (headers first). */
static int
lro_piece_start(struct hn_rxq *rxq, struct hn_lro *l, const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *m = rx_mbuf(rxq);

	if (m == NULL) {
		rxq->stats.nombuf++;
		return -ENOMEM;
	}
	l->pieces[l->npieces].m = m;
	l->pieces[l->npieces].seq_off = l->payload;
	l->pieces[l->npieces].nfrags = 1;
	l->npieces++;
	l->tail = m;
	return lro_copy(rxq, l, data, len);
}

/* Where the headers of the first fragment end, and what length the IP
 * header claims for the whole packet. */
static const char *
lro_parse_headers(struct hn_lro *l)
{
	const struct rte_mbuf *m = l->pieces[0].m;
	struct rte_net_hdr_lens hl;
	uint32_t ptype = rte_net_get_ptype(m, &hl, RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK |
					   RTE_PTYPE_L4_MASK);
	const uint8_t *ip;

	if ((ptype & RTE_PTYPE_L4_MASK) != RTE_PTYPE_L4_TCP ||
	    !(RTE_ETH_IS_IPV4_HDR(ptype) || RTE_ETH_IS_IPV6_HDR(ptype)))
		return "first fragment is not TCP over IP";
	l->v6 = RTE_ETH_IS_IPV6_HDR(ptype);
	l->l2_len = hl.l2_len;
	l->l3_len = hl.l3_len;
	l->hdr_len = (uint16_t)(hl.l2_len + hl.l3_len + hl.l4_len);
	/* headers fixed up in place: all in the first segment, with payload */
	if (l->hdr_len >= m->data_len)
		return "first fragment holds no payload, or headers span mbufs";
	ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, l->l2_len);
	if (l->v6)
		l->frame_len = l->l2_len + (uint32_t)sizeof(struct rte_ipv6_hdr) +
			rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)ip)->payload_len);
	else
		l->frame_len = l->l2_len +
			rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)ip)->total_length);
	if (m->pkt_len > l->frame_len)
		return "first fragment longer than the packet's IP length";
	return NULL;
}

static const char *
lro_first(struct hn_rxq *rxq, struct hn_lro *l, const uint8_t *data, uint32_t len,
	  const struct hn_rxinfo *info)
{
	const char *why;

	l->state = HN_LRO_BUILD;
	l->id = info->frag.pkt_id;
	l->nfrags = 1;
	l->npieces = 0;
	l->payload = 0;
	l->info = *info;
	l->piece_max = rxq->lro_max;
	if (lro_piece_start(rxq, l, data, len) < 0)
		return "no mbuf";
	why = lro_parse_headers(l);
	if (why != NULL)
		return why;
	l->payload = len - l->hdr_len;
	l->mss = l->payload;
	return NULL;
}

static const char *
lro_add(struct hn_rxq *rxq, struct hn_lro *l, const uint8_t *data, uint32_t len)
{
	struct hn_lro_piece *p = &l->pieces[l->npieces - 1];

	if (l->nfrags == HV_RNDIS_RSC_FRAGS_MAX)
		return "more fragments than the protocol allows";
	if (l->hdr_len + l->payload + len > l->frame_len)
		return "fragments longer than the packet's IP length";
	if (p->m->pkt_len + len > l->piece_max) {
		/* a new piece: the first fragment's headers, fixed up later */
		if (lro_piece_start(rxq, l, rte_pktmbuf_mtod(l->pieces[0].m, uint8_t *),
				    l->hdr_len) < 0)
			return "no mbuf";
		p = &l->pieces[l->npieces - 1];
		p->nfrags = 0;
	}
	if (lro_copy(rxq, l, data, len) < 0)
		return "no mbuf";
	p->nfrags++;
	l->nfrags++;
	l->payload += len;
	l->mss = RTE_MAX(l->mss, len);
	return NULL;
}

/* An IPv4 header checksum the host left stale (§F.4 0x100). */
static void
rx_ip4_recksum(struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);

	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    m->data_len < sizeof(*eh) + sizeof(*ip) ||
	    (ip->version_ihl & 0xf) < 5 ||
	    m->data_len < sizeof(*eh) + rte_ipv4_hdr_len(ip))
		return;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* A piece of a packet that was cut: its own IP length, sequence number
 * and checksums; PSH only on the last piece. */
static void
lro_fix_piece(const struct hn_lro *l, struct rte_mbuf *m, uint32_t seq_off, bool last)
{
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, l->l2_len);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + l->l3_len);
	uint32_t ip_len = m->pkt_len - l->l2_len;
	uint16_t l4_off = (uint16_t)(l->l2_len + l->l3_len);

	th->sent_seq = rte_cpu_to_be_32(rte_be_to_cpu_32(th->sent_seq) + seq_off);
	if (!last)
		th->tcp_flags &= (uint8_t)~(RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG);
	th->cksum = 0;
	if (l->v6) {
		struct rte_ipv6_hdr *h6 = (struct rte_ipv6_hdr *)ip;
		struct rte_ipv6_hdr ph = *h6;	/* pseudo header past extension headers */

		h6->payload_len = rte_cpu_to_be_16((uint16_t)(ip_len - sizeof(*h6)));
		ph.proto = IPPROTO_TCP;
		ph.payload_len = rte_cpu_to_be_16((uint16_t)(ip_len - l->l3_len));
		th->cksum = rte_ipv6_udptcp_cksum_mbuf(m, &ph, l4_off);
	} else {
		struct rte_ipv4_hdr *h4 = (struct rte_ipv4_hdr *)ip;

		h4->total_length = rte_cpu_to_be_16((uint16_t)ip_len);
		h4->hdr_checksum = 0;
		h4->hdr_checksum = rte_ipv4_cksum(h4);
		th->cksum = rte_ipv4_udptcp_cksum_mbuf(m, h4, l4_off);
	}
}

/* The last fragment came: check the total, fix up and deliver. */
static void
lro_finish(struct hn_rxq *rxq, struct hn_xfer *x)
{
	struct hn_lro *l = rxq->lro;
	uint16_t i;

	if (l->hdr_len + l->payload != l->frame_len) {
		lro_fail(rxq, x, l->id, "fragments shorter than the packet's IP length");
		l->state = HN_LRO_IDLE;
		return;
	}
	for (i = 0; i < l->npieces; i++) {
		struct rte_mbuf *m = l->pieces[i].m;

		if (l->npieces > 1)
			lro_fix_piece(l, m, l->pieces[i].seq_off, i + 1 == l->npieces);
		else if (!l->v6 && (l->info.have & HN_RXI_CSUM) &&
			 (l->info.csum & HV_RNDIS_RXCSUM_IP_INVALID))
			rx_ip4_recksum(m);
		if (l->pieces[i].nfrags > 1) {
			m->ol_flags |= RTE_MBUF_F_RX_LRO;
			m->tso_segsz = (uint16_t)l->mss;
			rxq->stats.lro_packets++;
			rxq->stats.lro_segments += l->pieces[i].nfrags;
		}
		rx_fill(rxq, m, &l->info);
		rx_deliver(rxq, x->sink, m);
	}
	rxq->stats.lro_split += l->npieces - 1u;
	l->npieces = 0;
	l->state = HN_LRO_IDLE;
}

/* One fragment (SUBALLOC) of len bytes at data. */
static void
rx_lro_frag(struct hn_rxq *rxq, struct hn_xfer *x, const uint8_t *data, uint32_t len,
	    const struct hn_rxinfo *info)
{
	struct hn_lro *l = rxq->lro;
	uint16_t id = info->frag.pkt_id;
	uint8_t flag = info->frag.flag;
	const char *why = NULL;

	x->lro |= HN_XFER_LRO_SEEN;
	if (flag & HV_RNDIS_PKTINFO_FIRST_FRAG) {
		if (l->state == HN_LRO_BUILD)
			lro_fail(rxq, x, l->id, "a new packet began before the last fragment");
		why = lro_first(rxq, l, data, len, info);
	} else if (l->state == HN_LRO_BUILD) {
		/* another id: this packet is broken, skip the rest of it */
		why = id != l->id ? "fragment of another packet" : lro_add(rxq, l, data, len);
		id = l->id;
	} else if (l->state != HN_LRO_SKIP || id != l->id) {
		why = "fragment without a first one";
	} else if (flag & HV_RNDIS_PKTINFO_LAST_FRAG) {
		l->state = HN_LRO_IDLE;	/* the end of a packet already dropped */
		return;
	} else {
		return;
	}
	if (why != NULL)
		lro_fail(rxq, x, id, why);
	else if (flag & HV_RNDIS_PKTINFO_LAST_FRAG)
		lro_finish(rxq, x);
}

/* Not a fragment of the packet being built (a whole frame, a malformed
 * message, the end of the transfer packet): the packet is broken. */
static void
rx_lro_break(struct hn_rxq *rxq, struct hn_xfer *x, const char *why)
{
	struct hn_lro *l = rxq->lro;

	if (l->state == HN_LRO_BUILD)
		lro_fail(rxq, x, l->id, why);
	l->state = HN_LRO_IDLE;
}

/* One RNDIS PACKET_MSG of `len` bytes at msg (in the receive buffer). */
static int
rx_frame(struct hn_chan *ch, struct hn_xfer *x, uint8_t *msg, uint32_t len)
{
	struct hn_sink *sink = x->sink;
	struct hn_rxq *rxq = ch->rxq;
	struct hv_rndis_packet_msg h;
	struct hn_rxinfo info = { .have = 0 };
	struct rte_mbuf *m;
	uint8_t *data;

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, msg, sizeof(h));
	/* §F.1: every offset and length inside the message, no overflow */
	if (h.len > len || h.data_offset < HV_RNDIS_PACKET_MSG_OFFSET_MIN || h.data_len == 0 ||
	    (uint64_t)HV_RNDIS_OFFSET_BASE + h.data_offset + h.data_len > h.len)
		return -EINVAL;
	if (h.ppi_len != 0 &&
	    (h.ppi_offset < HV_RNDIS_PACKET_MSG_OFFSET_MIN || (h.ppi_offset & 3) != 0 ||
	     (uint64_t)HV_RNDIS_OFFSET_BASE + h.ppi_offset + h.ppi_len > h.len ||
	     parse_ppi(msg + HV_RNDIS_OFFSET_BASE + h.ppi_offset, h.ppi_len, &info) < 0))
		return -EINVAL;
	/* a frame has an Ethernet header; a later RSC fragment is payload only */
	if (h.data_len < HV_RNDIS_RX_DATA_LEN_MIN &&
	    (!(info.have & HN_RXI_FRAG) || (info.frag.flag & HV_RNDIS_PKTINFO_FIRST_FRAG)))
		return -EINVAL;
	if (unlikely(rxq == NULL || !rxq->started)) {
		if (rxq != NULL) {
			rxq->stats.stopped_drops++;
			if (x->lro)
				lro_drop(rxq->lro);
		}
		return 0;
	}
	data = msg + HV_RNDIS_OFFSET_BASE + h.data_offset;
	if (unlikely(info.have & HN_RXI_FRAG)) {
		rx_lro_frag(rxq, x, data, h.data_len, &info);
		return 0;
	}
	if (unlikely(x->lro))
		rx_lro_break(rxq, x, "a whole frame between its fragments");
	m = NULL;
	if (rxq->extmbuf && h.data_len > rxq->copybreak && h.data_len <= UINT16_MAX &&
	    (rxq->vlan_strip || !(info.have & HN_RXI_VLAN)))
		m = rx_attach(rxq, ch, x, data, h.data_len);
	if (m == NULL)
		m = rx_copy(rxq, data, h.data_len);
	if (unlikely(m == NULL))
		return 0;
	if (unlikely((info.have & HN_RXI_CSUM) && (info.csum & HV_RNDIS_RXCSUM_IP_INVALID)))
		rx_ip4_recksum(m);
	rx_fill(rxq, m, &info);
	rx_deliver(rxq, sink, m);
	return 0;
}

static int
rx_rndis(struct hn_dev *hn, struct hn_chan *ch, struct hn_xfer *x, uint8_t *msg, uint32_t len)
{
	struct hv_rndis_msg_hdr h;

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, msg, sizeof(h));
	if (h.len > len || h.len < sizeof(h))
		return -EINVAL;
	switch (h.type) {
	case HV_RNDIS_PACKET_MSG:
		return rx_frame(ch, x, msg, h.len);
	case HV_RNDIS_INITIALIZE_CMPLT:
	case HV_RNDIS_QUERY_CMPLT:
	case HV_RNDIS_SET_CMPLT:
	case HV_RNDIS_KEEPALIVE_CMPLT:
		hn_ctl_deliver_rndis(&hn->ctl, msg, h.len, h.type);
		return 0;
	case HV_RNDIS_INDICATE_STATUS_MSG:
		hn_rndis_status(hn, msg, h.len);
		return 0;
	default:
		return -EINVAL;
	}
}

/* A transfer-page packet: ranges of the receive buffer, one message each. */
void
hn_rx_xfer(struct hn_dev *hn, struct hn_chan *ch, struct hn_sink *sink,
	   const struct hv_ring_pkt *pkt)
{
	const uint8_t *p = pkt->data;
	uint32_t hlen = pkt->desc.offset8 * 8u;
	struct hn_xfer x = { .sink = sink, .ext = NULL, .xid = pkt->desc.trans_id, .lro = 0 };
	struct hv_xfer_page_hdr xh;
	uint32_t i, status = HV_NVSP_STATUS_SUCCESS;

	if (hlen < sizeof(xh)) {
		ch->bad_packets++;
		status = HV_NVSP_STATUS_FAILED;
		goto ack;
	}
	memcpy(&xh, p, sizeof(xh));
	if (xh.xfer_pageset_id != HV_RXBUF_XFER_PAGESET_ID ||
	    xh.range_cnt == 0 || xh.range_cnt > (hlen - sizeof(xh)) / sizeof(struct hv_xfer_range) ||
	    !hn->rxbuf_connected) {
		ch->bad_packets++;
		status = HV_NVSP_STATUS_FAILED;
		goto ack;
	}
	for (i = 0; i < xh.range_cnt; i++) {
		struct hv_xfer_range r;

		memcpy(&r, p + sizeof(xh) + i * sizeof(r), sizeof(r));
		if ((uint64_t)r.byte_offset + r.byte_count > hn->rxbuf_len ||
		    rx_rndis(hn, ch, &x, hn->rxbuf + r.byte_offset, r.byte_count) < 0) {
			if (ch->rxq != NULL)
				ch->rxq->stats.errors++;
			else
				ch->bad_packets++;
			if (x.lro)
				rx_lro_break(ch->rxq, &x, "a malformed message between its fragments");
			status = HV_NVSP_STATUS_FAILED;
		}
	}
	if (unlikely(x.lro)) {
		rx_lro_break(ch->rxq, &x, "no last fragment in the transfer packet");
		if (x.lro & HN_XFER_LRO_BROKEN)
			status = HV_NVSP_STATUS_FAILED;
	}
	if (!rx_xfer_done(&x))
		return;	/* completed when its attached frames are freed */
ack:
	/* the slots go back to the host whatever was inside (§I.1) */
	hn_chan_ack_rx(ch, pkt->desc.trans_id, status);
}

/* ---- RX burst ----------------------------------------------------------- */

uint16_t
hn_recv_pkts(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct hn_rxq *rxq = q;
	uint16_t got = 0;

	if (unlikely(!rxq->started))
		return 0;
	__atomic_store_n(&rxq->polls, rxq->polls + 1, __ATOMIC_RELAXED);
	/* frames another thread drained come first: they are older */
	if (unlikely(!rte_ring_empty(rxq->staging)))
		got = (uint16_t)rte_ring_sc_dequeue_burst(rxq->staging, (void **)pkts, n, NULL);
	if (got < n && !hn_chan_idle(rxq->ch))
		got += hn_chan_drain(rxq->hn, rxq->ch, pkts + got, n - got, HN_RX_BURST_BUDGET);
	return got;
}

/* Stopped queue: give back what it holds. */
void
hn_rxq_flush(struct hn_rxq *rxq)
{
	struct rte_mbuf *m;

	while (rte_ring_sc_dequeue(rxq->staging, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	if (rxq->cache_n > 0)
		rte_mempool_put_bulk(rxq->mp, (void **)rxq->cache, rxq->cache_n);
	rxq->cache_n = 0;
}
