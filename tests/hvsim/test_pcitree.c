/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The guest's PCI tree (guestos/pcitree.h): every file byte for byte as
 * Linux shows a PCI function and DPDK 22.11's scan reads it, the device
 * appearing whole or not at all (inotify and a concurrent scanner), bad
 * specs and failures half-way leaving nothing, removal (with the BAR's
 * mapping surviving it).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "guestos/pcitree.h"

#define BDF0		"7870:00:02.0"
#define IFNAME0		"enP30832s1"
#define BAR0_SIZE	(64 * 1024)
#define MAX_NAMES	64
#define SCAN_ROUNDS	400	/* add/remove cycles under a scanner */

struct fixture {
	char base[PATH_MAX];
	char bus[PATH_MAX];
};

/* ---- helpers ---------------------------------------------------------- */

static void
rm_rf(const char *path)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", path);
}

static int
setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	snprintf(f.base, sizeof(f.base), "/tmp/hvsim-pcitree-XXXXXX");
	assert_non_null(mkdtemp(f.base));
	snprintf(f.bus, sizeof(f.bus), "%s/bus", f.base);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	rm_rf(f->base);
	return 0;
}

static void __attribute__((format(printf, 3, 4)))
path_of(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < size);
}

static const char *
slurp(const char *path)
{
	static char buf[4096];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
expect_file(const char *dir, const char *name, const char *want)
{
	char path[PATH_MAX];

	path_of(path, sizeof(path), "%s/%s", dir, name);
	assert_string_equal(slurp(path), want);
}

static void
expect_link(const char *path, const char *target)
{
	char buf[PATH_MAX];
	ssize_t n;

	n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0)
		fail_msg("readlink %s: %s", path, strerror(errno));
	buf[n] = '\0';
	assert_string_equal(buf, target);
}

/* The directory's entries (hidden ones too), sorted, joined by spaces. */
static const char *
names_in(const char *dir)
{
	static char out[4096];
	char *v[MAX_NAMES];
	struct dirent *de;
	int i, j, n = 0;
	DIR *d;

	out[0] = '\0';
	d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? "" : "(unreadable)";
	while ((de = readdir(d)) != NULL && n < MAX_NAMES) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			v[n++] = strdup(de->d_name);
	}
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		strcat(out, i ? " " : "");
		strcat(out, v[i]);
		free(v[i]);
	}
	return out;
}

