/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The sysfs device tree (devtree), the mount namespace (hvns) and the
 * plugin overlay. Trees are built in temporary directories and checked
 * byte for byte against what uio_hv_generic shows. Namespace tests run in
 * a forked child (the namespace dies with it) and are skipped when the
 * process may not create mount namespaces.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "guestos/devtree.h"
#include "guestos/hvns.h"
#include "guestos/pcitree.h"
#include "guestos/uio_shim.h"
#include "hv_vmbus_wire.h"

#define CHILD_TIMEOUT_MS	20000
#define CHILD_SKIP		77	/* no permission for namespaces */
#define MAX_NAMES		1024

#define NETVSC_CLASS_BRACED	"{" HV_NETVSC_CLASS_GUID "}\n"
#define OTHER_UUID		"0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"

struct fixture {
	char base[PATH_MAX];
	char bus[PATH_MAX];
	char uio[PATH_MAX];
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
	snprintf(f.base, sizeof(f.base), "/tmp/hvsim-devtree-XXXXXX");
	assert_non_null(mkdtemp(f.base));
	snprintf(f.bus, sizeof(f.bus), "%s/bus", f.base);
	snprintf(f.uio, sizeof(f.uio), "%s/uio", f.base);
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

/* Whole content of a file; fails the test if it cannot be read. */
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

static off_t
file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		fail_msg("cannot stat %s: %s", path, strerror(errno));
	assert_true(S_ISREG(st.st_mode));
	return st.st_size;
}

/* Check <dev>/<attr> holds exactly `want`. */
static void
expect_attr(const char *dev, const char *attr, const char *want)
{
	char path[PATH_MAX];

	path_of(path, sizeof(path), "%s/%s", dev, attr);
	assert_string_equal(slurp(path), want);
}

static void
dev_path(char *buf, size_t size, const struct fixture *f, const char *uuid)
{
	path_of(buf, size, "%s/vmbus/devices/%s", f->bus, uuid);
}

/* ---- spec defaults ---------------------------------------------------- */

static void
test_spec_defaults(void **state)
{
	struct hvsim_dev_spec s;

	(void)state;
	memset(&s, 0xa5, sizeof(s));
	hvsim_dev_spec_default(&s);
	assert_string_equal(s.device_id, HVSIM_DEFAULT_DEVICE_ID);
	assert_string_equal(s.class_id, "");
	assert_int_equal(s.relid, 14);
	assert_int_equal(s.monitor_id, 1);
	assert_int_equal(s.numa_node, 0);
	assert_true(s.bound);
	assert_int_equal(s.uio_num, 0);
	assert_int_equal(s.ring_size, 2u << 20);
	assert_int_equal(s.recv_buf_size, 31u << 20);
	assert_int_equal(s.send_buf_size, 16u << 20);
	assert_int_equal(s.recv_gpadl, 0xe1e10);
	assert_int_equal(s.send_gpadl, 0xe1e11);
	assert_true(s.multichannel);
}

/* ---- a bound device --------------------------------------------------- */

static void
expect_map(const char *dev, int uio_num, unsigned int i, const char *name,
	   size_t size, unsigned long long *addr)
{
	char map[PATH_MAX], want[64];
	const char *text;
	char *end;

	path_of(map, sizeof(map), "%s/uio/uio%d/maps/map%u", dev, uio_num, i);
	snprintf(want, sizeof(want), "%s\n", name);
	expect_attr(map, "name", want);
	snprintf(want, sizeof(want), "0x%zx\n", size);
	expect_attr(map, "size", want);
	expect_attr(map, "offset", "0x0\n");
	text = slurp(strcat(map, "/addr"));
	assert_memory_equal(text, "0x", 2);
	*addr = strtoull(text, &end, 16);
	assert_string_equal(end, "\n");
	assert_true(*addr != 0);
}

