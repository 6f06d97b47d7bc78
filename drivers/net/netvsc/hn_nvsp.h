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

#endif /* HN_NVSP_H */
