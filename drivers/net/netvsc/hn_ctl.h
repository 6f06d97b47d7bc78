/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Control requests (hn_ctl.c): the mailbox through which the control path
 * asks the host one thing at a time and waits for the answer. The NVSP
 * and RNDIS layers arm it and wait; the channel's drainer, whoever that
 * is, delivers the answer into it.
 */

#ifndef HN_CTL_H
#define HN_CTL_H

#include <stdint.h>

#include "hn_dev.h"

/*
 * The control lock: one control operation at a time, primary process
 * only. Taking it waits at most the devarg timeout (the holder waits at
 * most that long for each answer of the host): -ETIMEDOUT then, with one
 * log line naming what waited. In a secondary process -E_RTE_SECONDARY:
 * the VMBus device is the primary's (hn_mp.c carries requests there).
 */
int hn_ctl_lock(struct hn_dev *hn, const char *what);
void hn_ctl_unlock(struct hn_dev *hn);

/* Arm the mailbox for one request: what answer completes it. kind
 * HN_CTL_RNDIS matches rid and type; the others the xid returned. */
uint64_t hn_ctl_arm(struct hn_dev *hn, enum hn_ctl_kind kind, uint32_t rid, uint32_t type);
/* The request could not be sent: nothing to wait for. */
void hn_ctl_disarm(struct hn_dev *hn);
/* The one place that waits for the host, always with a deadline. */
int hn_ctl_wait(struct hn_dev *hn, const char *what);
/* A transaction id for a control message that gets no answer. */
uint64_t hn_ctl_next_xid(struct hn_dev *hn);

/* Sinks: the channel's drainer hands answers up (hn_chan.c, hn_rx.c). */
void hn_ctl_deliver_rndis(struct hn_ctl *ctl, const uint8_t *msg, uint32_t len,
			  uint32_t type);
void hn_ctl_deliver_completion(struct hn_ctl *ctl, uint64_t xid, const uint8_t *payload,
			       uint32_t len);

#endif /* HN_CTL_H */
