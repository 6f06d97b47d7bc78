/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * shim_client: the guest side of test_uio_shim. It runs with
 * LD_PRELOAD=libhvsim_uio.so and does what it is told, one command per
 * line on stdin, one reply line per command on stdout:
 *
 *   open VARIANT PATH [nonblock] [cloexec]   -> ok FD | err ERRNO
 *	VARIANT: open open64 __open_2 __open64_2 openat openat64
 *		 __openat_2 __openat64_2
 *   mmap FD OFFSET LEN                        -> ok SLOT | err ERRNO
 *   mmap64 FD OFFSET LEN                      -> ok SLOT | err ERRNO
 *   poke SLOT OFF HEX                         -> ok
 *   peek SLOT OFF LEN                         -> ok HEX
 *   munmap SLOT [OFF LEN]                     -> ok | err ERRNO
 *   anonfixed SLOT      (MAP_FIXED anonymous over the slot) -> ok | err
 *   read FD N | readchk FD N                  -> ok VALUE | err ERRNO
 *   write FD VALUE [N]                        -> ok BYTES | err ERRNO
 *   close FD                                  -> ok | err ERRNO
 *   poll FD MS                                -> ok REVENTS
 *   fdflags FD                                -> ok FD_FLAGS FL_FLAGS
 *   filetest PATH   (ordinary file I/O and mmap) -> ok | err STEP
 *   nlsock PROTO [nonblock] [cloexec]         -> ok FD | err ERRNO
 *	socket(AF_NETLINK, SOCK_RAW | flags, PROTO), as EAL's monitor does
 *   nlbind FD [LEN [FAMILY]]                  -> ok | err ERRNO
 *	bind with a sockaddr_nl, nl_groups all ones (EAL's)
 *   nlrecv FD                                 -> ok LEN HEX | err ERRNO
 *	recv(FD, buf, 4096, MSG_DONTWAIT), exactly EAL's read
 *   sockinfo FD                               -> ok DOMAIN TYPE | err ERRNO
 *   hwaddr IFNAME [file]                      -> ok FAMILY HEX6 | err ERRNO
 *	socket(PF_INET, SOCK_DGRAM) + ioctl(SIOCGIFHWADDR), as netvsc's
 *	hot-add does ("file": the ioctl on /dev/null instead)
 *   exit
 *
 * Numbers accept C syntax (0x...). Mappings are MAP_SHARED, read/write.
 */

/* "open" must call the symbol open, not open64: no 64-bit renaming. */
#undef _FILE_OFFSET_BITS

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);

#define MAX_SLOTS	64
#define MAX_ARGS	8
#define LINE_MAX_LEN	8192

struct slot {
	uint8_t *addr;
	size_t len;
};

static struct slot slots[MAX_SLOTS];

static void __attribute__((format(printf, 1, 2)))
reply(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void
reply_errno(void)
{
	reply("err %d", errno);
}

static unsigned long long
num(const char *s)
{
	return s != NULL ? strtoull(s, NULL, 0) : 0;
}

static int
open_variant(const char *variant, const char *path, int flags)
{
	if (strcmp(variant, "open") == 0)
		return open(path, flags);
	if (strcmp(variant, "open64") == 0)
		return open64(path, flags);
	if (strcmp(variant, "__open_2") == 0)
		return __open_2(path, flags);
	if (strcmp(variant, "__open64_2") == 0)
		return __open64_2(path, flags);
	if (strcmp(variant, "openat") == 0)
		return openat(AT_FDCWD, path, flags);
	if (strcmp(variant, "openat64") == 0)
		return openat64(AT_FDCWD, path, flags);
	if (strcmp(variant, "__openat_2") == 0)
		return __openat_2(AT_FDCWD, path, flags);
	if (strcmp(variant, "__openat64_2") == 0)
		return __openat64_2(AT_FDCWD, path, flags);
	errno = ENOSYS;
	return -1;
}

static void
cmd_open(char **av, int ac)
{
	int flags = O_RDWR;
	int i, fd;

	for (i = 3; i < ac; i++) {
		if (strcmp(av[i], "nonblock") == 0)
			flags |= O_NONBLOCK;
		else if (strcmp(av[i], "cloexec") == 0)
			flags |= O_CLOEXEC;
	}
	fd = open_variant(av[1], av[2], flags);
	if (fd < 0)
		reply_errno();
	else
		reply("ok %d", fd);
}

static int
free_slot(void)
{
	int i;

	for (i = 0; i < MAX_SLOTS; i++)
		if (slots[i].addr == NULL)
			return i;
	return -1;
}

static void
cmd_mmap(char **av, bool use64)
{
	size_t len = num(av[3]);
	int s = free_slot();
	void *p;

	if (s < 0) {
		reply("err %d", ENOSPC);
		return;
	}
	if (use64)
		p = mmap64(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			   (int)num(av[1]), (off64_t)num(av[2]));
	else
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 (int)num(av[1]), (off_t)num(av[2]));
	if (p == MAP_FAILED) {
		reply_errno();
		return;
	}
	slots[s].addr = p;
	slots[s].len = len;
	reply("ok %d", s);
}

