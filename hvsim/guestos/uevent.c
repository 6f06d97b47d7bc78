/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Host end of the kernel uevent socket; see uevent.h and uio_shim.h.
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "guestos/devtree.h"
#include "guestos/uevent.h"
#include "guestos/uio_shim.h"

/* Guests may create their sockets before the host's next poll. */
#define UEVENT_LISTEN_BACKLOG	64
/* Each guest socket can hold this many unread uevents before it misses
 * some (the kernel's netlink socket holds about as many). */
#define UEVENT_GUEST_SNDBUF	(256 * 1024)

struct hvsim_uevent {
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int guest[HVSIM_UEVENT_MAX_GUESTS];	/* connections, -1 = free */
	uint64_t seqnum;			/* of the last uevent sent */
	struct hvsim_uevent_stats st;
};

static const char *const actions[] = { "add", "remove", "bind", "unbind" };

static bool
is_action(const char *action)
{
	size_t i;

	for (i = 0; action != NULL && i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(action, actions[i]) == 0)
			return true;
	return false;
}

/* ---- the message -------------------------------------------------------- */

/* Append "text\0"; -ENOSPC when it does not fit. */
static int __attribute__((format(printf, 4, 5)))
put_var(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return -ENOSPC;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		return -ENOSPC;
	*len += (size_t)n + 1;	/* keep vsnprintf's NUL: the separator */
	return 0;
}

int
hvsim_uevent_format(char *buf, size_t size, const char *action,
		    const struct hvsim_pci_spec *spec, uint64_t seqnum)
{
	char devpath[128];
	size_t len = 0;
	int n, rc;

	if (buf == NULL || spec == NULL || !is_action(action) ||
	    hvsim_pcitree_devpath(devpath, sizeof(devpath), spec->bdf) < 0)
		return -EINVAL;
	rc = put_var(buf, size, &len, "%s@%s", action, devpath);
	if (rc == 0)
		rc = put_var(buf, size, &len, "ACTION=%s", action);
	if (rc == 0)
		rc = put_var(buf, size, &len, "DEVPATH=%s", devpath);
	if (rc == 0)
		rc = put_var(buf, size, &len, "SUBSYSTEM=pci");
	if (rc < 0)
		return rc;
	n = hvsim_pcitree_uevent_vars(buf + len, size - len, spec,
				      strcmp(action, "bind") == 0, '\0');
	if (n < 0)
		return n;
	len += (size_t)n;
	rc = put_var(buf, size, &len, "SEQNUM=%" PRIu64, seqnum);
	return rc < 0 ? rc : (int)len;
}

/* ---- connections -------------------------------------------------------- */

struct hvsim_uevent *
hvsim_uevent_listen(const char *uio_dir)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct hvsim_uevent *u;
	int i, err;

	if (uio_dir == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (hvsim_uevent_sock_path(sun.sun_path, sizeof(sun.sun_path),
				   uio_dir) < 0) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return NULL;
	for (i = 0; i < HVSIM_UEVENT_MAX_GUESTS; i++)
		u->guest[i] = -1;
	memcpy(u->path, sun.sun_path, sizeof(u->path));
	/* A socket file left by an earlier host would make bind fail. */
	if (unlink(sun.sun_path) < 0 && errno != ENOENT)
		goto fail;
	u->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->lfd < 0)
		goto fail;
	if (bind(u->lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(u->lfd, UEVENT_LISTEN_BACKLOG) < 0) {
		err = errno;
		close(u->lfd);
		unlink(sun.sun_path);
		errno = err;
		goto fail;
	}
	return u;
fail:
	err = errno;
	free(u);
	errno = err;
	return NULL;
}

int
hvsim_uevent_fd(const struct hvsim_uevent *u)
{
	return u != NULL ? u->lfd : -1;
}

static int
free_slot(const struct hvsim_uevent *u)
{
	int i;

	for (i = 0; i < HVSIM_UEVENT_MAX_GUESTS; i++)
		if (u->guest[i] < 0)
			return i;
	return -1;
}

