/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * A NIC's VF, host side: when the guest hears of it (VF_ASSOCIATION), when
 * its PCI device appears, what the guest's SWITCH_DATA_PATH does, and the
 * two ways it goes (protocol doc §G.5):
 *
 *   orderly   steer to synthetic; the host's 129(synthetic) with RC when
 *             the guest was on the VF; VF_ASSOCIATION(0) with the same
 *             serial; wait (at most 10 s) for the guest to switch back and
 *             drain the VF's receive rings; then revoke the device.
 *   surprise  revoke the device first; frames on its rings are lost
 *             (lost_in_transition); then the same messages.
 *
 * The state (enum hvsim_vf_state) changes only in vf_set_state().
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hv_nvsp_wire.h"
#include "util.h"
#include "vf/vf_internal.h"
#include "vmbus/nic.h"
#include "vsp/vsp.h"

#define MS	(1000ull * 1000ull)
#define RECOVERY_MS	100	/* a service reset takes this long here */

static const char *const state_names[] = {
	[HVSIM_VF_ABSENT] = "absent",
	[HVSIM_VF_OFFERING] = "offering",
	[HVSIM_VF_OFFERED] = "offered",
	[HVSIM_VF_SWITCHED] = "switched",
	[HVSIM_VF_REMOVING] = "removing",
};

static void
vf_log(const struct hvsim_vf *vf, const char *what)
{
	/* the removal order is part of what tests check: always logged */
	fprintf(stderr, "hvsim: nic%d vf: %s\n", vf->nic->index, what);
}

void
vf_set_state(struct hvsim_vf *vf, enum hvsim_vf_state state)
{
	char line[96];

	if (vf->state == state)
		return;
	snprintf(line, sizeof(line), "state %s -> %s", state_names[vf->state], state_names[state]);
	vf->state = state;
	vf->state_since_ns = now_ns();
	if (vf->nic->verbose)
		vf_log(vf, line);
}

const char *
hvsim_vf_state_name(const struct hvsim_vf *vf)
{
	return state_names[vf->state];
}

/* ---- options ------------------------------------------------------------------ */

static const struct {
	const char *name;
	uint64_t bits;
} offload_names[] = {
	{ "rx_ipv4_cksum", HVSIM_VF_OFL_RX_IPV4_CKSUM },
	{ "rx_l4_cksum", HVSIM_VF_OFL_RX_L4_CKSUM },
	{ "rx_cksum", HVSIM_VF_OFL_RX_IPV4_CKSUM | HVSIM_VF_OFL_RX_L4_CKSUM },
	{ "vlan_strip", HVSIM_VF_OFL_RX_VLAN_STRIP },
	{ "rss_hash", HVSIM_VF_OFL_RX_RSS_HASH },
	{ "tx_ipv4_cksum", HVSIM_VF_OFL_TX_IPV4_CKSUM },
	{ "tx_tcp_cksum", HVSIM_VF_OFL_TX_TCP_CKSUM },
	{ "tx_udp_cksum", HVSIM_VF_OFL_TX_UDP_CKSUM },
	{ "tx_cksum", HVSIM_VF_OFL_TX_IPV4_CKSUM | HVSIM_VF_OFL_TX_TCP_CKSUM |
		      HVSIM_VF_OFL_TX_UDP_CKSUM },
	{ "tso", HVSIM_VF_OFL_TX_TSO },
	{ "vlan_insert", HVSIM_VF_OFL_TX_VLAN_INSERT },
	{ "multi_segs", HVSIM_VF_OFL_TX_MULTI_SEGS },
};

#define NOFFLOAD_NAMES	(sizeof(offload_names) / sizeof(offload_names[0]))

uint64_t
hvsim_vf_default_offloads(void)
{
	uint64_t all = 0;
	unsigned int i;

	for (i = 0; i < NOFFLOAD_NAMES; i++)
		all |= offload_names[i].bits;
	return all;
}

