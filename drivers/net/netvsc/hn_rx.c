/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RX: the transfer packets a channel's drain hands up (hn_chan.c), parsed
 * in place in the receive buffer (protocol doc §F). Each range holds one
 * RNDIS message: a frame (copied into mbufs, or attached in place with
 * rx_extmbuf_enable), a fragment of a coalesced packet (hn_lro.c), a
 * control completion (to the mailbox, hn_ctl.c) or a status indication
 * (hn_rndis.c). Everything the host wrote is read once into local copies
 * and checked before use; a bad message is counted and skipped. Exactly
 * one receive completion goes back per transfer packet.
 *
 * Frames go straight into the drainer's burst array when the drainer is
 * the queue's receiver, else into the queue's staging ring. And the RX
 * burst itself: staged frames first, then a drain of the queue's channel.
 */

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <string.h>

#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_ip.h>
#include <rte_net.h>
#include <rte_tcp.h>
#include <rte_thash.h>

#include "hn_chan.h"
#include "hn_copy.h"
#include "hn_ctl.h"
#include "hn_lro.h"
#include "hn_rndis.h"
#include "hn_rx.h"
#include "hn_vf.h"

/* ---- frames ------------------------------------------------------------- */

/* The per-packet infos that carry one u32, and where it goes. */
static const struct {
	uint8_t off;	/* in struct hn_rxinfo */
	uint8_t have;	/* HN_RXI_*; 0: not one of them */
} ppi_u32[] = {
	[HV_RNDIS_PPI_VLAN] = { offsetof(struct hn_rxinfo, vlan), HN_RXI_VLAN },
	[HV_RNDIS_PPI_CSUM] = { offsetof(struct hn_rxinfo, csum), HN_RXI_CSUM },
	[HV_RNDIS_PPI_HASHVAL] = { offsetof(struct hn_rxinfo, hash), HN_RXI_HASH },
	[HV_RNDIS_PPI_HASHINF] = { offsetof(struct hn_rxinfo, hash_info), HN_RXI_HASHINF },
};

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
			if (e.type < RTE_DIM(ppi_u32) && ppi_u32[e.type].have != 0) {
				memcpy((uint8_t *)info + ppi_u32[e.type].off, &v, sizeof(v));
				info->have |= ppi_u32[e.type].have;
			} else if (e.type == HV_RNDIS_PPI_PKTINFO_ID) {
				memcpy(&info->frag, &v, sizeof(info->frag));
				if (info->frag.ver != HV_RNDIS_PKTINFO_ID_VER)
					return -EINVAL;
				/* without SUBALLOC the message is a whole frame */
				if (info->frag.flag & HV_RNDIS_PKTINFO_SUBALLOC)
					info->have |= HN_RXI_FRAG;
			}	/* unknown types are skipped */
		}
		p += e.size;
		len -= e.size;
	}
	return 0;
}

/* Copy a frame, chaining mbufs when scatter is on. */
static struct rte_mbuf *
rx_copy(struct hn_rxq *rxq, const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *head = hn_rx_mbuf(rxq);
	struct rte_mbuf *m;

	if (unlikely(head == NULL)) {
		rxq->stats.nombuf++;
		return NULL;
	}
	if (likely(len <= rte_pktmbuf_tailroom(head))) {
		hn_copy(rte_pktmbuf_mtod(head, void *), data, len);
		head->data_len = (uint16_t)len;
		head->pkt_len = len;
		return head;
	}
	/* a chain of more segments than nb_segs counts is no frame either */
	if (!rxq->scatter || rxq->buf_size == 0 ||
	    len / rxq->buf_size >= HN_RX_SEGS_MAX) {
		rxq->stats.too_long++;
		rte_pktmbuf_free(head);
		return NULL;
	}
	head->pkt_len = len;
	for (m = head;;) {
		uint32_t take = RTE_MIN(len, (uint32_t)rte_pktmbuf_tailroom(m));

		hn_copy(rte_pktmbuf_mtod(m, void *), data, take);
		m->data_len = (uint16_t)take;
		data += take;
		len -= take;
		if (len == 0)
			return head;
		if (unlikely(head->nb_segs == HN_RX_SEGS_MAX)) {
			rxq->stats.too_long++;
			rte_pktmbuf_free(head);
			return NULL;
		}
		m->next = hn_rx_mbuf(rxq);
		if (m->next == NULL) {
			rxq->stats.nombuf++;
			rte_pktmbuf_free(head);
			return NULL;
		}
		m = m->next;
		head->nb_segs++;
	}
}