/* Accept every pending guest socket; returns how many were taken. */
static unsigned int
accept_pending(struct hvsim_uevent *u)
{
	int sndbuf = UEVENT_GUEST_SNDBUF;
	unsigned int work = 0;
	int cfd, slot;

	for (;;) {
		cfd = accept4(u->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0 && errno == EINTR)
			continue;
		if (cfd < 0)
			return work;	/* EAGAIN: none left (or a transient error) */
		work++;
		slot = free_slot(u);
		if (slot < 0) {
			close(cfd);	/* the guest reads EOF */
			u->st.refused++;
			continue;
		}
		/* Best effort: the default holds only a few hundred messages. */
		setsockopt(cfd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		u->guest[slot] = cfd;
		u->st.accepted++;
		u->st.guests++;
	}
}

static void
drop_guest(struct hvsim_uevent *u, int slot)
{
	close(u->guest[slot]);
	u->guest[slot] = -1;
	u->st.closed++;
	u->st.guests--;
}

/* Read and drop what a guest sent; false when it has gone. */
static bool
drain_guest(struct hvsim_uevent *u, int fd)
{
	char junk[HVSIM_UEVENT_MSG_MAX];
	ssize_t n;

	for (;;) {
		n = recv(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		if (n == 0)
			return false;	/* EOF: the guest closed its socket */
		u->st.ignored_bytes += (uint64_t)n;
	}
}

/* Drop guests that closed their socket; returns how many. */
static unsigned int
reap_closed(struct hvsim_uevent *u)
{
	struct pollfd pfd[HVSIM_UEVENT_MAX_GUESTS];
	int slot_of[HVSIM_UEVENT_MAX_GUESTS];
	unsigned int work = 0;
	int i, n = 0;

	for (i = 0; i < HVSIM_UEVENT_MAX_GUESTS; i++) {
		if (u->guest[i] < 0)
			continue;
		pfd[n].fd = u->guest[i];
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		slot_of[n++] = i;
	}
	if (n == 0 || poll(pfd, (nfds_t)n, 0) <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if ((pfd[i].revents & (POLLHUP | POLLERR | POLLNVAL)) ||
		    !drain_guest(u, pfd[i].fd)) {
			drop_guest(u, slot_of[i]);
			work++;
		}
	}
	return work;
}

unsigned int
hvsim_uevent_poll(struct hvsim_uevent *u)
{
	if (u == NULL)
		return 0;
	return accept_pending(u) + reap_closed(u);
}

/* ---- VMBus and uio devices ------------------------------------------------ */

/* The kernel's MODALIAS of a VMBus device: its class GUID's 16 bytes in
 * memory order (the first three fields little-endian). */
static int
vmbus_modalias(char *out, size_t size, const char *class_id)
{
	static const int byte_pos[16] = { 6, 4, 2, 0, 11, 9, 16, 14,
					   19, 21, 24, 26, 28, 30, 32, 34 };
	size_t i;

	if (size < 33 || strlen(class_id) != HVSIM_UUID_LEN)
		return -EINVAL;
	for (i = 0; i < 16; i++) {
		const char *h = class_id + byte_pos[i];

		if (!isxdigit((unsigned char)h[0]) || !isxdigit((unsigned char)h[1]))
			return -EINVAL;
		out[2 * i] = (char)tolower((unsigned char)h[0]);
		out[2 * i + 1] = (char)tolower((unsigned char)h[1]);
	}
	out[32] = '\0';
	return 0;
}

int
hvsim_uevent_format_vmbus(char *buf, size_t size, const char *action,
			  const char *device_id, const char *class_id,
			  int uio_num, uint64_t seqnum)
{
	char devpath[160], alias[33];
	size_t len = 0;
	int rc;

	if (buf == NULL || device_id == NULL || class_id == NULL || !is_action(action) ||
	    strlen(device_id) != HVSIM_UUID_LEN || vmbus_modalias(alias, sizeof(alias),
								    class_id) < 0)
		return -EINVAL;
	if (uio_num >= 0)
		snprintf(devpath, sizeof(devpath), HVSIM_VMBUS_DEVPATH "/%s/uio/uio%d",
			 device_id, uio_num);
	else
		snprintf(devpath, sizeof(devpath), HVSIM_VMBUS_DEVPATH "/%s", device_id);
	rc = put_var(buf, size, &len, "%s@%s", action, devpath);
	if (rc == 0)
		rc = put_var(buf, size, &len, "ACTION=%s", action);
	if (rc == 0)
		rc = put_var(buf, size, &len, "DEVPATH=%s", devpath);
	if (rc == 0 && uio_num >= 0) {
		rc = put_var(buf, size, &len, "SUBSYSTEM=uio");
		if (rc == 0)
			rc = put_var(buf, size, &len, "MAJOR=%d", HVSIM_UIO_MAJOR);
		if (rc == 0)
			rc = put_var(buf, size, &len, "MINOR=%d", uio_num);
		if (rc == 0)
			rc = put_var(buf, size, &len, "DEVNAME=uio%d", uio_num);
	} else if (rc == 0) {
		rc = put_var(buf, size, &len, "SUBSYSTEM=vmbus");
		if (rc == 0 && strcmp(action, "bind") == 0)
			rc = put_var(buf, size, &len, "DRIVER=uio_hv_generic");
		if (rc == 0)
			rc = put_var(buf, size, &len, "MODALIAS=vmbus:%s", alias);
	}
	if (rc == 0)
		rc = put_var(buf, size, &len, "SEQNUM=%" PRIu64, seqnum);
	return rc < 0 ? rc : (int)len;
}

/* One message to every guest socket; returns how many got it. */
static int
multicast(struct hvsim_uevent *u, const char *msg, int len)
{
	int i, sent = 0;
	ssize_t n;

	u->seqnum++;
	u->st.events++;
	accept_pending(u);
	for (i = 0; i < HVSIM_UEVENT_MAX_GUESTS; i++) {
		if (u->guest[i] < 0)
			continue;
		do {
			n = send(u->guest[i], msg, (size_t)len,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		} while (n < 0 && errno == EINTR);
		if (n == len) {
			sent++;
			u->st.delivered++;
		} else if (n < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
			u->st.missed++;
		} else {
			drop_guest(u, i);	/* gone: EPIPE, ECONNRESET */
		}
	}
	return sent;
}

int
hvsim_uevent_pci(struct hvsim_uevent *u, const char *action,
		 const struct hvsim_pci_spec *spec)
{
	char msg[HVSIM_UEVENT_MSG_MAX];
	int len;

	if (u == NULL)
		return -EINVAL;
	len = hvsim_uevent_format(msg, sizeof(msg), action, spec,
				  u->seqnum + 1);
	if (len < 0)
		return len == -ENOSPC ? -EINVAL : len;
	return multicast(u, msg, len);
}

int
hvsim_uevent_vmbus(struct hvsim_uevent *u, const char *action,
		   const char *device_id, const char *class_id, int uio_num)
{
	char msg[HVSIM_UEVENT_MSG_MAX];
	int len;

	if (u == NULL)
		return -EINVAL;
	len = hvsim_uevent_format_vmbus(msg, sizeof(msg), action, device_id,
					class_id, uio_num, u->seqnum + 1);
	if (len < 0)
		return len == -ENOSPC ? -EINVAL : len;
	return multicast(u, msg, len);
}

void
hvsim_uevent_get_stats(const struct hvsim_uevent *u,
		       struct hvsim_uevent_stats *out)
{
	if (u == NULL)
		memset(out, 0, sizeof(*out));
	else
		*out = u->st;
}

void
hvsim_uevent_close(struct hvsim_uevent *u)
{
	int i;

	if (u == NULL)
		return;
	for (i = 0; i < HVSIM_UEVENT_MAX_GUESTS; i++)
		if (u->guest[i] >= 0)
			close(u->guest[i]);
	close(u->lfd);
	unlink(u->path);
	free(u);
}