static void
test_bound_device(void **state)
{
	static const char *const names[] = {
		"txrx_rings", "int_page", "monitor_page",
		"recv:925200", "send:925201",	/* 0xe1e10, 0xe1e11 */
	};
	struct fixture *f = *state;
	size_t sizes[] = { 4u << 20, 4096, 4096, 31u << 20, 16u << 20 };
	unsigned long long addrs[HVSIM_UIO_REGIONS];
	char dev[PATH_MAX], path[PATH_MAX], link[PATH_MAX];
	struct hvsim_dev_spec s;
	unsigned int i;
	ssize_t n;

	hvsim_dev_spec_default(&s);
	assert_int_equal(hvsim_devtree_add(f->bus, f->uio, &s), 0);
	dev_path(dev, sizeof(dev), f, s.device_id);

	expect_attr(dev, "class_id", NETVSC_CLASS_BRACED);
	expect_attr(dev, "device_id", "{" HVSIM_DEFAULT_DEVICE_ID "}\n");
	expect_attr(dev, "id", "14\n");
	expect_attr(dev, "monitor_id", "1\n");
	expect_attr(dev, "numa_node", "0\n");

	path_of(path, sizeof(path), "%s/driver", dev);
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_string_equal(link, "/sys/bus/vmbus/drivers/uio_hv_generic");
	path_of(path, sizeof(path), "%s/vmbus/drivers/uio_hv_generic", f->bus);
	assert_true(exists(path));

	expect_attr(dev, "uio/uio0/name", "uio_hv_generic\n");
	for (i = 0; i < HVSIM_UIO_REGIONS; i++) {
		expect_map(dev, 0, i, names[i], sizes[i], &addrs[i]);
		if (i > 0)	/* laid out one after the other */
			assert_true(addrs[i] >= addrs[i - 1] + sizes[i - 1]);
		assert_int_equal(hvsim_uio_map_path(path, sizeof(path), f->uio,
						    0, i), 0);
		assert_int_equal(file_size(path), sizes[i]);
	}
	path_of(path, sizeof(path), "%s/maps/map5", dev);
	assert_false(exists(path));

	expect_attr(dev, "channels/14/monitor_id", "1\n");
	expect_attr(dev, "channels/14/subchannel_id", "0\n");
	path_of(path, sizeof(path), "%s/channels/14/ring", dev);
	assert_int_equal(file_size(path), 2 * s.ring_size);
}

/* With both trees on one filesystem, the primary's ring file is region 0
 * itself, as the kernel's two views of the primary rings are. */
