/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * libhvsim_uio.so against the uio_hv_generic semantics: the test is the
 * host (devtree region files, irq socket), shim_client is the guest, run
 * with LD_PRELOAD of the shim and driven one command line at a time.
 * Then the guest kernel's other faces a VF needs: the uevent netlink socket
 * (host end: guestos/uevent.h) and SIOCGIFHWADDR of a VF interface.
 *
 * Usage (meson passes both): test_uio_shim LIBHVSIM_UIO_SO SHIM_CLIENT
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <limits.h>
#include <net/if_arp.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "guestos/devtree.h"
#include "guestos/irq.h"
#include "guestos/pcitree.h"
#include "guestos/uevent.h"
#include "guestos/uio_shim.h"

#define REPLY_TIMEOUT_MS	5000	/* a guest command answers within */
#define HOST_TIMEOUT_MS		2000	/* something the host must see */
#define QUIET_MS		200	/* watched to show nothing happens */
#define EXIT_TIMEOUT_MS		5000

#define UIO_NUM		0
#define RING_SIZE	(4 * HV_PAGE_SIZE)
#define RECV_SIZE	(16 * HV_PAGE_SIZE + 100)	/* not page-rounded */
#define SEND_SIZE	(8 * HV_PAGE_SIZE)

static const char *shim_path;
static const char *client_path;
static long page;
/* SYSFS_PCI_DEVICES for the guest: the fixture's PCI tree. */
static char guest_pci_devices[PATH_MAX];

struct guest {
	pid_t pid;
	int to;			/* its stdin */
	int from;		/* its stdout */
	char buf[8192];
	size_t have;
	char line[8192];
};

struct fixture {
	char base[PATH_MAX];
	char bus[PATH_MAX];
	char uio[PATH_MAX];
	struct hvsim_dev_spec spec;
	int lfd;
	struct guest g;
};

/* ---- time and files ---------------------------------------------------- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
rm_rf(const char *path)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", path);
}

/* ---- the guest process ------------------------------------------------- */

static int
guest_start(struct guest *g, const char *uio_dir)
{
	int in[2], out[2];

	memset(g, 0, sizeof(*g));
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	g->pid = fork();
	if (g->pid < 0)
		return -errno;
	if (g->pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		setenv("LD_PRELOAD", shim_path, 1);
		if (uio_dir != NULL)
			setenv(HVSIM_UIO_DIR_ENV, uio_dir, 1);
		else
			unsetenv(HVSIM_UIO_DIR_ENV);
		setenv(HVSIM_SYSFS_PCI_DEVICES_ENV, guest_pci_devices, 1);
		execl(client_path, client_path, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	g->to = in[1];
	g->from = out[0];
	return 0;
}

static void __attribute__((format(printf, 2, 3)))
guest_send(struct guest *g, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd) - 1, fmt, ap);
	va_end(ap);
	cmd[n++] = '\n';
	assert_int_equal(write(g->to, cmd, n), n);
}

/* Next reply line, or NULL when none comes within timeout_ms. */
static const char *
guest_reply(struct guest *g, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = g->from, .events = POLLIN };

	for (;;) {
		char *nl = memchr(g->buf, '\n', g->have);
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (nl != NULL) {
			size_t len = (size_t)(nl - g->buf);

			memcpy(g->line, g->buf, len);
			g->line[len] = '\0';
			g->have -= len + 1;
			memmove(g->buf, nl + 1, g->have);
			return g->line;
		}
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return NULL;
		n = read(g->from, g->buf + g->have, sizeof(g->buf) - g->have);
		if (n <= 0)
			return NULL;
		g->have += (size_t)n;
	}
}

static void
guest_stop(struct guest *g)
{
	int64_t deadline = now_ms() + EXIT_TIMEOUT_MS;
	int status;

	if (g->pid <= 0)
		return;
	if (write(g->to, "exit\n", 5) < 0)
		fprintf(stderr, "guest gone before exit\n");
	close(g->to);
	close(g->from);
	while (waitpid(g->pid, &status, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(g->pid, SIGKILL);
			waitpid(g->pid, &status, 0);
			break;
		}
		usleep(1000);
	}
	g->pid = 0;
}

/* Run a command; returns its reply (fails the test on silence). */
static const char * __attribute__((format(printf, 2, 3)))
guest_cmd(struct guest *g, const char *fmt, ...)
{
	char cmd[512];
	const char *r;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	guest_send(g, "%s", cmd);
	r = guest_reply(g, REPLY_TIMEOUT_MS);
	if (r == NULL)
		fail_msg("guest did not answer '%s'", cmd);
	return r;
}

/* The reply must be "ok [N]": returns N (0 if absent). */
static long
expect_ok_reply(const char *r, const char *what)
{
	if (strncmp(r, "ok", 2) != 0)
		fail_msg("'%s' -> '%s', expected ok", what, r);
	return strtol(r + 2, NULL, 0);
}

