/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The virtual switch behind the simulated NICs, and what is on the other
 * side of the wire (--traffic): "loop" reflects every frame a NIC sends
 * back to it; "none" drops them.
 *
 * Frames are queued and delivered on the next poll, never re-entrantly,
 * so a guest's TX and RX are never processed inside each other.
 */

#ifndef HVSIM_VSWITCH_H
#define HVSIM_VSWITCH_H

#include <stdint.h>

struct hvsim_nic;
struct hvsim_vswitch;

struct hvsim_vswitch_stats {
	uint64_t frames_in;		/* from NICs */
	uint64_t frames_out;		/* to NICs */
	uint64_t dropped_full;		/* queue full */
	uint64_t dropped_size;		/* frame larger than the switch carries */
};

#define HVSIM_VSWITCH_FRAME_MAX	(64 * 1024)

struct hvsim_vswitch *hvsim_vswitch_create(const char *traffic);
void hvsim_vswitch_destroy(struct hvsim_vswitch *vs);
int hvsim_vswitch_attach(struct hvsim_vswitch *vs, struct hvsim_nic *nic);
void hvsim_vswitch_tx(struct hvsim_vswitch *vs, int port, const uint8_t *frame,
		      uint32_t len, uint16_t vlan_tci);
unsigned int hvsim_vswitch_poll(struct hvsim_vswitch *vs);
void hvsim_vswitch_stats(const struct hvsim_vswitch *vs, struct hvsim_vswitch_stats *st);

#endif /* HVSIM_VSWITCH_H */
