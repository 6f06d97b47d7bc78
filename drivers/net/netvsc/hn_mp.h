/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * A secondary process's control requests, carried out by the primary
 * (hn_mp.c). Only the primary talks to the host: the VMBus device, its
 * uio fd and its rescind state are that process's own, and a request
 * from a secondary would drain the primary channel under the primary's
 * lcores. DPDK's tools attach as secondaries and call a few controls
 * (dpdk-dumpcap turns promiscuous mode on and, when it leaves, off).
 */

#ifndef HN_MP_H
#define HN_MP_H

#include <stdint.h>

#include <ethdev_driver.h>

enum hn_mp_op {
	HN_MP_PROMISC,		/* arg: 1 on, 0 off */
	HN_MP_OP_COUNT
};

/* Primary: answer the secondaries' requests from now on (once per process). */
int hn_mp_primary_init(void);
/* Secondary: have the primary do op on dev; its result, or -ETIMEDOUT
 * when it did not answer within the device's timeout and a second. */
int hn_mp_request(struct rte_eth_dev *dev, enum hn_mp_op op, uint32_t arg);

/* Sink (hn_ethdev.c): run op on the port named name, in the primary.
 * -ENODEV when no such port is ours. */
int hn_mp_run(const char *name, enum hn_mp_op op, uint32_t arg);

#endif /* HN_MP_H */
