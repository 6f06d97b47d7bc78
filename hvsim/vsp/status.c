/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RNDIS status indications: link up or down and speed changes, sent to
 * the guest unasked on the primary channel.
 */

#include <stdio.h>
#include <string.h>

#include "hv_rndis_wire.h"
#include "vsp/rndis.h"

/* Indications are not answers: a slow or muted host still sends them. */
static void
indicate_status(struct hvsim_nic *nic, uint32_t status, const void *buf, uint32_t len)
{
	uint8_t msg[sizeof(struct hv_rndis_status_msg) + 8] = { 0 };
	struct hv_rndis_status_msg *s = (void *)msg;

	if (!vsp_rndis_initialised(nic) || nic->chan[0] == NULL || len > 8)
		return;
	s->type = HV_RNDIS_INDICATE_STATUS_MSG;
	s->len = (uint32_t)sizeof(*s) + len;
	s->status = status;
	s->status_buf_len = len;
	/* counted from the request id field at byte 8, as in every RNDIS message */
	s->status_buf_offset = len ? (uint32_t)sizeof(*s) - 8 : 0;
	if (len > 0)	/* buf is NULL for the media indications */
		memcpy(msg + sizeof(*s), buf, len);
	if (vsp_rxbuf_send(nic, nic->chan[0], msg, s->len) == 0)
		nic->stats.status_indications++;
	else
		fprintf(stderr, "hvsim: nic%d: status indication 0x%08x could not be delivered\n",
			nic->index, status);
}

void
vsp_status_set_link(struct hvsim_nic *nic, bool up)
{
	nic->cfg.link_up = up;
	indicate_status(nic, up ? HV_RNDIS_STATUS_MEDIA_CONNECT :
			HV_RNDIS_STATUS_MEDIA_DISCONNECT, NULL, 0);
}

void
vsp_status_set_speed(struct hvsim_nic *nic, uint64_t mbps)
{
	uint32_t v = (uint32_t)(mbps * (1000000 / HV_NDIS_LINK_SPEED_UNIT));

	nic->cfg.speed_mbps = mbps;
	indicate_status(nic, HV_RNDIS_STATUS_LINK_SPEED_CHANGE, &v, sizeof(v));
}