static struct slot *
get_slot(const char *arg)
{
	unsigned long long s = num(arg);

	return (s < MAX_SLOTS && slots[s].addr != NULL) ? &slots[s] : NULL;
}

static int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
cmd_poke(char **av)
{
	struct slot *sl = get_slot(av[1]);
	size_t off = num(av[2]);
	const char *hex = av[3];
	size_t i, n = strlen(hex) / 2;

	if (sl == NULL || off + n > sl->len) {
		reply("err %d", EINVAL);
		return;
	}
	for (i = 0; i < n; i++)
		sl->addr[off + i] = (uint8_t)(hex_nibble(hex[2 * i]) << 4 |
					      hex_nibble(hex[2 * i + 1]));
	reply("ok");
}

static void
cmd_peek(char **av)
{
	struct slot *sl = get_slot(av[1]);
	size_t off = num(av[2]);
	size_t i, n = num(av[3]);

	if (sl == NULL || off + n > sl->len || n > 1024) {
		reply("err %d", EINVAL);
		return;
	}
	printf("ok ");
	for (i = 0; i < n; i++)
		printf("%02x", sl->addr[off + i]);
	reply("%s", "");
}

static void
cmd_munmap(char **av, int ac)
{
	struct slot *sl = get_slot(av[1]);
	size_t off = 0, len;

	if (sl == NULL) {
		reply("err %d", EINVAL);
		return;
	}
	len = sl->len;
	if (ac >= 4) {
		off = num(av[2]);
		len = num(av[3]);
	}
	if (munmap(sl->addr + off, len) < 0) {
		reply_errno();
		return;
	}
	if (ac < 4)
		sl->addr = NULL;	/* partial unmaps keep the slot */
	reply("ok");
}

static void
cmd_anonfixed(char **av)
{
	struct slot *sl = get_slot(av[1]);
	void *p;

	if (sl == NULL) {
		reply("err %d", EINVAL);
		return;
	}
	p = mmap(sl->addr, sl->len, PROT_READ,
		 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		reply_errno();
		return;
	}
	/* The slot now holds an anonymous mapping; drop it for real. */
	munmap(p, sl->len);
	sl->addr = NULL;
	reply("ok");
}

static void
cmd_read(char **av, bool chk)
{
	uint32_t buf[4] = { 0 };
	size_t n = num(av[2]);
	ssize_t r;

	if (n > sizeof(buf)) {
		reply("err %d", E2BIG);
		return;
	}
	if (chk)
		r = __read_chk((int)num(av[1]), buf, n, sizeof(buf));
	else
		r = read((int)num(av[1]), buf, n);
	if (r < 0)
		reply_errno();
	else
		reply("ok %u", buf[0]);
}

static void
cmd_write(char **av, int ac)
{
	uint32_t buf[4] = { (uint32_t)num(av[2]) };
	size_t n = ac >= 4 ? num(av[3]) : 4;
	ssize_t r;

	if (n > sizeof(buf)) {
		reply("err %d", E2BIG);
		return;
	}
	r = write((int)num(av[1]), buf, n);
	if (r < 0)
		reply_errno();
	else
		reply("ok %zd", r);
}

