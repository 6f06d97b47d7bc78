/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Transparent VF failover (protocol doc §G; issue 13). The application
 * sees the netvsc port only; the VF the host associates with the NIC is
 * an ethdev port we own (hidden from RTE_ETH_FOREACH_DEV) whose queues
 * the netvsc bursts use behind per-queue gates (hn_vf.h).
 *
 * Threads. All the work here runs on the control side: a 10 ms EAL alarm
 * (the tick, vf_tick) and the event callbacks, both on EAL's interrupt
 * thread, and the dev ops that call in (dev_start, dev_stop, dev_close).
 * vf.lock serialises them; the tick only tries it. The bursts never
 * configure, start, probe or send control messages: hn_nvsp_inband()
 * only records what the host said (atomics), and the tick acts on it.
 *
 * Order of a switch to the VF: configure like the netvsc port, start,
 * RX gates on, SWITCH_DATA_PATH(VF) with RC; TX moves only when the host
 * completed it. Giving it back: TX gates off (quiescent), 129(synthetic)
 * with RC (bounded), the bursts keep reading the VF's RX queues until
 * each came back short, then RX gates off, stop, close, detach.
 */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <rte_alarm.h>
#include <rte_bus.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_pause.h>

#include "hn_chan.h"
#include "hn_nvsp_msg.h"
#include "hn_vf.h"

#define HN_VF_TICK_US		10000u	/* the control tick */
#define HN_VF_FAST_TICK_US	500u	/* while waiting for the host or a drain */
#define HN_VF_BACKOFF_MIN_MS	10u
#define HN_VF_BACKOFF_MAX_MS	1000u
#define HN_VF_SWITCH_MAX_MS	5000u	/* a switch unanswered this long failed */
#define HN_VF_DRAIN_MS		1000u	/* RX queues must come back short by then */
#define HN_VF_GATE_WAIT_MS	1000u	/* a burst inside a gate for longer: stuck */
/* Host-driven leaves closer together than this are a flap; after
 * HN_VF_FLAPS_FREE of them in a row each retake waits 10 ms, 20 ms, ...
 * up to HN_VF_BACKOFF_MAX_MS (a successful switch resets the backoff, so
 * without this a host could make us restart the VF every few ticks). */
#define HN_VF_FLAP_WINDOW_MS	1000u
#define HN_VF_FLAPS_FREE	3u

enum { LEAVE_SWITCH, LEAVE_DRAIN };

static const char *const hn_vf_state_names[HN_VF_STATE_COUNT] = {
	[HN_VF_NONE] = "none", [HN_VF_SEARCHING] = "searching",
	[HN_VF_ATTACHED] = "attached", [HN_VF_RX_ON] = "rx_on",
	[HN_VF_SWITCHING] = "switching", [HN_VF_ACTIVE] = "active",
	[HN_VF_LEAVING] = "leaving",
};

static uint64_t
ms_cycles(uint64_t ms)
{
	return rte_get_timer_hz() * ms / 1000;
}

static uint64_t
now_cycles(void)
{
	return rte_get_timer_cycles();
}

/* Why the data path is synthetic: kept as text in shared memory (a
 * secondary's priv_dump reads it; a pointer would be the primary's). */
static void
vf_reason(struct hn_vf *vf, const char *why)
{
	snprintf(vf->reason, sizeof(vf->reason), "%s", why);
}

/* The one place the VF's state changes. */
static void
hn_vf_set_state(struct hn_dev *hn, enum hn_vf_state st)
{
	struct hn_vf *vf = &hn->vf;

	if (vf->state == st)
		return;
	PMD_DRV_LOG(INFO, "port %u: VF %s -> %s%s%s", hn->port_id,
		    hn_vf_state_names[vf->state], hn_vf_state_names[st],
		    st < HN_VF_ACTIVE && vf->reason[0] ? ": " : "",
		    st < HN_VF_ACTIVE ? vf->reason : "");
	vf->state = st;
	vf->state_since = now_cycles();
}

/* ---- gates ------------------------------------------------------------------ */

/* Close gates; a burst stuck for HN_VF_GATE_WAIT_MS is said, not waited on. */
static void
gates_close(struct hn_vf_gate *const *gates, uint32_t *const *flags, unsigned int n)
{
	if (!hn_vf_gates_close(gates, flags, n, ms_cycles(HN_VF_GATE_WAIT_MS)))
		PMD_DRV_LOG(ERR, "a burst stayed inside its VF section for %u ms",
			    HN_VF_GATE_WAIT_MS);
}

static struct hn_rxq *
rxq_at(struct hn_dev *hn, uint16_t q)
{
	return q < hn->data->nb_rx_queues ? hn->data->rx_queues[q] : NULL;
}

static struct hn_txq *
txq_at(struct hn_dev *hn, uint16_t q)
{
	return q < hn->data->nb_tx_queues ? hn->data->tx_queues[q] : NULL;
}

static void
gates_tx_off(struct hn_dev *hn)
{
	struct hn_vf_gate *gates[RTE_MAX_QUEUES_PER_PORT];
	uint32_t *flags[RTE_MAX_QUEUES_PER_PORT];
	unsigned int n = 0;
	uint16_t q;

	for (q = 0; q < hn->data->nb_tx_queues; q++) {
		struct hn_txq *txq = txq_at(hn, q);

		if (txq == NULL)
			continue;
		gates[n] = &txq->vf_gate;
		flags[n++] = &txq->vf_gate.tx_on;
	}
	gates_close(gates, flags, n);
}

static void
gates_rx_off(struct hn_dev *hn)
{
	struct hn_vf_gate *gates[RTE_MAX_QUEUES_PER_PORT];
	uint32_t *flags[RTE_MAX_QUEUES_PER_PORT];
	unsigned int n = 0;
	uint16_t q;

	for (q = 0; q < hn->data->nb_rx_queues; q++) {
		struct hn_rxq *rxq = rxq_at(hn, q);

		if (rxq == NULL)
			continue;
		gates[n] = &rxq->vf_gate;
		flags[n++] = &rxq->vf_gate.rx_on;
	}
	gates_close(gates, flags, n);
}

static void
gates_rx_on(struct hn_dev *hn)
{
	uint16_t q;

	__atomic_store_n(&hn->vf.present, 1, __ATOMIC_RELEASE);
	for (q = 0; q < hn->vf.nb_rxq; q++) {
		struct hn_rxq *rxq = rxq_at(hn, q);

		if (rxq == NULL)
			continue;
		/* no drain asked: the gate is closed, nobody writes drain_ack */
		rxq->vf_gate.drain_req = rxq->vf_gate.drain_ack;
		rxq->vf_gate.sw_fix = hn->vf.sw_fix;
		rxq->vf_gate.vf_queue = rte_eth_devices[hn->vf.port_id].data->rx_queues[q];
		__atomic_store_n(&rxq->vf_gate.rx_on, 1, __ATOMIC_RELEASE);
	}
}

static void
gates_tx_on(struct hn_dev *hn)
{
	uint16_t q;

	if (!hn->vf.tx_ok)
		return;
	for (q = 0; q < hn->vf.nb_txq; q++) {
		struct hn_txq *txq = txq_at(hn, q);

		if (txq == NULL)
			continue;
		txq->vf_gate.vf_queue = rte_eth_devices[hn->vf.port_id].data->tx_queues[q];
		__atomic_store_n(&txq->vf_gate.tx_on, 1, __ATOMIC_RELEASE);
	}
}

/* ---- SWITCH_DATA_PATH ---------------------------------------------------------- */

static uint64_t
switch_wait_cycles(const struct hn_dev *hn)
{
	return ms_cycles(RTE_MIN((uint64_t)hn->args.timeout_s * 1000, HN_VF_SWITCH_MAX_MS));
}

/* Send SWITCH_DATA_PATH(path) with RC; its completion lands in ctl. */
static int
switch_send(struct hn_dev *hn, uint32_t path)
{
	static uint32_t seq;
	union hv_nvsp_msg m;
	uint64_t xid = HN_XID_CTL | HN_XID_VF_SWITCH | ++seq;
	bool sig = false;
	int ret;

	if (hn->chans[0].vc == NULL || vmbus_device_rescinded(hn->vdev))
		return -ENODEV;
	hn_nvsp_msg_init(&m, HV_NVSP_MSG_SWITCH_DATAPATH);
	m.switch_datapath.active_datapath = path;
	__atomic_store_n(&hn->ctl.vf_switch_result, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&hn->ctl.vf_switch_xid, xid, __ATOMIC_RELEASE);
	ret = vmbus_chan_send(hn->chans[0].vc, HV_PKT_DATA_INBAND, &m, sizeof(m), xid,
			      HV_PKT_FLAG_COMPLETION_REQUESTED, &sig);
	if (ret == 0 && sig)
		vmbus_chan_signal(hn->chans[0].vc);
	if (ret < 0)
		PMD_DRV_LOG(ERR, "port %u: cannot send SWITCH_DATA_PATH(%s): %s", hn->port_id,
			    path == HV_NVSP_DATAPATH_VF ? "VF" : "synthetic", strerror(-ret));
	hn->vf.switch_sent = now_cycles();
	hn->vf.switch_deadline = hn->vf.switch_sent + switch_wait_cycles(hn);
	return ret;
}

