/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * A NIC's rescind and re-offer (vmbus/nic.c), without a guest process:
 * the guest's open of /dev/uioN is a plain connection to irq.sock (what
 * the shim makes of it), its uevent socket a plain connection to
 * uevent.sock.
 *   rescind: the open is hung up (the shim's read() and write() then fail
 *       with EIO), the sysfs entry and the region files are gone, opens
 *       are refused, and the kernel's three uevents arrive in order.
 *   reoffer: the same uuid with the relid and uio minor given, fresh
 *       (zeroed) regions, a new open starts a session; three uevents.
 *   twice: a second rescind and a re-offer of a present NIC are refused.
 */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "guestos/sysfs.h"
#include "guestos/uevent.h"
#include "guestos/uio_shim.h"
#include "vmbus/nic.h"
#include "wire/vswitch.h"

#define DEVPATH_OF(id)	HVSIM_VMBUS_DEVPATH "/" id

/* The NIC sends nothing to the wire here. */
void
hvsim_vswitch_tx(struct hvsim_vswitch *vs, int port, const uint8_t *frame, uint32_t len,
		 uint16_t vlan_tci)
{
	(void)vs;
	(void)port;
	(void)frame;
	(void)len;
	(void)vlan_tci;
	fail_msg("a frame went to the wire");
}

struct fx {
	char root[64];		/* temporary: bus/ and uio/ */
	char bus[128];
	char uio[128];
	struct hvsim_uevent *uev;
	int guest_uev;		/* the guest's uevent socket */
	struct hvsim_nic nic;
};

static int
connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct hvsim_nic_config cfg = { .mtu = 1500, .speed_mbps = 100000, .link_up = true,
					.nvsp_max = 0x60001, .max_subchannels = 8,
					.rx_slot_size = 1728, .tx_section_size = 6144,
					.lso_max = 62780, .lso_min_segs = 2 };
	char path[256];

	assert_non_null(fx);
	snprintf(fx->root, sizeof(fx->root), "/tmp/hvsim-life-XXXXXX");
	assert_non_null(mkdtemp(fx->root));
	snprintf(fx->bus, sizeof(fx->bus), "%s/bus", fx->root);
	snprintf(fx->uio, sizeof(fx->uio), "%s/uio", fx->root);
	assert_int_equal(mkdir(fx->bus, 0755), 0);
	assert_int_equal(mkdir(fx->uio, 0755), 0);
	fx->uev = hvsim_uevent_listen(fx->uio);
	assert_non_null(fx->uev);
	hvsim_uevent_sock_path(path, sizeof(path), fx->uio);
	fx->guest_uev = connect_to(path);
	assert_true(fx->guest_uev >= 0);
	assert_int_equal(hvsim_nic_create(&fx->nic, 0, fx->bus, fx->uio, &cfg), 0);
	fx->nic.uev = fx->uev;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	hvsim_nic_destroy(&fx->nic);
	close(fx->guest_uev);
	hvsim_uevent_close(fx->uev);
	hvsim_sysfs_remove_tree(fx->root);
	free(fx);
	return 0;
}

static bool
exists(const struct fx *fx, const char *fmt, ...)
{
	char rel[256], path[512];
	struct stat st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", fx->root, rel);
	return lstat(path, &st) == 0;
}

static void
expect_file(const struct fx *fx, const char *rel, const char *want)
{
	char path[512], got[128] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fx->root, rel);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	assert_true(n >= 0);
	assert_string_equal(got, want);
}

/* The guest opens /dev/uio<N>: connected, the host accepts, OPENED comes. */
static int
guest_open(struct fx *fx, int uio_num)
{
	char path[256];
	uint32_t msg = 0;
	int fd;

	hvsim_uio_sock_path(path, sizeof(path), fx->uio, uio_num);
	fd = connect_to(path);
	if (fd < 0)
		return fd;
	hvsim_nic_poll(&fx->nic, fx->bus);
	assert_int_equal(recv(fd, &msg, sizeof(msg), MSG_DONTWAIT), sizeof(msg));
	assert_int_equal(msg, HVSIM_UIO_MSG_OPENED);
	return fd;
}

/* The next uevent's first line ("<action>@<devpath>") */
static void
expect_uevent(struct fx *fx, const char *head)
{
	char buf[HVSIM_UEVENT_MSG_MAX];
	ssize_t n = recv(fx->guest_uev, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, head);
}

