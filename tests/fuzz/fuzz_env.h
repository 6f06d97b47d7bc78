/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * What every fuzz target shares: DPDK without EAL (a heap-backed mbuf
 * pool, rte_malloc and rte_ring on malloc), one netvsc device with one
 * channel, an RX and a TX queue over the in-memory bus of tests/pmd
 * (fake_bus.c on the real ring code), and a byte reader for inputs.
 */

#ifndef FUZZ_ENV_H
#define FUZZ_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

#include "fake_bus.h"
#include "fuzz_in.h"
#include "hn_dev.h"

#define FUZZ_RING_BYTES		(4096u + (64u << 10))
#define FUZZ_RXBUF_BYTES	(64u << 10)
#define FUZZ_RX_SLOTS		64u
#define FUZZ_POOL_MBUFS		512u
#define FUZZ_TX_DESC		32u
#define FUZZ_CHIM_SECTIONS	16u
#define FUZZ_CHIM_SECTION	6144u

/* A mempool of `n` mbufs on the heap, no EAL; every put of an mbuf that
 * is already in the pool aborts (a double free is a finding). */
struct rte_mempool *fuzz_pool_create(unsigned int n, uint16_t data_room);
unsigned int fuzz_pool_avail(const struct rte_mempool *mp);

/* One device: hn_dev with one channel bound to an in-memory vmbus
 * channel, an RX queue (scatter, VLAN strip, LRO) and a TX queue. */
struct fuzz_dev {
	struct hn_dev *hn;
	struct hn_chan *ch;
	struct vmbus_channel *vc;
	struct hn_rxq *rxq;
	struct hn_txq *txq;
	struct rte_mempool *pool;
};

/* The device, created on first use (once per process). */
struct fuzz_dev *fuzz_dev_get(void);
/* Rings emptied, state and counters of the last input forgotten. */
void fuzz_dev_reset(struct fuzz_dev *d);
/* Frames above copybreak attached in place (rx_extmbuf_enable), or not. */
void fuzz_dev_set_extmbuf(struct fuzz_dev *d, bool on, uint32_t copybreak);
/* Page i of the receive buffer is not physically next to page i - 1 when
 * bit (i % 8) of gaps is set (0: one contiguous run, as at reset). */
void fuzz_dev_set_page_gaps(struct fuzz_dev *d, uint8_t gaps);
/* Drain until nothing more comes (bounded), freeing every frame. */
void fuzz_dev_drain_all(struct fuzz_dev *d);
/* After an input: every frame and descriptor back, every mbuf in the
 * pool, or abort (a leak is a finding). */
void fuzz_dev_check_idle(struct fuzz_dev *d);

/* The host writes raw bytes as one VMBus packet (the descriptor is in
 * them); fails when the ring lacks room. */
int fuzz_host_write(struct fuzz_dev *d, const void *pkt, uint32_t len);
/* The host writes a transfer-page packet of n ranges. */
int fuzz_host_xfer(struct fuzz_dev *d, uint64_t xid, uint16_t pageset,
		   const struct hv_xfer_range *r, uint32_t n);
/* The host writes a packet of `type` with data[dlen] (completion, in-band). */
int fuzz_host_packet(struct fuzz_dev *d, uint16_t type, uint64_t xid, const void *data,
		     uint32_t dlen);

#endif /* FUZZ_ENV_H */
