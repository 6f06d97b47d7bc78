/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Host end of the guest's kernel uevent socket (contract in uio_shim.h):
 * hvsim listens on $HVSIM_UIO_DIR/uevent.sock; every guest socket of
 * protocol NETLINK_KOBJECT_UEVENT is one connection, and hvsim_uevent_pci()
 * multicasts a PCI hot-plug event to all of them, as the kernel does when a
 * VF comes and goes.
 *
 * One message is one uevent, byte for byte what Linux sends:
 *
 *   <action>@<devpath>\0
 *   ACTION=<action>\0
 *   DEVPATH=<devpath>\0		devpath: hvsim_pcitree_devpath()
 *   SUBSYSTEM=pci\0
 *   DRIVER=<kdrv>\0			only for "bind" (the kernel sends add
 *					before probing and remove after
 *					unbinding, so neither has a driver)
 *   PCI_CLASS=%04X\0			class 0x020000 -> "20000"
 *   PCI_ID=%04X:%04X\0
 *   PCI_SUBSYS_ID=%04X:%04X\0
 *   PCI_SLOT_NAME=<bdf>\0
 *   MODALIAS=pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\0
 *   SEQNUM=<n>\0			1, 2, ... per struct hvsim_uevent
 *
 * DPDK's EAL (lib/eal/linux/eal_dev.c) reads one with
 * recv(fd, buf, 4096, MSG_DONTWAIT) and uses ACTION, SUBSYSTEM and
 * PCI_SLOT_NAME; a recv() of 0 (the host hung up) stops its monitor for
 * good, so the host keeps connections open until it exits.
 *
 * Single-threaded: called from the host's loop.
 */

#ifndef HVSIM_UEVENT_H
#define HVSIM_UEVENT_H

#include <stddef.h>
#include <stdint.h>

#include "guestos/pcitree.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Guest sockets served at once; more are accepted and closed (counted). */
#define HVSIM_UEVENT_MAX_GUESTS	64

/* The kernel's largest uevent (UEVENT_BUFFER_SIZE). */
#define HVSIM_UEVENT_MSG_MAX	2048

struct hvsim_uevent;

struct hvsim_uevent_stats {
	uint64_t events;	/* uevents sent (PCI, VMBus, uio) */
	uint64_t delivered;	/* messages queued to a guest socket */
	uint64_t missed;	/* a guest's socket was full: it missed one */
	uint64_t accepted;	/* guest sockets connected */
	uint64_t closed;	/* guest sockets gone (closed by the guest) */
	uint64_t refused;	/* over HVSIM_UEVENT_MAX_GUESTS */
	uint64_t ignored_bytes;	/* sent by guests, dropped */
	unsigned int guests;	/* connected now */
};

/*
 * Listen on $uio_dir/uevent.sock (a stale file is replaced). NULL with
 * errno set on failure (ENAMETOOLONG when the path does not fit sun_path).
 */
struct hvsim_uevent *hvsim_uevent_listen(const char *uio_dir);

/* Accept new guest sockets, drop closed ones, drain what guests sent.
 * Never blocks. Returns the work done (connections accepted or closed). */
unsigned int hvsim_uevent_poll(struct hvsim_uevent *u);

/*
 * Send one uevent (action "add", "remove", "bind" or "unbind") for the PCI
 * device of `spec` to every connected guest socket, accepting pending ones
 * first (a guest whose socket() returned before this call gets it). A guest
 * whose socket is full misses it (counted in `missed`). Returns the number
 * of guest sockets that got it (>= 0), or -EINVAL (bad action or spec).
 */
int hvsim_uevent_pci(struct hvsim_uevent *u, const char *action,
		     const struct hvsim_pci_spec *spec);

/*
 * The VMBus device's uevents (a rescind and a re-offer, as uio_hv_generic's
 * kernel sends them). uio_num < 0: the VMBus device itself,
 *
 *   <action>@<devpath>\0 ACTION= DEVPATH= SUBSYSTEM=vmbus\0
 *   [DRIVER=uio_hv_generic\0, for "bind"] MODALIAS=vmbus:<class guid>\0 SEQNUM=
 *
 * devpath HVSIM_VMBUS_DEVPATH/<uuid>, the class GUID as the kernel prints
 * it (its 16 bytes in memory order: netvsc is 635161f83edfc546913ff2d2f965ed0e);
 * uio_num >= 0: its uio child <devpath>/uio/uio<N>, SUBSYSTEM=uio, MAJOR=
 * HVSIM_UIO_MAJOR, MINOR=<N>, DEVNAME=uio<N>. DPDK's EAL monitor parses
 * neither (it handles pci; a uio event has no PCI_SLOT_NAME): a guest
 * learns of a rescind from /dev/uioN (read/write fail with EIO).
 * Same returns as hvsim_uevent_pci(); device_id and class_id are uuids
 * without braces.
 */
#define HVSIM_VMBUS_DEVPATH	"/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0004:00/VMBUS:00"
#define HVSIM_UIO_MAJOR		241	/* dynamic on Linux: any char major */
int hvsim_uevent_vmbus(struct hvsim_uevent *u, const char *action,
		       const char *device_id, const char *class_id, int uio_num);
int hvsim_uevent_format_vmbus(char *buf, size_t size, const char *action,
			      const char *device_id, const char *class_id,
			      int uio_num, uint64_t seqnum);

/*
 * Format the message hvsim_uevent_pci() sends, with sequence number
 * `seqnum`. Returns its length (it ends with the NUL of SEQNUM), -EINVAL,
 * or -ENOSPC.
 */
int hvsim_uevent_format(char *buf, size_t size, const char *action,
			const struct hvsim_pci_spec *spec, uint64_t seqnum);

void hvsim_uevent_get_stats(const struct hvsim_uevent *u,
			    struct hvsim_uevent_stats *out);

/* Listening socket, for a host that waits with poll/epoll (POLLIN: a guest
 * is connecting). */
int hvsim_uevent_fd(const struct hvsim_uevent *u);

/* Close every connection and the listening socket, and unlink the socket
 * file. NULL is fine. */
void hvsim_uevent_close(struct hvsim_uevent *u);

#ifdef __cplusplus
}
#endif

#endif /* HVSIM_UEVENT_H */
