/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * hvsim: run a command on a simulated Hyper-V host.
 *
 *   hvsim [options] -- COMMAND [ARGS]
 *
 * The host process enters a private mount namespace, lays a sysfs tree
 * for the simulated NICs over /sys/bus and a DPDK plugin directory over
 * the distribution's (ours or DPDK's bundled netvsc), then runs COMMAND
 * with the /dev/uioN interposer preloaded, and plays Hyper-V until COMMAND
 * exits. The exit status is COMMAND's, or 3 when strict mode saw the
 * guest break a protocol rule.
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/control.h"
#include "cli/hvsim.h"
#include "guestos/hvns.h"
#include "guestos/uio_shim.h"
#include "vmbus/nic.h"
#include "wire/vswitch.h"

#define MAX_NICS	8

static volatile sig_atomic_t stop_signal;
static pid_t child_pid = -1;

static void
on_signal(int sig)
{
	stop_signal = sig;
	if (child_pid > 0)
		kill(child_pid, sig);
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: hvsim [options] -- COMMAND [ARGS]\n"
		"  --netvsc=hvnet|bundled  netvsc implementation the guest loads (default hvnet)\n"
		"  --nics=N                synthetic NICs (default 1, at most %d)\n"
		"  --mac=XX:XX:XX:XX:XX:XX MAC of NIC 0; NIC i adds i to the last byte\n"
		"  --mtu=N                 maximum frame size reported (default 1500)\n"
		"  --speed=MBPS            link speed (default 10000)\n"
		"  --link=up|down          initial link state (default up)\n"
		"  --nvsp-max=VERSION      newest NVSP version accepted (default 0x60001)\n"
		"  --subchannels=N         most subchannels granted (default 63)\n"
		"  --rx-slot=BYTES         receive buffer slot size (default 1728)\n"
		"  --tx-section=BYTES      send buffer section size (default 6144)\n"
		"  --lso-max=BYTES         LSOv2 max size advertised (default 62780)\n"
		"  --lso-min-segs=N        LSOv2 min segment count advertised (default 2)\n"
		"  --no-monitor            channels have no monitor id\n"
		"  --traffic=KIND[:ARGS]   the other side of the wire (default loop):\n"
		"                          loop | none\n"
		"                          gen[:rate=PPS,count=N,flows=N,sizes=A/B,burst=N,delay=MS,\n"
		"                              ports=S>D/S>D,dst=MAC,proto=udp|tcp,ip=4|6,badsum=N]\n"
		"                          tap[:addrP=A.B.C.D/LEN|none,mtu=N,ns=PREFIX,dev=PREFIX,ipv6=1]\n"
		"  --pcap=FILE             record every frame crossing the switch\n"
		"  --control=PATH          Unix socket taking scenario commands (link, speed,\n"
		"                          delay, mute, unmute, stats, quit, help)\n"
		"  --at=[ready+]SECS:CMD   run a scenario command at a time (repeatable)\n"
		"  --strict                a protocol violation by the guest is fatal\n"
		"  --stats-json=FILE       counters written at exit\n"
		"  --plugin=FILE           extra plugin for the guest's plugin directory\n"
		"  -v, --verbose           log every control message\n",
		MAX_NICS);
}

static int
parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return (errno || *end || end == s || *out > max) ? -EINVAL : 0;
}

static void
default_options(struct hvsim_options *o)
{
	static const uint8_t mac[6] = { 0x00, 0x15, 0x5d, 0x42, 0x00, 0x10 };

	memset(o, 0, sizeof(*o));
	o->netvsc = "hvnet";
	o->nics = 1;
	memcpy(o->nic.mac, mac, 6);
	o->nic.mtu = 1500;
	o->nic.speed_mbps = 10000;
	o->nic.link_up = true;
	o->nic.nvsp_max = 0x60001;
	o->nic.max_subchannels = 63;
	o->nic.rx_slot_size = 1728;
	o->nic.tx_section_size = 6144;
	o->nic.lso_max = 62780;		/* protocol doc, appendix K */
	o->nic.lso_min_segs = 2;
	o->nic.monitor = true;
	o->traffic = "loop";
}

enum {
	OPT_NETVSC = 256, OPT_NICS, OPT_MAC, OPT_MTU, OPT_SPEED, OPT_LINK,
	OPT_NVSP_MAX, OPT_SUBCH, OPT_RX_SLOT, OPT_TX_SECTION, OPT_NO_MONITOR,
	OPT_TRAFFIC, OPT_STRICT, OPT_STATS, OPT_PLUGIN, OPT_PCAP,
	OPT_CONTROL, OPT_AT,
};

