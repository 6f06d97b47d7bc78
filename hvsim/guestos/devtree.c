/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Device tree builder: the sysfs view of a uio_hv_generic-bound netvsc
 * device and its uio region files. See devtree.h for the layout.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guestos/devtree.h"
#include "guestos/uio_shim.h"
#include "hv_vmbus_wire.h"
#include "guestos/sysfs.h"
#include "util.h"

#define DIR_MODE	HVSIM_SYSFS_DIR_MODE
#define FILE_MODE	HVSIM_SYSFS_FILE_MODE

/* Fake physical addresses shown in maps/map<i>/addr: nonzero, distinct
 * per device, regions laid out one after the other. */
#define FAKE_PHYS_BASE	UINT64_C(0x100000000)

static const char *const region_names[HVSIM_UIO_REGIONS] = {
	[HV_UIO_TXRX_RING] = "txrx_rings",
	[HV_UIO_INT_PAGE] = "int_page",
	[HV_UIO_MON_PAGE] = "monitor_page",
	[HV_UIO_RECV_BUF] = "recv",	/* + ":<gpadl>" */
	[HV_UIO_SEND_BUF] = "send",	/* + ":<gpadl>" */
};

void
hvsim_dev_spec_default(struct hvsim_dev_spec *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->device_id, sizeof(s->device_id), "%s",
		 HVSIM_DEFAULT_DEVICE_ID);
	s->relid = 14;
	s->monitor_id = 1;
	s->numa_node = 0;
	s->bound = true;
	s->uio_num = 0;
	s->ring_size = 2u << 20;
	s->recv_buf_size = 31u << 20;
	s->send_buf_size = 16u << 20;
	s->recv_gpadl = 0xe1e10;
	s->send_gpadl = 0xe1e11;
	s->multichannel = true;
}

/* ---- small file helpers ----------------------------------------------- */

static int
write_text(const char *path, const char *content)
{
	int fd, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, FILE_MODE);
	if (fd < 0)
		return -errno;
	rc = hvsim_sysfs_write_all(fd, content, strlen(content));
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* Write attribute dir/name with printf-formatted content. */
static int __attribute__((format(printf, 3, 4)))
write_attrf(const char *dir, const char *name, const char *fmt, ...)
{
	char path[PATH_MAX];
	char content[128];
	va_list ap;
	int n;

	if (fmt_path(path, sizeof(path), "%s/%s", dir, name) < 0)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	n = vsnprintf(content, sizeof(content), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(content))
		return -EINVAL;
	return write_text(path, content);
}

/* Create a new (sparse) file of `size` bytes; -EEXIST if it exists. */
static int
create_sized(const char *path, size_t size)
{
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, FILE_MODE);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0)
		rc = -errno;
	close(fd);
	if (rc < 0)
		unlink(path);
	return rc;
}

/* ---- validation ------------------------------------------------------- */

/* xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hex digits of either case. */
static bool
is_uuid(const char *s)
{
	static const char pattern[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	size_t i;

	for (i = 0; i < HVSIM_UUID_LEN; i++) {
		char c = s[i];

		if (pattern[i] == '-') {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return s[HVSIM_UUID_LEN] == '\0';
}

static bool
is_ring_size(size_t ring_size)
{
	return ring_size >= 2 * HV_PAGE_SIZE && ring_size % HV_PAGE_SIZE == 0;
}

static bool
is_monitor_id(int monitor_id)
{
	return monitor_id >= -1 && monitor_id < (int)HV_MONITOR_ID_MAX;
}

static int
check_spec(const struct hvsim_dev_spec *s, const char *uio_dir)
{
	if (!is_uuid(s->device_id))
		return -EINVAL;
	if (s->class_id[0] != '\0' && !is_uuid(s->class_id))
		return -EINVAL;
	if (!is_monitor_id(s->monitor_id) || !is_ring_size(s->ring_size))
		return -EINVAL;
	if (s->bound && (uio_dir == NULL || s->uio_num < 0 ||
			 s->recv_buf_size == 0 || s->send_buf_size == 0))
		return -EINVAL;
	return 0;
}

static int
device_dir(char *buf, size_t size, const char *bus_root, const char *device_id)
{
	return fmt_path(buf, size, "%s/vmbus/devices/%s", bus_root, device_id);
}

/* Device path of an existing device; -ENOENT if it does not exist. */
static int
existing_device_dir(char *buf, size_t size, const char *bus_root,
		    const char *device_id)
{
	struct stat st;
	int rc;

	if (device_id == NULL || !is_uuid(device_id))
		return -EINVAL;
	rc = device_dir(buf, size, bus_root, device_id);
	if (rc < 0)
		return rc;
	if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode))
		return -ENOENT;
	return 0;
}

/* ---- pieces of a device ------------------------------------------------ */

static int
make_bus_skeleton(const char *bus_root)
{
	static const char *const dirs[] = {
		"vmbus/devices",
		"vmbus/drivers/" HVSIM_DRIVER_UIO,
		"vmbus/drivers/" HVSIM_DRIVER_NETVSC,
	};
	char path[PATH_MAX];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		rc = fmt_path(path, sizeof(path), "%s/%s", bus_root, dirs[i]);
		if (rc == 0)
			rc = hvsim_sysfs_mkdir_p(path);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
write_identity(const char *dev, const struct hvsim_dev_spec *s)
{
	const char *class_id = s->class_id[0] ? s->class_id : HV_NETVSC_CLASS_GUID;
	int rc;

	rc = write_attrf(dev, "class_id", "{%s}\n", class_id);
	if (rc == 0)
		rc = write_attrf(dev, "device_id", "{%s}\n", s->device_id);
	if (rc == 0)
		rc = write_attrf(dev, "id", "%" PRIu32 "\n", s->relid);
	if (rc == 0 && s->monitor_id >= 0)
		rc = write_attrf(dev, "monitor_id", "%d\n", s->monitor_id);
	if (rc == 0)
		rc = write_attrf(dev, "numa_node", "%d\n", s->numa_node);
	return rc;
}

static int
link_driver(const char *dev, bool bound)
{
	char link[PATH_MAX];
	char target[PATH_MAX];
	int rc;

	rc = fmt_path(link, sizeof(link), "%s/driver", dev);
	if (rc == 0)
		rc = fmt_path(target, sizeof(target), "%s/%s",
			      HVSIM_SYSFS_DRIVERS,
			      bound ? HVSIM_DRIVER_UIO : HVSIM_DRIVER_NETVSC);
	if (rc < 0)
		return rc;
	return symlink(target, link) < 0 ? -errno : 0;
}

static void
region_sizes(const struct hvsim_dev_spec *s, size_t sizes[HVSIM_UIO_REGIONS])
{
	sizes[HV_UIO_TXRX_RING] = 2 * s->ring_size;
	sizes[HV_UIO_INT_PAGE] = HV_PAGE_SIZE;
	sizes[HV_UIO_MON_PAGE] = HV_PAGE_SIZE;
	sizes[HV_UIO_RECV_BUF] = s->recv_buf_size;
	sizes[HV_UIO_SEND_BUF] = s->send_buf_size;
}

static int
write_map_attrs(const char *uio, unsigned int i, const struct hvsim_dev_spec *s,
		size_t size, uint64_t addr)
{
	char map[PATH_MAX];
	int rc;

	rc = fmt_path(map, sizeof(map), "%s/maps/map%u", uio, i);
	if (rc == 0)
		rc = hvsim_sysfs_mkdir_p(map);
	if (rc < 0)
		return rc;
	/* The GPADL handles reach user space only through these names. */
	if (i == HV_UIO_RECV_BUF)
		rc = write_attrf(map, "name", "%s:%" PRIu32 "\n",
				 region_names[i], s->recv_gpadl);
	else if (i == HV_UIO_SEND_BUF)
		rc = write_attrf(map, "name", "%s:%" PRIu32 "\n",
				 region_names[i], s->send_gpadl);
	else
		rc = write_attrf(map, "name", "%s\n", region_names[i]);
	if (rc == 0)
		rc = write_attrf(map, "size", "0x%zx\n", size);
	if (rc == 0)
		rc = write_attrf(map, "addr", "0x%" PRIx64 "\n", addr);
	if (rc == 0)
		rc = write_attrf(map, "offset", "0x0\n");
	return rc;
}

/* uio/uio<N>/: the directory whose presence says "bound to uio". */
static int
write_uio_sysfs(const char *dev, const struct hvsim_dev_spec *s)
{
	size_t sizes[HVSIM_UIO_REGIONS];
	uint64_t addr = FAKE_PHYS_BASE * ((uint64_t)s->uio_num + 1);
	char uio[PATH_MAX];
	unsigned int i;
	int rc;

	region_sizes(s, sizes);
	rc = fmt_path(uio, sizeof(uio), "%s/uio/uio%d", dev, s->uio_num);
	if (rc == 0)
		rc = hvsim_sysfs_mkdir_p(uio);
	if (rc == 0)
		rc = write_attrf(uio, "name", "%s\n", HVSIM_DRIVER_UIO);
	for (i = 0; rc == 0 && i < HVSIM_UIO_REGIONS; i++) {
		rc = write_map_attrs(uio, i, s, sizes[i], addr);
		addr += (sizes[i] + HV_PAGE_MASK) & ~(uint64_t)HV_PAGE_MASK;
	}
	return rc;
}

/* Undo create_region_files: unlink map0 .. map<count - 1>, and the
 * directory if nothing else (such as the host's irq.sock) lives there. */
static void
remove_region_files(const char *uio_dir, int uio_num, unsigned int count)
{
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < count; i++)
		if (hvsim_uio_map_path(path, sizeof(path), uio_dir, uio_num,
				       i) == 0)
			unlink(path);
	if (hvsim_uio_dev_path(path, sizeof(path), uio_dir, uio_num) == 0)
		rmdir(path);
}

/* Create <uio_dir>/uio<N>/map0..4. On failure, removes the ones it made. */
static int
create_region_files(const char *uio_dir, const struct hvsim_dev_spec *s)
{
	size_t sizes[HVSIM_UIO_REGIONS];
	char path[PATH_MAX];
	unsigned int i;
	int rc;

	region_sizes(s, sizes);
	rc = hvsim_uio_dev_path(path, sizeof(path), uio_dir, s->uio_num);
	if (rc == 0)
		rc = hvsim_sysfs_mkdir_p(path);
	for (i = 0; rc == 0 && i < HVSIM_UIO_REGIONS; i++) {
		rc = hvsim_uio_map_path(path, sizeof(path), uio_dir,
					s->uio_num, i);
		if (rc == 0)
			rc = create_sized(path, sizes[i]);
	}
	if (rc < 0 && i > 0)
		remove_region_files(uio_dir, s->uio_num, i - 1);
	return rc;
}

/*
 * Put `ring` into channel directory `chan` in one step: build it under a
 * temporary name, then rename without replacing. A guest watching the
 * directory never sees a partial file. When `same_as` is given (the
 * primary's region 0 file), try to hard-link it so both names share the
 * memory, as the kernel's two views of the primary's rings do; across
 * filesystems that is impossible and the ring gets its own pages.
 */
static int
publish_ring(const char *chan, size_t ring_size, const char *same_as)
{
	char tmp[PATH_MAX], ring[PATH_MAX];
	int rc;

	rc = fmt_path(tmp, sizeof(tmp), "%s/.ring.tmp", chan);
	if (rc == 0)
		rc = fmt_path(ring, sizeof(ring), "%s/ring", chan);
	if (rc < 0)
		return rc;
	unlink(tmp);	/* left over from an interrupted run */
	if (same_as == NULL || link(same_as, tmp) < 0)
		rc = create_sized(tmp, 2 * ring_size);
	if (rc < 0)
		return rc;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, ring, RENAME_NOREPLACE) < 0) {
		rc = -errno;
		unlink(tmp);
	}
	return rc;
}

