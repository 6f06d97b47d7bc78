/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The VF room: accelerated networking, host side (protocol doc §G). Each
 * synthetic NIC may get an SR-IOV VF: a PCI device in the guest's
 * /sys/bus/pci (guestos/pcitree), driven by net_hvsim_vf (vf/pmd/) over
 * the shared BAR of vf/vf_shm.h, announced to the NIC's NVSP session with
 * VF_ASSOCIATION, and carrying the NIC's unicast traffic once the guest
 * switched the data path (NVSP 129).
 *
 *   vf.c     the per-NIC state machine, NVSP 128/129, removal orders,
 *            scenario commands, the report
 *   vfdev.c  the device itself: BAR, PCI entry, uevents, its queues
 *
 * Everything runs on the host thread.
 */

#ifndef HVSIM_VF_H
#define HVSIM_VF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct hvsim_nic;
struct hvsim_chan;
struct hvsim_uevent;
struct hvsim_vf;

#define HVSIM_VF_DELAY_DEFAULT_MS	1000	/* Hyper-V: device ~1 s after VF_ASSOC */
#define HVSIM_VF_DRAIN_TIMEOUT_MS	10000	/* orderly removal waits this long */

struct hvsim_vf_config {
	bool enabled;		/* --vf: a VF once the guest is ready */
	bool only;		/* --vf-only: the VF without a synthetic session */
	int32_t delay_ms;	/* --vf-delay: device after VF_ASSOC; < 0 before */
	uint32_t queues;	/* --vf-queues */
	uint64_t offloads;	/* --vf-offloads, HVSIM_VF_OFL_* */
	uint32_t mtu;		/* --vf-mtu: the device's largest MTU */
	const char *bus_root;	/* the guest's /sys/bus (NULL: "/sys/bus") */
	uint32_t assoc_serial;	/* --vf-assoc-serial: VF_ASSOC names this, not the slot's (0: the slot's) */
	uint32_t drain_timeout_ms;	/* orderly removal's wait; 0: HVSIM_VF_DRAIN_TIMEOUT_MS
					 * (tests shorten it) */
};

/* --vf-offloads=LIST: comma-separated names (or "all", "none") into
 * HVSIM_VF_OFL_* bits. 0 or -EINVAL (*bad names the first unknown one). */
int hvsim_vf_parse_offloads(const char *list, uint64_t *bits, const char **bad);
/* The default offload set: what an mlx5 VF offers. */
uint64_t hvsim_vf_default_offloads(void);

/* How the host answers the guest's SWITCH_DATA_PATH (`vf switch`). */
enum hvsim_vf_switch_mode {
	HVSIM_VF_SWITCH_OK,	/* steer, then complete */
	HVSIM_VF_SWITCH_LATE,	/* steer and complete after late_ms */
	HVSIM_VF_SWITCH_NEVER,	/* neither steer nor complete */
	HVSIM_VF_SWITCH_FAIL,	/* do not steer; complete with a failure status */
};

/* ---- life ----------------------------------------------------------------- */

/* The VF of `nic` (nothing offered yet). uev: where uevents go (may be NULL). */
struct hvsim_vf *hvsim_vf_create(struct hvsim_nic *nic, const struct hvsim_vf_config *cfg,
				 struct hvsim_uevent *uev);
void hvsim_vf_destroy(struct hvsim_vf *vf);
/* Timers, the guest's configuration, its TX queues. Returns work done. */
unsigned int hvsim_vf_poll(struct hvsim_vf *vf);

/* ---- the NIC's session (vsp/nvsp.c, vmbus/nic.c) -------------------------- */

/* The guest's SWITCH_DATA_PATH on channel c. */
void hvsim_vf_on_switch(struct hvsim_vf *vf, struct hvsim_chan *c, uint64_t xid, bool rc,
			uint32_t path);
/* A guest completion for xid: true when it answers a host message of ours
 * (VF_ASSOC or the host's 129), which is then forgotten. */
bool hvsim_vf_on_completion(struct hvsim_vf *vf, uint64_t xid);
/* The guest's session ended (device closed): steering back to synthetic;
 * the device stays, a new session gets a new association. */
void hvsim_vf_session_end(struct hvsim_vf *vf);

/* ---- the switch (wire/vswitch.c) ------------------------------------------ */

/* Does this frame for the NIC go to its VF? (VF path active: unicast to
 * the NIC's MAC; --vf-only: everything.) */
bool hvsim_vf_steers(const struct hvsim_vf *vf, const uint8_t *frame, uint32_t len);
/* The guest sent a frame on the synthetic path (vsp/tx.c): ends the
 * timing of a removal. */
void hvsim_vf_note_synthetic_tx(struct hvsim_vf *vf);

/* --vf-only and the guest started the VF: the port takes traffic. */
bool hvsim_vf_alone_ready(const struct hvsim_vf *vf);
/* Deliver a steered frame on the VF. 0 or -errno (dropped and counted). */
int hvsim_vf_deliver(struct hvsim_vf *vf, const uint8_t *frame, uint32_t len,
		     uint16_t vlan_tci);

/* ---- scenario commands (cli/control.c) ------------------------------------ */

int hvsim_vf_add(struct hvsim_vf *vf);		/* -EEXIST: already there */
int hvsim_vf_remove(struct hvsim_vf *vf);	/* orderly; -ENODEV: none */
int hvsim_vf_surprise(struct hvsim_vf *vf);	/* -ENODEV: none */
int hvsim_vf_recover(struct hvsim_vf *vf, bool ok);
void hvsim_vf_set_switch_mode(struct hvsim_vf *vf, enum hvsim_vf_switch_mode mode,
			      uint32_t late_ms);

/* ---- report (cli/report.c) ------------------------------------------------ */

const char *hvsim_vf_state_name(const struct hvsim_vf *vf);
void hvsim_vf_stats_json(const struct hvsim_vf *vf, FILE *f);
/* One line for the exit summary, when the VF did anything. */
void hvsim_vf_summary(FILE *f, const struct hvsim_vf *vf);
uint64_t hvsim_vf_violations(const struct hvsim_vf *vf);

#endif /* HVSIM_VF_H */
