/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Plays the guest for test_gpa: allocates hugepage memory the ways a DPDK
 * application does, fills it with a known pattern, and tells the test the
 * physical address of any byte from its own /proc/self/pagemap (what an
 * IOVA-as-PA guest would put in a GPA-direct packet).
 *
 * Usage: gpa_guest HUGETLBFS_FILE
 *
 * Regions: 0 = HUGETLBFS_FILE (created, mapped MAP_SHARED, 2 hugepages),
 * 1 = memfd MFD_HUGETLB (2 hugepages), 2 = MAP_ANONYMOUS|MAP_SHARED|
 * MAP_HUGETLB (1 hugepage), 3.. = added by "grow" (memfd, 1 hugepage).
 *
 * Prints "ready <regions>" (or "err <errno> <what>" and exits 1), then
 * answers one line per command with "ok ..." or "err <errno>":
 *   size R                -> ok <bytes> <hugepage size>
 *   pa R OFF              -> ok 0x<physical address of byte OFF>
 *   smallpa               -> ok 0x<PA of an ordinary 4 KiB page>
 *   verify R OFF LEN SEED -> ok | bad <first mismatching index>
 *                            (SEED 0: the initial fill, else host_pattern)
 *   grow                  -> ok <new region>
 *   alias                 -> ok (maps region 0's file a second time)
 *   exit
 * Exits when stdin closes or after IDLE_MS without a command, and removes
 * HUGETLBFS_FILE.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define IDLE_MS		10000
#define MAX_REGIONS	8
#define PAGEMAP_PRESENT		(UINT64_C(1) << 63)
#define PAGEMAP_PFN_MASK	((UINT64_C(1) << 55) - 1)

struct region {
	uint8_t *va;
	size_t size;
};

static struct region regions[MAX_REGIONS];
static unsigned int nb_regions;
static size_t huge_size;
static const char *file_path;
static uint8_t *small_page;

/* Same functions in test_gpa.c: the initial fill and what the host
 * writes, so each side can check the other's bytes. */
static uint8_t
guest_pattern(unsigned int region, uint64_t off)
{
	uint64_t x = (off + 1) * UINT64_C(0x9e3779b97f4a7c15) ^
		(region + 1) * UINT64_C(0xbf58476d1ce4e5b9);

	return (uint8_t)(x >> 56);
}

static uint8_t
host_pattern(unsigned int seed, uint64_t i)
{
	return (uint8_t)(seed * 37 + i * 11 + (i >> 9));
}

static size_t
default_huge_size(void)
{
	char line[128];
	unsigned long kb = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Hugepagesize: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return (size_t)kb * 1024;
}

static int
add_region(void *va, size_t size)
{
	struct region *r = &regions[nb_regions];
	size_t i;

	if (va == MAP_FAILED)
		return -errno;
	r->va = va;
	r->size = size;
	for (i = 0; i < size; i++)
		r->va[i] = guest_pattern(nb_regions, i);
	nb_regions++;
	return 0;
}

static int
map_fd(int fd, size_t size)
{
	void *va;
	int rc;

	if (ftruncate(fd, (off_t)size) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	va = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	rc = add_region(va, size);
	close(fd);	/* the mapping keeps the file */
	return rc;
}

static int
add_file_region(const char *path, size_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	return fd < 0 ? -errno : map_fd(fd, size);
}

static int
add_memfd_region(size_t size)
{
	int fd = memfd_create("gpa_guest", MFD_HUGETLB | MFD_CLOEXEC);

	return fd < 0 ? -errno : map_fd(fd, size);
}

static int
add_anon_region(size_t size)
{
	return add_region(mmap(NULL, size, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB,
			       -1, 0), size);
}

/* Physical address of va, from our own page tables. */
static int
phys_addr(const void *va, uint64_t *pa)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t entry;
	ssize_t n;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, &entry, sizeof(entry),
		  (off_t)((uintptr_t)va / page * sizeof(entry)));
	close(fd);
	if (n != (ssize_t)sizeof(entry))
		return -EIO;
	if (!(entry & PAGEMAP_PRESENT))
		return -ENXIO;
	if ((entry & PAGEMAP_PFN_MASK) == 0)
		return -EPERM;	/* frame numbers hidden: not root */
	*pa = (entry & PAGEMAP_PFN_MASK) * page + (uintptr_t)va % page;
	return 0;
}

static const struct region *
region_at(unsigned int r, uint64_t off, uint64_t len)
{
	if (r >= nb_regions || off > regions[r].size ||
	    len > regions[r].size - off)
		return NULL;
	return &regions[r];
}

static void
reply_pa(const void *va)
{
	uint64_t pa = 0;
	int rc = phys_addr(va, &pa);

	if (rc < 0)
		printf("err %d\n", -rc);
	else
		printf("ok 0x%" PRIx64 "\n", pa);
}

