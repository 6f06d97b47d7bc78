/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * hvsim_gpa against a real guest process: gpa_guest allocates hugepages
 * (a hugetlbfs file, a memfd, an anonymous shared mapping), reports the
 * physical address of any byte from its own pagemap, and checks bytes on
 * command. The test is the host: it reads and writes the guest's memory
 * by physical address only.
 *
 * Needs root and free hugepages (./hvnet setup reserves them); without
 * them it fails, saying so, rather than skipping.
 *
 * Usage (meson passes it): test_gpa GPA_GUEST
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <cmocka.h>

#include "guestos/gpa.h"

#define READY_TIMEOUT_MS	10000	/* filling the hugepages included */
#define REPLY_TIMEOUT_MS	5000
#define EXIT_TIMEOUT_MS		5000

/* Guest regions (gpa_guest.c): 0 file, 1 memfd, 2 anonymous shared. */
#define INITIAL_REGIONS		3
#define INITIAL_HUGEPAGES	5
#define GROWN_HUGEPAGES		1

static const char *guest_path;
static char hugetlbfs_dir[PATH_MAX];

struct guest {
	pid_t pid;
	int to;			/* its stdin */
	int from;		/* its stdout */
	char buf[4096];
	size_t have;
	char line[4096];
};

struct fixture {
	struct guest g;
	char file[PATH_MAX];	/* region 0's hugetlbfs file */
	struct hvsim_gpa *gpa;
	size_t huge;		/* hugepage size */
};

/* Same as in gpa_guest.c. */
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

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the machine ------------------------------------------------------- */

