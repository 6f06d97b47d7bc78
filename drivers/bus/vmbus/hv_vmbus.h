/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The hvnet VMBus bus: what a VMBus device driver (net_netvsc) sees.
 *
 * Devices are VMBus channels offered by the host and bound in the kernel to
 * uio_hv_generic. The bus finds them in sysfs, maps their regions through
 * /dev/uioN, opens their channels (primary and subchannels) and moves
 * packets through the channels' ring buffers, signalling the host only
 * when the ring rules require it.
 *
 * Names carry the vmbus_ prefix rather than DPDK's rte_vmbus_ so that this
 * bus can never bind by accident to DPDK's bundled one (they must not be
 * loaded together; see vmbus_bus.c).
 */

#ifndef HV_VMBUS_H
#define HV_VMBUS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_compat.h>
#include <rte_interrupts.h>
#include <rte_spinlock.h>
#include <rte_uuid.h>
#include <dev_driver.h>

#include "hv_ring.h"
#include "hv_vmbus_wire.h"
#include "hvnet_compat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Channels per device the bus manages (primary + subchannels). */
#define VMBUS_MAX_CHANNELS	64

/* Default deadline for a subchannel to appear after it was granted. */
#define VMBUS_SUBCHAN_TIMEOUT_MS	10000

/* Bytes of a wrapped inbound packet a channel can reassemble. */
#define VMBUS_CHAN_SCRATCH	16384

struct vmbus_channel;
struct vmbus_driver;

/* A host interrupt on the device's uio fd (see vmbus_device_intr_callback_set). */
typedef void (vmbus_intr_cb_t)(void *arg);

/* One mapped uio region. */
struct vmbus_region {
	void *addr;
	size_t size;
	uint32_t gpadl;		/* receive/send buffer GPADL handle, else 0 */
};

struct vmbus_device {
	RTE_TAILQ_ENTRY(vmbus_device) next;
	struct rte_device device;	/* device.name is the device uuid */
	struct vmbus_driver *driver;
	rte_uuid_t class_id;
	rte_uuid_t device_id;
	char name[RTE_UUID_STRLEN];	/* lower-case uuid, no braces */
	uint32_t relid;			/* primary channel relid */
	int32_t monitor_id;		/* -1: no monitor, signal via int page */
	int uio_num;
	int uio_fd;			/* -1 until mapped */
	struct vmbus_region regions[HV_UIO_REGION_COUNT];
	struct rte_intr_handle *intr_handle;
	/* called by the interrupt thread on each host interrupt, under
	 * intr_cb_lock (so that clearing it waits for a running call) */
	rte_spinlock_t intr_cb_lock;
	vmbus_intr_cb_t *intr_cb;
	void *intr_cb_arg;
	uint64_t intr_events;		/* uio reads that returned a count */
	bool rescinded;			/* host revoked the device (atomic) */
	bool removal_told;		/* its driver was told (atomic): once */
	struct vmbus_channel *primary;
	struct vmbus_channel *subchan[VMBUS_MAX_CHANNELS]; /* opened, any order */
	/* Subchannel rings mapped in this process (the primary's opened
	 * ones, or in a secondary all those the primary had opened). */
	struct vmbus_ring_map {
		uint32_t relid;
		void *addr;
		size_t size;
	} rings[VMBUS_MAX_CHANNELS];
};

typedef int (vmbus_probe_t)(struct vmbus_driver *drv, struct vmbus_device *dev);
typedef int (vmbus_remove_t)(struct vmbus_device *dev);
/* Called from the interrupt thread when the host rescinds the device. */
typedef void (vmbus_rescind_t)(struct vmbus_device *dev);

struct vmbus_driver {
	RTE_TAILQ_ENTRY(vmbus_driver) next;
	struct rte_driver driver;
	const rte_uuid_t *id_table;	/* class ids; ends with a null uuid */
	vmbus_probe_t *probe;
	vmbus_remove_t *remove;
	vmbus_rescind_t *rescind;	/* optional */
};