static void __attribute__((format(printf, 3, 4)))
expect_names(const struct fixture *f, const char *want, const char *fmt, ...)
{
	char rel[PATH_MAX], dir[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	path_of(dir, sizeof(dir), "%s/pci/%s", f->bus, rel);
	assert_string_equal(names_in(dir), want);
}

/* NIC `nic`'s VF as vf-design.md names it. */
static void
vf_spec(struct hvsim_pci_spec *s, unsigned int nic)
{
	static const uint8_t mac[6] = { 0x00, 0x15, 0x5d, 0x0a, 0x0b, 0x00 };

	memset(s, 0, sizeof(*s));
	snprintf(s->bdf, sizeof(s->bdf), "%04x:00:02.0", 0x7870 + nic);
	s->vendor = 0x1414;
	s->device = 0xf0f1;
	s->subsystem_vendor = 0x1414;
	s->subsystem_device = 0xf0f1;
	s->class_code = 0x020000;
	s->numa_node = -1;
	s->bar0_size = BAR0_SIZE;
	s->serial = 1 + nic;
	snprintf(s->ifname, sizeof(s->ifname), "enP%us%u", 0x7870 + nic,
		 s->serial);
	memcpy(s->mac, mac, sizeof(mac));
	s->mac[5] = (uint8_t)(0x10 + nic);
	snprintf(s->kdrv, sizeof(s->kdrv), "hvsim_vf");
}

static void
dev_dir(char *buf, size_t size, const struct fixture *f, const char *bdf)
{
	assert_int_equal(hvsim_pcitree_path(buf, size, f->bus, bdf, NULL), 0);
}

/* Nothing of any device: the skeleton is all there is. */
static void
expect_no_device(const struct fixture *f)
{
	char path[PATH_MAX];

	expect_names(f, "", "devices");
	expect_names(f, "", "slots");
	path_of(path, sizeof(path), "%s/pci/drivers/hvsim_vf", f->bus);
	if (exists(path))
		expect_names(f, "", "drivers/hvsim_vf");
}

/* ---- the files ---------------------------------------------------------- */

#define MODALIAS0 "pci:v00001414d0000F0F1sv00001414sd0000F0F1bc02sc00i00"
#define ZERO_LINE "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"

static void
test_add_exact_files(void **state)
{
	struct fixture *f = *state;
	char dev[PATH_MAX], path[PATH_MAX], drv[PATH_MAX];
	struct hvsim_pci_spec s;
	struct stat st, st2;

	vf_spec(&s, 0);
	assert_int_equal(hvsim_pcitree_add(f->bus, &s), 0);
	dev_dir(dev, sizeof(dev), f, BDF0);
	expect_names(f, BDF0, "devices");
	expect_names(f, "class device driver enable irq modalias net numa_node "
		     "resource resource0 revision subsystem_device "
		     "subsystem_vendor uevent vendor", "devices/%s", BDF0);
	/* DPDK reads these with strtoul(, 0) up to the newline. */
	expect_file(dev, "vendor", "0x1414\n");
	expect_file(dev, "device", "0xf0f1\n");
	expect_file(dev, "subsystem_vendor", "0x1414\n");
	expect_file(dev, "subsystem_device", "0xf0f1\n");
	expect_file(dev, "class", "0x020000\n");
	expect_file(dev, "revision", "0x00\n");
	expect_file(dev, "numa_node", "-1\n");
	expect_file(dev, "enable", "1\n");
	expect_file(dev, "irq", "0\n");
	/* BAR 0 at the fake 0x40000000000 + (domain << 32), 64 KiB. */
	expect_file(dev, "resource",
		    "0x00007c7000000000 0x00007c700000ffff 0x0000000000040200\n"
		    ZERO_LINE ZERO_LINE ZERO_LINE ZERO_LINE ZERO_LINE ZERO_LINE);
	expect_file(dev, "uevent",
		    "DRIVER=hvsim_vf\nPCI_CLASS=20000\nPCI_ID=1414:F0F1\n"
		    "PCI_SUBSYS_ID=1414:F0F1\nPCI_SLOT_NAME=7870:00:02.0\n"
		    "MODALIAS=" MODALIAS0 "\n");
	expect_file(dev, "modalias", MODALIAS0 "\n");

	/* resource0: the BAR, sparse, root's only */
	path_of(path, sizeof(path), "%s/resource0", dev);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, BAR0_SIZE);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_blocks, 0);

	/* driver, relative so it resolves wherever the bus is mounted */
	path_of(path, sizeof(path), "%s/driver", dev);
	expect_link(path, "../../drivers/hvsim_vf");
	path_of(drv, sizeof(drv), "%s/pci/drivers/hvsim_vf", f->bus);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(stat(drv, &st2), 0);
	assert_int_equal(st.st_ino, st2.st_ino);
	/* and the driver's link back to its device */
	expect_names(f, BDF0, "drivers/hvsim_vf");
	path_of(path, sizeof(path), "%s/%s", drv, BDF0);
	expect_link(path, "../../devices/" BDF0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(stat(dev, &st2), 0);
	assert_int_equal(st.st_ino, st2.st_ino);

	/* the interface netvsc's hot-add looks for */
	expect_names(f, IFNAME0, "devices/%s/net", BDF0);
	expect_names(f, "addr_len address broadcast ifindex iflink type uevent",
		     "devices/%s/net/%s", BDF0, IFNAME0);
	path_of(path, sizeof(path), "%s/net/%s", dev, IFNAME0);
	expect_file(path, "address", "00:15:5d:0a:0b:10\n");
	expect_file(path, "addr_len", "6\n");
	expect_file(path, "broadcast", "ff:ff:ff:ff:ff:ff\n");
	expect_file(path, "type", "1\n");
	expect_file(path, "ifindex", "101\n");
	expect_file(path, "iflink", "101\n");
	expect_file(path, "uevent", "INTERFACE=" IFNAME0 "\nIFINDEX=101\n");

	/* Linux's Hyper-V slot, named after the serial */
	expect_names(f, "1", "slots");
	expect_names(f, "address", "slots/1");
	path_of(path, sizeof(path), "%s/pci/slots/1", f->bus);
	expect_file(path, "address", "7870:00:02\n");
}

