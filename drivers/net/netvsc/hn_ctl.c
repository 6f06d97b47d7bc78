/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Control requests: arm, wait with a deadline, deliver. One request at a
 * time is outstanding (the control path is single threaded); its answer
 * arrives on the primary channel mixed with data, and whichever thread
 * drains that channel delivers it.
 *
 * A request that timed out may still be answered, while the next request
 * is armed. Each request has a sequence number (its xid carries it), kept
 * with the mailbox's phase in one word (hn_dev.h): a drainer matches an
 * answer against one value of that word and claims the mailbox with a
 * compare-and-swap on that same value (ARMED -> FILLING), copies, then
 * sets DONE (release), which the waiter reads (acquire). A late answer
 * finds another sequence number or phase and is counted, never copied.
 */

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "hn_chan.h"
#include "hn_ctl.h"

/*
 * A host that let a request time out and has not answered since is
 * silent: the requests after it (a stop, a close, an MTU change send
 * several) each get HN_CTL_SILENT_WAIT_MS, not the whole timeout, so that
 * giving up on a dead host takes one timeout, not one per request. Any
 * answer makes the host responsive again: one in time (hn_ctl_wait), or
 * a late one to an earlier request (ctl_deadline), else a host slower than
 * the short wait would never be waited for long enough again.
 */
#define HN_CTL_SILENT_WAIT_MS	500u

/* Answers that matched no waiting request: late, duplicate or stray. */
static uint64_t
ctl_unmatched(const struct hn_ctl *ctl)
{
	return __atomic_load_n(&ctl->unmatched, __ATOMIC_RELAXED);
}

static uint64_t
ctl_deadline(struct hn_dev *hn)
{
	uint64_t ms = (uint64_t)hn->args.timeout_s * 1000;

	if (hn->ctl.unanswered > 0 && ctl_unmatched(&hn->ctl) != hn->ctl.unmatched_at_silence) {
		PMD_DRV_LOG(NOTICE, "port %u: the host answers again, late (%u requests went "
			    "unanswered)", hn->port_id, hn->ctl.unanswered);
		hn->ctl.unanswered = 0;
	}
	if (hn->ctl.unanswered > 0)
		ms = RTE_MIN(ms, (uint64_t)HN_CTL_SILENT_WAIT_MS);
	return rte_get_timer_cycles() + ms * rte_get_timer_hz() / 1000;
}

int
hn_ctl_lock(struct hn_dev *hn, const char *what)
{
	uint64_t deadline;
	unsigned int idle_us = 1;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		PMD_DRV_LOG(ERR, "port %u: %s: only the primary process talks to the host",
			    hn->port_id, what);
		return -E_RTE_SECONDARY;
	}
	if (rte_spinlock_trylock(&hn->ctl.lock))
		return 0;
	deadline = rte_get_timer_cycles() + rte_get_timer_hz() * hn->args.timeout_s;
	while (!rte_spinlock_trylock(&hn->ctl.lock)) {
		if (rte_get_timer_cycles() > deadline) {
			PMD_DRV_LOG(ERR, "port %u: %s: another control operation held the "
				    "port for %u s", hn->port_id, what, hn->args.timeout_s);
			return -ETIMEDOUT;
		}
		rte_delay_us_sleep(idle_us);
		idle_us = RTE_MIN(idle_us * 2, 1000u);
	}
	return 0;
}

void
hn_ctl_unlock(struct hn_dev *hn)
{
	rte_spinlock_unlock(&hn->ctl.lock);
}

static inline uint64_t
ctl_state(const struct hn_ctl *ctl)
{
	return __atomic_load_n(&ctl->state, __ATOMIC_ACQUIRE);
}

static inline uint64_t
ctl_with_phase(uint64_t s, uint32_t phase)
{
	return (s & ~(uint64_t)3) | phase;
}

/*
 * End the request: back to IDLE, where no answer can claim the mailbox.
 * A drainer that already claimed it finishes its copy first (a bounded
 * memcpy). True when the answer had been delivered.
 */
