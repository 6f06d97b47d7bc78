/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * --traffic=tap[:KEY=VALUE,...]: a kernel on the other side of the wire.
 * Each NIC port P gets a TAP device (hvtapP) in a network namespace of its
 * own (hvsim-nsP), with an IPv4 address (10.0.P.1/24; the guest is
 * 10.0.P.2 by convention), up, with the NIC's MTU. Frames the guest sends
 * are written to the tap; frames the kernel sends come to the guest. So
 *
 *   ip netns exec hvsim-ns0 ping 10.0.0.2
 *
 * pings the guest. The namespaces are named (bind mounts under
 * /run/netns, made in the host's mount namespace so that `ip netns` sees
 * them although hvsim runs in a private one) and go away at exit.
 *
 *   addrP=A.B.C.D/LEN|none  address of port P's tap (default 10.0.P.1/24)
 *   mtu=N                   tap MTU (default: the NIC's, --mtu)
 *   ns=PREFIX               namespace names PREFIX<P> (default hvsim-ns)
 *   dev=PREFIX              device names PREFIX<P> (default hvtap)
 *   ipv6=1                  leave IPv6 on (default off: the kernel then
 *                           sends nothing unasked, so counts stay exact)
 *
 * VLAN: a frame the guest sends with a VLAN PPI reaches the kernel with
 * its 802.1Q tag inside; a tagged frame from the kernel reaches the guest
 * untagged, its tag in the VLAN PPI, as Hyper-V's switch does.
 *
 * A namespace hvsim left behind when it was killed is taken over by the
 * next hvsim that uses the name: each name has a lock file in /run/hvsim
 * held while in use.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guestos/hvns.h"
#include "util.h"
#include "vmbus/nic.h"
#include "wire/vswitch.h"

#define NETNS_DIR	"/run/netns"
#define LOCK_DIR	"/run/hvsim"
#define NAME_LEN	32
#define ETH_HDR		14
#define VLAN_HDR	4
#define RX_BURST	32

struct tap_addr {
	bool none;
	struct in_addr addr;
	unsigned int prefix;
};

struct tap_port {
	int fd;			/* the tap, -1 until made */
	int lock_fd;
	bool mounted;		/* NETNS_DIR/ns is ours to remove */
	char ns[NAME_LEN];
	char dev[IFNAMSIZ];
	uint32_t mtu;
	uint64_t from_guest_frames, from_guest_bytes, from_guest_dropped;
	uint64_t to_guest_frames, to_guest_bytes, to_guest_dropped;
};

struct tap {
	struct hvsim_vswitch *vs;
	char ns_prefix[NAME_LEN - 2];
	char dev_prefix[IFNAMSIZ - 2];
	uint32_t mtu;		/* 0: the NIC's */
	bool ipv6;
	struct tap_addr addr[HVSIM_VSWITCH_PORTS];
	bool addr_given[HVSIM_VSWITCH_PORTS];
	struct tap_port port[HVSIM_VSWITCH_PORTS];
	uint8_t buf[HVSIM_VSWITCH_FRAME_MAX + VLAN_HDR];
};

/* hvsim leaves main() early on a set-up error without destroying its
 * switch: the namespaces must go all the same. */
static struct tap *live_tap;

static void tap_destroy(void *ctx);

static void
destroy_at_exit(void)
{
	if (live_tap != NULL)
		tap_destroy(live_tap);
}

/* ---- arguments -------------------------------------------------------------- */

static int
parse_addr(struct tap_addr *a, const char *v)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(v, '/');
	char *end;

	memset(a, 0, sizeof(*a));
	if (strcmp(v, "none") == 0) {
		a->none = true;
		return 0;
	}
	if (slash == NULL || (size_t)(slash - v) >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, v, (size_t)(slash - v));
	ip[slash - v] = '\0';
	a->prefix = (unsigned int)strtoul(slash + 1, &end, 10);
	if (inet_pton(AF_INET, ip, &a->addr) != 1 || *end || end == slash + 1 || a->prefix > 32)
		return -EINVAL;
	return 0;
}

static int
parse_name(char *dst, size_t size, const char *v)
{
	size_t len = strlen(v);

	/* room for the port digit; characters ip(8) and the kernel accept */
	if (len == 0 || len + 2 > size || strpbrk(v, "/ \t:") != NULL)
		return -EINVAL;
	memcpy(dst, v, len + 1);
	return 0;
}