void vmbus_register_driver(struct vmbus_driver *drv);
void vmbus_unregister_driver(struct vmbus_driver *drv);

#define VMBUS_PMD_REGISTER(nm, vmbus_drv)				\
RTE_INIT(vmbusinitfn_ ##nm)						\
{									\
	(vmbus_drv).driver.name = RTE_STR(nm);				\
	vmbus_register_driver(&vmbus_drv);				\
}									\
HVNET_PMD_EXPORT_NAME(nm)

static inline struct vmbus_device *
vmbus_device_from(const struct rte_device *dev)
{
	return container_of(dev, struct vmbus_device, device);
}

/* ---- channels ---------------------------------------------------------- */

/* Open the primary channel (its rings are uio region 0). Channels are
 * opened and closed by the primary process only; secondaries use the
 * primary's channel structures (they live in shared memory). */
int vmbus_chan_open(struct vmbus_device *dev, struct vmbus_channel **chan);

/*
 * Open the next subchannel the host has offered: the one with the lowest
 * subchannel id not yet opened. Offers arrive asynchronously after the
 * NVSP subchannel request, so this waits for channels/<relid>/ring to
 * appear, at most timeout_ms. Returns 0, -ETIMEDOUT, or -errno.
 */
int vmbus_subchan_open(struct vmbus_channel *primary,
		       struct vmbus_channel **sub, unsigned int timeout_ms);

/* Close a channel (a subchannel's rings are unmapped). */
void vmbus_chan_close(struct vmbus_channel *chan);

uint16_t vmbus_chan_subchannel_id(const struct vmbus_channel *chan);
uint32_t vmbus_chan_relid(const struct vmbus_channel *chan);
struct vmbus_device *vmbus_chan_device(const struct vmbus_channel *chan);

/*
 * Several sends on one channel made visible to the host together: one
 * index update, one barrier and one signal decision per batch instead of
 * per packet (see struct hv_ring_batch). Use one per burst from one lcore;
 * end it before this lcore sends on the channel any other way, and before
 * it waits for anything the host does in answer.
 */
struct vmbus_send_batch {
	struct vmbus_channel *chan;
	struct hv_ring_batch rb;
};

void vmbus_chan_batch_begin(struct vmbus_channel *chan, struct vmbus_send_batch *b);

/*
 * Add one packet of `type` (HV_PKT_DATA_INBAND, HV_PKT_COMPLETION) whose
 * payload is data[dlen] to the batch. *need_sig is set when the host must
 * be signalled; signal once per burst with vmbus_chan_signal(). Returns 0,
 * -EAGAIN (ring full), -EIO.
 */
int vmbus_chan_batch_send(struct vmbus_send_batch *b, uint16_t type,
			  const void *data, uint32_t dlen, uint64_t xid,
			  uint16_t flags, bool *need_sig);
/* The same for a GPA-direct packet (completion requested) of n <= 32 ranges. */
int vmbus_chan_batch_send_gpa(struct vmbus_send_batch *b,
			      const struct hv_gpa_range *ranges, uint32_t n,
			      const void *data, uint32_t dlen, uint64_t xid,
			      bool *need_sig);

/*
 * The same with multi-page ranges (§B.4): nranges <= 32 ranges in
 * words[nwords], each {byte_count u32, byte_offset u32} in one little-endian
 * word, then the PFNs of the pages it covers (ceil((byte_offset +
 * byte_count) / 4096) words). The caller built them; only the counts are
 * checked here.
 */
int vmbus_chan_batch_send_mpb(struct vmbus_send_batch *b, const uint64_t *words,
			      uint32_t nwords, uint32_t nranges, const void *data,
			      uint32_t dlen, uint64_t xid, bool *need_sig);

/*
 * n packets of pkt_len bytes each, built whole by the caller (descriptor
 * first, len8 * 8 == pkt_len, a multiple of 8), back to back at pkts: one
 * ring reservation for all (hv_ring_batch_add_n). All or nothing: 0,
 * -EAGAIN (no room for all), -EINVAL (could never fit: send fewer), -EIO.
 */
int vmbus_chan_batch_send_n(struct vmbus_send_batch *b, const void *pkts, uint32_t pkt_len,
			    uint32_t n, bool *need_sig);

/*
 * One packet built whole by the caller, as for vmbus_chan_batch_send_n():
 * its descriptor first (the transaction id is in it), len a multiple of 8.
 * For a sender that lays out header, payload and message in place, so the
 * ring gets one contiguous copy. 0, -EAGAIN, -EINVAL or -EIO.
 */
int vmbus_chan_batch_send_pkt(struct vmbus_send_batch *b, const void *pkt, uint32_t len,
			      bool *need_sig);

/*
 * Packets built whole by the caller in ring format, one reservation and
 * one copy for all (hv_ring_batch_add_staged): packet i in
 * stage[ends[i-1], ends[i]) (from 0 for the first), its last 8 bytes left
 * for the ring's trailer. The longest run from the first that fits goes:
 * returns how many (>= 1), -EAGAIN (not even the first fits), -EINVAL or
 * -EIO. The caller keeps the rest.
 */
int vmbus_chan_batch_send_staged(struct vmbus_send_batch *b, uint8_t *stage,
				 const uint32_t *ends, uint32_t n, bool *need_sig);

/* Make the batch's packets visible. 0 or -EIO; *need_sig as for a send. */
int vmbus_chan_batch_end(struct vmbus_send_batch *b, bool *need_sig);

/* A batch of one packet whose send returned ret: visible unless it failed. */
static inline int
vmbus_chan_send_one_end(struct vmbus_send_batch *b, int ret, bool *need_sig)
{
	return ret < 0 ? ret : vmbus_chan_batch_end(b, need_sig);
}

/* One packet sent on its own, as a batch of one (see above). Safe from
 * several lcores on the same channel. */
static inline int
vmbus_chan_send(struct vmbus_channel *chan, uint16_t type, const void *data, uint32_t dlen,
		uint64_t xid, uint16_t flags, bool *need_sig)
{
	struct vmbus_send_batch b;

	vmbus_chan_batch_begin(chan, &b);
	return vmbus_chan_send_one_end(&b, vmbus_chan_batch_send(&b, type, data, dlen, xid,
								 flags, need_sig),
				       need_sig);
}

static inline int
vmbus_chan_send_mpb(struct vmbus_channel *chan, const uint64_t *words, uint32_t nwords,
		    uint32_t nranges, const void *data, uint32_t dlen, uint64_t xid, bool *need_sig)
{
	struct vmbus_send_batch b;

	vmbus_chan_batch_begin(chan, &b);
	return vmbus_chan_send_one_end(&b, vmbus_chan_batch_send_mpb(&b, words, nwords, nranges,
								     data, dlen, xid, need_sig),
				       need_sig);
}

static inline int
vmbus_chan_send_gpa(struct vmbus_channel *chan, const struct hv_gpa_range *ranges,
		    uint32_t n, const void *data, uint32_t dlen, uint64_t xid, bool *need_sig)
{
	struct vmbus_send_batch b;

	vmbus_chan_batch_begin(chan, &b);
	return vmbus_chan_send_one_end(&b, vmbus_chan_batch_send_gpa(&b, ranges, n, data,
								     dlen, xid, need_sig),
				       need_sig);
}

/* The host->guest ring, for hv_ring_idle() (a poll without a call, from
 * any thread) and hv_ring_next_hint() (the channel's reader only). */
const struct hv_ring *vmbus_chan_rx_ring(const struct vmbus_channel *chan);
/* The same ring for the channel's one reader, which peeks and consumes
 * inline (hv_ring_peek_inline, hv_ring_consume_inline) and comes back to
 * vmbus_chan_peek() for anything but a well-formed contiguous packet. */
struct hv_ring *vmbus_chan_rx_reader(struct vmbus_channel *chan);

/* Signal the host that the guest->host ring has new data. */
void vmbus_chan_signal(struct vmbus_channel *chan);

/*
 * Look at the next inbound packet in place. Returns 1 with *pkt filled,
 * 0 when empty, or a negative errno from hv_ring_peek() (see hv_ring.h).
 */
int vmbus_chan_peek(struct vmbus_channel *chan, struct hv_ring_pkt *pkt);
void vmbus_chan_consume(struct vmbus_channel *chan, uint32_t pkt_len);
/* Skip every inbound byte published so far (a descriptor whose length is
 * unusable): the bytes skipped, 0 when the ring's indices are corrupt. */
uint32_t vmbus_chan_skip_pending(struct vmbus_channel *chan);

/* Give consumed bytes back to the host, signalling it if it waits. */
void vmbus_chan_rx_commit(struct vmbus_channel *chan);

/* Bytes free in the guest->host ring. */
uint32_t vmbus_chan_tx_space(const struct vmbus_channel *chan);

/* Bytes of the guest->host ring the host has not read yet (0: drained,
 * or indices a host scribbled). */
uint32_t vmbus_chan_tx_pending(const struct vmbus_channel *chan);

/* Host polling latency of a channel with a monitor (100 ns units). */
void vmbus_chan_set_latency(struct vmbus_channel *chan, uint32_t latency_us);

/* ---- inbound interrupts ------------------------------------------------ */

/*
 * uio_hv_generic gives a device one interrupt source for all its channels:
 * the uio fd, readable with a device-wide event count, and no word on
 * which channel the host signalled (its handler masks that channel's
 * inbound ring, interrupt_mask = 1, before it counts the event). The bus
 * reads the fd in EAL's interrupt thread and calls the device's callback,
 * which looks at the rings it cares about. Primary process only: the fd
 * and the interrupt thread are the primary's.
 *
 * The host signals a channel only while its inbound interrupt_mask is 0
 * and only when its ring goes from empty to non-empty (netvsc.md §A.5).
 */

/* Install (cb != NULL) or remove (NULL) the device's interrupt callback.
 * On return no call of the previous callback is running. Not from the
 * callback itself. 0, or -E_RTE_SECONDARY. */
int vmbus_device_intr_callback_set(struct vmbus_device *dev, vmbus_intr_cb_t *cb, void *arg);

/*
 * Let the host interrupt for the channel's inbound ring: interrupt_mask =
 * 0, then (after a full barrier) a look at the ring, which closes the race
 * with a host that published just before it saw the mask cleared.
 * Returns 1 when inbound data is already waiting (the host may never
 * signal for it: the caller must not sleep), 0 when the ring is empty,
 * -E_RTE_SECONDARY. Any thread; the ring is only read.
 */
int vmbus_chan_intr_enable(struct vmbus_channel *chan);

/* Poll mode again: interrupt_mask = 1. */
void vmbus_chan_intr_disable(struct vmbus_channel *chan);

/* True while the channel's interrupts are enabled. */
bool vmbus_chan_intr_enabled(const struct vmbus_channel *chan);

/* Counters the bus keeps per channel (read by the driver for xstats). */
struct vmbus_chan_stats {
	uint64_t signals;		/* times the host was signalled */
	uint64_t tx_ring_full;		/* sends refused for lack of room */
	uint64_t rx_bad_packets;	/* malformed inbound descriptors */
};
void vmbus_chan_stats_get(const struct vmbus_channel *chan,
			  struct vmbus_chan_stats *stats);

/*
 * Start a fresh host session (primary process only): close every channel,
 * unmap the regions and close /dev/uioN, then open and map it again, as
 * the kernel resets the channel when the last user goes. Needed for what
 * a running NVSP session cannot change (MTU, channel count). Secondary
 * processes must be restarted afterwards: the regions may move.
 */
int vmbus_device_reopen(struct vmbus_device *dev);

/* True once the host has rescinded the device. */
bool vmbus_device_rescinded(const struct vmbus_device *dev);

#ifdef __cplusplus
}
#endif

#endif /* HV_VMBUS_H */
