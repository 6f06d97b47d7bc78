/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The guest's PCI bus: what a Linux VM's /sys/bus/pci shows for a PCI
 * function that hvsim gives it (the SR-IOV VF of accelerated networking).
 * A Hyper-V VM has no PCI devices of its own, so the tree holds only these.
 *
 * bus_root is the directory that appears as /sys/bus in the guest (the tmpfs
 * hvns_mount_sysfs_bus() mounts there, or any directory in tests):
 *
 *   pci/devices/<bdf>/vendor device subsystem_vendor subsystem_device
 *					"0x%04x\n"
 *		       class		"0x%06x\n"
 *		       revision		"0x00\n"
 *		       numa_node	"%d\n"
 *		       enable		"1\n"
 *		       irq		"0\n"
 *		       resource		7 lines "0x%016llx 0x%016llx 0x%016llx\n":
 *					BAR 0 (fake nonzero start, start + size - 1,
 *					flags 0x40200), then six zero lines
 *		       resource0	regular file of bar0_size bytes: the BAR
 *		       uevent		the kernel's PCI uevent variables
 *		       modalias		"pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n"
 *		       driver	     -> ../../drivers/<kdrv>	(absent: kdrv "")
 *		       net/<ifname>/address	"aa:bb:cc:dd:ee:ff\n"
 *				    addr_len	"6\n"
 *				    broadcast	"ff:ff:ff:ff:ff:ff\n"
 *				    type	"1\n"	(ARPHRD_ETHER)
 *				    ifindex	"%u\n"	(HVSIM_PCI_IFINDEX_BASE + serial)
 *				    iflink	same as ifindex
 *				    uevent	"INTERFACE=<ifname>\nIFINDEX=<n>\n"
 *   pci/drivers/<kdrv>/<bdf>	     -> ../../devices/<bdf>
 *   pci/slots/<serial>/address	"%04x:%02x:%02x\n" (domain:bus:slot), serial != 0
 *
 * DPDK 22.11's PCI scan (drivers/bus/pci/linux/pci.c) needs vendor, device,
 * subsystem_*, class and resource, reads numa_node when present, and skips a
 * device without a `driver` link; a driver that is neither uio nor vfio makes
 * the device's kernel-driver kind UNKNOWN (nothing mapped by the EAL, IOMMU
 * class check skipped). Its netvsc hot-add lists `net/` and asks the MAC of
 * each name with SIOCGIFHWADDR, which the uio shim answers from
 * net/<ifname>/address.
 *
 * Functions return 0 or a negative errno. They are not safe to call
 * concurrently on the same device.
 */

#ifndef HVSIM_PCITREE_H
#define HVSIM_PCITREE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "dddd:bb:ss.f", lower-case hex, as DPDK and Linux name PCI functions. */
#define HVSIM_PCI_BDF_LEN	12

/* net/<ifname>/ifindex: a number the guest's kernel would have given. */
#define HVSIM_PCI_IFINDEX_BASE	100u

/* Flags of BAR 0 in `resource`: IORESOURCE_MEM | IORESOURCE_SIZEALIGN. */
#define HVSIM_PCI_BAR_FLAGS	UINT64_C(0x40200)

struct hvsim_pci_spec {
	char bdf[16];			/* "7870:00:02.0" */
	uint16_t vendor, device, subsystem_vendor, subsystem_device;
	uint32_t class_code;		/* 0x020000 */
	int numa_node;			/* -1 */
	uint64_t bar0_size;		/* resource0 file size (sparse) */
	char ifname[16];		/* net/<ifname>/address; "" = no net dir */
	uint8_t mac[6];
	uint32_t serial;		/* slots/<serial>/address; 0 = no slot */
	char kdrv[32];			/* driver -> ../../drivers/<kdrv> */
};

/*
 * Create devices/<bdf>/ under bus_root/pci atomically: it is built under a
 * hidden name (".<bdf>.new", which DPDK's scan skips) and renamed into place
 * without replacing, so a scanning guest sees the whole device or nothing.
 * The slot and the driver's link to the device are made before, so they are
 * there when the device appears. The bus skeleton (pci/devices, pci/drivers,
 * pci/slots, pci/drivers/<kdrv>) is created as needed and stays, like a
 * loaded driver module.
 * -EINVAL: bad spec (bdf syntax, class above 24 bits, bar0_size 0, ifname or
 * kdrv not a valid name); -EEXIST: the device or its slot exists.
 * On failure nothing of the device is left behind.
 */
int hvsim_pcitree_add(const char *bus_root, const struct hvsim_pci_spec *spec);

/*
 * Fills the BAR before anyone can see it: called by hvsim_pcitree_add_with()
 * with resource0 open read-write (bar_fd, closed after the call; a mapping
 * made from it stays valid) while the device is still hidden. 0 or -errno.
 */
typedef int (*hvsim_pcitree_bar_init_fn)(int bar_fd, uint64_t bar0_size, void *arg);

/*
 * hvsim_pcitree_add(), with init_bar (may be NULL) run on the hidden
 * device's resource0 before it appears: a guest that scans at any moment
 * sees a device whose BAR is already laid out. When init_bar fails, its
 * error is returned and nothing is left; when a later step fails (the
 * slot, the driver's link, the rename), undoing what init_bar did (a
 * mapping) is the caller's.
 */
int hvsim_pcitree_add_with(const char *bus_root, const struct hvsim_pci_spec *spec,
			   hvsim_pcitree_bar_init_fn init_bar, void *arg);

/* Path of a device file, e.g. "resource0" (file NULL or "": the device
 * directory). 0 or -ENAMETOOLONG. */
int hvsim_pcitree_path(char *buf, size_t size, const char *bus_root,
		       const char *bdf, const char *file);

/*
 * Remove the device: devices/<bdf> is renamed to a hidden name in one step
 * (the guest's scan stops seeing it at once), then deleted; the slot and the
 * driver's link go too. Mappings of resource0 stay valid (the file lives on
 * while mapped). -EINVAL: bad spec (as for add); -ENOENT: no such device.
 */
int hvsim_pcitree_remove(const char *bus_root,
			 const struct hvsim_pci_spec *spec);

/* The kernel's DEVPATH for uevents: "/devices/pci7870:00/7870:00:02.0".
 * 0, -EINVAL (bdf syntax) or -ENAMETOOLONG. */
int hvsim_pcitree_devpath(char *buf, size_t size, const char *bdf);

/*
 * The PCI bus's uevent variables of a device, as the kernel adds them
 * (after DRIVER=<kdrv> when with_driver and kdrv is set), each followed by
 * `sep`: '\n' for the sysfs `uevent` file, '\0' inside a uevent message.
 *   PCI_CLASS=%04X  PCI_ID=%04X:%04X  PCI_SUBSYS_ID=%04X:%04X
 *   PCI_SLOT_NAME=<bdf>  MODALIAS=pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X
 * Returns the length written (without a final NUL; one is added when it
 * fits), -EINVAL on a bad spec, -ENOSPC when buf is too small.
 */
int hvsim_pcitree_uevent_vars(char *buf, size_t size,
			      const struct hvsim_pci_spec *spec,
			      int with_driver, char sep);

#ifdef __cplusplus
}
#endif

#endif /* HVSIM_PCITREE_H */
