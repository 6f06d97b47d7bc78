/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Files of a sysfs tree as the guest's kernel would have them, for the
 * VMBus (devtree.c) and PCI (pcitree.c) trees: directories made on the
 * way, attribute files written whole, subtrees removed. 0 or -errno.
 */

#ifndef HVSIM_SYSFS_H
#define HVSIM_SYSFS_H

#include <stddef.h>

#define HVSIM_SYSFS_DIR_MODE	0755
#define HVSIM_SYSFS_FILE_MODE	0644

/* mkdir -p. */
int hvsim_sysfs_mkdir_p(const char *path);
/* Every byte to fd, through short writes and EINTR. */
int hvsim_sysfs_write_all(int fd, const char *data, size_t len);
/* rm -r path: symlinks are removed, not followed; -ENOENT when absent. */
int hvsim_sysfs_remove_tree(const char *path);

#endif /* HVSIM_SYSFS_H */