int
hvsim_vf_parse_offloads(const char *list, uint64_t *bits, const char **bad)
{
	char *copy = strdup(list), *tok, *save = NULL;
	unsigned int i;
	int ret = 0;

	if (copy == NULL)
		return -ENOMEM;
	*bits = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL && ret == 0;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "all") == 0) {
			*bits |= hvsim_vf_default_offloads();
			continue;
		}
		if (strcmp(tok, "none") == 0)
			continue;
		for (i = 0; i < NOFFLOAD_NAMES; i++)
			if (strcmp(tok, offload_names[i].name) == 0)
				break;
		if (i == NOFFLOAD_NAMES) {
			*bad = list + (tok - copy);
			ret = -EINVAL;
		} else {
			*bits |= offload_names[i].bits;
		}
	}
	free(copy);
	return ret;
}

/* ---- host messages -------------------------------------------------------------- */

static struct hvsim_chan *
primary(const struct hvsim_vf *vf)
{
	return vf->nic->irq_fd >= 0 ? vf->nic->chan[0] : NULL;
}

/* The guest may complete it: remember its xid. When all slots are taken
 * (a guest that completes none, as Linux and DPDK), forget the oldest. */
static void
remember_xid(struct hvsim_vf *vf, uint64_t xid)
{
	unsigned int i, slot = 0;

	for (i = 0; i < HVSIM_VF_HOST_XIDS; i++) {
		if (vf->host_xid[i] == 0) {
			slot = i;
			break;
		}
		if (vf->host_xid[i] < vf->host_xid[slot])
			slot = i;
	}
	vf->host_xid[slot] = xid;
}

/* Write one host message: 0, -EAGAIN (no room now: flow control), or
 * another error (the ring is broken: the message is dropped). */
static int
write_host_msg(struct hvsim_vf *vf, struct hvsim_chan *c, const struct vf_host_msg *m)
{
	int ret = hvsim_chan_send(c, HV_PKT_DATA_INBAND, HV_PKT_FLAG_COMPLETION_REQUESTED,
				  m->xid, m->msg, sizeof(m->msg));

	if (ret == 0)
		vf_log(vf, m->what);
	else if (ret != -EAGAIN)
		hvsim_violation(vf->nic, c, "guest ring broken: VF message not delivered", NULL, 0);
	return ret;
}

/* Send the messages that waited for room, in order; true when none waits. */
static bool
flush_outbox(struct hvsim_vf *vf)
{
	struct hvsim_chan *c = primary(vf);
	unsigned int done = 0;

	if (c == NULL || vf->outbox_len == 0)
		return vf->outbox_len == 0;
	while (done < vf->outbox_len && write_host_msg(vf, c, &vf->outbox[done]) != -EAGAIN)
		done++;
	memmove(vf->outbox, vf->outbox + done, (vf->outbox_len - done) * sizeof(vf->outbox[0]));
	vf->outbox_len -= done;
	return vf->outbox_len == 0;
}

/*
 * An unsolicited NVSP message with RC: the guest may complete it or not.
 * A full ring is flow control: with `wait` the message waits its turn
 * (hvsim_vf_poll() sends it), else -EAGAIN and the caller tries again.
 */
static int
send_host_msg(struct hvsim_vf *vf, const void *msg, uint32_t len, const char *what, bool wait)
{
	struct vf_host_msg m = {
		.xid = ++vf->next_xid | (1ull << 62),	/* apart from guest ids */
		.what = what,
	};
	struct hvsim_chan *c = primary(vf);
	int ret = -EAGAIN;

	if (c == NULL)
		return -ENOTCONN;
	memcpy(m.msg, msg, len);
	if (flush_outbox(vf))		/* nothing may overtake what waits */
		ret = write_host_msg(vf, c, &m);
	if (ret == -EAGAIN && wait) {
		if (vf->outbox_len == HVSIM_VF_OUTBOX) {
			fprintf(stderr, "hvsim: nic%d vf: too many messages waiting, dropped: %s\n",
				vf->nic->index, what);
			return -ENOBUFS;
		}
		vf->outbox[vf->outbox_len++] = m;
		ret = 0;
	}
	if (ret == 0)
		remember_xid(vf, m.xid);
	return ret;
}

