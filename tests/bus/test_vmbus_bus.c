/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * hvnet's VMBus bus against device trees built by the test, through the
 * same code paths a VM uses: sysfs under /sys/bus (a tmpfs bound there in a
 * private mount namespace), /dev/uioN (hvsim's LD_PRELOAD interposer),
 * Debian's EAL with its plugin directory overlaid so that our bus replaces
 * the bundled one. The test plays the host: it owns the region files and
 * the irq socket, and checks ring bytes exactly.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "guestos/devtree.h"
#include "guestos/hvns.h"
#include "guestos/irq.h"
#include "guestos/uio_shim.h"
#include "hv_ring.h"

#define DEV_A	"0a1b2c3d-0000-4000-8000-00000000000a"
#define DEV_B	"0a1b2c3d-0000-4000-8000-00000000000b"
#define RING_SIZE	(64 * 1024)	/* per direction, header page included */
#define OUT_MAX		(256 * 1024)
#define MAX_UIO		16
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *guest_bin, *bus_so, *shim_so, *pmd_dir;

struct scenario {
	char work[PATH_MAX];
	char bus_root[PATH_MAX];
	char uio_dir[PATH_MAX];
	char prefix[64];
	int irq_lfd;		/* first bound device's listener */
	int irq_lfds[MAX_UIO];	/* every bound device's */
	pid_t pid;
	int out_fd;
	char out[OUT_MAX];
	size_t out_len;
	int status;
	bool keep_bundled;	/* leave DPDK's bundled vmbus visible */
	bool keep_stderr;	/* the guest's stderr (EAL's log) into <work>/stderr */
};

/* ---- scenario plumbing ---- */

static void
scenario_init(struct scenario *s)
{
	static unsigned int seq;
	int i;

	memset(s, 0, sizeof(*s));
	snprintf(s->work, sizeof(s->work), "/dev/shm/hvnet-bus-XXXXXX");
	assert_non_null(mkdtemp(s->work));
	snprintf(s->bus_root, sizeof(s->bus_root), "%s/sysbus", s->work);
	snprintf(s->uio_dir, sizeof(s->uio_dir), "%s/uio", s->work);
	assert_int_equal(mkdir(s->bus_root, 0755), 0);
	assert_int_equal(mkdir(s->uio_dir, 0755), 0);
	snprintf(s->prefix, sizeof(s->prefix), "hvbus%d_%u", getpid(), seq++);
	s->irq_lfd = -1;
	for (i = 0; i < MAX_UIO; i++)
		s->irq_lfds[i] = -1;
	s->pid = -1;
}

static void
scenario_fini(struct scenario *s)
{
	char cmd[PATH_MAX + 64];

	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	for (int i = 0; i < MAX_UIO; i++)
		if (s->irq_lfds[i] >= 0)
			close(s->irq_lfds[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' /var/run/dpdk/%s /dev/hugepages/%smap_*",
		 s->work, s->prefix, s->prefix);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", s->work);
}

static void
default_spec(struct hvsim_dev_spec *spec, const char *uuid, int uio)
{
	hvsim_dev_spec_default(spec);
	snprintf(spec->device_id, sizeof(spec->device_id), "%s", uuid);
	spec->uio_num = uio;
	spec->relid = 14 + uio * 10;
	spec->monitor_id = 5;
	spec->numa_node = 0;
	spec->ring_size = RING_SIZE;
	spec->recv_buf_size = 1 << 20;
	spec->send_buf_size = 1 << 20;
	spec->recv_gpadl = 0xe1e10 + uio;
	spec->send_gpadl = 0xe1e20 + uio;
}

static void
add_device(struct scenario *s, const struct hvsim_dev_spec *spec)
{
	assert_int_equal(hvsim_devtree_add(s->bus_root, s->uio_dir, spec), 0);
	if (!spec->bound)
		return;
	assert_true(spec->uio_num < MAX_UIO);
	s->irq_lfds[spec->uio_num] = hvsim_irq_listen(s->uio_dir, spec->uio_num);
	assert_true(s->irq_lfds[spec->uio_num] >= 0);
	if (s->irq_lfd < 0)
		s->irq_lfd = s->irq_lfds[spec->uio_num];
}

/* Child: enter the namespace the guest sees, then exec it. */
static void
guest_exec(struct scenario *s, char **argv, int out_fd)
{
	/* The guest links our bus itself; the plugin directory must not
	 * bring in the bundled one (unless the test wants the conflict), nor
	 * the bundled netvsc, which would try to talk NVSP to nobody. */
	static const char *const hide_all[] = {
		"librte_bus_vmbus.", "librte_net_netvsc.", "librte_net_vdev_netvsc.", NULL
	};
	static const char *const hide_drivers[] = {
		"librte_net_netvsc.", "librte_net_vdev_netvsc.", NULL
	};
	static const char *const add_none[] = { NULL };
	char pmd_work[PATH_MAX];

	snprintf(pmd_work, sizeof(pmd_work), "%s/pmd-%d", s->work, getpid());
	if (mkdir(pmd_work, 0755) < 0 || hvns_enter() < 0 ||
	    mount(s->bus_root, "/sys/bus", NULL, MS_BIND, NULL) < 0 ||
	    hvns_overlay_plugins(pmd_dir, s->keep_bundled ? hide_drivers : hide_all,
				 add_none, pmd_work) < 0)
		_exit(90);
	setenv(HVSIM_UIO_DIR_ENV, s->uio_dir, 1);
	setenv("LD_PRELOAD", shim_so, 1);
	dup2(out_fd, STDOUT_FILENO);
	if (s->keep_stderr) {
		/* a file of its own: stdout is block-buffered, lines would mix */
		char path[PATH_MAX + 8];
		int fd;

		snprintf(path, sizeof(path), "%s/stderr", s->work);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
			_exit(92);
	}
	execv(guest_bin, argv);
	_exit(91);
}

static void
guest_start(struct scenario *s, const char *eal_extra, const char *op, ...)
{
	char *argv[64], prefix_arg[96];
	int n = 0, pipefd[2];
	char *extra = strdup(eal_extra ? eal_extra : ""), *tok, *save = NULL;
	va_list ap;

	argv[n++] = (char *)guest_bin;
	argv[n++] = "-l";
	argv[n++] = "0";
	snprintf(prefix_arg, sizeof(prefix_arg), "--file-prefix=%s", s->prefix);
	argv[n++] = prefix_arg;
	argv[n++] = "-m";
	argv[n++] = "64";
	argv[n++] = "--no-telemetry";
	argv[n++] = "--log-level=bus.vmbus:debug";
	for (tok = strtok_r(extra, " ", &save); tok && n < 40; tok = strtok_r(NULL, " ", &save))
		argv[n++] = tok;
	argv[n++] = "--";
	argv[n++] = (char *)op;
	va_start(ap, op);
	while (n < 62 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;

	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0)
		guest_exec(s, argv, pipefd[1]);
	close(pipefd[1]);
	s->out_fd = pipefd[0];
	free(extra);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool out_has_line(const struct scenario *s, const char *line);

/*
 * Read the guest's output until `line` appears (NULL: until it exits).
 * Returns false at the deadline or at end of output without the line.
 */
static bool
guest_read_until(struct scenario *s, const char *line, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = s->out_fd, .events = POLLIN };
	ssize_t n;

	while (line == NULL || !out_has_line(s, line)) {
		int left = (int)(deadline - now_ms());

		if (left <= 0)
			return false;
		if (poll(&pfd, 1, left) <= 0)
			continue;
		n = read(s->out_fd, s->out + s->out_len, sizeof(s->out) - 1 - s->out_len);
		if (n <= 0)
			return line == NULL;
		s->out_len += (size_t)n;
		s->out[s->out_len] = '\0';
	}
	return true;
}

/* Read the guest's output until it exits; kill it past the deadline. */
static void
guest_wait(struct scenario *s, int timeout_ms)
{
	if (!guest_read_until(s, NULL, timeout_ms))
		kill(s->pid, SIGKILL);
	close(s->out_fd);
	waitpid(s->pid, &s->status, 0);
	s->pid = -1;
	if (!WIFEXITED(s->status) || WEXITSTATUS(s->status) != 0)
		fprintf(stderr, "guest status 0x%x, output:\n%s\n", s->status, s->out);
}

static void
guest_run(struct scenario *s, const char *eal_extra, const char *op, const char *a1,
	  const char *a2, const char *a3)
{
	guest_start(s, eal_extra, op, a1, a2, a3, NULL);
	guest_wait(s, 30000);
}

/* Does the text hold this exact line? */
static bool
text_has_line(const char *text, const char *line)
{
	size_t len = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[len] == '\n' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

static bool
out_has_line(const struct scenario *s, const char *line)
{
	return text_has_line(s->out, line);
}

static void
assert_line(const struct scenario *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!out_has_line(s, line))
		fail_msg("missing line '%s' in guest output:\n%s", line, s->out);
}

static void
assert_exit_ok(const struct scenario *s)
{
	assert_true(WIFEXITED(s->status));
	assert_int_equal(WEXITSTATUS(s->status), 0);
}

/* ---- host view of shared memory ---- */

static void *
map_file(const char *path, size_t *size)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	assert_true(p != MAP_FAILED);
	*size = (size_t)st.st_size;
	return p;
}

static void *
map_region(const struct scenario *s, int uio, int idx, size_t *size)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/uio%d/map%d", s->uio_dir, uio, idx);
	return map_file(path, size);
}

