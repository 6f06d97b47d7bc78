/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Guest physical address -> host pointer, the way a hypervisor does it:
 * from the guest's page tables, with no guest cooperation (see gpa.h).
 *
 * Two tables:
 *  - file maps: host mmaps of guest hugetlbfs file ranges, sorted by
 *    (dev, inode, file offset) so that a rescan maps only what is new;
 *  - segments: (PA, length, host VA) sorted by PA, physically and
 *    host-virtually contiguous hugepages merged. Lookups search this.
 * And a third for the host's own memory the guest maps too (the NICs'
 * buffers, hvsim_gpa_add_host_file): their 4 KiB pages, thousands of
 * segments, in a table of their own that a lookup searches only when the
 * guest's hugepages miss, so that the common lookup stays a few steps.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "guestos/gpa.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23	/* Linux 5.14 */
#endif

/* /proc/<pid>/pagemap entry (Documentation/admin-guide/mm/pagemap.rst). */
#define PAGEMAP_PRESENT		(UINT64_C(1) << 63)
#define PAGEMAP_PFN_MASK	((UINT64_C(1) << 55) - 1)

/* Bounds: a guest cannot make hvsim allocate without limit. The default
 * vm.max_map_count is 65530, so no guest has more mappings than this. */
#define MAX_FILE_MAPS		65536u
#define MAX_SEGMENTS		(1u << 20)	/* 2 TiB of 2 MiB pages */
#define MAX_MAPS_LINES		(1u << 20)
#define MAX_OTHER_DEVS		64u

struct gpa_seg {
	uint64_t pa;
	uint64_t len;
	uint8_t *va;
};

/* One host mapping of a range of a guest hugetlbfs file. */
struct file_map {
	dev_t dev;		/* as in the guest's maps: the file's key */
	uint64_t ino;
	uint64_t off;		/* file offset of va */
	uint64_t len;
	uint8_t *va;
	size_t page_size;	/* hugepage size of the file system */
	uint64_t *learned;	/* bit i: hugepage i is in the segments */
	size_t unlearned;
};

/* A segment table, sorted by PA once built. */
struct seg_table {
	struct gpa_seg *segs;
	unsigned int nb;
	unsigned int cap;
};

/* The host's mapping of a file the guest maps too. */
struct host_map {
	uint8_t *va;
	size_t len;
};

struct hvsim_gpa {
	pid_t pid;
	int pagemap_fd;		/* the host's own /proc/self/pagemap */
	size_t base_page;	/* unit of pagemap frame numbers */

	struct seg_table guest;	/* the guest's hugepages */
	struct seg_table host;	/* pages of host_maps */
	struct host_map *host_maps;
	unsigned int nb_host_maps;

	struct file_map *maps;
	unsigned int nb_maps;
	unsigned int cap_maps;

	/* Devices found not to be hugetlbfs: their shared mappings (DPDK
	 * config files, /dev/shm, hvsim's own region files) are skipped on
	 * rescans without opening them again. */
	dev_t other_devs[MAX_OTHER_DEVS];
	unsigned int nb_other_devs;
};

/* A line of /proc/<pid>/maps. */
struct guest_vma {
	uint64_t start;
	uint64_t end;
	uint64_t off;
	dev_t dev;
	uint64_t ino;
	bool shared;
};

/* ---- segments: the lookup table ---------------------------------------- */

