/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Device events. There is no interrupt: an EAL alarm (the control thread,
 * every HVF_ALARM_US) compares host.event_seq with what it saw last and
 * turns changes into ethdev events: link -> LSC, gone -> RMV (once),
 * recovery -> ERR_RECOVERING / RECOVERY_SUCCESS / RECOVERY_FAILED.
 * Bursts never raise events.
 *
 * An event callback may close the port. The alarm's state (struct
 * hvf_watch) therefore lives apart from the port, and the alarm looks at
 * watch->closed after every callback before touching the port again.
 */

#include <errno.h>
#include <stdlib.h>

#include <ethdev_driver.h>
#include <rte_alarm.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "hvf.h"

static void hvf_alarm(void *arg);

/* The host's link and gone flags, read once and checked. */
void
hvf_read_host(const struct hvf_adapter *hvf, uint32_t *link_up, uint32_t *gone)
{
	const struct hvsim_vf_host_state *h = &hvf->shm->host;

	*link_up = __atomic_load_n(&h->link_up, __ATOMIC_RELAXED);
	*gone = __atomic_load_n(&h->gone, __ATOMIC_RELAXED);
	/* anything but 0 or 1 is the host's bug: be safe, not optimistic */
	if (*link_up > 1)
		*link_up = 0;
	if (*gone > 1)
		*gone = 1;
}

/* Raise one event; false when the callback closed the port. */
static bool
raise_event(struct hvf_watch *w, enum rte_eth_event_type type)
{
	rte_eth_dev_callback_process(&rte_eth_devices[w->port_id], type, NULL);
	return !w->closed;
}

static bool
link_changed(struct hvf_watch *w, bool up)
{
	struct hvf_adapter *hvf = w->hvf;
	struct rte_eth_dev *dev = hvf_dev(hvf);

	if (up == hvf->link_up)
		return true;
	hvf->link_up = up;
	dev->dev_ops->link_update(dev, 0);
	if (!dev->data->dev_conf.intr_conf.lsc)
		return true;
	hvf->events_lsc++;
	return raise_event(w, RTE_ETH_EVENT_INTR_LSC);
}

/*
 * Recovery: a seq change that ends in OK or FAILED means a whole reset
 * happened, even if RUNNING was never seen (shorter than one alarm
 * period): the application still gets ERR_RECOVERING first. While
 * recovering, and after a failed recovery, the bursts do nothing (ethdev's
 * proactive error handling: the application makes no control calls
 * meanwhile). The host keeps the rings' indices through a reset.
 */
static bool
recovery_changed(struct hvf_watch *w, uint32_t state, uint32_t seq)
{
	struct hvf_adapter *hvf = w->hvf;

	if (seq == hvf->recovery_seq)
		return true;
	hvf->recovery_seq = seq;
	switch (state) {
	case HVSIM_VF_RECOVERY_NONE:
		return true;
	case HVSIM_VF_RECOVERY_RUNNING:
	case HVSIM_VF_RECOVERY_OK:
	case HVSIM_VF_RECOVERY_FAILED:
		break;
	default:
		hvf->bad_host_state++;
		HVF_DRV_LOG(ERR, "port %u: host recovery state %u", w->port_id, state);
		return true;
	}
	/* a new reset after a failed one is news again */
	if (!hvf->recovering || hvf->recovery_failed) {
		hvf->recovery_failed = false;
		__atomic_store_n(&hvf->recovering, true, __ATOMIC_RELAXED);
		hvf->events_recovery++;
		if (!raise_event(w, RTE_ETH_EVENT_ERR_RECOVERING))
			return false;
	}
	if (state == HVSIM_VF_RECOVERY_RUNNING)
		return true;
	hvf->events_recovery++;
	if (state == HVSIM_VF_RECOVERY_FAILED) {
		/* unusable: the bursts stay idle until the port is closed
		 * (or the host recovers it after all) */
		hvf->recovery_failed = true;
		return raise_event(w, RTE_ETH_EVENT_RECOVERY_FAILED);
	}
	/* the host rebuilt the device (rings kept): give it our
	 * configuration again, then let the bursts go */
	if (hvf->started)
		hvf_publish_conf(hvf);
	__atomic_store_n(&hvf->recovering, false, __ATOMIC_RELAXED);
	return raise_event(w, RTE_ETH_EVENT_RECOVERY_SUCCESS);
}

/* Look at the host state; false when the port was closed meanwhile. */
static bool
host_state_poll(struct hvf_watch *w)
{
	struct hvf_adapter *hvf = w->hvf;
	const struct hvsim_vf_host_state *h = &hvf->shm->host;
	uint32_t seq, link_up, gone, recovery, recovery_seq;

	seq = __atomic_load_n(&h->event_seq, __ATOMIC_ACQUIRE);
	if (seq == hvf->event_seq)
		return true;
	hvf->event_seq = seq;
	hvf_read_host(hvf, &link_up, &gone);
	recovery = __atomic_load_n(&h->recovery, __ATOMIC_RELAXED);
	recovery_seq = __atomic_load_n(&h->recovery_seq, __ATOMIC_RELAXED);

	if (gone) {
		if (hvf->gone)
			return true;
		/* TX drops from now on; the link is down without an LSC:
		 * RMV says more */
		__atomic_store_n(&hvf->gone, true, __ATOMIC_RELAXED);
		hvf->link_up = false;
		hvf_dev(hvf)->dev_ops->link_update(hvf_dev(hvf), 0);
		hvf->events_rmv++;
		HVF_DRV_LOG(NOTICE, "port %u: device gone", w->port_id);
		return raise_event(w, RTE_ETH_EVENT_INTR_RMV);
	}
	if (!recovery_changed(w, recovery, recovery_seq))
		return false;
	return link_changed(w, link_up == 1);
}

static void
hvf_alarm(void *arg)
{
	struct hvf_watch *w = arg;

	if (!host_state_poll(w) || w->closed) {
		free(w);
		return;
	}
	if (rte_eal_alarm_set(HVF_ALARM_US, hvf_alarm, w) != 0)
		HVF_DRV_LOG(ERR, "port %u: cannot re-arm the event alarm: no more events",
			    w->port_id);
}

int
hvf_watch_start(struct hvf_adapter *hvf)
{
	struct hvf_watch *w = calloc(1, sizeof(*w));
	int ret;

	if (w == NULL)
		return -ENOMEM;
	w->hvf = hvf;
	w->port_id = hvf->port_id;
	ret = rte_eal_alarm_set(HVF_ALARM_US, hvf_alarm, w);
	if (ret != 0) {
		free(w);
		return ret;
	}
	hvf->watch = w;
	return 0;
}

/* Close: stop the alarm. rte_eal_alarm_cancel() waits for a run in
 * another thread; from inside one of our own callbacks (the alarm is
 * running in this very thread) it cannot: then only mark the watch, the
 * alarm frees it when the callback returns. */
void
hvf_watch_stop(struct hvf_adapter *hvf)
{
	struct hvf_watch *w = hvf->watch;

	if (w == NULL)
		return;
	hvf->watch = NULL;
	rte_errno = 0;
	rte_eal_alarm_cancel(hvf_alarm, w);
	if (rte_errno == EINPROGRESS) {
		w->closed = true;
		return;
	}
	free(w);
}
