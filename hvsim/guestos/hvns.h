/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The private world a simulated guest runs in: a mount namespace in which
 * /sys/bus shows hvsim's VMBus devices and DPDK's plugin directory shows
 * our drivers instead of the bundled Hyper-V ones. Nothing done here is
 * visible outside the namespace, and it all goes away with its last
 * process.
 *
 * Needs CAP_SYS_ADMIN. Functions return 0 or a negative errno.
 */

#ifndef HVSIM_HVNS_H
#define HVSIM_HVNS_H

#ifdef __cplusplus
extern "C" {
#endif

/* The RTE_EAL_PMD_PATH of the DPDK hvnet is built against (meson.build):
 * its EAL loads every plugin found there at startup. */
#ifndef HVNET_DPDK_PMD_DIR
#error "HVNET_DPDK_PMD_DIR (the EAL's plugin directory) comes from meson.build"
#endif
#define HVNS_EAL_PMD_DIR	HVNET_DPDK_PMD_DIR

/* Name prefixes of the bundled plugins that would claim VMBus devices;
 * NULL-terminated, for hvns_overlay_plugins(). */
extern const char *const hvns_bundled_hyperv_plugins[];

/* Move the calling process into a new mount namespace in which every
 * mount is private, so nothing propagates back to the host. */
int hvns_enter(void);

/*
 * Run fn(arg) in the mount namespace hvns_enter() left (directly when it
 * was never called), then come back; the working directory is kept.
 * For mounts and sockets that must be visible outside, such as a named
 * network namespace under /run/netns. Returns fn's result or -errno.
 * The process must be single-threaded (setns()).
 */
int hvns_in_host(int (*fn)(void *arg), void *arg);

/* Mount a fresh tmpfs on existing directory `dir`. */
int hvns_mount_tmpfs(const char *dir);

/*
 * Mount a fresh tmpfs on /sys/bus, for hvsim_devtree_add("/sys/bus", ...)
 * and hvsim_pcitree_add("/sys/bus", ...). The PCI bus is hvsim's own and
 * starts empty (pci/devices/, pci/drivers/, pci/slots/), as in a VM whose
 * only PCI devices are the ones the host gives it: the host's PCI devices
 * stay hidden, like a real vmbus. The host's other buses (platform, cpu,
 * ...) are bind-mounted back, because the EAL and tools may look at them.
 * Call after hvns_enter().
 */
int hvns_mount_sysfs_bus(void);

/*
 * Show, at pmd_dir, every entry of pmd_dir except those whose name starts
 * with one of hide_prefixes, plus add_files (absolute paths of regular
 * files; for a file libX.so.M.m the links libX.so.M and libX.so are added
 * too, as the packaged plugins have; an added name replaces a packaged
 * one). Both lists are NULL-terminated and may be NULL.
 *
 * The view is built in work_dir/pmds (work_dir: any directory, ideally a
 * tmpfs from hvns_mount_tmpfs) and bind-mounted over pmd_dir. Files in it
 * are bind mounts of the originals and symlinks are copied, never links
 * to pmd_dir (they would loop once the view covers it) nor to work_dir:
 * the EAL rejects a plugin whose realpath() crosses a world-writable
 * directory such as /tmp, so every plugin's real path stays in pmd_dir.
 * Call after hvns_enter().
 */
int hvns_overlay_plugins(const char *pmd_dir,
			 const char *const *hide_prefixes,
			 const char *const *add_files, const char *work_dir);

#ifdef __cplusplus
}
#endif

#endif /* HVSIM_HVNS_H */
