/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Control requests: arm, wait with a deadline, deliver. One request at a
 * time is outstanding (the control path is single threaded); its answer
 * arrives on the primary channel mixed with data, and whichever thread
 * drains that channel copies it into the mailbox and sets `done`
 * (release), which the waiter reads (acquire).
 */

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>

#include "hn_chan.h"
#include "hn_ctl.h"

static uint64_t
ctl_deadline(const struct hn_dev *hn)
{
	return rte_get_timer_cycles() + (uint64_t)hn->args.timeout_s * rte_get_timer_hz();
}

uint64_t
hn_ctl_next_xid(struct hn_dev *hn)
{
	return HN_XID_CTL | ++hn->ctl.seq;
}

uint64_t
hn_ctl_arm(struct hn_dev *hn, enum hn_ctl_kind kind, uint32_t rid, uint32_t type)
{
	hn->ctl.kind = kind;
	hn->ctl.xid = hn_ctl_next_xid(hn);
	hn->ctl.rid = rid;
	hn->ctl.type = type;
	hn->ctl.len = 0;
	__atomic_store_n(&hn->ctl.done, 0, __ATOMIC_RELEASE);
	return hn->ctl.xid;
}

void
hn_ctl_disarm(struct hn_dev *hn)
{
	hn->ctl.kind = HN_CTL_NONE;
}

/*
 * Wait for what hn->ctl was armed for. The primary channel is drained here
 * unless another thread is draining it, in which case that thread fills
 * the mailbox. Data frames met on the way go to queue 0's staging ring.
 */
int
hn_ctl_wait(struct hn_dev *hn, const char *what)
{
	uint64_t deadline = ctl_deadline(hn);
	unsigned int idle_us = 10;

	while (!__atomic_load_n(&hn->ctl.done, __ATOMIC_ACQUIRE)) {
		unsigned int n;

		if (hn->vdev != NULL && vmbus_device_rescinded(hn->vdev))
			return -ENODEV;
		n = hn_chan_drain(hn, &hn->chans[0], NULL, 0, HN_RX_BURST_BUDGET);
		if (__atomic_load_n(&hn->ctl.done, __ATOMIC_ACQUIRE))
			break;
		if (rte_get_timer_cycles() > deadline) {
			hn->ctl.timeouts++;
			hn_ctl_disarm(hn);
			if (hn->ctl.unanswered++ == 0)
				PMD_DRV_LOG(ERR, "port %u: the host did not answer %s within %u s "
					    "(devarg timeout= sets the deadline)",
					    hn->port_id, what, hn->args.timeout_s);
			else
				PMD_DRV_LOG(DEBUG, "port %u: the host is still silent: %s "
					    "unanswered (%u requests)", hn->port_id, what,
					    hn->ctl.unanswered);
			return -ETIMEDOUT;
		}
		if (n == 0) {
			rte_delay_us_sleep(idle_us);
			idle_us = RTE_MIN(idle_us * 2, 1000u);
		} else {
			idle_us = 10;
		}
	}
	hn_ctl_disarm(hn);
	if (hn->ctl.unanswered > 0) {
		PMD_DRV_LOG(NOTICE, "port %u: the host answers again (%u requests went "
			    "unanswered)", hn->port_id, hn->ctl.unanswered);
		hn->ctl.unanswered = 0;
	}
	return 0;
}

static void
ctl_complete(struct hn_ctl *ctl)
{
	__atomic_store_n(&ctl->done, 1, __ATOMIC_RELEASE);
}

/* An RNDIS completion: the control path is waiting for exactly one. */
void
hn_ctl_deliver_rndis(struct hn_ctl *ctl, const uint8_t *msg, uint32_t len, uint32_t type)
{
	uint32_t rid;

	if (len < 12)
		return;
	memcpy(&rid, msg + 8, sizeof(rid));
	if (__atomic_load_n(&ctl->done, __ATOMIC_ACQUIRE) ||
	    ctl->kind != HN_CTL_RNDIS || ctl->rid != rid || ctl->type != type ||
	    len > sizeof(ctl->buf)) {
		ctl->stray++;
		return;
	}
	memcpy(ctl->buf, msg, len);
	ctl->len = len;
	ctl_complete(ctl);
}

/* A VMBus completion of a control message (xid has HN_XID_CTL), on the
 * primary channel: an NVSP answer, or the host read a HALT. */
void
hn_ctl_deliver_completion(struct hn_ctl *ctl, uint64_t xid, const uint8_t *payload,
			  uint32_t len)
{
	if (xid == __atomic_load_n(&ctl->vf_switch_xid, __ATOMIC_ACQUIRE)) {
		/* SWITCH_DATA_PATH: empty when done; {129, status} may say failed */
		uint32_t w[2] = { 0, HV_NVSP_STATUS_SUCCESS };

		memcpy(w, payload, RTE_MIN(len, (uint32_t)sizeof(w)));
		__atomic_store_n(&ctl->vf_switch_result,
				 len >= sizeof(w) && w[0] == HV_NVSP_MSG_SWITCH_DATAPATH &&
				 w[1] != HV_NVSP_STATUS_SUCCESS ? 2 : 1, __ATOMIC_RELEASE);
		return;
	}
	if (__atomic_load_n(&ctl->done, __ATOMIC_ACQUIRE) || ctl->xid != xid)
		return;	/* a control send done: nothing to free */
	if (ctl->kind == HN_CTL_NVSP) {
		ctl->len = RTE_MIN(len, HV_NVSP_RESP_BUF_SIZE);
		memcpy(ctl->buf, payload, ctl->len);
	} else if (ctl->kind != HN_CTL_SENDCOMP) {
		return;
	}
	ctl_complete(ctl);
}