/* No interface, no slot, no driver: each is left out, nothing else. */
static void
test_add_without_options(void **state)
{
	struct fixture *f = *state;
	char dev[PATH_MAX];
	struct hvsim_pci_spec s;

	vf_spec(&s, 3);
	s.ifname[0] = '\0';
	s.serial = 0;
	s.kdrv[0] = '\0';
	s.numa_node = 0;
	s.class_code = 0x010802;	/* NVMe: class, subclass, prog-if */
	s.device = 0x00ab;
	assert_int_equal(hvsim_pcitree_add(f->bus, &s), 0);
	dev_dir(dev, sizeof(dev), f, "7873:00:02.0");
	expect_names(f, "class device enable irq modalias numa_node resource "
		     "resource0 revision subsystem_device subsystem_vendor "
		     "uevent vendor", "devices/7873:00:02.0");
	expect_names(f, "", "slots");
	expect_names(f, "", "drivers");
	expect_file(dev, "numa_node", "0\n");
	expect_file(dev, "class", "0x010802\n");
	expect_file(dev, "device", "0x00ab\n");
	expect_file(dev, "uevent",
		    "PCI_CLASS=10802\nPCI_ID=1414:00AB\nPCI_SUBSYS_ID=1414:F0F1\n"
		    "PCI_SLOT_NAME=7873:00:02.0\n"
		    "MODALIAS=pci:v00001414d000000ABsv00001414sd0000F0F1bc01sc08i02\n");
	expect_file(dev, "resource",
		    "0x00007c7300000000 0x00007c730000ffff 0x0000000000040200\n"
		    ZERO_LINE ZERO_LINE ZERO_LINE ZERO_LINE ZERO_LINE ZERO_LINE);
	assert_int_equal(hvsim_pcitree_remove(f->bus, &s), 0);
	expect_no_device(f);
}

static void
test_paths(void **state)
{
	struct fixture *f = *state;
	char buf[PATH_MAX], want[PATH_MAX];
	struct hvsim_pci_spec s;
	char small[20];

	path_of(want, sizeof(want), "%s/pci/devices/" BDF0 "/resource0", f->bus);
	assert_int_equal(hvsim_pcitree_path(buf, sizeof(buf), f->bus, BDF0,
					    "resource0"), 0);
	assert_string_equal(buf, want);
	path_of(want, sizeof(want), "%s/pci/devices/" BDF0, f->bus);
	assert_int_equal(hvsim_pcitree_path(buf, sizeof(buf), f->bus, BDF0, ""), 0);
	assert_string_equal(buf, want);
	assert_int_equal(hvsim_pcitree_path(small, sizeof(small), f->bus, BDF0,
					    "resource0"), -ENAMETOOLONG);

	assert_int_equal(hvsim_pcitree_devpath(buf, sizeof(buf), BDF0), 0);
	assert_string_equal(buf, "/devices/pci7870:00/7870:00:02.0");
	assert_int_equal(hvsim_pcitree_devpath(buf, sizeof(buf), "abcd:12:1f.7"), 0);
	assert_string_equal(buf, "/devices/pciabcd:12/abcd:12:1f.7");
	assert_int_equal(hvsim_pcitree_devpath(small, sizeof(small), BDF0),
			 -ENAMETOOLONG);
	assert_int_equal(hvsim_pcitree_devpath(buf, sizeof(buf), "7870:00:02"),
			 -EINVAL);

	/* the variables, NUL-separated as in a uevent message */
	vf_spec(&s, 0);
	assert_int_equal(hvsim_pcitree_uevent_vars(buf, sizeof(buf), &s, 0, '\0'),
			 sizeof("PCI_CLASS=20000\0PCI_ID=1414:F0F1\0"
				"PCI_SUBSYS_ID=1414:F0F1\0PCI_SLOT_NAME=" BDF0 "\0"
				"MODALIAS=" MODALIAS0) );
	assert_memory_equal(buf, "PCI_CLASS=20000\0PCI_ID=1414:F0F1\0"
			    "PCI_SUBSYS_ID=1414:F0F1\0PCI_SLOT_NAME=" BDF0 "\0"
			    "MODALIAS=" MODALIAS0 "\0",
			    sizeof("PCI_CLASS=20000\0PCI_ID=1414:F0F1\0"
				   "PCI_SUBSYS_ID=1414:F0F1\0PCI_SLOT_NAME=" BDF0
				   "\0MODALIAS=" MODALIAS0));
	assert_int_equal(hvsim_pcitree_uevent_vars(buf, 40, &s, 1, '\n'), -ENOSPC);
}