/* 0: not answered yet, 1: done, 2: failed. Reads the primary channel
 * itself: nobody may be polling (a stopped port, testpmd before "start"). */
static uint32_t
switch_poll(struct hn_dev *hn)
{
	uint32_t r = __atomic_load_n(&hn->ctl.vf_switch_result, __ATOMIC_ACQUIRE);

	if (r == 0 && hn->chans[0].vc != NULL) {
		hn_chan_drain(hn, &hn->chans[0], NULL, 0, HN_RX_BURST_BUDGET);
		r = __atomic_load_n(&hn->ctl.vf_switch_result, __ATOMIC_ACQUIRE);
	}
	if (r != 0)
		__atomic_store_n(&hn->ctl.vf_switch_xid, 0, __ATOMIC_RELEASE);
	return r;
}

static void
switch_forget(struct hn_dev *hn)
{
	__atomic_store_n(&hn->ctl.vf_switch_xid, 0, __ATOMIC_RELEASE);
}

/* ---- event callbacks (interrupt thread: record only) --------------------------- */

static int
vf_port_event(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret_param)
{
	struct hn_dev *hn = arg;
	struct hn_vf *vf = &hn->vf;

	RTE_SET_USED(ret_param);
	if (port != vf->port_id)
		return 0;
	switch (type) {
	case RTE_ETH_EVENT_INTR_RMV:
		/* the device is gone: no frame more into it, at once */
		__atomic_store_n(&vf->tx_block, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&vf->ev_rmv, 1, __ATOMIC_RELEASE);
		break;
	case RTE_ETH_EVENT_ERR_RECOVERING:
		__atomic_store_n(&vf->tx_block, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&vf->ev_recovering, 1, __ATOMIC_RELEASE);
		break;
	case RTE_ETH_EVENT_RECOVERY_SUCCESS:
		__atomic_store_n(&vf->ev_recovered, 1, __ATOMIC_RELEASE);
		break;
	case RTE_ETH_EVENT_RECOVERY_FAILED:
		__atomic_store_n(&vf->ev_recovery_failed, 1, __ATOMIC_RELEASE);
		break;
	default:
		break;
	}
	return 0;
}

static const enum rte_eth_event_type vf_port_events[] = {
	RTE_ETH_EVENT_INTR_RMV, RTE_ETH_EVENT_ERR_RECOVERING,
	RTE_ETH_EVENT_RECOVERY_SUCCESS, RTE_ETH_EVENT_RECOVERY_FAILED,
};

static bool port_is_free(uint16_t port);
static bool port_is_pci(uint16_t port, const char **name);
static bool port_has_mac(uint16_t port, const struct rte_ether_addr *want);

/*
 * A port with the NIC's MAC that appears before the association (or
 * while the application has not looked yet: EAL's probe) is owned at
 * once, so that the application never sees, configures or starts it;
 * the association decides later whether it is the VF (else it is let go).
 * Control context only: the NEW event runs on the thread probing.
 */
static void
vf_claim(struct hn_dev *hn, uint16_t port)
{
	struct hn_vf *vf = &hn->vf;
	struct rte_eth_dev_owner o = { .id = vf->owner_id };
	const char *name = "";

	if (hn->args.vf_mode == HN_VF_MODE_NONE || vf->owner_id == 0 || port == hn->port_id ||
	    __atomic_load_n(&vf->claimed, __ATOMIC_ACQUIRE) != 0)
		return;
	if (!port_has_mac(port, &hn->perm_mac))
		return;
	if (hn->args.vf_mode == HN_VF_MODE_NAME &&
	    strcmp(rte_eth_devices[port].data->name, hn->args.vf_name) != 0)
		return;
	if (rte_eth_devices[port].dev_ops == rte_eth_devices[hn->port_id].dev_ops ||
	    !port_is_pci(port, &name) || !port_is_free(port))
		return;
	snprintf(o.name, sizeof(o.name), "net_netvsc port %u", hn->port_id);
	if (rte_eth_dev_owner_set(port, &o) == 0)
		__atomic_store_n(&vf->claimed, port + 1u, __ATOMIC_RELEASE);
}

static int
new_port_event(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret_param)
{
	struct hn_dev *hn = arg;

	RTE_SET_USED(type);
	RTE_SET_USED(ret_param);
	if (!hn->vf.associated || hn->vf.state < HN_VF_ATTACHED)
		vf_claim(hn, port);
	__atomic_store_n(&hn->vf.ev_new, 1, __ATOMIC_RELEASE);
	return 0;
}

/* The claimed port, if it is still ours. */
static int
claimed_port(struct hn_dev *hn)
{
	uint32_t c = __atomic_load_n(&hn->vf.claimed, __ATOMIC_ACQUIRE);
	struct rte_eth_dev_owner o;

	if (c == 0)
		return -1;
	if (rte_eth_dev_owner_get((uint16_t)(c - 1), &o) != 0 || o.id != hn->vf.owner_id) {
		__atomic_store_n(&hn->vf.claimed, 0, __ATOMIC_RELEASE);
		return -1;
	}
	return (int)(c - 1);
}

/* The claimed port is not the associated VF: give it to the application. */
static void
claim_release(struct hn_dev *hn, int port)
{
	rte_eth_dev_owner_unset((uint16_t)port, hn->vf.owner_id);
	__atomic_store_n(&hn->vf.claimed, 0, __ATOMIC_RELEASE);
}

/* EAL device event (PCI hot-add): the tick probes it. */
static void
dev_event(const char *name, enum rte_dev_event_type type, void *arg)
{
	struct hn_dev *hn = arg;
	struct hn_vf *vf = &hn->vf;

	if (type != RTE_DEV_EVENT_ADD || name == NULL)
		return;
	if (__atomic_load_n(&vf->hotadd_pending, __ATOMIC_ACQUIRE))
		return;	/* the tick has not taken the last one yet */
	snprintf(vf->hotadd_name, sizeof(vf->hotadd_name), "%s", name);
	__atomic_store_n(&vf->hotadd_pending, 1, __ATOMIC_RELEASE);
}

static void
port_callbacks(struct hn_dev *hn, bool on)
{
	struct hn_vf *vf = &hn->vf;
	unsigned int i, tries;

	if (vf->callbacks == on)
		return;
	for (i = 0; i < RTE_DIM(vf_port_events); i++) {
		if (on) {
			rte_eth_dev_callback_register(vf->port_id, vf_port_events[i],
						      vf_port_event, hn);
			continue;
		}
		/* -EAGAIN: the callback runs now on the interrupt thread */
		for (tries = 0; tries < 1000; tries++) {
			if (rte_eth_dev_callback_unregister(vf->port_id, vf_port_events[i],
							    vf_port_event, hn) != -EAGAIN)
				break;
			rte_delay_us_sleep(1000);
		}
	}
	vf->callbacks = on;
}

/* ---- finding ---------------------------------------------------------------------- */

/* The PCI slot (domain:bus:slot) Hyper-V names by the association's serial. */
static bool
slot_of_serial(uint32_t serial, char *addr, size_t len)
{
	char path[64];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "/sys/bus/pci/slots/%u/address", serial);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	ok = fgets(addr, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		addr[strcspn(addr, " \r\n")] = '\0';
	return ok && addr[0] != '\0';
}

/* Is the PCI device called name ("dddd:bb:ss.f") in slot ("dddd:bb:ss")? */
static bool
in_slot(const char *name, const char *slot)
{
	size_t n = strlen(slot);

	return strncasecmp(name, slot, n) == 0 && name[n] == '.';
}

static bool
port_is_free(uint16_t port)
{
	struct rte_eth_dev_owner o;

	return rte_eth_dev_owner_get(port, &o) == 0 && o.id == RTE_ETH_DEV_NO_OWNER;
}

/* From the port's device, not rte_eth_dev_info_get(): during its NEW
 * event a port is not valid yet (ethdev marks it attached after the
 * callbacks), and asking would fail with an error line. */
static bool
port_is_pci(uint16_t port, const char **name)
{
	const struct rte_device *dev = rte_eth_devices[port].device;

	if (rte_eth_devices[port].data == NULL || dev == NULL)
		return false;
	*name = rte_dev_name(dev);
	return strcmp(rte_bus_name(rte_dev_bus(dev)), "pci") == 0;
}