static void
cmd_verify(unsigned int r, uint64_t off, uint64_t len, unsigned int seed)
{
	const struct region *reg = region_at(r, off, len);
	uint64_t i;

	if (reg == NULL) {
		printf("err %d\n", EINVAL);
		return;
	}
	for (i = 0; i < len; i++) {
		uint8_t want = seed == 0 ? guest_pattern(r, off + i) :
			host_pattern(seed, i);

		if (reg->va[off + i] != want) {
			printf("bad %" PRIu64 "\n", i);
			return;
		}
	}
	printf("ok\n");
}

/* Map HUGETLBFS_FILE once more, as a DPDK secondary or a remap would. */
static int
map_file_again(void)
{
	int fd = open(file_path, O_RDWR | O_CLOEXEC);
	void *va;

	if (fd < 0)
		return -errno;
	va = mmap(NULL, regions[0].size, PROT_READ | PROT_WRITE, MAP_SHARED,
		  fd, 0);
	close(fd);
	return va == MAP_FAILED ? -errno : 0;
}

/* Returns false on "exit". */
static bool
run_command(const char *line)
{
	unsigned int r, seed;
	uint64_t off, len;
	int rc;

	if (sscanf(line, "pa %u %" SCNu64, &r, &off) == 2) {
		if (region_at(r, off, 1) == NULL)
			printf("err %d\n", EINVAL);
		else
			reply_pa(regions[r].va + off);
	} else if (sscanf(line, "size %u", &r) == 1) {
		if (r < nb_regions)
			printf("ok %zu %zu\n", regions[r].size, huge_size);
		else
			printf("err %d\n", EINVAL);
	} else if (sscanf(line, "verify %u %" SCNu64 " %" SCNu64 " %u",
			  &r, &off, &len, &seed) == 4) {
		cmd_verify(r, off, len, seed);
	} else if (strncmp(line, "smallpa", 7) == 0) {
		reply_pa(small_page);
	} else if (strncmp(line, "grow", 4) == 0) {
		rc = nb_regions < MAX_REGIONS ?
			add_memfd_region(huge_size) : -ENOSPC;
		if (rc < 0)
			printf("err %d\n", -rc);
		else
			printf("ok %u\n", nb_regions - 1);
	} else if (strncmp(line, "alias", 5) == 0) {
		rc = map_file_again();
		if (rc < 0)
			printf("err %d\n", -rc);
		else
			printf("ok\n");
	} else if (strncmp(line, "exit", 4) == 0) {
		return false;
	} else {
		printf("err %d\n", EINVAL);
	}
	return true;
}

/* Next line of stdin (without its newline); false on EOF or after IDLE_MS
 * of silence. read() rather than stdio, so that poll() sees everything
 * not yet consumed. */
static bool
read_line(char *line, size_t size)
{
	static char buf[1024];
	static size_t have;
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	for (;;) {
		char *nl = memchr(buf, '\n', have);
		size_t len;
		ssize_t n;

		if (nl != NULL) {
			len = (size_t)(nl - buf);
			snprintf(line, size, "%.*s", (int)len, buf);
			have -= len + 1;
			memmove(buf, nl + 1, have);
			return true;
		}
		if (have == sizeof(buf))
			have = 0;	/* an overlong line: drop it */
		if (poll(&pfd, 1, IDLE_MS) <= 0)
			return false;
		n = read(STDIN_FILENO, buf + have, sizeof(buf) - have);
		if (n <= 0)
			return false;
		have += (size_t)n;
	}
}

static void
serve(void)
{
	char line[256];

	while (read_line(line, sizeof(line)) && run_command(line))
		;
}

static int
setup_memory(void)
{
	int rc;

	huge_size = default_huge_size();
	if (huge_size == 0) {
		printf("err %d hugepage size\n", ENOENT);
		return -ENOENT;
	}
	small_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (small_page == MAP_FAILED) {
		printf("err %d small page\n", errno);
		return -errno;
	}
	memset(small_page, 0x5a, 4096);
	rc = add_file_region(file_path, 2 * huge_size);
	if (rc < 0) {
		printf("err %d %s\n", -rc, file_path);
		return rc;
	}
	rc = add_memfd_region(2 * huge_size);
	if (rc == 0)
		rc = add_anon_region(huge_size);
	if (rc < 0)
		printf("err %d memfd/anonymous hugepages\n", -rc);
	return rc;
}

int
main(int argc, char **argv)
{
	int status = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s HUGETLBFS_FILE\n", argv[0]);
		return 2;
	}
	file_path = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (setup_memory() < 0)
		status = 1;
	else {
		printf("ready %u\n", nb_regions);
		serve();
	}
	unlink(file_path);
	return status;
}
