/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The guest's /sys/bus/pci: a PCI function's sysfs files, its BAR file, its
 * slot and its driver's link. See pcitree.h for the layout.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guestos/pcitree.h"
#include "guestos/sysfs.h"
#include "util.h"

#define DIR_MODE	HVSIM_SYSFS_DIR_MODE
#define FILE_MODE	HVSIM_SYSFS_FILE_MODE
#define BAR_MODE	0600	/* resource0 is root's only, as in sysfs */

/* BAR 0's fake bus address: nonzero, one 4 GiB window per PCI domain (each
 * VF sits in a domain of its own, as on Hyper-V). */
#define FAKE_BAR_BASE	UINT64_C(0x40000000000)
#define RESOURCE_LINES	7	/* six BARs and the expansion ROM */

/* A parsed "dddd:bb:ss.f". */
struct bdf {
	unsigned int domain, bus, slot, function;
};

/* ---- names ------------------------------------------------------------- */

static bool
is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Exactly "dddd:bb:ss.f" in lower-case hex, slot < 32, function < 8. */
static int
parse_bdf(const char *s, struct bdf *out)
{
	static const char pattern[] = "xxxx:xx:xx.x";
	size_t i;

	for (i = 0; i < HVSIM_PCI_BDF_LEN; i++) {
		if (pattern[i] == 'x' ? !is_lower_hex(s[i]) : s[i] != pattern[i])
			return -EINVAL;
	}
	if (s[HVSIM_PCI_BDF_LEN] != '\0')
		return -EINVAL;
	if (sscanf(s, "%4x:%2x:%2x.%1x", &out->domain, &out->bus, &out->slot,
		   &out->function) != 4)
		return -EINVAL;
	if (out->slot >= 32 || out->function >= 8)
		return -EINVAL;
	return 0;
}

/* A name that is one path component: not empty, ".", "..", no '/' nor
 * white space, shorter than `size`. */