/* The port's MAC, also during its NEW event (above). */
static bool
port_has_mac(uint16_t port, const struct rte_ether_addr *want)
{
	const struct rte_eth_dev_data *d = rte_eth_devices[port].data;

	return d != NULL && d->mac_addrs != NULL && rte_is_same_ether_addr(&d->mac_addrs[0], want);
}

/*
 * vf=auto: a port nobody owns with the NIC's MAC. When a PCI slot bears
 * the association's serial, a PCI port must sit in that slot (MANA: one
 * device, several vPorts with their own MACs; a MAC match in another slot
 * is someone else's VF); without such a slot, the MAC alone (as Linux).
 */
static int
vf_find(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;
	char slot[64];
	bool has_slot = slot_of_serial(vf->serial, slot, sizeof(slot));
	int candidate = -1;
	uint16_t p;

	if (hn->args.vf_mode == HN_VF_MODE_NONE)
		return -1;
	candidate = claimed_port(hn);
	if (candidate >= 0) {
		const char *name = "";
		bool pci = port_is_pci((uint16_t)candidate, &name);

		if (!has_slot || (pci && in_slot(name, slot)))
			return candidate;
		claim_release(hn, candidate);	/* the slot names another device */
		candidate = -1;
	}
	if (hn->args.vf_mode == HN_VF_MODE_NAME) {
		if (strcmp(hn->args.vf_name, vf->failed_dev) != 0 &&
		    rte_eth_dev_get_port_by_name(hn->args.vf_name, &p) == 0 &&
		    p != hn->port_id && port_is_free(p))
			return p;
		return -1;
	}
	RTE_ETH_FOREACH_DEV(p) {
		struct rte_ether_addr mac;
		const char *name = "";
		bool pci;

		if (p == hn->port_id || rte_eth_macaddr_get(p, &mac) != 0)
			continue;
		if (vf->failed_dev[0] != '\0' && port_is_pci(p, &name) &&
		    strcmp(name, vf->failed_dev) == 0)
			continue;	/* its recovery failed: dead until re-added */
		if (!rte_is_same_ether_addr(&mac, &hn->perm_mac) &&
		    !rte_is_same_ether_addr(&mac, &hn->mac))
			continue;
		if (rte_eth_devices[p].dev_ops == rte_eth_devices[hn->port_id].dev_ops)
			continue;	/* another netvsc port */
		pci = port_is_pci(p, &name);
		if (has_slot) {
			if (pci && in_slot(name, slot))
				return p;
			continue;
		}
		if (candidate < 0)
			candidate = p;
	}
	return candidate;
}

/*
 * Nothing taken: say once why, when a port with the NIC's MAC is there
 * but not ours to take (someone else owns it, or the association's
 * serial names another slot). The user sees one line; priv_dump keeps it.
 */
static void
vf_explain_miss(struct hn_dev *hn, bool has_slot, const char *slot)
{
	struct hn_vf *vf = &hn->vf;
	struct rte_eth_dev_owner o;
	char why[sizeof(vf->reason)];
	const char *name = "";
	uint64_t p;

	for (p = rte_eth_find_next(0); p < RTE_MAX_ETHPORTS; p = rte_eth_find_next(p + 1)) {
		if (p == hn->port_id || !port_has_mac((uint16_t)p, &hn->perm_mac) ||
		    rte_eth_devices[p].dev_ops == rte_eth_devices[hn->port_id].dev_ops ||
		    !port_is_pci((uint16_t)p, &name) || strcmp(name, vf->failed_dev) == 0)
			continue;
		if (rte_eth_dev_owner_get((uint16_t)p, &o) == 0 && o.id != RTE_ETH_DEV_NO_OWNER &&
		    o.id != vf->owner_id) {
			snprintf(why, sizeof(why), "VF %s owned by someone else", name);
			if (strcmp(why, vf->reason) != 0)
				PMD_DRV_LOG(NOTICE, "port %u: VF %s has the MAC but is owned by \"%s\"; synthetic until it is released",
					    hn->port_id, name, o.name);
		} else if (has_slot && !in_slot(name, slot)) {
			snprintf(why, sizeof(why), "VF %s in another serial's slot", name);
			if (strcmp(why, vf->reason) != 0)
				PMD_DRV_LOG(NOTICE, "port %u: VF %s has the MAC but serial %u names slot %s; not taken",
					    hn->port_id, name, vf->serial, slot);
		} else {
			continue;
		}
		vf_reason(vf, why);
		return;
	}
}

/* Probe a PCI device (hot-add, the serial's slot, the MAC), with the devargs
 * the VF had before it went. */
static void
vf_probe_device(struct hn_dev *hn, const char *name)
{
	struct hn_vf *vf = &hn->vf;
	char spec[RTE_DEV_NAME_MAX_LEN + sizeof(vf->dev_args) + 2];
	int ret;

	if (strcmp(name, vf->failed_dev) == 0)
		return;
	if (vf->dev_args[0] != '\0' && strcmp(name, vf->dev_name) == 0)
		snprintf(spec, sizeof(spec), "%s,%s", name, vf->dev_args);
	else
		snprintf(spec, sizeof(spec), "%s", name);
	ret = rte_dev_probe(spec);
	if (ret < 0 && ret != -EEXIST)
		PMD_DRV_LOG(DEBUG, "port %u: VF probe of %s: %s", hn->port_id, spec,
			    strerror(-ret));
}

/* Has the PCI device (its kernel driver's view) an interface with the MAC? */
static bool
pci_dev_has_mac(const char *name, const struct rte_ether_addr *want)
{
	char path[PATH_MAX], text[64];
	struct rte_ether_addr mac;
	const struct dirent *e;
	bool found = false;
	FILE *f;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/net", name);
	d = opendir(path);
	if (d == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/net/%s/address", name,
			 e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(text, sizeof(text), f) != NULL) {
			text[strcspn(text, " \r\n")] = '\0';
			found = rte_ether_unformat_addr(text, &mac) == 0 &&
				rte_is_same_ether_addr(&mac, want);
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

/* Is the device called name some port's, ours, the application's or another owner's? */
static bool
device_has_port(const char *name)
{
	uint64_t p;

	for (p = rte_eth_find_next(0); p < RTE_MAX_ETHPORTS; p = rte_eth_find_next(p + 1)) {
		const struct rte_device *dev = rte_eth_devices[p].device;

		if (dev != NULL && strcmp(rte_dev_name(dev), name) == 0)
			return true;
	}
	return false;
}

/*
 * No slot bears the serial: the MAC alone decides, and nothing but a
 * hot-add event would make us probe the device. One added after the EAL's
 * PCI scan but before hn_vf_init() listened (the host associates during
 * hn_attach(), and may add the device at once), or while another add was
 * pending, has no event: probe the PCI devices without a port whose
 * interface has the NIC's MAC (as vf_search() probes the serial's slot).
 */
static void
vf_probe_by_mac(struct hn_dev *hn)
{
	const struct dirent *e;
	DIR *d = opendir("/sys/bus/pci/devices");

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || device_has_port(e->d_name) ||
		    !pci_dev_has_mac(e->d_name, &hn->perm_mac))
			continue;
		vf_probe_device(hn, e->d_name);
	}
	closedir(d);
}

/* A hot-added PCI device is ours to probe if it sits in the serial's slot,
 * or, without such a slot, if it is any PCI device (its MAC decides). */
static void
vf_hotadd(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;
	char name[RTE_DEV_NAME_MAX_LEN], slot[64];

	if (!__atomic_load_n(&vf->hotadd_pending, __ATOMIC_ACQUIRE))
		return;
	snprintf(name, sizeof(name), "%s", vf->hotadd_name);
	__atomic_store_n(&vf->hotadd_pending, 0, __ATOMIC_RELEASE);
	if (strcmp(name, vf->failed_dev) == 0)
		vf->failed_dev[0] = '\0';	/* re-added: a new device */
	if (!slot_of_serial(vf->serial, slot, sizeof(slot)) || in_slot(name, slot)) {
		vf_probe_device(hn, name);
		return;
	}
	/* on Hyper-V a hot-added PCI device is mostly a VF: say why not ours */
	PMD_DRV_LOG(NOTICE, "port %u: PCI device %s is not in slot %s, which serial %u names: not probed",
		    hn->port_id, name, slot, vf->serial);
}

/* ---- secondary processes ------------------------------------------------------------ */

