/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The rte_bus named "vmbus": device list, EAL allow/block policy, probe,
 * hot plug/unplug, IOVA requirement and rescind detection.
 *
 * Only one bus may carry the name "vmbus" in a process. Debian's EAL
 * autoloads DPDK's bundled vmbus plugin from its plugin directory; if that
 * bus is present too, this one refuses to run and says how to fix it.
 */

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_interrupts.h>
#include <rte_kvargs.h>
#include <rte_lcore.h>
#include <rte_string_fns.h>
#include <bus_driver.h>

#include "vmbus_private.h"

RTE_LOG_REGISTER(vmbus_logtype, bus.vmbus, NOTICE);

static struct rte_bus vmbus_bus;
static RTE_TAILQ_HEAD(, vmbus_device) device_list =
	TAILQ_HEAD_INITIALIZER(device_list);
static RTE_TAILQ_HEAD(, vmbus_driver) driver_list =
	TAILQ_HEAD_INITIALIZER(driver_list);

/*
 * This process's device and uio fd per uio number. Channels are shared
 * between processes and carry only the uio number; devices and fds are
 * not, so the fast path (signalling) finds them here without a list walk.
 */
static struct {
	struct vmbus_device *dev;
	int fd;
} proc_uio[VMBUS_MAX_UIO];

static const char conflict_msg[] =
	"another bus named vmbus (DPDK's bundled librte_bus_vmbus) is loaded in this "
	"process: hvnet's vmbus stays disabled; remove the bundled bus/vmbus, "
	"net/netvsc and net/vdev_netvsc plugins from the EAL plugin directory "
	"(see doc/guides/build.md)";

/* ---- process-local tables --------------------------------------------------- */

int
vmbus_uio_fd(int uio_num)
{
	return uio_num >= 0 && uio_num < VMBUS_MAX_UIO ? proc_uio[uio_num].fd : -1;
}

struct vmbus_device *
vmbus_find_by_uio(int uio_num)
{
	return uio_num >= 0 && uio_num < VMBUS_MAX_UIO ? proc_uio[uio_num].dev : NULL;
}

void
vmbus_set_uio(int uio_num, struct vmbus_device *dev, int fd)
{
	if (uio_num >= 0 && uio_num < VMBUS_MAX_UIO) {
		proc_uio[uio_num].dev = dev;
		proc_uio[uio_num].fd = fd;
	}
}

struct vmbus_device *
vmbus_find_by_name(const char *name)
{
	struct vmbus_device *dev;
	rte_uuid_t uu;

	if (vmbus_uuid_parse(name, uu) < 0)
		return NULL;
	TAILQ_FOREACH(dev, &device_list, next)
		if (rte_uuid_compare(dev->device_id, uu) == 0)
			return dev;
	return NULL;
}

static struct vmbus_driver *
driver_for_class(const rte_uuid_t class_id)
{
	struct vmbus_driver *drv;
	const rte_uuid_t *id;

	TAILQ_FOREACH(drv, &driver_list, next)
		for (id = drv->id_table; id != NULL && !rte_uuid_is_null(*id); id++)
			if (rte_uuid_compare(*id, class_id) == 0)
				return drv;
	return NULL;
}

bool
vmbus_class_wanted(const rte_uuid_t class_id)
{
	return driver_for_class(class_id) != NULL;
}

/* ---- EAL allow/block lists ------------------------------------------------ */

static struct rte_devargs *
find_devargs(const struct vmbus_device *dev)
{
	struct rte_devargs *da;
	rte_uuid_t uu;

	RTE_EAL_DEVARGS_FOREACH("vmbus", da) {
		if (vmbus_uuid_parse(da->name, uu) == 0 &&
		    rte_uuid_compare(uu, dev->device_id) == 0)
			return da;
	}
	return NULL;
}