static void
send_assoc(struct hvsim_vf *vf, bool allocated)
{
	struct hv_nvsp_vf_assoc m = {
		.type = HV_NVSP_MSG_VF_ASSOC,
		.allocated = allocated,
		/* a misconfigured host may name another serial than the slot */
		.serial = vf->cfg.assoc_serial != 0 ? vf->cfg.assoc_serial : vf->spec.serial,
	};

	/* the offer goes when there is room (the device's delay counts from
	 * then); the removal's waits in the outbox behind the 129 */
	if (send_host_msg(vf, &m, sizeof(m), allocated ? "sent VF_ASSOCIATION(1)" :
			  "sent VF_ASSOCIATION(0)", !allocated) < 0)
		return;
	if (allocated) {
		vf->assoc_sent = true;
		vf->st.offers++;
	} else {
		vf->assoc_sent = false;
	}
}

static void
send_host_switch_back(struct hvsim_vf *vf)
{
	struct hv_nvsp_switch_datapath m = {
		.type = HV_NVSP_MSG_SWITCH_DATAPATH,
		.active_datapath = HV_NVSP_DATAPATH_SYNTHETIC,
	};

	if (send_host_msg(vf, &m, sizeof(m), "sent SWITCH_DATA_PATH(synthetic)", true) == 0)
		vf->st.host_switches++;
}

bool
hvsim_vf_on_completion(struct hvsim_vf *vf, uint64_t xid)
{
	unsigned int i;

	if (vf == NULL || xid == 0)
		return false;
	for (i = 0; i < HVSIM_VF_HOST_XIDS; i++) {
		if (vf->host_xid[i] == xid) {
			vf->host_xid[i] = 0;
			vf->st.guest_completions++;
			return true;
		}
	}
	return false;
}

/* ---- steering ------------------------------------------------------------------- */

static void
steer_to_vf(struct hvsim_vf *vf)
{
	vf->nic->datapath = HV_NVSP_DATAPATH_VF;
	vf->switched_since_offer = true;
	vf->st.switches_to_vf++;
	vf_set_state(vf, HVSIM_VF_SWITCHED);
	vf_log(vf, "data path -> VF");
}

static void
steer_to_synthetic(struct hvsim_vf *vf, enum hvsim_vf_state next)
{
	if (vf->nic->datapath == HV_NVSP_DATAPATH_VF) {
		vf->nic->datapath = HV_NVSP_DATAPATH_SYNTHETIC;
		vf->st.switches_to_synthetic++;
		vf_log(vf, "data path -> synthetic");
	}
	vf_set_state(vf, next);
}

bool
hvsim_vf_steers(const struct hvsim_vf *vf, const uint8_t *frame, uint32_t len)
{
	static const uint8_t zero[6];

	if (vf == NULL || !vf->dev_present || len < 14)
		return false;
	if (vf->cfg.only)
		return true;
	if (vf->nic->datapath != HV_NVSP_DATAPATH_VF)
		return false;
	/* broadcast and multicast stay synthetic (§G.4); the NIC's MAC as the
	 * guest set it, or the permanent one before any set */
	if (frame[0] & 1)
		return false;
	if (memcmp(vf->nic->cur_mac, zero, 6) != 0)
		return memcmp(frame, vf->nic->cur_mac, 6) == 0;
	return memcmp(frame, vf->nic->cfg.mac, 6) == 0;
}

/* ---- the guest's SWITCH_DATA_PATH ----------------------------------------------- */