/*
 * A secondary polls the queues it was given, the VF's of the same index
 * too, through its own attachment of the VF's port (EAL's hot-plug
 * attaches it in every process when the primary probes it). Before the
 * host is asked to steer to the VF, every secondary is asked whether it
 * has that port: one that has not would lose what the VF delivers to its
 * queues, so the data path stays synthetic and the switch is retried.
 * A process without net_netvsc does not answer; it polls none of our
 * queues either, so its silence counts as yes.
 */
#define HN_VF_MP_NAME "net_netvsc_vf"
#define HN_VF_MP_WAIT_MS 500

struct hn_vf_mp_msg {
	uint16_t port_id;		/* the netvsc port */
	uint16_t vf_port_id;
	int32_t result;			/* answer: 0 has it, -ENODEV not */
	char vf_name[RTE_ETH_NAME_MAX_LEN];
};

static int
vf_mp_answer(const struct rte_mp_msg *msg, const void *peer)
{
	const struct hn_vf_mp_msg *q = (const void *)msg->param;
	struct rte_mp_msg reply = { 0 };
	struct hn_vf_mp_msg *a = (struct hn_vf_mp_msg *)reply.param;
	const struct rte_eth_dev *vf;

	if (msg->len_param != sizeof(*q) || q->vf_port_id >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	*a = *q;
	a->result = 0;
	vf = &rte_eth_devices[q->vf_port_id];
	if (rte_eth_dev_is_valid_port(q->port_id) &&
	    (vf->state != RTE_ETH_DEV_ATTACHED || vf->rx_pkt_burst == NULL ||
	     vf->tx_pkt_burst == NULL || strncmp(vf->data->name, q->vf_name, sizeof(q->vf_name)) != 0)) {
		a->result = -ENODEV;
		PMD_DRV_LOG(ERR, "port %u: this secondary process has not the VF %s (port %u): the data path stays synthetic",
			    q->port_id, q->vf_name, q->vf_port_id);
	}
	snprintf(reply.name, sizeof(reply.name), "%s", HN_VF_MP_NAME);
	reply.len_param = sizeof(*a);
	return rte_mp_reply(&reply, peer);
}

void
hn_vf_secondary_init(void)
{
	hn_vf_gate_barrier_init();
	if (rte_mp_action_register(HN_VF_MP_NAME, vf_mp_answer) != 0 && rte_errno != EEXIST)
		PMD_DRV_LOG(WARNING, "cannot answer the primary about VFs: %s",
			    rte_strerror(rte_errno));
}

/* Primary: has every secondary process the VF's port? */
static bool
secondaries_have_vf(struct hn_dev *hn)
{
	struct timespec wait = { .tv_nsec = HN_VF_MP_WAIT_MS * 1000000L };
	struct rte_mp_msg req = { 0 };
	struct hn_vf_mp_msg *q = (struct hn_vf_mp_msg *)req.param;
	struct rte_mp_reply reply = { 0 };
	bool ok = true;
	int i;

	snprintf(req.name, sizeof(req.name), "%s", HN_VF_MP_NAME);
	req.len_param = sizeof(*q);
	q->port_id = hn->port_id;
	q->vf_port_id = hn->vf.port_id;
	snprintf(q->vf_name, sizeof(q->vf_name), "%s", rte_eth_devices[hn->vf.port_id].data->name);
	if (rte_mp_request_sync(&req, &reply, &wait) != 0)
		return rte_errno == ENOTSUP;	/* no multi-process at all */
	for (i = 0; i < reply.nb_received; i++) {
		const struct hn_vf_mp_msg *a = (const void *)reply.msgs[i].param;

		if (reply.msgs[i].len_param == sizeof(*a) && a->result != 0)
			ok = false;
	}
	free(reply.msgs);
	return ok;
}

/* ---- taking and giving back ----------------------------------------------------------- */

static int
vf_take(struct hn_dev *hn, uint16_t port)
{
	struct hn_vf *vf = &hn->vf;
	struct rte_eth_dev_owner o = { 0 };
	struct rte_eth_dev_info info;
	const struct rte_devargs *da;
	int ret;

	/* a device whose recovery failed stays dead until it is re-added,
	 * also when it was claimed on sight (RTE_ETH_EVENT_NEW, probe) */
	if (vf->failed_dev[0] != '\0' && rte_eth_dev_info_get(port, &info) == 0 &&
	    info.device != NULL && strcmp(rte_dev_name(info.device), vf->failed_dev) == 0) {
		if (claimed_port(hn) == port)
			claim_release(hn, port);
		return -ENODEV;
	}
	if (vf->owner_id == 0 && rte_eth_dev_owner_new(&vf->owner_id) != 0)
		return -ENOSPC;
	o.id = vf->owner_id;
	snprintf(o.name, sizeof(o.name), "net_netvsc port %u", hn->port_id);
	ret = claimed_port(hn) == port ? 0 : rte_eth_dev_owner_set(port, &o);
	__atomic_store_n(&vf->claimed, 0, __ATOMIC_RELEASE);
	if (ret < 0) {
		vf->attach_failed++;
		PMD_DRV_LOG(NOTICE, "port %u: VF port %u taken by someone else", hn->port_id,
			    port);
		return ret;
	}
	vf->port_id = port;
	vf->gone = false;
	vf->recovering = false;
	__atomic_store_n(&vf->ev_rmv, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&vf->ev_recovering, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&vf->ev_recovered, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&vf->ev_recovery_failed, 0, __ATOMIC_RELAXED);
	if (rte_eth_dev_info_get(port, &info) == 0 && info.device != NULL) {
		snprintf(vf->dev_name, sizeof(vf->dev_name), "%s", rte_dev_name(info.device));
		da = rte_dev_devargs(info.device);
		snprintf(vf->dev_args, sizeof(vf->dev_args), "%s",
			 da != NULL && da->args != NULL ? da->args : "");
	}
	/* a hot-add seen for this very device is spent: taken on sight, its
	 * add event must not later pass for a re-add (it would clear failed_dev) */
	if (__atomic_load_n(&vf->hotadd_pending, __ATOMIC_ACQUIRE) &&
	    strcmp(vf->hotadd_name, vf->dev_name) == 0)
		__atomic_store_n(&vf->hotadd_pending, 0, __ATOMIC_RELEASE);
	port_callbacks(hn, true);
	vf->attach++;
	vf_reason(vf, vf->port_on ? "starting" : "stopped");
	PMD_DRV_LOG(NOTICE, "port %u: VF %s is port %u (serial %u)", hn->port_id, vf->dev_name,
		    port, vf->serial);
	hn_vf_set_state(hn, HN_VF_ATTACHED);
	return 0;
}

/* The VF's counters the application would lose with it. */
static void
vf_fold_stats(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;
	struct rte_eth_stats s;

	if (rte_eth_stats_get(vf->port_id, &s) != 0)
		return;
	vf->base_imissed += s.imissed;
	vf->base_ierrors += s.ierrors;
	vf->base_oerrors += s.oerrors;
	vf->base_nombuf += s.rx_nombuf;
}

/* Ports still on dev: with MANA one PCI device carries a port per
 * synthetic NIC (doc/protocol §G.1), and the others are not ours. */
static bool
device_has_ports(struct rte_device *dev)
{
	uint16_t p;

	RTE_ETH_FOREACH_DEV_OF(p, dev)
		return true;
	return false;
}

/* Close the VF port (it is ours) and, when it is going away, take its
 * device off the bus so that a re-add probes it afresh, unless another
 * NIC's VF port still lives on it. */
static void
vf_detach(struct hn_dev *hn, bool remove_device)
{
	struct hn_vf *vf = &hn->vf;
	struct rte_eth_dev_info info;
	struct rte_device *dev = NULL;

	gates_tx_off(hn);
	gates_rx_off(hn);
	__atomic_store_n(&vf->present, 0, __ATOMIC_RELEASE);
	/* a VF the port's stop already stopped is not stopped again (no
	 * "already stopped" line); a port that is gone has nothing to stop */
	if (rte_eth_dev_info_get(vf->port_id, &info) == 0) {
		dev = info.device;
		if (rte_eth_devices[vf->port_id].data->dev_started)
			rte_eth_dev_stop(vf->port_id);
	}
	port_callbacks(hn, false);
	vf_fold_stats(hn);
	rte_eth_dev_close(vf->port_id);
	if (remove_device && dev != NULL && !device_has_ports(dev) && rte_dev_remove(dev) < 0)
		PMD_DRV_LOG(DEBUG, "port %u: VF device %s not removed", hn->port_id,
			    vf->dev_name);
	vf->detach++;
	vf->port_id = RTE_MAX_ETHPORTS;
	PMD_DRV_LOG(NOTICE, "port %u: VF %s detached: %s", hn->port_id, vf->dev_name,
		    vf->reason);
	if (vf->associated && hn->args.vf_mode != HN_VF_MODE_NONE) {
		vf->search_deadline = now_cycles() + ms_cycles(hn->args.vf_deadline_s * 1000ull);
		vf->next_try = now_cycles();
		vf->backoff_ms = HN_VF_BACKOFF_MIN_MS;
		hn_vf_set_state(hn, HN_VF_SEARCHING);
	} else {
		hn_vf_set_state(hn, HN_VF_NONE);
	}
}

/* Queues the VF can carry: the same index on both ports. */
static uint16_t
vf_queues(uint16_t ours, uint16_t theirs)
{
	return RTE_MIN(ours, theirs);
}

static uint16_t
clamp_desc(uint16_t n, const struct rte_eth_desc_lim *lim)
{
	n = RTE_MAX(n, lim->nb_min);
	if (lim->nb_max != 0)
		n = RTE_MIN(n, lim->nb_max);
	return n;
}

static void
vf_apply_reta(struct hn_dev *hn, const struct rte_eth_dev_info *info)
{
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 / RTE_ETH_RETA_GROUP_SIZE];
	uint16_t size = info->reta_size, i;

	if (size == 0 || size > RTE_ETH_RSS_RETA_SIZE_512 || hn->vf.nb_rxq <= 1)
		return;
	memset(reta, 0, sizeof(reta));
	for (i = 0; i < size; i++) {
		struct rte_eth_rss_reta_entry64 *e = &reta[i / RTE_ETH_RETA_GROUP_SIZE];

		e->mask |= UINT64_C(1) << (i % RTE_ETH_RETA_GROUP_SIZE);
		e->reta[i % RTE_ETH_RETA_GROUP_SIZE] =
			(uint16_t)(hn->reta[i % HN_RSS_RETA_SIZE] % hn->vf.nb_rxq);
	}
	rte_eth_dev_rss_reta_update(hn->vf.port_id, reta, size);
}