static void
test_primary_ring_is_region0(void **state)
{
	struct fixture *f = *state;
	char dev[PATH_MAX], ring[PATH_MAX], map0[PATH_MAX];
	struct hvsim_dev_spec s;
	struct stat a, b;

	hvsim_dev_spec_default(&s);
	assert_int_equal(hvsim_devtree_add(f->bus, f->uio, &s), 0);
	dev_path(dev, sizeof(dev), f, s.device_id);
	path_of(ring, sizeof(ring), "%s/channels/14/ring", dev);
	assert_int_equal(hvsim_uio_map_path(map0, sizeof(map0), f->uio, 0, 0), 0);
	assert_int_equal(stat(ring, &a), 0);
	assert_int_equal(stat(map0, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_dev, b.st_dev);
}

static void
test_custom_device(void **state)
{
	struct fixture *f = *state;
	char dev[PATH_MAX], path[PATH_MAX];
	struct hvsim_dev_spec s;
	unsigned long long addr;

	hvsim_dev_spec_default(&s);
	snprintf(s.device_id, sizeof(s.device_id), "%s", OTHER_UUID);
	snprintf(s.class_id, sizeof(s.class_id),
		 "F8615163-0000-1111-2222-333344445555");
	s.relid = 21;
	s.monitor_id = -1;
	s.numa_node = -1;
	s.uio_num = 3;
	s.ring_size = 3 * HV_PAGE_SIZE;
	s.recv_buf_size = 100;
	s.send_buf_size = 5 * HV_PAGE_SIZE;
	s.recv_gpadl = 123;
	s.send_gpadl = 4294967295u;
	s.multichannel = false;
	assert_int_equal(hvsim_devtree_add(f->bus, f->uio, &s), 0);
	dev_path(dev, sizeof(dev), f, s.device_id);

	expect_attr(dev, "class_id", "{F8615163-0000-1111-2222-333344445555}\n");
	expect_attr(dev, "device_id", "{" OTHER_UUID "}\n");
	expect_attr(dev, "id", "21\n");
	expect_attr(dev, "numa_node", "-1\n");
	path_of(path, sizeof(path), "%s/monitor_id", dev);
	assert_false(exists(path));
	path_of(path, sizeof(path), "%s/channels", dev);
	assert_false(exists(path));	/* no multi-channel support */
	path_of(path, sizeof(path), "%s/uio/uio0", dev);
	assert_false(exists(path));

	expect_map(dev, 3, 0, "txrx_rings", 6 * HV_PAGE_SIZE, &addr);
	expect_map(dev, 3, 3, "recv:123", 100, &addr);
	expect_map(dev, 3, 4, "send:4294967295", 5 * HV_PAGE_SIZE, &addr);
	assert_int_equal(hvsim_uio_map_path(path, sizeof(path), f->uio, 3, 3), 0);
	assert_int_equal(file_size(path), 100);
}

static void
test_unbound_device(void **state)
{
	struct fixture *f = *state;
	char dev[PATH_MAX], path[PATH_MAX], link[PATH_MAX];
	struct hvsim_dev_spec s;
	ssize_t n;

	hvsim_dev_spec_default(&s);
	s.bound = false;
	s.multichannel = false;
	assert_int_equal(hvsim_devtree_add(f->bus, NULL, &s), 0);
	dev_path(dev, sizeof(dev), f, s.device_id);

	expect_attr(dev, "class_id", NETVSC_CLASS_BRACED);
	path_of(path, sizeof(path), "%s/uio", dev);
	assert_false(exists(path));
	path_of(path, sizeof(path), "%s/driver", dev);
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_string_equal(link, "/sys/bus/vmbus/drivers/hv_netvsc");
	assert_false(exists(f->uio));	/* no region files anywhere */
}

/* ---- errors ----------------------------------------------------------- */

static void
expect_spec_rejected(const struct fixture *f, const struct hvsim_dev_spec *s,
		     const char *uio_dir)
{
	char dev[PATH_MAX];

	assert_int_equal(hvsim_devtree_add(f->bus, uio_dir, s), -EINVAL);
	dev_path(dev, sizeof(dev), f, s->device_id);
	assert_false(exists(dev));
}

static void
test_invalid_specs(void **state)
{
	struct fixture *f = *state;
	struct hvsim_dev_spec s;

	hvsim_dev_spec_default(&s);
	snprintf(s.device_id, sizeof(s.device_id), "not-a-uuid");
	expect_spec_rejected(f, &s, f->uio);

	hvsim_dev_spec_default(&s);
	snprintf(s.device_id, sizeof(s.device_id),
		 "7c3a4e2f-1b6d-4f0a-9e58-3d2c1b0a9f8g");
	expect_spec_rejected(f, &s, f->uio);

	hvsim_dev_spec_default(&s);
	snprintf(s.class_id, sizeof(s.class_id), "{f8615163}");
	expect_spec_rejected(f, &s, f->uio);

	hvsim_dev_spec_default(&s);
	s.ring_size = HV_PAGE_SIZE * 4 + 8;
	expect_spec_rejected(f, &s, f->uio);

	hvsim_dev_spec_default(&s);
	s.ring_size = HV_PAGE_SIZE;	/* header page only */
	expect_spec_rejected(f, &s, f->uio);

	hvsim_dev_spec_default(&s);
	s.monitor_id = HV_MONITOR_ID_MAX;
	expect_spec_rejected(f, &s, f->uio);

	hvsim_dev_spec_default(&s);
	expect_spec_rejected(f, &s, NULL);	/* bound needs a uio dir */

	hvsim_dev_spec_default(&s);
	s.recv_buf_size = 0;
	expect_spec_rejected(f, &s, f->uio);
}

static void
test_duplicates_leave_nothing(void **state)
{
	struct fixture *f = *state;
	char dev[PATH_MAX], path[PATH_MAX];
	struct hvsim_dev_spec s;

	hvsim_dev_spec_default(&s);
	assert_int_equal(hvsim_devtree_add(f->bus, f->uio, &s), 0);
	assert_int_equal(hvsim_devtree_add(f->bus, f->uio, &s), -EEXIST);

	/* Another device claiming the same /dev/uio0. */
	snprintf(s.device_id, sizeof(s.device_id), "%s", OTHER_UUID);
	assert_int_equal(hvsim_devtree_add(f->bus, f->uio, &s), -EEXIST);
	dev_path(dev, sizeof(dev), f, OTHER_UUID);
	assert_false(exists(dev));
	/* ... and the first device's regions are untouched. */
	assert_int_equal(hvsim_uio_map_path(path, sizeof(path), f->uio, 0, 0), 0);
	assert_int_equal(file_size(path), 4u << 20);
}

/* ---- subchannels ------------------------------------------------------ */

/* Read pending inotify events: counts of `name` created in place and
 * moved in. */
static void
drain_events(int ifd, const char *name, int *created, int *moved_in)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	char *p;

	while ((n = read(ifd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n;
		     p += sizeof(struct inotify_event) + ((struct inotify_event *)p)->len) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->len == 0 || strcmp(ev->name, name) != 0)
				continue;
			if (ev->mask & IN_CREATE)
				(*created)++;
			if (ev->mask & IN_MOVED_TO)
				(*moved_in)++;
		}
	}
}

