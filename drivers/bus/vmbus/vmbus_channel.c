/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * VMBus channels: a pair of rings (guest->host, host->guest) plus the way
 * to signal the host. Packet framing and the ring rules are in
 * drivers/common/hyperv; this file adds descriptors, signalling and the
 * subchannel life cycle.
 */

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "vmbus_private.h"

uint16_t
vmbus_chan_subchannel_id(const struct vmbus_channel *chan)
{
	return chan->subchannel_id;
}

uint32_t
vmbus_chan_relid(const struct vmbus_channel *chan)
{
	return chan->relid;
}

/* This process's device of the channel: channels are shared, devices not. */
struct vmbus_device *
vmbus_chan_device(const struct vmbus_channel *chan)
{
	return vmbus_find_by_uio(chan->uio_num);
}

static void
setup_signalling(struct vmbus_device *dev, struct vmbus_channel *chan)
{
	struct hv_monitor_page *mon = dev->regions[HV_UIO_MON_PAGE].addr;
	uint8_t *int_page = dev->regions[HV_UIO_INT_PAGE].addr;

	chan->int_bitmap = (uint32_t *)(int_page + HV_INT_PAGE_TX_OFFSET);
	chan->monitor_page = mon;
	chan->monitor_pending = NULL;
	if (chan->monitor_id >= 0 && (uint32_t)chan->monitor_id < HV_MONITOR_ID_MAX) {
		chan->monitor_pending =
			&mon->trigger_group[chan->monitor_id / HV_MONITOR_PER_GROUP].pending;
		chan->monitor_bit = 1u << (chan->monitor_id % HV_MONITOR_PER_GROUP);
	}
}

int
vmbus_chan_setup(struct vmbus_device *dev, struct vmbus_channel *chan,
		 void *ring_mem, size_t ring_size, uint32_t relid,
		 uint16_t subchannel_id, int32_t monitor_id)
{
	size_t half = ring_size / 2;

	if (relid > VMBUS_RELID_MAX)
		return -EINVAL;
	chan->relid = relid;
	chan->subchannel_id = subchannel_id;
	chan->monitor_id = monitor_id;
	chan->uio_num = dev->uio_num;
	chan->ring_mem = ring_mem;
	chan->ring_size = ring_size;
	/* First half guest->host, second half host->guest. */
	if (hv_ring_attach(&chan->tx, ring_mem, half) < 0 ||
	    hv_ring_attach(&chan->rx, (uint8_t *)ring_mem + half, half) < 0)
		return -EINVAL;
	setup_signalling(dev, chan);
	chan->primary_chan = dev->primary != NULL ? dev->primary : chan;
	rte_spinlock_init(&chan->mask_lock);
	chan->intr_on = 0;
	return 0;
}

static struct vmbus_channel *
chan_alloc(const struct vmbus_device *dev)
{
	return rte_zmalloc_socket("vmbus_channel", sizeof(struct vmbus_channel),
				  RTE_CACHE_LINE_SIZE, dev->device.numa_node);
}

int
vmbus_chan_open(struct vmbus_device *dev, struct vmbus_channel **out)
{
	struct vmbus_region *ring = &dev->regions[HV_UIO_TXRX_RING];
	struct vmbus_channel *chan;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -E_RTE_SECONDARY;
	if (ring->addr == NULL)
		return -ENODEV;
	chan = chan_alloc(dev);
	if (chan == NULL)
		return -ENOMEM;
	if (vmbus_chan_setup(dev, chan, ring->addr, ring->size, dev->relid, 0,
			     dev->monitor_id) < 0) {
		rte_free(chan);
		return -EINVAL;
	}
	dev->primary = chan;
	*out = chan;
	return 0;
}

/* ---- subchannels ------------------------------------------------------------ */

static bool
subchan_is_open(const struct vmbus_device *dev, uint32_t relid)
{
	unsigned int i;

	if (relid == dev->relid)
		return true;
	for (i = 0; i < RTE_DIM(dev->subchan); i++)
		if (dev->subchan[i] != NULL && dev->subchan[i]->relid == relid)
			return true;
	return false;
}

