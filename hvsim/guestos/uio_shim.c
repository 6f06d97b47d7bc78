/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * libhvsim_uio.so: LD_PRELOAD interposer that gives an unmodified guest
 * process (a DPDK application) the semantics of the uio_hv_generic device
 * /dev/uioN on a machine that has none. See uio_shim.h for the contract
 * with the host.
 *
 * A uio fd is the connected interrupt socket itself, so poll/epoll and
 * fcntl work on it unchanged; only open, mmap, munmap, read, write and
 * close need a different meaning. Everything else passes through.
 *
 * The guest kernel's other two faces a VF needs (uio_shim.h): a uevent
 * netlink socket is a unix socket connected to the host (socket, bind and
 * close interposed), and SIOCGIFHWADDR answers the MAC of a VF interface
 * from the guest's sysfs tree.
 *
 * Bookkeeping: one struct uio_file per successful open (an "open file
 * description"), alive while its fd is open or while any mapping made
 * through it exists. While mappings exist the file holds a private dup of
 * the socket, so closing the fd does not end the connection -- the kernel
 * keeps the channel open for the same reason (every vma pins the file).
 *
 * The hot pass-through paths (read, write, close of ordinary fds) take no
 * lock and allocate nothing: a bitmap says which fds are uio fds, and a
 * counter says whether any uio mapping exists at all.
 *
 * Limits: uio and uevent fds must be below SHIM_MAX_FD; fds duplicated
 * with dup/dup2/fcntl, or closed other than by close(), are not tracked.
 */

/* Interposing open and open64 (etc.) as distinct symbols needs the plain
 * prototypes: no fortify wrappers, no 64-bit renaming of open to open64. */
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "guestos/uio_shim.h"

#define SHIM_EXPORT __attribute__((visibility("default")))

/* uio fds are tracked in a bitmap; fds above this cannot be uio fds. */
#define SHIM_MAX_FD		65536
#define SHIM_BITS_PER_WORD	64

/* A host that accepts nothing for this long is not going to: socket() of a
 * uevent socket fails with the error of connect() (ETIMEDOUT / EAGAIN). */
#define UEVENT_CONNECT_TIMEOUT_S	10

/* With _GNU_SOURCE, glibc declares bind() with a transparent union. */
#if defined(__USE_GNU) && !defined(__cplusplus)
#define SOCKADDR_PTR(arg)	((arg).__sockaddr__)
#else
#define SOCKADDR_PTR(arg)	(arg)
#endif

/* glibc's fortified entry points: declared only under _FORTIFY_SOURCE. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);

typedef int (*open_fn)(const char *, int, ...);
typedef int (*open2_fn)(const char *, int);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*openat2_fn)(int, const char *, int);
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*munmap_fn)(void *, size_t);
typedef ssize_t (*read_fn)(int, void *, size_t);
typedef ssize_t (*read_chk_fn)(int, void *, size_t, size_t);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef int (*close_fn)(int);
typedef int (*socket_fn)(int, int, int);
typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);
typedef int (*ioctl_fn)(int, unsigned long, ...);

/* The next definitions in link order (libc). */
static struct {
	open_fn open, open64;
	open2_fn open_2, open64_2;
	openat_fn openat, openat64;
	openat2_fn openat_2, openat64_2;
	mmap_fn mmap, mmap64;
	munmap_fn munmap;
	read_fn read;
	read_chk_fn read_chk;
	write_fn write;
	close_fn close;
	socket_fn socket;
	bind_fn bind;
	ioctl_fn ioctl;
} real;

/* A mapped range [start, end), end rounded up to a page. */
struct uio_map {
	uintptr_t start;
	uintptr_t end;
};

struct uio_file {
	struct uio_file *next;
	int fd;			/* the guest's fd; -1 once closed */
	int keep_fd;		/* dup held while maps exist, else -1 */
	struct uio_map *maps;
	unsigned int nmaps;
	unsigned int maps_cap;
	char dev_dir[PATH_MAX];	/* $HVSIM_UIO_DIR/uio<N> */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t files_lock = PTHREAD_MUTEX_INITIALIZER;
static struct uio_file *files;		/* under files_lock */
static long page_size;

/* The other end of a quiet uevent socket (nobody listening), kept open so
 * that the guest never reads EOF from it. */
struct quiet_peer {
	struct quiet_peer *next;
	int fd;			/* the guest's fd */
	int peer;
};

static struct quiet_peer *quiet_peers;	/* under files_lock */

static _Atomic uint64_t uio_fd_bits[SHIM_MAX_FD / SHIM_BITS_PER_WORD];
static _Atomic uint64_t uevent_fd_bits[SHIM_MAX_FD / SHIM_BITS_PER_WORD];
/* Number of tracked mappings; lets munmap skip the lock when zero. */
static atomic_uint tracked_maps;

/* ---- setup ------------------------------------------------------------ */

static void *
next_symbol(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static void
lock_before_fork(void)
{
	pthread_mutex_lock(&files_lock);
}

static void
unlock_after_fork(void)
{
	pthread_mutex_unlock(&files_lock);
}

static void
resolve_real(void)
{
	real.open = (open_fn)next_symbol("open");
	real.open64 = (open_fn)next_symbol("open64");
	real.open_2 = (open2_fn)next_symbol("__open_2");
	real.open64_2 = (open2_fn)next_symbol("__open64_2");
	real.openat = (openat_fn)next_symbol("openat");
	real.openat64 = (openat_fn)next_symbol("openat64");
	real.openat_2 = (openat2_fn)next_symbol("__openat_2");
	real.openat64_2 = (openat2_fn)next_symbol("__openat64_2");
	real.mmap = (mmap_fn)next_symbol("mmap");
	real.mmap64 = (mmap_fn)next_symbol("mmap64");
	real.munmap = (munmap_fn)next_symbol("munmap");
	real.read = (read_fn)next_symbol("read");
	real.read_chk = (read_chk_fn)next_symbol("__read_chk");
	real.write = (write_fn)next_symbol("write");
	real.close = (close_fn)next_symbol("close");
	real.socket = (socket_fn)next_symbol("socket");
	real.bind = (bind_fn)next_symbol("bind");
	real.ioctl = (ioctl_fn)next_symbol("ioctl");
	if (real.mmap64 == NULL)
		real.mmap64 = real.mmap;
	page_size = sysconf(_SC_PAGESIZE);
	/* A fork while another thread holds the lock must not leave the
	 * child with a lock nobody will release. */
	pthread_atfork(lock_before_fork, unlock_after_fork, unlock_after_fork);
}

static inline void
shim_init(void)
{
	pthread_once(&init_once, resolve_real);
}

__attribute__((constructor)) static void
shim_constructor(void)
{
	shim_init();
}

/* ---- fd bitmap (lock free) --------------------------------------------- */

static inline bool
test_fd_bit(_Atomic uint64_t *bits, int fd)
{
	uint64_t word;

	if (fd < 0 || fd >= SHIM_MAX_FD)
		return false;
	word = atomic_load_explicit(&bits[fd / SHIM_BITS_PER_WORD],
				    memory_order_acquire);
	return (word >> (fd % SHIM_BITS_PER_WORD)) & 1;
}

static void
set_fd_bit(_Atomic uint64_t *bits, int fd, bool on)
{
	uint64_t bit = UINT64_C(1) << (fd % SHIM_BITS_PER_WORD);
	_Atomic uint64_t *word = &bits[fd / SHIM_BITS_PER_WORD];

	if (on)
		atomic_fetch_or_explicit(word, bit, memory_order_release);
	else
		atomic_fetch_and_explicit(word, ~bit, memory_order_release);
}

static inline bool
is_uio_fd(int fd)
{
	return test_fd_bit(uio_fd_bits, fd);
}

static void
mark_uio_fd(int fd, bool on)
{
	set_fd_bit(uio_fd_bits, fd, on);
}

static inline bool
is_uevent_fd(int fd)
{
	return test_fd_bit(uevent_fd_bits, fd);
}

/* ---- file table (under files_lock) ------------------------------------- */

static struct uio_file *
find_open_file(int fd)
{
	struct uio_file *f;

	for (f = files; f != NULL; f = f->next)
		if (f->fd == fd)
			return f;
	return NULL;
}

static void
unlink_and_free(struct uio_file *victim)
{
	struct uio_file **pp;

	for (pp = &files; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == victim) {
			*pp = victim->next;
			break;
		}
	}
	free(victim->maps);
	free(victim);
}

/* Called when a file may have lost its last reason to exist. Closing a
 * unix socket never blocks, so doing it under the lock is fine. */
static void
release_if_unused(struct uio_file *f)
{
	if (f->nmaps == 0 && f->keep_fd >= 0) {
		real.close(f->keep_fd);
		f->keep_fd = -1;
	}
	if (f->nmaps == 0 && f->fd < 0)
		unlink_and_free(f);
}

static int
reserve_map_slot(struct uio_file *f)
{
	struct uio_map *grown;
	unsigned int cap;

	if (f->nmaps < f->maps_cap)
		return 0;
	cap = f->maps_cap ? f->maps_cap * 2 : 4;
	grown = realloc(f->maps, cap * sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	f->maps = grown;
	f->maps_cap = cap;
	return 0;
}

static void
remove_map(struct uio_file *f, unsigned int i)
{
	f->maps[i] = f->maps[--f->nmaps];
	atomic_fetch_sub(&tracked_maps, 1);
}

/* Take [start, end) out of one file's ranges, as the kernel drops (or
 * splits) the vmas that munmap or a MAP_FIXED mapping covers. */
static void
trim_file_maps(struct uio_file *f, uintptr_t start, uintptr_t end)
{
	unsigned int i = 0;

	while (i < f->nmaps) {
		struct uio_map *m = &f->maps[i];

		if (m->end <= start || m->start >= end) {
			i++;
		} else if (m->start >= start && m->end <= end) {
			remove_map(f, i);	/* re-examine slot i */
		} else if (m->start < start && m->end > end) {
			/* A hole in the middle: split. If memory is short,
			 * keep the whole range: the connection then lives
			 * until the rest is unmapped, never too short. */
			if (reserve_map_slot(f) == 0) {
				f->maps[f->nmaps].start = end;
				f->maps[f->nmaps].end = f->maps[i].end;
				f->nmaps++;
				atomic_fetch_add(&tracked_maps, 1);
				f->maps[i].end = start;
			}
			i++;
		} else if (m->start < start) {
			m->end = start;
			i++;
		} else {
			m->start = end;
			i++;
		}
	}
}

static void
forget_range(void *addr, size_t len)
{
	uintptr_t start = (uintptr_t)addr;
	uintptr_t end = start + ((len + page_size - 1) & ~(uintptr_t)(page_size - 1));
	struct uio_file *f, *next;

	if (atomic_load(&tracked_maps) == 0)
		return;
	pthread_mutex_lock(&files_lock);
	for (f = files; f != NULL; f = next) {
		next = f->next;
		if (f->nmaps == 0)
			continue;
		trim_file_maps(f, start, end);
		release_if_unused(f);
	}
	pthread_mutex_unlock(&files_lock);
}

/* Record a mapping made through fd; the first one pins the connection. */
static int
track_map(int fd, void *addr, size_t len)
{
	uintptr_t start = (uintptr_t)addr;
	uintptr_t end = start + ((len + page_size - 1) & ~(uintptr_t)(page_size - 1));
	struct uio_file *f;
	int rc = 0;

	pthread_mutex_lock(&files_lock);
	f = find_open_file(fd);
	if (f == NULL) {
		rc = -EBADF;	/* closed by another thread meanwhile */
		goto out;
	}
	rc = reserve_map_slot(f);
	if (rc < 0)
		goto out;
	if (f->keep_fd < 0) {
		f->keep_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (f->keep_fd < 0) {
			rc = -errno;
			goto out;
		}
	}
	f->maps[f->nmaps].start = start;
	f->maps[f->nmaps].end = end;
	f->nmaps++;
	atomic_fetch_add(&tracked_maps, 1);
out:
	pthread_mutex_unlock(&files_lock);
	return rc;
}

/* ---- open ------------------------------------------------------------- */

/* Does path name a uio device node: exactly /dev/uio<digits>? */
static bool
is_uio_dev_path(const char *path)
{
	size_t plen = sizeof(HVSIM_UIO_DEV_PREFIX) - 1;
	const char *p;

	if (path == NULL || strncmp(path, HVSIM_UIO_DEV_PREFIX, plen) != 0)
		return false;
	p = path + plen;
	if (*p == '\0')
		return false;
	for (; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static bool
shim_active(void)
{
	const char *dir = getenv(HVSIM_UIO_DIR_ENV);

	return dir != NULL && dir[0] != '\0';
}

static bool
wants_uio(const char *path)
{
	return is_uio_dev_path(path) && shim_active();
}

/* When the host asks for it (uio_shim.h), wait for its OPENED message,
 * as the kernel's open() returns only once the channel is open. */
static int
wait_until_opened(const char *dev_dir, int sock)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	char marker[PATH_MAX];
	uint32_t msg = 0;
	ssize_t n;

	snprintf(marker, sizeof(marker), "%s/%s", dev_dir, HVSIM_UIO_SYNC_NAME);
	if (access(marker, F_OK) != 0)
		return 0;
	if (poll(&pfd, 1, HVSIM_UIO_OPEN_TIMEOUT_MS) != 1)
		return -ETIMEDOUT;
	n = recv(sock, &msg, sizeof(msg), 0);
	return n == sizeof(msg) && msg == HVSIM_UIO_MSG_OPENED ? 0 : -EPROTO;
}

/* Connect to the host's listening socket; -ENODEV when nobody listens. */
static int
connect_to_host(const char *dev_dir, int flags)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int type = SOCK_SEQPACKET;
	int n, sock;

	n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", dev_dir,
		     HVSIM_UIO_SOCK_NAME);
	if (n < 0 || (size_t)n >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	if (flags & O_CLOEXEC)
		type |= SOCK_CLOEXEC;
	sock = socket(AF_UNIX, type, 0);
	if (sock < 0)
		return -errno;
	if (connect(sock, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    wait_until_opened(dev_dir, sock) < 0) {
		real.close(sock);
		return -ENODEV;
	}
	/* Connect blocking so a refusal is seen here, then take the mode
	 * the caller asked for. */
	if ((flags & O_NONBLOCK) && fcntl(sock, F_SETFL, O_NONBLOCK) < 0) {
		n = -errno;
		real.close(sock);
		return n;
	}
	return sock;
}

static int
uio_open(const char *path, int flags)
{
	const char *dir = getenv(HVSIM_UIO_DIR_ENV);
	struct uio_file *f;
	struct stat st;
	int n, sock;

	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		errno = ENOMEM;
		return -1;
	}
	/* The device name is taken literally ("uio00" is not "uio0"). */
	n = snprintf(f->dev_dir, sizeof(f->dev_dir), "%s/%s", dir,
		     path + sizeof("/dev/") - 1);
	if (n < 0 || (size_t)n >= sizeof(f->dev_dir)) {
		sock = -ENAMETOOLONG;
		goto fail;
	}
	if (stat(f->dev_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		sock = -ENOENT;
		goto fail;
	}
	sock = connect_to_host(f->dev_dir, flags);
	if (sock < 0)
		goto fail;
	if (sock >= SHIM_MAX_FD) {
		real.close(sock);
		sock = -EMFILE;
		goto fail;
	}
	f->fd = sock;
	f->keep_fd = -1;
	pthread_mutex_lock(&files_lock);
	f->next = files;
	files = f;
	mark_uio_fd(sock, true);
	pthread_mutex_unlock(&files_lock);
	return sock;
fail:
	free(f);
	errno = -sock;
	return -1;
}

static void forget_fd(int fd);
static void forget_uevent_fd(int fd);

/* A new ordinary fd with a uio or uevent bit set means the old fd was
 * closed behind our back (dup2, close_range): forget it. */
static void
drop_stale_fd(int fd)
{
	if (is_uio_fd(fd))
		forget_fd(fd);
	if (is_uevent_fd(fd))
		forget_uevent_fd(fd);
}

static int
passed_through(int fd)
{
	if (fd >= 0)
		drop_stale_fd(fd);
	return fd;
}

static mode_t
mode_arg(int flags, va_list ap)
{
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		return va_arg(ap, mode_t);
	return 0;
}

SHIM_EXPORT int
open(const char *path, int flags, ...)
{
	mode_t mode;
	va_list ap;

	shim_init();
	if (wants_uio(path))
		return uio_open(path, flags);
	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return passed_through(real.open(path, flags, mode));
}

SHIM_EXPORT int
open64(const char *path, int flags, ...)
{
	mode_t mode;
	va_list ap;

	shim_init();
	if (wants_uio(path))
		return uio_open(path, flags);
	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (real.open64 == NULL)
		return passed_through(real.open(path, flags, mode));
	return passed_through(real.open64(path, flags, mode));
}

SHIM_EXPORT int
__open_2(const char *path, int flags)
{
	shim_init();
	if (wants_uio(path))
		return uio_open(path, flags);
	if (real.open_2 == NULL)
		return passed_through(real.open(path, flags));
	return passed_through(real.open_2(path, flags));
}

SHIM_EXPORT int
__open64_2(const char *path, int flags)
{
	shim_init();
	if (wants_uio(path))
		return uio_open(path, flags);
	if (real.open64_2 == NULL)
		return passed_through(real.open(path, flags));
	return passed_through(real.open64_2(path, flags));
}

/* Only absolute paths are taken over: dirfd does not matter for them. */
SHIM_EXPORT int
openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;
	va_list ap;

	shim_init();
	if (wants_uio(path))
		return uio_open(path, flags);
	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return passed_through(real.openat(dirfd, path, flags, mode));
}

SHIM_EXPORT int
openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;
	va_list ap;

	shim_init();
	if (wants_uio(path))
		return uio_open(path, flags);
	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (real.openat64 == NULL)
		return passed_through(real.openat(dirfd, path, flags, mode));
	return passed_through(real.openat64(dirfd, path, flags, mode));
}

SHIM_EXPORT int
__openat_2(int dirfd, const char *path, int flags)
{
	shim_init();
	if (wants_uio(path))
		return uio_open(path, flags);
	if (real.openat_2 == NULL)
		return passed_through(real.openat(dirfd, path, flags));
	return passed_through(real.openat_2(dirfd, path, flags));
}

SHIM_EXPORT int
__openat64_2(int dirfd, const char *path, int flags)
{
	shim_init();
	if (wants_uio(path))
		return uio_open(path, flags);
	if (real.openat64_2 == NULL)
		return passed_through(real.openat(dirfd, path, flags));
	return passed_through(real.openat64_2(dirfd, path, flags));
}

/* ---- mmap / munmap ------------------------------------------------------ */

/* Copy the device directory of uio fd `fd`; false if it is not (any more)
 * a uio fd. */
static bool
lookup_dev_dir(int fd, char *dev_dir, size_t size)
{
	struct uio_file *f;
	bool found = false;

	pthread_mutex_lock(&files_lock);
	f = find_open_file(fd);
	if (f != NULL) {
		snprintf(dev_dir, size, "%s", f->dev_dir);
		found = true;
	}
	pthread_mutex_unlock(&files_lock);
	return found;
}

/* Open region file `region` of a device and check that `len` fits it. */
static int
open_region(const char *dev_dir, unsigned int region, size_t len)
{
	char path[PATH_MAX];
	struct stat st;
	size_t limit;
	int n, mfd;

	n = snprintf(path, sizeof(path), "%s/map%u", dev_dir, region);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	mfd = real.open(path, O_RDWR | O_CLOEXEC);
	if (mfd < 0 && errno == EACCES)
		mfd = real.open(path, O_RDONLY | O_CLOEXEC);
	if (mfd < 0)
		return errno == ENOENT ? -EINVAL : -errno;
	if (fstat(mfd, &st) < 0) {
		n = -errno;
		real.close(mfd);
		return n;
	}
	limit = ((size_t)st.st_size + page_size - 1) & ~(size_t)(page_size - 1);
	if (len > limit) {
		real.close(mfd);
		return -EINVAL;
	}
	return mfd;
}

static void *
fail_map(int err)
{
	errno = err;
	return MAP_FAILED;
}

static void *
uio_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	char dev_dir[PATH_MAX];
	unsigned int region;
	void *p;
	int mfd, rc;

	if (off < 0 || off % page_size != 0 || len == 0)
		return fail_map(EINVAL);
	if (off / page_size >= HVSIM_UIO_REGIONS)
		return fail_map(EINVAL);
	region = (unsigned int)(off / page_size);
	if (!lookup_dev_dir(fd, dev_dir, sizeof(dev_dir)))
		return fail_map(EBADF);
	mfd = open_region(dev_dir, region, len);
	if (mfd < 0)
		return fail_map(-mfd);
	p = real.mmap(addr, len, prot, flags, mfd, 0);
	rc = errno;
	real.close(mfd);
	if (p == MAP_FAILED)
		return fail_map(rc);
	if (flags & MAP_FIXED)
		forget_range(p, len);	/* it replaced whatever was there */
	rc = track_map(fd, p, len);
	if (rc < 0) {
		real.munmap(p, len);
		return fail_map(-rc);
	}
	return p;
}

static void *
plain_mmap(mmap_fn fn, void *addr, size_t len, int prot, int flags, int fd,
	   off_t off)
{
	void *p = fn(addr, len, prot, flags, fd, off);

	/* A fixed mapping may have replaced part of a uio mapping. */
	if (p != MAP_FAILED && (flags & MAP_FIXED)) {
		int saved = errno;

		forget_range(p, len);
		errno = saved;
	}
	return p;
}

SHIM_EXPORT void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	shim_init();
	if (is_uio_fd(fd))
		return uio_mmap(addr, len, prot, flags, fd, off);
	return plain_mmap(real.mmap, addr, len, prot, flags, fd, off);
}

