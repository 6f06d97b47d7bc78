/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Host side of the uio interrupt socket (protocol in uio_shim.h).
 *
 * One listening socket per uio device; each accepted connection is one
 * open of /dev/uioN by the guest. Messages are single uint32 values.
 * A rescind is simply closing the accepted connection: hvsim_irq_rescind().
 *
 * All functions return a negative errno on failure.
 */

#ifndef HVSIM_IRQ_H
#define HVSIM_IRQ_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Create $uio_dir/uio<uio_num>/irq.sock (replacing a stale one) and listen
 * on it. The device directory must exist (hvsim_devtree_add creates it).
 * Returns the listening fd (close-on-exec).
 */
int hvsim_irq_listen(const char *uio_dir, int uio_num);

/*
 * Wait up to timeout_ms (-1: forever) for the guest to open the device.
 * Returns the connection fd, or -ETIMEDOUT.
 */
int hvsim_irq_accept(int lfd, int timeout_ms);

/*
 * Receive one guest write() (HVSIM_UIO_IRQ_ENABLE / _DISABLE).
 * Returns 0, -ETIMEDOUT, -EPIPE when the guest side is gone (closed the fd
 * and unmapped everything), or -EPROTO on a message that is not 4 bytes.
 */
int hvsim_irq_recv(int cfd, uint32_t *val, int timeout_ms);

/* Deliver an interrupt: the guest's read() returns `count`.
 * Returns 0, -EPIPE when the guest side is gone, -EAGAIN when full. */
int hvsim_irq_send(int cfd, uint32_t count);

/* Rescind the device for this guest connection: its read() and write()
 * fail with EIO from then on. */
void hvsim_irq_rescind(int cfd);

#ifdef __cplusplus
}
#endif

#endif /* HVSIM_IRQ_H */