static void
cmd_poll(char **av)
{
	struct pollfd pfd = { .fd = (int)num(av[1]), .events = POLLIN };
	int n = poll(&pfd, 1, (int)num(av[2]));

	if (n < 0)
		reply_errno();
	else
		reply("ok %d", n == 0 ? 0 : pfd.revents);
}

static void
cmd_fdflags(char **av)
{
	int fd = (int)num(av[1]);
	int fdf = fcntl(fd, F_GETFD);
	int flf = fcntl(fd, F_GETFL);

	if (fdf < 0 || flf < 0)
		reply_errno();
	else
		reply("ok %d %d", fdf, flf);
}

/* Ordinary files must behave exactly as without the shim. Returns the
 * failing step, 0 when all went well. */
static int
file_roundtrip(const char *path)
{
	static const char text[] = "hvsim pass-through";
	char back[sizeof(text)] = { 0 };
	int fd, step = 0, ok;
	char *p;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 1;
	if (write(fd, text, sizeof(text)) != (ssize_t)sizeof(text))
		step = 2;
	else if (lseek(fd, 0, SEEK_SET) != 0 ||
		 read(fd, back, sizeof(back)) != (ssize_t)sizeof(back) ||
		 memcmp(back, text, sizeof(text)) != 0)
		step = 3;
	if (step == 0) {
		p = mmap(NULL, sizeof(text), PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			step = 4;
		else {
			ok = memcmp(p, text, sizeof(text)) == 0;
			if (munmap(p, sizeof(text)) < 0 || !ok)
				step = 5;
		}
	}
	if (close(fd) < 0 && step == 0)
		step = 6;
	if (step == 0 && read(fd, back, 1) != -1)
		step = 7;	/* a closed fd must stay closed */
	unlink(path);
	return step;
}

static void
cmd_filetest(char **av)
{
	int step = file_roundtrip(av[1]);

	if (step)
		reply("err %d", step);
	else
		reply("ok");
}

static void
cmd_nlsock(char **av, int ac)
{
	int type = SOCK_RAW;
	int i, fd;

	for (i = 2; i < ac; i++) {
		if (strcmp(av[i], "nonblock") == 0)
			type |= SOCK_NONBLOCK;
		else if (strcmp(av[i], "cloexec") == 0)
			type |= SOCK_CLOEXEC;
	}
	fd = socket(AF_NETLINK, type, (int)num(av[1]));
	if (fd < 0)
		reply_errno();
	else
		reply("ok %d", fd);
}

static void
cmd_nlbind(char **av, int ac)
{
	struct sockaddr_nl addr;
	socklen_t len = sizeof(addr);

	memset(&addr, 0, sizeof(addr));
	addr.nl_family = AF_NETLINK;
	addr.nl_groups = 0xffffffff;
	if (ac >= 3)
		len = (socklen_t)num(av[2]);
	if (ac >= 4)
		addr.nl_family = (sa_family_t)num(av[3]);
	if (bind((int)num(av[1]), (struct sockaddr *)&addr, len) < 0)
		reply_errno();
	else
		reply("ok");
}

static void
cmd_nlrecv(char **av)
{
	/* EAL_UEV_MSG_LEN, and recv() the way dev_uev_handler calls it */
	static char buf[4096 + 1];
	ssize_t i, n;

	n = recv((int)num(av[1]), buf, 4096, MSG_DONTWAIT);
	if (n < 0) {
		reply_errno();
		return;
	}
	printf("ok %zd ", n);
	for (i = 0; i < n; i++)
		printf("%02x", (uint8_t)buf[i]);
	reply("%s", "");
}

static void
cmd_sockinfo(char **av)
{
	int fd = (int)num(av[1]);
	int domain = 0, type = 0;
	socklen_t len = sizeof(int);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		reply_errno();
	else
		reply("ok %d %d", domain, type);
}

static void
cmd_hwaddr(char **av, int ac)
{
	bool on_file = ac >= 3 && strcmp(av[2], "file") == 0;
	struct ifreq req;
	int s, ret, err;

	s = on_file ? open("/dev/null", O_RDONLY | O_CLOEXEC) :
		      socket(PF_INET, SOCK_DGRAM, IPPROTO_IP);
	if (s < 0) {
		reply_errno();
		return;
	}
	memset(&req, 0xa5, sizeof(req));	/* the answer must not depend on it */
	snprintf(req.ifr_name, sizeof(req.ifr_name), "%s", av[1]);
	ret = ioctl(s, SIOCGIFHWADDR, &req);
	err = errno;
	close(s);
	if (ret < 0) {
		reply("err %d", err);
		return;
	}
	reply("ok %u %02x%02x%02x%02x%02x%02x", req.ifr_hwaddr.sa_family,
	      (uint8_t)req.ifr_hwaddr.sa_data[0], (uint8_t)req.ifr_hwaddr.sa_data[1],
	      (uint8_t)req.ifr_hwaddr.sa_data[2], (uint8_t)req.ifr_hwaddr.sa_data[3],
	      (uint8_t)req.ifr_hwaddr.sa_data[4], (uint8_t)req.ifr_hwaddr.sa_data[5]);
}

static int
split(char *line, char **av)
{
	int ac = 0;
	char *save = NULL;
	char *tok;

	for (tok = strtok_r(line, " \t\n", &save); tok && ac < MAX_ARGS;
	     tok = strtok_r(NULL, " \t\n", &save))
		av[ac++] = tok;
	return ac;
}

/* Returns false on "exit". */
static bool
run(char **av, int ac)
{
	static const struct {
		const char *name;
		int min_args;
	} arity[] = {
		{ "open", 3 }, { "mmap", 4 }, { "mmap64", 4 }, { "poke", 4 },
		{ "peek", 4 }, { "munmap", 2 }, { "anonfixed", 2 },
		{ "read", 3 }, { "readchk", 3 }, { "write", 3 },
		{ "close", 2 }, { "poll", 3 }, { "fdflags", 2 },
		{ "filetest", 2 }, { "nlsock", 2 }, { "nlbind", 2 },
		{ "nlrecv", 2 }, { "sockinfo", 2 }, { "hwaddr", 2 },
	};
	const char *c = av[0];
	size_t i;

	if (strcmp(c, "exit") == 0)
		return false;
	for (i = 0; i < sizeof(arity) / sizeof(arity[0]); i++)
		if (strcmp(c, arity[i].name) == 0)
			break;
	if (i == sizeof(arity) / sizeof(arity[0]) || ac < arity[i].min_args) {
		reply("err %d", EINVAL);
		return true;
	}
	if (strcmp(c, "open") == 0)
		cmd_open(av, ac);
	else if (strcmp(c, "mmap") == 0 || strcmp(c, "mmap64") == 0)
		cmd_mmap(av, c[4] == '6');
	else if (strcmp(c, "poke") == 0)
		cmd_poke(av);
	else if (strcmp(c, "peek") == 0)
		cmd_peek(av);
	else if (strcmp(c, "munmap") == 0)
		cmd_munmap(av, ac);
	else if (strcmp(c, "anonfixed") == 0)
		cmd_anonfixed(av);
	else if (strcmp(c, "read") == 0 || strcmp(c, "readchk") == 0)
		cmd_read(av, c[4] == 'c');
	else if (strcmp(c, "write") == 0)
		cmd_write(av, ac);
	else if (strcmp(c, "close") == 0 && close((int)num(av[1])) < 0)
		reply_errno();
	else if (strcmp(c, "close") == 0)
		reply("ok");
	else if (strcmp(c, "poll") == 0)
		cmd_poll(av);
	else if (strcmp(c, "fdflags") == 0)
		cmd_fdflags(av);
	else if (strcmp(c, "nlsock") == 0)
		cmd_nlsock(av, ac);
	else if (strcmp(c, "nlbind") == 0)
		cmd_nlbind(av, ac);
	else if (strcmp(c, "nlrecv") == 0)
		cmd_nlrecv(av);
	else if (strcmp(c, "sockinfo") == 0)
		cmd_sockinfo(av);
	else if (strcmp(c, "hwaddr") == 0)
		cmd_hwaddr(av, ac);
	else
		cmd_filetest(av);
	return true;
}

int
main(void)
{
	static char line[LINE_MAX_LEN];
	char *av[MAX_ARGS];
	int ac;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		ac = split(line, av);
		if (ac == 0)
			continue;
		if (!run(av, ac))
			break;
	}
	return 0;
}