static void
complete_switch(struct hvsim_vf *vf, struct hvsim_chan *c, uint64_t xid, bool failed)
{
	struct {
		uint32_t type;
		uint32_t status;
	} fail = { HV_NVSP_MSG_SWITCH_DATAPATH, HV_NVSP_STATUS_FAILED };

	/* success: an empty completion (§G.1); failure: hvsim's choice, a
	 * status a guest that reads one can see */
	vsp_slowhost_complete(vf->nic, c, xid, failed ? &fail : NULL, failed ? sizeof(fail) : 0);
}

static void
switch_to_vf(struct hvsim_vf *vf, struct hvsim_chan *c, uint64_t xid, bool rc)
{
	uint64_t now = now_ns();

	if (vf->state != HVSIM_VF_OFFERED && vf->state != HVSIM_VF_SWITCHED) {
		if (vf->state == HVSIM_VF_REMOVING) {
			vf->st.switch_refused++;	/* a race, not a rule broken */
		} else {
			vf->st.violations++;
			hvsim_violation(vf->nic, c, "SWITCH_DATA_PATH to the VF without an offered VF",
					NULL, 0);
		}
		if (rc)
			complete_switch(vf, c, xid, false);	/* done, nothing switched */
		return;
	}
	/* a VF whose recovery failed is not Ready (OpenVMM): refused */
	if (vf->dead) {
		vf->st.switch_failed++;
		vf_log(vf, "switch to a VF whose recovery failed: refused");
		if (rc)
			complete_switch(vf, c, xid, true);
		return;
	}
	switch (vf->switch_mode) {
	case HVSIM_VF_SWITCH_OK:
		if (vf->state != HVSIM_VF_SWITCHED)
			steer_to_vf(vf);
		if (rc)
			complete_switch(vf, c, xid, false);
		return;
	case HVSIM_VF_SWITCH_FAIL:
		vf->st.switch_failed++;
		vf_log(vf, "switch to the VF failed (vf switch fail)");
		if (rc)
			complete_switch(vf, c, xid, true);
		return;
	case HVSIM_VF_SWITCH_LATE:
	case HVSIM_VF_SWITCH_NEVER:
		vf->pending = (struct vf_pending_switch){
			.active = true, .rc = rc, .xid = xid,
			.due_ns = vf->switch_mode == HVSIM_VF_SWITCH_NEVER ? UINT64_MAX :
				  now + vf->switch_late_ms * MS,
		};
		if (vf->switch_mode == HVSIM_VF_SWITCH_NEVER)
			vf->st.switch_unanswered++;
		return;
	}
}

/* The pending switch is due (or must end now: removal). */
static void
finish_pending(struct hvsim_vf *vf, bool do_switch)
{
	struct hvsim_chan *c = primary(vf);

	if (!vf->pending.active)
		return;
	vf->pending.active = false;
	if (do_switch && vf->state == HVSIM_VF_OFFERED)
		steer_to_vf(vf);
	if (vf->pending.rc && c != NULL)
		complete_switch(vf, c, vf->pending.xid, false);
}

void
hvsim_vf_on_switch(struct hvsim_vf *vf, struct hvsim_chan *c, uint64_t xid, bool rc,
		   uint32_t path)
{
	vf->st.switch_requests++;
	if (path == HV_NVSP_DATAPATH_VF) {
		switch_to_vf(vf, c, xid, rc);
		return;
	}
	/* back to synthetic: always honoured at once */
	vf_log(vf, "guest SWITCH_DATA_PATH(synthetic)");
	finish_pending(vf, false);
	if (vf->state == HVSIM_VF_REMOVING)
		vf->guest_back = true;
	if (vf->state == HVSIM_VF_SWITCHED)
		steer_to_synthetic(vf, HVSIM_VF_OFFERED);
	else if (vf->nic->datapath == HV_NVSP_DATAPATH_VF)
		steer_to_synthetic(vf, vf->state);
	if (rc)
		complete_switch(vf, c, xid, false);
}

/* ---- offering ------------------------------------------------------------------- */