static int
parse_kv(void *ctx, const char *key, const char *v)
{
	struct tap *t = ctx;
	unsigned int p;
	char *end;

	if (strncmp(key, "addr", 4) == 0 && key[4] != '\0') {
		p = (unsigned int)strtoul(key + 4, &end, 10);
		if (*end || p >= HVSIM_VSWITCH_PORTS)
			return -EINVAL;
		t->addr_given[p] = true;
		return parse_addr(&t->addr[p], v);
	}
	if (strcmp(key, "mtu") == 0) {
		t->mtu = (uint32_t)strtoul(v, &end, 10);
		return (*end || t->mtu < 68 || t->mtu > 65535 - ETH_HDR) ? -EINVAL : 0;
	}
	if (strcmp(key, "ns") == 0)
		return parse_name(t->ns_prefix, sizeof(t->ns_prefix), v);
	if (strcmp(key, "dev") == 0)
		return parse_name(t->dev_prefix, sizeof(t->dev_prefix), v);
	if (strcmp(key, "ipv6") == 0) {
		t->ipv6 = strcmp(v, "1") == 0 || strcmp(v, "on") == 0;
		return 0;
	}
	return -EINVAL;
}

static int
parse_args(struct tap *t, const char *args)
{
	return hvsim_parse_kv(args, parse_kv, t);
}

static int
tap_create(struct hvsim_vswitch *vs, const char *args, void **ctx)
{
	struct tap *t = calloc(1, sizeof(*t));
	int p;

	if (t == NULL)
		return -ENOMEM;
	t->vs = vs;
	strcpy(t->ns_prefix, "hvsim-ns");
	strcpy(t->dev_prefix, "hvtap");
	for (p = 0; p < HVSIM_VSWITCH_PORTS; p++) {
		t->port[p].fd = -1;
		t->port[p].lock_fd = -1;
	}
	if (parse_args(t, args) < 0) {
		fprintf(stderr, "hvsim: --traffic=tap:%s: expected addrP=A.B.C.D/LEN|none,mtu=N,"
			"ns=PREFIX,dev=PREFIX,ipv6=1\n", args);
		free(t);
		return -EINVAL;
	}
	if (live_tap == NULL)
		atexit(destroy_at_exit);
	live_tap = t;
	*ctx = t;
	return 0;
}

/* ---- the namespace, in the host's mount namespace ------------------------------ */

/* As ip-netns(8) does: the directory is a shared mount, so namespaces
 * added later also appear in mount namespaces copied from the host's. */