/* Both rings of a channel as the host sees them: tx = guest->host. */
struct host_chan {
	void *mem;
	size_t size;
	struct hv_ring g2h, h2g;
};

static void
host_chan_attach(struct host_chan *hc, void *mem, size_t size, bool init)
{
	hc->mem = mem;
	hc->size = size;
	assert_int_equal(hv_ring_attach(&hc->g2h, mem, size / 2), 0);
	assert_int_equal(hv_ring_attach(&hc->h2g, (uint8_t *)mem + size / 2, size / 2), 0);
	if (init) {
		/* as the kernel does at open: poll-mode guest inbound masked */
		hv_ring_init_header(&hc->g2h, HV_RING_FEAT_PENDING_SEND_SZ);
		hv_ring_init_header(&hc->h2g, HV_RING_FEAT_PENDING_SEND_SZ);
		hc->h2g.hdr->interrupt_mask = 1;
	}
}

static void
host_primary(const struct scenario *s, int uio, struct host_chan *hc)
{
	size_t size;
	void *mem = map_region(s, uio, HV_UIO_TXRX_RING, &size);

	assert_int_equal(size, 2 * RING_SIZE);
	host_chan_attach(hc, mem, size, true);
}

/* Check one in-band packet the guest wrote at the host's read cursor. */
static void
expect_inband(struct host_chan *hc, uint64_t xid, const uint8_t *payload, size_t len)
{
	uint8_t scratch[4096];
	struct hv_ring_pkt pkt;
	const struct hv_pkt_desc *d;
	size_t padded = (sizeof(*d) + len + 7) & ~(size_t)7;
	size_t i;

	assert_int_equal(hv_ring_peek(&hc->g2h, &pkt, scratch, sizeof(scratch)), 1);
	d = pkt.data;
	assert_int_equal(d->type, HV_PKT_DATA_INBAND);
	assert_int_equal(d->offset8, 2);
	assert_int_equal(d->len8 * 8, padded);
	assert_int_equal(d->flags, HV_PKT_FLAG_COMPLETION_REQUESTED);
	assert_int_equal(d->trans_id, xid);
	assert_memory_equal((const uint8_t *)pkt.data + 16, payload, len);
	for (i = 16 + len; i < padded; i++)
		assert_int_equal(((const uint8_t *)pkt.data)[i], 0);
	hv_ring_consume(&hc->g2h, pkt.len);
}