SHIM_EXPORT void *
mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
	shim_init();
	if (is_uio_fd(fd))
		return uio_mmap(addr, len, prot, flags, fd, off);
	return plain_mmap(real.mmap64, addr, len, prot, flags, fd, off);
}

SHIM_EXPORT int
munmap(void *addr, size_t len)
{
	int rc;

	shim_init();
	rc = real.munmap(addr, len);
	if (rc == 0) {
		int saved = errno;

		forget_range(addr, len);
		errno = saved;
	}
	return rc;
}

/* ---- read / write / close ---------------------------------------------- */

/* The host hanging up is a rescind: the kernel answers EIO. */
static bool
is_hangup(int err)
{
	return err == EPIPE || err == ECONNRESET || err == ENOTCONN;
}

/*
 * The kernel's read returns the event count as it is now: interrupts
 * raised since the last read are one answer, not one each. The host sends
 * one message per interrupt; take every one already there and answer the
 * last count.
 */
static void
drain_counts(int fd, void *buf)
{
	uint32_t later;

	while (recv(fd, &later, sizeof(later), MSG_DONTWAIT) == (ssize_t)sizeof(later))
		memcpy(buf, &later, sizeof(later));
}

static ssize_t
uio_read(int fd, void *buf, size_t n)
{
	ssize_t r;

	if (n != HVSIM_UIO_MSG_SIZE) {
		errno = EINVAL;
		return -1;
	}
	r = real.read(fd, buf, n);
	if (r == 0 || (r < 0 && is_hangup(errno))) {
		errno = EIO;
		return -1;
	}
	if (r == (ssize_t)n)
		drain_counts(fd, buf);
	return r;
}