/* ---- what is refused leaves nothing ----------------------------------- */

static void
expect_refused(const struct fixture *f, const struct hvsim_pci_spec *s, int err)
{
	assert_int_equal(hvsim_pcitree_add(f->bus, s), err);
	expect_no_device(f);
}

static void
test_bad_specs_leave_nothing(void **state)
{
	static const char *const bad_bdfs[] = {
		"7870:00:02", "7870:00:02.8", "7870:00:20.0", "7870:0:02.0",
		"7870:00:02.0x", "787g:00:02.0", "787A:00:02.0", "7870-00:02.0",
		"", "78700:00:02.0",
	};
	struct fixture *f = *state;
	struct hvsim_pci_spec s;
	size_t i;

	for (i = 0; i < sizeof(bad_bdfs) / sizeof(bad_bdfs[0]); i++) {
		vf_spec(&s, 0);
		snprintf(s.bdf, sizeof(s.bdf), "%s", bad_bdfs[i]);
		expect_refused(f, &s, -EINVAL);
	}
	vf_spec(&s, 0);
	s.class_code = 0x1000000;
	expect_refused(f, &s, -EINVAL);
	vf_spec(&s, 0);
	s.bar0_size = 0;
	expect_refused(f, &s, -EINVAL);
	vf_spec(&s, 0);
	snprintf(s.ifname, sizeof(s.ifname), "en/0");
	expect_refused(f, &s, -EINVAL);
	vf_spec(&s, 0);
	snprintf(s.ifname, sizeof(s.ifname), "..");
	expect_refused(f, &s, -EINVAL);
	vf_spec(&s, 0);
	memset(s.ifname, 'e', sizeof(s.ifname));	/* no NUL */
	expect_refused(f, &s, -EINVAL);
	vf_spec(&s, 0);
	snprintf(s.kdrv, sizeof(s.kdrv), "../x");
	expect_refused(f, &s, -EINVAL);
	assert_int_equal(hvsim_pcitree_add(NULL, &s), -EINVAL);
	assert_int_equal(hvsim_pcitree_add(f->bus, NULL), -EINVAL);
}

static void
test_duplicates_refused(void **state)
{
	struct fixture *f = *state;
	struct hvsim_pci_spec s0, s1;
	char dev[PATH_MAX];

	vf_spec(&s0, 0);
	assert_int_equal(hvsim_pcitree_add(f->bus, &s0), 0);
	/* the same device again */
	s0.vendor = 0x8086;
	assert_int_equal(hvsim_pcitree_add(f->bus, &s0), -EEXIST);
	dev_dir(dev, sizeof(dev), f, BDF0);
	expect_file(dev, "vendor", "0x1414\n");
	/* another device with the same slot (serial) */
	vf_spec(&s1, 1);
	s1.serial = s0.serial;
	assert_int_equal(hvsim_pcitree_add(f->bus, &s1), -EEXIST);
	expect_names(f, BDF0, "devices");
	expect_names(f, "1", "slots");
	expect_names(f, BDF0, "drivers/hvsim_vf");
	path_of(dev, sizeof(dev), "%s/pci/slots/1", f->bus);
	expect_file(dev, "address", "7870:00:02\n");
}

