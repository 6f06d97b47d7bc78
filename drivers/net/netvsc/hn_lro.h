/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * LRO (hn_lro.c): the host's coalesced packets (RSC, §F.6) reassembled
 * from their fragments into mbuf chains for the application.
 */

#ifndef HN_LRO_H
#define HN_LRO_H

#include <stdint.h>

#include "hn_rx.h"

int hn_rxq_lro_setup(struct hn_rxq *rxq, int socket);
void hn_rxq_lro_release(struct hn_rxq *rxq);
/* One fragment (SUBALLOC) of len bytes at data. */
void hn_lro_frag(struct hn_rxq *rxq, struct hn_xfer *x, const uint8_t *data, uint32_t len,
		 const struct hn_rxinfo *info);
/* Not a fragment of the packet being built: that packet is broken. */
void hn_lro_break(struct hn_rxq *rxq, struct hn_xfer *x, const char *why);
/* Give back every mbuf of the packet being built. */
void hn_lro_drop(struct hn_lro *l);

#endif /* HN_LRO_H */
