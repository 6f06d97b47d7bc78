/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Builds the sysfs files a Linux guest shows for a netvsc device bound to
 * uio_hv_generic (doc: doc/protocol/uio-hv-generic.md), plus the
 * region files that back its /dev/uioN (uio_shim.h).
 *
 * bus_root is the directory that appears as /sys/bus in the guest (a tmpfs
 * mounted there by hvns_mount_sysfs_bus(), or any directory in tests):
 *
 *   vmbus/drivers/{uio_hv_generic,hv_netvsc}/
 *   vmbus/devices/<uuid>/class_id        "{<class guid>}\n"
 *                        device_id       "{<uuid>}\n"
 *                        id              "<relid>\n"
 *                        monitor_id      "<id>\n"  (absent: no monitor)
 *                        numa_node       "<node>\n"
 *                        driver       -> /sys/bus/vmbus/drivers/<driver>
 *                        uio/uio<N>/name             (bound only)
 *                        uio/uio<N>/maps/map<i>/{name,size,addr,offset}
 *                        channels/<relid>/{ring,monitor_id,subchannel_id}
 *
 * uio_dir is $HVSIM_UIO_DIR: regions go to <uio_dir>/uio<N>/map0..4.
 *
 * Functions return 0 or a negative errno. They are not safe to call
 * concurrently on the same device.
 */

#ifndef HVSIM_DEVTREE_H
#define HVSIM_DEVTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HVSIM_UUID_LEN		36	/* without braces or NUL */

/* The kernel driver names a device's `driver` link may point to. */
#define HVSIM_DRIVER_UIO	"uio_hv_generic"
#define HVSIM_DRIVER_NETVSC	"hv_netvsc"

/* Where `driver` links point: the guest path, whatever bus_root is. */
#define HVSIM_SYSFS_DRIVERS	"/sys/bus/vmbus/drivers"

struct hvsim_dev_spec {
	char device_id[HVSIM_UUID_LEN + 1];	/* uuid without braces */
	char class_id[HVSIM_UUID_LEN + 1];	/* "": HV_NETVSC_CLASS_GUID */
	uint32_t relid;		/* primary channel relid -> file `id` */
	int monitor_id;		/* -1: `monitor_id` file absent */
	int numa_node;		/* written as-is, may be -1 */
	bool bound;		/* to uio_hv_generic (else to hv_netvsc) */
	int uio_num;		/* N of /dev/uioN, when bound */
	size_t ring_size;	/* per direction, incl. its 4 KiB header page */
	size_t recv_buf_size;
	size_t send_buf_size;
	uint32_t recv_gpadl;
	uint32_t send_gpadl;
	bool multichannel;	/* create channels/<relid>/ring for the primary */
};

/*
 * Defaults: a bound netvsc NIC like Azure's: device id
 * HVSIM_DEFAULT_DEVICE_ID, relid 14, monitor 1, NUMA node 0, /dev/uio0,
 * 2 MiB rings per direction, 31 MiB receive and 16 MiB send buffers,
 * GPADLs 0xe1e10 / 0xe1e11, multi-channel capable.
 */
#define HVSIM_DEFAULT_DEVICE_ID	"7c3a4e2f-1b6d-4f0a-9e58-3d2c1b0a9f87"
void hvsim_dev_spec_default(struct hvsim_dev_spec *s);

/*
 * Add a device. uio_dir may be NULL for an unbound device.
 * -EINVAL on a bad spec (uuid syntax, ring size not a multiple of 4 KiB or
 * below two pages, monitor id >= 128, empty buffers), -EEXIST when the
 * device or its region files already exist. Nothing is left on failure.
 */
int hvsim_devtree_add(const char *bus_root, const char *uio_dir,
		      const struct hvsim_dev_spec *s);

/*
 * Add channels/<relid>/ of an existing device: monitor_id (if >= 0),
 * subchannel_id, and `ring` (2 * ring_size bytes). The channel directory
 * may already exist; `ring` appears atomically (renamed into place, fully
 * sized) because a guest watches for it. -ENOENT: no such device,
 * -EEXIST: that channel already has a ring.
 */
int hvsim_devtree_add_subchannel(const char *bus_root, const char *device_id,
				 uint32_t relid, uint16_t subchannel_id,
				 int monitor_id, size_t ring_size);

/* Remove channels/<relid>/ (a rescinded subchannel). */
int hvsim_devtree_remove_subchannel(const char *bus_root,
				    const char *device_id, uint32_t relid);

/* Remove a device and, when uio_dir is given, its region directory
 * (including irq.sock). -ENOENT: no such device. */
int hvsim_devtree_remove(const char *bus_root, const char *uio_dir,
			 const char *device_id);

/*
 * Write `content` verbatim (no newline added) to the device's attribute
 * `attr`, a path relative to the device directory ("class_id",
 * "channels/15/monitor_id"); creates or truncates it. For tests that need
 * malformed attributes. -ENOENT: no such device.
 */
int hvsim_devtree_write_attr(const char *bus_root, const char *device_id,
			     const char *attr, const char *content);

/* Delete one attribute (e.g. to test a missing class_id). */
int hvsim_devtree_remove_attr(const char *bus_root, const char *device_id,
			      const char *attr);

#ifdef __cplusplus
}
#endif

#endif /* HVSIM_DEVTREE_H */