/* VF_ASSOCIATION goes only to a guest that can take it (§G.1). */
static bool
guest_eligible(const struct hvsim_vf *vf)
{
	const struct hvsim_nic *nic = vf->nic;

	return nic->irq_fd >= 0 && nic->nvsp_version >= HV_NVSP_PROTO_V4 &&
	       (nic->ndis_caps & HV_NVSP_NDIS_CAP_SRIOV) &&
	       (nic->rndis_state == HVSIM_RNDIS_INITIALISED || nic->rndis_state == HVSIM_RNDIS_DATA);
}

static void
schedule_offer(struct hvsim_vf *vf)
{
	uint64_t now = now_ns();

	vf->assoc_sent = false;
	vf->dead = false;
	vf->switched_since_offer = false;
	if (vf->cfg.delay_ms < 0) {
		vf->dev_due_ns = now;
		vf->assoc_due_ns = now + (uint64_t)(-(int64_t)vf->cfg.delay_ms) * MS;
	} else {
		vf->dev_due_ns = 0;	/* set when VF_ASSOC goes */
		vf->assoc_due_ns = now;
	}
	vf_set_state(vf, HVSIM_VF_OFFERING);
}

static unsigned int
poll_offering(struct hvsim_vf *vf, uint64_t now)
{
	unsigned int work = 0;

	if (!vf->dev_present && vf->dev_due_ns != 0 && now >= vf->dev_due_ns) {
		int ret = vfdev_create(vf);

		if (ret == 0) {
			vf_log(vf, "PCI device added");
		} else {
			fprintf(stderr, "hvsim: nic%d vf: cannot create the PCI device %s: %s\n",
				vf->nic->index, vf->spec.bdf, strerror(-ret));
			vf_set_state(vf, HVSIM_VF_ABSENT);
			return 1;
		}
		work++;
	}
	if (vf->cfg.only) {	/* no session to tell: the device is all there is */
		if (vf->dev_present)
			vf_set_state(vf, HVSIM_VF_OFFERED);
		return work;
	}
	if (!vf->assoc_sent && now >= vf->assoc_due_ns && guest_eligible(vf)) {
		send_assoc(vf, true);
		if (vf->assoc_sent && !vf->dev_present && vf->dev_due_ns == 0)
			vf->dev_due_ns = now + (uint64_t)vf->cfg.delay_ms * MS;
		work++;
	}
	if (vf->assoc_sent && vf->dev_present)
		vf_set_state(vf, HVSIM_VF_OFFERED);
	return work;
}

/* ---- removal --------------------------------------------------------------------- */

static void
revoke(struct hvsim_vf *vf)
{
	if (!vf->dev_present)
		return;
	/* a dead device's rings were counted when its recovery failed */
	if (!vf->dead)
		vf->st.lost_in_transition += vfdev_rx_pending(vf) + vfdev_tx_pending(vf);
	vfdev_revoke(vf);
	vf->st.removals++;
	vf_log(vf, "PCI device revoked");
}

/* Tell the guest its VF is going: 129(synthetic) if it was on it, then
 * VF_ASSOCIATION(0) (OpenVMM's order). */
static void
notify_guest_removal(struct hvsim_vf *vf, bool was_switched)
{
	if (primary(vf) == NULL)
		return;
	if (was_switched)
		send_host_switch_back(vf);
	if (vf->assoc_sent)
		send_assoc(vf, false);
}

static uint64_t
drain_timeout_ms(const struct hvsim_vf *vf)
{
	return vf->cfg.drain_timeout_ms != 0 ? vf->cfg.drain_timeout_ms :
	       HVSIM_VF_DRAIN_TIMEOUT_MS;
}

static void
times_start(struct vf_times *t)
{
	t->since_ns = now_ns();
}