#define expect_ok(g, ...) \
	expect_ok_reply(guest_cmd(g, __VA_ARGS__), #__VA_ARGS__)

static void
expect_errno_reply(const char *r, int err, const char *what)
{
	char want[32];

	snprintf(want, sizeof(want), "err %d", err);
	if (strcmp(r, want) != 0)
		fail_msg("'%s' -> '%s', expected '%s' (%s)", what, r, want,
			 strerror(err));
}

#define expect_err(g, err, ...) \
	expect_errno_reply(guest_cmd(g, __VA_ARGS__), err, #__VA_ARGS__)

/* ---- host side --------------------------------------------------------- */

static int
setup(void **state)
{
	static struct fixture f;
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	memset(&f, 0, sizeof(f));
	snprintf(f.base, sizeof(f.base), "%s/hvsim-shim-XXXXXX", tmp);
	assert_non_null(mkdtemp(f.base));
	snprintf(f.bus, sizeof(f.bus), "%s/bus", f.base);
	snprintf(f.uio, sizeof(f.uio), "%s/uio", f.base);
	snprintf(guest_pci_devices, sizeof(guest_pci_devices), "%s/pci/devices",
		 f.bus);
	hvsim_dev_spec_default(&f.spec);
	f.spec.uio_num = UIO_NUM;
	f.spec.ring_size = RING_SIZE;
	f.spec.recv_buf_size = RECV_SIZE;
	f.spec.send_buf_size = SEND_SIZE;
	assert_int_equal(hvsim_devtree_add(f.bus, f.uio, &f.spec), 0);
	f.lfd = hvsim_irq_listen(f.uio, UIO_NUM);
	assert_true(f.lfd >= 0);
	assert_int_equal(guest_start(&f.g, f.uio), 0);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	guest_stop(&f->g);
	if (f->lfd >= 0)
		close(f->lfd);
	rm_rf(f->base);
	return 0;
}

static int
host_accept(struct fixture *f)
{
	int cfd = hvsim_irq_accept(f->lfd, HOST_TIMEOUT_MS);

	if (cfd < 0)
		fail_msg("the guest's open did not reach the host: %s",
			 strerror(-cfd));
	return cfd;
}

static size_t
region_size(const struct fixture *f, unsigned int region)
{
	static const size_t fixed[] = {
		[HV_UIO_TXRX_RING] = 2 * RING_SIZE,
		[HV_UIO_INT_PAGE] = HV_PAGE_SIZE,
		[HV_UIO_MON_PAGE] = HV_PAGE_SIZE,
		[HV_UIO_RECV_BUF] = RECV_SIZE,
		[HV_UIO_SEND_BUF] = SEND_SIZE,
	};

	(void)f;
	return fixed[region];
}

static uint8_t *
host_map(const struct fixture *f, unsigned int region)
{
	char path[PATH_MAX];
	void *p;
	int fd;

	assert_int_equal(hvsim_uio_map_path(path, sizeof(path), f->uio,
					    UIO_NUM, region), 0);
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	p = mmap(NULL, region_size(f, region), PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	close(fd);
	assert_true(p != MAP_FAILED);
	return p;
}

static void
expect_connected(int cfd)
{
	uint32_t v;

	assert_int_equal(hvsim_irq_recv(cfd, &v, QUIET_MS), -ETIMEDOUT);
}

static void
expect_hung_up(int cfd)
{
	uint32_t v;

	assert_int_equal(hvsim_irq_recv(cfd, &v, HOST_TIMEOUT_MS), -EPIPE);
}

/* ---- open ------------------------------------------------------------- */

static void
test_open_missing_device(void **state)
{
	struct fixture *f = *state;

	expect_err(&f->g, ENOENT, "open open /dev/uio7");
	/* The name is taken literally: uio00 is not uio0. */
	expect_err(&f->g, ENOENT, "open open /dev/uio00");
}

static void
test_open_every_variant(void **state)
{
	static const char *const variants[] = {
		"open", "open64", "__open_2", "__open64_2",
		"openat", "openat64", "__openat_2", "__openat64_2",
	};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		long fd = expect_ok(&f->g, "open %s /dev/uio0", variants[i]);
		int cfd = host_accept(f);

		expect_connected(cfd);
		expect_ok(&f->g, "close %ld", fd);
		expect_hung_up(cfd);
		close(cfd);
	}
}

static void
test_open_refused(void **state)
{
	struct fixture *f = *state;
	char sock[PATH_MAX];

	/* Socket file present but nobody listening. */
	close(f->lfd);
	f->lfd = -1;
	expect_err(&f->g, ENODEV, "open open /dev/uio0");
	/* No socket file at all. */
	assert_int_equal(hvsim_uio_sock_path(sock, sizeof(sock), f->uio,
					     UIO_NUM), 0);
	assert_int_equal(unlink(sock), 0);
	expect_err(&f->g, ENODEV, "open open /dev/uio0");
}

static void
test_open_flags(void **state)
{
	struct fixture *f = *state;
	long fd, fdflags, flflags;
	const char *r;

	fd = expect_ok(&f->g, "open open /dev/uio0 nonblock cloexec");
	r = guest_cmd(&f->g, "fdflags %ld", fd);
	assert_int_equal(sscanf(r, "ok %ld %ld", &fdflags, &flflags), 2);
	assert_true(fdflags & FD_CLOEXEC);
	assert_true(flflags & O_NONBLOCK);
	expect_err(&f->g, EAGAIN, "read %ld 4", fd);

	fd = expect_ok(&f->g, "open open /dev/uio0");
	r = guest_cmd(&f->g, "fdflags %ld", fd);
	assert_int_equal(sscanf(r, "ok %ld %ld", &fdflags, &flflags), 2);
	assert_false(fdflags & FD_CLOEXEC);
	assert_false(flflags & O_NONBLOCK);
}

/* ---- mmap ------------------------------------------------------------- */

static void
hex_of(char *out, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* Bytes written on one side are read back exactly on the other, at the
 * start and at the very end of the region. */
static void
check_region_shared(struct fixture *f, long fd, unsigned int region,
		    const char *verb)
{
	static const uint8_t from_guest[8] = { 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3 };
	static const uint8_t from_host[8] = { 0x5a, 0xa5, 0x00, 0xff, 9, 8, 7, 6 };
	size_t size = region_size(f, region);
	size_t offs[2] = { 0, size - sizeof(from_guest) };
	uint8_t *host = host_map(f, region);
	char hex[64], want[64];
	long slot;
	int i;

	slot = expect_ok(&f->g, "%s %ld %ld %zu", verb, fd, region * page, size);
	for (i = 0; i < 2; i++) {
		hex_of(hex, from_guest, sizeof(from_guest));
		expect_ok(&f->g, "poke %ld %zu %s", slot, offs[i], hex);
		assert_memory_equal(host + offs[i], from_guest, sizeof(from_guest));

		memcpy(host + offs[i], from_host, sizeof(from_host));
		hex_of(want, from_host, sizeof(from_host));
		snprintf(hex, sizeof(hex), "ok %s", want);
		assert_string_equal(guest_cmd(&f->g, "peek %ld %zu %zu", slot,
					      offs[i], sizeof(from_host)), hex);
	}
	munmap(host, size);
	expect_ok(&f->g, "munmap %ld", slot);
}

static void
test_mmap_regions_shared(void **state)
{
	struct fixture *f = *state;
	unsigned int region;
	long fd;

	fd = expect_ok(&f->g, "open open /dev/uio0");
	for (region = 0; region < HVSIM_UIO_REGIONS; region++)
		check_region_shared(f, fd, region, region % 2 ? "mmap64" : "mmap");
}

static void
test_mmap_invalid(void **state)
{
	struct fixture *f = *state;
	size_t recv_limit = (RECV_SIZE + page - 1) / page * page;
	long fd;

	fd = expect_ok(&f->g, "open open /dev/uio0");
	expect_err(&f->g, EINVAL, "mmap %ld %ld %ld", fd, page / 2, page);
	expect_err(&f->g, EINVAL, "mmap %ld %ld %ld", fd,
		   HVSIM_UIO_REGIONS * page, page);
	expect_err(&f->g, EINVAL, "mmap %ld %ld %ld", fd, HV_UIO_INT_PAGE * page,
		   2 * page);
	expect_err(&f->g, EINVAL, "mmap %ld 0 %zu", fd, 2 * (size_t)RING_SIZE + page);
	expect_err(&f->g, EINVAL, "mmap %ld 0 0", fd);
	/* The limit is the file size rounded up to a page, not more. */
	expect_err(&f->g, EINVAL, "mmap %ld %ld %zu", fd,
		   HV_UIO_RECV_BUF * page, recv_limit + page);
	expect_ok(&f->g, "mmap %ld %ld %zu", fd, HV_UIO_RECV_BUF * page,
		  recv_limit);
}

/* ---- read / write ----------------------------------------------------- */

static void
test_read_write_size(void **state)
{
	struct fixture *f = *state;
	int cfd;
	long fd;

	fd = expect_ok(&f->g, "open open /dev/uio0");
	cfd = host_accept(f);
	expect_err(&f->g, EINVAL, "read %ld 8", fd);
	expect_err(&f->g, EINVAL, "read %ld 2", fd);
	expect_err(&f->g, EINVAL, "readchk %ld 8", fd);
	expect_err(&f->g, EINVAL, "write %ld 1 8", fd);
	expect_err(&f->g, EINVAL, "write %ld 1 3", fd);
	expect_connected(cfd);	/* nothing was sent */
	close(cfd);
}

static void
test_write_reaches_host(void **state)
{
	struct fixture *f = *state;
	uint32_t v = 0xffffffff;
	int cfd;
	long fd;

	fd = expect_ok(&f->g, "open open /dev/uio0");
	cfd = host_accept(f);
	assert_int_equal(expect_ok(&f->g, "write %ld 1", fd), 4);
	assert_int_equal(hvsim_irq_recv(cfd, &v, HOST_TIMEOUT_MS), 0);
	assert_int_equal(v, HVSIM_UIO_IRQ_ENABLE);
	expect_connected(cfd);	/* exactly one message */
	assert_int_equal(expect_ok(&f->g, "write %ld 0", fd), 4);
	assert_int_equal(hvsim_irq_recv(cfd, &v, HOST_TIMEOUT_MS), 0);
	assert_int_equal(v, HVSIM_UIO_IRQ_DISABLE);
	close(cfd);
}

static void
test_host_interrupt_read(void **state)
{
	struct fixture *f = *state;
	int cfd;
	long fd;

	fd = expect_ok(&f->g, "open open /dev/uio0");
	cfd = host_accept(f);
	assert_string_equal(guest_cmd(&f->g, "poll %ld 0", fd), "ok 0");
	assert_int_equal(hvsim_irq_send(cfd, 42), 0);
	assert_int_equal(expect_ok(&f->g, "poll %ld %d", fd, REPLY_TIMEOUT_MS),
			 POLLIN);
	assert_int_equal(expect_ok(&f->g, "read %ld 4", fd), 42);

	/* A blocking read waits for the host. */
	guest_send(&f->g, "read %ld 4", fd);
	assert_null(guest_reply(&f->g, QUIET_MS));
	assert_int_equal(hvsim_irq_send(cfd, 7), 0);
	assert_non_null(guest_reply(&f->g, REPLY_TIMEOUT_MS));
	assert_string_equal(f->g.line, "ok 7");

	assert_int_equal(hvsim_irq_send(cfd, 0x12345678), 0);
	assert_int_equal(expect_ok(&f->g, "readchk %ld 4", fd), 0x12345678);

	/* As the kernel's: interrupts raised since the last read are one
	 * answer, the count as it is now, and nothing is left to read. */
	assert_int_equal(hvsim_irq_send(cfd, 100), 0);
	assert_int_equal(hvsim_irq_send(cfd, 101), 0);
	assert_int_equal(hvsim_irq_send(cfd, 102), 0);
	assert_int_equal(expect_ok(&f->g, "read %ld 4", fd), 102);
	assert_string_equal(guest_cmd(&f->g, "poll %ld 0", fd), "ok 0");
	close(cfd);
}

static void
test_rescind_gives_eio(void **state)
{
	struct fixture *f = *state;
	int cfd;
	long fd;

	fd = expect_ok(&f->g, "open open /dev/uio0");
	cfd = host_accept(f);
	/* A read blocked at the time of the rescind fails too. */
	guest_send(&f->g, "read %ld 4", fd);
	assert_null(guest_reply(&f->g, QUIET_MS));
	hvsim_irq_rescind(cfd);
	assert_non_null(guest_reply(&f->g, REPLY_TIMEOUT_MS));
	assert_string_equal(f->g.line, "err 5");	/* EIO */
	expect_err(&f->g, EIO, "read %ld 4", fd);
	expect_err(&f->g, EIO, "write %ld 1", fd);
	expect_ok(&f->g, "close %ld", fd);
}

/* ---- lifetime --------------------------------------------------------- */

static void
test_mappings_keep_connection(void **state)
{
	struct fixture *f = *state;
	long fd, ring, recv;
	int cfd;

	fd = expect_ok(&f->g, "open open /dev/uio0");
	cfd = host_accept(f);
	ring = expect_ok(&f->g, "mmap %ld 0 %zu", fd, 2 * (size_t)RING_SIZE);
	recv = expect_ok(&f->g, "mmap %ld %ld %ld", fd, HV_UIO_RECV_BUF * page,
			 page);
	expect_ok(&f->g, "close %ld", fd);
	expect_connected(cfd);
	expect_ok(&f->g, "munmap %ld", ring);
	expect_connected(cfd);
	expect_ok(&f->g, "munmap %ld", recv);
	expect_hung_up(cfd);
	close(cfd);
}

static void
test_fd_keeps_connection(void **state)
{
	struct fixture *f = *state;
	long fd, slot;
	int cfd;

	fd = expect_ok(&f->g, "open open /dev/uio0");
	cfd = host_accept(f);
	slot = expect_ok(&f->g, "mmap %ld 0 %ld", fd, page);
	expect_ok(&f->g, "munmap %ld", slot);
	expect_connected(cfd);
	/* The dup that pinned the mapping is gone, the fd still works. */
	assert_int_equal(hvsim_irq_send(cfd, 3), 0);
	assert_int_equal(expect_ok(&f->g, "read %ld 4", fd), 3);
	expect_ok(&f->g, "close %ld", fd);
	expect_hung_up(cfd);
	close(cfd);
}

static void
test_partial_unmaps(void **state)
{
	struct fixture *f = *state;
	long fd, slot;
	int cfd;

	fd = expect_ok(&f->g, "open open /dev/uio0");
	cfd = host_accept(f);
	slot = expect_ok(&f->g, "mmap %ld %ld %ld", fd, HV_UIO_SEND_BUF * page,
			 3 * page);
	expect_ok(&f->g, "close %ld", fd);
	/* Punch the middle, then each end: only the last piece ends it. */
	expect_ok(&f->g, "munmap %ld %ld %ld", slot, page, page);
	expect_connected(cfd);
	expect_ok(&f->g, "munmap %ld 0 %ld", slot, page);
	expect_connected(cfd);
	expect_ok(&f->g, "munmap %ld %ld %ld", slot, 2 * page, page);
	expect_hung_up(cfd);
	close(cfd);
}

static void
test_fixed_mapping_replaces(void **state)
{
	struct fixture *f = *state;
	long fd, slot;
	int cfd;

	fd = expect_ok(&f->g, "open open /dev/uio0");
	cfd = host_accept(f);
	slot = expect_ok(&f->g, "mmap %ld %ld %ld", fd, HV_UIO_SEND_BUF * page,
			 2 * page);
	expect_ok(&f->g, "close %ld", fd);
	expect_connected(cfd);
	/* MAP_FIXED over it drops the uio mapping like munmap would. */
	expect_ok(&f->g, "anonfixed %ld", slot);
	expect_hung_up(cfd);
	close(cfd);
}

/* ---- pass-through ----------------------------------------------------- */

static void
test_ordinary_files_pass_through(void **state)
{
	struct fixture *f = *state;

	expect_ok(&f->g, "filetest %s/plain.txt", f->base);
}

static void
test_inactive_without_env(void **state)
{
	struct fixture *f = *state;

	guest_stop(&f->g);
	assert_int_equal(guest_start(&f->g, NULL), 0);
	/* uio0 exists in the backing dir, but without HVSIM_UIO_DIR the
	 * shim must leave /dev/uio0 to the real (absent) device. */
	expect_err(&f->g, ENOENT, "open open /dev/uio0");
	assert_int_equal(hvsim_irq_accept(f->lfd, QUIET_MS), -ETIMEDOUT);
	expect_ok(&f->g, "filetest %s/plain.txt", f->base);
}

/* ---- the uevent socket ---------------------------------------------- */

/* NIC 0's VF as vf-design.md names it. */
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
	s->bar0_size = 64 * 1024;
	s->serial = 1 + nic;
	snprintf(s->ifname, sizeof(s->ifname), "enP%us%u", 0x7870 + nic,
		 s->serial);
	memcpy(s->mac, mac, sizeof(mac));
	s->mac[5] = (uint8_t)(0x10 + nic);
	snprintf(s->kdrv, sizeof(s->kdrv), "hvsim_vf");
}

/* What Linux sends for NIC 0's VF, written out by hand. */
#define DEVPATH0	"/devices/pci7870:00/7870:00:02.0"
#define PCI_VARS0 \
	"PCI_CLASS=20000\0PCI_ID=1414:F0F1\0PCI_SUBSYS_ID=1414:F0F1\0" \
	"PCI_SLOT_NAME=7870:00:02.0\0" \
	"MODALIAS=pci:v00001414d0000F0F1sv00001414sd0000F0F1bc02sc00i00\0"
static const char uevent_add1[] =
	"add@" DEVPATH0 "\0ACTION=add\0DEVPATH=" DEVPATH0 "\0SUBSYSTEM=pci\0"
	PCI_VARS0 "SEQNUM=1\0";
static const char uevent_remove2[] =
	"remove@" DEVPATH0 "\0ACTION=remove\0DEVPATH=" DEVPATH0
	"\0SUBSYSTEM=pci\0" PCI_VARS0 "SEQNUM=2\0";
static const char uevent_bind3[] =
	"bind@" DEVPATH0 "\0ACTION=bind\0DEVPATH=" DEVPATH0 "\0SUBSYSTEM=pci\0"
	"DRIVER=hvsim_vf\0" PCI_VARS0 "SEQNUM=3\0";

/* The guest's nlrecv must return exactly these bytes. */
static void
expect_uevent(struct guest *g, long fd, const char *msg, size_t len)
{
	char want[2 * HVSIM_UEVENT_MSG_MAX + 32];
	char hex[2 * HVSIM_UEVENT_MSG_MAX + 1];
	const char *r;

	hex_of(hex, (const uint8_t *)msg, len);
	snprintf(want, sizeof(want), "ok %zu %s", len, hex);
	r = guest_cmd(g, "nlrecv %ld", fd);
	if (strcmp(r, want) != 0)
		fail_msg("uevent: got '%s'\nwant '%s'", r, want);
}

#define EXPECT_UEVENT(g, fd, lit) expect_uevent(g, fd, lit, sizeof(lit) - 1)

static struct hvsim_uevent *
uevent_listen(struct fixture *f)
{
	struct hvsim_uevent *u = hvsim_uevent_listen(f->uio);

	if (u == NULL)
		fail_msg("hvsim_uevent_listen: %s", strerror(errno));
	return u;
}

static void
test_uevent_format(void **state)
{
	struct hvsim_pci_spec s;
	char buf[HVSIM_UEVENT_MSG_MAX];

	(void)state;
	vf_spec(&s, 0);
	assert_int_equal(hvsim_uevent_format(buf, sizeof(buf), "add", &s, 1),
			 sizeof(uevent_add1) - 1);
	assert_memory_equal(buf, uevent_add1, sizeof(uevent_add1) - 1);
	assert_int_equal(hvsim_uevent_format(buf, sizeof(buf), "bind", &s, 3),
			 sizeof(uevent_bind3) - 1);
	assert_memory_equal(buf, uevent_bind3, sizeof(uevent_bind3) - 1);
	assert_int_equal(hvsim_uevent_format(buf, sizeof(buf), "change", &s, 1),
			 -EINVAL);
	assert_int_equal(hvsim_uevent_format(buf, sizeof(uevent_add1) - 2,
					     "add", &s, 1), -ENOSPC);
	snprintf(s.bdf, sizeof(s.bdf), "7870:00:02");
	assert_int_equal(hvsim_uevent_format(buf, sizeof(buf), "add", &s, 1),
			 -EINVAL);
}

/* A rescind's uevents, byte for byte what Linux sends for a netvsc
 * device bound to uio_hv_generic (MODALIAS: the class GUID's bytes in
 * memory order). */
static const char uevent_uio_remove4[] =
	"remove@" HVSIM_VMBUS_DEVPATH "/f5bee5e0-0000-4000-8000-000000000100/uio/uio0\0"
	"ACTION=remove\0"
	"DEVPATH=" HVSIM_VMBUS_DEVPATH "/f5bee5e0-0000-4000-8000-000000000100/uio/uio0\0"
	"SUBSYSTEM=uio\0MAJOR=241\0MINOR=0\0DEVNAME=uio0\0SEQNUM=4\0";
static const char uevent_vmbus_bind5[] =
	"bind@" HVSIM_VMBUS_DEVPATH "/f5bee5e0-0000-4000-8000-000000000100\0"
	"ACTION=bind\0"
	"DEVPATH=" HVSIM_VMBUS_DEVPATH "/f5bee5e0-0000-4000-8000-000000000100\0"
	"SUBSYSTEM=vmbus\0DRIVER=uio_hv_generic\0"
	"MODALIAS=vmbus:635161f83edfc546913ff2d2f965ed0e\0SEQNUM=5\0";

static void
test_uevent_format_vmbus(void **state)
{
	static const char id[] = "f5bee5e0-0000-4000-8000-000000000100";
	char buf[HVSIM_UEVENT_MSG_MAX];

	(void)state;
	assert_int_equal(hvsim_uevent_format_vmbus(buf, sizeof(buf), "remove", id,
						   HV_NETVSC_CLASS_GUID, 0, 4),
			 sizeof(uevent_uio_remove4) - 1);
	assert_memory_equal(buf, uevent_uio_remove4, sizeof(uevent_uio_remove4) - 1);
	assert_int_equal(hvsim_uevent_format_vmbus(buf, sizeof(buf), "bind", id,
						   HV_NETVSC_CLASS_GUID, -1, 5),
			 sizeof(uevent_vmbus_bind5) - 1);
	assert_memory_equal(buf, uevent_vmbus_bind5, sizeof(uevent_vmbus_bind5) - 1);
	assert_int_equal(hvsim_uevent_format_vmbus(buf, sizeof(buf), "change", id,
						   HV_NETVSC_CLASS_GUID, -1, 1), -EINVAL);
	assert_int_equal(hvsim_uevent_format_vmbus(buf, sizeof(buf), "add", "f5bee5e0",
						   HV_NETVSC_CLASS_GUID, -1, 1), -EINVAL);
	assert_int_equal(hvsim_uevent_format_vmbus(buf, sizeof(buf), "add", id,
						   "f8615163-df3e-46c5-913f-f2d2f965ed0g", -1, 1),
			 -EINVAL);
	assert_int_equal(hvsim_uevent_format_vmbus(buf, sizeof(uevent_vmbus_bind5) - 2, "bind",
						   id, HV_NETVSC_CLASS_GUID, -1, 5), -ENOSPC);
}

/* EAL's monitor: socket(PF_NETLINK, SOCK_RAW | SOCK_CLOEXEC |
 * SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT), bind, recv(MSG_DONTWAIT). */
static void
test_uevent_delivered(void **state)
{
	struct fixture *f = *state;
	struct hvsim_uevent *u = uevent_listen(f);
	struct hvsim_uevent_stats st;
	struct hvsim_pci_spec s;
	long fd, fdflags, flflags;
	const char *r;

	vf_spec(&s, 0);
	fd = expect_ok(&f->g, "nlsock %d nonblock cloexec", NETLINK_KOBJECT_UEVENT);
	expect_ok(&f->g, "nlbind %ld", fd);
	r = guest_cmd(&f->g, "fdflags %ld", fd);
	assert_int_equal(sscanf(r, "ok %ld %ld", &fdflags, &flflags), 2);
	assert_true(fdflags & FD_CLOEXEC);
	assert_true(flflags & O_NONBLOCK);
	expect_err(&f->g, EAGAIN, "nlrecv %ld", fd);
	/* Not accepted yet: the send itself takes the pending guest in. */
	assert_int_equal(hvsim_uevent_pci(u, "add", &s), 1);
	assert_string_equal(guest_cmd(&f->g, "poll %ld 0", fd), "ok 1");
	EXPECT_UEVENT(&f->g, fd, uevent_add1);
	expect_err(&f->g, EAGAIN, "nlrecv %ld", fd);
	assert_int_equal(hvsim_uevent_pci(u, "remove", &s), 1);
	assert_int_equal(hvsim_uevent_pci(u, "bind", &s), 1);
	EXPECT_UEVENT(&f->g, fd, uevent_remove2);
	EXPECT_UEVENT(&f->g, fd, uevent_bind3);
	assert_int_equal(hvsim_uevent_pci(u, "move", &s), -EINVAL);
	hvsim_uevent_get_stats(u, &st);
	assert_int_equal(st.events, 3);
	assert_int_equal(st.delivered, 3);
	assert_int_equal(st.missed, 0);
	assert_int_equal(st.accepted, 1);
	assert_int_equal(st.guests, 1);
	hvsim_uevent_close(u);
}

/* Two guest sockets both get every event; a blocked poll wakes up. */
static void
test_uevent_multicast_and_poll(void **state)
{
	struct fixture *f = *state;
	struct hvsim_uevent *u = uevent_listen(f);
	struct hvsim_pci_spec s;
	long a, b;

	vf_spec(&s, 0);
	a = expect_ok(&f->g, "nlsock %d", NETLINK_KOBJECT_UEVENT);
	b = expect_ok(&f->g, "nlsock %d cloexec", NETLINK_KOBJECT_UEVENT);
	expect_ok(&f->g, "nlbind %ld", a);
	assert_int_equal(hvsim_uevent_poll(u), 2);
	guest_send(&f->g, "poll %ld %d", a, REPLY_TIMEOUT_MS);
	usleep(QUIET_MS * 1000);	/* let the guest block in poll */
	assert_int_equal(hvsim_uevent_pci(u, "add", &s), 2);
	assert_non_null(guest_reply(&f->g, REPLY_TIMEOUT_MS));
	assert_string_equal(f->g.line, "ok 1");
	EXPECT_UEVENT(&f->g, a, uevent_add1);
	EXPECT_UEVENT(&f->g, b, uevent_add1);
	hvsim_uevent_close(u);
}

static void
test_uevent_bind_checks(void **state)
{
	struct fixture *f = *state;
	struct hvsim_uevent *u = uevent_listen(f);
	long fd;

	fd = expect_ok(&f->g, "nlsock %d", NETLINK_KOBJECT_UEVENT);
	/* The kernel's netlink_bind() checks, in its order. */
	expect_err(&f->g, EINVAL, "nlbind %ld %zu", fd,
		   sizeof(struct sockaddr_nl) - 1);
	expect_err(&f->g, EINVAL, "nlbind %ld %zu %d", fd,
		   sizeof(struct sockaddr_nl), AF_UNIX);
	expect_ok(&f->g, "nlbind %ld", fd);
	hvsim_uevent_close(u);
}

/* A guest that closes its socket is reaped; later events go to nobody. */
static void
test_uevent_guest_close(void **state)
{
	struct fixture *f = *state;
	struct hvsim_uevent *u = uevent_listen(f);
	struct hvsim_uevent_stats st;
	struct hvsim_pci_spec s;
	unsigned int work = 0;
	int64_t deadline;
	long fd;

	vf_spec(&s, 0);
	fd = expect_ok(&f->g, "nlsock %d", NETLINK_KOBJECT_UEVENT);
	assert_int_equal(hvsim_uevent_poll(u), 1);
	assert_int_equal(hvsim_uevent_poll(u), 0);
	expect_ok(&f->g, "close %ld", fd);
	deadline = now_ms() + HOST_TIMEOUT_MS;
	while (work == 0 && now_ms() < deadline)
		work = hvsim_uevent_poll(u);
	assert_int_equal(work, 1);
	hvsim_uevent_get_stats(u, &st);
	assert_int_equal(st.closed, 1);
	assert_int_equal(st.guests, 0);
	assert_int_equal(hvsim_uevent_pci(u, "add", &s), 0);
	/* The fd number is an ordinary one again. */
	fd = expect_ok(&f->g, "nlsock %d", NETLINK_ROUTE);
	expect_ok(&f->g, "nlbind %ld", fd);
	hvsim_uevent_close(u);
}

/* A guest that does not read misses events once its socket is full; what
 * it got is the first ones, in order, each whole. */
static void
test_uevent_full_socket(void **state)
{
	struct fixture *f = *state;
	struct hvsim_uevent *u = uevent_listen(f);
	struct hvsim_uevent_stats st;
	struct hvsim_pci_spec s;
	char msg[HVSIM_UEVENT_MSG_MAX];
	char hex[2 * HVSIM_UEVENT_MSG_MAX + 1];
	char want[2 * HVSIM_UEVENT_MSG_MAX + 32];
	uint64_t i, sent = 0;
	long fd;
	int len;

	vf_spec(&s, 0);
	fd = expect_ok(&f->g, "nlsock %d nonblock", NETLINK_KOBJECT_UEVENT);
	for (i = 0; i < 20000 && sent == i; i++)
		sent += (uint64_t)hvsim_uevent_pci(u, "add", &s);
	hvsim_uevent_get_stats(u, &st);
	assert_true(sent > 16);
	assert_int_equal(st.missed, 1);
	assert_int_equal(st.delivered, sent);
	assert_int_equal(st.events, sent + 1);
	for (i = 1; i <= sent; i++) {
		len = hvsim_uevent_format(msg, sizeof(msg), "add", &s, i);
		assert_true(len > 0);
		hex_of(hex, (const uint8_t *)msg, (size_t)len);
		snprintf(want, sizeof(want), "ok %d %s", len, hex);
		assert_string_equal(guest_cmd(&f->g, "nlrecv %ld", fd), want);
	}
	expect_err(&f->g, EAGAIN, "nlrecv %ld", fd);
	/* Room again: the next one arrives, with the next sequence number. */
	assert_int_equal(hvsim_uevent_pci(u, "add", &s), 1);
	len = hvsim_uevent_format(msg, sizeof(msg), "add", &s, sent + 2);
	hex_of(hex, (const uint8_t *)msg, (size_t)len);
	snprintf(want, sizeof(want), "ok %d %s", len, hex);
	assert_string_equal(guest_cmd(&f->g, "nlrecv %ld", fd), want);
	hvsim_uevent_close(u);
}

/* Nobody listening: a valid socket that never receives nor ends. */
static void
test_uevent_quiet_without_host(void **state)
{
	struct fixture *f = *state;
	long fd;

	fd = expect_ok(&f->g, "nlsock %d nonblock", NETLINK_KOBJECT_UEVENT);
	expect_ok(&f->g, "nlbind %ld", fd);
	assert_string_equal(guest_cmd(&f->g, "poll %ld %d", fd, QUIET_MS), "ok 0");
	expect_err(&f->g, EAGAIN, "nlrecv %ld", fd);
	expect_ok(&f->g, "close %ld", fd);
	/* and again, so the kept other end is released and reused cleanly */
	fd = expect_ok(&f->g, "nlsock %d", NETLINK_KOBJECT_UEVENT);
	assert_string_equal(guest_cmd(&f->g, "poll %ld %d", fd, QUIET_MS), "ok 0");
}

/* Other netlink protocols are the kernel's. */
static void
test_uevent_other_protocols_pass(void **state)
{
	struct fixture *f = *state;
	struct hvsim_uevent *u = uevent_listen(f);
	struct hvsim_uevent_stats st;
	char want[64];
	long fd;

	fd = expect_ok(&f->g, "nlsock %d", NETLINK_ROUTE);
	snprintf(want, sizeof(want), "ok %d %d", AF_NETLINK, SOCK_RAW);
	assert_string_equal(guest_cmd(&f->g, "sockinfo %ld", fd), want);
	expect_ok(&f->g, "nlbind %ld", fd);
	fd = expect_ok(&f->g, "nlsock %d", NETLINK_KOBJECT_UEVENT);
	snprintf(want, sizeof(want), "ok %d %d", AF_UNIX, SOCK_SEQPACKET);
	assert_string_equal(guest_cmd(&f->g, "sockinfo %ld", fd), want);
	assert_int_equal(hvsim_uevent_poll(u), 1);
	hvsim_uevent_get_stats(u, &st);
	assert_int_equal(st.accepted, 1);
	hvsim_uevent_close(u);
}

static void
test_uevent_inactive_without_env(void **state)
{
	struct fixture *f = *state;
	struct hvsim_uevent *u = uevent_listen(f);
	char want[64];
	long fd;

	guest_stop(&f->g);
	assert_int_equal(guest_start(&f->g, NULL), 0);
	fd = expect_ok(&f->g, "nlsock %d nonblock", NETLINK_KOBJECT_UEVENT);
	snprintf(want, sizeof(want), "ok %d %d", AF_NETLINK, SOCK_RAW);
	assert_string_equal(guest_cmd(&f->g, "sockinfo %ld", fd), want);
	expect_ok(&f->g, "nlbind %ld", fd);
	assert_int_equal(hvsim_uevent_poll(u), 0);
	hvsim_uevent_close(u);
}

/* ---- SIOCGIFHWADDR ------------------------------------------------------ */

static void
test_hwaddr_of_vf(void **state)
{
	struct fixture *f = *state;
	struct hvsim_pci_spec s0, s1;
	char want[64];

	vf_spec(&s0, 0);
	vf_spec(&s1, 1);
	assert_int_equal(hvsim_pcitree_add(f->bus, &s0), 0);
	assert_int_equal(hvsim_pcitree_add(f->bus, &s1), 0);
	snprintf(want, sizeof(want), "ok %d 00155d0a0b10", ARPHRD_ETHER);
	assert_string_equal(guest_cmd(&f->g, "hwaddr enP30832s1"), want);
	snprintf(want, sizeof(want), "ok %d 00155d0a0b11", ARPHRD_ETHER);
	assert_string_equal(guest_cmd(&f->g, "hwaddr enP30833s2"), want);
	/* Unknown names are the kernel's: no such device here. */
	expect_err(&f->g, ENODEV, "hwaddr enP30834s3");
	expect_err(&f->g, ENODEV, "hwaddr ..");
	/* Not a socket: the kernel's answer, not ours. */
	expect_err(&f->g, ENOTTY, "hwaddr enP30832s1 file");
	/* Gone with the device. */
	assert_int_equal(hvsim_pcitree_remove(f->bus, &s0), 0);
	expect_err(&f->g, ENODEV, "hwaddr enP30832s1");
}

/* Names the shim does not know reach the kernel: lo is answered by it. */
static void
test_hwaddr_passes_through(void **state)
{
	struct fixture *f = *state;
	struct hvsim_pci_spec s;
	char want[64];

	snprintf(want, sizeof(want), "ok %d 000000000000", ARPHRD_LOOPBACK);
	assert_string_equal(guest_cmd(&f->g, "hwaddr lo"), want);
	vf_spec(&s, 0);
	assert_int_equal(hvsim_pcitree_add(f->bus, &s), 0);
	guest_stop(&f->g);
	assert_int_equal(guest_start(&f->g, NULL), 0);
	expect_err(&f->g, ENODEV, "hwaddr enP30832s1");
	assert_string_equal(guest_cmd(&f->g, "hwaddr lo"), want);
}

#define SHIM_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		SHIM_TEST(test_open_missing_device),
		SHIM_TEST(test_open_every_variant),
		SHIM_TEST(test_open_refused),
		SHIM_TEST(test_open_flags),
		SHIM_TEST(test_mmap_regions_shared),
		SHIM_TEST(test_mmap_invalid),
		SHIM_TEST(test_read_write_size),
		SHIM_TEST(test_write_reaches_host),
		SHIM_TEST(test_host_interrupt_read),
		SHIM_TEST(test_rescind_gives_eio),
		SHIM_TEST(test_mappings_keep_connection),
		SHIM_TEST(test_fd_keeps_connection),
		SHIM_TEST(test_partial_unmaps),
		SHIM_TEST(test_fixed_mapping_replaces),
		SHIM_TEST(test_ordinary_files_pass_through),
		SHIM_TEST(test_inactive_without_env),
		SHIM_TEST(test_uevent_format),
		SHIM_TEST(test_uevent_format_vmbus),
		SHIM_TEST(test_uevent_delivered),
		SHIM_TEST(test_uevent_multicast_and_poll),
		SHIM_TEST(test_uevent_bind_checks),
		SHIM_TEST(test_uevent_guest_close),
		SHIM_TEST(test_uevent_full_socket),
		SHIM_TEST(test_uevent_quiet_without_host),
		SHIM_TEST(test_uevent_other_protocols_pass),
		SHIM_TEST(test_uevent_inactive_without_env),
		SHIM_TEST(test_hwaddr_of_vf),
		SHIM_TEST(test_hwaddr_passes_through),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s LIBHVSIM_UIO_SO SHIM_CLIENT\n", argv[0]);
		return 2;
	}
	shim_path = argv[1];
	client_path = argv[2];
	page = sysconf(_SC_PAGESIZE);
	/* A guest that died must fail a test, not kill the runner. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