static void
no_more_uevents(struct fx *fx)
{
	char buf[16];

	assert_int_equal(recv(fx->guest_uev, buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

#define DEV	"f5bee5e0-0000-4000-8000-000000000100"

static void
test_rescind(void **state)
{
	struct fx *fx = *state;
	uint32_t msg;
	int fd = guest_open(fx, 0);

	assert_true(fd >= 0);
	assert_true(fx->nic.irq_fd >= 0);
	assert_int_equal(hvsim_nic_rescind(&fx->nic, fx->bus), 0);
	/* hung up: the shim turns this EOF into EIO */
	assert_int_equal(recv(fd, &msg, sizeof(msg), MSG_DONTWAIT), 0);
	close(fd);
	assert_false(exists(fx, "bus/vmbus/devices/" DEV));
	assert_false(exists(fx, "uio/uio0"));
	assert_true(exists(fx, "bus/vmbus/drivers/uio_hv_generic"));
	assert_int_equal(guest_open(fx, 0), -ENOENT);
	expect_uevent(fx, "remove@" DEVPATH_OF(DEV) "/uio/uio0");
	expect_uevent(fx, "unbind@" DEVPATH_OF(DEV));
	expect_uevent(fx, "remove@" DEVPATH_OF(DEV));
	no_more_uevents(fx);
	assert_true(fx->nic.rescinded);
	assert_int_equal(fx->nic.rescinds, 1);
	assert_int_equal(hvsim_nic_poll(&fx->nic, fx->bus), 0);
}

static void
test_reoffer(void **state)
{
	struct fx *fx = *state;
	uint8_t *rings;
	int fd;

	fd = guest_open(fx, 0);
	rings = fx->nic.region[HV_UIO_TXRX_RING];
	rings[100] = 0xa5;	/* the old device's memory */
	assert_int_equal(hvsim_nic_rescind(&fx->nic, fx->bus), 0);
	close(fd);
	assert_int_equal(hvsim_nic_reoffer(&fx->nic, fx->bus, 2, 78), 0);
	assert_false(fx->nic.rescinded);
	assert_int_equal(fx->nic.reoffers, 1);
	expect_file(fx, "bus/vmbus/devices/" DEV "/device_id", "{" DEV "}\n");
	expect_file(fx, "bus/vmbus/devices/" DEV "/id", "78\n");
	assert_true(exists(fx, "bus/vmbus/devices/" DEV "/uio/uio2/name"));
	assert_false(exists(fx, "bus/vmbus/devices/" DEV "/uio/uio0"));
	assert_true(exists(fx, "uio/uio2/map0"));
	rings = fx->nic.region[HV_UIO_TXRX_RING];
	assert_non_null(rings);
	assert_int_equal(rings[100], 0);	/* fresh regions */
	expect_uevent(fx, "remove@" DEVPATH_OF(DEV) "/uio/uio0");
	expect_uevent(fx, "unbind@" DEVPATH_OF(DEV));
	expect_uevent(fx, "remove@" DEVPATH_OF(DEV));
	expect_uevent(fx, "add@" DEVPATH_OF(DEV));
	expect_uevent(fx, "add@" DEVPATH_OF(DEV) "/uio/uio2");
	expect_uevent(fx, "bind@" DEVPATH_OF(DEV));
	no_more_uevents(fx);
	/* a new open: a session with the new relid */
	fd = guest_open(fx, 2);
	assert_true(fd >= 0);
	assert_non_null(fx->nic.chan[0]);
	assert_int_equal(fx->nic.chan[0]->relid, 78);
	close(fd);
}

static void
test_twice_refused(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(hvsim_nic_reoffer(&fx->nic, fx->bus, 0, 78), -EBUSY);
	assert_int_equal(hvsim_nic_rescind(&fx->nic, fx->bus), 0);
	assert_int_equal(hvsim_nic_rescind(&fx->nic, fx->bus), -EALREADY);
	assert_int_equal(fx->nic.rescinds, 1);
	assert_int_equal(hvsim_nic_reoffer(&fx->nic, fx->bus, 0, 142), 0);
	assert_int_equal(hvsim_nic_reoffer(&fx->nic, fx->bus, 0, 78), -EBUSY);
	assert_int_equal(hvsim_nic_rescind(&fx->nic, fx->bus), 0);
	assert_int_equal(hvsim_nic_reoffer(&fx->nic, fx->bus, 0, 14), 0);
	assert_int_equal(fx->nic.rescinds, 2);
	assert_int_equal(fx->nic.reoffers, 2);
	expect_file(fx, "bus/vmbus/devices/" DEV "/id", "14\n");
}

#define LIFE_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		LIFE_TEST(test_rescind),
		LIFE_TEST(test_reoffer),
		LIFE_TEST(test_twice_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
