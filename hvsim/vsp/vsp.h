/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The host's virtual service provider: NVSP (vsp_nvsp.c) over the
 * channels, RNDIS (vsp_rndis.c) over NVSP.
 */

#ifndef HVSIM_VSP_H
#define HVSIM_VSP_H

#include <stdint.h>

#include "vmbus/nic.h"

/* Handle up to budget guest packets on a channel; returns how many. */
unsigned int vsp_nvsp_drain(struct hvsim_nic *nic, struct hvsim_chan *c,
			    unsigned int budget);

/*
 * An RNDIS message from the guest (NVSP 107), already copied out of guest
 * memory. Returns the NVSP status for the 108 completion.
 */
uint32_t vsp_rndis_control(struct hvsim_nic *nic, struct hvsim_chan *c,
			   const uint8_t *msg, uint32_t len);
uint32_t vsp_rndis_data(struct hvsim_nic *nic, struct hvsim_chan *c,
			const uint8_t *msg, uint32_t len);

#endif /* HVSIM_VSP_H */