/* Lowest subchannel id among offered, not yet opened channels. */
static int
pick_next_subchan(struct vmbus_device *dev, struct vmbus_subchan_info *pick)
{
	struct vmbus_subchan_info infos[VMBUS_MAX_CHANNELS * 2];
	int n, i, best = -1;

	n = vmbus_read_channels(dev, infos, RTE_DIM(infos));
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (infos[i].subchannel_id == 0 || subchan_is_open(dev, infos[i].relid))
			continue;
		if (best < 0 || infos[i].subchannel_id < infos[best].subchannel_id)
			best = i;
	}
	if (best < 0)
		return -EAGAIN;
	*pick = infos[best];
	return 0;
}

static int
subchan_attach(struct vmbus_device *dev, const struct vmbus_subchan_info *info,
	       struct vmbus_channel **out)
{
	struct vmbus_channel *chan;
	void *mem;
	size_t size;
	int ret;

	ret = vmbus_uio_map_ring(dev, info->relid, &mem, &size);
	if (ret < 0)
		return ret;
	chan = chan_alloc(dev);
	if (chan == NULL) {
		vmbus_uio_unmap_ring(dev, info->relid);
		return -ENOMEM;
	}
	ret = vmbus_chan_setup(dev, chan, mem, size, info->relid,
			       info->subchannel_id, info->monitor_id);
	if (ret < 0) {
		vmbus_uio_unmap_ring(dev, info->relid);
		rte_free(chan);
		return ret;
	}
	*out = chan;
	return 0;
}

static int
subchan_slot(const struct vmbus_device *dev)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(dev->subchan); i++)
		if (dev->subchan[i] == NULL)
			return (int)i;
	return -ENOSPC;
}

int
vmbus_subchan_open(struct vmbus_channel *primary, struct vmbus_channel **sub,
		   unsigned int timeout_ms)
{
	struct vmbus_device *dev = vmbus_chan_device(primary);
	uint64_t deadline = rte_get_timer_cycles() +
			    rte_get_timer_hz() * timeout_ms / 1000;
	struct vmbus_subchan_info info;
	unsigned int backoff_us = 100;
	int slot, ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY || dev == NULL)
		return -E_RTE_SECONDARY;
	slot = subchan_slot(dev);
	if (slot < 0)
		return slot;
	/*
	 * The kernel creates channels/<relid>/ring when the host's offer has
	 * been opened, asynchronously to the NVSP reply. sysfs raises no
	 * inotify events for files the kernel creates, so poll with a
	 * growing interval until the deadline.
	 */
	for (;;) {
		ret = pick_next_subchan(dev, &info);
		if (ret == 0)
			ret = subchan_attach(dev, &info, sub);
		/* -ENOENT: not offered yet; -ENODEV: the kernel made the ring
		 * file but has not opened the channel yet */
		if (ret != -EAGAIN && ret != -ENOENT && ret != -ENODEV)
			break;
		if (rte_get_timer_cycles() >= deadline) {
			VMBUS_LOG(ERR, "device %s: no further subchannel appeared within %u ms",
				  dev->name, timeout_ms);
			return -ETIMEDOUT;
		}
		rte_delay_us_sleep(backoff_us);
		backoff_us = RTE_MIN(backoff_us * 2, 10000u);
	}
	if (ret == 0)
		dev->subchan[slot] = *sub;
	return ret;
}

void
vmbus_chan_close(struct vmbus_channel *chan)
{
	struct vmbus_device *dev;
	unsigned int i;

	/* Secondaries share the primary's channels: never theirs to free. */
	if (chan == NULL || rte_eal_process_type() != RTE_PROC_PRIMARY)
		return;
	dev = vmbus_chan_device(chan);
	if (dev == NULL)
		return;
	if (chan->subchannel_id == 0) {
		/* the driver closes the subchannels first */
		if (dev->primary == chan)
			dev->primary = NULL;
		rte_free(chan);
		return;
	}
	for (i = 0; i < RTE_DIM(dev->subchan); i++)
		if (dev->subchan[i] == chan)
			dev->subchan[i] = NULL;
	vmbus_uio_unmap_ring(dev, chan->relid);
	rte_free(chan);
}

/* ---- sending -------------------------------------------------------------- */

void
vmbus_chan_batch_begin(struct vmbus_channel *chan, struct vmbus_send_batch *b)
{
	b->chan = chan;
	hv_ring_batch_begin(&b->rb, &chan->tx);
}

