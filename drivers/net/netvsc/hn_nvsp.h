/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The NVSP session (hn_nvsp.c): versions, NDIS config, receive and send
 * buffers, subchannels, teardown. Its state is hn_dev.nvsp_state, changed
 * only by nvsp_set_state() in hn_nvsp.c.
 */

#ifndef HN_NVSP_H
#define HN_NVSP_H

#include <stdint.h>

#include "hn_dev.h"

int hn_nvsp_attach(struct hn_dev *hn, uint32_t mtu);
void hn_nvsp_detach(struct hn_dev *hn);
int hn_nvsp_subchannels(struct hn_dev *hn, uint32_t want, uint32_t *granted);

/* The parse halves of the requests above: pure functions of the host's
 * answer (tests/fuzz calls them directly). */
struct hv_nvsp_rxbuf_conn_resp;
struct hv_nvsp_chim_conn_resp;
struct hv_nvsp_subch_resp;
int hn_nvsp_parse_resp(const uint8_t *buf, uint32_t len, uint32_t resp_type, void *resp,
		       uint32_t resp_min, uint32_t resp_max, uint32_t *type);
int hn_nvsp_rxbuf_resp_valid(uint16_t port_id, const struct hv_nvsp_rxbuf_conn_resp *resp,
			     uint64_t size);
int hn_nvsp_chim_resp_valid(const struct hv_nvsp_chim_conn_resp *resp, uint64_t size);
int hn_nvsp_subch_resp_valid(const struct hv_nvsp_subch_resp *resp, uint32_t want);

#endif /* HN_NVSP_H */