/* A failure after the slot was made: everything is taken back. */
static void
test_failure_halfway_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct hvsim_pci_spec s;
	char path[PATH_MAX];
	int fd;

	vf_spec(&s, 0);
	/* The driver's directory is a file: its link cannot be made. */
	path_of(path, sizeof(path), "%s", f->bus);
	assert_int_equal(mkdir(path, 0755), 0);
	path_of(path, sizeof(path), "%s/pci", f->bus);
	assert_int_equal(mkdir(path, 0755), 0);
	path_of(path, sizeof(path), "%s/pci/drivers", f->bus);
	assert_int_equal(mkdir(path, 0755), 0);
	path_of(path, sizeof(path), "%s/pci/drivers/hvsim_vf", f->bus);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(hvsim_pcitree_add(f->bus, &s), -ENOTDIR);
	expect_names(f, "", "devices");
	expect_names(f, "", "slots");
	expect_names(f, "hvsim_vf", "drivers");
	/* with the obstacle gone, the same spec goes in */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(hvsim_pcitree_add(f->bus, &s), 0);
	expect_names(f, BDF0, "devices");
}

/* ---- the BAR laid out while hidden --------------------------------------- */

struct bar_init {
	const char *dev;	/* the final device directory */
	bool saw_final;		/* it existed during the call: a bug */
	uint64_t size;
	uint8_t *map;
	int fail;		/* return this instead */
};

static int
lay_out_bar(int fd, uint64_t size, void *arg)
{
	struct bar_init *bi = arg;
	void *p;

	bi->saw_final = exists(bi->dev);
	bi->size = size;
	if (bi->fail)
		return bi->fail;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	bi->map = p;
	memcpy(bi->map, "VHVF", 4);
	return 0;
}

static void
test_bar_laid_out_while_hidden(void **state)
{
	struct fixture *f = *state;
	char dev[PATH_MAX], path[PATH_MAX];
	struct hvsim_pci_spec s, other;
	struct bar_init bi;
	char head[5] = { 0 };
	int fd;

	vf_spec(&s, 0);
	dev_dir(dev, sizeof(dev), f, BDF0);
	memset(&bi, 0, sizeof(bi));
	bi.dev = dev;
	assert_int_equal(hvsim_pcitree_add_with(f->bus, &s, lay_out_bar, &bi), 0);
	assert_false(bi.saw_final);
	assert_int_equal(bi.size, BAR0_SIZE);
	assert_non_null(bi.map);
	/* what the callback wrote is there when the device appears, and
	 * its mapping is the device's BAR */
	assert_int_equal(hvsim_pcitree_path(path, sizeof(path), f->bus, BDF0,
					    "resource0"), 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, head, 4, 0), 4);
	assert_string_equal(head, "VHVF");
	bi.map[BAR0_SIZE - 1] = 0x77;
	assert_int_equal(pread(fd, head, 1, BAR0_SIZE - 1), 1);
	assert_int_equal((uint8_t)head[0], 0x77);
	close(fd);
	munmap(bi.map, BAR0_SIZE);

	/* the callback fails: its error, nothing left */
	vf_spec(&other, 1);
	memset(&bi, 0, sizeof(bi));
	bi.dev = dev;
	bi.fail = -EIO;
	assert_int_equal(hvsim_pcitree_add_with(f->bus, &other, lay_out_bar, &bi),
			 -EIO);
	expect_names(f, BDF0, "devices");
	expect_names(f, "1", "slots");
	/* a later step fails (the slot is taken): nothing left either */
	other.serial = 1;
	memset(&bi, 0, sizeof(bi));
	bi.dev = dev;
	assert_int_equal(hvsim_pcitree_add_with(f->bus, &other, lay_out_bar, &bi),
			 -EEXIST);
	assert_non_null(bi.map);
	munmap(bi.map, BAR0_SIZE);
	expect_names(f, BDF0, "devices");
	expect_names(f, BDF0, "drivers/hvsim_vf");
}

/* ---- atomicity ---------------------------------------------------------- */

struct inotify_counts {
	int created;	/* the final name created in place */
	int moved_in;	/* the final name renamed into place */
};

static void
count_events(int ifd, const char *name, struct inotify_counts *c)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct inotify_event *ev;
	ssize_t n;
	char *p;

	while ((n = read(ifd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (struct inotify_event *)p;
			if (ev->len == 0 || strcmp(ev->name, name) != 0)
				continue;
			if (ev->mask & IN_CREATE)
				c->created++;
			if (ev->mask & IN_MOVED_TO)
				c->moved_in++;
		}
	}
}