static inline int
batch_write(struct vmbus_send_batch *b, const struct iovec *iov, unsigned int n,
	    bool *need_sig)
{
	int ret = hv_ring_batch_add(&b->rb, iov, n, need_sig);

	if (unlikely(ret == -EAGAIN))
		__atomic_fetch_add(&b->chan->stats.tx_ring_full, 1, __ATOMIC_RELAXED);
	return ret;
}

int
vmbus_chan_batch_send(struct vmbus_send_batch *b, uint16_t type, const void *data,
		      uint32_t dlen, uint64_t xid, uint16_t flags, bool *need_sig)
{
	uint32_t pktlen = sizeof(struct hv_pkt_desc) + dlen;
	struct hv_pkt_desc desc = {
		.type = type,
		.offset8 = sizeof(desc) / 8,
		.len8 = (uint16_t)(RTE_ALIGN_CEIL(pktlen, 8) / 8),
		.flags = flags,
		.trans_id = xid,
	};
	struct iovec iov[2] = {
		{ .iov_base = &desc, .iov_len = sizeof(desc) },
		{ .iov_base = (void *)(uintptr_t)data, .iov_len = dlen },
	};

	if (unlikely(RTE_ALIGN_CEIL((uint64_t)sizeof(desc) + dlen, 8) / 8 > UINT16_MAX))
		return -EINVAL;
	return batch_write(b, iov, dlen ? 2 : 1, need_sig);
}

int
vmbus_chan_batch_send_gpa(struct vmbus_send_batch *b, const struct hv_gpa_range *ranges,
			  uint32_t n, const void *data, uint32_t dlen, uint64_t xid,
			  bool *need_sig)
{
	uint32_t hdrlen = sizeof(struct hv_gpa_direct_hdr) + n * sizeof(*ranges);
	uint32_t pktlen = hdrlen + dlen;
	struct hv_gpa_direct_hdr hdr = {
		.desc = {
			.type = HV_PKT_DATA_GPA_DIRECT,
			.offset8 = (uint16_t)(hdrlen / 8),
			.len8 = (uint16_t)(RTE_ALIGN_CEIL(pktlen, 8) / 8),
			.flags = HV_PKT_FLAG_COMPLETION_REQUESTED,
			.trans_id = xid,
		},
		.range_count = n,
	};
	struct iovec iov[3] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)(uintptr_t)ranges, .iov_len = n * sizeof(*ranges) },
		{ .iov_base = (void *)(uintptr_t)data, .iov_len = dlen },
	};

	/* n is checked before it shapes the header: hdrlen above is only
	 * used once it is known to be small */
	if (unlikely(n == 0 || n > HV_GPA_RANGES_MAX ||
		     RTE_ALIGN_CEIL((uint64_t)hdrlen + dlen, 8) / 8 > UINT16_MAX))
		return -EINVAL;
	return batch_write(b, iov, dlen ? 3 : 2, need_sig);
}

int
vmbus_chan_batch_send_mpb(struct vmbus_send_batch *b, const uint64_t *words, uint32_t nwords,
			  uint32_t nranges, const void *data, uint32_t dlen, uint64_t xid,
			  bool *need_sig)
{
	uint64_t hdrlen = sizeof(struct hv_gpa_direct_hdr) + (uint64_t)nwords * sizeof(*words);
	struct hv_gpa_direct_hdr hdr = {
		.desc = {
			.type = HV_PKT_DATA_GPA_DIRECT,
			.flags = HV_PKT_FLAG_COMPLETION_REQUESTED,
			.trans_id = xid,
		},
		.range_count = nranges,
	};
	struct iovec iov[3] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)(uintptr_t)words,
		  .iov_len = (size_t)nwords * sizeof(*words) },
		{ .iov_base = (void *)(uintptr_t)data, .iov_len = dlen },
	};

	/* every range takes at least two words; offset8 and len8 are 16 bits */
	if (unlikely(nranges == 0 || nranges > HV_GPA_RANGES_MAX || nwords < 2 * nranges ||
		     hdrlen / 8 > UINT16_MAX || RTE_ALIGN_CEIL(hdrlen + dlen, 8) / 8 > UINT16_MAX))
		return -EINVAL;
	hdr.desc.offset8 = (uint16_t)(hdrlen / 8);
	hdr.desc.len8 = (uint16_t)(RTE_ALIGN_CEIL(hdrlen + dlen, 8) / 8);
	return batch_write(b, iov, dlen ? 3 : 2, need_sig);
}

