/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * A real DPDK 22.11 EAL against hvsim's PCI tree and uevent socket: the
 * test is the host (hvsim_pcitree_*, hvsim_uevent_*), pci_eal_guest is the
 * guest, run with LD_PRELOAD of the shim. Its PCI scan must find the VF
 * with the right identity, kernel-driver kind UNKNOWN and BAR 0; its
 * device-event monitor must get hvsim's add/remove uevents, and netvsc's
 * way of reading the VF's MAC (SIOCGIFHWADDR) must answer it.
 *
 * Usage (meson passes both): test_pci_eal LIBHVSIM_UIO_SO PCI_EAL_GUEST
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "guestos/pcitree.h"
#include "guestos/uevent.h"
#include "guestos/uio_shim.h"

#define START_TIMEOUT_MS	60000	/* EAL start loads every plugin */
#define REPLY_TIMEOUT_MS	10000
#define EXIT_TIMEOUT_MS		10000
#define KDRV_UNKNOWN		0	/* RTE_PCI_KDRV_UNKNOWN */
#define ARPHRD_ETHER_NUM	1

static const char *shim_path;
static const char *guest_path;

struct guest {
	pid_t pid;
	int to, from;
	char buf[16384];
	size_t have;
	char line[4096];
};

struct fixture {
	char base[PATH_MAX];
	char bus[PATH_MAX];
	char uio[PATH_MAX];
	char devices[PATH_MAX];
	struct hvsim_uevent *u;
	struct guest g;
};

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

/* ---- the guest ----------------------------------------------------------- */