static bool
ctl_close(struct hn_ctl *ctl)
{
	uint64_t s = ctl_state(ctl);

	for (;;) {
		uint32_t phase = HN_CTL_PHASE(s);

		if (phase == HN_CTL_IDLE)
			return false;
		if (phase == HN_CTL_FILLING) {
			rte_pause();
			s = ctl_state(ctl);
			continue;
		}
		if (__atomic_compare_exchange_n(&ctl->state, &s, ctl_with_phase(s, HN_CTL_IDLE),
						false, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
			return phase == HN_CTL_DONE;
	}
}

uint64_t
hn_ctl_next_xid(struct hn_dev *hn)
{
	/* atomic: drainers read it to tell a stale answer from a forged one */
	return HN_XID_CTL | __atomic_add_fetch(&hn->ctl.seq, 1, __ATOMIC_RELAXED);
}

uint64_t
hn_ctl_arm(struct hn_dev *hn, enum hn_ctl_kind kind, uint32_t rid, uint32_t type)
{
	struct hn_ctl *ctl = &hn->ctl;
	uint64_t xid;

	ctl_close(ctl);	/* a request still armed is given up */
	xid = hn_ctl_next_xid(hn);
	__atomic_store_n(&ctl->kind, kind, __ATOMIC_RELAXED);
	__atomic_store_n(&ctl->rid, rid, __ATOMIC_RELAXED);
	__atomic_store_n(&ctl->type, type, __ATOMIC_RELAXED);
	ctl->len = 0;
	__atomic_store_n(&ctl->state, (xid & ~HN_XID_CTL) << 2 | HN_CTL_ARMED, __ATOMIC_RELEASE);
	return xid;
}

void
hn_ctl_disarm(struct hn_dev *hn)
{
	ctl_close(&hn->ctl);
	__atomic_store_n(&hn->ctl.kind, HN_CTL_NONE, __ATOMIC_RELAXED);
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

	while (HN_CTL_PHASE(ctl_state(&hn->ctl)) != HN_CTL_DONE) {
		unsigned int n;

		if (hn->vdev != NULL && vmbus_device_rescinded(hn->vdev)) {
			hn_ctl_disarm(hn);
			return -ENODEV;
		}
		n = hn_chan_drain(hn, &hn->chans[0], NULL, 0, HN_RX_BURST_BUDGET);
		if (HN_CTL_PHASE(ctl_state(&hn->ctl)) == HN_CTL_DONE)
			break;
		if (rte_get_timer_cycles() > deadline) {
			/* closed before the answer could claim it, or answered
			 * just now: then it counts */
			bool answered = ctl_close(&hn->ctl);

			hn_ctl_disarm(hn);
			if (answered)
				return 0;
			hn->ctl.timeouts++;
			if (hn->ctl.unanswered == 0)
				hn->ctl.unmatched_at_silence = ctl_unmatched(&hn->ctl);
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

/* Claim the mailbox for an answer matched against state s (ARMED): false
 * when s is no longer the state, i.e. the request is over. */
static inline bool
ctl_claim(struct hn_ctl *ctl, uint64_t s)
{
	return __atomic_compare_exchange_n(&ctl->state, &s, ctl_with_phase(s, HN_CTL_FILLING),
					   false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* The claimed mailbox gets the answer; the waiter sees it with DONE. */
static inline void
ctl_fill(struct hn_ctl *ctl, uint64_t s, const uint8_t *msg, uint32_t len)
{
	memcpy(ctl->buf, msg, len);
	ctl->len = len;
	__atomic_store_n(&ctl->state, ctl_with_phase(s, HN_CTL_DONE), __ATOMIC_RELEASE);
}

/* An answer that matched no waiting request: its counter (stale or stray,
 * which a stats reset clears) and the total the silence test reads. */
static inline void
ctl_count(struct hn_ctl *ctl, uint64_t *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&ctl->unmatched, 1, __ATOMIC_RELAXED);
}

/* An RNDIS completion (any channel's drainer): the control path is
 * waiting for exactly one, by rid and type; others are counted. */
void
hn_ctl_deliver_rndis(struct hn_ctl *ctl, const uint8_t *msg, uint32_t len, uint32_t type)
{
	uint64_t s = ctl_state(ctl);
	uint32_t rid;

	if (len < 12) {
		ctl_count(ctl, &ctl->stray);
		return;
	}
	memcpy(&rid, msg + 8, sizeof(rid));
	if (HN_CTL_PHASE(s) != HN_CTL_ARMED ||
	    __atomic_load_n(&ctl->kind, __ATOMIC_RELAXED) != HN_CTL_RNDIS ||
	    __atomic_load_n(&ctl->rid, __ATOMIC_RELAXED) != rid ||
	    __atomic_load_n(&ctl->type, __ATOMIC_RELAXED) != type ||
	    len > sizeof(ctl->buf) || !ctl_claim(ctl, s)) {
		ctl_count(ctl, &ctl->stray);
		return;
	}
	ctl_fill(ctl, s, msg, len);
}

/*
 * A VMBus completion of a control message (xid has HN_XID_CTL), on the
 * primary channel: an NVSP answer, or the host read a HALT. The send
 * completion of an RNDIS control message (RNDIS_PKT_COMPLETE) answers
 * nothing: its answer comes in the receive buffer. Any other completion
 * that is not the armed request's is counted: stale when its sequence
 * number was given (a late answer, a duplicate, a switch of the data path
 * no longer waited for), stray when never.
 */
void
hn_ctl_deliver_completion(struct hn_ctl *ctl, uint64_t xid, const uint8_t *payload,
			  uint32_t len)
{
	uint32_t kind, msg_type = 0;
	uint64_t s;

	if (xid == __atomic_load_n(&ctl->vf_switch_xid, __ATOMIC_ACQUIRE)) {
		/* SWITCH_DATA_PATH: empty when done; {129, status} may say failed */
		uint32_t w[2] = { 0, HV_NVSP_STATUS_SUCCESS };

		memcpy(w, payload, RTE_MIN(len, (uint32_t)sizeof(w)));
		__atomic_store_n(&ctl->vf_switch_result,
				 len >= sizeof(w) && w[0] == HV_NVSP_MSG_SWITCH_DATAPATH &&
				 w[1] != HV_NVSP_STATUS_SUCCESS ? 2 : 1, __ATOMIC_RELEASE);
		return;
	}
	s = ctl_state(ctl);
	kind = __atomic_load_n(&ctl->kind, __ATOMIC_RELAXED);
	if (HN_CTL_PHASE(s) == HN_CTL_ARMED && xid == (HN_XID_CTL | HN_CTL_SEQ(s))) {
		if (kind == HN_CTL_RNDIS)
			return;	/* the message was read: its answer comes apart */
		if (kind == HN_CTL_NVSP && ctl_claim(ctl, s)) {
			ctl_fill(ctl, s, payload, RTE_MIN(len, HV_NVSP_RESP_BUF_SIZE));
			return;
		}
		if (kind == HN_CTL_SENDCOMP && ctl_claim(ctl, s)) {
			ctl_fill(ctl, s, payload, 0);
			return;
		}
	}
	memcpy(&msg_type, payload, RTE_MIN(len, (uint32_t)sizeof(msg_type)));
	if (msg_type == HV_NVSP_MSG_RNDIS_PKT_COMPLETE)
		return;	/* a control message was read: nothing to free */
	if (xid & HN_XID_VF_SWITCH)
		ctl_count(ctl, &ctl->stale);	/* a switch answered after its wait */
	else
		ctl_count(ctl, (xid & ~HN_XID_CTL) <= __atomic_load_n(&ctl->seq, __ATOMIC_RELAXED) ?
			  &ctl->stale : &ctl->stray);
}
