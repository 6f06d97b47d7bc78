/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The contract between libhvsim_uio.so (preloaded into the guest process,
 * it stands in for the uio_hv_generic character device /dev/uioN) and the
 * hvsim host that backs it.
 *
 * Everything lives in the directory named by $HVSIM_UIO_DIR:
 *
 *   $HVSIM_UIO_DIR/uio<N>/map0 .. map4
 *	Regular files (on tmpfs) whose contents ARE the five uio regions
 *	(enum hv_uio_region). mmap(/dev/uioN, offset = i * page size) maps
 *	file map<i> at offset 0; the host maps the same file, so the memory
 *	is shared. A region may be at most its file size rounded up to a page.
 *
 *   $HVSIM_UIO_DIR/uio<N>/irq.sock
 *	A SOCK_SEQPACKET unix socket the host listens on.
 *	- open("/dev/uioN") connects: the accepted connection tells the host
 *	  the guest opened the channel.
 *	- guest -> host messages are exactly what the guest write()s: one
 *	  4-byte native-endian uint32 (1 = enable interrupts and, for a
 *	  channel without a monitor, signal the host; 0 = disable).
 *	- host -> guest messages are one 4-byte interrupt event count, which
 *	  is what the guest's read() returns.
 *	- the host closing the connection is a rescind: the guest's read()
 *	  and write() fail with EIO from then on.
 *	- the guest side keeps the connection while its fd or any mapping
 *	  of the device exists, like the kernel keeps the channel open while
 *	  the file has a reference; so the host sees EOF only when the guest
 *	  has closed the fd and unmapped everything.
 *
 *   $HVSIM_UIO_DIR/uevent.sock
 *	A SOCK_SEQPACKET unix socket the host listens on: the kernel's uevent
 *	netlink multicast. In the guest, socket(AF_NETLINK, type,
 *	NETLINK_KOBJECT_UEVENT) returns an AF_UNIX SOCK_SEQPACKET socket
 *	(SOCK_NONBLOCK / SOCK_CLOEXEC of `type` honoured) connected to it;
 *	bind() on that fd with a struct sockaddr_nl succeeds without doing
 *	anything; recv/recvmsg/poll/epoll work as on any socket. When nobody
 *	listens (no uevent.sock, or refused), the socket is a quiet one that
 *	never receives anything, like a VM where nothing is hot-plugged.
 *	- host -> guest: one message = one uevent in the kernel's format:
 *	  "<action>@<devpath>\0ACTION=<action>\0DEVPATH=<devpath>\0
 *	  SUBSYSTEM=pci\0[DRIVER=<kdrv>\0]PCI_CLASS=...\0...SEQNUM=<n>\0"
 *	  (guestos/uevent.h has the exact variables).
 *	- guest -> host: nothing is expected; what comes is read and dropped.
 *	Without HVSIM_UIO_DIR, or for other netlink protocols, socket() passes
 *	through.
 *
 *   ioctl(fd, SIOCGIFHWADDR, struct ifreq *)
 *	When $HVSIM_UIO_DIR is set, fd is a socket and
 *	<pci devices>/<any>/net/<ifr_name>/address exists, where <pci devices>
 *	is $SYSFS_PCI_DEVICES (as for DPDK's PCI scan) or /sys/bus/pci/devices,
 *	read in the guest's mount namespace: ifr_hwaddr gets sa_family
 *	ARPHRD_ETHER and the 6 bytes of that file, and ioctl returns 0.
 *	Anything else passes through to the kernel.
 */

#ifndef HVSIM_UIO_SHIM_H
#define HVSIM_UIO_SHIM_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hv_vmbus_wire.h"

/* Environment variable naming the backing directory. Unset: the shim
 * passes everything through to libc. */
#define HVSIM_UIO_DIR_ENV	"HVSIM_UIO_DIR"

/* Guest paths that the shim takes over: HVSIM_UIO_DEV_PREFIX<digits>. */
#define HVSIM_UIO_DEV_PREFIX	"/dev/uio"

/* Name of the per-device interrupt socket. */
#define HVSIM_UIO_SOCK_NAME	"irq.sock"

/* Every message on the interrupt socket, in both directions. */
#define HVSIM_UIO_MSG_SIZE	4u

/* Messages the guest writes. */
#define HVSIM_UIO_IRQ_DISABLE	0u
#define HVSIM_UIO_IRQ_ENABLE	1u

/*
 * The kernel's open() of /dev/uioN returns once the channel is open and its
 * rings are initialised. A host that initialises rings when it accepts the
 * connection (hvsim) creates HVSIM_UIO_SYNC_NAME in the device directory;
 * open() then waits, at most HVSIM_UIO_OPEN_TIMEOUT_MS, for the host's
 * HVSIM_UIO_MSG_OPENED before returning. It is consumed by open(), never
 * seen by read().
 */
#define HVSIM_UIO_SYNC_NAME	"open.sync"
#define HVSIM_UIO_MSG_OPENED	0xffffffffu
#define HVSIM_UIO_OPEN_TIMEOUT_MS	30000

/* The uevent socket, directly in $HVSIM_UIO_DIR. */
#define HVSIM_UEVENT_SOCK_NAME	"uevent.sock"

/* Where the guest's PCI devices are; DPDK's EAL honours the same variable. */
#define HVSIM_SYSFS_PCI_DEVICES_ENV	"SYSFS_PCI_DEVICES"
#define HVSIM_SYSFS_PCI_DEVICES	"/sys/bus/pci/devices"

/* Region files map0 .. map<HVSIM_UIO_REGIONS - 1>. */
#define HVSIM_UIO_REGIONS	HV_UIO_REGION_COUNT

/* Returns 0, or -ENAMETOOLONG when the result does not fit. */
static inline int
hvsim_uio_dev_path(char *buf, size_t size, const char *uio_dir, int uio_num)
{
	int n = snprintf(buf, size, "%s/uio%d", uio_dir, uio_num);

	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

static inline int
hvsim_uio_map_path(char *buf, size_t size, const char *uio_dir, int uio_num,
		   unsigned int region)
{
	int n = snprintf(buf, size, "%s/uio%d/map%u", uio_dir, uio_num,
			 region);

	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

static inline int
hvsim_uio_sock_path(char *buf, size_t size, const char *uio_dir, int uio_num)
{
	int n = snprintf(buf, size, "%s/uio%d/" HVSIM_UIO_SOCK_NAME, uio_dir,
			 uio_num);

	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

static inline int
hvsim_uevent_sock_path(char *buf, size_t size, const char *uio_dir)
{
	int n = snprintf(buf, size, "%s/" HVSIM_UEVENT_SOCK_NAME, uio_dir);

	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

#endif /* HVSIM_UIO_SHIM_H */