/* Did the user name this device (-a, or a hot plug request)? */
bool
vmbus_device_named(const char *name)
{
	struct rte_devargs *da;
	rte_uuid_t uu, want;

	if (vmbus_uuid_parse(name, want) < 0)
		return false;
	RTE_EAL_DEVARGS_FOREACH("vmbus", da) {
		if (da->policy == RTE_DEV_ALLOWED && vmbus_uuid_parse(da->name, uu) == 0 &&
		    rte_uuid_compare(uu, want) == 0)
			return true;
	}
	return false;
}

static bool
device_allowed(const struct vmbus_device *dev)
{
	const struct rte_devargs *da = dev->device.devargs;

	if (vmbus_bus.conf.scan_mode == RTE_BUS_SCAN_ALLOWLIST)
		return da != NULL && da->policy == RTE_DEV_ALLOWED;
	return da == NULL || da->policy != RTE_DEV_BLOCKED;
}

/* Keep the list sorted by uuid so that port numbers are stable. */
void
vmbus_add_device(struct vmbus_device *dev)
{
	struct vmbus_device *it;

	dev->device.bus = &vmbus_bus;
	dev->device.devargs = find_devargs(dev);
	TAILQ_FOREACH(it, &device_list, next) {
		if (rte_uuid_compare(dev->device_id, it->device_id) < 0) {
			TAILQ_INSERT_BEFORE(it, dev, next);
			return;
		}
	}
	TAILQ_INSERT_TAIL(&device_list, dev, next);
}

/* ---- scan ----------------------------------------------------------------------- */

static int
is_other_vmbus(const struct rte_bus *bus, const void *self)
{
	/* rte_bus_find() comparator: 0 means "this one". */
	return !(bus != self && strcmp(rte_bus_name(bus), "vmbus") == 0);
}

static bool
bus_conflict(void)
{
	return rte_bus_find(NULL, is_other_vmbus, &vmbus_bus) != NULL;
}

static int
vmbus_scan(void)
{
	struct dirent *e;
	DIR *d;
	int ret = 0;

	if (bus_conflict()) {
		VMBUS_LOG(ERR, "%s", conflict_msg);
		return -EEXIST;
	}
	d = opendir(VMBUS_SYSFS_DEVICES);
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;	/* not a Hyper-V guest */
		VMBUS_LOG(ERR, "cannot read %s: %s", VMBUS_SYSFS_DEVICES, strerror(errno));
		return -errno;
	}
	while (ret == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			ret = vmbus_scan_one(e->d_name);
	}
	closedir(d);
	return ret;
}

/* ---- rescind ------------------------------------------------------------------------ */

/* The device is gone: mark it and tell its driver, once whoever notices
 * first (the uio fd, EAL's hot-unplug handling). False: told before. */
static bool
tell_removal(struct vmbus_device *dev)
{
	__atomic_store_n(&dev->rescinded, true, __ATOMIC_RELAXED);
	if (__atomic_exchange_n(&dev->removal_told, true, __ATOMIC_ACQ_REL))
		return false;
	VMBUS_LOG(ERR, "device %s: rescinded by the host", dev->name);
	if (dev->driver != NULL && dev->driver->rescind != NULL)
		dev->driver->rescind(dev);
	return true;
}

/* A host interrupt: the driver looks at the channels it enabled. */
static void
call_intr_cb(struct vmbus_device *dev)
{
	dev->intr_events++;
	rte_spinlock_lock(&dev->intr_cb_lock);
	if (dev->intr_cb != NULL)
		dev->intr_cb(dev->intr_cb_arg);
	rte_spinlock_unlock(&dev->intr_cb_lock);
}

int
vmbus_device_intr_callback_set(struct vmbus_device *dev, vmbus_intr_cb_t *cb, void *arg)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -E_RTE_SECONDARY;
	rte_spinlock_lock(&dev->intr_cb_lock);
	dev->intr_cb = cb;
	dev->intr_cb_arg = arg;
	rte_spinlock_unlock(&dev->intr_cb_lock);
	return 0;
}

/*
 * The uio fd becomes readable on host interrupts (a poll-mode driver keeps
 * them masked, so rarely; see call_intr_cb) and when the host rescinds the device: then
 * read() fails with EIO. The callback removes itself before anyone is
 * told, because a REMOVE handler may detach the device (and free it)
 * synchronously; after the notifications `dev` is not touched again.
 */
