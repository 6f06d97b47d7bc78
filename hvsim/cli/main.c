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
#include "cli/options.h"
#include "cli/report.h"
#include "guestos/devtree.h"
#include "guestos/hvns.h"
#include "guestos/uevent.h"
#include "guestos/uio_shim.h"
#include "vf/vf.h"
#include "vmbus/nic.h"
#include "vsp/vsp.h"
#include "wire/vswitch.h"

static volatile sig_atomic_t stop_signal;
static pid_t child_pid = -1;

static void
on_signal(int sig)
{
	stop_signal = sig;
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* ---- namespace and guest ------------------------------------------------- */

/* The VF's PMD lives beside the shim (build/hvsim): every guest gets it,
 * as a VM's image carries the VF's driver. */
static const char *
vf_pmd_path(const struct hvsim_options *o)
{
	static char path[PATH_MAX];
	const char *slash = strrchr(o->shim_path, '/');
	int dir = slash != NULL ? (int)(slash - o->shim_path) : 1;

	snprintf(path, sizeof(path), "%.*s/librte_net_hvsim_vf.so", dir,
		 slash != NULL ? o->shim_path : ".");
	return access(path, R_OK) == 0 ? path : NULL;
}

static int
setup_namespace(const struct hvsim_options *o, const char *run_dir)
{
	static const char *const bundled_hide[] = { "librte_net_vdev_netvsc.", NULL };
	const char *add[HVSIM_MAX_PLUGINS + 2];
	char pmd_work[PATH_MAX];
	int i, n, ret;

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
	/* installed: the plugin directory as the system has it (a package
	 * that put its own net_netvsc there is what the guest loads) */
	if (strcmp(o->netvsc, "installed") == 0)
		return 0;
	for (i = 0; i < o->nplugins; i++)
		add[i] = o->plugins[i];
	n = i;
	if (vf_pmd_path(o) != NULL)
		add[n++] = vf_pmd_path(o);
	add[n] = NULL;
	snprintf(pmd_work, sizeof(pmd_work), "%s/pmd", run_dir);
	if (mkdir(pmd_work, 0755) < 0)
		return -errno;
	/* hvnet: our bus and PMD instead of the bundled three. bundled:
	 * DPDK's own, minus vdev_netvsc (the failsafe/tap approach). */
	if (strcmp(o->netvsc, "bundled") == 0)
		ret = hvns_overlay_plugins(HVNS_EAL_PMD_DIR, bundled_hide, add + o->nplugins,
					   pmd_work);
	else
		ret = hvns_overlay_plugins(HVNS_EAL_PMD_DIR, hvns_bundled_hyperv_plugins,
					   add, pmd_work);
	if (ret < 0) {
		fprintf(stderr, "hvsim: cannot lay the plugin directory over %s: %s\n",
			HVNS_EAL_PMD_DIR, strerror(-ret));
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
run_host(struct hvsim_options *o, struct hvsim_nic *nics, int nnics, struct hvsim_uevent *uev)
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
		for (i = 0; i < nnics; i++)
			work += hvsim_vf_poll(nics[i].vf);
		work += hvsim_uevent_poll(uev);
		work += hvsim_vswitch_poll(o->vswitch);
		work += hvsim_control_poll(o->control);
		for (i = 0; i < nnics; i++)
			hvsim_nic_pass_end(&nics[i]);
		if (o->strict && hvsim_total_violations(nics, nnics) > 0 && child_pid > 0) {
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
	struct hvsim_uevent *uev;
	struct hvsim_nic *nics;
	struct hvsim_options o;
	char run_dir[] = "/dev/shm/hvsim-XXXXXX", uio_dir[PATH_MAX];
	unsigned int k;
	int i, status, code, created = 0;

	if (hvsim_parse_options(argc, argv, &o) < 0)
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

	/* the kernel's uevent socket: where the VFs' hot plug is announced */
	uev = hvsim_uevent_listen(uio_dir);
	if (uev == NULL) {
		fprintf(stderr, "hvsim: cannot listen for the guest's uevent socket: %s\n",
			strerror(errno));
		return 2;
	}
	/* from here every failure frees what was made (LeakSanitizer at exit) */
	code = 2;
	o.control = NULL;
	o.vswitch = hvsim_vswitch_create(o.traffic, o.pcap);
	nics = calloc(o.nics, sizeof(*nics));
	if (nics == NULL || o.vswitch == NULL)
		goto out;
	for (i = 0; i < o.nics; i++) {
		struct hvsim_nic_config cfg = o.nic;

		cfg.mac[5] = (uint8_t)(cfg.mac[5] + i);
		if (hvsim_nic_create(&nics[i], i, "/sys/bus", uio_dir, &cfg) < 0)
			goto out;
		created++;
		nics[i].uev = uev;
		nics[i].strict = o.strict;
		vsp_corrupt_seed(&nics[i], o.seed);
		for (k = 0; k < HVSIM_CORRUPT_KINDS; k++)
			vsp_corrupt_set(&nics[i], k, o.corrupt_ppm[k]);
		nics[i].verbose = o.verbose;
		if (hvsim_vswitch_attach(o.vswitch, &nics[i]) < 0)
			goto out;
		nics[i].vf = hvsim_vf_create(&nics[i], &o.vf, uev);
		if (nics[i].vf == NULL)
			goto out;
		/* --vf-only: the guest sees the VF and nothing of VMBus (the NIC
		 * stays as the VF's switch port and MAC) */
		if (o.vf.only &&
		    hvsim_devtree_remove("/sys/bus", uio_dir, nics[i].cfg.spec.device_id) < 0)
			goto out;
	}
	if (setup_control(&o, nics) < 0)
		goto out;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	child_pid = fork();
	if (child_pid < 0) {
		perror("hvsim: fork");
		goto out;
	}
	if (child_pid == 0)
		exec_guest(&o, uio_dir);
	hvsim_control_set_guest(o.control, child_pid);

	status = run_host(&o, nics, o.nics, uev);
	code = exit_code(status, &o, nics, o.nics);
	if (o.stats_json != NULL)
		hvsim_write_stats_json(o.stats_json, nics, o.nics, o.vswitch);
	hvsim_print_summary(stderr, nics, o.nics, o.vswitch);
out:
	for (i = 0; i < created; i++) {
		hvsim_vf_destroy(nics[i].vf);
		nics[i].vf = NULL;
		hvsim_nic_destroy(&nics[i]);
	}
	hvsim_uevent_close(uev);
	hvsim_control_destroy(o.control);
	hvsim_vswitch_destroy(o.vswitch);
	umount2(run_dir, MNT_DETACH);
	rmdir(run_dir);
	free(nics);
	return code;
}