int
vmbus_chan_batch_send_n(struct vmbus_send_batch *b, const void *pkts, uint32_t pkt_len,
			uint32_t n, bool *need_sig)
{
	int ret = hv_ring_batch_add_n(&b->rb, pkts, pkt_len, n, need_sig);

	if (unlikely(ret == -EAGAIN))
		__atomic_fetch_add(&b->chan->stats.tx_ring_full, 1, __ATOMIC_RELAXED);
	return ret;
}

int
vmbus_chan_batch_send_pkt(struct vmbus_send_batch *b, const void *pkt, uint32_t len,
			  bool *need_sig)
{
	return vmbus_chan_batch_send_n(b, pkt, len, 1, need_sig);
}

int
vmbus_chan_batch_send_staged(struct vmbus_send_batch *b, uint8_t *stage, const uint32_t *ends,
			     uint32_t n, bool *need_sig)
{
	int ret = hv_ring_batch_add_staged(&b->rb, stage, ends, n, need_sig);

	if (unlikely(ret == -EAGAIN || (ret >= 0 && (uint32_t)ret < n)))
		__atomic_fetch_add(&b->chan->stats.tx_ring_full, 1, __ATOMIC_RELAXED);
	return ret;
}

int
vmbus_chan_batch_end(struct vmbus_send_batch *b, bool *need_sig)
{
	return hv_ring_batch_end(&b->rb, need_sig);
}

static void
mark_rescinded(int uio_num)
{
	struct vmbus_device *dev = vmbus_find_by_uio(uio_num);

	if (dev != NULL && !__atomic_exchange_n(&dev->rescinded, true, __ATOMIC_RELAXED))
		VMBUS_LOG(ERR, "device %s: rescinded by the host", dev->name);
}

/*
 * Without a monitor the only way from user space is a write of 1 to the
 * uio fd, which makes the kernel signal the host. That write also unmasks
 * the primary channel's inbound interrupts: put back the mask its driver
 * wants (masked in poll mode), under the lock that enabling and disabling
 * interrupts take, so that neither undoes the other.
 */
static void
signal_via_uio(struct vmbus_channel *chan)
{
	struct vmbus_channel *primary = chan->primary_chan;
	int fd = vmbus_uio_fd(chan->uio_num);
	uint32_t one = 1;
	ssize_t n;

	if (unlikely(fd < 0))
		return;
	rte_spinlock_lock(&primary->mask_lock);
	n = write(fd, &one, sizeof(one));
	__atomic_store_n(&primary->rx.hdr->interrupt_mask,
			 __atomic_load_n(&primary->intr_on, __ATOMIC_RELAXED) ? 0 : 1,
			 __ATOMIC_RELAXED);
	rte_spinlock_unlock(&primary->mask_lock);
	if (n != sizeof(one) && errno == EIO)
		mark_rescinded(chan->uio_num);
}

/*
 * As Linux does: the channel's bit in the interrupt page always, then the
 * monitor bit when the channel has a monitor (the host scans those at the
 * monitor latency), else the uio write.
 */
void
vmbus_chan_signal(struct vmbus_channel *chan)
{
	__atomic_fetch_add(&chan->stats.signals, 1, __ATOMIC_RELAXED);
	__atomic_fetch_or(&chan->int_bitmap[chan->relid / 32], 1u << (chan->relid % 32),
			  __ATOMIC_SEQ_CST);
	if (chan->monitor_pending != NULL)
		__atomic_fetch_or(chan->monitor_pending, chan->monitor_bit, __ATOMIC_SEQ_CST);
	else
		signal_via_uio(chan);
}

/* ---- inbound interrupts ---------------------------------------------------- */

/*
 * The mask is stored directly in the ring header, for the primary channel
 * too: that is all the kernel does for a write of 0 or 1 to the uio fd,
 * and newer kernels also signal the host on such a write, which an
 * unmask must not do (an unexpected signal; netvsc.md §A.5).
 */
static void
set_intr(struct vmbus_channel *chan, uint32_t on)
{
	rte_spinlock_lock(&chan->mask_lock);
	__atomic_store_n(&chan->intr_on, on, __ATOMIC_RELAXED);
	__atomic_store_n(&chan->rx.hdr->interrupt_mask, on ? 0 : 1, __ATOMIC_RELAXED);
	rte_spinlock_unlock(&chan->mask_lock);
}