static ssize_t
uio_write(int fd, const void *buf, size_t n)
{
	ssize_t r;

	if (n != HVSIM_UIO_MSG_SIZE) {
		errno = EINVAL;
		return -1;
	}
	r = send(fd, buf, n, MSG_NOSIGNAL);
	if (r < 0 && is_hangup(errno))
		errno = EIO;
	return r;
}

SHIM_EXPORT ssize_t
read(int fd, void *buf, size_t n)
{
	shim_init();
	if (is_uio_fd(fd))
		return uio_read(fd, buf, n);
	return real.read(fd, buf, n);
}

SHIM_EXPORT ssize_t
__read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	shim_init();
	/* An overflow is libc's to report (it aborts): hand it over. */
	if (is_uio_fd(fd) && n <= buflen)
		return uio_read(fd, buf, n);
	if (real.read_chk == NULL)
		return real.read(fd, buf, n);
	return real.read_chk(fd, buf, n, buflen);
}

SHIM_EXPORT ssize_t
write(int fd, const void *buf, size_t n)
{
	shim_init();
	if (is_uio_fd(fd))
		return uio_write(fd, buf, n);
	return real.write(fd, buf, n);
}

static void
forget_fd(int fd)
{
	struct uio_file *f;

	pthread_mutex_lock(&files_lock);
	/* Clear the bit before the fd number can be reused by anyone. */
	mark_uio_fd(fd, false);
	f = find_open_file(fd);
	if (f != NULL) {
		f->fd = -1;
		release_if_unused(f);
	}
	pthread_mutex_unlock(&files_lock);
}

