/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Mount namespace set-up for a simulated guest; see hvns.h.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guestos/hvns.h"
#include "util.h"

#define SYSFS_BUS	"/sys/bus"
#define DIR_MODE	0755

const char *const hvns_bundled_hyperv_plugins[] = {
	"librte_bus_vmbus.",
	"librte_net_netvsc.",
	"librte_net_vdev_netvsc.",
	NULL,
};

/* The mount namespace hvns_enter() left, for what must outlive or be
 * seen outside ours (named network namespaces, the control socket). */
static int host_mnt_fd = -1;

static bool
is_dot_or_dotdot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

int
hvns_enter(void)
{
	if (host_mnt_fd < 0)
		host_mnt_fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (host_mnt_fd < 0)
		return -errno;
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	/* Mounts are usually shared with the host: make them private, or
	 * everything mounted below would show up outside. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	return 0;
}

/* setns() into a mount namespace also moves the root and the working
 * directory to that namespace's: put the working directory back, as the
 * guest and relative paths given on the command line depend on it. */
static int
enter_mnt_ns(int ns_fd, int cwd_fd)
{
	if (setns(ns_fd, CLONE_NEWNS) < 0)
		return -errno;
	if (cwd_fd >= 0 && fchdir(cwd_fd) < 0)
		return -errno;
	return 0;
}

int
hvns_in_host(int (*fn)(void *arg), void *arg)
{
	int ours, cwd, rc, back;

	if (host_mnt_fd < 0)
		return fn(arg);	/* never left the host's namespace */
	ours = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ours < 0 || cwd < 0) {
		rc = -errno;
		goto out;
	}
	rc = enter_mnt_ns(host_mnt_fd, -1);
	if (rc == 0)
		rc = fn(arg);
	back = enter_mnt_ns(ours, cwd);
	if (back < 0) {
		/* stranded outside our mounts: nothing of the guest's world works */
		fprintf(stderr, "hvns: cannot return to the private mount namespace: %s\n",
			strerror(-back));
		abort();
	}
out:
	if (ours >= 0)
		close(ours);
	if (cwd >= 0)
		close(cwd);
	return rc;
}

