/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * pci_eal_guest: the guest side of test_pci_eal. A real DPDK 22.11 EAL
 * (run with LD_PRELOAD of libhvsim_uio.so, HVSIM_UIO_DIR and
 * SYSFS_PCI_DEVICES pointing at hvsim's tree) that reports what its PCI
 * scan found and what its device-event monitor received, and on a PCI
 * "add" does what DPDK's netvsc hot-add does: list the device's net/
 * directory and ask each interface's MAC with SIOCGIFHWADDR.
 *
 * Usage: pci_eal_guest EAL-ARGS...   then commands on stdin:
 *   list    -> one "pci ..." line per PCI device, then "end"
 *   rescan  -> the PCI bus's scan (as rte_dev_probe does first), then list
 *   exit
 * Printed as they happen:
 *   ready                                 EAL up, monitor started
 *   event NAME TYPE                       TYPE 0 add, 1 remove
 *   mac NAME IFNAME FAMILY HEX6 | mac NAME IFNAME err ERRNO
 */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <bus_driver.h>
#include <bus_pci_driver.h>

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static const char *
pci_devices_dir(void)
{
	const char *dir = getenv("SYSFS_PCI_DEVICES");

	return dir != NULL ? dir : "/sys/bus/pci/devices";
}

/* netvsc_hotplug_retry(), the part that reads the MAC. */
static void
report_macs(const char *name)
{
	char path[512];
	struct dirent *de;
	struct ifreq req;
	int s, ret;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s/net", pci_devices_dir(), name);
	d = opendir(path);
	if (d == NULL) {
		say("mac %s - err %d", name, errno);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		s = socket(PF_INET, SOCK_DGRAM, IPPROTO_IP);
		if (s < 0) {
			say("mac %s %s err %d", name, de->d_name, errno);
			continue;
		}
		memset(&req, 0, sizeof(req));
		snprintf(req.ifr_name, sizeof(req.ifr_name), "%s", de->d_name);
		ret = ioctl(s, SIOCGIFHWADDR, &req);
		close(s);
		if (ret < 0) {
			say("mac %s %s err %d", name, de->d_name, errno);
			continue;
		}
		say("mac %s %s %u %02x%02x%02x%02x%02x%02x", name, de->d_name,
		    req.ifr_hwaddr.sa_family,
		    (uint8_t)req.ifr_hwaddr.sa_data[0],
		    (uint8_t)req.ifr_hwaddr.sa_data[1],
		    (uint8_t)req.ifr_hwaddr.sa_data[2],
		    (uint8_t)req.ifr_hwaddr.sa_data[3],
		    (uint8_t)req.ifr_hwaddr.sa_data[4],
		    (uint8_t)req.ifr_hwaddr.sa_data[5]);
	}
	closedir(d);
}

/* Runs on EAL's interrupt thread, like netvsc_hotadd_callback. */
static void
on_device_event(const char *name, enum rte_dev_event_type type, void *arg)
{
	(void)arg;
	say("event %s %d", name, (int)type);
	if (type == RTE_DEV_EVENT_ADD)
		report_macs(name);
}

static void
list_pci(void)
{
	struct rte_dev_iterator it;
	struct rte_device *dev;

	RTE_DEV_FOREACH(dev, "bus=pci", &it) {
		const struct rte_pci_device *p = RTE_DEV_TO_PCI_CONST(dev);

		say("pci %s %04x:%04x sub %04x:%04x class %06x numa %d kdrv %d "
		    "bar0 %#" PRIx64 " len %" PRIu64, dev->name, p->id.vendor_id,
		    p->id.device_id, p->id.subsystem_vendor_id,
		    p->id.subsystem_device_id, p->id.class_id, dev->numa_node,
		    (int)p->kdrv, p->mem_resource[0].phys_addr,
		    p->mem_resource[0].len);
	}
	say("end");
}

int
main(int argc, char **argv)
{
	struct rte_bus *pci;
	char line[128];
	int rc;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		say("eal-init-failed %d", rte_errno);
		return 1;
	}
	rc = rte_dev_event_callback_register(NULL, on_device_event, NULL);
	if (rc == 0)
		rc = rte_dev_event_monitor_start();
	if (rc != 0) {
		say("monitor-failed %d", rc);
		return 1;
	}
	say("ready");
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (strncmp(line, "list", 4) == 0) {
			list_pci();
		} else if (strncmp(line, "rescan", 6) == 0) {
			pci = rte_bus_find_by_name("pci");
			say("scan %d", pci != NULL ? pci->scan() : -1);
			list_pci();
		} else if (strncmp(line, "exit", 4) == 0) {
			break;
		}
	}
	rte_dev_event_monitor_stop();
	rte_dev_event_callback_unregister(NULL, on_device_event, NULL);
	rte_eal_cleanup();
	return 0;
}