static void
test_subchannel_ring_atomic(void **state)
{
	struct fixture *f = *state;
	char dev[PATH_MAX], chan[PATH_MAX], path[PATH_MAX];
	int created = 0, moved_in = 0;
	struct hvsim_dev_spec s;
	struct dirent *de;
	int ifd;
	DIR *d;

	hvsim_dev_spec_default(&s);
	assert_int_equal(hvsim_devtree_add(f->bus, f->uio, &s), 0);
	dev_path(dev, sizeof(dev), f, s.device_id);
	/* The guest watches the channel directory for `ring`. */
	path_of(chan, sizeof(chan), "%s/channels/15", dev);
	assert_int_equal(mkdir(chan, 0755), 0);
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(ifd >= 0);
	assert_true(inotify_add_watch(ifd, chan, IN_CREATE | IN_MOVED_TO) >= 0);

	assert_int_equal(hvsim_devtree_add_subchannel(f->bus, s.device_id, 15,
						      1, 2, 8 * HV_PAGE_SIZE), 0);
	drain_events(ifd, "ring", &created, &moved_in);
	close(ifd);
	assert_int_equal(created, 0);	/* never visible half made */
	assert_int_equal(moved_in, 1);

	path_of(path, sizeof(path), "%s/ring", chan);
	assert_int_equal(file_size(path), 16 * HV_PAGE_SIZE);
	expect_attr(chan, "monitor_id", "2\n");
	expect_attr(chan, "subchannel_id", "1\n");
	d = opendir(chan);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)	/* no temporary left over */
		assert_true(strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0 ||
			    strcmp(de->d_name, "ring") == 0 ||
			    strcmp(de->d_name, "monitor_id") == 0 ||
			    strcmp(de->d_name, "subchannel_id") == 0);
	closedir(d);
}

static void
test_subchannel_errors(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	struct hvsim_dev_spec s;

	hvsim_dev_spec_default(&s);
	assert_int_equal(hvsim_devtree_add(f->bus, f->uio, &s), 0);
	assert_int_equal(hvsim_devtree_add_subchannel(f->bus, OTHER_UUID, 15,
						      1, -1, 2 * HV_PAGE_SIZE),
			 -ENOENT);
	assert_int_equal(hvsim_devtree_add_subchannel(f->bus, s.device_id, 15,
						      1, -1, 3000), -EINVAL);
	assert_int_equal(hvsim_devtree_add_subchannel(f->bus, s.device_id, 15,
						      1, -1, 2 * HV_PAGE_SIZE), 0);
	dev_path(path, sizeof(path), f, s.device_id);
	strcat(path, "/channels/15/monitor_id");
	assert_false(exists(path));	/* no monitor for this one */
	assert_int_equal(hvsim_devtree_add_subchannel(f->bus, s.device_id, 15,
						      1, -1, 2 * HV_PAGE_SIZE),
			 -EEXIST);
	assert_int_equal(hvsim_devtree_remove_subchannel(f->bus, s.device_id,
							 15), 0);
	dev_path(path, sizeof(path), f, s.device_id);
	strcat(path, "/channels/15");
	assert_false(exists(path));
}

/* ---- attributes and removal ------------------------------------------- */

static void
test_write_and_remove_attr(void **state)
{
	struct fixture *f = *state;
	char dev[PATH_MAX], path[PATH_MAX];
	struct hvsim_dev_spec s;

	hvsim_dev_spec_default(&s);
	assert_int_equal(hvsim_devtree_add(f->bus, f->uio, &s), 0);
	dev_path(dev, sizeof(dev), f, s.device_id);

	assert_int_equal(hvsim_devtree_write_attr(f->bus, s.device_id,
						  "class_id", "f8615163"), 0);
	expect_attr(dev, "class_id", "f8615163");	/* verbatim */
	assert_int_equal(hvsim_devtree_write_attr(f->bus, s.device_id,
						  "channels/14/monitor_id",
						  "999\n"), 0);
	expect_attr(dev, "channels/14/monitor_id", "999\n");
	assert_int_equal(hvsim_devtree_remove_attr(f->bus, s.device_id, "id"), 0);
	path_of(path, sizeof(path), "%s/id", dev);
	assert_false(exists(path));

	assert_int_equal(hvsim_devtree_write_attr(f->bus, OTHER_UUID, "id", "1\n"),
			 -ENOENT);
	assert_int_equal(hvsim_devtree_write_attr(f->bus, s.device_id,
						  "/etc/passwd", "x"), -EINVAL);
}

