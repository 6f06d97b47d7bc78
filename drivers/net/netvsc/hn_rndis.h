/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RNDIS control (hn_rndis.c), on top of the NVSP session: init/halt,
 * query/set of OIDs, status indications. Its state is hn_dev.rndis_state,
 * changed only by rndis_set_state() in hn_rndis.c.
 */

#ifndef HN_RNDIS_H
#define HN_RNDIS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "hn_dev.h"

/* Initialised and not halted: control requests can be made. */
static inline bool
hn_rndis_is_up(const struct hn_dev *hn)
{
	return hn->rndis_state == HN_RNDIS_INITIALISED || hn->rndis_state == HN_RNDIS_DATA;
}

int hn_rndis_attach(struct hn_dev *hn);
void hn_rndis_detach(struct hn_dev *hn);
int hn_rndis_set_filter(struct hn_dev *hn, uint32_t filter);
int hn_rndis_query_link(struct hn_dev *hn);
int hn_rndis_set_mac(struct hn_dev *hn, const struct rte_ether_addr *mac);
int hn_rndis_set_offloads(struct hn_dev *hn, uint64_t rx_offloads, uint64_t tx_offloads);
int hn_rndis_set_rss(struct hn_dev *hn, uint32_t nqueues);

/* Sink: an INDICATE_STATUS met by a channel's drainer (hn_rx.c). */
void hn_rndis_status(struct hn_dev *hn, const uint8_t *msg, uint32_t len);

/* The parse halves of the control requests: pure functions of the host's
 * completion (tests/fuzz calls them directly). */
struct hv_ndis_offload;
struct hv_ndis_rss_caps;
int hn_rndis_parse_init_cmplt(struct hn_dev *hn, const uint8_t *buf, uint32_t len,
			      uint32_t *status);
int hn_rndis_parse_oid_cmplt(const uint8_t *buf, uint32_t len, bool query, uint32_t *status);
int hn_rndis_parse_query_cmplt(const uint8_t *buf, uint32_t len, void *out, uint32_t out_min,
			       uint32_t out_max, uint32_t *out_len);
int hn_rndis_parse_offload_caps(struct hn_dev *hn, const struct hv_ndis_offload *caps,
				uint32_t len);
int hn_rndis_parse_rss_caps(struct hn_dev *hn, const struct hv_ndis_rss_caps *caps);

/* Up-call: the link changed (any draining thread); ethdev tells the
 * application (hn_ethdev.c). */
void hn_linkstatus_callback(struct hn_dev *hn);

#endif /* HN_RNDIS_H */
