/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Inside the VF room: the per-NIC VF (vf.c) and its device (vfdev.c).
 */

#ifndef HVSIM_VF_INTERNAL_H
#define HVSIM_VF_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "guestos/pcitree.h"
#include "hv_nvsp_wire.h"
#include "hv_ring.h"
#include "vf/vf.h"
#include "vf/vf_shm.h"

/*
 * The NIC's VF, as the host sees it (OpenVMM's PrimaryChannelGuestVfState,
 * folded): changed only in vf_set_state() (vf.c).
 */
enum hvsim_vf_state {
	HVSIM_VF_ABSENT,	/* no VF */
	HVSIM_VF_OFFERING,	/* wanted: VF_ASSOC and the device are on their way */
	HVSIM_VF_OFFERED,	/* VF_ASSOC(1) sent and the device there: the guest may switch */
	HVSIM_VF_SWITCHED,	/* the data path is the VF */
	HVSIM_VF_REMOVING,	/* orderly removal: guest told, waiting for it to drain */
};

struct hvsim_vf_stats {
	uint64_t offers;		/* VF_ASSOC(1) sent */
	uint64_t removals;		/* devices revoked (orderly and surprise) */
	uint64_t surprise_removals;
	uint64_t switches_to_vf;	/* steering moved to the VF */
	uint64_t switches_to_synthetic;	/* steering moved back */
	uint64_t switch_requests;	/* the guest's 129s */
	uint64_t switch_failed;		/* answered with a failure (vf switch fail) */
	uint64_t switch_refused;	/* to the VF while it was being removed */
	uint64_t switch_unanswered;	/* vf switch never: left pending */
	uint64_t host_switches;		/* host-initiated 129(synthetic) sent */
	uint64_t guest_completions;	/* the guest completed a host message */
	uint64_t rx_frames;		/* wire -> VF -> guest */
	uint64_t rx_bytes;
	uint64_t tx_frames;		/* guest -> VF -> wire (after TSO: segments) */
	uint64_t tx_bytes;
	uint64_t lost_in_transition;	/* on the VF's rings when it went, or sent to a dead VF */
	uint64_t rx_dropped_ring;	/* a VF RX ring was full */
	uint64_t rx_dropped_stopped;	/* steered to a VF the guest had not started */
	uint64_t rx_dropped_filter;	/* --vf-only: not for this MAC */
	uint64_t rx_dropped_oversize;	/* beyond the VF's MTU */
	uint64_t tx_bad;		/* malformed TX records or offload requests */
	uint64_t tx_after_gone;		/* sent into the device after it was revoked (lost) */
	uint64_t tx_before_switch;	/* sent on the VF before any switch to it completed (§G.2 rule 3) */
	uint64_t conf_bad;		/* guest configuration refused */
	uint64_t recoveries;
	uint64_t violations;		/* guest broke a VF rule (also the NIC's) */
};

/* Failover times as the wire sees them (§ the guide's "Accelerated
 * networking"): removal notice -> the guest's first frame on the synthetic
 * path; `vf add` -> its first frame on the VF. */
#define HVSIM_VF_TIMES	64
struct vf_times {
	uint64_t since_ns;		/* the event; 0: nothing being timed */
	uint32_t n;			/* samples taken (the first HVSIM_VF_TIMES kept) */
	uint32_t us[HVSIM_VF_TIMES];
};

struct vf_pending_switch {
	bool active;
	bool rc;
	uint64_t xid;
	uint64_t due_ns;		/* UINT64_MAX: never */
};

/* Host messages the guest may complete (OpenVMM: optional). Linux and
 * DPDK complete none: when all are taken the oldest is forgotten. */
#define HVSIM_VF_HOST_XIDS	8

/* A host message waiting for room in the guest's primary ring (full of
 * other traffic: that is flow control, not a broken rule). Only the
 * removal's messages wait; VF_ASSOCIATION(1) is simply tried again. */
#define HVSIM_VF_OUTBOX		4

struct vf_host_msg {
	uint64_t xid;
	const char *what;		/* logged when it is written */
	uint8_t msg[HV_NVSP_MSG_SIZE];
};

struct hvsim_vf {
	struct hvsim_nic *nic;
	struct hvsim_vf_config cfg;
	struct hvsim_uevent *uev;
	enum hvsim_vf_state state;
	uint64_t state_since_ns;

	/* offering */
	bool assoc_sent;		/* VF_ASSOC(1) in this session */
	uint64_t assoc_due_ns;		/* not before (negative --vf-delay) */
	uint64_t dev_due_ns;		/* 0: not scheduled */
	/* removing */
	uint64_t drain_deadline_ns;
	bool guest_back;		/* the guest switched to synthetic (or stopped) */
	bool switched_since_offer;	/* a switch to the VF completed for this offer */
	/* the guest's switch to the VF, when answered late or never */
	struct vf_pending_switch pending;
	enum hvsim_vf_switch_mode switch_mode;
	uint32_t switch_late_ms;
	uint64_t host_xid[HVSIM_VF_HOST_XIDS];	/* 0: free */
	uint64_t next_xid;
	struct vf_host_msg outbox[HVSIM_VF_OUTBOX];	/* in order, oldest first */
	unsigned int outbox_len;
	/* recovery: RUNNING now, the result at recovery_due_ns */
	uint32_t recovery_result;	/* enum hvsim_vf_recovery, pending */
	uint64_t recovery_due_ns;

	/* the device (vfdev.c) */
	bool dev_present;
	bool zombie;			/* revoked, BAR still mapped: the guest may still write */
	bool dead;			/* recovery failed: drops everything */
	struct hvsim_pci_spec spec;
	struct hvsim_vf_shm *shm;	/* BAR 0, mapped */
	uint64_t bar_size;
	uint32_t conf_seq_seen;
	struct hvsim_vf_guest_conf conf;	/* checked copy of the guest's */
	bool conf_ok;
	struct hv_ring txr[HVSIM_VF_MAX_QUEUES];	/* guest -> host */
	struct hv_ring rxr[HVSIM_VF_MAX_QUEUES];	/* host -> guest */
	uint64_t tx_seq;

	struct hvsim_vf_stats st;
	uint64_t rxq_frames[HVSIM_VF_MAX_QUEUES];	/* rx_frames by queue */
	struct vf_times to_synthetic;
	struct vf_times to_vf;
};

void vf_set_state(struct hvsim_vf *vf, enum hvsim_vf_state state);
void vf_times_stop(struct vf_times *t);

/* vfdev.c */
int vfdev_create(struct hvsim_vf *vf);		/* PCI entry, BAR, uevent add */
void vfdev_revoke(struct hvsim_vf *vf);		/* gone, uevent remove, entry gone */
unsigned int vfdev_poll_zombie(struct hvsim_vf *vf);	/* TX into a revoked device */
void vfdev_zombie_end(struct hvsim_vf *vf);	/* forget the revoked device's BAR */
unsigned int vfdev_poll(struct hvsim_vf *vf);	/* conf changes, TX queues */
uint64_t vfdev_rx_pending(const struct hvsim_vf *vf);	/* frames on RX rings */
uint64_t vfdev_tx_pending(const struct hvsim_vf *vf);	/* frames on TX rings */
void vfdev_set_recovery(struct hvsim_vf *vf, uint32_t recovery);
void vfdev_spec_init(struct hvsim_vf *vf);

#endif /* HVSIM_VF_INTERNAL_H */
