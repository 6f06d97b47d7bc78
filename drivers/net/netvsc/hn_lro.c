/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Coalesced packets: RSC from the host, LRO to the application.
 *
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

#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_net.h>
#include <rte_tcp.h>

#include "hn_copy.h"
#include "hn_lro.h"

enum hn_lro_state { HN_LRO_IDLE, HN_LRO_BUILD, HN_LRO_SKIP };

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

void
hn_lro_drop(struct hn_lro *l)
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
	hn_lro_drop(rxq->lro);
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
			if (head->nb_segs == HN_RX_SEGS_MAX)
				return -E2BIG;	/* tiny mbufs: no chain holds it */
			m->next = hn_rx_mbuf(rxq);
			if (m->next == NULL) {
				rxq->stats.nombuf++;
				return -ENOMEM;
			}
			m = m->next;
			l->tail = m;
			head->nb_segs++;
			continue;
		}
		hn_copy(rte_pktmbuf_mtod_offset(m, uint8_t *, m->data_len), data, take);
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
	struct rte_mbuf *m = hn_rx_mbuf(rxq);

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
	return NULL;
}

/*
 * The first fragment: its headers are copied and checked first (they
 * must lie in the first mbuf), the rest of it only if they hold. It is
 * never longer than a delivered packet, nor than what its IP header says.
 */
static const char *
lro_first(struct hn_rxq *rxq, struct hn_lro *l, const uint8_t *data, uint32_t len,
	  const struct hn_rxinfo *info)
{
	uint32_t head_len;
	const char *why;

	l->state = HN_LRO_BUILD;
	l->id = info->frag.pkt_id;
	l->nfrags = 1;
	l->npieces = 0;
	l->payload = 0;
	l->info = *info;
	l->piece_max = rxq->lro_max;
	if (len > l->piece_max)
		return "first fragment longer than max_lro_pkt_size";
	head_len = RTE_MIN(len, (uint32_t)rxq->buf_size);
	if (lro_piece_start(rxq, l, data, head_len) < 0)
		return "no mbuf";
	why = lro_parse_headers(l);
	if (why != NULL)
		return why;
	if (len > l->frame_len)
		return "first fragment longer than the packet's IP length";
	if (lro_copy(rxq, l, data + head_len, len - head_len) < 0)
		return "no mbuf";
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
		return "no mbuf, or more segments than an mbuf chain counts";
	p->nfrags++;
	l->nfrags++;
	l->payload += len;
	l->mss = RTE_MAX(l->mss, len);
	return NULL;
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
	/* one setting for every piece (vlan_offload_set may run meanwhile) */
	bool strip = __atomic_load_n(&rxq->vlan_strip, __ATOMIC_RELAXED);
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
		else if (!l->v6 && hn_rx_ip4_csum_stale(&l->info))
			hn_rx_ip4_recksum(m);
		if (l->pieces[i].nfrags > 1) {
			m->ol_flags |= RTE_MBUF_F_RX_LRO;
			m->tso_segsz = (uint16_t)l->mss;
			rxq->stats.lro_packets++;
			rxq->stats.lro_segments += l->pieces[i].nfrags;
		}
		hn_rx_fill(rxq, m, &l->info, strip);
		hn_rx_deliver(rxq, x->sink, m);
	}
	rxq->stats.lro_split += l->npieces - 1u;
	l->npieces = 0;
	l->state = HN_LRO_IDLE;
}

void
hn_lro_frag(struct hn_rxq *rxq, struct hn_xfer *x, const uint8_t *data, uint32_t len,
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
void
hn_lro_break(struct hn_rxq *rxq, struct hn_xfer *x, const char *why)
{
	struct hn_lro *l = rxq->lro;

	if (l->state == HN_LRO_BUILD)
		lro_fail(rxq, x, l->id, why);
	l->state = HN_LRO_IDLE;
}