int
hvns_mount_tmpfs(const char *dir)
{
	if (mount("hvsim", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return -errno;
	return 0;
}

/* Bind entry `name` of the covered directory (reached through fd
 * `covered`) onto the same name in the new tmpfs at `dst_root`. */
static int
bind_back(int covered, const char *dst_root, const char *name)
{
	char src[PATH_MAX], dst[PATH_MAX];
	int rc;

	rc = fmt_path(src, sizeof(src), "/proc/self/fd/%d/%s", covered, name);
	if (rc == 0)
		rc = fmt_path(dst, sizeof(dst), "%s/%s", dst_root, name);
	if (rc < 0)
		return rc;
	if (mkdir(dst, DIR_MODE) < 0)
		return -errno;
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -errno;
	return 0;
}

static int
bind_host_buses(int covered)
{
	struct dirent *de;
	int fd, rc = 0;
	DIR *d;

	fd = openat(covered, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -errno;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (is_dot_or_dotdot(de->d_name) ||
		    strcmp(de->d_name, "vmbus") == 0 ||
		    strcmp(de->d_name, "pci") == 0)
			continue;
		rc = bind_back(covered, SYSFS_BUS, de->d_name);
	}
	closedir(d);
	return rc;
}

/* The guest's own PCI bus, empty: a Hyper-V VM has no PCI devices but
 * the ones the host gives it (hvsim_pcitree_add). */
static int
make_empty_pci_bus(void)
{
	static const char *const dirs[] = {
		SYSFS_BUS "/pci",
		SYSFS_BUS "/pci/devices",
		SYSFS_BUS "/pci/drivers",
		SYSFS_BUS "/pci/slots",
	};
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdir(dirs[i], DIR_MODE) < 0)
			return -errno;
	return 0;
}

int
hvns_mount_sysfs_bus(void)
{
	int covered, rc;

	/* Keep a handle on the host's /sys/bus: once covered, its buses
	 * are reachable only through it. */
	covered = open(SYSFS_BUS, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (covered < 0)
		return -errno;
	rc = hvns_mount_tmpfs(SYSFS_BUS);
	if (rc == 0) {
		rc = bind_host_buses(covered);
		if (rc == 0)
			rc = make_empty_pci_bus();
		if (rc < 0)
			umount2(SYSFS_BUS, MNT_DETACH);
	}
	close(covered);
	return rc;
}

/* ---- plugin overlay --------------------------------------------------- */

/*
 * Why bind mounts and not symlinks into a copy: the EAL resolves each
 * plugin with realpath() and refuses it when any directory on the way is
 * world-writable (/tmp, /dev/shm). Bound files keep every plugin's real
 * path inside pmd_dir, wherever work_dir and the added files live.
 */

/* The names a plugin file is known by: libX.so.M.m, libX.so.M, libX.so.
 * Fills out[] (NAME_MAX + 1 each) and returns how many there are. */
static int
plugin_names(const char *base, char out[3][NAME_MAX + 1])
{
	const char *so = strstr(base, ".so.");
	const char *minor_dot;
	int n = 0;

	snprintf(out[n++], NAME_MAX + 1, "%s", base);
	if (so == NULL)
		return n;
	minor_dot = strchr(so + 4, '.');
	if (minor_dot != NULL)
		snprintf(out[n++], NAME_MAX + 1, "%.*s",
			 (int)(minor_dot - base), base);
	snprintf(out[n++], NAME_MAX + 1, "%.*s", (int)(so + 3 - base), base);
	return n;
}

static const char *
base_name(const char *path)
{
	return strrchr(path, '/') + 1;
}

static bool
starts_with_any(const char *name, const char *const *prefixes)
{
	for (; prefixes != NULL && *prefixes != NULL; prefixes++)
		if (strncmp(name, *prefixes, strlen(*prefixes)) == 0)
			return true;
	return false;
}

/* Is `name` one of the names an added plugin will take? */
static bool
is_replaced(const char *name, const char *const *add_files)
{
	char names[3][NAME_MAX + 1];
	int i, n;

	for (; add_files != NULL && *add_files != NULL; add_files++) {
		n = plugin_names(base_name(*add_files), names);
		for (i = 0; i < n; i++)
			if (strcmp(name, names[i]) == 0)
				return true;
	}
	return false;
}

/* Make view/name show file or directory `src` (a bind mount on an empty
 * placeholder of the same kind). */
static int
bind_entry(const char *src, const char *view, const char *name, bool is_dir)
{
	char dst[PATH_MAX];
	int fd, rc;

	rc = fmt_path(dst, sizeof(dst), "%s/%s", view, name);
	if (rc < 0)
		return rc;
	if (is_dir) {
		if (mkdir(dst, DIR_MODE) < 0)
			return -errno;
	} else {
		fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -errno;
	return 0;
}

/* Show pmd_dir/name in the view: symlinks are copied (they resolve
 * inside pmd_dir once the view covers it), files and directories bound. */
static int
mirror_entry(int pmdfd, const char *pmd_dir, const char *view,
	     const char *name)
{
	char target[PATH_MAX], src[PATH_MAX], dst[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (fstatat(pmdfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode)) {
		n = readlinkat(pmdfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (fmt_path(dst, sizeof(dst), "%s/%s", view, name) < 0)
			return -ENAMETOOLONG;
		return symlink(target, dst) < 0 ? -errno : 0;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return 0;	/* nothing the EAL would load */
	if (fmt_path(src, sizeof(src), "%s/%s", pmd_dir, name) < 0)
		return -ENAMETOOLONG;
	return bind_entry(src, view, name, S_ISDIR(st.st_mode));
}

static int
mirror_plugins(const char *pmd_dir, const char *view,
	       const char *const *hide_prefixes, const char *const *add_files)
{
	struct dirent *de;
	int fd, rc = 0;
	DIR *d;

	fd = open(pmd_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -errno;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (is_dot_or_dotdot(de->d_name) ||
		    starts_with_any(de->d_name, hide_prefixes) ||
		    is_replaced(de->d_name, add_files))
			continue;
		rc = mirror_entry(dirfd(d), pmd_dir, view, de->d_name);
	}
	closedir(d);
	return rc;
}

/* Bind an added plugin in, with its soname links (each name links to the
 * next longer one, as packaged plugins do). */
static int
add_plugin(const char *view, const char *file)
{
	char names[3][NAME_MAX + 1];
	char link[PATH_MAX];
	struct stat st;
	int i, n, rc;

	if (file[0] != '/' || base_name(file)[0] == '\0')
		return -EINVAL;
	if (stat(file, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	n = plugin_names(base_name(file), names);
	rc = bind_entry(file, view, names[0], false);
	for (i = 1; rc == 0 && i < n; i++) {
		rc = fmt_path(link, sizeof(link), "%s/%s", view, names[i]);
		if (rc == 0 && symlink(names[i - 1], link) < 0)
			rc = -errno;
	}
	return rc;
}

int
hvns_overlay_plugins(const char *pmd_dir, const char *const *hide_prefixes,
		     const char *const *add_files, const char *work_dir)
{
	const char *const *file;
	char view[PATH_MAX];
	int rc;

	if (pmd_dir == NULL || work_dir == NULL || pmd_dir[0] != '/')
		return -EINVAL;
	rc = fmt_path(view, sizeof(view), "%s/pmds", work_dir);
	if (rc < 0)
		return rc;
	if (mkdir(view, DIR_MODE) < 0)
		return -errno;
	/* A mount point of its own, so that one detach undoes all below. */
	if (mount(view, view, NULL, MS_BIND, NULL) < 0)
		return -errno;
	rc = mirror_plugins(pmd_dir, view, hide_prefixes, add_files);
	for (file = add_files; rc == 0 && file != NULL && *file != NULL; file++)
		rc = add_plugin(view, *file);
	/* Recursive: the bound files inside the view must come along. */
	if (rc == 0 && mount(view, pmd_dir, NULL, MS_BIND | MS_REC, NULL) < 0)
		rc = -errno;
	if (rc < 0)
		umount2(view, MNT_DETACH);	/* drops the per-file binds */
	return rc;
}