/* Last segment of segs[0..n) starting at or below gpa, if gpa lies in it. */
static const struct gpa_seg *
table_find(const struct gpa_seg *segs, unsigned int n, uint64_t gpa)
{
	unsigned int lo = 0, hi = n;
	const struct gpa_seg *s;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (segs[mid].pa <= gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	s = &segs[lo - 1];
	return gpa - s->pa < s->len ? s : NULL;
}

/* The guest's hugepages first, the host's shared pages on a miss. */
static const struct gpa_seg *
seg_find(const struct hvsim_gpa *g, uint64_t gpa)
{
	const struct gpa_seg *s = table_find(g->guest.segs, g->guest.nb, gpa);

	return s != NULL ? s : table_find(g->host.segs, g->host.nb, gpa);
}

static void *
seg_ptr(const struct hvsim_gpa *g, uint64_t gpa, size_t len)
{
	const struct gpa_seg *s = seg_find(g, gpa);
	uint64_t off;

	if (s == NULL)
		return NULL;
	off = gpa - s->pa;
	if (len > s->len - off)
		return NULL;
	return s->va + off;
}

static int
table_append(struct seg_table *t, uint64_t pa, uint64_t len, uint8_t *va)
{
	if (t->nb == t->cap) {
		unsigned int cap = t->cap ? t->cap * 2 : 64;
		struct gpa_seg *segs;

		if (t->cap >= MAX_SEGMENTS)
			return -ENOSPC;
		if (cap > MAX_SEGMENTS)
			cap = MAX_SEGMENTS;
		segs = realloc(t->segs, cap * sizeof(*segs));
		if (segs == NULL)
			return -ENOMEM;
		t->segs = segs;
		t->cap = cap;
	}
	t->segs[t->nb++] = (struct gpa_seg){ .pa = pa, .len = len, .va = va };
	return 0;
}

static int
seg_cmp(const void *a, const void *b)
{
	const struct gpa_seg *x = a, *y = b;

	if (x->pa != y->pa)
		return x->pa < y->pa ? -1 : 1;
	return 0;
}

/*
 * Sort by PA and merge neighbours contiguous both physically and in the
 * host, so that a lookup can hand out one pointer for the whole run.
 * An overlap cannot come from distinct pages; should one appear anyway
 * (the same page added twice), the first entry wins rather than a lookup
 * becoming ambiguous.
 */
static void
table_rebuild(struct seg_table *t)
{
	unsigned int i, kept = 0;

	qsort(t->segs, t->nb, sizeof(t->segs[0]), seg_cmp);
	for (i = 0; i < t->nb; i++) {
		const struct gpa_seg *s = &t->segs[i];
		struct gpa_seg *prev = kept ? &t->segs[kept - 1] : NULL;

		if (prev != NULL && s->pa < prev->pa + prev->len)
			continue;
		if (prev != NULL && s->pa == prev->pa + prev->len &&
		    s->va == prev->va + prev->len) {
			prev->len += s->len;
			continue;
		}
		t->segs[kept++] = *s;
	}
	t->nb = kept;
}

/* ---- physical frames from the host's own page tables ------------------- */

static bool
host_frame(const struct hvsim_gpa *g, const void *va, uint64_t *pa)
{
	off_t pos = (off_t)((uintptr_t)va / g->base_page * sizeof(uint64_t));
	uint64_t entry;

	if (pread(g->pagemap_fd, &entry, sizeof(entry), pos) !=
	    (ssize_t)sizeof(entry))
		return false;
	if (!(entry & PAGEMAP_PRESENT) || (entry & PAGEMAP_PFN_MASK) == 0)
		return false;
	*pa = (entry & PAGEMAP_PFN_MASK) * g->base_page +
		(uintptr_t)va % g->base_page;
	return true;
}

/* Without CAP_SYS_ADMIN the kernel reports frame number 0 for present
 * pages: every lookup would miss, so say so at open instead. */
static int
host_pagemap_check(const struct hvsim_gpa *g)
{
	volatile uint64_t probe = 1;	/* on a present stack page */
	off_t pos = (off_t)((uintptr_t)&probe / g->base_page *
			    sizeof(uint64_t));
	uint64_t entry;

	if (pread(g->pagemap_fd, &entry, sizeof(entry), pos) !=
	    (ssize_t)sizeof(entry))
		return -EIO;
	if ((entry & PAGEMAP_PRESENT) && (entry & PAGEMAP_PFN_MASK) == 0)
		return -EPERM;
	return 0;
}

/*
 * Add the hugepages of a file map not yet in the segment table. MAP_POPULATE
 * has faulted in what it could; a page still missing (pool exhausted, or
 * beyond the file's end) is populated with MADV_POPULATE_WRITE, which
 * fails cleanly where touching the page would raise SIGBUS. Pages are
 * never touched before they are known present.
 * Returns 0, or -ENOSPC/-ENOMEM when the segment table is full.
 */
static int
map_learn_pages(struct hvsim_gpa *g, struct file_map *m)
{
	size_t pages = m->len / m->page_size, i;
	int rc;

	for (i = 0; i < pages && m->unlearned > 0; i++) {
		uint8_t *va = m->va + i * m->page_size;
		uint64_t pa;

		if (m->learned[i / 64] & (UINT64_C(1) << (i % 64)))
			continue;
		if (!host_frame(g, va, &pa) &&
		    (madvise(va, m->page_size, MADV_POPULATE_WRITE) != 0 ||
		     !host_frame(g, va, &pa)))
			continue;
		rc = table_append(&g->guest, pa, m->page_size, va);
		if (rc < 0)
			return rc;
		m->learned[i / 64] |= UINT64_C(1) << (i % 64);
		m->unlearned--;
	}
	return 0;
}

/* ---- file maps: which guest file ranges the host has mapped ------------ */

static int
file_key_cmp(const struct file_map *m, dev_t dev, uint64_t ino, uint64_t off)
{
	if (m->dev != dev)
		return m->dev < dev ? -1 : 1;
	if (m->ino != ino)
		return m->ino < ino ? -1 : 1;
	if (m->off != off)
		return m->off < off ? -1 : 1;
	return 0;
}

/* Index of the first file map whose key is above (dev, ino, off). */
static unsigned int
map_upper_bound(const struct hvsim_gpa *g, dev_t dev, uint64_t ino,
		uint64_t off)
{
	unsigned int lo = 0, hi = g->nb_maps;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (file_key_cmp(&g->maps[mid], dev, ino, off) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool
map_of_file(const struct file_map *m, const struct guest_vma *v)
{
	return m->dev == v->dev && m->ino == v->ino;
}

static int
maps_reserve(struct hvsim_gpa *g)
{
	unsigned int cap;
	struct file_map *maps;

	if (g->nb_maps < g->cap_maps)
		return 0;
	if (g->cap_maps >= MAX_FILE_MAPS)
		return -ENOSPC;
	cap = g->cap_maps ? g->cap_maps * 2 : 32;
	if (cap > MAX_FILE_MAPS)
		cap = MAX_FILE_MAPS;
	maps = realloc(g->maps, cap * sizeof(*maps));
	if (maps == NULL)
		return -ENOMEM;
	g->maps = maps;
	g->cap_maps = cap;
	return 0;
}

/* Map file range [off, off + len) of the guest vma, insert it at idx. */
static int
map_range(struct hvsim_gpa *g, int fd, const struct guest_vma *v,
	  uint64_t off, uint64_t len, size_t page_size, unsigned int idx)
{
	size_t pages = len / page_size;
	struct file_map *m;
	uint64_t *learned;
	void *va;
	int rc;

	rc = maps_reserve(g);
	if (rc < 0)
		return rc;
	learned = calloc((pages + 63) / 64, sizeof(*learned));
	if (learned == NULL)
		return -ENOMEM;
	va = mmap(NULL, len, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, fd, (off_t)off);
	if (va == MAP_FAILED) {
		rc = -errno;
		free(learned);
		return rc;
	}
	memmove(&g->maps[idx + 1], &g->maps[idx],
		(g->nb_maps - idx) * sizeof(g->maps[0]));
	g->nb_maps++;
	m = &g->maps[idx];
	*m = (struct file_map){ .dev = v->dev, .ino = v->ino, .off = off,
		.len = len, .va = va, .page_size = page_size,
		.learned = learned, .unlearned = pages };
	return 0;
}

static bool
dev_is_other(const struct hvsim_gpa *g, dev_t dev)
{
	unsigned int i;

	for (i = 0; i < g->nb_other_devs; i++)
		if (g->other_devs[i] == dev)
			return true;
	return false;
}

static void
dev_remember_other(struct hvsim_gpa *g, dev_t dev)
{
	if (g->nb_other_devs < MAX_OTHER_DEVS)
		g->other_devs[g->nb_other_devs++] = dev;
}

/*
 * Open the file behind a guest mapping. /proc/<pid>/map_files reaches it
 * even when it is deleted, a memfd, or MAP_ANONYMOUS|MAP_HUGETLB (an
 * internal hugetlbfs file). Only hugetlbfs is guest "RAM": its pages are
 * physically contiguous hugepages that stay put.
 */
static int
vma_open(struct hvsim_gpa *g, const struct guest_vma *v, size_t *page_size)
{
	char path[96];
	struct statfs sfs;
	size_t ps;
	int fd, rc;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64,
		 (int)g->pid, v->start, v->end);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &sfs) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if ((unsigned long)sfs.f_type != HUGETLBFS_MAGIC) {
		dev_remember_other(g, v->dev);
		close(fd);
		return -ENOTSUP;
	}
	ps = (size_t)sfs.f_bsize;	/* hugetlbfs reports its page size */
	if (ps == 0 || (ps & (ps - 1)) != 0 || v->off % ps != 0 ||
	    (v->end - v->start) % ps != 0) {
		close(fd);
		return -EINVAL;
	}
	*page_size = ps;
	return fd;
}

/*
 * Map the parts of a guest hugetlbfs mapping the host has not mapped yet.
 * The same file range may be mapped several times by the guest (or seen
 * again on every rescan): it is mapped once, so each hugepage appears in
 * the segments once.
 */
static int
vma_add(struct hvsim_gpa *g, const struct guest_vma *v)
{
	uint64_t pos = v->off, end = v->off + (v->end - v->start);
	size_t page_size = 0;
	int fd = -1, rc = 0;

	while (pos < end && rc == 0) {
		unsigned int i = map_upper_bound(g, v->dev, v->ino, pos);
		const struct file_map *prev = i > 0 ? &g->maps[i - 1] : NULL;
		const struct file_map *next = i < g->nb_maps ?
			&g->maps[i] : NULL;
		uint64_t gap_end = end;

		if (prev != NULL && map_of_file(prev, v) &&
		    pos < prev->off + prev->len) {
			pos = prev->off + prev->len;
			continue;
		}
		if (next != NULL && map_of_file(next, v) && next->off < end)
			gap_end = next->off;
		if (fd < 0) {
			fd = vma_open(g, v, &page_size);
			if (fd < 0)
				return fd;
		}
		rc = map_range(g, fd, v, pos, gap_end - pos, page_size, i);
		pos = gap_end;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static bool
vma_parse(const char *line, struct guest_vma *v)
{
	unsigned int major, minor;
	char perms[5];

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %"
		   SCNu64, &v->start, &v->end, perms, &v->off, &major, &minor,
		   &v->ino) != 7)
		return false;
	if (v->end <= v->start || v->off > UINT64_MAX - (v->end - v->start))
		return false;
	v->dev = makedev(major, minor);
	v->shared = strlen(perms) == 4 && perms[3] == 's';
	return true;
}

/* Map every new shared hugetlbfs range of the guest. A mapping that
 * cannot be used is skipped: the others still serve lookups. */
static int
maps_scan(struct hvsim_gpa *g)
{
	char path[64];
	char *line = NULL;
	size_t cap = 0;
	unsigned int lines = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)g->pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	while (lines++ < MAX_MAPS_LINES && getline(&line, &cap, f) > 0) {
		struct guest_vma v;

		/* Private hugetlb pages are the guest's alone: a host
		 * mapping of the file would not see them. */
		if (!vma_parse(line, &v) || !v.shared || v.ino == 0 ||
		    dev_is_other(g, v.dev))
			continue;
		(void)vma_add(g, &v);
	}
	free(line);
	fclose(f);
	return 0;
}