static int
add_channel(const char *dev, uint32_t relid, uint16_t subchannel_id,
	    int monitor_id, size_t ring_size, const char *same_as)
{
	char chan[PATH_MAX];
	int rc;

	rc = fmt_path(chan, sizeof(chan), "%s/channels/%" PRIu32, dev, relid);
	if (rc == 0)
		rc = hvsim_sysfs_mkdir_p(chan);
	if (rc == 0 && monitor_id >= 0)
		rc = write_attrf(chan, "monitor_id", "%d\n", monitor_id);
	if (rc == 0)
		rc = write_attrf(chan, "subchannel_id", "%u\n", subchannel_id);
	if (rc == 0)
		rc = publish_ring(chan, ring_size, same_as);
	return rc;
}

static int
add_device_files(const char *dev, const char *uio_dir,
		 const struct hvsim_dev_spec *s)
{
	char map0[PATH_MAX];
	const char *same_as = NULL;
	int rc;

	rc = write_identity(dev, s);
	if (rc == 0)
		rc = link_driver(dev, s->bound);
	if (rc == 0 && s->bound) {
		rc = write_uio_sysfs(dev, s);
		if (rc == 0)
			rc = hvsim_uio_map_path(map0, sizeof(map0), uio_dir,
						s->uio_num, HV_UIO_TXRX_RING);
		same_as = map0;
	}
	if (rc == 0 && s->multichannel)
		rc = add_channel(dev, s->relid, 0, s->monitor_id, s->ring_size,
				 same_as);
	return rc;
}