void
vf_times_stop(struct vf_times *t)
{
	uint64_t us;

	if (t->since_ns == 0)
		return;
	us = (now_ns() - t->since_ns) / 1000;
	if (t->n < HVSIM_VF_TIMES)
		t->us[t->n] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	t->n++;
	t->since_ns = 0;
}

void
hvsim_vf_note_synthetic_tx(struct hvsim_vf *vf)
{
	if (vf != NULL && vf->to_synthetic.since_ns != 0)
		vf_times_stop(&vf->to_synthetic);
}

int
hvsim_vf_remove(struct hvsim_vf *vf)
{
	bool was_switched;

	if (vf->state == HVSIM_VF_ABSENT || vf->state == HVSIM_VF_REMOVING)
		return -ENODEV;
	vf_log(vf, "orderly removal");
	vf->to_vf.since_ns = 0;
	if (vf->nic->datapath == HV_NVSP_DATAPATH_VF)
		times_start(&vf->to_synthetic);
	if (!vf->dev_present && !vf->assoc_sent) {
		vf_set_state(vf, HVSIM_VF_ABSENT);
		return 0;
	}
	was_switched = vf->nic->datapath == HV_NVSP_DATAPATH_VF;
	steer_to_synthetic(vf, HVSIM_VF_REMOVING);
	finish_pending(vf, false);
	notify_guest_removal(vf, was_switched);
	vf->guest_back = !was_switched;
	vf->drain_deadline_ns = now_ns() + drain_timeout_ms(vf) * MS;
	return 0;
}

int
hvsim_vf_surprise(struct hvsim_vf *vf)
{
	bool was_switched;

	if (!vf->dev_present)
		return -ENODEV;
	vf_log(vf, "surprise removal");
	was_switched = vf->nic->datapath == HV_NVSP_DATAPATH_VF;
	vf->to_vf.since_ns = 0;
	if (was_switched)
		times_start(&vf->to_synthetic);
	revoke(vf);
	vf->st.surprise_removals++;
	steer_to_synthetic(vf, HVSIM_VF_ABSENT);
	finish_pending(vf, false);
	notify_guest_removal(vf, was_switched);
	return 0;
}

/* The guest is done with the VF: switched back and its receive rings are
 * empty, or it stopped the VF (a stopped PMD reads nothing more: what is
 * left on the rings is lost); or nobody is there; or time is up. */
static unsigned int
poll_removing(struct hvsim_vf *vf, uint64_t now)
{
	bool stopped = vf->dev_present && !vf->conf.started;
	bool done = stopped || (vf->guest_back && vfdev_rx_pending(vf) == 0);

	/* and it was told: the removal's messages are not waiting for room */
	if (primary(vf) != NULL && now < vf->drain_deadline_ns &&
	    !(done && vf->outbox_len == 0))
		return 0;
	if (vf->dev_present)
		vfdev_poll(vf);	/* what the guest sent until now still goes out */
	if (now >= vf->drain_deadline_ns)
		fprintf(stderr, "hvsim: nic%d vf: guest did not drain the VF within %llu ms\n",
			vf->nic->index, (unsigned long long)drain_timeout_ms(vf));
	revoke(vf);
	vf_set_state(vf, HVSIM_VF_ABSENT);
	return 1;
}

/* ---- recovery ---------------------------------------------------------------------- */

int
hvsim_vf_recover(struct hvsim_vf *vf, bool ok)
{
	if (!vf->dev_present)
		return -ENODEV;
	vf->st.recoveries++;
	vf->recovery_result = ok ? HVSIM_VF_RECOVERY_OK : HVSIM_VF_RECOVERY_FAILED;
	vf->recovery_due_ns = now_ns() + RECOVERY_MS * MS;
	vfdev_set_recovery(vf, HVSIM_VF_RECOVERY_RUNNING);
	vf_log(vf, "recovery started");
	return 0;
}

