/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * What the kernel's uio_hv_generic shows user space (uio-hv-generic.md):
 * sysfs attributes of each VMBus device, five regions behind /dev/uioN
 * (region i at mmap offset i x page size), and one `ring` file per open
 * channel under channels/<relid>/.
 *
 * Everything read from sysfs is checked; a malformed device is skipped with
 * one clear log line, never a crash.
 *
 * Secondary processes must see rings and buffers at the primary's
 * addresses (channel structures in shared memory point into them), so the
 * primary records every mapping in a memzone and secondaries map at those
 * addresses or fail with a clear error.
 */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_cycles.h>
#include <rte_memzone.h>
#include <rte_spinlock.h>
#include <rte_string_fns.h>

#include "vmbus_private.h"

#define VMBUS_SHARED_MZ		"hvnet_vmbus_maps"
#define VMBUS_SHARED_DEVS	32
#define ATTR_MAX		128

static const char *const region_names[HV_UIO_REGION_COUNT] = {
	[HV_UIO_TXRX_RING] = "txrx_rings",
	[HV_UIO_INT_PAGE] = "int_page",
	[HV_UIO_MON_PAGE] = "monitor_page",
	[HV_UIO_RECV_BUF] = "recv:",
	[HV_UIO_SEND_BUF] = "send:",
};

/* ---- mappings shared with secondary processes ------------------------ */

struct vmbus_shared_ring {
	uint32_t relid;
	void *addr;
	size_t size;
};

struct vmbus_shared_dev {
	char name[RTE_UUID_STRLEN];
	void *region_addr[HV_UIO_REGION_COUNT];
	size_t region_size[HV_UIO_REGION_COUNT];
	struct vmbus_shared_ring rings[VMBUS_MAX_CHANNELS];
};

struct vmbus_shared {
	rte_spinlock_t lock;
	struct vmbus_shared_dev devs[VMBUS_SHARED_DEVS];
};

static struct vmbus_shared *
shared_maps(void)
{
	const struct rte_memzone *mz;

	mz = rte_memzone_lookup(VMBUS_SHARED_MZ);
	if (mz == NULL && rte_eal_process_type() == RTE_PROC_PRIMARY) {
		mz = rte_memzone_reserve(VMBUS_SHARED_MZ, sizeof(struct vmbus_shared),
					 SOCKET_ID_ANY, 0);
		if (mz != NULL) {
			memset(mz->addr, 0, sizeof(struct vmbus_shared));
			rte_spinlock_init(&((struct vmbus_shared *)mz->addr)->lock);
		}
	}
	return mz == NULL ? NULL : mz->addr;
}

/* Entry of a device, created on demand by the primary. */
static struct vmbus_shared_dev *
shared_dev(struct vmbus_shared *sh, const char *name, bool create)
{
	struct vmbus_shared_dev *free_slot = NULL;
	unsigned int i;

	for (i = 0; i < VMBUS_SHARED_DEVS; i++) {
		if (strcmp(sh->devs[i].name, name) == 0)
			return &sh->devs[i];
		if (free_slot == NULL && sh->devs[i].name[0] == '\0')
			free_slot = &sh->devs[i];
	}
	if (!create || free_slot == NULL)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	rte_strscpy(free_slot->name, name, sizeof(free_slot->name));
	return free_slot;
}

/*
 * Record where the ring of channel relid is mapped (addr not NULL), or
 * forget it (addr NULL), in the device's shared entry.
 */
static void
shared_set_ring(const char *name, uint32_t relid, void *addr, size_t size)
{
	struct vmbus_shared *sh = shared_maps();
	struct vmbus_shared_dev *sd;
	unsigned int i;

	if (sh == NULL)
		return;
	rte_spinlock_lock(&sh->lock);
	sd = shared_dev(sh, name, addr != NULL);
	for (i = 0; sd != NULL && i < VMBUS_MAX_CHANNELS; i++) {
		struct vmbus_shared_ring *r = &sd->rings[i];

		if (addr == NULL) {
			if (r->addr != NULL && r->relid == relid)
				*r = (struct vmbus_shared_ring){ 0 };
		} else if (r->addr == NULL || r->relid == relid) {
			*r = (struct vmbus_shared_ring){ relid, addr, size };
			break;
		}
	}
	rte_spinlock_unlock(&sh->lock);
}