SHIM_EXPORT int
close(int fd)
{
	shim_init();
	if (is_uio_fd(fd))
		forget_fd(fd);
	else if (is_uevent_fd(fd))
		forget_uevent_fd(fd);
	return real.close(fd);
}

/* ---- the uevent socket --------------------------------------------------- */

static void
forget_uevent_fd(int fd)
{
	struct quiet_peer **pp, *q;

	pthread_mutex_lock(&files_lock);
	set_fd_bit(uevent_fd_bits, fd, false);
	for (pp = &quiet_peers; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->fd == fd) {
			q = *pp;
			*pp = q->next;
			real.close(q->peer);
			free(q);
			break;
		}
	}
	pthread_mutex_unlock(&files_lock);
}

/* Connect a blocking SOCK_SEQPACKET socket to the host's uevent.sock;
 * -ENOENT / -ECONNREFUSED when nobody listens. */
static int
connect_uevent(int sock)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = UEVENT_CONNECT_TIMEOUT_S };
	int rc = 0;

	if (hvsim_uevent_sock_path(sun.sun_path, sizeof(sun.sun_path),
				   getenv(HVSIM_UIO_DIR_ENV)) < 0)
		return -ENAMETOOLONG;
	/* AF_UNIX connect() waits for room in the backlog this long. */
	setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(sock, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		rc = -errno;
	tv.tv_sec = 0;
	setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return rc;
}