static int
guest_start(struct fixture *f)
{
	struct guest *g = &f->g;
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
		setenv(HVSIM_UIO_DIR_ENV, f->uio, 1);
		setenv(HVSIM_SYSFS_PCI_DEVICES_ENV, f->devices, 1);
		execl(guest_path, guest_path, "--no-huge", "-m", "64",
		      "--no-shconf", "-l", "0", "--log-level=*:error",
		      (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	g->to = in[1];
	g->from = out[0];
	return 0;
}

static void
guest_send(struct guest *g, const char *cmd)
{
	size_t n = strlen(cmd);

	assert_int_equal(write(g->to, cmd, n), (ssize_t)n);
	assert_int_equal(write(g->to, "\n", 1), 1);
}

/* Next line, or NULL when none comes in time. */
static const char *
guest_line(struct guest *g, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = g->from, .events = POLLIN };

	for (;;) {
		char *nl = memchr(g->buf, '\n', g->have);
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (nl != NULL) {
			size_t len = (size_t)(nl - g->buf);

			if (len >= sizeof(g->line))
				len = sizeof(g->line) - 1;
			memcpy(g->line, g->buf, len);
			g->line[len] = '\0';
			g->have -= (size_t)(nl - g->buf) + 1;
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

/* The next line of the guest's protocol (EAL's own log lines skipped)
 * must be `want`. */
static void
expect_line(struct guest *g, const char *want, int timeout_ms)
{
	static const char *const ours[] = {
		"ready", "event ", "mac ", "pci ", "end", "scan ", "eal-", "monitor-",
	};
	const char *l;
	size_t i;

	for (;;) {
		l = guest_line(g, timeout_ms);
		if (l == NULL)
			fail_msg("guest said nothing; expected '%s'", want);
		for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
			if (strncmp(l, ours[i], strlen(ours[i])) == 0)
				break;
		if (i < sizeof(ours) / sizeof(ours[0]))
			break;
		print_message("# guest: %s\n", l);
	}
	if (strcmp(l, want) != 0)
		fail_msg("guest said '%s', expected '%s'", l, want);
}

static void
guest_stop(struct guest *g)
{
	int64_t deadline = now_ms() + EXIT_TIMEOUT_MS;
	int status = -1;

	if (g->pid <= 0)
		return;
	if (write(g->to, "exit\n", 5) < 0)
		fprintf(stderr, "guest gone before exit\n");
	close(g->to);
	while (waitpid(g->pid, &status, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(g->pid, SIGKILL);
			waitpid(g->pid, &status, 0);
			break;
		}
		usleep(1000);
	}
	close(g->from);
	g->pid = 0;
}

/* ---- fixture ------------------------------------------------------------- */

static int
setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	snprintf(f.base, sizeof(f.base), "/tmp/hvsim-pcieal-XXXXXX");
	assert_non_null(mkdtemp(f.base));
	snprintf(f.bus, sizeof(f.bus), "%s/bus", f.base);
	snprintf(f.uio, sizeof(f.uio), "%s/uio", f.base);
	snprintf(f.devices, sizeof(f.devices), "%s/pci/devices", f.bus);
	assert_int_equal(mkdir(f.uio, 0755), 0);
	f.u = hvsim_uevent_listen(f.uio);
	assert_non_null(f.u);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	guest_stop(&f->g);
	hvsim_uevent_close(f->u);
	rm_rf(f->base);
	return 0;
}

/* ---- the test ------------------------------------------------------------- */

static void
expect_pci_line(struct guest *g, const char *bdf)
{
	char want[256];
	unsigned int domain;

	assert_int_equal(sscanf(bdf, "%x", &domain), 1);
	snprintf(want, sizeof(want),
		 "pci %s 1414:f0f1 sub 1414:f0f1 class 020000 numa -1 kdrv %d "
		 "bar0 %#llx len 65536", bdf, KDRV_UNKNOWN,
		 0x40000000000ULL + ((unsigned long long)domain << 32));
	expect_line(g, want, REPLY_TIMEOUT_MS);
}

static void
test_eal_finds_vf_and_gets_events(void **state)
{
	struct fixture *f = *state;
	struct hvsim_uevent_stats st;
	struct hvsim_pci_spec s0, s1;
	char want[128];

	vf_spec(&s0, 0);
	vf_spec(&s1, 1);
	assert_int_equal(hvsim_pcitree_add(f->bus, &s0), 0);
	assert_int_equal(guest_start(f), 0);
	expect_line(&f->g, "ready", START_TIMEOUT_MS);

	/* EAL's scan at startup found the VF already there */
	guest_send(&f->g, "list");
	expect_pci_line(&f->g, "7870:00:02.0");
	expect_line(&f->g, "end", REPLY_TIMEOUT_MS);

	/* hot add: the uevent, then netvsc's MAC lookup */
	assert_int_equal(hvsim_pcitree_add(f->bus, &s1), 0);
	assert_int_equal(hvsim_uevent_pci(f->u, "add", &s1), 1);
	expect_line(&f->g, "event 7871:00:02.0 0", REPLY_TIMEOUT_MS);
	snprintf(want, sizeof(want), "mac 7871:00:02.0 enP30833s2 %d 00155d0a0b11",
		 ARPHRD_ETHER_NUM);
	expect_line(&f->g, want, REPLY_TIMEOUT_MS);
	/* rte_dev_probe's first step, the bus scan, now finds both */
	guest_send(&f->g, "rescan");
	expect_line(&f->g, "scan 0", REPLY_TIMEOUT_MS);
	expect_pci_line(&f->g, "7870:00:02.0");
	expect_pci_line(&f->g, "7871:00:02.0");
	expect_line(&f->g, "end", REPLY_TIMEOUT_MS);

	/* bind is no event for the EAL; remove is */
	assert_int_equal(hvsim_uevent_pci(f->u, "bind", &s1), 1);
	assert_int_equal(hvsim_pcitree_remove(f->bus, &s1), 0);
	assert_int_equal(hvsim_uevent_pci(f->u, "remove", &s1), 1);
	expect_line(&f->g, "event 7871:00:02.0 1", REPLY_TIMEOUT_MS);

	hvsim_uevent_get_stats(f->u, &st);
	assert_int_equal(st.accepted, 1);
	assert_int_equal(st.delivered, 3);
	assert_int_equal(st.missed, 0);
	/* EAL closes its socket on exit: the host reaps it */
	guest_stop(&f->g);
	assert_int_equal(hvsim_uevent_poll(f->u), 1);
	hvsim_uevent_get_stats(f->u, &st);
	assert_int_equal(st.guests, 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_eal_finds_vf_and_gets_events,
						setup, teardown),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s LIBHVSIM_UIO_SO PCI_EAL_GUEST\n", argv[0]);
		return 2;
	}
	shim_path = argv[1];
	guest_path = argv[2];
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