/* Returns the number of hugepages newly added to the segments, or a
 * negative errno when the guest's maps cannot be read. */
static int
gpa_rescan(struct hvsim_gpa *g)
{
	unsigned int i, before = g->guest.nb, added;
	int rc;

	rc = maps_scan(g);
	if (rc < 0)
		return rc;
	for (i = 0; i < g->nb_maps; i++) {
		/* On -ENOSPC keep what fitted: the table stays usable. */
		if (g->maps[i].unlearned != 0 &&
		    map_learn_pages(g, &g->maps[i]) < 0)
			break;
	}
	added = g->guest.nb - before;
	if (added > 0)
		table_rebuild(&g->guest);
	return (int)added;
}

/* ---- API --------------------------------------------------------------- */

struct hvsim_gpa *
hvsim_gpa_open(pid_t guest)
{
	struct hvsim_gpa *g;
	int rc;

	if (guest <= 0) {
		errno = EINVAL;
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->pid = guest;
	g->base_page = (size_t)sysconf(_SC_PAGESIZE);
	g->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (g->pagemap_fd < 0) {
		rc = -errno;
		goto fail;
	}
	rc = host_pagemap_check(g);
	if (rc < 0)
		goto fail;
	rc = gpa_rescan(g);
	if (rc < 0)
		goto fail;
	return g;
fail:
	hvsim_gpa_close(g);
	errno = -rc;
	return NULL;
}

/* The host's frames of [va, va + n pages), present: one pagemap read. */
static int
host_learn_pages(struct hvsim_gpa *g, uint8_t *va, size_t n)
{
	uint64_t *entry = malloc(n * sizeof(*entry));
	off_t pos = (off_t)((uintptr_t)va / g->base_page * sizeof(*entry));
	size_t i;
	int rc = 0;

	if (entry == NULL)
		return -ENOMEM;
	if (pread(g->pagemap_fd, entry, n * sizeof(*entry), pos) != (ssize_t)(n * sizeof(*entry)))
		rc = -EIO;
	for (i = 0; rc == 0 && i < n; i++) {
		if (!(entry[i] & PAGEMAP_PRESENT) || (entry[i] & PAGEMAP_PFN_MASK) == 0)
			rc = -EFAULT;
		else
			rc = table_append(&g->host, (entry[i] & PAGEMAP_PFN_MASK) * g->base_page,
					  g->base_page, va + i * g->base_page);
	}
	free(entry);
	return rc;
}

int
hvsim_gpa_add_host_file(struct hvsim_gpa *g, int fd, size_t len)
{
	struct host_map *maps;
	uint8_t *va;
	int rc;

	if (g == NULL || fd < 0 || len == 0 || len % g->base_page != 0)
		return -EINVAL;
	maps = realloc(g->host_maps, (g->nb_host_maps + 1) * sizeof(*maps));
	if (maps == NULL)
		return -ENOMEM;
	g->host_maps = maps;
	va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (va == MAP_FAILED)
		return -errno;
	g->host_maps[g->nb_host_maps++] = (struct host_map){ .va = va, .len = len };
	/* present in our page tables, so that each has a frame to read;
	 * before Linux 5.14 (EINVAL) by touching each page of the file */
	rc = madvise(va, len, MADV_POPULATE_WRITE) == 0 ? 0 : -errno;
	if (rc == -EINVAL) {
		size_t off;

		for (off = 0; off < len; off += g->base_page)
			(void)*(volatile uint8_t *)(va + off);
		rc = 0;
	}
	if (rc == 0)
		rc = host_learn_pages(g, va, len / g->base_page);
	table_rebuild(&g->host);	/* what was learned stays usable */
	return rc;
}

void
hvsim_gpa_close(struct hvsim_gpa *g)
{
	unsigned int i;

	if (g == NULL)
		return;
	for (i = 0; i < g->nb_maps; i++) {
		munmap(g->maps[i].va, g->maps[i].len);
		free(g->maps[i].learned);
	}
	free(g->maps);
	free(g->guest.segs);
	for (i = 0; i < g->nb_host_maps; i++)
		munmap(g->host_maps[i].va, g->host_maps[i].len);
	free(g->host_maps);
	free(g->host.segs);
	if (g->pagemap_fd >= 0)
		close(g->pagemap_fd);
	free(g);
}

void *
hvsim_gpa_ptr(struct hvsim_gpa *g, uint64_t gpa, size_t len)
{
	void *p;

	if (g == NULL)
		return NULL;
	p = seg_ptr(g, gpa, len);
	if (p != NULL || gpa_rescan(g) <= 0)
		return p;
	return seg_ptr(g, gpa, len);
}

/* Is all of [gpa, gpa + len) guest memory? Rescans at most once. */
static int
gpa_range_check(struct hvsim_gpa *g, uint64_t gpa, size_t len)
{
	bool rescanned = false;

	if (len > UINT64_MAX - gpa)
		return -EFAULT;
	while (len > 0) {
		const struct gpa_seg *s = seg_find(g, gpa);
		uint64_t avail;

		if (s == NULL) {
			if (rescanned || gpa_rescan(g) <= 0)
				return -EFAULT;
			rescanned = true;
			continue;
		}
		avail = s->len - (gpa - s->pa);
		if (avail >= len)
			break;
		gpa += avail;
		len -= avail;
	}
	return 0;
}

/* Copy between guest and host; the range is known mapped. */
static void
gpa_copy(const struct hvsim_gpa *g, uint64_t gpa, uint8_t *buf, size_t len,
	 bool to_guest)
{
	while (len > 0) {
		const struct gpa_seg *s = seg_find(g, gpa);
		uint64_t off = gpa - s->pa;
		size_t n = s->len - off < len ? (size_t)(s->len - off) : len;

		if (to_guest)
			memcpy(s->va + off, buf, n);
		else
			memcpy(buf, s->va + off, n);
		gpa += n;
		buf += n;
		len -= n;
	}
}

int
hvsim_gpa_read(struct hvsim_gpa *g, uint64_t gpa, void *dst, size_t len)
{
	if (g == NULL || gpa_range_check(g, gpa, len) < 0)
		return -EFAULT;
	gpa_copy(g, gpa, dst, len, false);
	return 0;
}

int
hvsim_gpa_write(struct hvsim_gpa *g, uint64_t gpa, const void *src,
		size_t len)
{
	if (g == NULL || gpa_range_check(g, gpa, len) < 0)
		return -EFAULT;
	gpa_copy(g, gpa, (uint8_t *)(uintptr_t)src, len, true);
	return 0;
}

unsigned int
hvsim_gpa_segments(const struct hvsim_gpa *g)
{
	return g != NULL ? g->guest.nb : 0;
}