void
hn_rxq_mbuf_template(struct hn_rxq *rxq)
{
	struct rte_mbuf t = { .nb_segs = 1, .port = rxq->port_id };
	uint16_t room = rte_pktmbuf_data_room_size(rxq->mp);

	/* as rte_pktmbuf_reset() places the data */
	t.data_off = RTE_MIN((uint16_t)RTE_PKTMBUF_HEADROOM, room);
	rte_mbuf_refcnt_set(&t, 1);
	rxq->mbuf_rearm = *hn_mbuf_rearm_word(&t);
	rxq->mbuf_raw = !(rte_pktmbuf_priv_flags(rxq->mp) & RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF);
}

int
hn_rx_refill(struct hn_rxq *rxq)
{
	if (rxq->mbuf_raw ?
	    rte_mempool_get_bulk(rxq->mp, (void **)rxq->cache, HN_RX_MBUF_CACHE) != 0 :
	    rte_pktmbuf_alloc_bulk(rxq->mp, rxq->cache, HN_RX_MBUF_CACHE) != 0)
		return -ENOMEM;
	rxq->cache_n = HN_RX_MBUF_CACHE;
	return 0;
}

/* ---- the receive buffer --------------------------------------------------- */

/*
 * The smallest receive slot accepted: an RNDIS packet header and the
 * smallest Ethernet frame (60 B, no FCS), 104 B. Every message the host
 * sends takes at least one slot, so smaller slots hold nothing more; they
 * only multiply the slots, and the completion tables are sized by the
 * slot count (hn_chan_alloc_acks: 24 B a slot per channel, 16 more with
 * rx_extmbuf): 1 B slots on a 31 MiB buffer would be 32 M slots, 0.75 to
 * 1.25 GiB a channel. At 104 B it is at most about 310 K slots, 7 to 12 MiB.
 */
#define HN_RX_SLOT_MIN	((uint32_t)sizeof(struct hv_rndis_packet_msg) + \
			 RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN)

int
hn_rx_sections_check(uint16_t port_id, uint32_t offset, uint32_t size, uint32_t count,
		     uint64_t buf_len)
{
	if (size < HN_RX_SLOT_MIN) {
		PMD_DRV_LOG(ERR, "port %u: receive buffer: the host's slots of %u B are smaller "
			    "than a minimal frame and its RNDIS header (%u B): refused",
			    port_id, size, HN_RX_SLOT_MIN);
		return -EPROTO;
	}
	if (count == 0 || (uint64_t)offset + (uint64_t)size * count > buf_len) {
		PMD_DRV_LOG(ERR, "port %u: receive buffer: %u slots of %u B at offset %u do not "
			    "fit its %" PRIu64 " B", port_id, count, size, offset, buf_len);
		return -EPROTO;
	}
	return 0;
}

/*
 * An attached frame's mbuf needs a real IOVA (another port may DMA from
 * it), so the guest page of every 4 KiB of the receive buffer is looked
 * up once. Where the kernel cannot tell, frames are copied.
 */
int
hn_rx_map_pages(struct hn_dev *hn)
{
	uint64_t i, n = hn_rx_pfn_count(hn->rxbuf_len);

	rte_free(hn->rxbuf_pfn);
	hn->rxbuf_pfn = rte_malloc("hn_rxbuf_pfn", n * sizeof(uint64_t), 0);
	if (hn->rxbuf_pfn == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const volatile uint8_t *page = hn->rxbuf + (i << HV_PAGE_SHIFT);
		phys_addr_t pa;

		(void)*page;	/* present in the page tables, so it has a frame */
		pa = rte_mem_virt2phy((const void *)page);

		if (pa == RTE_BAD_PHYS_ADDR) {
			rte_free(hn->rxbuf_pfn);
			hn->rxbuf_pfn = NULL;
			return -EFAULT;
		}
		hn->rxbuf_pfn[i] = pa >> HV_PAGE_SHIFT;
	}
	return 0;
}

/* ---- frames attached in place (rx_extmbuf_enable) ------------------------ */

int
hn_rxq_ext_setup(struct hn_rxq *rxq, int socket)
{
	char name[RTE_RING_NAMESIZE];
	struct hn_rx_ext_pool *p;
	uint32_t i;

	p = rte_zmalloc_socket("hn_rx_ext", sizeof(*p) + sizeof(p->ent[0]) * rxq->nb_desc,
			       RTE_CACHE_LINE_SIZE, socket);
	if (p == NULL)
		return -ENOMEM;
	/* named after the pool, not the queue: an orphaned pool may still
	 * hold its ring when the queue is set up again */
	snprintf(name, sizeof(name), "hn_rxe_%" PRIxPTR, (uintptr_t)p);
	p->free = rte_ring_create_elem(name, sizeof(uint32_t), rte_align32pow2(rxq->nb_desc + 1u),
				       socket, RING_F_SC_DEQ);
	if (p->free == NULL) {
		rte_free(p);
		return -ENOMEM;
	}
	p->gate = HN_EXT_GATE_CLOSED;
	p->nb = rxq->nb_desc;
	for (i = 0; i < p->nb; i++) {
		p->ent[i].pool = p;
		p->ent[i].idx = i;
		rte_ring_mp_enqueue_elem(p->free, &i, sizeof(i));
	}
	rxq->ext_pool = p;
	return 0;
}