/* ---- tests: scan ---- */

static void
test_bound_device_is_probed_with_exact_attributes(void **state)
{
	struct hvsim_dev_spec spec;
	struct scenario s;

	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	add_device(&s, &spec);
	guest_run(&s, NULL, "scan", NULL, NULL, NULL);
	assert_exit_ok(&s);
	assert_line(&s, "devices=1");
	assert_line(&s, "device=%s relid=14 monitor=5 uio=0 numa=0", DEV_A);
	assert_line(&s, "region0 size=%u gpadl=0", 2 * RING_SIZE);
	assert_line(&s, "region1 size=4096 gpadl=0");
	assert_line(&s, "region2 size=4096 gpadl=0");
	assert_line(&s, "region3 size=%u gpadl=%u", 1 << 20, 0xe1e10);
	assert_line(&s, "region4 size=%u gpadl=%u", 1 << 20, 0xe1e20);
	assert_line(&s, "removed=%s", DEV_A);	/* EAL cleanup detaches */
	scenario_fini(&s);
}

static void
test_hot_unplug_and_replug(void **state)
{
	struct hvsim_dev_spec spec;
	struct scenario s;

	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	add_device(&s, &spec);
	guest_run(&s, NULL, "replug", NULL, NULL, NULL);
	assert_exit_ok(&s);
	assert_line(&s, "removed=%s", DEV_A);
	assert_line(&s, "unplug=0");
	assert_line(&s, "plug=0 devices=1");
	assert_line(&s, "device=%s relid=14 monitor=5 uio=0 numa=0", DEV_A);
	assert_line(&s, "region3 size=%u gpadl=%u", 1 << 20, 0xe1e10);
	/* already probed: the bus answers -EEXIST, which EAL reports as
	 * success, and the driver is not called a second time */
	assert_line(&s, "plug_again=0 devices=1");
	scenario_fini(&s);
}

static void
test_unbound_device_is_skipped_with_one_line(void **state)
{
	struct hvsim_dev_spec a, b;
	struct scenario s;

	scenario_init(&s);
	default_spec(&a, DEV_A, 0);
	a.bound = false;
	default_spec(&b, DEV_B, 1);
	add_device(&s, &a);
	add_device(&s, &b);
	guest_run(&s, NULL, "scan", NULL, NULL, NULL);
	assert_exit_ok(&s);
	assert_line(&s, "devices=1");
	assert_line(&s, "device=%s relid=24 monitor=5 uio=1 numa=0", DEV_B);
	scenario_fini(&s);
}

#define UNBOUND_WARNING "vmbus: device %s is not bound to uio_hv_generic (driver: hv_netvsc):" \
	" skipped; bind it with 'vmbus-devbind --bind uio_hv_generic %s'"
#define UNBOUND_DEBUG "vmbus: device %s has driver hv_netvsc, not uio_hv_generic: not used"

/* Scan with DEV_A unbound, DEV_B bound; EAL's log (stderr) into `log`. */
static void
scan_with_unbound(const char *eal_extra, char *log, size_t size)
{
	struct hvsim_dev_spec a, b;
	struct scenario s;
	char path[PATH_MAX + 8];
	ssize_t n;
	int fd;

	scenario_init(&s);
	s.keep_stderr = true;
	default_spec(&a, DEV_A, 0);
	a.bound = false;
	default_spec(&b, DEV_B, 1);
	add_device(&s, &a);
	add_device(&s, &b);
	guest_run(&s, eal_extra, "scan", NULL, NULL, NULL);
	assert_exit_ok(&s);
	assert_line(&s, "devices=1");
	snprintf(path, sizeof(path), "%s/stderr", s.work);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, log, size - 1);
	close(fd);
	assert_true(n >= 0);
	log[n] = '\0';
	scenario_fini(&s);
}

static void
assert_log_line(const char *log, const char *fmt, const char *a1, const char *a2)
{
	char line[512];

	snprintf(line, sizeof(line), fmt, a1, a2);
	if (!text_has_line(log, line))
		fail_msg("missing line '%s' in EAL's log:\n%s", line, log);
}

/*
 * eth0 is a netvsc device the kernel keeps: a start without -a must not
 * warn about it (nor tell anyone to bind it), only say so at debug level.
 * Named with -a, the warning gives the command that binds it.
 */
static void
test_unbound_device_warns_only_when_named(void **state)
{
	static char log[OUT_MAX];

	scan_with_unbound("--log-level=bus.vmbus:info", log, sizeof(log));
	if (strstr(log, DEV_A) != NULL)
		fail_msg("unnamed unbound device %s in the log at info level:\n%s", DEV_A, log);
	scan_with_unbound(NULL, log, sizeof(log));
	assert_log_line(log, UNBOUND_DEBUG, DEV_A, NULL);
	scan_with_unbound("-a " DEV_A " -a " DEV_B " --log-level=bus.vmbus:info", log, sizeof(log));
	assert_log_line(log, UNBOUND_WARNING, DEV_A, DEV_A);
}