static long
meminfo_value(const char *key)
{
	char line[128];
	size_t klen = strlen(key);
	long val = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			val = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

/* A hugetlbfs mount of the default hugepage size (memfd and
 * MAP_HUGETLB use that size too). */
static int
find_hugetlbfs(char *dir, size_t size)
{
	long huge = meminfo_value("Hugepagesize") * 1024;
	char mnt[PATH_MAX], type[64];
	struct statfs sfs;
	int rc = -ENOENT;
	FILE *f = fopen("/proc/mounts", "re");

	if (f == NULL)
		return -errno;
	while (fscanf(f, "%*s %4095s %63s %*[^\n]", mnt, type) == 2) {
		if (strcmp(type, "hugetlbfs") == 0 && statfs(mnt, &sfs) == 0 &&
		    sfs.f_type == HUGETLBFS_MAGIC && sfs.f_bsize == huge &&
		    access(mnt, W_OK) == 0) {
			snprintf(dir, size, "%s", mnt);
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

/* ---- the guest process ------------------------------------------------- */

static int
guest_start(struct guest *g, const char *file)
{
	int in[2], out[2];

	memset(g, 0, sizeof(*g));
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	g->pid = fork();
	if (g->pid < 0)
		return -errno;
	if (g->pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		execl(guest_path, guest_path, file, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	g->to = in[1];
	g->from = out[0];
	return 0;
}

/* Next reply line, or NULL when none comes within timeout_ms. */
static const char *
guest_reply(struct guest *g, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = g->from, .events = POLLIN };

	for (;;) {
		char *nl = memchr(g->buf, '\n', g->have);
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (nl != NULL) {
			size_t len = (size_t)(nl - g->buf);

			memcpy(g->line, g->buf, len);
			g->line[len] = '\0';
			g->have -= len + 1;
			memmove(g->buf, nl + 1, g->have);
			return g->line;
		}
		if (g->have == sizeof(g->buf) || left <= 0 ||
		    poll(&pfd, 1, (int)left) <= 0)
			return NULL;
		n = read(g->from, g->buf + g->have, sizeof(g->buf) - g->have);
		if (n <= 0)
			return NULL;
		g->have += (size_t)n;
	}
}

static void
guest_stop(struct guest *g)
{
	int64_t deadline = now_ms() + EXIT_TIMEOUT_MS;
	int status;

	if (g->pid <= 0)
		return;
	if (write(g->to, "exit\n", 5) < 0)
		fprintf(stderr, "guest gone before exit\n");
	close(g->to);
	close(g->from);
	while (waitpid(g->pid, &status, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(g->pid, SIGKILL);
			waitpid(g->pid, &status, 0);
			break;
		}
		usleep(1000);
	}
	g->pid = 0;
}

/* Run a command; returns its reply (fails the test on silence). */
static const char * __attribute__((format(printf, 2, 3)))
guest_cmd(struct guest *g, const char *fmt, ...)
{
	char cmd[256];
	const char *r;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd) - 1, fmt, ap);
	va_end(ap);
	cmd[n++] = '\n';
	assert_int_equal(write(g->to, cmd, n), n);
	r = guest_reply(g, REPLY_TIMEOUT_MS);
	if (r == NULL)
		fail_msg("guest did not answer '%.*s'", n - 1, cmd);
	return r;
}

static void
expect_guest_ok(const char *r, const char *what)
{
	if (strcmp(r, "ok") != 0)
		fail_msg("'%s' -> '%s', expected ok", what, r);
}

#define expect_ok(g, ...) \
	expect_guest_ok(guest_cmd(g, __VA_ARGS__), #__VA_ARGS__)

/* The guest's physical address of byte off of region r. */
static uint64_t
guest_pa(struct guest *g, unsigned int r, uint64_t off)
{
	const char *reply = guest_cmd(g, "pa %u %" PRIu64, r, off);
	uint64_t pa;

	if (sscanf(reply, "ok 0x%" SCNx64, &pa) != 1)
		fail_msg("pa %u %" PRIu64 " -> '%s'", r, off, reply);
	return pa;
}

/* ---- fixture ----------------------------------------------------------- */

static int
setup(void **state)
{
	static struct fixture f;
	static unsigned int serial;
	const char *r;
	unsigned int regions;

	memset(&f, 0, sizeof(f));
	f.huge = (size_t)meminfo_value("Hugepagesize") * 1024;
	snprintf(f.file, sizeof(f.file), "%s/hvsim_gpa_test_%d_%u",
		 hugetlbfs_dir, (int)getpid(), serial++);
	assert_int_equal(guest_start(&f.g, f.file), 0);
	r = guest_reply(&f.g, READY_TIMEOUT_MS);
	if (r == NULL || sscanf(r, "ready %u", &regions) != 1 ||
	    regions != INITIAL_REGIONS)
		fail_msg("gpa_guest did not start: '%s'", r ? r : "(silence)");
	f.gpa = hvsim_gpa_open(f.g.pid);
	if (f.gpa == NULL)
		fail_msg("hvsim_gpa_open: %s", strerror(errno));
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f == NULL)
		return 0;
	hvsim_gpa_close(f->gpa);
	guest_stop(&f->g);
	unlink(f->file);	/* the guest removes it; unless it was killed */
	return 0;
}

/* ---- checks ------------------------------------------------------------ */

/* Bytes [off, off + len) of region r, through a pointer and a copy. */
static void
expect_guest_bytes(struct fixture *f, unsigned int r, uint64_t off,
		   size_t len)
{
	uint64_t pa = guest_pa(&f->g, r, off);
	const uint8_t *p = hvsim_gpa_ptr(f->gpa, pa, len);
	uint8_t copy[256];
	size_t i;

	if (p == NULL)
		fail_msg("region %u offset %" PRIu64 " (PA 0x%" PRIx64
			 ", %zu bytes) not found", r, off, pa, len);
	for (i = 0; i < len; i++)
		if (p[i] != guest_pattern(r, off + i))
			fail_msg("region %u offset %" PRIu64 ": byte %zu is %#x"
				 ", guest wrote %#x", r, off, i, p[i],
				 guest_pattern(r, off + i));
	if (len <= sizeof(copy)) {
		assert_int_equal(hvsim_gpa_read(f->gpa, pa, copy, len), 0);
		assert_memory_equal(copy, p, len);
	}
}

static unsigned int
region_pages(struct fixture *f, unsigned int r)
{
	size_t size, huge;

	assert_int_equal(sscanf(guest_cmd(&f->g, "size %u", r), "ok %zu %zu",
				&size, &huge), 2);
	assert_int_equal(huge, f->huge);
	return (unsigned int)(size / huge);
}

struct guest_page {
	uint64_t pa;
	unsigned int region;
	uint64_t off;		/* in the region */
};

/* Every initial guest hugepage, where it is physically. */
static unsigned int
guest_hugepages(struct fixture *f, struct guest_page *pg, unsigned int max)
{
	unsigned int r, i, n = 0;

	for (r = 0; r < INITIAL_REGIONS; r++)
		for (i = 0; i < region_pages(f, r) && n < max; i++) {
			pg[n].region = r;
			pg[n].off = (uint64_t)i * f->huge;
			pg[n].pa = guest_pa(&f->g, r, pg[n].off);
			n++;
		}
	return n;
}

/* Lines of our own maps naming the file: how often the host mapped it. */
static unsigned int
host_mappings_of(const char *path)
{
	char line[PATH_MAX + 128];
	unsigned int n = 0;
	FILE *maps = fopen("/proc/self/maps", "re");

	assert_non_null(maps);
	while (fgets(line, sizeof(line), maps) != NULL)
		if (strstr(line, path) != NULL)
			n++;
	fclose(maps);
	return n;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_open_errors(void **state)
{
	struct hvsim_gpa *g;
	pid_t dead;

	(void)state;
	errno = 0;
	assert_null(hvsim_gpa_open(0));
	assert_int_equal(errno, EINVAL);

	dead = fork();
	assert_true(dead >= 0);
	if (dead == 0)
		_exit(0);
	assert_int_equal(waitpid(dead, NULL, 0), dead);
	errno = 0;
	assert_null(hvsim_gpa_open(dead));
	assert_true(errno == ESRCH || errno == ENOENT);

	/* A process without hugepages: an empty map, every lookup misses. */
	g = hvsim_gpa_open(getpid());
	assert_non_null(g);
	assert_int_equal(hvsim_gpa_segments(g), 0);
	assert_null(hvsim_gpa_ptr(g, 0x200000, 1));
	hvsim_gpa_close(g);
	hvsim_gpa_close(NULL);
	assert_null(hvsim_gpa_ptr(NULL, 0, 1));
}

static void
test_bytes_at_guest_pas(void **state)
{
	struct fixture *f = *state;
	unsigned int r, i;

	assert_true(hvsim_gpa_segments(f->gpa) >= 1);
	for (r = 0; r < INITIAL_REGIONS; r++) {
		unsigned int pages = region_pages(f, r);

		expect_guest_bytes(f, r, 0, 1);
		expect_guest_bytes(f, r, 1, 7);
		expect_guest_bytes(f, r, 4096 - 9, 20);	/* crosses 4 KiB */
		expect_guest_bytes(f, r, 12345, 256);
		expect_guest_bytes(f, r, f->huge - 64, 64);	/* ends it */
		/* Every hugepage, whole: one pointer covers it. */
		for (i = 0; i < pages; i++)
			expect_guest_bytes(f, r, (uint64_t)i * f->huge,
					   f->huge);
	}
}

static void
test_writes_seen_by_guest(void **state)
{
	struct fixture *f = *state;
	uint64_t off = f->huge / 2 - 100, pa;
	uint8_t buf[300], *p;
	unsigned int r, i;

	for (r = 0; r < INITIAL_REGIONS; r++) {
		unsigned int seed = r + 1;

		for (i = 0; i < sizeof(buf); i++)
			buf[i] = host_pattern(seed, i);
		pa = guest_pa(&f->g, r, off);
		assert_int_equal(hvsim_gpa_write(f->gpa, pa, buf, sizeof(buf)),
				 0);
		expect_ok(&f->g, "verify %u %" PRIu64 " %zu %u", r, off,
			  sizeof(buf), seed);
		/* Exactly those bytes. */
		expect_ok(&f->g, "verify %u %" PRIu64 " 16 0", r, off - 16);
		expect_ok(&f->g, "verify %u %" PRIu64 " 16 0", r,
			  off + sizeof(buf));

		/* A store through the pointer is a store to guest RAM. */
		pa = guest_pa(&f->g, r, f->huge - 50);
		p = hvsim_gpa_ptr(f->gpa, pa, 50);
		assert_non_null(p);
		for (i = 0; i < 50; i++)
			p[i] = host_pattern(seed + 10, i);
		expect_ok(&f->g, "verify %u %zu 50 %u", r, f->huge - 50,
			  seed + 10);
	}
}

static void
test_unmapped_addresses(void **state)
{
	struct fixture *f = *state;
	unsigned int segments = hvsim_gpa_segments(f->gpa);
	struct guest_page pg[8];
	uint64_t small;
	unsigned int n, i;
	uint8_t buf[16] = { 0 };
	const char *r;

	/* Guest memory, but an ordinary 4 KiB page: not guest "RAM". */
	r = guest_cmd(&f->g, "smallpa");
	assert_int_equal(sscanf(r, "ok 0x%" SCNx64, &small), 1);
	assert_null(hvsim_gpa_ptr(f->gpa, small, 1));
	assert_int_equal(hvsim_gpa_read(f->gpa, small, buf, 1), -EFAULT);
	assert_int_equal(hvsim_gpa_write(f->gpa, small, buf, 1), -EFAULT);

	assert_null(hvsim_gpa_ptr(f->gpa, 0, 1));
	assert_null(hvsim_gpa_ptr(f->gpa, UINT64_MAX - 10, 100));
	assert_int_equal(hvsim_gpa_read(f->gpa, UINT64_MAX - 10, buf, 16),
			 -EFAULT);

	/* A range running off guest RAM: refused whole, nothing written.
	 * The highest guest hugepage has no mapped successor, so at least
	 * one page qualifies. */
	n = guest_hugepages(f, pg, 8);
	for (i = 0; i < n; i++) {
		uint64_t end = pg[i].pa + f->huge;

		if (hvsim_gpa_ptr(f->gpa, end, 0) != NULL)
			continue;
		assert_non_null(hvsim_gpa_ptr(f->gpa, end - 8, 8));
		assert_null(hvsim_gpa_ptr(f->gpa, end - 8, 9));
		assert_int_equal(hvsim_gpa_write(f->gpa, end - 8, buf,
						 sizeof(buf)), -EFAULT);
		assert_int_equal(hvsim_gpa_read(f->gpa, end - 8, buf,
						sizeof(buf)), -EFAULT);
		break;
	}
	assert_true(i < n);
	expect_guest_bytes(f, 0, 0, 8);	/* nothing was written */
	for (i = 0; i < n; i++)
		assert_non_null(hvsim_gpa_ptr(f->gpa, pg[i].pa + f->huge - 8,
					      8));
	expect_ok(&f->g, "verify 0 0 %zu 0", 2 * f->huge);
	expect_ok(&f->g, "verify 1 0 %zu 0", 2 * f->huge);
	expect_ok(&f->g, "verify 2 0 %zu 0", f->huge);

	/* The misses rescanned; nothing was added twice. */
	assert_int_equal(hvsim_gpa_segments(f->gpa), segments);
}

/* Copies crossing from one hugepage to the physically next one, when the
 * guest happens to own two such pages (the kernel decides). */
static void
test_copy_across_hugepages(void **state)
{
	struct fixture *f = *state;
	struct guest_page pg[8];
	const struct guest_page *a, *b;
	unsigned int n, i, j;
	uint8_t buf[32], want[32];

	n = guest_hugepages(f, pg, 8);
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (pg[j].pa == pg[i].pa + f->huge)
				goto found;
	print_message("# no two guest hugepages are physically adjacent: "
		      "copies across them not exercised this run\n");
	return;
found:
	a = &pg[i];
	b = &pg[j];
	for (i = 0; i < 16; i++) {
		want[i] = guest_pattern(a->region, a->off + f->huge - 16 + i);
		want[16 + i] = guest_pattern(b->region, b->off + i);
	}
	assert_int_equal(hvsim_gpa_read(f->gpa, b->pa - 16, buf, 32), 0);
	assert_memory_equal(buf, want, 32);

	for (i = 0; i < 16; i++) {
		buf[i] = host_pattern(7, i);
		buf[16 + i] = host_pattern(8, i);
	}
	assert_int_equal(hvsim_gpa_write(f->gpa, b->pa - 16, buf, 32), 0);
	expect_ok(&f->g, "verify %u %" PRIu64 " 16 7", a->region,
		  a->off + f->huge - 16);
	expect_ok(&f->g, "verify %u %" PRIu64 " 16 8", b->region, b->off);
}

static void
test_new_hugepage_found_on_rescan(void **state)
{
	struct fixture *f = *state;
	unsigned int r, i;
	uint64_t pa;
	uint8_t buf[64];
	const char *reply;

	assert_int_equal(sscanf(guest_cmd(&f->g, "grow"), "ok %u", &r), 1);
	assert_int_equal(r, INITIAL_REGIONS);
	pa = guest_pa(&f->g, r, 100);
	/* Allocated after hvsim_gpa_open: the lookup misses, rescans. */
	expect_guest_bytes(f, r, 100, 64);
	expect_guest_bytes(f, r, 0, f->huge);

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = host_pattern(3, i);
	assert_int_equal(hvsim_gpa_write(f->gpa, pa, buf, sizeof(buf)), 0);
	reply = guest_cmd(&f->g, "verify %u 100 %zu 3", r, sizeof(buf));
	assert_string_equal(reply, "ok");

	/* And a write is also enough to trigger the rescan. */
	assert_int_equal(sscanf(guest_cmd(&f->g, "grow"), "ok %u", &r), 1);
	pa = guest_pa(&f->g, r, 4090);
	assert_int_equal(hvsim_gpa_write(f->gpa, pa, buf, 12), 0);
	expect_ok(&f->g, "verify %u 4090 12 3", r);
}

static void
test_file_mapped_once(void **state)
{
	struct fixture *f = *state;
	unsigned int segments = hvsim_gpa_segments(f->gpa);
	uint64_t small;

	assert_int_equal(host_mappings_of(f->file), 1);
	expect_ok(&f->g, "alias");
	/* Force a rescan with a miss. */
	assert_int_equal(sscanf(guest_cmd(&f->g, "smallpa"),
				"ok 0x%" SCNx64, &small), 1);
	assert_null(hvsim_gpa_ptr(f->gpa, small, 1));
	assert_int_equal(host_mappings_of(f->file), 1);
	assert_int_equal(hvsim_gpa_segments(f->gpa), segments);
	expect_guest_bytes(f, 0, f->huge + 5, 100);
}

/* The physical address of va in this process, from its own pagemap. */
static uint64_t
own_pa(const void *va)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &entry, sizeof(entry),
			       (off_t)((uintptr_t)va / page * sizeof(entry))),
			 sizeof(entry));
	close(fd);
	assert_true(entry >> 63);
	return (entry & ((UINT64_C(1) << 55) - 1)) * page + (uintptr_t)va % page;
}

/* The NIC's buffers: a file the host shares with the guest, 4 KiB pages
 * readable and writable by address once added, through the handle's own
 * mapping (the caller's may go); added twice, found once. */
static void
test_host_file_added(void **state)
{
	struct fixture *f = *state;
	const size_t len = 8 * 4096;
	unsigned int segments = hvsim_gpa_segments(f->gpa), i;
	int fd = memfd_create("hvsim-buf", MFD_CLOEXEC);
	uint64_t pa[8];
	uint8_t *buf, out[64];

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(buf != MAP_FAILED);
	for (i = 0; i < len; i++)
		buf[i] = host_pattern(7, i);
	for (i = 0; i < 8; i++)
		pa[i] = own_pa(buf + i * 4096);

	assert_null(hvsim_gpa_ptr(f->gpa, pa[1], 1));
	assert_int_equal(hvsim_gpa_add_host_file(f->gpa, fd, 100), -EINVAL);
	assert_int_equal(hvsim_gpa_add_host_file(f->gpa, -1, len), -EINVAL);
	assert_int_equal(hvsim_gpa_add_host_file(NULL, fd, len), -EINVAL);
	assert_int_equal(hvsim_gpa_add_host_file(f->gpa, fd, len), 0);
	assert_int_equal(hvsim_gpa_add_host_file(f->gpa, fd, len), 0);	/* again */
	close(fd);
	munmap(buf, len);	/* the handle keeps its own mapping */
	/* the guest's table is not where they went */
	assert_int_equal(hvsim_gpa_segments(f->gpa), segments);

	for (i = 0; i < 8; i++) {
		unsigned int k;

		assert_int_equal(hvsim_gpa_read(f->gpa, pa[i] + 100, out, sizeof(out)), 0);
		for (k = 0; k < sizeof(out); k++)
			assert_int_equal(out[k], host_pattern(7, i * 4096 + 100 + k));
	}
	/* a write by address lands in the page */
	memset(out, 0xa5, sizeof(out));
	assert_int_equal(hvsim_gpa_write(f->gpa, pa[5], out, 16), 0);
	assert_int_equal(hvsim_gpa_read(f->gpa, pa[5], out + 16, 16), 0);
	assert_memory_equal(out, out + 16, 16);
	/* the guest's hugepages are still found first */
	expect_guest_bytes(f, 0, 0, 64);
}

/* ---- main -------------------------------------------------------------- */

/* Without hugepages every case would fail obscurely: say what is wrong. */
static int
check_machine(void)
{
	long free_pages = meminfo_value("HugePages_Free");
	long needed = INITIAL_HUGEPAGES + 2 * GROWN_HUGEPAGES;

	if (geteuid() != 0) {
		printf("1..1\nnot ok 1 - hvsim_gpa needs root (map_files, "
		       "pagemap frame numbers)\n");
		return -1;
	}
	if (free_pages < needed) {
		printf("1..1\nnot ok 1 - hvsim_gpa needs %ld free hugepages, "
		       "the machine has %ld: run ./hvnet setup\n", needed,
		       free_pages);
		return -1;
	}
	if (find_hugetlbfs(hugetlbfs_dir, sizeof(hugetlbfs_dir)) < 0) {
		printf("1..1\nnot ok 1 - no writable hugetlbfs mount of the "
		       "default hugepage size: run ./hvnet setup\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test_setup_teardown(test_bytes_at_guest_pas,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_writes_seen_by_guest,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmapped_addresses,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_across_hugepages,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_new_hugepage_found_on_rescan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_mapped_once,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_file_added,
						setup, teardown),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s GPA_GUEST\n", argv[0]);
		return 2;
	}
	guest_path = argv[1];
	if (check_machine() < 0)
		return 1;
	return cmocka_run_group_tests_name("hvsim_gpa", tests, NULL, NULL);
}