/* Wait until no callback is inside but (maybe) the caller. */
static void
ext_gate_wait(struct hn_rx_ext_pool *p, uint32_t mine)
{
	unsigned int spins = 0;

	/* a callback inside does bounded work: a ring enqueue and at most
	 * one round of sending what the channel's ring has room for; its
	 * thread may have been preempted there, so give the CPU up now
	 * and then */
	while ((__atomic_load_n(&p->gate, __ATOMIC_ACQUIRE) & HN_EXT_GATE_INSIDE) != mine) {
		if (++spins % 1024 == 0)
			sched_yield();
		else
			rte_pause();
	}
}

static void
ext_pool_free(struct hn_rx_ext_pool *p)
{
	ext_gate_wait(p, 0);
	rte_ring_free(p->free);
	rte_free(p);
}

/*
 * Leave the gate. An orphaned pool whose entries are all back is freed by
 * the one that sets FREEING, checked while still inside (nobody frees a
 * pool somebody is inside), freed once the others have left.
 */
static void
ext_gate_leave(struct hn_rx_ext_pool *p)
{
	uint32_t gate = __atomic_load_n(&p->gate, __ATOMIC_ACQUIRE);
	bool last = false;

	if (unlikely((gate & (HN_EXT_GATE_ORPHANED | HN_EXT_GATE_CLOSED)) ==
		     (HN_EXT_GATE_ORPHANED | HN_EXT_GATE_CLOSED)) &&
	    rte_ring_count(p->free) == p->nb)
		last = !(__atomic_fetch_or(&p->gate, HN_EXT_GATE_FREEING, __ATOMIC_ACQ_REL) &
			 HN_EXT_GATE_FREEING);
	__atomic_sub_fetch(&p->gate, 1, __ATOMIC_RELEASE);
	if (last)
		ext_pool_free(p);
}

/* Enter and set bits; returns once callbacks that entered before it
 * (they may be reaching the channel) have left. */
static void
ext_gate_close(struct hn_rx_ext_pool *p, uint32_t bits)
{
	__atomic_add_fetch(&p->gate, 1, __ATOMIC_ACQUIRE);
	__atomic_fetch_or(&p->gate, bits, __ATOMIC_SEQ_CST);
	ext_gate_wait(p, 1);
}

void
hn_rxq_ext_open(struct hn_rxq *rxq)
{
	struct hn_rx_ext_pool *p = rxq->ext_pool;
	uint32_t session;

	if (p == NULL || rxq->ch == NULL)
		return;
	session = __atomic_load_n(&rxq->hn->session, __ATOMIC_ACQUIRE);
	/* a start after a stop in the same session: already open, and
	 * closing it even briefly would drop completions that are due */
	if (!(__atomic_load_n(&p->gate, __ATOMIC_ACQUIRE) & HN_EXT_GATE_CLOSED) &&
	    p->session == session)
		return;
	ext_gate_close(p, HN_EXT_GATE_CLOSED);
	__atomic_store_n(&p->session, session, __ATOMIC_RELAXED);	/* read unlocked by TX */
	__atomic_fetch_and(&p->gate, ~HN_EXT_GATE_CLOSED, __ATOMIC_RELEASE);
	ext_gate_leave(p);
}

void
hn_rxq_set_armed(struct hn_rxq *rxq, uint32_t armed)
{
	if (rxq->ext_pool != NULL)
		__atomic_store_n(&rxq->ext_pool->armed, armed, __ATOMIC_RELEASE);
}

/* Close with bits and leave: from then on no callback reaches the
 * channel; an orphaned pool whose entries are all back goes now. */
static void
ext_gate_shut(struct hn_rx_ext_pool *p, uint32_t bits)
{
	ext_gate_close(p, bits);
	ext_gate_leave(p);
}

void
hn_rxq_ext_close(struct hn_rxq *rxq)
{
	if (rxq->ext_pool != NULL)
		ext_gate_shut(rxq->ext_pool, HN_EXT_GATE_CLOSED);
}

static bool
ext_pool_all_back(const struct hn_rx_ext_pool *p)
{
	return rte_ring_count(p->free) == p->nb;
}

/* For good: no completion any more; the last entry back frees it (or
 * this, when none is held). */
static void
ext_pool_close_orphaned(struct hn_rx_ext_pool *p)
{
	ext_gate_shut(p, HN_EXT_GATE_CLOSED | HN_EXT_GATE_ORPHANED);
}