/* Nobody listens: a connected pair whose other end the shim keeps, so the
 * guest's socket is valid, pollable and forever silent. */
static int
quiet_socket(int cloexec)
{
	struct quiet_peer *q = malloc(sizeof(*q));
	int sv[2];

	if (q == NULL)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | cloexec, 0, sv) < 0) {
		free(q);
		return -errno;
	}
	/* The kept end must not leak into programs the guest runs. */
	fcntl(sv[1], F_SETFD, FD_CLOEXEC);
	/* Before the new entry exists: a stale one may share the number. */
	drop_stale_fd(sv[0]);
	drop_stale_fd(sv[1]);
	q->fd = sv[0];
	q->peer = sv[1];
	pthread_mutex_lock(&files_lock);
	q->next = quiet_peers;
	quiet_peers = q;
	pthread_mutex_unlock(&files_lock);
	return sv[0];
}

static int
open_uevent_socket(int type)
{
	int cloexec = type & SOCK_CLOEXEC;
	int sock, rc;

	sock = real.socket(AF_UNIX, SOCK_SEQPACKET | cloexec, 0);
	if (sock < 0)
		return -errno;
	drop_stale_fd(sock);
	rc = connect_uevent(sock);
	if (rc == -ENOENT || rc == -ECONNREFUSED) {
		real.close(sock);
		sock = quiet_socket(cloexec);
		if (sock < 0)
			return sock;
		rc = 0;
	}
	/* Connected blocking so that a refusal is seen here; now the mode
	 * the caller asked for. */
	if (rc == 0 && (type & SOCK_NONBLOCK) &&
	    fcntl(sock, F_SETFL, O_NONBLOCK) < 0)
		rc = -errno;
	if (rc == 0 && sock >= SHIM_MAX_FD)
		rc = -EMFILE;
	if (rc < 0) {
		forget_uevent_fd(sock);	/* its quiet peer, if any */
		real.close(sock);
		return rc;
	}
	set_fd_bit(uevent_fd_bits, sock, true);
	return sock;
}