static unsigned int
poll_recovery(struct hvsim_vf *vf, uint64_t now)
{
	if (vf->recovery_due_ns == 0 || now < vf->recovery_due_ns)
		return 0;
	vf->recovery_due_ns = 0;
	if (vf->dev_present) {
		vf->dead = vf->recovery_result == HVSIM_VF_RECOVERY_FAILED;
		/* what a failed device held, for the guest or from it (its TX
		 * stood still while it reset), never comes out */
		if (vf->dead)
			vf->st.lost_in_transition += vfdev_rx_pending(vf) + vfdev_tx_pending(vf);
		vfdev_set_recovery(vf, vf->recovery_result);
		vf_log(vf, vf->dead ? "recovery failed" : "recovery done");
	}
	return 1;
}

/* ---- life ---------------------------------------------------------------------------- */

struct hvsim_vf *
hvsim_vf_create(struct hvsim_nic *nic, const struct hvsim_vf_config *cfg,
		struct hvsim_uevent *uev)
{
	struct hvsim_vf *vf = calloc(1, sizeof(*vf));

	if (vf == NULL)
		return NULL;
	vf->nic = nic;
	vf->cfg = *cfg;
	vf->uev = uev;
	vf->state = HVSIM_VF_ABSENT;
	vf->state_since_ns = now_ns();
	vfdev_spec_init(vf);
	if (cfg->enabled || cfg->only)
		schedule_offer(vf);
	if (cfg->only)
		vf->dev_due_ns = now_ns();
	return vf;
}

void
hvsim_vf_destroy(struct hvsim_vf *vf)
{
	if (vf == NULL)
		return;
	if (vf->dev_present)
		vfdev_revoke(vf);
	vfdev_zombie_end(vf);
	free(vf);
}

int
hvsim_vf_add(struct hvsim_vf *vf)
{
	/* associated, the device waiting for --vf-delay: it comes now (a
	 * test orders the devices of several NICs this way) */
	if (vf->state == HVSIM_VF_OFFERING && !vf->dev_present && vf->dev_due_ns != 0) {
		vf_log(vf, "add (now, not after --vf-delay)");
		vf->dev_due_ns = now_ns();
		return 0;
	}
	if (vf->state != HVSIM_VF_ABSENT)
		return -EEXIST;
	vf_log(vf, "add");
	times_start(&vf->to_vf);
	schedule_offer(vf);
	if (vf->cfg.only)
		vf->dev_due_ns = now_ns();
	return 0;
}

void
hvsim_vf_session_end(struct hvsim_vf *vf)
{
	if (vf == NULL)
		return;
	memset(vf->host_xid, 0, sizeof(vf->host_xid));
	vf->outbox_len = 0;	/* its channel is gone */
	vf->pending.active = false;
	/* the NVSP reset cleared nic->datapath already: the state tells */
	if (vf->state == HVSIM_VF_SWITCHED) {
		vf->st.switches_to_synthetic++;
		vf_log(vf, "data path -> synthetic (session ended)");
	}
	vf->nic->datapath = HV_NVSP_DATAPATH_SYNTHETIC;
	vf->assoc_sent = false;
	vf->switched_since_offer = false;	/* a new session, a new offer */
	switch (vf->state) {
	case HVSIM_VF_OFFERED:
	case HVSIM_VF_SWITCHED:
		vf->assoc_due_ns = now_ns();
		vf_set_state(vf, HVSIM_VF_OFFERING);
		break;
	default:
		break;
	}
}

void
hvsim_vf_set_switch_mode(struct hvsim_vf *vf, enum hvsim_vf_switch_mode mode, uint32_t late_ms)
{
	if (vf == NULL)
		return;
	vf->switch_mode = mode;
	vf->switch_late_ms = late_ms;
}