static void
test_absent_monitor_and_unknown_numa(void **state)
{
	struct hvsim_dev_spec spec;
	struct scenario s;

	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	spec.monitor_id = -1;
	spec.numa_node = -1;
	add_device(&s, &spec);
	guest_run(&s, NULL, "scan", NULL, NULL, NULL);
	assert_exit_ok(&s);
	assert_line(&s, "device=%s relid=14 monitor=-1 uio=0 numa=-1", DEV_A);
	scenario_fini(&s);
}

/*
 * A monitor id past the monitor page (the offer's byte, printed by the
 * kernel unchecked): the device is used, signalled without the monitor.
 */
static void
test_monitor_id_past_the_page_means_no_monitor(void **state)
{
	struct hvsim_dev_spec spec;
	struct scenario s;

	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	add_device(&s, &spec);
	assert_int_equal(hvsim_devtree_write_attr(s.bus_root, DEV_A, "monitor_id", "200\n"), 0);
	guest_run(&s, NULL, "scan", NULL, NULL, NULL);
	assert_exit_ok(&s);
	assert_line(&s, "devices=1");
	assert_line(&s, "device=%s relid=14 monitor=-1 uio=0 numa=0", DEV_A);
	scenario_fini(&s);
}

/* One malformed attribute per device; the good device is still probed. */
static void
test_malformed_attributes_skip_the_device(void **state)
{
	static const struct {
		const char *attr, *content;
	} bad[] = {
		{ "class_id", "{not-a-guid}\n" },
		{ "id", "fourteen\n" },
		{ "id", "16384\n" },		/* its int page bit would be out of the page */
		{ "monitor_id", "twelve\n" },
		{ "numa_node", "-7\n" },
		{ "device_id", "{0a1b2c3d-0000-4000-8000-0000000000ff}\n" },
		{ "uio/uio%d/maps/map3/name", "bogus\n" },
		{ "uio/uio%d/maps/map0/size", "0x\n" },
	};
	char uuid[40], attr[128];
	struct hvsim_dev_spec spec;
	struct scenario s;
	unsigned int i;

	scenario_init(&s);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(uuid, sizeof(uuid), "0a1b2c3d-0000-4000-8000-0000000001%02u", i);
		default_spec(&spec, uuid, (int)i);
		add_device(&s, &spec);
		snprintf(attr, sizeof(attr), bad[i].attr, (int)i);
		assert_int_equal(hvsim_devtree_write_attr(s.bus_root, uuid, attr, bad[i].content), 0);
	}
	default_spec(&spec, DEV_A, 9);
	add_device(&s, &spec);
	guest_run(&s, NULL, "scan", NULL, NULL, NULL);
	assert_exit_ok(&s);
	assert_line(&s, "devices=1");
	assert_line(&s, "device=%s relid=104 monitor=5 uio=9 numa=0", DEV_A);
	scenario_fini(&s);
}

static void
test_allow_list_probes_only_the_named_device(void **state)
{
	struct hvsim_dev_spec a, b;
	struct scenario s;

	scenario_init(&s);
	default_spec(&a, DEV_A, 0);
	default_spec(&b, DEV_B, 1);
	add_device(&s, &a);
	add_device(&s, &b);
	guest_run(&s, "-a " DEV_B, "scan", NULL, NULL, NULL);
	assert_exit_ok(&s);
	assert_line(&s, "devices=1");
	assert_line(&s, "device=%s relid=24 monitor=5 uio=1 numa=0", DEV_B);
	scenario_fini(&s);
}

/* A device probed at run time picks up the devargs EAL inserted for it,
 * so an allow list given at start does not refuse it. */
static void
test_hotplug_under_allow_list(void **state)
{
	struct hvsim_dev_spec a, b;
	struct scenario s;

	scenario_init(&s);
	default_spec(&a, DEV_A, 0);
	default_spec(&b, DEV_B, 1);
	add_device(&s, &a);
	add_device(&s, &b);
	guest_run(&s, "-a " DEV_A, "hotplug", DEV_B, NULL, NULL);
	assert_exit_ok(&s);
	assert_line(&s, "hotplug=0 devices=2");
	scenario_fini(&s);
}

static void
test_block_list_skips_the_named_device(void **state)
{
	struct hvsim_dev_spec a, b;
	struct scenario s;

	scenario_init(&s);
	default_spec(&a, DEV_A, 0);
	default_spec(&b, DEV_B, 1);
	add_device(&s, &a);
	add_device(&s, &b);
	guest_run(&s, "-b {" DEV_A "}", "scan", NULL, NULL, NULL);
	assert_exit_ok(&s);
	assert_line(&s, "devices=1");
	assert_line(&s, "device=%s relid=24 monitor=5 uio=1 numa=0", DEV_B);
	scenario_fini(&s);
}

static void
test_iova_va_fails_probe_clearly(void **state)
{
	struct hvsim_dev_spec spec;
	struct scenario s;

	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	add_device(&s, &spec);
	guest_run(&s, "--iova-mode=va", "scan", NULL, NULL, NULL);
	assert_exit_ok(&s);
	assert_line(&s, "devices=0");
	scenario_fini(&s);
}

