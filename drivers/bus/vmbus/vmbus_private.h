/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Internals of the hvnet VMBus bus, shared by its three files:
 *   vmbus_bus.c      rte_bus glue: registration, scan policy, probe, plug
 *   vmbus_uio.c      uio_hv_generic: sysfs attributes, region and ring maps
 *   vmbus_channel.c  channels: send, receive, signal
 */

#ifndef VMBUS_PRIVATE_H
#define VMBUS_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_log.h>

#include "hv_vmbus.h"

extern int vmbus_logtype;
#define VMBUS_LOG(level, fmt, ...)					\
	rte_log(RTE_LOG_ ## level, vmbus_logtype, "vmbus: " fmt "\n",	\
		##__VA_ARGS__)

#define VMBUS_SYSFS_DEVICES	"/sys/bus/vmbus/devices"
#define VMBUS_UIO_DEV_FMT	"/dev/uio%d"

/* uio numbers the per-process table can hold; others are not probed. */
#define VMBUS_MAX_UIO		256

/* Relids whose bit fits in the guest->host half of the interrupt page. */
#define VMBUS_RELID_MAX	((HV_PAGE_SIZE - HV_INT_PAGE_TX_OFFSET) * 8 - 1)

/*
 * A channel lives in DPDK shared memory so that secondary processes use the
 * very same structure; every pointer in it is to memory mapped at the same
 * address in every process. Per-process state (device, uio fd) is looked
 * up by uio number. Only the primary process opens and closes channels.
 */
struct vmbus_channel {
	struct hv_ring tx;		/* guest -> host */
	struct hv_ring rx;		/* host -> guest */
	struct vmbus_channel *primary_chan; /* its mask changes on a uio signal */
	/* interrupt_mask of rx and intr_on change together under it: a uio
	 * signal (which unmasks the primary's ring) puts back what the
	 * driver set meanwhile (shared memory: any process) */
	rte_spinlock_t mask_lock;
	uint32_t intr_on;		/* 1: the driver enabled inbound interrupts */
	struct hv_monitor_page *monitor_page;
	uint32_t relid;
	uint16_t subchannel_id;		/* 0 = primary */
	int32_t monitor_id;		/* -1: no monitor */
	int uio_num;
	uint32_t *monitor_pending;	/* monitor trigger group word, or NULL */
	uint32_t monitor_bit;
	uint32_t *int_bitmap;		/* guest->host half of the int page */
	void *ring_mem;			/* both rings */
	size_t ring_size;
	struct vmbus_chan_stats stats;
	uint8_t scratch[VMBUS_CHAN_SCRATCH] __rte_cache_aligned;
};

/* Attributes of one channel directory: channels/<relid>/. */
struct vmbus_subchan_info {
	uint32_t relid;
	uint16_t subchannel_id;
	int32_t monitor_id;
};

/* ---- vmbus_bus.c ---- */
/* This process's device and uio fd for a uio number (NULL / -1). */
struct vmbus_device *vmbus_find_by_uio(int uio_num);
int vmbus_uio_fd(int uio_num);
void vmbus_set_uio(int uio_num, struct vmbus_device *dev, int fd);
bool vmbus_class_wanted(const rte_uuid_t class_id);
bool vmbus_device_named(const char *name);
void vmbus_add_device(struct vmbus_device *dev);
struct vmbus_device *vmbus_find_by_name(const char *name);

/* ---- vmbus_uio.c ---- */
int vmbus_scan_one(const char *dir_name);
int vmbus_uio_map(struct vmbus_device *dev);
void vmbus_uio_unmap(struct vmbus_device *dev);
int vmbus_read_channels(const struct vmbus_device *dev,
			struct vmbus_subchan_info *out, unsigned int max);
int vmbus_uio_map_ring(struct vmbus_device *dev, uint32_t relid,
		       void **addr, size_t *size);
void vmbus_uio_unmap_ring(struct vmbus_device *dev, uint32_t relid);
int vmbus_uuid_parse(const char *text, rte_uuid_t uu);

/* ---- vmbus_channel.c ---- */
int vmbus_chan_setup(struct vmbus_device *dev, struct vmbus_channel *chan,
		     void *ring_mem, size_t ring_size, uint32_t relid,
		     uint16_t subchannel_id, int32_t monitor_id);

#endif /* VMBUS_PRIVATE_H */