void
hn_rx_ext_orphans_close(struct hn_dev *hn, bool all)
{
	uint32_t i, kept = 0;

	/* listed pools are open, so no callback frees them under us */
	for (i = 0; i < hn->n_ext_orphans; i++) {
		struct hn_rx_ext_pool *p = hn->ext_orphans[i];

		if (all || ext_pool_all_back(p))
			ext_pool_close_orphaned(p);
		else
			hn->ext_orphans[kept++] = p;
	}
	hn->n_ext_orphans = kept;
}

/*
 * Frames the application still holds keep their entries. While their
 * session lives, their completions are due to the host (its slots): the
 * pool stays open on the device's orphan list until the next detach,
 * and each completion is sent as its frame is freed (the channel may
 * have no queue polling it any more). Otherwise, or when the list is
 * full, it closes now.
 */
void
hn_rxq_ext_release(struct hn_rxq *rxq)
{
	struct hn_rx_ext_pool *p = rxq->ext_pool;
	struct hn_dev *hn = rxq->hn;

	if (p == NULL)
		return;
	rxq->ext_pool = NULL;
	if (hn != NULL)
		hn_rx_ext_orphans_close(hn, false);
	if (hn != NULL && !ext_pool_all_back(p) &&
	    !(__atomic_load_n(&p->gate, __ATOMIC_ACQUIRE) & HN_EXT_GATE_CLOSED)) {
		if (hn->n_ext_orphans < HN_EXT_ORPHANS_MAX) {
			__atomic_store_n(&p->armed, 1, __ATOMIC_RELAXED);
			__atomic_fetch_or(&p->gate, HN_EXT_GATE_ORPHANED, __ATOMIC_RELEASE);
			hn->ext_orphans[hn->n_ext_orphans++] = p;
			return;
		}
		PMD_DRV_LOG(WARNING, "port %u: %u released RX queues already hold frames "
			    "received in place: queue %u's go back to the host only at the "
			    "next reset; free such frames before releasing their queue",
			    rxq->port_id, HN_EXT_ORPHANS_MAX, rxq->queue_id);
	}
	ext_pool_close_orphaned(p);
}

/* The completion of e's transfer packet, for its channel's owner; sent
 * from here when enough wait or the receiver may be asleep. Inside the
 * open gate: the channel is there. */
static void
ext_complete(struct hn_rx_ext_pool *p, const struct hn_rx_ext *e)
{
	struct hn_chan *ch = e->ch;
	struct hn_ack a = { .xid = e->xid, .status = e->status };

	if (ch->vc == NULL || ch->ext_acks == NULL)
		return;
	/*
	 * The completion goes through the channel's owner, never straight
	 * to the ring: this may run inside a drain of the same channel (a
	 * frame dropped there), whose batch would block a direct send.
	 * ext_acks has room for a completion per receive slot: only a host
	 * with more transfer packets out than it has slots fills it. Its
	 * slots stay taken; counted, and the kick below still empties it.
	 */
	if (unlikely(rte_ring_mp_enqueue_elem(ch->ext_acks, &a, sizeof(a)) != 0))
		__atomic_fetch_add(&ch->ext_acks_lost, 1, __ATOMIC_RELAXED);
	if (rte_ring_count(ch->ext_acks) >= ch->ext_kick ||
	    __atomic_load_n(&p->armed, __ATOMIC_RELAXED)) {
		/* pairs with the owner's fence after it lets go */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		hn_chan_acks_kick(ch);
	}
}

/*
 * The last mbuf of a transfer packet is freed (any thread): its slots go
 * back to the host with the channel's next drain, or from here when
 * enough wait or the receiver may be asleep (hn_chan.c, ext_kick). An
 * entry of an older session, or one freed while the gate is closed, is
 * not completed: that session's buffer went back to the host whole. Nor
 * is one abandoned (hn_rx_ext_abandon): the host may still read it.
 */
void
hn_rx_ext_free(void *addr, void *opaque)
{
	struct hn_rx_ext *e = opaque;
	struct hn_rx_ext_pool *p = e->pool;
	uint32_t gate;

	RTE_SET_USED(addr);
	/* DPDK may find the last reference without an atomic operation: what
	 * other threads wrote to the entry (abandoned, status) is seen here */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	gate = __atomic_add_fetch(&p->gate, 1, __ATOMIC_ACQUIRE);
	if (!(gate & HN_EXT_GATE_CLOSED) && e->session == p->session &&
	    !__atomic_load_n(&e->abandoned, __ATOMIC_RELAXED))
		ext_complete(p, e);
	rte_ring_mp_enqueue_elem(p->free, &e->idx, sizeof(e->idx));
	ext_gate_leave(p);
}