int
vmbus_chan_intr_enable(struct vmbus_channel *chan)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -E_RTE_SECONDARY;
	set_intr(chan, 1);
	/* §A.5: the mask store before the look at write_index. A host that
	 * published before it saw the mask cleared did not signal. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return hv_ring_idle(&chan->rx) ? 0 : 1;
}

void
vmbus_chan_intr_disable(struct vmbus_channel *chan)
{
	set_intr(chan, 0);
}

bool
vmbus_chan_intr_enabled(const struct vmbus_channel *chan)
{
	return __atomic_load_n(&chan->intr_on, __ATOMIC_RELAXED) != 0;
}

/* ---- receiving ------------------------------------------------------------ */

const struct hv_ring *
vmbus_chan_rx_ring(const struct vmbus_channel *chan)
{
	return &chan->rx;
}

struct hv_ring *
vmbus_chan_rx_reader(struct vmbus_channel *chan)
{
	return &chan->rx;
}

int
vmbus_chan_peek(struct vmbus_channel *chan, struct hv_ring_pkt *pkt)
{
	int ret = hv_ring_peek(&chan->rx, pkt, chan->scratch, sizeof(chan->scratch));

	/* -EIO repeats on every poll of a corrupt ring: count what is skipped */
	if (unlikely(ret == -EBADMSG || ret == -ENOBUFS))
		__atomic_fetch_add(&chan->stats.rx_bad_packets, 1, __ATOMIC_RELAXED);
	return ret;
}

void
vmbus_chan_consume(struct vmbus_channel *chan, uint32_t pkt_len)
{
	hv_ring_consume(&chan->rx, pkt_len);
}

uint32_t
vmbus_chan_skip_pending(struct vmbus_channel *chan)
{
	uint32_t skipped = hv_ring_skip_pending(&chan->rx);

	if (skipped > 0)
		__atomic_fetch_add(&chan->stats.rx_bad_packets, 1, __ATOMIC_RELAXED);
	return skipped;
}

void
vmbus_chan_rx_commit(struct vmbus_channel *chan)
{
	bool need_sig = false;

	hv_ring_read_commit(&chan->rx, &need_sig);
	if (need_sig)
		vmbus_chan_signal(chan);
}

/* The outbound ring's indices as the host may have left them: false when
 * they are not sane, and then nothing is free and nothing pending. */
static bool
tx_indices(const struct vmbus_channel *chan, uint32_t *w, uint32_t *r)
{
	*w = __atomic_load_n(&chan->tx.hdr->write_index, __ATOMIC_ACQUIRE);
	*r = __atomic_load_n(&chan->tx.hdr->read_index, __ATOMIC_ACQUIRE);
	return *r < chan->tx.dsize && *w < chan->tx.dsize && ((*r | *w) & 7) == 0;
}

uint32_t
vmbus_chan_tx_space(const struct vmbus_channel *chan)
{
	uint32_t w, r;

	return tx_indices(chan, &w, &r) ? hv_ring_space(w, r, chan->tx.dsize) : 0;
}

uint32_t
vmbus_chan_tx_pending(const struct vmbus_channel *chan)
{
	uint32_t w, r;

	return tx_indices(chan, &w, &r) ? hv_ring_used(w, r, chan->tx.dsize) : 0;
}

void
vmbus_chan_set_latency(struct vmbus_channel *chan, uint32_t latency_us)
{
	struct hv_monitor_page *mon = chan->monitor_page;
	uint64_t units = (uint64_t)latency_us * 10;	/* 100 ns units */

	if (chan->monitor_id < 0 || (uint32_t)chan->monitor_id >= HV_MONITOR_ID_MAX)
		return;
	mon->latency[chan->monitor_id / HV_MONITOR_PER_GROUP]
		    [chan->monitor_id % HV_MONITOR_PER_GROUP] =
		(uint16_t)RTE_MIN(units, (uint64_t)UINT16_MAX);
}

void
vmbus_chan_stats_get(const struct vmbus_channel *chan, struct vmbus_chan_stats *stats)
{
	stats->signals = __atomic_load_n(&chan->stats.signals, __ATOMIC_RELAXED);
	stats->tx_ring_full = __atomic_load_n(&chan->stats.tx_ring_full, __ATOMIC_RELAXED);
	stats->rx_bad_packets = __atomic_load_n(&chan->stats.rx_bad_packets, __ATOMIC_RELAXED);
}
