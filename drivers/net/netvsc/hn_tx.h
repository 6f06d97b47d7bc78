/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * TX (hn_tx.c): the burst, send-buffer aggregation, GPA sends, and the
 * descriptor table that send completions (hn_chan.h sinks) free.
 */

#ifndef HN_TX_H
#define HN_TX_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "hn_dev.h"

uint16_t hn_xmit_pkts(void *txq, struct rte_mbuf **pkts, uint16_t n);
uint16_t hn_xmit_prepare(void *txq, struct rte_mbuf **pkts, uint16_t n);
int hn_tx_done_cleanup(void *txq, uint32_t free_cnt);
int hn_txq_bind(struct hn_dev *hn, struct hn_txq *txq, uint32_t nb_txq);
unsigned int hn_txq_inflight(const struct hn_txq *txq);
/* tx_descriptor_status: offset 0 is where the next send goes */
int hn_tx_descriptor_status(void *txq, uint16_t offset);
void hn_txq_reclaim_all(struct hn_txq *txq);

#endif /* HN_TX_H */
