/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Host side of the uio interrupt socket; see irq.h and uio_shim.h.
 */

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "guestos/irq.h"
#include "guestos/uio_shim.h"

/* Guests may open a device several times before the host accepts. */
#define IRQ_LISTEN_BACKLOG	16

/* Wait for `events` on fd; 0 when ready, -ETIMEDOUT, or -errno. */
static int
wait_for(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	do {
		n = poll(&pfd, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	return 0;
}

int
hvsim_irq_listen(const char *uio_dir, int uio_num)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int rc, lfd;

	rc = hvsim_uio_sock_path(sun.sun_path, sizeof(sun.sun_path), uio_dir,
				 uio_num);
	if (rc < 0)
		return rc;
	/* A socket file left by an earlier host would make bind fail. */
	if (unlink(sun.sun_path) < 0 && errno != ENOENT)
		return -errno;
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	if (bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(lfd, IRQ_LISTEN_BACKLOG) < 0) {
		rc = -errno;
		close(lfd);
		return rc;
	}
	return lfd;
}

int
hvsim_irq_accept(int lfd, int timeout_ms)
{
	int rc, cfd;

	rc = wait_for(lfd, POLLIN, timeout_ms);
	if (rc < 0)
		return rc;
	cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	return cfd < 0 ? -errno : cfd;
}

int
hvsim_irq_recv(int cfd, uint32_t *val, int timeout_ms)
{
	uint32_t msg;
	ssize_t n;
	int rc;

	rc = wait_for(cfd, POLLIN, timeout_ms);
	if (rc < 0)
		return rc;
	do {
		n = recv(cfd, &msg, sizeof(msg), MSG_DONTWAIT | MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE)))
		return -EPIPE;
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	/* MSG_TRUNC makes n the real length, so oversized ones show. */
	if (n != HVSIM_UIO_MSG_SIZE)
		return -EPROTO;
	*val = msg;
	return 0;
}

int
hvsim_irq_send(int cfd, uint32_t count)
{
	ssize_t n;

	do {
		n = send(cfd, &count, sizeof(count),
			 MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return (errno == ECONNRESET || errno == ENOTCONN) ? -EPIPE :
								    -errno;
	return 0;
}

void
hvsim_irq_rescind(int cfd)
{
	close(cfd);
}