static void
test_remove_device(void **state)
{
	struct fixture *f = *state;
	char dev[PATH_MAX], regions[PATH_MAX];
	struct hvsim_dev_spec s;

	hvsim_dev_spec_default(&s);
	s.uio_num = 2;
	assert_int_equal(hvsim_devtree_add(f->bus, f->uio, &s), 0);
	dev_path(dev, sizeof(dev), f, s.device_id);
	assert_int_equal(hvsim_uio_dev_path(regions, sizeof(regions), f->uio, 2), 0);
	assert_true(exists(dev));
	assert_true(exists(regions));

	assert_int_equal(hvsim_devtree_remove(f->bus, f->uio, s.device_id), 0);
	assert_false(exists(dev));
	assert_false(exists(regions));
	assert_int_equal(hvsim_devtree_remove(f->bus, f->uio, s.device_id),
			 -ENOENT);
	/* Same device again: nothing stale in the way. */
	assert_int_equal(hvsim_devtree_add(f->bus, f->uio, &s), 0);
}

/* ---- namespace (forked child) ---------------------------------------- */

/* In the child: report the failing line and leave. */
#define CHILD_CHECK(cond) do {						\
		if (!(cond)) {						\
			fprintf(stderr, "child: %s:%d: %s (errno %s)\n",	\
				__FILE__, __LINE__, #cond, strerror(errno));	\
			_exit(1);					\
		}							\
	} while (0)

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run fn in a forked child; returns its exit status, killing it when it
 * overruns CHILD_TIMEOUT_MS. */
static int
run_child(int (*fn)(void *), void *arg)
{
	int64_t deadline = now_ms() + CHILD_TIMEOUT_MS;
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn(arg));
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("namespace child timed out");
		}
		usleep(2000);
	}
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* In the child: enter a namespace, or leave with CHILD_SKIP if not
 * allowed. */
static void
child_enter(void)
{
	int rc = hvns_enter();

	if (rc == -EPERM || rc == -EACCES)
		_exit(CHILD_SKIP);
	CHILD_CHECK(rc == 0);
}

static void
expect_child_ok(int (*fn)(void *), void *arg)
{
	int status = run_child(fn, arg);

	if (status == CHILD_SKIP)
		skip();
	assert_int_equal(status, 0);
}

/* Sorted names in a directory (dot entries left out). */
struct names {
	char *v[MAX_NAMES];
	int n;
};

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
list_dir(const char *path, struct names *out)
{
	struct dirent *de;
	DIR *d;

	out->n = 0;
	d = opendir(path);
	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL && out->n < MAX_NAMES) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			out->v[out->n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(out->v, out->n, sizeof(out->v[0]), cmp_names);
	return 0;
}

static bool
same_names(const struct names *a, const struct names *b)
{
	int i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

static void
free_names(struct names *l)
{
	while (l->n > 0)
		free(l->v[--l->n]);
}

static bool
is_empty_dir(const char *path)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(path);
	if (d == NULL)
		return false;
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n == 0;
}