/* The hash types the host uses, those the VF has. */
static uint64_t
vf_rss_hf(const struct hn_dev *hn, const struct rte_eth_dev_info *info)
{
	return hn_rss_hash_info_to_hf(hn->rss_hash_info) & info->flow_type_rss_offloads;
}

/* The host's key and hash types on a running VF (a runtime update). Some
 * PMDs (MANA) take them only while stopped: then the VF's next configure
 * does, said once. */
static void
vf_apply_rss_hash(struct hn_dev *hn, const struct rte_eth_dev_info *info)
{
	struct rte_eth_rss_conf rc = { .rss_hf = vf_rss_hf(hn, info) };
	int ret;

	if (hn->vf.nb_rxq <= 1 || hn->rss_hash_info == 0)
		return;
	if (info->hash_key_size == HN_RSS_KEY_SIZE) {
		rc.rss_key = hn->rss_key;
		rc.rss_key_len = HN_RSS_KEY_SIZE;
	}
	ret = rte_eth_dev_rss_hash_update(hn->vf.port_id, &rc);
	if (ret != 0)
		PMD_DRV_LOG(NOTICE, "port %u: the VF keeps its RSS hash settings until the port's "
			    "next start (%s)", hn->port_id, strerror(-ret));
}

/* The VF receives multicast as the synthetic path does (hn_filter). */
static void
vf_sync_allmulti(const struct hn_dev *hn, uint16_t port)
{
	if (hn->allmulti)
		rte_eth_allmulticast_enable(port);
	else
		rte_eth_allmulticast_disable(port);
}

/*
 * VLAN stripping changed at run time (vlan_offload_set): a VF that strips
 * in hardware follows. One that cannot keeps the software fix-up chosen
 * when it was configured, until it is configured again.
 */
static void
vf_sync_vlan_strip(const struct hn_dev *hn, uint16_t port)
{
	int cur = rte_eth_dev_get_vlan_offload(port);
	int want;

	if (cur < 0 || (hn->vf.sw_fix & HN_VF_SW_VLAN_STRIP))
		return;
	want = cur & ~RTE_ETH_VLAN_STRIP_OFFLOAD;
	if (hn->rx_offloads & RTE_ETH_RX_OFFLOAD_VLAN_STRIP)
		want |= RTE_ETH_VLAN_STRIP_OFFLOAD;
	if (want != cur)
		rte_eth_dev_set_vlan_offload(port, want);
}

/* Configure the VF like the netvsc port: queues, descriptors, mempools,
 * MTU, offloads it has, RSS key/types/table, filters, MAC. */
static int
vf_configure(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;
	const struct rte_eth_dev_data *d = hn->data;
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint16_t q, port = vf->port_id;
	int ret, socket = rte_eth_dev_socket_id(port);

	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	vf->nb_rxq = vf_queues(d->nb_rx_queues, info.max_rx_queues);
	vf->nb_txq = vf_queues(d->nb_tx_queues, info.max_tx_queues);
	if (vf->nb_rxq == 0 || vf->nb_txq == 0)
		return -ENOSPC;
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mtu = d->mtu;
	conf.rxmode.offloads = hn->rx_offloads & info.rx_offload_capa;
	conf.txmode.offloads = hn->tx_offloads & info.tx_offload_capa;
	/* frames received in place are not direct mbufs: freed fast, straight
	 * into the pool, their free callback would never give the host its
	 * slots back (our own TX path frees them one by one) */
	if (hn->args.rx_extmbuf)
		conf.txmode.offloads &= ~RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	/* a TX offload the VF lacks: that direction stays synthetic (fast
	 * free is the application's promise, not work asked of the VF) */
	vf->tx_ok = (hn->tx_offloads & ~RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE &
		     ~info.tx_offload_capa) == 0;
	/* RX offloads it lacks: done in software on its frames */
	vf->sw_fix = 0;
	if (hn->rx_offloads & ~info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_VLAN_STRIP)
		vf->sw_fix |= HN_VF_SW_VLAN_STRIP;
	if (hn->rx_offloads & ~info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_CHECKSUM)
		vf->sw_fix |= HN_VF_SW_CSUM;
	if (hn->rx_offloads & ~info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH)
		vf->sw_fix |= HN_VF_SW_RSS;
	if ((d->dev_conf.rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) && vf->nb_rxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		/* what the host hashes on now (a runtime update included) */
		conf.rx_adv_conf.rss_conf.rss_hf = vf_rss_hf(hn, &info);
		if (info.hash_key_size == HN_RSS_KEY_SIZE) {
			conf.rx_adv_conf.rss_conf.rss_key = hn->rss_key;
			conf.rx_adv_conf.rss_conf.rss_key_len = HN_RSS_KEY_SIZE;
		}
	}
	ret = rte_eth_dev_configure(port, vf->nb_rxq, vf->nb_txq, &conf);
	if (ret != 0)
		return ret;
	for (q = 0; q < vf->nb_rxq; q++) {
		const struct hn_rxq *rxq = rxq_at(hn, q);

		if (rxq == NULL)
			return -EINVAL;
		ret = rte_eth_rx_queue_setup(port, q, clamp_desc(rxq->nb_desc, &info.rx_desc_lim),
					     socket, NULL, rxq->mp);
		if (ret != 0)
			return ret;
	}
	for (q = 0; q < vf->nb_txq; q++) {
		const struct hn_txq *txq = txq_at(hn, q);

		if (txq == NULL)
			return -EINVAL;
		ret = rte_eth_tx_queue_setup(port, q, clamp_desc(txq->nb_desc, &info.tx_desc_lim),
					     socket, NULL);
		if (ret != 0)
			return ret;
	}
	vf_apply_reta(hn, &info);
	if (hn->promisc)
		rte_eth_promiscuous_enable(port);
	else
		rte_eth_promiscuous_disable(port);
	vf_sync_allmulti(hn, port);
	if (rte_eth_macaddr_get(port, &mac) == 0 && !rte_is_same_ether_addr(&mac, &hn->mac))
		rte_eth_dev_default_mac_addr_set(port, &hn->mac);
	return 0;
}

static void
backoff_next(struct hn_vf *vf)
{
	vf->next_try = now_cycles() + ms_cycles(vf->backoff_ms);
	vf->backoff_ms = RTE_MIN(vf->backoff_ms * 2, HN_VF_BACKOFF_MAX_MS);
}

/* ATTACHED -> RX_ON: configure, start, poll its RX. */
static void
vf_start_rx(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;
	int ret = vf_configure(hn);

	if (ret == 0)
		ret = rte_eth_dev_start(vf->port_id);
	if (ret != 0) {
		vf->attach_failed++;
		vf_reason(vf, "VF start failed");
		PMD_DRV_LOG(ERR, "port %u: VF port %u not started: %s", hn->port_id,
			    vf->port_id, strerror(-ret));
		backoff_next(vf);
		return;
	}
	if (!secondaries_have_vf(hn)) {
		rte_eth_dev_stop(vf->port_id);
		vf->attach_failed++;
		vf_reason(vf, "a secondary process has not the VF");
		backoff_next(vf);
		return;
	}
	gates_rx_on(hn);
	vf->backoff_ms = HN_VF_BACKOFF_MIN_MS;
	vf->next_try = now_cycles();
	hn_vf_set_state(hn, HN_VF_RX_ON);
}

