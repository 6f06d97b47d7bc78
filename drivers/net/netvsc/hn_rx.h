/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RX (hn_rx.c): RNDIS messages of a transfer packet parsed in place,
 * frames copied or attached, the RX burst.
 */

#ifndef HN_RX_H
#define HN_RX_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "hn_dev.h"

uint16_t hn_recv_pkts(void *rxq, struct rte_mbuf **pkts, uint16_t n);
void hn_rxq_flush(struct hn_rxq *rxq);
int hn_rxq_ext_setup(struct hn_rxq *rxq, int socket);
void hn_rxq_ext_release(struct hn_rxq *rxq);
/* free callback of attached frames: TX recognises them by it */
void hn_rx_ext_free(void *addr, void *opaque);
int hn_rxq_lro_setup(struct hn_rxq *rxq, int socket);
void hn_rxq_lro_release(struct hn_rxq *rxq);

#endif /* HN_RX_H */