/*
 * m was sent by address and the host never said it is done with it (a
 * stop gave up waiting): it may still read those bytes, so the slots of
 * the frames in m received in place must not go back to it when they are
 * freed. Their transfer packets come back with the session's end, as a
 * stale session's do.
 */
void
hn_rx_ext_abandon(struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next) {
		if (RTE_MBUF_HAS_EXTBUF(m) && m->shinfo->free_cb == hn_rx_ext_free) {
			struct hn_rx_ext *e = m->shinfo->fcb_opaque;

			__atomic_store_n(&e->abandoned, true, __ATOMIC_RELAXED);
		}
	}
}

/*
 * How many of the len bytes at offset off of the receive buffer lie on
 * pages that are adjacent frames, from the first: one IOVA describes
 * them (the buffer is mapped page by page, its frames anywhere). The
 * frame was checked to lie inside the buffer, so every page it reaches
 * has an entry.
 */
static uint32_t
rx_run(const struct hn_dev *hn, uint64_t off, uint32_t len)
{
	uint64_t p = off >> HV_PAGE_SHIFT;
	uint32_t run = RTE_MIN(len, HV_PAGE_SIZE - (uint32_t)(off & HV_PAGE_MASK));

	while (run < len && hn->rxbuf_pfn[p + 1] == hn->rxbuf_pfn[p] + 1) {
		run += RTE_MIN(len - run, (uint32_t)HV_PAGE_SIZE);
		p++;
	}
	return run;
}

static inline rte_iova_t
rx_iova(const struct hn_dev *hn, uint64_t off)
{
	return (hn->rxbuf_pfn[off >> HV_PAGE_SHIFT] << HV_PAGE_SHIFT) + (off & HV_PAGE_MASK);
}

/* The entry x's attached frames hold: its own, or a free one; NULL when
 * every entry is in use (counted: the frame is copied). */
static struct hn_rx_ext *
rx_ext_entry(struct hn_rxq *rxq, struct hn_chan *ch, struct hn_xfer *x)
{
	struct hn_rx_ext *e = x->ext;
	uint32_t idx = 0;	/* set by the dequeue; gcc cannot tell */

	if (e != NULL)
		return e;
	if (rte_ring_sc_dequeue_elem(rxq->ext_pool->free, &idx, sizeof(idx)) != 0) {
		rxq->stats.ext_exhausted++;
		return NULL;
	}
	e = &rxq->ext_pool->ent[idx];
	e->ch = ch;
	e->xid = x->xid;
	e->session = rxq->hn->session;
	e->status = HV_NVSP_STATUS_SUCCESS;
	e->abandoned = false;
	e->shinfo.free_cb = hn_rx_ext_free;
	e->shinfo.fcb_opaque = e;
	rte_mbuf_ext_refcnt_set(&e->shinfo, 1);	/* the parser's reference */
	x->ext = e;
	return e;
}

/* One segment on len bytes at data, whose IOVA is iova. */
static struct rte_mbuf *
rx_attach_seg(struct hn_rxq *rxq, struct hn_rx_ext *e, uint8_t *data, rte_iova_t iova,
	      uint32_t len)
{
	struct rte_mbuf *m = hn_rx_mbuf(rxq);

	if (m == NULL)
		return NULL;
	rte_mbuf_ext_refcnt_update(&e->shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, data, iova, (uint16_t)len, &e->shinfo);
	m->data_off = 0;
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	return m;
}

/*
 * Attach the frame at data in place; NULL: copy it instead. A frame
 * across pages that are not adjacent frames is a chain of one segment per
 * run of adjacent ones when the application takes chains (RX scatter),
 * else copied. A jumbo frame on 4 KiB pages is nearly always such a one.
 * Applications read a frame's headers from its first segment, so one
 * whose first run is shorter than any header stack is copied too.
 */
#define HN_RX_CHAIN_HEAD_MIN	128u	/* Ethernet, VLAN, IPv6, TCP with options */

static struct rte_mbuf *
rx_attach(struct hn_rxq *rxq, struct hn_chan *ch, struct hn_xfer *x, uint8_t *data,
	  uint32_t len)
{
	struct hn_dev *hn = rxq->hn;
	uint64_t off = (uint64_t)(data - hn->rxbuf);
	uint32_t run = rx_run(hn, off, len);
	struct rte_mbuf *head, *m;
	struct hn_rx_ext *e;

	if (run < len && (!rxq->scatter || run < HN_RX_CHAIN_HEAD_MIN)) {
		rxq->stats.ext_scattered++;
		return NULL;
	}
	e = rx_ext_entry(rxq, ch, x);
	if (e == NULL)
		return NULL;
	head = rx_attach_seg(rxq, e, data, rx_iova(hn, off), run);
	for (m = head; m != NULL && run < len; m = m->next) {
		uint32_t more = rx_run(hn, off + run, len - run);

		m->next = rx_attach_seg(rxq, e, data + run, rx_iova(hn, off + run), more);
		if (m->next == NULL) {
			rte_pktmbuf_free(head);	/* the parser's reference stays */
			return NULL;
		}
		head->nb_segs++;
		run += more;
	}
	if (head == NULL)
		return NULL;
	head->pkt_len = len;
	rxq->stats.attached++;
	if (head->nb_segs > 1)
		rxq->stats.ext_chained++;
	return head;
}

