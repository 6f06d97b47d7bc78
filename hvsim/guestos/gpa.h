/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Guest physical memory access for the host simulator.
 *
 * A guest DPDK process running with IOVA as PA hands hvsim guest physical
 * addresses (GPA-direct packets: pfn = PA >> 12). Real Hyper-V reads guest
 * memory by GPA; hvsim does the same without any help from the guest: it
 * finds the guest's shared hugetlbfs mappings in /proc/<pid>/maps, maps the
 * same files into the host through /proc/<pid>/map_files, and learns the
 * physical frame of every hugepage from the host's own /proc/self/pagemap.
 * Lookups are then a binary search over sorted physical segments.
 *
 * Requirements: root (map_files and pagemap frame numbers need
 * CAP_SYS_ADMIN). Only MAP_SHARED hugetlb memory is visible: hugetlbfs
 * files, memfd MFD_HUGETLB, MAP_ANONYMOUS|MAP_SHARED|MAP_HUGETLB. Private
 * hugetlb mappings and ordinary 4 KiB memory are not guest "RAM" here.
 *
 * Not thread-safe: one thread uses a handle (a miss rebuilds the table).
 * Pointers stay valid until hvsim_gpa_close(): hugepages the guest frees
 * later stay mapped (and allocated) in the host until then.
 */

#ifndef HVSIM_GPA_H
#define HVSIM_GPA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Guest memory map of one guest process. */
struct hvsim_gpa;

/*
 * Map the guest's current hugepage memory. A guest with no hugepages yet
 * is fine (they are found on the first miss). Returns NULL with errno set:
 * ESRCH/ENOENT (no such process), EPERM/EACCES (not root), ENOMEM.
 */
struct hvsim_gpa *hvsim_gpa_open(pid_t guest);

/*
 * Add a file the host shares with the guest as guest RAM: on Hyper-V a
 * NIC's receive and send buffers are guest pages (uio_hv_generic
 * allocates them in the guest kernel), so a guest may hand them back by
 * address, as a frame received in place and sent on. The handle maps the
 * first len bytes of fd itself (kept until hvsim_gpa_close(), whatever
 * happens to the caller's mapping or fd) and learns their 4 KiB frames
 * from its own pagemap. Their pages are searched only when the guest's
 * hugepages miss. A page added twice is found once.
 * Returns 0, or -EINVAL/-EFAULT (a page has no frame)/-ENOSPC/-ENOMEM/
 * -errno of mmap or madvise.
 */
int hvsim_gpa_add_host_file(struct hvsim_gpa *g, int fd, size_t len);

/* Unmap everything; NULL is a no-op. */
void hvsim_gpa_close(struct hvsim_gpa *g);

/*
 * Host pointer for guest physical range [gpa, gpa + len), or NULL when the
 * range is not one contiguously mapped piece of guest hugepage memory.
 * len may cross 4 KiB pages, and hugepages that are contiguous both
 * physically and in the host mapping. len 0 asks only whether gpa is
 * mapped. On a miss the guest's mappings are rescanned once (the guest may
 * have allocated more) before giving up. A hit does no syscall and no
 * allocation.
 */
void *hvsim_gpa_ptr(struct hvsim_gpa *g, uint64_t gpa, size_t len);

/*
 * Copy guest memory, crossing segment boundaries as needed. The whole
 * range is checked first: on -EFAULT nothing has been copied.
 * Return 0 or -EFAULT.
 */
int hvsim_gpa_read(struct hvsim_gpa *g, uint64_t gpa, void *dst, size_t len);
int hvsim_gpa_write(struct hvsim_gpa *g, uint64_t gpa, const void *src,
		    size_t len);

/* Number of physical segments in the table (merged runs of hugepages). */
unsigned int hvsim_gpa_segments(const struct hvsim_gpa *g);

#ifdef __cplusplus
}
#endif

#endif /* HVSIM_GPA_H */