unsigned int
hvsim_vf_poll(struct hvsim_vf *vf)
{
	uint64_t now = now_ns();
	unsigned int work = 0;

	if (vf == NULL)
		return 0;
	if (vf->outbox_len > 0 && primary(vf) != NULL) {
		unsigned int before = vf->outbox_len;

		flush_outbox(vf);
		work += before - vf->outbox_len;
	}
	if (vf->pending.active && now >= vf->pending.due_ns) {
		finish_pending(vf, true);
		work++;
	}
	work += poll_recovery(vf, now);
	switch (vf->state) {
	case HVSIM_VF_OFFERING:
		work += poll_offering(vf, now);
		break;
	case HVSIM_VF_REMOVING:
		work += poll_removing(vf, now);
		break;
	default:
		break;
	}
	if (vf->dev_present)
		work += vfdev_poll(vf);
	else if (vf->zombie)
		work += vfdev_poll_zombie(vf);
	return work;
}

/* ---- report ---------------------------------------------------------------------------- */

uint64_t
hvsim_vf_violations(const struct hvsim_vf *vf)
{
	return vf == NULL ? 0 : vf->st.violations;
}

/* ", "name": [samples...]" */
static void
json_times(FILE *f, const char *name, const struct vf_times *t)
{
	uint32_t i;

	fprintf(f, ", \"%s\": [", name);
	for (i = 0; i < t->n && i < HVSIM_VF_TIMES; i++)
		fprintf(f, "%s%u", i ? ", " : "", t->us[i]);
	fprintf(f, "]");
}

#define J(name) fprintf(f, ", \"" #name "\": %llu", (unsigned long long)vf->st.name)

void
hvsim_vf_stats_json(const struct hvsim_vf *vf, FILE *f)
{
	unsigned int q;

	fprintf(f, "{\"state\": \"%s\", \"present\": %s, \"serial\": %u, \"pci\": \"%s\"",
		state_names[vf->state], vf->dev_present ? "true" : "false", vf->spec.serial,
		vf->spec.bdf);
	fprintf(f, ", \"datapath\": \"%s\"",
		vf->nic->datapath == HV_NVSP_DATAPATH_VF ? "vf" : "synthetic");
	J(offers); J(removals); J(surprise_removals); J(switches_to_vf); J(switches_to_synthetic);
	J(switch_requests); J(switch_failed); J(switch_refused); J(switch_unanswered);
	J(host_switches); J(guest_completions);
	J(rx_frames); J(rx_bytes); J(tx_frames); J(tx_bytes); J(lost_in_transition);
	J(rx_dropped_ring); J(rx_dropped_stopped); J(rx_dropped_filter); J(rx_dropped_oversize);
	J(tx_bad); J(tx_after_gone); J(tx_before_switch); J(conf_bad); J(recoveries); J(violations);
	json_times(f, "to_synthetic_us", &vf->to_synthetic);
	json_times(f, "to_vf_us", &vf->to_vf);
	fprintf(f, ", \"rx_queue_frames\": [");
	for (q = 0; q < vf->cfg.queues && q < HVSIM_VF_MAX_QUEUES; q++)
		fprintf(f, "%s%" PRIu64, q ? ", " : "", vf->rxq_frames[q]);
	fprintf(f, "]}");
}

void
hvsim_vf_summary(FILE *f, const struct hvsim_vf *vf)
{
	if (vf->st.offers + vf->st.removals + vf->st.rx_frames + vf->st.tx_frames == 0 &&
	    !vf->dev_present)
		return;
	fprintf(f, "hvsim: nic%d vf: %s, %llu offer(s), %llu removal(s), switches to vf %llu / "
		"synthetic %llu, rx %llu tx %llu frames, lost in transition %llu, ring full %llu\n",
		vf->nic->index, state_names[vf->state], (unsigned long long)vf->st.offers,
		(unsigned long long)vf->st.removals, (unsigned long long)vf->st.switches_to_vf,
		(unsigned long long)vf->st.switches_to_synthetic,
		(unsigned long long)vf->st.rx_frames, (unsigned long long)vf->st.tx_frames,
		(unsigned long long)vf->st.lost_in_transition,
		(unsigned long long)vf->st.rx_dropped_ring);
}