static void
test_bundled_vmbus_in_same_process_disables_ours(void **state)
{
	struct hvsim_dev_spec spec;
	struct scenario s;

	scenario_init(&s);
	s.keep_bundled = true;
	default_spec(&spec, DEV_A, 0);
	add_device(&s, &spec);
	guest_run(&s, NULL, "scan", NULL, NULL, NULL);
	assert_exit_ok(&s);
	assert_line(&s, "devices=0");
	scenario_fini(&s);
}

/* ---- tests: channel I/O ---- */

static const uint8_t payload5[] = { 0xde, 0xad, 0xbe, 0xef, 0x42 };

static void
test_send_inband_signals_through_monitor(void **state)
{
	struct hvsim_dev_spec spec;
	struct host_chan hc;
	struct hv_monitor_page *mon;
	struct scenario s;
	uint64_t trailer;
	size_t size;

	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	spec.monitor_id = 37;		/* group 1, bit 5 */
	add_device(&s, &spec);
	host_primary(&s, 0, &hc);
	mon = map_region(&s, 0, HV_UIO_MON_PAGE, &size);
	guest_run(&s, NULL, "send", "0x1122334455", "deadbeef42", NULL);
	assert_exit_ok(&s);
	assert_line(&s, "send=0 need_sig=1");
	expect_inband(&hc, 0x1122334455ULL, payload5, sizeof(payload5));
	/* 16 + 5 bytes padded to 24, trailer holds start 0 << 32 */
	assert_int_equal(hc.g2h.hdr->write_index, 24 + 8);
	memcpy(&trailer, hc.g2h.data + 24, 8);
	assert_int_equal(trailer, 0);
	assert_int_equal(mon->trigger_group[1].pending, 1u << 5);
	assert_int_equal(mon->trigger_group[0].pending, 0);
	scenario_fini(&s);
}

static void
test_send_without_monitor_uses_int_page_and_uio_write(void **state)
{
	struct hvsim_dev_spec spec;
	struct host_chan hc;
	struct scenario s;
	uint32_t *bitmap, val = 0;
	uint8_t *int_page;
	size_t size;
	int cfd;

	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	spec.monitor_id = -1;
	spec.relid = 40;		/* word 1, bit 8 */
	add_device(&s, &spec);
	host_primary(&s, 0, &hc);
	int_page = map_region(&s, 0, HV_UIO_INT_PAGE, &size);
	guest_start(&s, NULL, "send", "7", "deadbeef42", NULL);
	cfd = hvsim_irq_accept(s.irq_lfd, 20000);
	assert_true(cfd >= 0);
	assert_int_equal(hvsim_irq_recv(cfd, &val, 20000), 0);
	assert_int_equal(val, 1);
	guest_wait(&s, 30000);
	assert_exit_ok(&s);
	assert_line(&s, "send=0 need_sig=1");
	expect_inband(&hc, 7, payload5, sizeof(payload5));
	bitmap = (uint32_t *)(int_page + HV_INT_PAGE_TX_OFFSET);
	assert_int_equal(bitmap[1], 1u << 8);
	assert_int_equal(bitmap[0], 0);
	/* the write unmasks in a real kernel; the bus masks again */
	assert_int_equal(hc.h2g.hdr->interrupt_mask, 1);
	close(cfd);
	scenario_fini(&s);
}

static void
test_send_to_masked_or_busy_host_does_not_signal(void **state)
{
	struct hvsim_dev_spec spec;
	struct host_chan hc;
	struct hv_monitor_page *mon;
	struct scenario s;
	size_t size;

	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	add_device(&s, &spec);
	host_primary(&s, 0, &hc);
	mon = map_region(&s, 0, HV_UIO_MON_PAGE, &size);
	hc.g2h.hdr->interrupt_mask = 1;		/* host is draining */
	guest_run(&s, NULL, "send", "1", "deadbeef42", NULL);
	assert_exit_ok(&s);
	assert_line(&s, "send=0 need_sig=0");
	assert_int_equal(mon->trigger_group[0].pending, 0);
	expect_inband(&hc, 1, payload5, sizeof(payload5));
	scenario_fini(&s);
}

static void
test_send_gpa_direct_layout(void **state)
{
	struct hvsim_dev_spec spec;
	struct host_chan hc;
	struct scenario s;
	uint8_t scratch[512];
	struct hv_ring_pkt pkt;
	const struct hv_gpa_direct_hdr *h;
	const struct hv_gpa_range *r;

	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	add_device(&s, &spec);
	host_primary(&s, 0, &hc);
	guest_run(&s, NULL, "send-gpa", "99", "0x12345", "0102030405060708");
	assert_exit_ok(&s);
	assert_line(&s, "send=0 need_sig=1");
	assert_int_equal(hv_ring_peek(&hc.g2h, &pkt, scratch, sizeof(scratch)), 1);
	h = pkt.data;
	assert_int_equal(h->desc.type, HV_PKT_DATA_GPA_DIRECT);
	assert_int_equal(h->desc.offset8, (24 + 16) / 8);
	assert_int_equal(h->desc.len8, (24 + 16 + 8) / 8);
	assert_int_equal(h->desc.flags, HV_PKT_FLAG_COMPLETION_REQUESTED);
	assert_int_equal(h->desc.trans_id, 99);
	assert_int_equal(h->range_count, 1);
	r = (const void *)(h + 1);
	assert_int_equal(r->byte_count, 1500);
	assert_int_equal(r->byte_offset, 64);
	assert_int_equal(r->pfn, 0x12345);
	assert_memory_equal((const uint8_t *)pkt.data + 40,
			    ((const uint8_t[]){ 1, 2, 3, 4, 5, 6, 7, 8 }), 8);
	scenario_fini(&s);
}