static void
shared_forget_dev(const char *name)
{
	struct vmbus_shared *sh = shared_maps();
	struct vmbus_shared_dev *sd;

	if (sh == NULL)
		return;
	rte_spinlock_lock(&sh->lock);
	sd = shared_dev(sh, name, false);
	if (sd != NULL)
		memset(sd, 0, sizeof(*sd));
	rte_spinlock_unlock(&sh->lock);
}

/* A consistent copy of the primary's record of a device. */
static int
shared_copy_dev(const char *name, struct vmbus_shared_dev *out)
{
	struct vmbus_shared *sh = shared_maps();
	struct vmbus_shared_dev *sd;

	if (sh == NULL)
		return -ENODEV;
	rte_spinlock_lock(&sh->lock);
	sd = shared_dev(sh, name, false);
	if (sd != NULL)
		*out = *sd;
	rte_spinlock_unlock(&sh->lock);
	return sd != NULL ? 0 : -ENODEV;
}

/* ---- sysfs attributes --------------------------------------------------- */

/* Read a small text attribute, trimmed. -ENOENT when absent. */
static int
read_attr(const char *dir, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, attr) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return n == 0 ? -ENODATA : 0;
}

static int
parse_ulong(const char *text, int base, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (*text == '\0' || *text == '-' || isspace((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	v = strtoul(text, &end, base);
	if (errno != 0 || *end != '\0' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Read a decimal attribute in [0, max]. */
static int
read_attr_ulong(const char *dir, const char *attr, unsigned long max,
		unsigned long *out)
{
	char buf[ATTR_MAX];
	int ret = read_attr(dir, attr, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	return parse_ulong(buf, 10, max, out);
}

/*
 * A channel's monitor id, -1 when it has none (no attribute) or one past
 * the monitor page: the offer's id is a byte the kernel prints unchecked,
 * and a channel without a usable monitor bit is still signalled through
 * the interrupt page, so an out-of-range id costs nothing but latency.
 */
static int
read_monitor_id(const char *dir, int32_t *id)
{
	unsigned long v;
	int ret = read_attr_ulong(dir, "monitor_id", UINT32_MAX, &v);

	*id = ret == 0 && v < HV_MONITOR_ID_MAX ? (int32_t)v : -1;
	return ret == 0 || ret == -ENOENT ? 0 : -EINVAL;
}

/* sysfs shows GUIDs in braces: "{f8615163-...}". */
int
vmbus_uuid_parse(const char *text, rte_uuid_t uu)
{
	char bare[RTE_UUID_STRLEN];
	size_t len = strlen(text);

	if (len == RTE_UUID_STRLEN + 1 && text[0] == '{' && text[len - 1] == '}') {
		memcpy(bare, text + 1, len - 2);
		bare[len - 2] = '\0';
		text = bare;
	}
	return rte_uuid_parse(text, uu) == 0 ? 0 : -EINVAL;
}

static int
read_attr_uuid(const char *dir, const char *attr, rte_uuid_t uu)
{
	char buf[ATTR_MAX];
	int ret = read_attr(dir, attr, buf, sizeof(buf));

	return ret < 0 ? ret : vmbus_uuid_parse(buf, uu);
}

/* ---- scan ----------------------------------------------------------------- */

/* uio number from <dev>/uio/uioN; -ENOENT when not bound to uio_hv_generic. */
static int
find_uio_num(const char *dev_dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	int num = -ENOENT;
	DIR *d;

	snprintf(path, sizeof(path), "%s/uio", dev_dir);
	d = opendir(path);
	if (d == NULL)
		return -ENOENT;
	while ((e = readdir(d)) != NULL) {
		unsigned long n;

		if (strncmp(e->d_name, "uio", 3) == 0 &&
		    parse_ulong(e->d_name + 3, 10, INT_MAX, &n) == 0) {
			num = (int)n;
			break;
		}
	}
	closedir(d);
	return num;
}

static void
driver_name(const char *dev_dir, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/driver", dev_dir);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0) {
		rte_strscpy(buf, "none", len);
		return;
	}
	target[n] = '\0';
	rte_strscpy(buf, strrchr(target, '/') ? strrchr(target, '/') + 1 : target, len);
}

/* Optional attributes: absent is fine, malformed is not. */
static int
read_optional_attrs(const char *dir, struct vmbus_device *dev)
{
	char buf[ATTR_MAX];
	long node;
	char *end;
	int ret;

	if (read_monitor_id(dir, &dev->monitor_id) < 0)
		return -EINVAL;

	dev->device.numa_node = SOCKET_ID_ANY;
	ret = read_attr(dir, "numa_node", buf, sizeof(buf));
	if (ret == 0) {
		errno = 0;
		node = strtol(buf, &end, 10);
		if (errno != 0 || *end != '\0' || node < -1 || node >= RTE_MAX_NUMA_NODES)
			return -EINVAL;
		dev->device.numa_node = node < 0 ? SOCKET_ID_ANY : (int)node;
	} else if (ret != -ENOENT) {
		return -EINVAL;
	}
	return 0;
}

static int
read_device_attrs(const char *dir, const char *name, struct vmbus_device *dev)
{
	unsigned long relid;
	rte_uuid_t dir_uuid;

	if (read_attr_uuid(dir, "device_id", dev->device_id) < 0) {
		VMBUS_LOG(ERR, "device %s: malformed or missing device_id: skipped", name);
		return -EINVAL;
	}
	if (vmbus_uuid_parse(name, dir_uuid) < 0 ||
	    rte_uuid_compare(dir_uuid, dev->device_id) != 0) {
		VMBUS_LOG(ERR, "device %s: device_id does not match its directory: skipped", name);
		return -EINVAL;
	}
	if (read_attr_ulong(dir, "id", VMBUS_RELID_MAX, &relid) < 0) {
		VMBUS_LOG(ERR, "device %s: malformed, missing or too large id (channel relid): skipped",
			  name);
		return -EINVAL;
	}
	dev->relid = (uint32_t)relid;
	if (read_optional_attrs(dir, dev) < 0) {
		VMBUS_LOG(ERR, "device %s: malformed monitor_id or numa_node: skipped", name);
		return -EINVAL;
	}
	return 0;
}

/*
 * A NIC the kernel keeps (eth0 is one) is normal: only a device the user
 * asked for (-a) is worth a warning, and its advice must not be pasted
 * for any other device, since binding the NIC that carries the SSH
 * session cuts it.
 */
static void
report_unbound(const char *dir, const char *name)
{
	char drv[64];

	driver_name(dir, drv, sizeof(drv));
	if (vmbus_device_named(name))
		VMBUS_LOG(WARNING, "device %s is not bound to uio_hv_generic (driver: %s): skipped;"
			  " bind it with 'vmbus-devbind --bind uio_hv_generic %s'",
			  name, drv, name);
	else
		VMBUS_LOG(DEBUG, "device %s has driver %s, not uio_hv_generic: not used",
			  name, drv);
}

/*
 * Look at one entry of /sys/bus/vmbus/devices. Devices of classes no
 * driver asked for are ignored silently; devices that are not bound to
 * uio_hv_generic are skipped with one line (a warning only when named with
 * -a, else a debug line), malformed ones with an error line.
 * Returns 0 (also when skipped) or -ENOMEM.
 */
int
vmbus_scan_one(const char *name)
{
	char dir[PATH_MAX];
	struct vmbus_device *dev;
	rte_uuid_t class_id;
	int uio;

	if (snprintf(dir, sizeof(dir), "%s/%s", VMBUS_SYSFS_DEVICES, name) >= (int)sizeof(dir))
		return 0;
	if (read_attr_uuid(dir, "class_id", class_id) < 0) {
		VMBUS_LOG(ERR, "device %s: malformed or missing class_id: skipped", name);
		return 0;
	}
	if (!vmbus_class_wanted(class_id))
		return 0;
	if (vmbus_find_by_name(name) != NULL)
		return 0;	/* already known: a rescan */

	uio = find_uio_num(dir);
	if (uio >= VMBUS_MAX_UIO) {
		VMBUS_LOG(ERR, "device %s: uio%d is beyond the %d this bus handles: skipped",
			  name, uio, VMBUS_MAX_UIO);
		return 0;
	}
	if (uio < 0) {
		report_unbound(dir, name);
		return 0;
	}

	dev = calloc(1, sizeof(*dev));
	if (dev == NULL)
		return -ENOMEM;
	rte_uuid_copy(dev->class_id, class_id);
	if (read_device_attrs(dir, name, dev) < 0) {
		free(dev);
		return 0;
	}
	rte_uuid_unparse(dev->device_id, dev->name, sizeof(dev->name));
	dev->uio_num = uio;
	dev->uio_fd = -1;
	dev->device.name = dev->name;
	vmbus_add_device(dev);
	VMBUS_LOG(DEBUG, "found %s relid %u monitor %d uio%d numa %d", dev->name,
		  dev->relid, dev->monitor_id, dev->uio_num, dev->device.numa_node);
	return 0;
}

/* ---- /dev/uioN regions -------------------------------------------------- */

static int
read_region_info(const struct vmbus_device *dev, int idx, size_t *size,
		 uint32_t *gpadl)
{
	char dir[PATH_MAX], buf[ATTR_MAX];
	const char *want = region_names[idx];
	unsigned long v;

	snprintf(dir, sizeof(dir), "%s/%s/uio/uio%d/maps/map%d",
		 VMBUS_SYSFS_DEVICES, dev->name, dev->uio_num, idx);
	if (read_attr(dir, "size", buf, sizeof(buf)) < 0 ||
	    parse_ulong(buf, 16, SIZE_MAX, &v) < 0 || v == 0)
		return -EINVAL;
	*size = v;
	if (read_attr(dir, "name", buf, sizeof(buf)) < 0)
		return -EINVAL;
	*gpadl = 0;
	if (idx == HV_UIO_RECV_BUF || idx == HV_UIO_SEND_BUF) {
		/* The GPADL handle is only known from the name: "recv:<n>". */
		if (strncmp(buf, want, strlen(want)) != 0 ||
		    parse_ulong(buf + strlen(want), 10, UINT32_MAX, &v) < 0 || v == 0)
			return -EINVAL;
		*gpadl = (uint32_t)v;
	} else if (strcmp(buf, want) != 0) {
		return -EINVAL;
	}
	return 0;
}

/* Both rings of a channel: two halves, each a header page + 8k data. */
static bool
ring_pair_size_valid(size_t size)
{
	size_t half = size / 2;

	return size % 2 == 0 && half > HV_PAGE_SIZE + 2 * HV_RING_TRAILER_SIZE &&
	       (half - HV_PAGE_SIZE) % 8 == 0 && half - HV_PAGE_SIZE <= UINT32_MAX / 2;
}

static bool
regions_valid(const struct vmbus_device *dev)
{
	return ring_pair_size_valid(dev->regions[HV_UIO_TXRX_RING].size) &&
	       dev->regions[HV_UIO_INT_PAGE].size >= HV_PAGE_SIZE &&
	       dev->regions[HV_UIO_MON_PAGE].size >= HV_PAGE_SIZE;
}

/*
 * Map at `want` (secondary: the primary's address, which must be free) or
 * wherever the kernel likes (want == NULL). Populated now, on the control
 * path: uio maps the receive and send buffers page by page on first touch,
 * and that touch is otherwise a data-path lcore's, one page fault per
 * 4 KiB (tens of microseconds each in some VMs) through the first lap of
 * 47 MiB. Where the kernel cannot populate (a PFN map), this is a no-op.
 * Under hvsim the regions are sparse tmpfs files: populating allocates
 * them whole (47 MiB of /dev/shm per NIC), where they used to fill as
 * touched.
 */
static void *
map_shared(void *want, size_t len, int fd, off_t off)
{
	int flags = MAP_SHARED | MAP_POPULATE | (want != NULL ? MAP_FIXED_NOREPLACE : 0);
	void *va = mmap(want, len, PROT_READ | PROT_WRITE, flags, fd, off);

	if (va == MAP_FAILED)
		return NULL;
	if (want != NULL && va != want) {	/* kernels before 4.17 */
		munmap(va, len);
		errno = EEXIST;
		return NULL;
	}
	return va;
}

static size_t
page_round(size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (len + pg - 1) & ~(pg - 1);
}

static int
map_regions(struct vmbus_device *dev, const struct vmbus_shared_dev *prim)
{
	long pg = sysconf(_SC_PAGESIZE);
	int i;

	for (i = 0; i < HV_UIO_REGION_COUNT; i++) {
		struct vmbus_region *r = &dev->regions[i];
		void *want = prim != NULL ? prim->region_addr[i] : NULL;

		if (read_region_info(dev, i, &r->size, &r->gpadl) < 0) {
			VMBUS_LOG(ERR, "device %s: uio%d map%d (%s) has a malformed name or size",
				  dev->name, dev->uio_num, i, region_names[i]);
			return -EINVAL;
		}
		r->addr = map_shared(want, page_round(r->size), dev->uio_fd, (off_t)i * pg);
		if (r->addr == NULL) {
			int err = errno;

			VMBUS_LOG(ERR, "device %s: cannot map uio%d region %d (%s)%s: %s",
				  dev->name, dev->uio_num, i, region_names[i],
				  want ? " at the primary process's address" : "",
				  strerror(err));
			return -err;
		}
	}
	if (!regions_valid(dev)) {
		VMBUS_LOG(ERR, "device %s: uio%d region sizes are not those of a VMBus channel",
			  dev->name, dev->uio_num);
		return -EINVAL;
	}
	return 0;
}

static void
record_regions(const struct vmbus_device *dev)
{
	struct vmbus_shared *sh = shared_maps();
	struct vmbus_shared_dev *sd;
	int i;

	if (sh == NULL)
		return;
	rte_spinlock_lock(&sh->lock);
	sd = shared_dev(sh, dev->name, true);
	for (i = 0; sd != NULL && i < HV_UIO_REGION_COUNT; i++) {
		sd->region_addr[i] = dev->regions[i].addr;
		sd->region_size[i] = dev->regions[i].size;
	}
	rte_spinlock_unlock(&sh->lock);
}

/*
 * A secondary maps every subchannel ring the primary had opened when it
 * attached; subchannels the primary opens later are not seen (secondaries
 * attach after the primary has configured its queues, as with DPDK).
 */
static int
map_primary_rings(struct vmbus_device *dev, const struct vmbus_shared_dev *prim)
{
	unsigned int i;
	void *addr;
	size_t size;
	int ret;

	for (i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		if (prim->rings[i].addr == NULL)
			continue;
		ret = vmbus_uio_map_ring(dev, prim->rings[i].relid, &addr, &size);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int
vmbus_uio_map(struct vmbus_device *dev)
{
	static struct vmbus_shared_dev copy;	/* large: not on the stack */
	const struct vmbus_shared_dev *prim = NULL;
	char path[64];
	int ret;

	if (rte_eal_process_type() == RTE_PROC_SECONDARY) {
		if (shared_copy_dev(dev->name, &copy) < 0) {
			VMBUS_LOG(ERR, "device %s: not mapped by the primary process", dev->name);
			return -ENODEV;
		}
		prim = &copy;
	}

	snprintf(path, sizeof(path), VMBUS_UIO_DEV_FMT, dev->uio_num);
	/* non-blocking: the interrupt thread must never block reading it */
	dev->uio_fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (dev->uio_fd < 0) {
		int err = errno;

		VMBUS_LOG(ERR, "device %s: cannot open %s: %s", dev->name, path, strerror(err));
		return -err;
	}
	ret = map_regions(dev, prim);
	if (ret == 0 && prim != NULL)
		ret = map_primary_rings(dev, prim);
	if (ret < 0) {
		vmbus_uio_unmap(dev);
		return ret;
	}
	if (prim == NULL)
		record_regions(dev);
	vmbus_set_uio(dev->uio_num, dev, dev->uio_fd);
	return 0;
}

/* Channels the driver left open: the kernel keeps a channel connected
 * while any mapping remains, so they must go for a fresh NVSP session. */
static void
close_leftover_channels(struct vmbus_device *dev)
{
	unsigned int i;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return;
	for (i = 0; i < RTE_DIM(dev->subchan); i++)
		if (dev->subchan[i] != NULL)
			vmbus_chan_close(dev->subchan[i]);
	if (dev->primary != NULL)
		vmbus_chan_close(dev->primary);
}

void
vmbus_uio_unmap(struct vmbus_device *dev)
{
	unsigned int i;

	close_leftover_channels(dev);
	for (i = 0; i < RTE_DIM(dev->rings); i++)
		if (dev->rings[i].addr != NULL)
			vmbus_uio_unmap_ring(dev, dev->rings[i].relid);
	if (rte_eal_process_type() == RTE_PROC_PRIMARY)
		shared_forget_dev(dev->name);
	for (i = 0; i < HV_UIO_REGION_COUNT; i++) {
		struct vmbus_region *r = &dev->regions[i];

		if (r->addr != NULL)
			munmap(r->addr, page_round(r->size));
		r->addr = NULL;
	}
	if (dev->uio_fd >= 0) {
		vmbus_set_uio(dev->uio_num, NULL, -1);
		close(dev->uio_fd);
	}
	dev->uio_fd = -1;
}

/* ---- channels/<relid>/ ----------------------------------------------------- */

static int
read_channel_info(const char *dir, uint32_t relid, struct vmbus_subchan_info *info)
{
	char ring[PATH_MAX];
	unsigned long v;

	snprintf(ring, sizeof(ring), "%s/ring", dir);
	if (access(ring, F_OK) != 0)
		return -ENOENT;		/* offered but not opened yet */
	if (read_attr_ulong(dir, "subchannel_id", UINT16_MAX, &v) < 0)
		return -EINVAL;
	info->relid = relid;
	info->subchannel_id = (uint16_t)v;
	return read_monitor_id(dir, &info->monitor_id);
}

/*
 * Subchannel opening lists the channels again and again while it waits
 * for the next one: a malformed directory is reported at most once a
 * second, not once per listing.
 */
static void
log_malformed_channel(const struct vmbus_device *dev, const char *relid)
{
	static uint64_t last_logged;
	uint64_t now = rte_get_timer_cycles();

	if (last_logged != 0 && now - last_logged < rte_get_timer_hz())
		return;
	last_logged = now;
	VMBUS_LOG(ERR, "device %s: channel %s has malformed attributes: ignored",
		  dev->name, relid);
}

/*
 * List the channels of a device whose ring file exists. Returns how many
 * were stored (at most max), or -errno when the directory is unreadable.
 * Malformed channel directories are skipped with a log line.
 */
/*
 * One directory entry name of the channels directory: read into out[*n]
 * when it is a channel whose ring exists.
 */
static void
read_channel_entry(const struct vmbus_device *dev, const char *dir, const char *name,
		   struct vmbus_subchan_info *out, unsigned int *n)
{
	char sub[PATH_MAX];
	unsigned long relid;
	int ret;

	if (parse_ulong(name, 10, VMBUS_RELID_MAX, &relid) < 0)
		return;
	snprintf(sub, sizeof(sub), "%s/%s", dir, name);
	ret = read_channel_info(sub, (uint32_t)relid, &out[*n]);
	if (ret == 0)
		(*n)++;
	else if (ret != -ENOENT)
		log_malformed_channel(dev, name);
}

/*
 * The directory is read with getdents64() into a buffer on the stack, not
 * opendir(): subchannel opening lists it every few hundred microseconds
 * while it waits, on the application's thread (configure, MTU change),
 * and each opendir() is a 32 KiB heap block freed among that thread's
 * long-lived allocations: heap churn the application pays for in RSS.
 */
int
vmbus_read_channels(const struct vmbus_device *dev,
		    struct vmbus_subchan_info *out, unsigned int max)
{
	char dir[PATH_MAX];
	char buf[4096] __rte_aligned(8);
	unsigned int n = 0;
	ssize_t len, off;
	int fd;

	snprintf(dir, sizeof(dir), "%s/%s/channels", VMBUS_SYSFS_DEVICES, dev->name);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (n < max && (len = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < len && n < max; ) {
			const struct dirent64 *e = (const void *)(buf + off);

			read_channel_entry(dev, dir, e->d_name, out, &n);
			off += e->d_reclen;
		}
	}
	close(fd);
	return (int)n;
}

static struct vmbus_ring_map *
ring_slot(struct vmbus_device *dev, uint32_t relid, bool mapped)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(dev->rings); i++) {
		struct vmbus_ring_map *m = &dev->rings[i];

		if (mapped ? (m->addr != NULL && m->relid == relid) : m->addr == NULL)
			return m;
	}
	return NULL;
}

/* Map channels/<relid>/ring: where the kernel likes, or in a secondary
 * at the primary's address. Recorded on the device for unmapping. */
int
vmbus_uio_map_ring(struct vmbus_device *dev, uint32_t relid, void **addr, size_t *size)
{
	struct vmbus_shared_dev *copy = NULL;
	struct vmbus_ring_map *slot;
	char path[PATH_MAX];
	struct stat st;
	void *want = NULL;
	size_t want_size = 0;
	unsigned int i;
	int fd, err;

	slot = ring_slot(dev, relid, false);
	if (slot == NULL || ring_slot(dev, relid, true) != NULL)
		return -ENOSPC;
	if (rte_eal_process_type() == RTE_PROC_SECONDARY) {
		copy = malloc(sizeof(*copy));
		if (copy == NULL || shared_copy_dev(dev->name, copy) < 0) {
			free(copy);
			return -ENODEV;
		}
		for (i = 0; i < VMBUS_MAX_CHANNELS; i++) {
			if (copy->rings[i].addr != NULL && copy->rings[i].relid == relid) {
				want = copy->rings[i].addr;
				want_size = copy->rings[i].size;
			}
		}
		free(copy);
		if (want == NULL)
			return -ENODEV;
	}
	snprintf(path, sizeof(path), "%s/%s/channels/%u/ring",
		 VMBUS_SYSFS_DEVICES, dev->name, relid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !ring_pair_size_valid((size_t)st.st_size) ||
	    (want != NULL && want_size != (size_t)st.st_size)) {
		close(fd);
		VMBUS_LOG(ERR, "device %s: %s has an invalid size", dev->name, path);
		return -EINVAL;
	}
	*size = (size_t)st.st_size;
	*addr = map_shared(want, page_round(*size), fd, 0);
	err = errno;
	close(fd);
	if (*addr == NULL) {
		/* ENODEV: the kernel has not opened that channel yet */
		if (err != ENODEV)
			VMBUS_LOG(ERR, "device %s: cannot map %s%s: %s", dev->name, path,
				  want ? " at the primary process's address" : "",
				  strerror(err));
		return -err;
	}
	*slot = (struct vmbus_ring_map){ .relid = relid, .addr = *addr, .size = *size };
	if (want == NULL)
		shared_set_ring(dev->name, relid, *addr, *size);
	return 0;
}

void
vmbus_uio_unmap_ring(struct vmbus_device *dev, uint32_t relid)
{
	struct vmbus_ring_map *m = ring_slot(dev, relid, true);

	if (m == NULL)
		return;
	munmap(m->addr, page_round(m->size));
	*m = (struct vmbus_ring_map){ 0 };
	if (rte_eal_process_type() == RTE_PROC_PRIMARY)
		shared_set_ring(dev->name, relid, NULL, 0);
}