/* The parser is done with a transfer packet: complete it now, unless
 * frames attached to it are still out there; then whoever frees the last
 * one completes it, with the status the parser found (a broken chain or a
 * malformed message: failed, as without attached frames). */
static bool
rx_xfer_done(struct hn_xfer *x, uint32_t status)
{
	struct hn_rx_ext *e = x->ext;

	if (e == NULL)
		return true;
	e->status = status;	/* published by the release of the refcnt update */
	if (rte_mbuf_ext_refcnt_update(&e->shinfo, -1) != 0)
		return false;	/* hn_rx_ext_free() completes it */
	rte_ring_mp_enqueue_elem(e->pool->free, &e->idx, sizeof(e->idx));
	return true;
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
	bool strip;

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
				hn_lro_drop(rxq->lro);
		}
		return 0;
	}
	data = msg + HV_RNDIS_OFFSET_BASE + h.data_offset;
	/* read once: vlan_offload_set may change it while we run */
	strip = __atomic_load_n(&rxq->vlan_strip, __ATOMIC_RELAXED);
	if (unlikely(info.have & HN_RXI_FRAG)) {
		hn_lro_frag(rxq, x, data, h.data_len, &info);
		return 0;
	}
	if (unlikely(x->lro))
		hn_lro_break(rxq, x, "a whole frame between its fragments");
	/* the host was told the MTU: a longer frame is a broken host, and
	 * copying it would cost as much as the message is long */
	if (unlikely(h.data_len > hn_rx_frame_max(rxq))) {
		rxq->stats.too_long++;
		return 0;
	}
	m = NULL;
	/* a frame the host put at an odd address is copied: the application
	 * reads its headers as 16-bit fields (rte_ether_hdr is 2-aligned) */
	if (rxq->extmbuf && h.data_len > rxq->copybreak && h.data_len <= UINT16_MAX &&
	    ((uintptr_t)data & 1) == 0 && (strip || !(info.have & HN_RXI_VLAN)))
		m = rx_attach(rxq, ch, x, data, h.data_len);
	if (m == NULL)
		m = rx_copy(rxq, data, h.data_len);
	if (unlikely(m == NULL))
		return 0;
	if (unlikely(hn_rx_ip4_csum_stale(&info)))
		hn_rx_ip4_recksum(m);
	hn_rx_fill(rxq, m, &info, strip);
	hn_rx_deliver(rxq, sink, m);
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

/*
 * A transfer-page packet: ranges of the receive buffer, one message each.
 * Each range holds a message in slots of its own, so a packet has at most
 * as many ranges as the buffer has slots (and HN_RX_RANGES_MAX), and its
 * ranges add up to at most the buffer: a host that points thousands of
 * ranges at one large message is refused, not copied gigabytes from.
 * Returns the work done, in ranges: the drain's budget counts it.
 */