/* RX_ON -> SWITCHING */
static void
vf_switch_to_vf(struct hn_dev *hn)
{
	if (switch_send(hn, HV_NVSP_DATAPATH_VF) < 0) {
		hn->vf.sw_failed++;
		backoff_next(&hn->vf);
		return;
	}
	hn_vf_set_state(hn, HN_VF_SWITCHING);
}

/* Nothing the control thread has not seen yet says to leave. */
static bool
nothing_pending(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;

	return __atomic_load_n(&vf->assoc_seq, __ATOMIC_ACQUIRE) == vf->assoc_seen &&
	       __atomic_load_n(&vf->host_synthetic_seq, __ATOMIC_ACQUIRE) ==
	       vf->host_synthetic_seen &&
	       !__atomic_load_n(&vf->ev_rmv, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&vf->ev_recovering, __ATOMIC_ACQUIRE);
}

static void
vf_switching_poll(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;
	uint32_t r = switch_poll(hn);
	uint64_t us;

	if (r == 0 && now_cycles() < vf->switch_deadline)
		return;
	if (r == 1) {
		us = (now_cycles() - vf->switch_sent) * 1000000 / rte_get_timer_hz();
		vf->sw_latency_us = us;
		vf->sw_latency_max_us = RTE_MAX(vf->sw_latency_max_us, us);
		vf->sw_to_vf++;
		vf->backoff_ms = HN_VF_BACKOFF_MIN_MS;
		vf->reason[0] = '\0';
		if (nothing_pending(hn))
			__atomic_store_n(&vf->tx_block, 0, __ATOMIC_RELEASE);
		gates_tx_on(hn);
		if (!vf->tx_ok)
			vf_reason(vf, "TX synthetic: the VF lacks an enabled TX offload");
		hn_vf_set_state(hn, HN_VF_ACTIVE);
		return;
	}
	switch_forget(hn);
	vf->sw_failed++;
	vf_reason(vf, "switch failed");
	PMD_DRV_LOG(WARNING, "port %u: the host %s the switch to the VF: retrying",
		    hn->port_id, r == 2 ? "refused" : "did not answer");
	backoff_next(vf);
	vf->backoff_ms = RTE_MAX(vf->backoff_ms, 100u);
	hn_vf_set_state(hn, HN_VF_RX_ON);
}

/* Start giving the VF back: TX off it now (quiescent), then 129(synthetic). */
static void
vf_leave(struct hn_dev *hn, bool detach, const char *reason)
{
	struct hn_vf *vf = &hn->vf;

	vf_reason(vf, reason);
	if (vf->state == HN_VF_LEAVING) {
		vf->leave_detach |= detach;
		return;
	}
	if (vf->state == HN_VF_ATTACHED) {
		if (detach)
			vf_detach(hn, true);
		return;
	}
	if (vf->state < HN_VF_ATTACHED)
		return;
	gates_tx_off(hn);
	vf->leave_detach = detach;
	vf->leave_phase = LEAVE_SWITCH;
	if (vf->state == HN_VF_SWITCHING)
		switch_forget(hn);
	if (switch_send(hn, HV_NVSP_DATAPATH_SYNTHETIC) < 0)
		vf->switch_deadline = now_cycles();	/* no answer to wait for */
	if (vf->state == HN_VF_ACTIVE || vf->state == HN_VF_SWITCHING)
		vf->sw_to_syn++;
	hn_vf_set_state(hn, HN_VF_LEAVING);
}

/* Read what is left on the VF's RX queues (the bursts no longer do):
 * nobody receives it, so it counts as missed. */
static void
vf_flush_rx(struct hn_dev *hn)
{
	struct rte_mbuf *m[32];
	uint16_t q, n;
	unsigned int rounds;

	for (q = 0; q < hn->vf.nb_rxq; q++) {
		for (rounds = 0; rounds < 256; rounds++) {
			n = rte_eth_rx_burst(hn->vf.port_id, q, m, RTE_DIM(m));
			if (n == 0)
				break;
			hn->vf.base_imissed += n;
			rte_pktmbuf_free_bulk(m, n);
		}
	}
}

static bool
drain_acked(struct hn_dev *hn)
{
	uint16_t q;

	for (q = 0; q < hn->vf.nb_rxq; q++) {
		struct hn_rxq *rxq = rxq_at(hn, q);

		if (rxq != NULL && __atomic_load_n(&rxq->vf_gate.drain_ack, __ATOMIC_ACQUIRE) !=
				   hn->vf.leave_epoch)
			return false;
	}
	return true;
}

static void
vf_leave_finish(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;

	gates_rx_off(hn);
	if (!vf->gone)
		vf_flush_rx(hn);
	__atomic_store_n(&vf->present, 0, __ATOMIC_RELEASE);
	if (vf->leave_detach || vf->gone) {
		vf_detach(hn, true);
		return;
	}
	rte_eth_dev_stop(vf->port_id);
	backoff_next(vf);
	hn_vf_set_state(hn, HN_VF_ATTACHED);
}

/* LEAVING: wait for the host's answer, then for the RX queues to run dry.
 * sync: the caller stops the port (nobody polls): no waiting for bursts. */
static void
vf_leaving_step(struct hn_dev *hn, bool sync)
{
	struct hn_vf *vf = &hn->vf;
	uint16_t q;

	if (vf->leave_phase == LEAVE_SWITCH) {
		uint32_t r = switch_poll(hn);

		if (r == 0 && now_cycles() < vf->switch_deadline)
			return;
		if (r == 0) {
			switch_forget(hn);
			PMD_DRV_LOG(WARNING, "port %u: SWITCH_DATA_PATH(synthetic) unanswered",
				    hn->port_id);
		}
		if (sync || vf->gone || !vf->port_on) {
			vf_leave_finish(hn);
			return;
		}
		vf->leave_epoch++;
		for (q = 0; q < vf->nb_rxq; q++) {
			struct hn_rxq *rxq = rxq_at(hn, q);

			if (rxq != NULL)
				__atomic_store_n(&rxq->vf_gate.drain_req, vf->leave_epoch,
						 __ATOMIC_RELEASE);
		}
		vf->leave_phase = LEAVE_DRAIN;
		vf->leave_deadline = now_cycles() + ms_cycles(HN_VF_DRAIN_MS);
		return;
	}
	if (drain_acked(hn) || now_cycles() >= vf->leave_deadline || sync || vf->gone)
		vf_leave_finish(hn);
}

/* Leave now, on the caller's thread (dev_stop, dev_close). */
static void
vf_leave_sync(struct hn_dev *hn, bool detach, const char *reason)
{
	vf_leave(hn, detach, reason);
	while (hn->vf.state == HN_VF_LEAVING) {
		vf_leaving_step(hn, true);
		if (hn->vf.state == HN_VF_LEAVING)
			rte_delay_us_sleep(100);
	}
}

/* ---- the tick ---------------------------------------------------------------------- */

static void
begin_search(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;

	if (hn->args.vf_mode == HN_VF_MODE_NONE) {
		vf_reason(vf, "vf=none");
		return;
	}
	vf->search_deadline = now_cycles() + ms_cycles(hn->args.vf_deadline_s * 1000ull);
	vf->next_try = now_cycles();
	vf->backoff_ms = HN_VF_BACKOFF_MIN_MS;
	vf_reason(vf, "not found yet");
	hn_vf_set_state(hn, HN_VF_SEARCHING);
}

/* The host told us to leave the VF (association gone, data path back to
 * synthetic): count flaps, and hold back the next retake when they come
 * fast. Real servicing events are seconds apart and are never held. */
static void
vf_note_host_flap(struct hn_vf *vf)
{
	uint64_t now = now_cycles();
	uint32_t hold_ms;

	if (vf->last_host_leave != 0 && now - vf->last_host_leave < ms_cycles(HN_VF_FLAP_WINDOW_MS))
		vf->host_flaps = RTE_MIN(vf->host_flaps + 1, 32u);
	else
		vf->host_flaps = 0;
	vf->last_host_leave = now;
	if (vf->host_flaps < HN_VF_FLAPS_FREE)
		return;
	hold_ms = HN_VF_BACKOFF_MIN_MS << RTE_MIN(vf->host_flaps - HN_VF_FLAPS_FREE, 7u);
	vf->hold_until = now + ms_cycles(RTE_MIN(hold_ms, HN_VF_BACKOFF_MAX_MS));
}