static int
child_sysfs_bus(void *arg)
{
	const struct fixture *f = arg;
	bool host_platform = access("/sys/bus/platform/devices", F_OK) == 0;
	struct hvsim_pci_spec ps;
	struct hvsim_dev_spec s;
	char path[PATH_MAX];
	char buf[128] = { 0 };
	struct stat st;
	int fd;

	child_enter();
	CHILD_CHECK(hvns_mount_sysfs_bus() == 0);
	hvsim_dev_spec_default(&s);
	CHILD_CHECK(hvsim_devtree_add("/sys/bus", f->uio, &s) == 0);
	snprintf(path, sizeof(path),
		 "/sys/bus/vmbus/devices/%s/class_id", s.device_id);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	CHILD_CHECK(strcmp(buf, NETVSC_CLASS_BRACED) == 0);
	snprintf(path, sizeof(path), "/sys/bus/vmbus/devices/%s/uio/uio0",
		 s.device_id);
	CHILD_CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
	/* hvsim's own PCI bus, empty: the host's PCI devices are hidden. */
	CHILD_CHECK(is_empty_dir("/sys/bus/pci/devices"));
	CHILD_CHECK(is_empty_dir("/sys/bus/pci/drivers"));
	CHILD_CHECK(is_empty_dir("/sys/bus/pci/slots"));
	memset(&ps, 0, sizeof(ps));
	snprintf(ps.bdf, sizeof(ps.bdf), "7870:00:02.0");
	ps.vendor = 0x1414;
	ps.device = 0xf0f1;
	ps.class_code = 0x020000;
	ps.bar0_size = 4096;
	ps.serial = 1;
	snprintf(ps.kdrv, sizeof(ps.kdrv), "hvsim_vf");
	CHILD_CHECK(hvsim_pcitree_add("/sys/bus", &ps) == 0);
	CHILD_CHECK(stat("/sys/bus/pci/devices/7870:00:02.0/resource0", &st) == 0);
	CHILD_CHECK(stat("/sys/bus/pci/devices/7870:00:02.0/driver", &st) == 0 &&
		    S_ISDIR(st.st_mode));
	CHILD_CHECK(stat("/sys/bus/pci/slots/1/address", &st) == 0);
	/* The host's other buses are still there. */
	if (host_platform)
		CHILD_CHECK(stat("/sys/bus/platform/devices", &st) == 0);
	return 0;
}

static void
test_namespace_sysfs_bus(void **state)
{
	struct fixture *f = *state;
	struct names before, after;
	char path[PATH_MAX];

	assert_int_equal(list_dir("/sys/bus", &before), 0);
	expect_child_ok(child_sysfs_bus, f);
	assert_int_equal(list_dir("/sys/bus", &after), 0);
	assert_true(same_names(&before, &after));
	path_of(path, sizeof(path), "/sys/bus/vmbus/devices/%s",
		HVSIM_DEFAULT_DEVICE_ID);
	assert_false(exists(path));
	assert_false(exists("/sys/bus/pci/devices/7870:00:02.0"));
	assert_false(exists("/sys/bus/pci/slots/1/address") &&
		     strcmp(slurp("/sys/bus/pci/slots/1/address"), "7870:00:02\n") == 0);
	free_names(&before);
	free_names(&after);
}

/* Runs in the host's mount namespace: the namespace's tmpfs is not seen
 * there, and what it creates stays on the host's filesystem. */
static int
in_host_probe(void *arg)
{
	const char *dir = arg;
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/ours", dir);
	if (access(path, F_OK) == 0)
		return -EEXIST;
	snprintf(path, sizeof(path), "%s/host", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 42;
}

static int
child_in_host(void *arg)
{
	const struct fixture *f = arg;
	char dir[PATH_MAX], path[PATH_MAX], cwd[PATH_MAX];
	int fd;

	snprintf(dir, sizeof(dir), "%s/mnt", f->base);
	child_enter();
	CHILD_CHECK(hvns_mount_tmpfs(dir) == 0);
	snprintf(path, sizeof(path), "%s/ours", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHILD_CHECK(fd >= 0);
	close(fd);
	CHILD_CHECK(chdir(dir) == 0);
	CHILD_CHECK(hvns_in_host(in_host_probe, dir) == 42);
	/* back in the namespace, in the same working directory */
	CHILD_CHECK(access("ours", F_OK) == 0 && access("host", F_OK) != 0);
	CHILD_CHECK(getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, dir) == 0);
	return 0;
}

static void
test_namespace_in_host(void **state)
{
	struct fixture *f = *state;
	char dir[PATH_MAX], path[PATH_MAX];

	path_of(dir, sizeof(dir), "%s/mnt", f->base);
	assert_int_equal(mkdir(dir, 0755), 0);
	expect_child_ok(child_in_host, f);
	path_of(path, sizeof(path), "%s/host", dir);
	assert_true(exists(path));
	path_of(path, sizeof(path), "%s/ours", dir);
	assert_false(exists(path));
}

/* ---- plugin overlay --------------------------------------------------- */

static void
write_file(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), strlen(content));
	close(fd);
}

/* A packaged plugin: libX.so.ABI (23.0 for DPDK 22.11) plus its .so.MAJOR
 * and .so links. */
