/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * DPDK without EAL for the fuzz targets. EAL wants hugepages (or at least
 * its memory subsystem) for rte_malloc, rte_ring_create and every
 * mempool; the PMD files under test only need memory, so this file
 * defines those few functions over malloc (the definitions in the
 * executable take precedence over the shared libraries'), and builds an
 * mbuf pool by hand on mempool ops of its own.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "fuzz_env.h"
#include "hn_chan.h"
#include "hn_lro.h"
#include "hn_rx.h"
#include "hn_tx.h"

/* what the driver's log macros name; ethdev registers them in the PMD */
int hn_logtype_init = RTE_LOGTYPE_USER1;
int hn_logtype_driver = RTE_LOGTYPE_USER1;

/* ---- rte_malloc and rte_ring on the heap ---------------------------------- */

void *
rte_malloc_socket(const char *type, size_t size, unsigned int align, int socket)
{
	void *p;

	(void)type;
	(void)socket;
	if (align < sizeof(void *))
		align = sizeof(void *);
	if (posix_memalign(&p, align, size ? size : 1) != 0)
		return NULL;
	return p;
}

void *
rte_malloc(const char *type, size_t size, unsigned int align)
{
	return rte_malloc_socket(type, size, align, SOCKET_ID_ANY);
}

void *
rte_zmalloc_socket(const char *type, size_t size, unsigned int align, int socket)
{
	void *p = rte_malloc_socket(type, size, align, socket);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

void *
rte_zmalloc(const char *type, size_t size, unsigned int align)
{
	return rte_zmalloc_socket(type, size, align, SOCKET_ID_ANY);
}

void *
rte_calloc(const char *type, size_t num, size_t size, unsigned int align)
{
	return rte_zmalloc(type, num * size, align);
}

void
rte_free(void *p)
{
	free(p);
}

rte_iova_t
rte_malloc_virt2iova(const void *addr)
{
	return (rte_iova_t)(uintptr_t)addr;
}

struct rte_ring *
rte_ring_create_elem(const char *name, unsigned int esize, unsigned int count,
		     int socket_id, unsigned int flags)
{
	ssize_t size = rte_ring_get_memsize_elem(esize, count);
	struct rte_ring *r;

	(void)socket_id;
	if (size < 0)
		return NULL;
	r = rte_zmalloc(name, (size_t)size, RTE_CACHE_LINE_SIZE);
	if (r != NULL && rte_ring_init(r, name, count, flags) < 0) {
		free(r);
		return NULL;
	}
	return r;
}

struct rte_ring *
rte_ring_create(const char *name, unsigned int count, int socket_id, unsigned int flags)
{
	return rte_ring_create_elem(name, sizeof(void *), count, socket_id, flags);
}

void
rte_ring_free(struct rte_ring *r)
{
	free(r);
}

/* ---- an mbuf pool on the heap ----------------------------------------------- */

/* A stack of free objects, and which objects are in it. An object is a
 * cache line (its mempool header at the end) then the mbuf, aligned. */
struct heap_pool {
	uint8_t *mem;		/* n elements of stride bytes */
	size_t stride;		/* header + element */
	unsigned int n;
	unsigned int top;
	void **stack;
	uint8_t *in_pool;	/* one byte per object */
};

static unsigned int
heap_index(const struct heap_pool *hp, void *obj)
{
	uintptr_t off = (uintptr_t)obj - (uintptr_t)hp->mem - RTE_CACHE_LINE_SIZE;

	if ((uintptr_t)obj < (uintptr_t)hp->mem + RTE_CACHE_LINE_SIZE || off % hp->stride != 0 ||
	    off / hp->stride >= hp->n) {
		fprintf(stderr, "fuzz pool: %p is not one of its objects\n", obj);
		abort();
	}
	return (unsigned int)(off / hp->stride);
}

static int
heap_alloc(struct rte_mempool *mp)
{
	(void)mp;
	return 0;
}

static void
heap_free(struct rte_mempool *mp)
{
	(void)mp;
}

static int
heap_enqueue(struct rte_mempool *mp, void * const *objs, unsigned int n)
{
	struct heap_pool *hp = mp->pool_data;
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned int k = heap_index(hp, objs[i]);

		if (hp->in_pool[k]) {
			fprintf(stderr, "fuzz pool: mbuf %u freed twice\n", k);
			abort();
		}
		hp->in_pool[k] = 1;
		hp->stack[hp->top++] = objs[i];
	}
	return 0;
}

static int
heap_dequeue(struct rte_mempool *mp, void **objs, unsigned int n)
{
	struct heap_pool *hp = mp->pool_data;
	unsigned int i;

	if (hp->top < n)
		return -ENOBUFS;
	for (i = 0; i < n; i++) {
		objs[i] = hp->stack[--hp->top];
		hp->in_pool[heap_index(hp, objs[i])] = 0;
	}
	return 0;
}

static unsigned int
heap_count(const struct rte_mempool *mp)
{
	return ((const struct heap_pool *)mp->pool_data)->top;
}

static const struct rte_mempool_ops heap_ops = {
	.name = "hvnet_fuzz_heap",
	.alloc = heap_alloc,
	.free = heap_free,
	.enqueue = heap_enqueue,
	.dequeue = heap_dequeue,
	.get_count = heap_count,
};

struct rte_mempool *
fuzz_pool_create(unsigned int n, uint16_t data_room)
{
	struct rte_pktmbuf_pool_private priv = { .mbuf_data_room_size = data_room };
	size_t mp_size = sizeof(struct rte_mempool) + sizeof(priv);
	struct rte_mempool *mp;
	struct heap_pool *hp;
	int ops;
	unsigned int i;

	ops = rte_mempool_register_ops(&heap_ops);
	mp = rte_zmalloc("fuzz_pool", mp_size, RTE_CACHE_LINE_SIZE);
	hp = calloc(1, sizeof(*hp));
	if (ops < 0 || mp == NULL || hp == NULL)
		abort();
	snprintf(mp->name, sizeof(mp->name), "fuzz_pool");
	mp->elt_size = (uint32_t)(sizeof(struct rte_mbuf) + data_room);
	mp->header_size = sizeof(struct rte_mempool_objhdr);
	mp->size = n;
	mp->populated_size = n;
	mp->ops_index = ops;
	mp->private_data_size = sizeof(priv);
	mp->pool_data = hp;
	mp->socket_id = SOCKET_ID_ANY;
	rte_pktmbuf_pool_init(mp, &priv);
	hp->n = n;
	hp->stride = RTE_ALIGN_CEIL(RTE_CACHE_LINE_SIZE + mp->elt_size, RTE_CACHE_LINE_SIZE);
	hp->mem = rte_zmalloc("fuzz_mbufs", hp->stride * n + RTE_CACHE_LINE_SIZE,
			      RTE_CACHE_LINE_SIZE);
	hp->stack = calloc(n, sizeof(void *));
	hp->in_pool = calloc(n, 1);
	if (hp->mem == NULL || hp->stack == NULL || hp->in_pool == NULL)
		abort();
	for (i = 0; i < n; i++) {
		void *obj = hp->mem + i * hp->stride + RTE_CACHE_LINE_SIZE;
		struct rte_mempool_objhdr *h = rte_mempool_get_header(obj);

		h->mp = mp;
		h->iova = (rte_iova_t)(uintptr_t)obj;
		rte_pktmbuf_init(mp, NULL, obj, i);
		heap_enqueue(mp, &obj, 1);
	}
	return mp;
}

unsigned int
fuzz_pool_avail(const struct rte_mempool *mp)
{
	return heap_count(mp);
}

/* ---- the bus functions hn_nvsp.c and hn_rndis.c link against ----------------- */

int
vmbus_chan_open(struct vmbus_device *dev, struct vmbus_channel **chan)
{
	(void)dev;
	(void)chan;
	return -ENOTSUP;
}

int
vmbus_subchan_open(struct vmbus_channel *primary, struct vmbus_channel **chan,
		   unsigned int timeout_ms)
{
	(void)primary;
	(void)chan;
	(void)timeout_ms;
	return -ENOTSUP;
}

void
vmbus_chan_close(struct vmbus_channel *chan)
{
	(void)chan;
}

uint16_t
vmbus_chan_subchannel_id(const struct vmbus_channel *chan)
{
	(void)chan;
	return 0;
}

uint32_t
vmbus_chan_tx_pending(const struct vmbus_channel *chan)
{
	(void)chan;
	return 0;
}

/* ethdev's part of a link change: nothing to tell here */
void
hn_linkstatus_callback(struct hn_dev *hn)
{
	(void)hn;
}

/* ---- the device ------------------------------------------------------------- */

static struct hn_rxq *
rxq_create(struct hn_dev *hn, struct hn_chan *ch, struct rte_mempool *mp)
{
	struct hn_rxq *rxq = rte_zmalloc("rxq", sizeof(*rxq), RTE_CACHE_LINE_SIZE);

	if (rxq == NULL)
		abort();
	rxq->hn = hn;
	rxq->ch = ch;
	rxq->mp = mp;
	rxq->nb_desc = 256;
	rxq->buf_size = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
	hn_rxq_mbuf_template(rxq);
	rxq->staging = rte_ring_create("rxq_staging", 256, SOCKET_ID_ANY,
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (rxq->staging == NULL)
		abort();
	rxq->scatter = true;
	rxq->vlan_strip = true;
	rxq->lro_max = HN_LRO_PKT_MAX;
	if (hn_rxq_lro_setup(rxq, SOCKET_ID_ANY) != 0 ||
	    hn_rxq_ext_setup(rxq, SOCKET_ID_ANY) != 0)
		abort();
	hn_rxq_ext_open(rxq);
	rxq->copybreak = 256;
	rxq->started = true;
	return rxq;
}

static struct hn_txq *
txq_create(struct hn_dev *hn, struct hn_chan *ch)
{
	struct hn_txq *txq = rte_zmalloc("txq", sizeof(*txq), RTE_CACHE_LINE_SIZE);

	if (txq == NULL)
		abort();
	txq->hn = hn;
	txq->ch = ch;
	txq->nb_desc = FUZZ_TX_DESC;
	txq->txd = rte_zmalloc("txd", sizeof(*txq->txd) * FUZZ_TX_DESC, 0);
	txq->free_idx = rte_ring_create_elem("txq_free", sizeof(uint32_t), 64, SOCKET_ID_ANY,
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
	txq->hdr = rte_zmalloc("txh", FUZZ_TX_DESC * HN_TX_HDR_SIZE, 4096);
	if (txq->txd == NULL || txq->free_idx == NULL || txq->hdr == NULL)
		abort();
	txq->hdr_iova = rte_malloc_virt2iova(txq->hdr);
	if (hn_txq_bind(hn, txq, 1) != 0)
		abort();
	txq->started = true;
	return txq;
}

static struct fuzz_dev *
dev_create(void)
{
	struct fuzz_dev *d = calloc(1, sizeof(*d));
	struct hn_dev *hn = rte_zmalloc("hn", sizeof(*hn), RTE_CACHE_LINE_SIZE);

	if (d == NULL || hn == NULL)
		abort();
	/* quiet: the driver logs what a hostile host does, at every input */
	rte_log_set_global_level(RTE_LOG_EMERG);
	d->pool = fuzz_pool_create(FUZZ_POOL_MBUFS, RTE_MBUF_DEFAULT_DATAROOM +
				   RTE_PKTMBUF_HEADROOM);
	hn->args.timeout_s = 0;		/* a wait drains once, then gives up */
	hn->args.tx_copybreak = HN_TX_COPYBREAK_DEFAULT;
	hn->session = 1;
	hn->nvsp_state = HN_NVSP_READY;
	hn->nvsp_ver = HV_NVSP_PROTO_V61;
	hn->ndis_ver = HV_NDIS_VERSION_6_30;
	hn->rxbuf = rte_zmalloc("rxbuf", FUZZ_RXBUF_BYTES, 4096);
	hn->rxbuf_len = FUZZ_RXBUF_BYTES;
	hn->rx_slots = FUZZ_RX_SLOTS;
	/* frames may be attached in place (fuzz_dev_set_extmbuf): the
	 * guest pages of the receive buffer, as if physical = virtual */
	hn->args.rx_extmbuf = true;
	hn->rxbuf_pfn = calloc(FUZZ_RXBUF_BYTES >> HV_PAGE_SHIFT, sizeof(uint64_t));
	if (hn->rxbuf_pfn == NULL)
		abort();
	hn->chim = rte_zmalloc("chim", FUZZ_CHIM_SECTIONS * FUZZ_CHIM_SECTION, 4096);
	hn->chim_len = FUZZ_CHIM_SECTIONS * FUZZ_CHIM_SECTION;
	hn->chim_section_size = FUZZ_CHIM_SECTION;
	hn->chim_count = FUZZ_CHIM_SECTIONS;
	hn->ctl_section = FUZZ_CHIM_SECTIONS - 1;
	hn->agg_max_pkts = 8;
	hn->agg_max_bytes = FUZZ_CHIM_SECTION;
	hn->agg_align = 8;
	hn->mtu = 1500;
	if (hn->rxbuf == NULL || hn->chim == NULL)
		abort();
	for (unsigned int i = 0; i < FUZZ_RXBUF_BYTES >> HV_PAGE_SHIFT; i++)
		hn->rxbuf_pfn[i] = ((uintptr_t)hn->rxbuf >> HV_PAGE_SHIFT) + i;
	d->hn = hn;
	d->ch = &hn->chans[0];
	d->vc = fake_chan_create(FUZZ_RING_BYTES);
	hn_chan_bind(hn, d->ch, d->vc);
	if (hn_chan_alloc_acks(hn, d->ch) != 0)
		abort();
	hn->nchan = 1;
	d->rxq = rxq_create(hn, d->ch, d->pool);
	d->txq = txq_create(hn, d->ch);
	d->ch->rxq = d->rxq;
	d->ch->txq = d->txq;
	return d;
}

struct fuzz_dev *
fuzz_dev_get(void)
{
	static struct fuzz_dev *d;

	if (d == NULL)
		d = dev_create();
	return d;
}

/* Both rings empty again, as the host created them. */
static void
rings_reset(struct vmbus_channel *vc)
{
	struct hv_ring *views[] = { &vc->tx, &vc->rx, &vc->host_tx, &vc->host_rx };
	uint8_t *mem = vc->mem;
	unsigned int i;

	memset(mem, 0, 4096);
	memset(mem + FUZZ_RING_BYTES, 0, 4096);
	hv_ring_init_header(&vc->tx, 1);
	hv_ring_init_header(&vc->rx, 1);
	for (i = 0; i < RTE_DIM(views); i++)
		if (hv_ring_attach(views[i], mem + (i & 1) * FUZZ_RING_BYTES,
				   FUZZ_RING_BYTES) < 0)
			abort();
}

void
fuzz_dev_reset(struct fuzz_dev *d)
{
	struct hn_chan *ch = d->ch;

	rings_reset(d->vc);
	memset(d->hn->rxbuf, 0, FUZZ_RXBUF_BYTES);
	ch->ack_head = 0;
	ch->ack_count = 0;
	ch->ack_new = 0;
	ch->owner = 0;
	memset(&d->hn->ctl, 0, sizeof(d->hn->ctl));
	d->hn->nvsp_state = HN_NVSP_READY;
	d->hn->rxbuf_len = FUZZ_RXBUF_BYTES;
	fuzz_dev_set_extmbuf(d, false, 256);
	/* free descriptors in their first order again: an input must do
	 * the same thing whatever ran before it (libFuzzer replays) */
	if (hn_txq_bind(d->hn, d->txq, 1) != 0)
		abort();
	hn_rxq_ext_release(d->rxq);
	if (hn_rxq_ext_setup(d->rxq, SOCKET_ID_ANY) != 0)
		abort();
	hn_rxq_ext_open(d->rxq);
}

void
fuzz_dev_set_extmbuf(struct fuzz_dev *d, bool on, uint32_t copybreak)
{
	d->rxq->extmbuf = on;
	d->rxq->copybreak = copybreak;
}

void
fuzz_dev_set_page_gaps(struct fuzz_dev *d, uint8_t gaps)
{
	uint64_t pfn = (uintptr_t)d->hn->rxbuf >> HV_PAGE_SHIFT;
	unsigned int i;

	/* frame numbers are only ever IOVAs here, never dereferenced */
	for (i = 0; i < FUZZ_RXBUF_BYTES >> HV_PAGE_SHIFT; i++) {
		if (i > 0 && ((gaps >> (i % 8)) & 1))
			pfn += 16;
		d->hn->rxbuf_pfn[i] = pfn + i;
	}
}

void
fuzz_dev_drain_all(struct fuzz_dev *d)
{
	struct rte_mbuf *pkts[32];
	unsigned int round;

	for (round = 0; round < 64; round++) {
		uint16_t n = hn_chan_drain(d->hn, d->ch, pkts, RTE_DIM(pkts),
					   HN_RX_BURST_BUDGET);
		uint16_t i;

		/* what the application gets must be a sane mbuf chain
		 * (segment count, lengths, data inside the buffers) */
		for (i = 0; i < n; i++) {
			const char *why = NULL;

			if (rte_mbuf_check(pkts[i], 1, &why) != 0 ||
			    pkts[i]->pkt_len > HN_LRO_PKT_MAX + RTE_ETHER_HDR_LEN) {
				fprintf(stderr, "fuzz: bad mbuf from the drain: %s (%u bytes)\n",
					why ? why : "too long", pkts[i]->pkt_len);
				abort();
			}
		}
		rte_pktmbuf_free_bulk(pkts, n);
		if (n == 0 && hn_chan_idle(d->ch))
			break;
		if (n == 0)
			break;	/* only bad packets left: the drain skips them or stops */
	}
}

void
fuzz_dev_check_idle(struct fuzz_dev *d)
{
	hn_rxq_flush(d->rxq);
	hn_lro_drop(d->rxq->lro);
	hn_txq_reclaim_all(d->txq);
	/* completions of attached frames, left by their free callbacks */
	hn_chan_drain(d->hn, d->ch, NULL, 0, HN_RX_BURST_BUDGET);
	if (rte_ring_count(d->rxq->ext_pool->free) != d->rxq->nb_desc) {
		fprintf(stderr, "fuzz: %u of %u attach descriptors not back\n",
			d->rxq->nb_desc - rte_ring_count(d->rxq->ext_pool->free), d->rxq->nb_desc);
		abort();
	}
	if (fuzz_pool_avail(d->pool) != FUZZ_POOL_MBUFS) {
		fprintf(stderr, "fuzz: %u of %u mbufs not back in the pool\n",
			FUZZ_POOL_MBUFS - fuzz_pool_avail(d->pool), FUZZ_POOL_MBUFS);
		abort();
	}
}

int
fuzz_host_write(struct fuzz_dev *d, const void *pkt, uint32_t len)
{
	return fake_host_write(d->vc, pkt, len);
}

int
fuzz_host_xfer(struct fuzz_dev *d, uint64_t xid, uint16_t pageset,
	       const struct hv_xfer_range *r, uint32_t n)
{
	uint8_t pkt[sizeof(struct hv_xfer_page_hdr) + 256 * sizeof(struct hv_xfer_range)];
	struct hv_xfer_page_hdr h;
	uint32_t len;

	if (n > 256)
		n = 256;
	len = (uint32_t)sizeof(h) + n * (uint32_t)sizeof(*r);
	memset(&h, 0, sizeof(h));
	h.desc.type = HV_PKT_DATA_XFER_PAGES;
	h.desc.offset8 = (uint16_t)(len / 8);
	h.desc.len8 = (uint16_t)((len + 7) / 8);
	h.desc.flags = HV_PKT_FLAG_COMPLETION_REQUESTED;
	h.desc.trans_id = xid;
	h.xfer_pageset_id = pageset;
	h.range_cnt = n;
	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, &h, sizeof(h));
	memcpy(pkt + sizeof(h), r, n * sizeof(*r));
	return fake_host_write(d->vc, pkt, h.desc.len8 * 8u);
}

int
fuzz_host_packet(struct fuzz_dev *d, uint16_t type, uint64_t xid, const void *data,
		 uint32_t dlen)
{
	uint8_t pkt[4096];
	struct hv_pkt_desc desc = { .type = type, .offset8 = sizeof(desc) / 8, .trans_id = xid };
	uint32_t len;

	if (dlen > sizeof(pkt) - sizeof(desc))
		dlen = sizeof(pkt) - sizeof(desc);
	len = (uint32_t)sizeof(desc) + dlen;
	desc.len8 = (uint16_t)((len + 7) / 8);
	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, &desc, sizeof(desc));
	memcpy(pkt + sizeof(desc), data, dlen);
	return fake_host_write(d->vc, pkt, desc.len8 * 8u);
}