unsigned int
hn_rx_xfer(struct hn_dev *hn, struct hn_chan *ch, struct hn_sink *sink,
	   const struct hv_ring_pkt *pkt)
{
	const uint8_t *p = pkt->data;
	uint32_t hlen = pkt->desc.offset8 * 8u;
	struct hn_xfer x = { .sink = sink, .ext = NULL, .xid = pkt->desc.trans_id, .lro = 0 };
	struct hv_xfer_page_hdr xh;
	uint32_t i, status = HV_NVSP_STATUS_SUCCESS, work = 1;
	uint64_t bytes = 0;

	if (hlen < sizeof(xh)) {
		ch->bad_packets++;
		status = HV_NVSP_STATUS_FAILED;
		goto ack;
	}
	memcpy(&xh, p, sizeof(xh));
	if (xh.xfer_pageset_id != HV_RXBUF_XFER_PAGESET_ID ||
	    xh.range_cnt == 0 || xh.range_cnt > (hlen - sizeof(xh)) / sizeof(struct hv_xfer_range) ||
	    xh.range_cnt > RTE_MIN(hn->rx_slots, HN_RX_RANGES_MAX) ||
	    hn->nvsp_state < HN_NVSP_BUFFERS) {
		ch->bad_packets++;
		status = HV_NVSP_STATUS_FAILED;
		goto ack;
	}
	for (i = 0; i < xh.range_cnt; i++) {
		struct hv_xfer_range r;

		memcpy(&r, p + sizeof(xh) + i * sizeof(r), sizeof(r));
		/* a host sends the frames it has ready as one packet's ranges:
		 * the next one's message is warmed as the next packet's is */
		if (i + 1 < xh.range_cnt)
			hn_rx_prefetch_msg(hn, p + sizeof(xh) + (i + 1) * sizeof(r));
		bytes += r.byte_count;
		if (unlikely(bytes > hn->rxbuf_len)) {
			/* overlapping ranges: the rest of the packet is dropped */
			ch->bad_packets++;
			if (x.lro)
				hn_lro_break(ch->rxq, &x, "ranges larger than the receive buffer");
			status = HV_NVSP_STATUS_FAILED;
			break;
		}
		if ((uint64_t)r.byte_offset + r.byte_count > hn->rxbuf_len ||
		    rx_rndis(hn, ch, &x, hn->rxbuf + r.byte_offset, r.byte_count) < 0) {
			if (ch->rxq != NULL)
				ch->rxq->stats.errors++;
			else
				ch->bad_packets++;
			if (x.lro)
				hn_lro_break(ch->rxq, &x, "a malformed message between its fragments");
			status = HV_NVSP_STATUS_FAILED;
		}
	}
	if (unlikely(x.lro)) {
		hn_lro_break(ch->rxq, &x, "no last fragment in the transfer packet");
		if (x.lro & HN_XFER_LRO_BROKEN)
			status = HV_NVSP_STATUS_FAILED;
	}
	work = RTE_MAX(i, 1u);
	if (!rx_xfer_done(&x, status))
		return work;	/* completed when its attached frames are freed */
ack:
	/* the slots go back to the host whatever was inside (§I.1) */
	hn_chan_ack_rx(ch, pkt->desc.trans_id, status);
	return work;
}

/* ---- RX burst ----------------------------------------------------------- */

/* The checksum flags the host would have set, computed here. */
uint64_t
hn_rx_sw_csum_flags(struct rte_mbuf *m)
{
	struct rte_net_hdr_lens hl;
	uint32_t pt = rte_net_get_ptype(m, &hl, RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK |
					RTE_PTYPE_L4_MASK);
	uint32_t l4 = pt & RTE_PTYPE_L4_MASK, avail;
	uint64_t fl = 0;
	const void *l4h;

	if (m->nb_segs != 1 || (l4 != RTE_PTYPE_L4_TCP && l4 != RTE_PTYPE_L4_UDP &&
				!RTE_ETH_IS_IPV4_HDR(pt)))
		return 0;	/* unknown: no flag, as the host leaves it */
	/* the L4 sums run over the length the IP header claims: the frame
	 * (the host's data) must hold it, and IPv6 without extension headers
	 * (payload_len counts them, the verify does not skip them) */
	if ((uint32_t)hl.l2_len + hl.l3_len > m->data_len)
		return 0;	/* an IHL past the frame: nothing to sum */
	avail = m->data_len - hl.l2_len;
	l4h = rte_pktmbuf_mtod_offset(m, const uint8_t *, hl.l2_len + hl.l3_len);
	if (RTE_ETH_IS_IPV4_HDR(pt)) {
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, hl.l2_len);
		uint32_t ip_len = rte_be_to_cpu_16(ip->total_length);

		fl |= rte_raw_cksum(ip, hl.l3_len) == 0xffff ? RTE_MBUF_F_RX_IP_CKSUM_GOOD :
							       RTE_MBUF_F_RX_IP_CKSUM_BAD;
		if ((l4 == RTE_PTYPE_L4_TCP || l4 == RTE_PTYPE_L4_UDP) &&
		    ip_len >= hl.l3_len && ip_len <= avail)
			fl |= rte_ipv4_udptcp_cksum_verify(ip, l4h) == 0 ?
			      RTE_MBUF_F_RX_L4_CKSUM_GOOD : RTE_MBUF_F_RX_L4_CKSUM_BAD;
	} else if (RTE_ETH_IS_IPV6_HDR(pt) && (l4 == RTE_PTYPE_L4_TCP || l4 == RTE_PTYPE_L4_UDP) &&
		   hl.l3_len == sizeof(struct rte_ipv6_hdr)) {
		const struct rte_ipv6_hdr *ip6 =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, hl.l2_len);

		if (sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len) <= avail)
			fl |= rte_ipv6_udptcp_cksum_verify(ip6, l4h) == 0 ?
			      RTE_MBUF_F_RX_L4_CKSUM_GOOD : RTE_MBUF_F_RX_L4_CKSUM_BAD;
	}
	return fl;
}