/* Offload limits (vsp/offload.h); their own numbers keep this apart. */
enum { OPT_LSO_MAX = 512, OPT_LSO_MIN_SEGS };

static int
apply_offload_option(struct hvsim_options *o, int opt, const char *arg)
{
	unsigned long long v;

	if (opt == OPT_LSO_MAX && parse_uint(arg, 65536, &v) == 0 && v >= 1) {
		o->nic.lso_max = (uint32_t)v;
		return 0;
	}
	if (opt == OPT_LSO_MIN_SEGS && parse_uint(arg, 64, &v) == 0 && v >= 1) {
		o->nic.lso_min_segs = (uint32_t)v;
		return 0;
	}
	return -EINVAL;
}

static int
apply_option(struct hvsim_options *o, int opt, const char *arg)
{
	unsigned long long v;

	if (opt == OPT_LSO_MAX || opt == OPT_LSO_MIN_SEGS)
		return apply_offload_option(o, opt, arg);
	switch (opt) {
	case OPT_NETVSC:
		if (strcmp(arg, "hvnet") && strcmp(arg, "bundled"))
			return -EINVAL;
		o->netvsc = arg;
		return 0;
	case OPT_NICS:
		if (parse_uint(arg, MAX_NICS, &v) || v == 0)
			return -EINVAL;
		o->nics = (int)v;
		return 0;
	case OPT_MAC:
		return hvsim_parse_mac(arg, o->nic.mac);
	case OPT_MTU:
		if (parse_uint(arg, 65535 - 14, &v) || v < 68)
			return -EINVAL;
		o->nic.mtu = (uint32_t)v;
		return 0;
	case OPT_SPEED:
		if (parse_uint(arg, 1000000, &v) || v == 0)
			return -EINVAL;
		o->nic.speed_mbps = v;
		return 0;
	case OPT_LINK:
		if (strcmp(arg, "up") && strcmp(arg, "down"))
			return -EINVAL;
		o->nic.link_up = strcmp(arg, "up") == 0;
		return 0;
	case OPT_NVSP_MAX:
		if (parse_uint(arg, UINT32_MAX, &v))
			return -EINVAL;
		o->nic.nvsp_max = (uint32_t)v;
		return 0;
	case OPT_SUBCH:
		if (parse_uint(arg, HVSIM_MAX_CHANNELS - 1, &v))
			return -EINVAL;
		o->nic.max_subchannels = (uint32_t)v;
		return 0;
	case OPT_RX_SLOT:
		if (parse_uint(arg, 65536, &v) || v < 68)
			return -EINVAL;
		o->nic.rx_slot_size = (uint32_t)v;
		return 0;
	case OPT_TX_SECTION:
		if (parse_uint(arg, 1 << 20, &v) || v < 68 || v % 4)
			return -EINVAL;
		o->nic.tx_section_size = (uint32_t)v;
		return 0;
	case OPT_NO_MONITOR:
		o->nic.monitor = false;
		return 0;
	case OPT_TRAFFIC:
		o->traffic = arg;	/* checked when the switch is made */
		return 0;
	case OPT_PCAP:
		o->pcap = arg;
		return 0;
	case OPT_STRICT:
		o->strict = true;
		return 0;
	case OPT_STATS:
		o->stats_json = arg;
		return 0;
	case OPT_PLUGIN:
		if (o->nplugins == HVSIM_MAX_PLUGINS)
			return -E2BIG;
		o->plugins[o->nplugins++] = arg;
		return 0;
	case OPT_CONTROL:
		o->control_path = arg;
		return 0;
	case OPT_AT:
		if (o->nat == HVSIM_MAX_AT)
			return -E2BIG;
		o->at[o->nat++] = arg;	/* checked when the control is made */
		return 0;
	case 'v':
		o->verbose++;
		return 0;
	}
	return -EINVAL;
}