int
hvsim_devtree_add(const char *bus_root, const char *uio_dir,
		  const struct hvsim_dev_spec *s)
{
	char dev[PATH_MAX];
	int rc;

	if (bus_root == NULL || s == NULL)
		return -EINVAL;
	rc = check_spec(s, uio_dir);
	if (rc == 0)
		rc = device_dir(dev, sizeof(dev), bus_root, s->device_id);
	if (rc == 0)
		rc = make_bus_skeleton(bus_root);
	if (rc < 0)
		return rc;
	if (mkdir(dev, DIR_MODE) < 0)
		return -errno;
	/* Regions first: the primary's channel ring may link to map0. */
	if (s->bound) {
		rc = create_region_files(uio_dir, s);
		if (rc < 0) {
			hvsim_sysfs_remove_tree(dev);
			return rc;
		}
	}
	rc = add_device_files(dev, uio_dir, s);
	if (rc < 0) {
		hvsim_sysfs_remove_tree(dev);
		if (s->bound)
			remove_region_files(uio_dir, s->uio_num,
					    HVSIM_UIO_REGIONS);
	}
	return rc;
}

int
hvsim_devtree_add_subchannel(const char *bus_root, const char *device_id,
			     uint32_t relid, uint16_t subchannel_id,
			     int monitor_id, size_t ring_size)
{
	char dev[PATH_MAX];
	int rc;

	if (bus_root == NULL || !is_ring_size(ring_size) ||
	    !is_monitor_id(monitor_id))
		return -EINVAL;
	rc = existing_device_dir(dev, sizeof(dev), bus_root, device_id);
	if (rc < 0)
		return rc;
	return add_channel(dev, relid, subchannel_id, monitor_id, ring_size,
			   NULL);
}

int
hvsim_devtree_remove_subchannel(const char *bus_root, const char *device_id,
				uint32_t relid)
{
	char dev[PATH_MAX], chan[PATH_MAX];
	int rc;

	if (bus_root == NULL)
		return -EINVAL;
	rc = existing_device_dir(dev, sizeof(dev), bus_root, device_id);
	if (rc == 0)
		rc = fmt_path(chan, sizeof(chan), "%s/channels/%" PRIu32, dev,
			      relid);
	if (rc < 0)
		return rc;
	return hvsim_sysfs_remove_tree(chan);
}

/* N of the device's uio/uio<N>, or -ENOENT when it is not bound. */
static int
bound_uio_num(const char *dev)
{
	char path[PATH_MAX];
	struct dirent *de;
	int num = -ENOENT;
	DIR *d;

	if (fmt_path(path, sizeof(path), "%s/uio", dev) < 0)
		return -ENAMETOOLONG;
	d = opendir(path);
	if (d == NULL)
		return -ENOENT;
	while ((de = readdir(d)) != NULL) {
		int n;
		char end;

		if (sscanf(de->d_name, "uio%d%c", &n, &end) == 1 && n >= 0) {
			num = n;
			break;
		}
	}
	closedir(d);
	return num;
}

int
hvsim_devtree_remove(const char *bus_root, const char *uio_dir,
		     const char *device_id)
{
	char dev[PATH_MAX], regions[PATH_MAX];
	int rc, uio_num;

	if (bus_root == NULL)
		return -EINVAL;
	rc = existing_device_dir(dev, sizeof(dev), bus_root, device_id);
	if (rc < 0)
		return rc;
	uio_num = bound_uio_num(dev);
	rc = hvsim_sysfs_remove_tree(dev);
	if (uio_dir == NULL || uio_num < 0)
		return rc;
	if (hvsim_uio_dev_path(regions, sizeof(regions), uio_dir, uio_num) == 0) {
		int r = hvsim_sysfs_remove_tree(regions);

		if (r < 0 && r != -ENOENT && rc == 0)
			rc = r;
	}
	return rc;
}

static int
attr_path(char *buf, size_t size, const char *bus_root, const char *device_id,
	  const char *attr)
{
	char dev[PATH_MAX];
	int rc;

	if (bus_root == NULL || attr == NULL || attr[0] == '\0' ||
	    attr[0] == '/')
		return -EINVAL;
	rc = existing_device_dir(dev, sizeof(dev), bus_root, device_id);
	if (rc < 0)
		return rc;
	return fmt_path(buf, size, "%s/%s", dev, attr);
}

int
hvsim_devtree_write_attr(const char *bus_root, const char *device_id,
			 const char *attr, const char *content)
{
	char path[PATH_MAX];
	int rc;

	if (content == NULL)
		return -EINVAL;
	rc = attr_path(path, sizeof(path), bus_root, device_id, attr);
	if (rc < 0)
		return rc;
	return write_text(path, content);
}

int
hvsim_devtree_remove_attr(const char *bus_root, const char *device_id,
			  const char *attr)
{
	char path[PATH_MAX];
	int rc;

	rc = attr_path(path, sizeof(path), bus_root, device_id, attr);
	if (rc < 0)
		return rc;
	return unlink(path) < 0 ? -errno : 0;
}
