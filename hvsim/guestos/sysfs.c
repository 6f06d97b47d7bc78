/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Files of a sysfs tree: see sysfs.h.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guestos/sysfs.h"
#include "util.h"

int
hvsim_sysfs_mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	char saved;
	char *p;

	if (fmt_path(tmp, sizeof(tmp), "%s", path) < 0)
		return -ENAMETOOLONG;
	for (p = tmp + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		saved = *p;
		*p = '\0';
		if (mkdir(tmp, HVSIM_SYSFS_DIR_MODE) < 0 && errno != EEXIST)
			return -errno;
		*p = saved;
		if (saved == '\0')
			return 0;
	}
}

int
hvsim_sysfs_write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int remove_tree_at(int dirfd, const char *name);

static int
remove_dir_contents(int fd)
{
	struct dirent *de;
	int r, rc = 0;
	DIR *d;

	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = remove_tree_at(dirfd(d), de->d_name);
		if (r < 0 && rc == 0)
			rc = r;
	}
	closedir(d);
	return rc;
}

/* rm -r name (relative to dirfd); symlinks are removed, not followed. */
static int
remove_tree_at(int dirfd, const char *name)
{
	struct stat st;
	int fd, rc;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = remove_dir_contents(fd);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

int
hvsim_sysfs_remove_tree(const char *path)
{
	return remove_tree_at(AT_FDCWD, path);
}