static void
test_appears_in_one_step(void **state)
{
	struct fixture *f = *state;
	struct inotify_counts dc = { 0 }, sc = { 0 };
	char devices[PATH_MAX], slots[PATH_MAX];
	struct hvsim_pci_spec s;
	int ifd, wd, ws;

	vf_spec(&s, 0);
	/* the skeleton first, so that there is something to watch */
	vf_spec(&s, 5);
	assert_int_equal(hvsim_pcitree_add(f->bus, &s), 0);
	assert_int_equal(hvsim_pcitree_remove(f->bus, &s), 0);
	vf_spec(&s, 0);
	path_of(devices, sizeof(devices), "%s/pci/devices", f->bus);
	path_of(slots, sizeof(slots), "%s/pci/slots", f->bus);
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(ifd >= 0);
	wd = inotify_add_watch(ifd, devices, IN_CREATE | IN_MOVED_TO);
	ws = inotify_add_watch(ifd, slots, IN_CREATE | IN_MOVED_TO);
	assert_true(wd >= 0 && ws >= 0);
	assert_int_equal(hvsim_pcitree_add(f->bus, &s), 0);
	count_events(ifd, BDF0, &dc);
	assert_int_equal(hvsim_pcitree_remove(f->bus, &s), 0);
	assert_int_equal(hvsim_pcitree_add(f->bus, &s), 0);
	count_events(ifd, BDF0, &dc);
	close(ifd);
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_int_equal(hvsim_pcitree_remove(f->bus, &s), 0);
	assert_true(inotify_add_watch(ifd, slots, IN_CREATE | IN_MOVED_TO) >= 0);
	assert_int_equal(hvsim_pcitree_add(f->bus, &s), 0);
	count_events(ifd, "1", &sc);
	close(ifd);
	/* never created under its name: renamed in, whole, each time */
	assert_int_equal(dc.created, 0);
	assert_int_equal(dc.moved_in, 2);
	assert_int_equal(sc.created, 0);
	assert_int_equal(sc.moved_in, 1);
}

/* A scanner doing what DPDK's scan does while the host adds and removes
 * the device: whenever the name is there, every file is complete. */
struct scanner {
	const char *devices;
	volatile bool stop;
	unsigned long seen;		/* complete sightings */
	unsigned long raced;		/* gone while being read: fine */
	unsigned long incomplete;	/* there, but partial: a bug */
	char what[256];
};

static bool
read_at(int dfd, const char *name, const char *want)
{
	char buf[512];
	ssize_t n;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return want == NULL ? n > 0 : strcmp(buf, want) == 0;
}

static bool
device_complete(int dfd, const char **missing)
{
	static const char *const files[] = {
		"vendor", "device", "subsystem_vendor", "subsystem_device",
		"class", "numa_node", "resource", "uevent",
	};
	char link[64];
	struct stat st;
	size_t i;
	ssize_t n;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		*missing = files[i];
		if (!read_at(dfd, files[i], NULL))
			return false;
	}
	*missing = "net/" IFNAME0 "/address";
	if (!read_at(dfd, *missing, "00:15:5d:0a:0b:10\n"))
		return false;
	*missing = "resource0";
	if (fstatat(dfd, "resource0", &st, 0) < 0 || st.st_size != BAR0_SIZE)
		return false;
	*missing = "driver";
	n = readlinkat(dfd, "driver", link, sizeof(link) - 1);
	return n == (ssize_t)strlen("../../drivers/hvsim_vf");
}

static void *
scan_loop(void *arg)
{
	struct scanner *sc = arg;
	const char *missing;
	struct dirent *de;
	struct stat before, now;
	int dfd;
	DIR *d;

	while (!sc->stop) {
		d = opendir(sc->devices);
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;	/* as DPDK's scan */
			dfd = openat(dirfd(d), de->d_name,
				     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd < 0 || fstat(dfd, &before) < 0) {
				sc->raced += dfd < 0;
				if (dfd >= 0)
					close(dfd);
				continue;
			}
			if (device_complete(dfd, &missing)) {
				sc->seen++;
			} else if (fstatat(dirfd(d), de->d_name, &now, 0) == 0 &&
				   now.st_ino == before.st_ino) {
				/* still there under its name, yet partial */
				sc->incomplete++;
				snprintf(sc->what, sizeof(sc->what), "%s", missing);
			} else {
				sc->raced++;
			}
			close(dfd);
		}
		closedir(d);
	}
	return NULL;
}

