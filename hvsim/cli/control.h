/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Scenario control: a test changes the simulated host while the guest
 * runs, with one-line commands, either through a Unix stream socket
 * (--control=PATH) or at set times (--at=WHEN:COMMAND).
 *
 *   link N up|down     media connect / disconnect indication (and the OID)
 *   speed N MBPS       link speed change indication (and the OID)
 *   delay N MS|never   answer NIC N's control traffic MS ms late (never: mute)
 *   mute N, unmute N   stop / resume answering NIC N's control traffic
 *   rescind [N]        revoke NIC N (all: every present NIC) as the kernel
 *                      does: /dev/uioN EIO, sysfs entry gone, uevents
 *   reoffer [N]        offer a rescinded NIC again, as a new device
 *   stats              the --stats-json document, on one line
 *   quit               stop the guest (SIGTERM, SIGKILL 5 s later)
 *   help               the command list
 *
 * Every command is answered with exactly one line: "ok", "error: ...",
 * or the requested line (stats, help). Commands are in one table in
 * control.c: adding one is one entry and its handler.
 *
 * WHEN is SECONDS after hvsim started (commands due at 0 run before the
 * guest does), or ready+SECONDS: after every NIC first had its RNDIS
 * device initialised and a packet filter set, i.e. the guest started
 * its ports. SECONDS may have decimals.
 */

#ifndef HVSIM_CONTROL_H
#define HVSIM_CONTROL_H

#include <sys/types.h>

struct hvsim_control;
struct hvsim_nic;
struct hvsim_vswitch;

/* socket_path may be NULL (only --at). NULL on error, reported on stderr. */
struct hvsim_control *hvsim_control_create(const char *socket_path, struct hvsim_nic *nics,
					   int nnics, struct hvsim_vswitch *vs);
/* --at=WHEN:COMMAND; the command is checked now. 0 or -EINVAL. */
int hvsim_control_at(struct hvsim_control *ctl, const char *spec);
/* The guest's pid, for quit. */
void hvsim_control_set_guest(struct hvsim_control *ctl, pid_t pid);
/* Run due timed commands and serve the socket; returns commands run. */
unsigned int hvsim_control_poll(struct hvsim_control *ctl);
/* Run one command line; the answer (one line, no newline) goes to reply. */
void hvsim_control_run(struct hvsim_control *ctl, const char *line, char **reply);
void hvsim_control_destroy(struct hvsim_control *ctl);

#endif /* HVSIM_CONTROL_H */
