/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RX interrupt mode (hn_rxintr.c): rx_queue_intr_enable/disable and one
 * interrupt vector per RX queue, for applications that sleep in
 * rte_epoll_wait() while the port is idle (dev_conf.intr_conf.rxq = 1).
 */

#ifndef HN_RXINTR_H
#define HN_RXINTR_H

#include <ethdev_driver.h>

/* dev_start, once the queues have their channels (primary process; no-op
 * unless intr_conf.rxq): the port's interrupt handle, one eventfd per RX
 * queue, the bus's interrupt callback. 0 or -errno. */
int hn_rxintr_start(struct rte_eth_dev *dev);

/* dev_stop, before the channels go: every queue back to poll mode, the
 * callback removed. The eventfds stay (an application's epoll keeps them
 * across a restart). */
void hn_rxintr_stop(struct rte_eth_dev *dev);

/* dev_close: the handle and its eventfds freed. */
void hn_rxintr_close(struct rte_eth_dev *dev);

int hn_rx_queue_intr_enable(struct rte_eth_dev *dev, uint16_t queue_id);
int hn_rx_queue_intr_disable(struct rte_eth_dev *dev, uint16_t queue_id);

#endif /* HN_RXINTR_H */