/* Multi-page ranges go as built: 32 of 3 PFNs each; 33 are refused,
 * nothing written. */
static void
test_send_mpb_layout_and_range_limit(void **state)
{
	struct hvsim_dev_spec spec;
	struct host_chan hc;
	struct scenario s;
	static uint8_t scratch[4096];
	struct hv_ring_pkt pkt;
	const struct hv_gpa_direct_hdr *h;
	const uint64_t *w;
	uint32_t i;

	(void)state;
	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	add_device(&s, &spec);
	host_primary(&s, 0, &hc);
	guest_run(&s, NULL, "send-mpb", "77", "0x4000", "32");
	assert_exit_ok(&s);
	assert_line(&s, "send=0 send_more=-22 need_sig=1");
	assert_int_equal(hv_ring_peek(&hc.g2h, &pkt, scratch, sizeof(scratch)), 1);
	h = pkt.data;
	assert_int_equal(h->desc.type, HV_PKT_DATA_GPA_DIRECT);
	assert_int_equal(h->desc.offset8, (24 + 32 * 32) / 8);
	assert_int_equal(h->desc.len8, (24 + 32 * 32 + 8) / 8);
	assert_int_equal(h->desc.flags, HV_PKT_FLAG_COMPLETION_REQUESTED);
	assert_int_equal(h->desc.trans_id, 77);
	assert_int_equal(h->range_count, 32);
	w = (const void *)(h + 1);
	for (i = 0; i < 32; i++) {
		assert_int_equal((uint32_t)w[4 * i], 5000);
		assert_int_equal(w[4 * i] >> 32, 0xf00);
		assert_int_equal(w[4 * i + 1], 0x4000);
		assert_int_equal(w[4 * i + 3], 0x4002);
	}
	assert_memory_equal((const uint8_t *)pkt.data + 24 + 32 * 32,
			    ((const uint8_t[]){ 1, 2 }), 2);
	scenario_fini(&s);
}

static void
host_write_inband(struct host_chan *hc, uint64_t xid, const void *payload, uint32_t len)
{
	struct hv_pkt_desc d = {
		.type = HV_PKT_COMPLETION,
		.offset8 = 2,
		.len8 = (uint16_t)((16 + len + 7) / 8),
		.trans_id = xid,
	};
	struct iovec iov[2] = { { &d, 16 }, { (void *)(uintptr_t)payload, len } };
	bool sig = false;

	assert_int_equal(hv_ring_write(&hc->h2g, iov, 2, &sig), 0);
}

/*
 * RX interrupts on a channel without a monitor: enabling clears the mask
 * and says that a packet is already waiting (the host wrote it while
 * masked, so it will never signal for it); a uio signal, which unmasks
 * the primary in the kernel, leaves the mask as the driver set it (0 while
 * enabled, 1 while disabled); a host interrupt reaches the callback.
 */
static void
test_intr_enable_rechecks_and_uio_signal_keeps_the_mask(void **state)
{
	struct hvsim_dev_spec spec;
	struct host_chan hc;
	struct scenario s;
	bool unused_sig = false;
	uint32_t val = 0;
	int cfd, second;

	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	spec.monitor_id = -1;
	add_device(&s, &spec);
	host_primary(&s, 0, &hc);
	hc.h2g.hdr->interrupt_mask = 1;		/* as the kernel opens it */
	host_write_inband(&hc, 9, payload5, sizeof(payload5));
	guest_start(&s, NULL, "intr", "10000", NULL);
	cfd = hvsim_irq_accept(s.irq_lfd, 20000);
	assert_true(cfd >= 0);
	assert_int_equal(hvsim_irq_recv(cfd, &val, 20000), 0);	/* the first send */
	assert_int_equal(val, 1);
	/* take it, or the second send finds the ring busy and rightly does
	 * not signal (test_send_to_masked_or_busy_host_does_not_signal) */
	expect_inband(&hc, 1, (const uint8_t[]){ 0x01 }, 1);
	hv_ring_read_commit(&hc.g2h, &unused_sig);	/* publish the read index */
	assert_int_equal(hvsim_irq_send(cfd, 1), 0);
	second = hvsim_irq_recv(cfd, &val, 20000);	/* the second send */
	guest_wait(&s, 30000);
	assert_exit_ok(&s);
	assert_line(&s, "cb=0");
	assert_line(&s, "start mask=1");
	assert_line(&s, "enable=1 mask=0 on=1");
	assert_line(&s, "disable mask=1 on=0");
	assert_line(&s, "signal_on mask=0");
	assert_line(&s, "callbacks=1");
	assert_line(&s, "signal_off mask=1");
	assert_int_equal(second, 0);
	assert_int_equal(hc.h2g.hdr->interrupt_mask, 1);
	close(cfd);
	scenario_fini(&s);
}

/*
 * The host leaves packets in the inbound ring, the middle one wrapping
 * around the end of the data area, and waits for room (pending_send_sz):
 * the guest reads every byte and signals the host exactly once.
 */