static void
make_plugin(const char *dir, const char *stem, const char *content)
{
	char path[PATH_MAX], target[PATH_MAX];

	path_of(path, sizeof(path), "%s/%s.so." HVNET_DPDK_ABI, dir, stem);
	write_file(path, content);
	path_of(target, sizeof(target), "%s.so." HVNET_DPDK_ABI, stem);
	path_of(path, sizeof(path), "%s/%s.so." HVNET_DPDK_ABI_MAJOR, dir, stem);
	assert_int_equal(symlink(target, path), 0);
	path_of(target, sizeof(target), "%s.so." HVNET_DPDK_ABI_MAJOR, stem);
	path_of(path, sizeof(path), "%s/%s.so", dir, stem);
	assert_int_equal(symlink(target, path), 0);
}

struct overlay_case {
	char pmd[PATH_MAX];
	char work[PATH_MAX];
	char add[PATH_MAX];
	const char *const *hide;
	struct names expected;
};

static int
child_overlay(void *arg)
{
	struct overlay_case *c = arg;
	const char *const add[] = { c->add, NULL };
	struct names seen;

	child_enter();
	CHILD_CHECK(hvns_mount_tmpfs(c->work) == 0);
	CHILD_CHECK(hvns_overlay_plugins(c->pmd, c->hide, add, c->work) == 0);
	CHILD_CHECK(list_dir(c->pmd, &seen) == 0);
	if (!same_names(&seen, &c->expected)) {
		int i;

		for (i = 0; i < seen.n; i++)
			fprintf(stderr, "child: overlay shows %s\n", seen.v[i]);
		CHILD_CHECK(!"overlay listing differs");
	}
	return 0;
}

static void
expected_without(struct names *out, const struct names *all,
		 const char *const *hide, const char *added_stem)
{
	const char *suffix[] = { ".so", ".so." HVNET_DPDK_ABI_MAJOR, ".so." HVNET_DPDK_ABI };
	int i, j;

	out->n = 0;
	for (i = 0; i < all->n; i++) {
		bool hidden = false;

		for (j = 0; hide[j] != NULL; j++)
			if (strncmp(all->v[i], hide[j], strlen(hide[j])) == 0)
				hidden = true;
		if (!hidden)
			out->v[out->n++] = strdup(all->v[i]);
	}
	for (j = 0; j < 3; j++) {
		char name[NAME_MAX + 1];

		snprintf(name, sizeof(name), "%s%s", added_stem, suffix[j]);
		out->v[out->n++] = strdup(name);
	}
	qsort(out->v, out->n, sizeof(out->v[0]), cmp_names);
}