static void
test_scanner_sees_whole_devices(void **state)
{
	struct fixture *f = *state;
	char devices[PATH_MAX];
	struct scanner sc;
	struct hvsim_pci_spec s;
	pthread_t t;
	int i;

	vf_spec(&s, 0);
	assert_int_equal(hvsim_pcitree_add(f->bus, &s), 0);
	assert_int_equal(hvsim_pcitree_remove(f->bus, &s), 0);
	path_of(devices, sizeof(devices), "%s/pci/devices", f->bus);
	memset(&sc, 0, sizeof(sc));
	sc.devices = devices;
	assert_int_equal(pthread_create(&t, NULL, scan_loop, &sc), 0);
	for (i = 0; i < SCAN_ROUNDS; i++) {
		assert_int_equal(hvsim_pcitree_add(f->bus, &s), 0);
		usleep(100);
		assert_int_equal(hvsim_pcitree_remove(f->bus, &s), 0);
	}
	sc.stop = true;
	pthread_join(t, NULL);
	print_message("# scanner: %lu whole, %lu raced with removal, %lu partial\n",
		      sc.seen, sc.raced, sc.incomplete);
	if (sc.incomplete != 0)
		fail_msg("a partial device was visible (%s missing)", sc.what);
	assert_true(sc.seen > 0);
	expect_no_device(f);
}

/* ---- removal ------------------------------------------------------------ */

static void
test_remove(void **state)
{
	struct fixture *f = *state;
	struct hvsim_pci_spec s0, s1;
	char path[PATH_MAX];
	uint8_t *bar;
	int fd;

	vf_spec(&s0, 0);
	vf_spec(&s1, 1);
	assert_int_equal(hvsim_pcitree_add(f->bus, &s0), 0);
	assert_int_equal(hvsim_pcitree_add(f->bus, &s1), 0);
	assert_int_equal(hvsim_pcitree_path(path, sizeof(path), f->bus, BDF0,
					    "resource0"), 0);
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	bar = mmap(NULL, BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	assert_true(bar != MAP_FAILED);
	bar[0] = 0x5a;
	bar[BAR0_SIZE - 1] = 0xa5;

	assert_int_equal(hvsim_pcitree_remove(f->bus, &s0), 0);
	/* gone: device, slot, the driver's link; the other VF untouched */
	expect_names(f, "7871:00:02.0", "devices");
	expect_names(f, "2", "slots");
	expect_names(f, "7871:00:02.0", "drivers/hvsim_vf");
	assert_false(exists(path));
	/* the mapping outlives the file, as a BAR outlives its sysfs entry
	 * until the driver lets go */
	assert_int_equal(bar[0], 0x5a);
	assert_int_equal(bar[BAR0_SIZE - 1], 0xa5);
	bar[1] = 1;
	assert_int_equal(munmap(bar, BAR0_SIZE), 0);

	assert_int_equal(hvsim_pcitree_remove(f->bus, &s0), -ENOENT);
	assert_int_equal(hvsim_pcitree_remove(f->bus, &s1), 0);
	expect_no_device(f);
	/* and it can come back, with a fresh BAR */
	assert_int_equal(hvsim_pcitree_add(f->bus, &s0), 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, path, 2, 0), 2);
	close(fd);
	assert_int_equal(path[0], 0);
	assert_int_equal(path[1], 0);
}

#define PCI_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		PCI_TEST(test_add_exact_files),
		PCI_TEST(test_add_without_options),
		PCI_TEST(test_paths),
		PCI_TEST(test_bad_specs_leave_nothing),
		PCI_TEST(test_duplicates_refused),
		PCI_TEST(test_failure_halfway_leaves_nothing),
		PCI_TEST(test_bar_laid_out_while_hidden),
		PCI_TEST(test_appears_in_one_step),
		PCI_TEST(test_scanner_sees_whole_devices),
		PCI_TEST(test_remove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