static void
uio_event(void *arg)
{
	struct vmbus_device *dev = arg;
	char name[RTE_UUID_STRLEN];
	uint32_t count;
	ssize_t n;

	n = read(dev->uio_fd, &count, sizeof(count));
	if (n == sizeof(count)) {
		call_intr_cb(dev);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	rte_intr_callback_unregister_pending(dev->intr_handle, uio_event, dev, NULL);
	rte_strscpy(name, dev->name, sizeof(name));
	if (tell_removal(dev))
		rte_dev_event_callback_process(name, RTE_DEV_EVENT_REMOVE);
}

/*
 * EAL's hot-unplug handling (rte_dev_hotplug_handle_enable), before it
 * gives the application RTE_DEV_EVENT_REMOVE itself. The regions stay
 * mapped: uio_hv_generic keeps them valid memory until the last unmap,
 * and a fault in them is the SIGBUS handler's.
 */
static int
vmbus_hot_unplug(struct rte_device *rdev)
{
	tell_removal(vmbus_device_from(rdev));
	return 0;
}

static int
watch_rescind(struct vmbus_device *dev)
{
	dev->intr_handle = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (dev->intr_handle == NULL)
		return -ENOMEM;
	if (rte_intr_fd_set(dev->intr_handle, dev->uio_fd) < 0 ||
	    rte_intr_type_set(dev->intr_handle, RTE_INTR_HANDLE_EXT) < 0 ||
	    rte_intr_callback_register(dev->intr_handle, uio_event, dev) < 0) {
		rte_intr_instance_free(dev->intr_handle);
		dev->intr_handle = NULL;
		return -EIO;
	}
	return 0;
}

static void
unwatch_rescind(struct vmbus_device *dev)
{
	if (dev->intr_handle == NULL)
		return;
	/* From the interrupt thread itself (a REMOVE handler detaching), a
	 * synchronous unregister would wait for itself forever. */
	if (rte_thread_is_intr())
		rte_intr_callback_unregister(dev->intr_handle, uio_event, dev);
	else
		rte_intr_callback_unregister_sync(dev->intr_handle, uio_event, dev);
	rte_intr_instance_free(dev->intr_handle);
	dev->intr_handle = NULL;
}

bool
vmbus_device_rescinded(const struct vmbus_device *dev)
{
	return __atomic_load_n(&dev->rescinded, __ATOMIC_RELAXED);
}

int
vmbus_device_reopen(struct vmbus_device *dev)
{
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -E_RTE_SECONDARY;
	if (vmbus_device_rescinded(dev))
		return -ENODEV;
	unwatch_rescind(dev);
	vmbus_uio_unmap(dev);
	ret = vmbus_uio_map(dev);
	if (ret < 0) {
		VMBUS_LOG(ERR, "device %s: cannot map it again: %s", dev->name,
			  strerror(-ret));
		return ret;
	}
	if (watch_rescind(dev) < 0)
		VMBUS_LOG(WARNING, "device %s: rescind events will not be reported", dev->name);
	return 0;
}

/* ---- probe / remove ----------------------------------------------------------------- */

static const char *
iova_mode_name(enum rte_iova_mode m)
{
	return m == RTE_IOVA_PA ? "pa" : m == RTE_IOVA_VA ? "va" : "dc";
}

/*
 * Returns 0 when probed, 1 when no driver wants it, -EEXIST when already
 * probed (no driver here supports probing twice), <0 on failure.
 */
static int
probe_device(struct vmbus_device *dev)
{
	struct vmbus_driver *drv = driver_for_class(dev->class_id);
	int ret;

	if (drv == NULL)
		return 1;
	if (dev->driver != NULL)
		return -EEXIST;
	if (rte_eal_iova_mode() != RTE_IOVA_PA) {
		VMBUS_LOG(ERR, "device %s needs IOVA as physical address (the host reads guest "
			  "physical memory) but EAL runs with iova-mode=%s: run as root with "
			  "hugepages and --iova-mode=pa", dev->name,
			  iova_mode_name(rte_eal_iova_mode()));
		return -ENOTSUP;
	}
	ret = vmbus_uio_map(dev);
	if (ret < 0)
		return ret;
	dev->driver = drv;
	dev->device.driver = &drv->driver;
	VMBUS_LOG(INFO, "probing %s with %s", dev->name, drv->driver.name);
	ret = drv->probe(drv, dev);
	if (ret != 0) {
		VMBUS_LOG(ERR, "device %s: driver %s probe failed: %d", dev->name,
			  drv->driver.name, ret);
		dev->driver = NULL;
		dev->device.driver = NULL;
		vmbus_uio_unmap(dev);
		return ret < 0 ? ret : -EIO;
	}
	if (watch_rescind(dev) < 0)
		VMBUS_LOG(WARNING, "device %s: rescind events will not be reported", dev->name);
	return 0;
}

static int
vmbus_probe(void)
{
	struct vmbus_device *dev;
	unsigned int probed = 0, failed = 0;

	TAILQ_FOREACH(dev, &device_list, next) {
		if (dev->driver != NULL)
			continue;
		if (!device_allowed(dev)) {
			VMBUS_LOG(DEBUG, "device %s not allowed by the EAL device list", dev->name);
			continue;
		}
		probed++;
		if (probe_device(dev) < 0)
			failed++;
	}
	return probed > 0 && probed == failed ? -1 : 0;
}

/* The driver goes first: if it refuses, the device stays fully attached. */
static int
detach_device(struct vmbus_device *dev)
{
	int ret = 0;

	if (dev->driver != NULL && dev->driver->remove != NULL)
		ret = dev->driver->remove(dev);
	if (ret != 0)
		return ret;
	unwatch_rescind(dev);
	dev->driver = NULL;
	dev->device.driver = NULL;
	vmbus_uio_unmap(dev);
	return 0;
}

static void
forget_device(struct vmbus_device *dev)
{
	TAILQ_REMOVE(&device_list, dev, next);
	free(dev);
}

static int
vmbus_plug(struct rte_device *rdev)
{
	struct vmbus_device *dev = vmbus_device_from(rdev);
	int ret;

	/* hot plug: EAL has just inserted devargs for it (kvargs, policy) */
	dev->device.devargs = find_devargs(dev);
	if (!device_allowed(dev))
		return -EPERM;
	ret = probe_device(dev);
	return ret > 0 ? -ENOENT : ret;
}

static int
vmbus_unplug(struct rte_device *rdev)
{
	struct vmbus_device *dev = vmbus_device_from(rdev);
	int ret = detach_device(dev);

	if (ret == 0) {
		rte_devargs_remove(dev->device.devargs);
		forget_device(dev);
	}
	return ret;
}

static int
vmbus_cleanup(void)
{
	struct vmbus_device *dev, *tmp;
	int ret = 0;

	RTE_TAILQ_FOREACH_SAFE(dev, &device_list, next, tmp) {
		if (detach_device(dev) < 0)
			ret = -1;	/* the driver still holds it: keep it */
		else
			forget_device(dev);
	}
	return ret;
}

/* ---- lookup, names, IOVA -------------------------------------------------------------- */

static struct rte_device *
vmbus_find_device(const struct rte_device *start, rte_dev_cmp_t cmp, const void *data)
{
	struct vmbus_device *dev;

	dev = start != NULL ? TAILQ_NEXT(vmbus_device_from(start), next)
			    : TAILQ_FIRST(&device_list);
	for (; dev != NULL; dev = TAILQ_NEXT(dev, next))
		if (cmp(&dev->device, data) == 0)
			return &dev->device;
	return NULL;
}

/* A device name on this bus is its uuid, with or without braces. */
static int
vmbus_parse(const char *name, void *addr)
{
	rte_uuid_t uu;

	if (vmbus_uuid_parse(name, uu) < 0)
		return 1;
	if (addr != NULL)
		rte_uuid_copy(addr, uu);
	return 0;
}

/* Iteration filters ("bus=vmbus,uuid=<uuid>"): the one key is the uuid. */
static const char *const iterate_keys[] = { "uuid", NULL };

static int
uuid_differs(const char *key, const char *value, void *arg)
{
	const struct vmbus_device *dev = arg;
	rte_uuid_t uu;

	RTE_SET_USED(key);
	return vmbus_uuid_parse(value, uu) == 0 && rte_uuid_compare(uu, dev->device_id) == 0 ?
	       0 : -1;
}

static int
device_matches(const struct rte_device *rdev, const void *kvlist)
{
	if (kvlist == NULL)
		return 0;	/* no filter: every device */
	return rte_kvargs_process(kvlist, "uuid", uuid_differs,
				  (void *)(uintptr_t)vmbus_device_from(rdev)) == 0 ? 0 : 1;
}

static void *
vmbus_dev_iterate(const void *start, const char *str, const struct rte_dev_iterator *it)
{
	struct rte_kvargs *kvlist = NULL;
	struct rte_device *dev;

	RTE_SET_USED(it);
	if (str != NULL) {
		kvlist = rte_kvargs_parse(str, iterate_keys);
		if (kvlist == NULL) {
			VMBUS_LOG(ERR, "cannot parse device filter \"%s\"", str);
			rte_errno = EINVAL;
			return NULL;
		}
	}
	dev = vmbus_find_device(start, device_matches, kvlist);
	rte_kvargs_free(kvlist);
	return dev;
}

/* The host reads guest physical addresses: ask EAL for IOVA as PA. */
static enum rte_iova_mode
vmbus_iommu_class(void)
{
	const struct vmbus_device *dev;

	TAILQ_FOREACH(dev, &device_list, next)
		if (device_allowed(dev))
			return RTE_IOVA_PA;
	return RTE_IOVA_DC;
}

/*
 * A rescinded device's mappings may fault. Replace the faulting region with
 * anonymous memory so the application survives and sees the rescind.
 */
static int
vmbus_sigbus(const void *addr)
{
	struct vmbus_device *dev;
	int i;

	TAILQ_FOREACH(dev, &device_list, next) {
		for (i = 0; i < HV_UIO_REGION_COUNT; i++) {
			const uint8_t *base = dev->regions[i].addr;

			if (base == NULL || (const uint8_t *)addr < base ||
			    (const uint8_t *)addr >= base + dev->regions[i].size)
				continue;
			if (mmap(dev->regions[i].addr, dev->regions[i].size,
				 PROT_READ | PROT_WRITE,
				 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
				return -1;
			/* signal context: no logging here */
			__atomic_store_n(&dev->rescinded, true, __ATOMIC_RELAXED);
			return 0;
		}
	}
	return 1;
}

/* ---- drivers ----------------------------------------------------------------------------- */

void
vmbus_register_driver(struct vmbus_driver *drv)
{
	TAILQ_INSERT_TAIL(&driver_list, drv, next);
}

void
vmbus_unregister_driver(struct vmbus_driver *drv)
{
	TAILQ_REMOVE(&driver_list, drv, next);
}

static struct rte_bus vmbus_bus = {
	.scan = vmbus_scan,
	.probe = vmbus_probe,
	.find_device = vmbus_find_device,
	.plug = vmbus_plug,
	.unplug = vmbus_unplug,
	.parse = vmbus_parse,
	.get_iommu_class = vmbus_iommu_class,
	.sigbus_handler = vmbus_sigbus,
	.hot_unplug_handler = vmbus_hot_unplug,
	.dev_iterate = vmbus_dev_iterate,
	.cleanup = vmbus_cleanup,
};

/* Like RTE_REGISTER_BUS, but refusing to shadow a bus already named vmbus. */
RTE_INIT_PRIO(vmbus_bus_register, BUS)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(proc_uio); i++)
		proc_uio[i].fd = -1;
	if (rte_bus_find_by_name("vmbus") != NULL) {
		VMBUS_LOG(ERR, "%s", conflict_msg);
		return;
	}
	vmbus_bus.name = "vmbus";
	rte_bus_register(&vmbus_bus);
}