static void
test_recv_in_place_across_wrap_and_signal_blocked_host(void **state)
{
	uint8_t big[200];
	struct hvsim_dev_spec spec;
	struct host_chan hc;
	struct scenario s;
	uint32_t dsize, start;
	unsigned int i;
	char line[600];

	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	add_device(&s, &spec);
	host_primary(&s, 0, &hc);
	dsize = hc.h2g.dsize;
	start = dsize - 64;		/* second packet wraps */
	hc.h2g.hdr->write_index = hc.h2g.hdr->read_index = start;
	hv_ring_attach(&hc.h2g, (uint8_t *)hc.mem + hc.size / 2, hc.size / 2);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	host_write_inband(&hc, 1, "\x01\x02\x03\x04", 4);
	host_write_inband(&hc, 2, big, sizeof(big));
	host_write_inband(&hc, 3, "\xaa\xbb", 2);
	hc.h2g.hdr->pending_send_sz = dsize - 16;	/* blocked until drained */
	guest_run(&s, NULL, "recv", "3", "5000", NULL);
	assert_exit_ok(&s);
	assert_line(&s, "pkt type=11 flags=0 len=24 xid=1");
	assert_line(&s, "payload=0102030400000000");
	assert_line(&s, "pkt type=11 flags=0 len=216 xid=2");
	strcpy(line, "payload=");
	for (i = 0; i < sizeof(big); i++)
		sprintf(line + strlen(line), "%02x", big[i]);
	assert_line(&s, "%s", line);
	assert_line(&s, "payload=aabb000000000000");
	assert_line(&s, "received=3 signals=1 bad=0");
	assert_int_equal(hc.h2g.hdr->read_index, hc.h2g.hdr->write_index);
	scenario_fini(&s);
}

static void
test_recv_counts_malformed_descriptor_and_goes_on(void **state)
{
	struct hvsim_dev_spec spec;
	struct host_chan hc;
	struct scenario s;
	struct hv_pkt_desc bad = { .type = 6, .offset8 = 1, .len8 = 3, .trans_id = 9 };
	uint8_t body[8] = { 0 };
	struct iovec iov[2] = { { &bad, 16 }, { body, 8 } };
	bool sig = false;

	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	add_device(&s, &spec);
	host_primary(&s, 0, &hc);
	assert_int_equal(hv_ring_write(&hc.h2g, iov, 2, &sig), 0);
	host_write_inband(&hc, 4, "\x05", 1);
	guest_run(&s, NULL, "recv", "2", "5000", NULL);
	assert_exit_ok(&s);
	assert_line(&s, "bad=-74 len=24");
	assert_line(&s, "pkt type=11 flags=0 len=24 xid=4");
	assert_line(&s, "received=2 signals=0 bad=1");
	scenario_fini(&s);
}

/* ---- tests: subchannels ---- */

static void
test_late_subchannels_are_found_in_order(void **state)
{
	struct hvsim_dev_spec spec;
	struct host_chan hc;
	struct scenario s;
	char path[PATH_MAX];
	size_t size;
	void *mem;

	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	add_device(&s, &spec);
	guest_start(&s, NULL, "subchan", "2", "10000", NULL);
	usleep(300 * 1000);		/* offers arrive after the request */
	assert_int_equal(hvsim_devtree_add_subchannel(s.bus_root, DEV_A, 31, 2, -1, RING_SIZE), 0);
	assert_int_equal(hvsim_devtree_add_subchannel(s.bus_root, DEV_A, 30, 1, 7, RING_SIZE), 0);
	guest_wait(&s, 30000);
	assert_exit_ok(&s);
	assert_line(&s, "subchan relid=30 id=1");
	assert_line(&s, "subchan relid=31 id=2");
	assert_line(&s, "subchan_result=0 opened=2");
	snprintf(path, sizeof(path), "%s/vmbus/devices/%s/channels/30/ring", s.bus_root, DEV_A);
	mem = map_file(path, &size);
	host_chan_attach(&hc, mem, size, false);
	expect_inband(&hc, 100, (const uint8_t *)"\xc0\xff\xee", 3);
	snprintf(path, sizeof(path), "%s/vmbus/devices/%s/channels/31/ring", s.bus_root, DEV_A);
	mem = map_file(path, &size);
	host_chan_attach(&hc, mem, size, false);
	expect_inband(&hc, 101, (const uint8_t *)"\xc0\xff\xee", 3);
	scenario_fini(&s);
}

static void
test_missing_subchannel_times_out_within_deadline(void **state)
{
	struct hvsim_dev_spec spec;
	struct scenario s;
	int64_t t0;

	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	add_device(&s, &spec);
	t0 = now_ms();
	guest_run(&s, NULL, "subchan", "1", "500", NULL);
	assert_exit_ok(&s);
	assert_line(&s, "subchan_result=%d opened=0", -ETIMEDOUT);
	assert_true(now_ms() - t0 < 25000);
	scenario_fini(&s);
}

/* ---- tests: rescind, secondary process ---- */

static void
test_rescind_is_detected(void **state)
{
	struct hvsim_dev_spec spec;
	struct scenario s;
	int cfd;

	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	add_device(&s, &spec);
	guest_start(&s, NULL, "rescind", "20000", NULL);
	cfd = hvsim_irq_accept(s.irq_lfd, 20000);
	assert_true(cfd >= 0);
	usleep(200 * 1000);
	hvsim_irq_rescind(cfd);
	guest_wait(&s, 30000);
	assert_exit_ok(&s);
	assert_line(&s, "rescinded=1");
	scenario_fini(&s);
}

static void
test_rescind_then_remove_from_interrupt_thread(void **state)
{
	struct hvsim_dev_spec spec;
	struct scenario s;
	int cfd;

	scenario_init(&s);
	default_spec(&spec, DEV_A, 0);
	add_device(&s, &spec);
	guest_start(&s, NULL, "rescind-remove", "20000", NULL);
	cfd = hvsim_irq_accept(s.irq_lfd, 20000);
	assert_true(cfd >= 0);
	assert_true(guest_read_until(&s, "ready=1", 20000));
	hvsim_irq_rescind(cfd);
	guest_wait(&s, 30000);
	assert_exit_ok(&s);
	assert_line(&s, "event=%s type=1", DEV_A);
	assert_line(&s, "removed=%s", DEV_A);
	assert_line(&s, "removed_after_rescind=0");
	scenario_fini(&s);
}