static int
prepare_netns_dir(void)
{
	if (mkdir(NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	/* not a mount point yet */
	if (mount(NETNS_DIR, NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0 ||
	    mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return -errno;
	return 0;
}

/* Our current network namespace under NETNS_DIR/name; a stale one (its
 * hvsim was killed: the lock is free) is replaced. */
static int
mount_netns(void *arg)
{
	const struct tap_port *tp = arg;
	char path[PATH_MAX];
	int fd, rc;

	rc = prepare_netns_dir();
	if (rc == 0)
		rc = fmt_path(path, sizeof(path), "%s/%s", NETNS_DIR, tp->ns);
	if (rc < 0)
		return rc;
	if (umount2(path, MNT_DETACH) == 0)
		fprintf(stderr, "hvsim: tap: took over %s, left by an hvsim that was killed\n",
			path);
	unlink(path);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		rc = -errno;
		unlink(path);
		return rc;
	}
	return 0;
}

static int
unmount_netns(void *arg)
{
	const struct tap_port *tp = arg;
	char path[PATH_MAX];

	if (fmt_path(path, sizeof(path), "%s/%s", NETNS_DIR, tp->ns) < 0)
		return -ENAMETOOLONG;
	umount2(path, MNT_DETACH);
	return unlink(path) < 0 ? -errno : 0;
}

/* One hvsim per name at a time; the lock dies with its holder. */
static int
lock_name(void *arg)
{
	struct tap_port *tp = arg;
	char path[PATH_MAX];
	int rc;

	if (mkdir(LOCK_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	rc = fmt_path(path, sizeof(path), "%s/%s.lock", LOCK_DIR, tp->ns);
	if (rc < 0)
		return rc;
	tp->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (tp->lock_fd < 0)
		return -errno;
	if (flock(tp->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(tp->lock_fd);
		tp->lock_fd = -1;
		return rc;
	}
	return 0;
}

/* ---- the device, inside the new network namespace -------------------------------- */

static int
open_tap(struct tap_port *tp)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };

	tp->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (tp->fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tp->dev);
	if (ioctl(tp->fd, TUNSETIFF, &ifr) < 0)
		return -errno;
	return 0;
}

static int
write_sysctl(const char *path, const char *value)
{
	size_t len = strlen(value);
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;	/* no IPv6 in this kernel */
	if (write(fd, value, len) != (ssize_t)len)
		rc = -errno;
	close(fd);
	return rc;
}

/* IPv6 would send router and neighbour solicitations of its own. Off for
 * the whole namespace, so that VLAN interfaces a test adds stay quiet too. */
static int
disable_ipv6(const char *dev)
{
	static const char *const scopes[] = { "all", "default", NULL };
	char path[PATH_MAX];
	int i, rc = 0;

	for (i = 0; rc == 0 && scopes[i] != NULL; i++) {
		rc = fmt_path(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
			      scopes[i]);
		if (rc == 0)
			rc = write_sysctl(path, "1\n");
	}
	if (rc == 0)
		rc = fmt_path(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", dev);
	return rc < 0 ? rc : write_sysctl(path, "1\n");
}

static int
ifreq_ioctl(int sock, unsigned long req, struct ifreq *ifr)
{
	return ioctl(sock, req, ifr) < 0 ? -errno : 0;
}

static int
set_up(int sock, const char *dev)
{
	struct ifreq ifr = { 0 };
	int rc;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	rc = ifreq_ioctl(sock, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	return rc < 0 ? rc : ifreq_ioctl(sock, SIOCSIFFLAGS, &ifr);
}

static int
set_ipv4(int sock, const char *dev, const struct tap_addr *a)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int rc;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	sin->sin_family = AF_INET;
	sin->sin_addr = a->addr;
	rc = ifreq_ioctl(sock, SIOCSIFADDR, &ifr);
	sin->sin_addr.s_addr = a->prefix ? htonl(~0u << (32 - a->prefix)) : 0;
	return rc < 0 ? rc : ifreq_ioctl(sock, SIOCSIFNETMASK, &ifr);
}

static int
configure(const struct tap *t, struct tap_port *tp, const struct tap_addr *a)
{
	struct ifreq ifr = { 0 };
	int sock, rc;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	rc = t->ipv6 ? 0 : disable_ipv6(tp->dev);
	if (rc == 0)
		rc = set_up(sock, "lo");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tp->dev);
	ifr.ifr_mtu = (int)tp->mtu;
	if (rc == 0)
		rc = ifreq_ioctl(sock, SIOCSIFMTU, &ifr);
	if (rc == 0 && !a->none)
		rc = set_ipv4(sock, tp->dev, a);
	if (rc == 0)
		rc = set_up(sock, tp->dev);
	close(sock);
	return rc;
}

/* Make the namespace and the tap in it; hvsim itself stays where it was. */
static int
build_port(struct tap *t, struct tap_port *tp, const struct tap_addr *a)
{
	int orig, rc, back;

	orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return -errno;
	if (unshare(CLONE_NEWNET) < 0) {
		rc = -errno;
		close(orig);
		return rc;
	}
	rc = open_tap(tp);
	if (rc == 0)
		rc = configure(t, tp, a);
	if (rc == 0)
		rc = hvns_in_host(mount_netns, tp);
	tp->mounted = rc == 0;
	back = setns(orig, CLONE_NEWNET) < 0 ? -errno : 0;
	close(orig);
	return rc < 0 ? rc : back;
}

static int
tap_port_added(void *ctx, int port)
{
	struct tap *t = ctx;
	struct tap_port *tp = &t->port[port];
	const struct hvsim_nic *nic = hvsim_vswitch_port(t->vs, port);
	struct tap_addr a = t->addr[port];
	int rc;

	snprintf(tp->ns, sizeof(tp->ns), "%s%d", t->ns_prefix, port);
	snprintf(tp->dev, sizeof(tp->dev), "%s%d", t->dev_prefix, port);
	tp->mtu = t->mtu ? t->mtu : nic->cfg.mtu;
	if (!t->addr_given[port]) {
		a.none = false;
		a.addr.s_addr = htonl(0x0a000001u | (uint32_t)port << 8);	/* 10.0.P.1 */
		a.prefix = 24;
		t->addr[port] = a;
	}
	rc = hvns_in_host(lock_name, tp);
	if (rc == -EBUSY) {
		fprintf(stderr, "hvsim: tap: network namespace %s is used by another hvsim "
			"(choose another with --traffic=tap:ns=PREFIX)\n", tp->ns);
		return rc;
	}
	if (rc == 0)
		rc = build_port(t, tp, &a);
	if (rc < 0)
		fprintf(stderr, "hvsim: tap: cannot make %s in network namespace %s: %s\n",
			tp->dev, tp->ns, strerror(-rc));
	return rc;
}

/* ---- frames -------------------------------------------------------------------------- */

static void
tap_from_guest(void *ctx, int port, const uint8_t *frame, uint32_t len, uint16_t vlan_tci)
{
	struct tap *t = ctx;
	struct tap_port *tp = &t->port[port];
	const uint8_t *out = frame;
	uint32_t out_len = len;

	if (tp->fd < 0 || len + VLAN_HDR > sizeof(t->buf)) {
		tp->from_guest_dropped++;
		return;
	}
	if (vlan_tci != 0) {	/* the tag goes back into the frame, after the MACs */
		memcpy(t->buf, frame, 12);
		t->buf[12] = 0x81;
		t->buf[13] = 0x00;
		t->buf[14] = (uint8_t)(vlan_tci >> 8);
		t->buf[15] = (uint8_t)vlan_tci;
		memcpy(t->buf + 16, frame + 12, len - 12);
		out = t->buf;
		out_len = len + VLAN_HDR;
	}
	if (write(tp->fd, out, out_len) != (ssize_t)out_len) {
		tp->from_guest_dropped++;
		return;
	}
	tp->from_guest_frames++;
	tp->from_guest_bytes += len;
}

/* An 802.1Q tag leaves the frame for the VLAN PPI; returns the TCI. */
static uint16_t
strip_vlan(uint8_t *frame, uint32_t *len)
{
	uint16_t tci;

	if (*len < ETH_HDR + VLAN_HDR || frame[12] != 0x81 || frame[13] != 0x00)
		return 0;
	tci = (uint16_t)(frame[14] << 8 | frame[15]);
	memmove(frame + 12, frame + 16, *len - 16);
	*len -= VLAN_HDR;
	return tci;
}

static unsigned int
poll_port(struct tap *t, int port)
{
	struct tap_port *tp = &t->port[port];
	unsigned int n;

	for (n = 0; n < RX_BURST; n++) {
		ssize_t got = read(tp->fd, t->buf, sizeof(t->buf));
		uint32_t len;
		uint16_t tci;

		if (got < ETH_HDR)
			break;	/* EAGAIN: nothing more for now */
		len = (uint32_t)got;
		tci = strip_vlan(t->buf, &len);
		/* a guest that is not up (or is full) loses it, as on a real wire */
		if (hvsim_vswitch_deliver(t->vs, port, t->buf, len, tci) < 0) {
			tp->to_guest_dropped++;
			continue;
		}
		tp->to_guest_frames++;
		tp->to_guest_bytes += len;
	}
	return n;
}

static unsigned int
tap_poll(void *ctx)
{
	struct tap *t = ctx;
	int p, nports = hvsim_vswitch_nports(t->vs);
	unsigned int work = 0;

	for (p = 0; p < nports; p++)
		if (t->port[p].fd >= 0)
			work += poll_port(t, p);
	return work;
}

/* ---- reporting and tear-down ----------------------------------------------------------- */

static void
tap_stats_json(void *ctx, FILE *f)
{
	const struct tap *t = ctx;
	int p, n = hvsim_vswitch_nports(t->vs);

	fprintf(f, "{\"ports\": [");
	for (p = 0; p < n; p++) {
		const struct tap_port *tp = &t->port[p];
		char ip[INET_ADDRSTRLEN + 4] = "none";

		if (!t->addr[p].none) {
			inet_ntop(AF_INET, &t->addr[p].addr, ip, INET_ADDRSTRLEN);
			snprintf(ip + strlen(ip), 4, "/%u", t->addr[p].prefix);
		}
		fprintf(f, "%s{\"netns\": \"%s\", \"dev\": \"%s\", \"addr\": \"%s\", "
			"\"mtu\": %u, \"from_guest_frames\": %llu, \"from_guest_bytes\": %llu, "
			"\"from_guest_dropped\": %llu, \"to_guest_frames\": %llu, "
			"\"to_guest_bytes\": %llu, \"to_guest_dropped\": %llu}", p ? ", " : "",
			tp->ns, tp->dev, ip, tp->mtu,
			(unsigned long long)tp->from_guest_frames,
			(unsigned long long)tp->from_guest_bytes,
			(unsigned long long)tp->from_guest_dropped,
			(unsigned long long)tp->to_guest_frames,
			(unsigned long long)tp->to_guest_bytes,
			(unsigned long long)tp->to_guest_dropped);
	}
	fprintf(f, "]}");
}

static void
tap_destroy(void *ctx)
{
	struct tap *t = ctx;
	int p;

	for (p = 0; p < HVSIM_VSWITCH_PORTS; p++) {
		struct tap_port *tp = &t->port[p];

		/* the device goes with its last fd, the namespace with its mount */
		if (tp->fd >= 0)
			close(tp->fd);
		if (tp->mounted)
			hvns_in_host(unmount_netns, tp);
		if (tp->lock_fd >= 0)
			close(tp->lock_fd);
	}
	if (live_tap == t)
		live_tap = NULL;
	free(t);
}

const struct hvsim_wire_ops hvsim_wire_tap = {
	.name = "tap",
	.create = tap_create,
	.port_added = tap_port_added,
	.from_guest = tap_from_guest,
	.poll = tap_poll,
	.stats_json = tap_stats_json,
	.destroy = tap_destroy,
};