/* What the host and the devices said since the last tick. */
static void
vf_events(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;
	uint32_t seq = __atomic_load_n(&vf->assoc_seq, __ATOMIC_ACQUIRE);
	uint32_t hs = __atomic_load_n(&vf->host_synthetic_seq, __ATOMIC_ACQUIRE);

	if (seq != vf->assoc_seen) {
		vf->assoc_seen = seq;
		vf->associated = __atomic_load_n(&vf->assoc_allocated, __ATOMIC_RELAXED);
		if (vf->associated) {
			vf->serial = __atomic_load_n(&vf->assoc_serial, __ATOMIC_RELAXED);
			PMD_DRV_LOG(INFO, "port %u: VF association, serial %u", hn->port_id,
				    vf->serial);
			if (vf->state == HN_VF_NONE)
				begin_search(hn);
		} else if (vf->state == HN_VF_SEARCHING) {
			vf_reason(vf, "no association");
			hn_vf_set_state(hn, HN_VF_NONE);
		} else {
			vf_note_host_flap(vf);
			vf_leave(hn, true, "no association");
		}
	}
	if (hs != vf->host_synthetic_seen) {
		vf->host_synthetic_seen = hs;
		if (vf->state == HN_VF_ACTIVE || vf->state == HN_VF_SWITCHING) {
			vf_note_host_flap(vf);
			vf_leave(hn, !vf->associated, "host switched to synthetic");
		}
	}
	if (vf->state < HN_VF_ATTACHED)
		return;
	if (__atomic_exchange_n(&vf->ev_rmv, 0, __ATOMIC_ACQ_REL)) {
		vf->gone = true;
		vf_leave(hn, true, "removed");
	}
	if (__atomic_exchange_n(&vf->ev_recovering, 0, __ATOMIC_ACQ_REL)) {
		vf->recovering = true;
		vf_leave(hn, false, "recovering");
	}
	if (__atomic_exchange_n(&vf->ev_recovery_failed, 0, __ATOMIC_ACQ_REL)) {
		vf->recovering = false;
		snprintf(vf->failed_dev, sizeof(vf->failed_dev), "%s", vf->dev_name);
		/* an add seen before the failure is not a re-add of the device */
		__atomic_store_n(&vf->hotadd_pending, 0, __ATOMIC_RELEASE);
		vf_leave(hn, true, "recovery failed");
	}
	if (__atomic_exchange_n(&vf->ev_recovered, 0, __ATOMIC_ACQ_REL) && vf->recovering) {
		vf->recovering = false;
		vf->next_try = now_cycles();
		if (nothing_pending(hn))
			__atomic_store_n(&vf->tx_block, 0, __ATOMIC_RELEASE);
	}
}

static void
vf_search(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;
	bool kicked = __atomic_exchange_n(&vf->ev_new, 0, __ATOMIC_ACQ_REL) ||
		      __atomic_load_n(&vf->hotadd_pending, __ATOMIC_ACQUIRE);
	char slot[64], bdf[80];
	int port;

	if (!kicked && now_cycles() < vf->next_try)
		return;
	if (vf->failed_dev[0] != '\0') {
		char path[RTE_DEV_NAME_MAX_LEN + 32];

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", vf->failed_dev);
		if (access(path, F_OK) != 0)
			vf->failed_dev[0] = '\0';	/* gone: what comes next is new */
	}
	if (now_cycles() > vf->search_deadline) {
		vf_reason(vf, "not found (vf_deadline)");
		PMD_DRV_LOG(WARNING, "port %u: no VF for serial %u within %u s", hn->port_id,
			    vf->serial, hn->args.vf_deadline_s);
		hn_vf_set_state(hn, HN_VF_NONE);
		return;
	}
	vf_hotadd(hn);
	port = vf_find(hn);
	if (port < 0 && hn->args.vf_mode == HN_VF_MODE_AUTO &&
	    slot_of_serial(vf->serial, slot, sizeof(slot))) {
		/* the slot is there: its device may have come without an event
		 * (once the kernel shows it: else EAL says it cannot find it) */
		char path[sizeof(bdf) + 32];

		snprintf(bdf, sizeof(bdf), "%s.0", slot);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
		if (access(path, F_OK) == 0) {
			vf_probe_device(hn, bdf);
			port = vf_find(hn);
		}
	} else if (port < 0 && hn->args.vf_mode == HN_VF_MODE_AUTO) {
		vf_probe_by_mac(hn);
		port = vf_find(hn);
	}
	if (port >= 0 && vf_take(hn, (uint16_t)port) == 0)
		return;
	if (port < 0)
		vf_explain_miss(hn, slot_of_serial(vf->serial, slot, sizeof(slot)), slot);
	backoff_next(vf);
}

static void
vf_step(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;

	vf_events(hn);
	switch (vf->state) {
	case HN_VF_NONE:
		/* past the deadline, a device that shows up is still taken */
		if (vf->associated && (__atomic_load_n(&vf->ev_new, __ATOMIC_ACQUIRE) ||
				       __atomic_load_n(&vf->hotadd_pending, __ATOMIC_ACQUIRE)))
			begin_search(hn);
		break;
	case HN_VF_SEARCHING:
		if (now_cycles() >= vf->hold_until)
			vf_search(hn);
		break;
	case HN_VF_ATTACHED:
		if (vf->port_on && !vf->recovering && now_cycles() >= vf->next_try &&
		    now_cycles() >= vf->hold_until)
			vf_start_rx(hn);
		break;
	case HN_VF_RX_ON:
		if (vf->port_on && now_cycles() >= vf->next_try && now_cycles() >= vf->hold_until)
			vf_switch_to_vf(hn);
		break;
	case HN_VF_SWITCHING:
		vf_switching_poll(hn);
		break;
	case HN_VF_LEAVING:
		vf_leaving_step(hn, false);
		break;
	default:
		break;
	}
}

static void
vf_tick(void *arg)
{
	struct hn_dev *hn = arg;
	struct hn_vf *vf = &hn->vf;

	if (rte_spinlock_trylock(&vf->lock)) {
		if (vf->ticking)
			vf_step(hn);
		rte_spinlock_unlock(&vf->lock);
	}
	/* a switch or a drain under way: look again soon (the latency) */
	if (__atomic_load_n(&vf->ticking, __ATOMIC_ACQUIRE))
		rte_eal_alarm_set(vf->state == HN_VF_SWITCHING || vf->state == HN_VF_LEAVING ?
				  HN_VF_FAST_TICK_US : HN_VF_TICK_US, vf_tick, hn);
}

/* ---- what hn_ethdev.c calls ---------------------------------------------------------- */

int
hn_vf_init(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;

	rte_spinlock_init(&vf->lock);
	vf->port_id = RTE_MAX_ETHPORTS;
	vf->state = HN_VF_NONE;
	vf->state_since = now_cycles();
	vf_reason(vf, hn->args.vf_mode == HN_VF_MODE_NONE ? "vf=none" : "no association");
	if (!hn_is_primary())
		return 0;
	hn_vf_gate_barrier_init();
	if (hn->args.vf_mode != HN_VF_MODE_NONE) {
		uint16_t p;

		if (rte_eth_dev_owner_new(&vf->owner_id) != 0)
			vf->owner_id = 0;
		RTE_ETH_FOREACH_DEV(p)	/* probed before us: ours before the app looks */
			vf_claim(hn, p);
		rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_NEW, new_port_event, hn);
		/* PCI hot-add: EAL's uevent monitor; without one, the tick still
		 * probes the serial's slot */
		if (rte_dev_event_monitor_start() == 0 &&
		    rte_dev_event_callback_register(NULL, dev_event, hn) == 0)
			vf->dev_events = true;
	}
	vf->ticking = true;
	return rte_eal_alarm_set(HN_VF_TICK_US, vf_tick, hn);
}

void
hn_vf_start(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;

	if (!hn_is_primary())
		return;
	rte_spinlock_lock(&vf->lock);
	vf->port_on = true;
	if (vf->state == HN_VF_ATTACHED && !vf->recovering)
		vf_start_rx(hn);
	rte_spinlock_unlock(&vf->lock);
}

void
hn_vf_stop(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;

	if (!hn_is_primary())
		return;
	rte_spinlock_lock(&vf->lock);
	vf->port_on = false;	/* before anything else: the tick takes nothing up now */
	if (vf->state >= HN_VF_RX_ON)
		vf_leave_sync(hn, false, "stopped");
	if (vf->state == HN_VF_ATTACHED)
		vf_reason(vf, "stopped");
	rte_spinlock_unlock(&vf->lock);
}