static bool
is_component(const char *name, size_t size)
{
	size_t len = strnlen(name, size);
	size_t i;

	if (len == 0 || len == size || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return false;
	for (i = 0; i < len; i++)
		if (name[i] == '/' || name[i] <= ' ' || name[i] == 0x7f)
			return false;
	return true;
}

static int
check_spec(const struct hvsim_pci_spec *s, struct bdf *bdf)
{
	if (parse_bdf(s->bdf, bdf) < 0)
		return -EINVAL;
	if (s->class_code > 0xffffff || s->bar0_size == 0)
		return -EINVAL;
	if (s->ifname[0] != '\0' && !is_component(s->ifname, sizeof(s->ifname)))
		return -EINVAL;
	if (s->kdrv[0] != '\0' && !is_component(s->kdrv, sizeof(s->kdrv)))
		return -EINVAL;
	return 0;
}

/* ---- small file helpers ----------------------------------------------- */

/* Create dir/name (it must not exist) holding `len` bytes of `data`. */
static int
write_new(const char *dir, const char *name, const char *data, size_t len)
{
	char path[PATH_MAX];
	int fd, rc;

	if (fmt_path(path, sizeof(path), "%s/%s", dir, name) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, FILE_MODE);
	if (fd < 0)
		return -errno;
	rc = hvsim_sysfs_write_all(fd, data, len);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

static int __attribute__((format(printf, 3, 4)))
write_attrf(const char *dir, const char *name, const char *fmt, ...)
{
	char content[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(content, sizeof(content), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(content))
		return -EINVAL;
	return write_new(dir, name, content, (size_t)n);
}

/* Take `path` out of sight in one step (rename to `hidden`), then delete
 * it. -ENOENT when it does not exist. */
static int
hide_and_remove(const char *path, const char *hidden)
{
	int rc;

	hvsim_sysfs_remove_tree(hidden);	/* left over from an interrupted run */
	if (rename(path, hidden) < 0)
		return -errno;
	rc = hvsim_sysfs_remove_tree(hidden);
	return rc == -ENOENT ? 0 : rc;
}

/* ---- paths ------------------------------------------------------------- */

int
hvsim_pcitree_path(char *buf, size_t size, const char *bus_root,
		   const char *bdf, const char *file)
{
	if (file == NULL || file[0] == '\0')
		return fmt_path(buf, size, "%s/pci/devices/%s", bus_root, bdf);
	return fmt_path(buf, size, "%s/pci/devices/%s/%s", bus_root, bdf, file);
}

int
hvsim_pcitree_devpath(char *buf, size_t size, const char *bdf)
{
	struct bdf b;

	if (bdf == NULL || parse_bdf(bdf, &b) < 0)
		return -EINVAL;
	/* The root bus of domain D is "pciD:00", the device below it. */
	return fmt_path(buf, size, "/devices/pci%04x:%02x/%s", b.domain, b.bus,
			bdf);
}

/* The hidden names devices and slots are built and removed under. */
static int
hidden_path(char *buf, size_t size, const char *bus_root, const char *dir,
	    const char *name, const char *suffix)
{
	return fmt_path(buf, size, "%s/pci/%s/.%s.%s", bus_root, dir, name,
			suffix);
}

static int
slot_path(char *buf, size_t size, const char *bus_root, uint32_t serial)
{
	return fmt_path(buf, size, "%s/pci/slots/%" PRIu32, bus_root, serial);
}

/* pci/drivers/<kdrv>/<bdf>, the driver's link to its device. */
static int
driver_link_path(char *buf, size_t size, const char *bus_root,
		 const struct hvsim_pci_spec *s)
{
	return fmt_path(buf, size, "%s/pci/drivers/%s/%s", bus_root, s->kdrv,
			s->bdf);
}

/* ---- uevent variables --------------------------------------------------- */

/* Append printf output to buf at *len; -ENOSPC when it does not fit. */
static int __attribute__((format(printf, 4, 5)))
append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return -ENOSPC;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		return -ENOSPC;
	*len += (size_t)n;
	return 0;
}

/* One variable, terminated by sep (which may be '\0'). */
static int __attribute__((format(printf, 5, 6)))
append_var(char *buf, size_t size, size_t *len, char sep, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return -ENOSPC;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	/* room for the separator and a final NUL after it */
	if (n < 0 || (size_t)n + 1 >= size - *len)
		return -ENOSPC;
	*len += (size_t)n;
	buf[(*len)++] = sep;
	buf[*len] = '\0';
	return 0;
}

static int
modalias(char *buf, size_t size, const struct hvsim_pci_spec *s)
{
	return fmt_path(buf, size,
			"pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X",
			s->vendor, s->device, s->subsystem_vendor,
			s->subsystem_device, (s->class_code >> 16) & 0xff,
			(s->class_code >> 8) & 0xff, s->class_code & 0xff);
}

int
hvsim_pcitree_uevent_vars(char *buf, size_t size,
			  const struct hvsim_pci_spec *s, int with_driver,
			  char sep)
{
	char alias[64];
	size_t len = 0;
	struct bdf b;
	int rc = 0;

	if (buf == NULL || s == NULL || check_spec(s, &b) < 0 ||
	    modalias(alias, sizeof(alias), s) < 0)
		return -EINVAL;
	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (with_driver && s->kdrv[0] != '\0')
		rc = append_var(buf, size, &len, sep, "DRIVER=%s", s->kdrv);
	if (rc == 0)
		rc = append_var(buf, size, &len, sep, "PCI_CLASS=%04X",
				s->class_code);
	if (rc == 0)
		rc = append_var(buf, size, &len, sep, "PCI_ID=%04X:%04X",
				s->vendor, s->device);
	if (rc == 0)
		rc = append_var(buf, size, &len, sep, "PCI_SUBSYS_ID=%04X:%04X",
				s->subsystem_vendor, s->subsystem_device);
	if (rc == 0)
		rc = append_var(buf, size, &len, sep, "PCI_SLOT_NAME=%s", s->bdf);
	if (rc == 0)
		rc = append_var(buf, size, &len, sep, "MODALIAS=%s", alias);
	return rc < 0 ? rc : (int)len;
}

/* ---- the device's files ------------------------------------------------- */

static int
write_ids(const char *dev, const struct hvsim_pci_spec *s)
{
	int rc;

	rc = write_attrf(dev, "vendor", "0x%04x\n", s->vendor);
	if (rc == 0)
		rc = write_attrf(dev, "device", "0x%04x\n", s->device);
	if (rc == 0)
		rc = write_attrf(dev, "subsystem_vendor", "0x%04x\n",
				 s->subsystem_vendor);
	if (rc == 0)
		rc = write_attrf(dev, "subsystem_device", "0x%04x\n",
				 s->subsystem_device);
	if (rc == 0)
		rc = write_attrf(dev, "class", "0x%06x\n", s->class_code);
	if (rc == 0)
		rc = write_attrf(dev, "revision", "0x00\n");
	if (rc == 0)
		rc = write_attrf(dev, "numa_node", "%d\n", s->numa_node);
	if (rc == 0)
		rc = write_attrf(dev, "enable", "1\n");
	if (rc == 0)
		rc = write_attrf(dev, "irq", "0\n");
	return rc;
}

/* `resource`: BAR 0, then the five other BARs and the ROM, unused. */
static int
write_resource(const char *dev, const struct hvsim_pci_spec *s,
	       const struct bdf *b)
{
	uint64_t start = FAKE_BAR_BASE + ((uint64_t)b->domain << 32);
	char text[RESOURCE_LINES * 64];
	size_t len = 0;
	int i, rc;

	rc = append(text, sizeof(text), &len, "0x%016" PRIx64 " 0x%016" PRIx64
		    " 0x%016" PRIx64 "\n", start, start + s->bar0_size - 1,
		    HVSIM_PCI_BAR_FLAGS);
	for (i = 1; rc == 0 && i < RESOURCE_LINES; i++)
		rc = append(text, sizeof(text), &len, "0x%016x 0x%016x 0x%016x\n",
			    0, 0, 0);
	if (rc < 0)
		return rc;
	return write_new(dev, "resource", text, len);
}

/* resource0: the BAR itself, sparse; hvsim and the PMD map it shared. */
static int
create_bar(const char *dev, uint64_t size)
{
	char path[PATH_MAX];
	int fd, rc = 0;

	if (fmt_path(path, sizeof(path), "%s/resource0", dev) < 0)
		return -ENAMETOOLONG;
	if (size > (uint64_t)INT64_MAX)
		return -EINVAL;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, BAR_MODE);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int
write_uevent_files(const char *dev, const struct hvsim_pci_spec *s)
{
	char vars[512], alias[64];
	int n, rc;

	n = hvsim_pcitree_uevent_vars(vars, sizeof(vars), s, 1, '\n');
	if (n < 0)
		return n;
	rc = write_new(dev, "uevent", vars, (size_t)n);
	if (rc == 0)
		rc = modalias(alias, sizeof(alias), s);
	if (rc == 0)
		rc = write_attrf(dev, "modalias", "%s\n", alias);
	return rc;
}

static int
write_net(const char *dev, const struct hvsim_pci_spec *s)
{
	unsigned int ifindex = HVSIM_PCI_IFINDEX_BASE + s->serial;
	const uint8_t *m = s->mac;
	char net[PATH_MAX];
	int rc;

	rc = fmt_path(net, sizeof(net), "%s/net/%s", dev, s->ifname);
	if (rc == 0)
		rc = hvsim_sysfs_mkdir_p(net);
	if (rc == 0)
		rc = write_attrf(net, "address",
				 "%02x:%02x:%02x:%02x:%02x:%02x\n",
				 m[0], m[1], m[2], m[3], m[4], m[5]);
	if (rc == 0)
		rc = write_attrf(net, "addr_len", "6\n");
	if (rc == 0)
		rc = write_attrf(net, "broadcast", "ff:ff:ff:ff:ff:ff\n");
	if (rc == 0)
		rc = write_attrf(net, "type", "1\n");
	if (rc == 0)
		rc = write_attrf(net, "ifindex", "%u\n", ifindex);
	if (rc == 0)
		rc = write_attrf(net, "iflink", "%u\n", ifindex);
	if (rc == 0)
		rc = write_attrf(net, "uevent", "INTERFACE=%s\nIFINDEX=%u\n",
				 s->ifname, ifindex);
	return rc;
}

static int
write_device(const char *dev, const struct hvsim_pci_spec *s,
	     const struct bdf *b)
{
	char link[PATH_MAX], target[PATH_MAX];
	int rc;

	rc = write_ids(dev, s);
	if (rc == 0)
		rc = write_resource(dev, s, b);
	if (rc == 0)
		rc = create_bar(dev, s->bar0_size);
	if (rc == 0)
		rc = write_uevent_files(dev, s);
	if (rc == 0 && s->ifname[0] != '\0')
		rc = write_net(dev, s);
	if (rc == 0 && s->kdrv[0] != '\0') {
		/* Relative, so it resolves wherever bus_root is mounted. */
		rc = fmt_path(link, sizeof(link), "%s/driver", dev);
		if (rc == 0)
			rc = fmt_path(target, sizeof(target), "../../drivers/%s",
				      s->kdrv);
		if (rc == 0 && symlink(target, link) < 0)
			rc = -errno;
	}
	return rc;
}

/* ---- slot and driver ---------------------------------------------------- */

/* slots/<serial>/address, built hidden and renamed into place. */
static int
add_slot(const char *bus_root, const struct hvsim_pci_spec *s,
	 const struct bdf *b)
{
	char slot[PATH_MAX], tmp[PATH_MAX], name[16];
	int rc;

	snprintf(name, sizeof(name), "%" PRIu32, s->serial);
	rc = slot_path(slot, sizeof(slot), bus_root, s->serial);
	if (rc == 0)
		rc = hidden_path(tmp, sizeof(tmp), bus_root, "slots", name, "new");
	if (rc < 0)
		return rc;
	if (access(slot, F_OK) == 0)
		return -EEXIST;
	hvsim_sysfs_remove_tree(tmp);
	if (mkdir(tmp, DIR_MODE) < 0)
		return -errno;
	rc = write_attrf(tmp, "address", "%04x:%02x:%02x\n", b->domain, b->bus,
			 b->slot);
	if (rc == 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, slot,
				 RENAME_NOREPLACE) < 0)
		rc = errno == ENOTEMPTY ? -EEXIST : -errno;
	if (rc < 0)
		hvsim_sysfs_remove_tree(tmp);
	return rc;
}

static void
remove_slot(const char *bus_root, const struct hvsim_pci_spec *s)
{
	char slot[PATH_MAX], tmp[PATH_MAX], name[16];

	if (s->serial == 0)
		return;
	snprintf(name, sizeof(name), "%" PRIu32, s->serial);
	if (slot_path(slot, sizeof(slot), bus_root, s->serial) == 0 &&
	    hidden_path(tmp, sizeof(tmp), bus_root, "slots", name, "gone") == 0)
		hide_and_remove(slot, tmp);
}

/* pci/drivers/<kdrv>/ and its link <bdf> -> ../../devices/<bdf>. */
static int
link_from_driver(const char *bus_root, const struct hvsim_pci_spec *s)
{
	char link[PATH_MAX], target[PATH_MAX];
	int rc;

	rc = fmt_path(link, sizeof(link), "%s/pci/drivers/%s", bus_root, s->kdrv);
	if (rc == 0)
		rc = hvsim_sysfs_mkdir_p(link);
	if (rc == 0)
		rc = driver_link_path(link, sizeof(link), bus_root, s);
	if (rc == 0)
		rc = fmt_path(target, sizeof(target), "../../devices/%s", s->bdf);
	if (rc < 0)
		return rc;
	return symlink(target, link) < 0 ? -errno : 0;
}

static void
unlink_from_driver(const char *bus_root, const struct hvsim_pci_spec *s)
{
	char link[PATH_MAX];

	if (s->kdrv[0] != '\0' &&
	    driver_link_path(link, sizeof(link), bus_root, s) == 0)
		unlink(link);
}

static int
make_skeleton(const char *bus_root)
{
	static const char *const dirs[] = { "devices", "drivers", "slots" };
	char path[PATH_MAX];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		rc = fmt_path(path, sizeof(path), "%s/pci/%s", bus_root, dirs[i]);
		if (rc == 0)
			rc = hvsim_sysfs_mkdir_p(path);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- add / remove ------------------------------------------------------- */

/* Let the caller lay out the BAR of the still hidden device. */
static int
init_hidden_bar(const char *tmp, const struct hvsim_pci_spec *s,
		hvsim_pcitree_bar_init_fn init_bar, void *arg)
{
	char path[PATH_MAX];
	int fd, rc;

	if (fmt_path(path, sizeof(path), "%s/resource0", tmp) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = init_bar(fd, s->bar0_size, arg);
	close(fd);
	return rc > 0 ? -EINVAL : rc;
}

/* Build the device under its hidden name. */
static int
build_hidden(const char *tmp, const struct hvsim_pci_spec *s,
	     const struct bdf *b, hvsim_pcitree_bar_init_fn init_bar, void *arg)
{
	int rc;

	hvsim_sysfs_remove_tree(tmp);	/* left over from an interrupted run */
	if (mkdir(tmp, DIR_MODE) < 0)
		return -errno;
	rc = write_device(tmp, s, b);
	if (rc == 0 && init_bar != NULL)
		rc = init_hidden_bar(tmp, s, init_bar, arg);
	if (rc < 0)
		hvsim_sysfs_remove_tree(tmp);
	return rc;
}

int
hvsim_pcitree_add(const char *bus_root, const struct hvsim_pci_spec *s)
{
	return hvsim_pcitree_add_with(bus_root, s, NULL, NULL);
}

int
hvsim_pcitree_add_with(const char *bus_root, const struct hvsim_pci_spec *s,
		       hvsim_pcitree_bar_init_fn init_bar, void *arg)
{
	char dev[PATH_MAX], tmp[PATH_MAX];
	bool slot_made = false, link_made = false;
	struct bdf b;
	int rc;

	if (bus_root == NULL || s == NULL)
		return -EINVAL;
	rc = check_spec(s, &b);
	if (rc == 0)
		rc = hvsim_pcitree_path(dev, sizeof(dev), bus_root, s->bdf, NULL);
	if (rc == 0)
		rc = hidden_path(tmp, sizeof(tmp), bus_root, "devices", s->bdf,
				 "new");
	if (rc == 0)
		rc = make_skeleton(bus_root);
	if (rc < 0)
		return rc;
	if (access(dev, F_OK) == 0)
		return -EEXIST;
	rc = build_hidden(tmp, s, &b, init_bar, arg);
	if (rc < 0)
		return rc;
	if (s->serial != 0) {
		rc = add_slot(bus_root, s, &b);
		slot_made = rc == 0;
	}
	if (rc == 0 && s->kdrv[0] != '\0') {
		rc = link_from_driver(bus_root, s);
		link_made = rc == 0;
	}
	/* The one step the guest can see: the whole device appears. */
	if (rc == 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, dev,
				 RENAME_NOREPLACE) < 0)
		rc = errno == ENOTEMPTY ? -EEXIST : -errno;
	if (rc < 0) {
		hvsim_sysfs_remove_tree(tmp);
		if (link_made)
			unlink_from_driver(bus_root, s);
		if (slot_made)
			remove_slot(bus_root, s);
	}
	return rc;
}

int
hvsim_pcitree_remove(const char *bus_root, const struct hvsim_pci_spec *s)
{
	char dev[PATH_MAX], tmp[PATH_MAX];
	struct bdf b;
	int rc;

	if (bus_root == NULL || s == NULL || check_spec(s, &b) < 0)
		return -EINVAL;
	rc = hvsim_pcitree_path(dev, sizeof(dev), bus_root, s->bdf, NULL);
	if (rc == 0)
		rc = hidden_path(tmp, sizeof(tmp), bus_root, "devices", s->bdf,
				 "gone");
	if (rc < 0)
		return rc;
	rc = hide_and_remove(dev, tmp);
	if (rc == -ENOENT)
		return rc;	/* not ours to clean up after */
	remove_slot(bus_root, s);
	unlink_from_driver(bus_root, s);
	return rc;
}