static int
parse_args(int argc, char **argv, struct hvsim_options *o)
{
	static const struct option longopts[] = {
		{ "netvsc", required_argument, NULL, OPT_NETVSC },
		{ "nics", required_argument, NULL, OPT_NICS },
		{ "mac", required_argument, NULL, OPT_MAC },
		{ "mtu", required_argument, NULL, OPT_MTU },
		{ "speed", required_argument, NULL, OPT_SPEED },
		{ "link", required_argument, NULL, OPT_LINK },
		{ "nvsp-max", required_argument, NULL, OPT_NVSP_MAX },
		{ "subchannels", required_argument, NULL, OPT_SUBCH },
		{ "rx-slot", required_argument, NULL, OPT_RX_SLOT },
		{ "tx-section", required_argument, NULL, OPT_TX_SECTION },
		{ "lso-max", required_argument, NULL, OPT_LSO_MAX },
		{ "lso-min-segs", required_argument, NULL, OPT_LSO_MIN_SEGS },
		{ "no-monitor", no_argument, NULL, OPT_NO_MONITOR },
		{ "traffic", required_argument, NULL, OPT_TRAFFIC },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "stats-json", required_argument, NULL, OPT_STATS },
		{ "plugin", required_argument, NULL, OPT_PLUGIN },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "at", required_argument, NULL, OPT_AT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	default_options(o);
	while ((opt = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			exit(0);
		}
		if (opt == '?' || apply_option(o, opt, optarg) < 0) {
			fprintf(stderr, "hvsim: bad option %s%s%s: see hvsim --help\n",
				argv[optind - 1], optarg ? " " : "", optarg ? optarg : "");
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "hvsim: no command given: hvsim [options] -- COMMAND [ARGS]\n");
		return -EINVAL;
	}
	if (strcmp(o->netvsc, "bundled") == 0 && !o->nic.monitor) {
		fprintf(stderr, "hvsim: DPDK 22.11's bundled vmbus needs monitor ids: drop --no-monitor\n");
		return -EINVAL;
	}
	o->command = argv + optind;
	return 0;
}

/* ---- namespace and guest ------------------------------------------------- */

static int
setup_namespace(const struct hvsim_options *o, const char *run_dir)
{
	static const char *const bundled_hide[] = { "librte_net_vdev_netvsc.", NULL };
	const char *add[HVSIM_MAX_PLUGINS + 1];
	char pmd_work[PATH_MAX];
	int i, ret;

	ret = hvns_enter();
	if (ret == 0)
		ret = hvns_mount_sysfs_bus();
	/* region files and the plugin view on a tmpfs of the namespace: they
	 * go with its last process instead of piling up in /dev/shm */
	if (ret == 0)
		ret = hvns_mount_tmpfs(run_dir);
	if (ret < 0) {
		fprintf(stderr, "hvsim: cannot set up the mount namespace: %s (run as root)\n",
			strerror(-ret));
		return ret;
	}
	for (i = 0; i < o->nplugins; i++)
		add[i] = o->plugins[i];
	add[i] = NULL;
	snprintf(pmd_work, sizeof(pmd_work), "%s/pmd", run_dir);
	if (mkdir(pmd_work, 0755) < 0)
		return -errno;
	/* hvnet: our bus and PMD instead of the bundled three. bundled:
	 * DPDK's own, minus vdev_netvsc (the failsafe/tap approach). */
	if (strcmp(o->netvsc, "bundled") == 0)
		ret = hvns_overlay_plugins(HVNS_DEBIAN_PMD_DIR, bundled_hide, NULL, pmd_work);
	else
		ret = hvns_overlay_plugins(HVNS_DEBIAN_PMD_DIR, hvns_bundled_hyperv_plugins,
					   add, pmd_work);
	if (ret < 0) {
		fprintf(stderr, "hvsim: cannot lay the plugin directory over %s: %s\n",
			HVNS_DEBIAN_PMD_DIR, strerror(-ret));
		return ret;
	}
	return 0;
}

static void
exec_guest(const struct hvsim_options *o, const char *uio_dir)
{
	const char *old = getenv("LD_PRELOAD");
	char preload[PATH_MAX * 2];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	snprintf(preload, sizeof(preload), "%s%s%s", o->shim_path,
		 old && *old ? ":" : "", old && *old ? old : "");
	setenv("LD_PRELOAD", preload, 1);
	setenv(HVSIM_UIO_DIR_ENV, uio_dir, 1);
	execvp(o->command[0], o->command);
	fprintf(stderr, "hvsim: cannot run %s: %s\n", o->command[0], strerror(errno));
	_exit(127);
}

/* Scenario control, when asked for; commands due at 0 run before the guest. */
static int
setup_control(struct hvsim_options *o, struct hvsim_nic *nics)
{
	int i;

	if (o->control_path == NULL && o->nat == 0)
		return 0;
	o->control = hvsim_control_create(o->control_path, nics, o->nics, o->vswitch);
	if (o->control == NULL)
		return -EINVAL;
	for (i = 0; i < o->nat; i++)
		if (hvsim_control_at(o->control, o->at[i]) < 0)
			return -EINVAL;
	hvsim_control_poll(o->control);
	return 0;
}