void
hn_vf_close(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;

	if (!hn_is_primary())
		return;
	rte_spinlock_lock(&vf->lock);
	__atomic_store_n(&vf->ticking, false, __ATOMIC_RELEASE);
	vf->associated = false;	/* nothing to search for after a close */
	if (vf->state >= HN_VF_RX_ON)
		vf_leave_sync(hn, true, "closed");
	/* the device off the bus too: a closed port leaves it probed, and a
	 * new netvsc port (re-offer, re-attach) could never probe it again */
	if (vf->state == HN_VF_ATTACHED) {
		vf_reason(vf, "closed");
		vf_detach(hn, true);
	}
	hn_vf_set_state(hn, HN_VF_NONE);
	if (claimed_port(hn) >= 0)
		claim_release(hn, claimed_port(hn));
	rte_spinlock_unlock(&vf->lock);
	rte_eal_alarm_cancel(vf_tick, hn);
	rte_eth_dev_callback_unregister(RTE_ETH_ALL, RTE_ETH_EVENT_NEW, new_port_event, hn);
	if (vf->dev_events)
		rte_dev_event_callback_unregister(NULL, dev_event, hn);
	vf->dev_events = false;
}

void
hn_vf_sync_settings(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;
	struct rte_eth_dev_info info;

	if (!hn_is_primary())
		return;
	rte_spinlock_lock(&vf->lock);
	if (vf->state >= HN_VF_ATTACHED && vf->state != HN_VF_LEAVING) {
		if (hn->promisc)
			rte_eth_promiscuous_enable(vf->port_id);
		else
			rte_eth_promiscuous_disable(vf->port_id);
		vf_sync_allmulti(hn, vf->port_id);
		vf_sync_vlan_strip(hn, vf->port_id);
		rte_eth_dev_default_mac_addr_set(vf->port_id, &hn->mac);
		if (vf->state >= HN_VF_RX_ON && rte_eth_dev_info_get(vf->port_id, &info) == 0)
			vf_apply_reta(hn, &info);
	}
	rte_spinlock_unlock(&vf->lock);
}

void
hn_vf_sync_rss(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;
	struct rte_eth_dev_info info;

	if (!hn_is_primary())
		return;
	rte_spinlock_lock(&vf->lock);
	if (vf->state >= HN_VF_RX_ON && vf->state != HN_VF_LEAVING &&
	    rte_eth_dev_info_get(vf->port_id, &info) == 0)
		vf_apply_rss_hash(hn, &info);
	rte_spinlock_unlock(&vf->lock);
}

/* ---- statistics ---------------------------------------------------------------------- */

void
hn_vf_stats_add(struct hn_dev *hn, struct rte_eth_stats *st)
{
	struct hn_vf *vf = &hn->vf;
	struct rte_eth_stats s;

	st->imissed += vf->base_imissed;
	st->ierrors += vf->base_ierrors;
	st->oerrors += vf->base_oerrors;
	st->rx_nombuf += vf->base_nombuf;
	if (!hn_is_primary())
		return;
	rte_spinlock_lock(&vf->lock);
	if (vf->state >= HN_VF_ATTACHED && rte_eth_stats_get(vf->port_id, &s) == 0) {
		st->imissed += s.imissed;
		st->ierrors += s.ierrors;
		st->oerrors += s.oerrors;
		st->rx_nombuf += s.rx_nombuf;
	}
	rte_spinlock_unlock(&vf->lock);
}

void
hn_vf_stats_reset(struct hn_dev *hn)
{
	struct hn_vf *vf = &hn->vf;
	uint16_t q;

	for (q = 0; q < hn->data->nb_rx_queues; q++)
		if (rxq_at(hn, q) != NULL)
			memset(&rxq_at(hn, q)->vf_stats, 0, sizeof(struct hn_vf_qstats));
	for (q = 0; q < hn->data->nb_tx_queues; q++)
		if (txq_at(hn, q) != NULL)
			memset(&txq_at(hn, q)->vf_stats, 0, sizeof(struct hn_vf_qstats));
	vf->base_imissed = vf->base_ierrors = vf->base_oerrors = vf->base_nombuf = 0;
	vf->attach = vf->detach = vf->attach_failed = 0;
	vf->sw_to_vf = vf->sw_to_syn = vf->sw_failed = 0;
	vf->sw_latency_us = vf->sw_latency_max_us = 0;
	if (!hn_is_primary())
		return;
	rte_spinlock_lock(&vf->lock);
	if (vf->state >= HN_VF_ATTACHED)
		rte_eth_stats_reset(vf->port_id);
	rte_spinlock_unlock(&vf->lock);
}

static const char *const hn_vf_xstat_names[HN_VF_XSTATS] = {
	"vf_rx_packets", "vf_rx_bytes", "vf_tx_packets", "vf_tx_bytes",
	"vf_attach", "vf_detach", "vf_attach_failed",
	"vf_switch_to_vf", "vf_switch_to_synthetic", "vf_switch_failed",
	"vf_switch_latency_us", "vf_switch_latency_max_us", "vf_rx_drained",
};

unsigned int
hn_vf_xstats_names(struct rte_eth_xstat_name *names, unsigned int k)
{
	unsigned int i;

	for (i = 0; i < HN_VF_XSTATS; i++)
		snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "%s", hn_vf_xstat_names[i]);
	return k;
}

unsigned int
hn_vf_xstats_values(struct hn_dev *hn, struct rte_eth_xstat *xs, unsigned int k)
{
	const struct hn_vf *vf = &hn->vf;
	uint64_t v[HN_VF_XSTATS] = { 0 };
	unsigned int i;
	uint16_t q;

	for (q = 0; q < hn->data->nb_rx_queues; q++) {
		const struct hn_rxq *rxq = rxq_at(hn, q);

		if (rxq != NULL) {
			v[0] += rxq->vf_stats.packets;
			v[1] += rxq->vf_stats.bytes;
			v[12] += rxq->vf_stats.drained;
		}
	}
	for (q = 0; q < hn->data->nb_tx_queues; q++) {
		const struct hn_txq *txq = txq_at(hn, q);

		if (txq != NULL) {
			v[2] += txq->vf_stats.packets;
			v[3] += txq->vf_stats.bytes;
		}
	}
	v[4] = vf->attach;
	v[5] = vf->detach;
	v[6] = vf->attach_failed;
	v[7] = vf->sw_to_vf;
	v[8] = vf->sw_to_syn;
	v[9] = vf->sw_failed;
	v[10] = vf->sw_latency_us;
	v[11] = vf->sw_latency_max_us;
	for (i = 0; i < HN_VF_XSTATS; i++, k++) {
		xs[k].id = k;
		xs[k].value = v[i];
	}
	return k;
}

void
hn_vf_dump(struct hn_dev *hn, FILE *f)
{
	const struct hn_vf *vf = &hn->vf;
	uint64_t ms = (now_cycles() - vf->state_since) * 1000 / rte_get_timer_hz();

	fprintf(f, "  vf: state %s for %" PRIu64 " ms, association %s, serial %u\n",
		hn_vf_state_names[vf->state], ms, vf->associated ? "yes" : "no", vf->serial);
	if (vf->state >= HN_VF_ATTACHED)
		fprintf(f, "  vf: port %u, device %s%s%s, queues rx %u tx %u, tx %s\n",
			vf->port_id, vf->dev_name, vf->dev_args[0] ? "," : "", vf->dev_args,
			vf->nb_rxq, vf->nb_txq, vf->tx_ok ? "on the VF" : "synthetic");
	else if (vf->dev_name[0] != '\0')
		fprintf(f, "  vf: last device %s\n", vf->dev_name);
	fprintf(f, "  vf: path %s", vf->state == HN_VF_ACTIVE ? "VF" : "synthetic");
	if (vf->state != HN_VF_ACTIVE || vf->reason[0] != '\0')
		fprintf(f, ", last reason synthetic: %s", vf->reason[0] ? vf->reason : "-");
	fprintf(f, "\n  vf: mode %s%s, deadline %u s, attach %" PRIu64 ", detach %" PRIu64
		", switches %" PRIu64 "/%" PRIu64 " (failed %" PRIu64 "), latency %" PRIu64
		" us (max %" PRIu64 ")\n",
		hn->args.vf_mode == HN_VF_MODE_NONE ? "none" :
		hn->args.vf_mode == HN_VF_MODE_NAME ? "name " : "auto",
		hn->args.vf_mode == HN_VF_MODE_NAME ? hn->args.vf_name : "",
		hn->args.vf_deadline_s, vf->attach, vf->detach, vf->sw_to_vf, vf->sw_to_syn,
		vf->sw_failed, vf->sw_latency_us, vf->sw_latency_max_us);
}