static int
child_overlay_content(void *arg)
{
	struct overlay_case *c = arg;
	const char *const add[] = { c->add, NULL };
	char path[PATH_MAX], real[PATH_MAX], buf[64] = { 0 };
	int fd;

	child_enter();
	CHILD_CHECK(hvns_mount_tmpfs(c->work) == 0);
	CHILD_CHECK(hvns_overlay_plugins(c->pmd, c->hide, add, c->work) == 0);
	/* Through every link name, the added file is ours ... */
	snprintf(path, sizeof(path), "%s/librte_bus_vmbus.so", c->pmd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHILD_CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	CHILD_CHECK(strcmp(buf, "ours") == 0);
	/* ... and a kept plugin is the original (no loop via the view). */
	memset(buf, 0, sizeof(buf));
	snprintf(path, sizeof(path), "%s/librte_net_ring.so", c->pmd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHILD_CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	CHILD_CHECK(strcmp(buf, "ring") == 0);
	/* Real paths stay in the plugin dir: the EAL refuses plugins
	 * whose realpath() crosses a world-writable directory. */
	CHILD_CHECK(realpath(path, real) != NULL);
	snprintf(path, sizeof(path), "%s/librte_net_ring.so." HVNET_DPDK_ABI, c->pmd);
	CHILD_CHECK(strcmp(real, path) == 0);
	snprintf(path, sizeof(path), "%s/librte_bus_vmbus.so", c->pmd);
	CHILD_CHECK(realpath(path, real) != NULL);
	snprintf(path, sizeof(path), "%s/librte_bus_vmbus.so." HVNET_DPDK_ABI, c->pmd);
	CHILD_CHECK(strcmp(real, path) == 0);
	/* An absolute link into the plugin dir still resolves. */
	snprintf(path, sizeof(path), "%s/abs-link", c->pmd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHILD_CHECK(fd >= 0);
	close(fd);
	return 0;
}

static void
test_overlay_synthetic(void **state)
{
	struct fixture *f = *state;
	struct overlay_case c = { .hide = hvns_bundled_hyperv_plugins };
	char ours[PATH_MAX], path[PATH_MAX], target[PATH_MAX];
	struct names all, after;

	path_of(c.pmd, sizeof(c.pmd), "%s/pmds-" HVNET_DPDK_ABI, f->base);
	path_of(c.work, sizeof(c.work), "%s/work", f->base);
	path_of(ours, sizeof(ours), "%s/build", f->base);
	assert_int_equal(mkdir(c.pmd, 0755), 0);
	assert_int_equal(mkdir(c.work, 0755), 0);
	assert_int_equal(mkdir(ours, 0755), 0);
	make_plugin(c.pmd, "librte_net_ring", "ring");
	make_plugin(c.pmd, "librte_bus_vmbus", "bundled");
	make_plugin(c.pmd, "librte_net_netvsc", "bundled");
	make_plugin(c.pmd, "librte_net_vdev_netvsc", "bundled");
	path_of(target, sizeof(target), "%s/librte_net_ring.so." HVNET_DPDK_ABI, c.pmd);
	path_of(path, sizeof(path), "%s/abs-link", c.pmd);
	assert_int_equal(symlink(target, path), 0);
	path_of(c.add, sizeof(c.add), "%s/librte_bus_vmbus.so." HVNET_DPDK_ABI, ours);
	write_file(c.add, "ours");

	assert_int_equal(list_dir(c.pmd, &all), 0);
	assert_int_equal(all.n, 13);
	expected_without(&c.expected, &all, c.hide, "librte_bus_vmbus");
	assert_int_equal(c.expected.n, 7);
	expect_child_ok(child_overlay, &c);
	/* The work tmpfs lived in the child's namespace: here the work
	 * directory is still empty and can serve again. Its parent is in
	 * /tmp, which the EAL would refuse in a plugin's real path. */
	expect_child_ok(child_overlay_content, &c);

	assert_int_equal(list_dir(c.pmd, &after), 0);
	assert_true(same_names(&all, &after));	/* host view unchanged */
	free_names(&all);
	free_names(&after);
	free_names(&c.expected);
}

static void
test_overlay_debian_plugins(void **state)
{
	struct fixture *f = *state;
	struct overlay_case c = { .hide = hvns_bundled_hyperv_plugins };
	struct names all, after;
	char ours[PATH_MAX];
	int i;

	if (access(HVNS_EAL_PMD_DIR, R_OK) != 0)
		skip();
	snprintf(c.pmd, sizeof(c.pmd), "%s", HVNS_EAL_PMD_DIR);
	path_of(c.work, sizeof(c.work), "%s/work", f->base);
	path_of(ours, sizeof(ours), "%s/build", f->base);
	assert_int_equal(mkdir(c.work, 0755), 0);
	assert_int_equal(mkdir(ours, 0755), 0);
	path_of(c.add, sizeof(c.add), "%s/librte_net_hvnet_test.so." HVNET_DPDK_ABI, ours);
	write_file(c.add, "ours");

	assert_int_equal(list_dir(c.pmd, &all), 0);
	expected_without(&c.expected, &all, c.hide, "librte_net_hvnet_test");
	/* The three bundled Hyper-V plugins, three names each, are gone. */
	for (i = 0; i < c.expected.n; i++) {
		assert_null(strstr(c.expected.v[i], "vmbus"));
		assert_null(strstr(c.expected.v[i], "netvsc"));
	}
	assert_int_equal(c.expected.n, all.n - 9 + 3);
	expect_child_ok(child_overlay, &c);

	assert_int_equal(list_dir(c.pmd, &after), 0);
	assert_true(same_names(&all, &after));
	free_names(&all);
	free_names(&after);
	free_names(&c.expected);
}

#define DT_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_defaults),
		DT_TEST(test_bound_device),
		DT_TEST(test_primary_ring_is_region0),
		DT_TEST(test_custom_device),
		DT_TEST(test_unbound_device),
		DT_TEST(test_invalid_specs),
		DT_TEST(test_duplicates_leave_nothing),
		DT_TEST(test_subchannel_ring_atomic),
		DT_TEST(test_subchannel_errors),
		DT_TEST(test_write_and_remove_attr),
		DT_TEST(test_remove_device),
		DT_TEST(test_namespace_sysfs_bus),
		DT_TEST(test_namespace_in_host),
		DT_TEST(test_overlay_synthetic),
		DT_TEST(test_overlay_debian_plugins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