SHIM_EXPORT int
socket(int domain, int type, int protocol)
{
	int fd;

	shim_init();
	if (domain == AF_NETLINK && protocol == NETLINK_KOBJECT_UEVENT &&
	    shim_active()) {
		fd = open_uevent_socket(type);
		if (fd < 0) {
			errno = -fd;
			return -1;
		}
		return fd;
	}
	return passed_through(real.socket(domain, type, protocol));
}

/* What the kernel's netlink bind() checks first; nothing else to do: the
 * host sends every uevent to every guest socket. */
static int
uevent_bind(const struct sockaddr *addr, socklen_t len)
{
	if (len < sizeof(struct sockaddr_nl)) {
		errno = EINVAL;
		return -1;
	}
	if (addr == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (addr->sa_family != AF_NETLINK) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

SHIM_EXPORT int
bind(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	shim_init();
	if (is_uevent_fd(fd))
		return uevent_bind(SOCKADDR_PTR(addr), len);
	return real.bind(fd, SOCKADDR_PTR(addr), len);
}

/* ---- SIOCGIFHWADDR -------------------------------------------------------- */

/* An interface name that is one path component. */
static bool
is_ifname(const char *name)
{
	size_t len = strnlen(name, IFNAMSIZ);
	size_t i;

	if (len == 0 || len == IFNAMSIZ || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return false;
	for (i = 0; i < len; i++)
		if (name[i] == '/' || name[i] <= ' ')
			return false;
	return true;
}

/* Exactly "xx:xx:xx:xx:xx:xx\n" (the newline optional), hex either case. */
static bool
parse_mac(const char *text, uint8_t mac[6])
{
	unsigned int b[6];
	char rest[2] = { 0 };
	int n, i;

	n = sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%1c", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &rest[0]);
	if (n < 6 || (n == 7 && rest[0] != '\n') || strlen(text) > 18)
		return false;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return true;
}

static bool
read_mac(const char *path, uint8_t mac[6])
{
	char text[32];
	ssize_t n;
	int fd;

	fd = real.open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = real.read(fd, text, sizeof(text) - 1);
	real.close(fd);
	if (n <= 0)
		return false;
	text[n] = '\0';
	return parse_mac(text, mac);
}

/* The MAC in <pci devices>/<any device>/net/<ifname>/address. */
static bool
find_vf_mac(const char *ifname, uint8_t mac[6])
{
	const char *root = getenv(HVSIM_SYSFS_PCI_DEVICES_ENV);
	char path[PATH_MAX];
	struct dirent *de;
	bool found = false;
	DIR *d;
	int n;

	if (root == NULL || root[0] == '\0')
		root = HVSIM_SYSFS_PCI_DEVICES;
	d = opendir(root);
	if (d == NULL)
		return false;
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		n = snprintf(path, sizeof(path), "%s/%s/net/%s/address", root,
			     de->d_name, ifname);
		if (n > 0 && (size_t)n < sizeof(path))
			found = read_mac(path, mac);
	}
	closedir(d);
	return found;
}

/* Answer SIOCGIFHWADDR for a VF interface as the kernel would: family
 * ARPHRD_ETHER, the 6 address bytes, the rest of sa_data untouched. */
static bool
answer_vf_hwaddr(int fd, struct ifreq *ifr)
{
	char name[IFNAMSIZ];
	struct stat st;
	uint8_t mac[6];

	if (ifr == NULL || fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;	/* the kernel's error is the right one */
	memcpy(name, ifr->ifr_name, sizeof(name));
	if (memchr(name, '\0', sizeof(name)) == NULL || !is_ifname(name))
		return false;
	if (!find_vf_mac(name, mac))
		return false;
	ifr->ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr->ifr_hwaddr.sa_data, mac, sizeof(mac));
	return true;
}

SHIM_EXPORT int
ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;

	/* Every ioctl passes at most one argument, a pointer or a number
	 * that fits one; forward it as is. */
	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	shim_init();
	if (request == SIOCGIFHWADDR && shim_active() &&
	    answer_vf_hwaddr(fd, arg)) {
		return 0;
	}
	return real.ioctl(fd, request, arg);
}
