/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The sysfs attributes the VMBus bus reads (vmbus_uio.c), which the host
 * (through the kernel) controls: a device's device_id, id, monitor_id and
 * numa_node, a uio map's size and name ("recv:<gpadl>"), a channel's
 * subchannel_id and monitor_id; and the number and GUID parsers on raw
 * text. The attributes are files of a private tree under /dev/shm that
 * stands for /sys/bus/vmbus/devices (vmbus_uio.c is compiled in here with
 * that directory).
 * Input: u8 which, u8 region, then per attribute { u8 length (255: the
 * file is absent), bytes }, then raw text.
 */

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmbus_private.h"
#undef VMBUS_SYSFS_DEVICES
#define VMBUS_SYSFS_DEVICES	fuzz_sysfs_root
static char fuzz_sysfs_root[128];

#include "vmbus_uio.c"

#include "fuzz_in.h"

#define DEV_NAME	"f8615163-df3e-46c5-913f-f2d2f965ed0e"

static void
put_attr(const char *dir, const char *name, struct fuzz_in *in)
{
	char path[PATH_MAX], buf[255];
	uint8_t len = fuzz_u8(in);
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (len == 255) {
		unlink(path);
		return;
	}
	fuzz_take(in, buf, len);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	if (write(fd, buf, len) != len)
		abort();
	close(fd);
}

static void
mkdirs(const char *path)
{
	char p[PATH_MAX], *s;

	snprintf(p, sizeof(p), "%s", path);
	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0700);
		*s = '/';
	}
	mkdir(p, 0700);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The private tree goes when the process exits. */
static void
remove_tree(void)
{
	char top[sizeof(fuzz_sysfs_root)];

	snprintf(top, sizeof(top), "/dev/shm/hvnet-fuzz-sysfs-%d", (int)getpid());
	nftw(top, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dev_dir[PATH_MAX], map_dir[HV_UIO_REGION_COUNT][PATH_MAX], chan_dir[PATH_MAX];
	struct fuzz_in in = { .p = data, .left = size };
	struct vmbus_subchan_info info;
	struct vmbus_device dev;
	char text[256];
	unsigned long v;
	uint32_t gpadl;
	rte_uuid_t uu;
	size_t rsize;
	uint8_t which, region;
	int i;

	if (fuzz_sysfs_root[0] == '\0') {
		rte_log_set_global_level(RTE_LOG_EMERG);
		snprintf(fuzz_sysfs_root, sizeof(fuzz_sysfs_root),
			 "/dev/shm/hvnet-fuzz-sysfs-%d/devices", (int)getpid());
		snprintf(dev_dir, sizeof(dev_dir), "%s/%s", fuzz_sysfs_root, DEV_NAME);
		for (i = 0; i < HV_UIO_REGION_COUNT; i++) {
			snprintf(map_dir[i], sizeof(map_dir[i]), "%s/uio/uio0/maps/map%d", dev_dir,
				 i);
			mkdirs(map_dir[i]);
		}
		snprintf(chan_dir, sizeof(chan_dir), "%s/channels/15", dev_dir);
		mkdirs(chan_dir);
		atexit(remove_tree);
	}
	which = fuzz_u8(&in);
	region = fuzz_u8(&in) % HV_UIO_REGION_COUNT;
	memset(&dev, 0, sizeof(dev));
	snprintf(dev.name, sizeof(dev.name), "%s", DEV_NAME);
	switch (which % 4) {
	case 0:
		put_attr(dev_dir, "device_id", &in);
		put_attr(dev_dir, "id", &in);
		put_attr(dev_dir, "monitor_id", &in);
		put_attr(dev_dir, "numa_node", &in);
		read_device_attrs(dev_dir, DEV_NAME, &dev);
		break;
	case 1:
		put_attr(map_dir[region], "size", &in);
		put_attr(map_dir[region], "name", &in);
		read_region_info(&dev, region, &rsize, &gpadl);
		break;
	case 2:
		put_attr(chan_dir, "ring", &in);
		put_attr(chan_dir, "subchannel_id", &in);
		put_attr(chan_dir, "monitor_id", &in);
		read_channel_info(chan_dir, 15, &info);
		break;
	default:
		break;
	}
	/* the parsers on raw text */
	fuzz_take(&in, text, sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	parse_ulong(text, which & 0x10 ? 16 : 10, which & 0x20 ? UINT32_MAX : ULONG_MAX, &v);
	vmbus_uuid_parse(text, uu);
	return 0;
}