/* ---- the host loop ---------------------------------------------------------- */

static void
idle_pause(unsigned int idle_rounds)
{
	/* A real host polls at ~50 us; spin briefly, then sleep. */
	struct timespec ts = { 0, idle_rounds > 1000 ? 50000 : 0 };

	if (ts.tv_nsec)
		nanosleep(&ts, NULL);
}

static int
run_host(struct hvsim_options *o, struct hvsim_nic *nics, int nnics)
{
	unsigned int idle = 0;
	int status = 0, i;
	pid_t w;

	for (;;) {
		unsigned int work = 0;

		for (i = 0; i < nnics; i++)
			hvsim_nic_pass_begin(&nics[i]);
		for (i = 0; i < nnics; i++)
			work += hvsim_nic_poll(&nics[i], "/sys/bus");
		work += hvsim_vswitch_poll(o->vswitch);
		work += hvsim_control_poll(o->control);
		for (i = 0; i < nnics; i++)
			hvsim_nic_pass_end(&nics[i]);
		if (o->strict && hvsim_total_violations(nics, nnics) > 0) {
			fprintf(stderr, "hvsim: strict mode: stopping the guest\n");
			kill(child_pid, SIGKILL);
		}
		idle = work ? 0 : idle + 1;
		if (idle > 0 && idle % 256 == 0) {
			w = waitpid(child_pid, &status, WNOHANG);
			if (w == child_pid)
				break;
		}
		idle_pause(idle);
	}
	child_pid = -1;
	return status;
}

static int
exit_code(int status, const struct hvsim_options *o, struct hvsim_nic *nics, int n)
{
	if (o->strict && hvsim_total_violations(nics, n) > 0)
		return 3;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int
main(int argc, char **argv)
{
	struct hvsim_nic *nics;
	struct hvsim_options o;
	char run_dir[] = "/dev/shm/hvsim-XXXXXX", uio_dir[PATH_MAX];
	int i, status, code;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (geteuid() != 0) {
		fprintf(stderr, "hvsim: must run as root (mount namespaces, hugepages)\n");
		return 2;
	}
	o.shim_path = getenv("HVSIM_SHIM");
	if (o.shim_path == NULL || access(o.shim_path, R_OK) != 0) {
		fprintf(stderr, "hvsim: HVSIM_SHIM must name libhvsim_uio.so (./hvnet sim sets it)\n");
		return 2;
	}
	if (mkdtemp(run_dir) == NULL) {
		perror("hvsim: mkdtemp");
		return 2;
	}
	snprintf(uio_dir, sizeof(uio_dir), "%s/uio", run_dir);
	if (setup_namespace(&o, run_dir) < 0 || mkdir(uio_dir, 0755) < 0)
		return 2;

	o.vswitch = hvsim_vswitch_create(o.traffic, o.pcap);
	nics = calloc(o.nics, sizeof(*nics));
	if (nics == NULL || o.vswitch == NULL)
		return 2;
	for (i = 0; i < o.nics; i++) {
		struct hvsim_nic_config cfg = o.nic;

		cfg.mac[5] = (uint8_t)(cfg.mac[5] + i);
		if (hvsim_nic_create(&nics[i], i, "/sys/bus", uio_dir, &cfg) < 0)
			return 2;
		nics[i].strict = o.strict;
		nics[i].verbose = o.verbose;
		if (hvsim_vswitch_attach(o.vswitch, &nics[i]) < 0)
			return 2;
	}
	if (setup_control(&o, nics) < 0)
		return 2;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	child_pid = fork();
	if (child_pid < 0) {
		perror("hvsim: fork");
		return 2;
	}
	if (child_pid == 0)
		exec_guest(&o, uio_dir);
	hvsim_control_set_guest(o.control, child_pid);

	status = run_host(&o, nics, o.nics);
	code = exit_code(status, &o, nics, o.nics);
	if (o.stats_json != NULL)
		hvsim_write_stats_json(o.stats_json, nics, o.nics, o.vswitch);
	hvsim_print_summary(stderr, nics, o.nics, o.vswitch);
	for (i = 0; i < o.nics; i++)
		hvsim_nic_destroy(&nics[i]);
	hvsim_control_destroy(o.control);
	hvsim_vswitch_destroy(o.vswitch);
	umount2(run_dir, MNT_DETACH);
	rmdir(run_dir);
	free(nics);
	return code;
}