/* A secondary maps the subchannel rings the primary opened, at the
 * primary's addresses, and sends on them. */
static void
test_secondary_process_sends_on_subchannel(void **state)
{
	struct hvsim_dev_spec spec;
	struct host_chan hc, hsub;
	struct scenario prim, sec;
	char path[PATH_MAX];
	size_t size;
	void *mem;

	scenario_init(&prim);
	default_spec(&spec, DEV_A, 0);
	add_device(&prim, &spec);
	host_primary(&prim, 0, &hc);
	assert_int_equal(hvsim_devtree_add_subchannel(prim.bus_root, DEV_A, 30, 1, 7, RING_SIZE), 0);
	snprintf(path, sizeof(path), "%s/vmbus/devices/%s/channels/30/ring", prim.bus_root, DEV_A);
	mem = map_file(path, &size);
	host_chan_attach(&hsub, mem, size, true);
	guest_start(&prim, NULL, "serve-sub", "20000", NULL);
	assert_true(guest_read_until(&prim, "serving=1", 30000));
	sec = prim;
	for (int i = 0; i < MAX_UIO; i++)
		sec.irq_lfds[i] = -1;
	sec.irq_lfd = -1;
	guest_start(&sec, "--proc-type=secondary", "secondary-send", "77", "deadbeef42", NULL);
	guest_wait(&sec, 30000);
	guest_wait(&prim, 30000);
	assert_exit_ok(&sec);
	assert_exit_ok(&prim);
	assert_line(&prim, "secondary_done=1");
	expect_inband(&hc, 77, payload5, sizeof(payload5));
	expect_inband(&hsub, 78, payload5, sizeof(payload5));
	scenario_fini(&prim);
}

static void
test_secondary_process_sends_on_primary_channel(void **state)
{
	struct hvsim_dev_spec spec;
	struct host_chan hc;
	struct scenario prim, sec;

	scenario_init(&prim);
	default_spec(&spec, DEV_A, 0);
	add_device(&prim, &spec);
	host_primary(&prim, 0, &hc);
	guest_start(&prim, NULL, "serve", "20000", NULL);
	/* the secondary shares the primary's tree, uio dir and file prefix */
	sec = prim;
	sec.irq_lfd = -1;
	for (int i = 0; i < MAX_UIO; i++)
		sec.irq_lfds[i] = -1;
	assert_true(guest_read_until(&prim, "serving=1", 30000));
	guest_start(&sec, "--proc-type=secondary", "secondary-send", "77", "deadbeef42", NULL);
	guest_wait(&sec, 30000);
	guest_wait(&prim, 30000);
	assert_exit_ok(&sec);
	assert_exit_ok(&prim);
	assert_line(&sec, "send=0 need_sig=1");
	assert_line(&prim, "secondary_done=1");
	expect_inband(&hc, 77, payload5, sizeof(payload5));
	scenario_fini(&prim);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bound_device_is_probed_with_exact_attributes),
		cmocka_unit_test(test_hot_unplug_and_replug),
		cmocka_unit_test(test_unbound_device_is_skipped_with_one_line),
		cmocka_unit_test(test_unbound_device_warns_only_when_named),
		cmocka_unit_test(test_absent_monitor_and_unknown_numa),
		cmocka_unit_test(test_monitor_id_past_the_page_means_no_monitor),
		cmocka_unit_test(test_malformed_attributes_skip_the_device),
		cmocka_unit_test(test_allow_list_probes_only_the_named_device),
		cmocka_unit_test(test_block_list_skips_the_named_device),
		cmocka_unit_test(test_hotplug_under_allow_list),
		cmocka_unit_test(test_iova_va_fails_probe_clearly),
		cmocka_unit_test(test_bundled_vmbus_in_same_process_disables_ours),
		cmocka_unit_test(test_send_inband_signals_through_monitor),
		cmocka_unit_test(test_send_without_monitor_uses_int_page_and_uio_write),
		cmocka_unit_test(test_send_to_masked_or_busy_host_does_not_signal),
		cmocka_unit_test(test_intr_enable_rechecks_and_uio_signal_keeps_the_mask),
		cmocka_unit_test(test_send_gpa_direct_layout),
		cmocka_unit_test(test_send_mpb_layout_and_range_limit),
		cmocka_unit_test(test_recv_in_place_across_wrap_and_signal_blocked_host),
		cmocka_unit_test(test_recv_counts_malformed_descriptor_and_goes_on),
		cmocka_unit_test(test_late_subchannels_are_found_in_order),
		cmocka_unit_test(test_missing_subchannel_times_out_within_deadline),
		cmocka_unit_test(test_rescind_is_detected),
		cmocka_unit_test(test_rescind_then_remove_from_interrupt_thread),
		cmocka_unit_test(test_secondary_process_sends_on_primary_channel),
		cmocka_unit_test(test_secondary_process_sends_on_subchannel),
	};

	guest_bin = getenv("VMBUS_GUEST");
	bus_so = getenv("VMBUS_BUS_SO");
	shim_so = getenv("HVSIM_SHIM_SO");
	pmd_dir = getenv("DPDK_PMD_DIR");
	if (!guest_bin || !bus_so || !shim_so || !pmd_dir) {
		fprintf(stderr, "VMBUS_GUEST, VMBUS_BUS_SO, HVSIM_SHIM_SO, DPDK_PMD_DIR must be set\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