/*
 * The RSS hash the host computes on the synthetic path (Toeplitz with the
 * port's key over the types in hash_info: TCP 4-tuples, IP 2-tuples; UDP
 * is hashed by its addresses, as NDIS does), for a VF that gives none.
 */
static void
sw_rss(const struct hn_dev *hn, struct rte_mbuf *m)
{
	uint32_t hi = hn->rss_hash_info, pt, l4, len = 0;
	union rte_thash_tuple t;
	struct rte_net_hdr_lens hl;
	const struct rte_tcp_hdr *th;

	if (m->nb_segs != 1)
		return;
	pt = rte_net_get_ptype(m, &hl, RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK |
			       RTE_PTYPE_L4_MASK);
	l4 = pt & RTE_PTYPE_L4_MASK;
	th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, hl.l2_len + hl.l3_len);
	if (RTE_ETH_IS_IPV4_HDR(pt) && (hi & (HV_NDIS_HASH_IPV4 | HV_NDIS_HASH_TCP_IPV4))) {
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, hl.l2_len);

		t.v4.src_addr = rte_be_to_cpu_32(ip->src_addr);
		t.v4.dst_addr = rte_be_to_cpu_32(ip->dst_addr);
		if (l4 == RTE_PTYPE_L4_TCP && (hi & HV_NDIS_HASH_TCP_IPV4)) {
			t.v4.sport = rte_be_to_cpu_16(th->src_port);
			t.v4.dport = rte_be_to_cpu_16(th->dst_port);
			len = RTE_THASH_V4_L4_LEN;
		} else if (hi & HV_NDIS_HASH_IPV4) {
			len = RTE_THASH_V4_L3_LEN;
		}
	} else if (RTE_ETH_IS_IPV6_HDR(pt) && (hi & (HV_NDIS_HASH_IPV6 | HV_NDIS_HASH_TCP_IPV6))) {
		rte_thash_load_v6_addrs(rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								hl.l2_len), &t);
		if (l4 == RTE_PTYPE_L4_TCP && (hi & HV_NDIS_HASH_TCP_IPV6)) {
			t.v6.sport = rte_be_to_cpu_16(th->src_port);
			t.v6.dport = rte_be_to_cpu_16(th->dst_port);
			len = RTE_THASH_V6_L4_LEN;
		} else if (hi & HV_NDIS_HASH_IPV6) {
			len = RTE_THASH_V6_L3_LEN;
		}
	}
	if (len == 0)
		return;
	m->hash.rss = rte_softrss((uint32_t *)&t, len, hn->rss_key);
	m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
}

void
hn_vf_rx_fixup(const struct hn_rxq *rxq, struct rte_mbuf **pkts, uint16_t n, uint32_t fix)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (fix & HN_VF_SW_RSS)
			sw_rss(rxq->hn, m);

		if (fix & HN_VF_SW_VLAN_STRIP)
			rte_vlan_strip(m);	/* a no-op on an untagged frame */
		if (fix & HN_VF_SW_CSUM) {
			m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
			m->ol_flags |= hn_rx_sw_csum_flags(m);
		}
	}
}

/* A poll that may find something: a VF, staged frames, the channel. */
static __rte_noinline uint16_t
recv_busy(struct hn_rxq *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t got = 0;

	/* with a VF, every other poll reads it first: neither path starves */
	if (unlikely(hn_vf_present(rxq->hn)) && (rxq->polls & 1))
		got = hn_vf_rx(rxq, pkts, n);
	/* frames another thread drained come first: they are older */
	if (unlikely(!rte_ring_empty(rxq->staging)) && got < n)
		got += (uint16_t)rte_ring_sc_dequeue_burst(rxq->staging, (void **)(pkts + got),
							   n - got, NULL);
	if (got < n && !hn_chan_idle(rxq->ch))
		got += hn_chan_drain(rxq->hn, rxq->ch, pkts + got, n - got, HN_RX_BURST_BUDGET);
	if (unlikely(hn_vf_present(rxq->hn)) && !(rxq->polls & 1) && got < n)
		got += hn_vf_rx(rxq, pkts + got, n - got);
	return got;
}

/*
 * The poll of an idle queue is the common one: it stays a leaf (a few
 * loads, no call, no register saved) and everything else is a tail call.
 */
uint16_t
hn_recv_pkts(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct hn_rxq *rxq = q;
	uint64_t polls = rxq->polls + 1;

	if (unlikely(!rxq->started))
		return 0;
	__atomic_store_n(&rxq->polls, polls, __ATOMIC_RELAXED);
	if (likely(!hn_vf_present(rxq->hn)) && rte_ring_empty(rxq->staging) &&
	    hn_chan_idle(rxq->ch))
		return 0;
	return recv_busy(rxq, pkts, n);
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
