/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The host's virtual service provider, what the other rooms call: NVSP
 * (nvsp.c) over the channels, the receive buffer (rxbuf.c), RNDIS over
 * NVSP (rndis.c control, status.c indications, tx.c and rx.c the data
 * path, rsc.c, rss.c), and the injected faults (slowhost.c, rsc.c).
 * Each session's state changes in one function of its file.
 */

#ifndef HVSIM_VSP_H
#define HVSIM_VSP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vmbus/nic.h"

/* ---- nvsp.c ---------------------------------------------------------------- */

/* Handle up to budget guest packets on a channel; returns how many. */
unsigned int vsp_nvsp_drain(struct hvsim_nic *nic, struct hvsim_chan *c,
			    unsigned int budget);
/* A new session: no version, no buffers, no subchannels granted. */
void vsp_nvsp_reset(struct hvsim_nic *nic);

/* ---- rxbuf.c: the receive buffer ------------------------------------------- */

/* Send an RNDIS message (control response, status indication or data)
 * to the guest on channel `c` through the receive buffer. */
int vsp_rxbuf_send(struct hvsim_nic *nic, struct hvsim_chan *c, const void *msg,
		   uint32_t len);
/* Send n RNDIS messages as the n ranges of one transfer-page packet
 * (the RSC fragments of one coalesced packet, §F.6). */
int vsp_rxbuf_send_ranges(struct hvsim_nic *nic, struct hvsim_chan *c,
			  const struct iovec *msgs, unsigned int n);
/*
 * A frame's PACKET_MSG for channel c: within a pass of the host loop it
 * joins the channel's packet of this round (up to cfg.rx_batch ranges),
 * which goes out before any other packet on c or at vsp_rxbuf_flush();
 * otherwise as vsp_rxbuf_send(). The same errors: the room it needs in
 * the ring and the buffer is taken when it is queued.
 */
int vsp_rxbuf_queue(struct hvsim_nic *nic, struct hvsim_chan *c, const void *msg, uint32_t len);
/* Send every channel's gathered frames (the end of a poll round). */
void vsp_rxbuf_flush(struct hvsim_nic *nic);
/* The guest completed the transfer-page packet `xid`: free its slots.
 * -ENOENT when no such packet is outstanding. */
int vsp_rxbuf_complete(struct hvsim_nic *nic, uint64_t xid);
/* Every slot free (a new session). */
void vsp_rxbuf_reset(struct hvsim_nic *nic);

/* ---- rndis.c: control --------------------------------------------------- */

/*
 * An RNDIS message from the guest (NVSP 107), already copied out of guest
 * memory. Returns the NVSP status for the 108 completion.
 */
uint32_t vsp_rndis_control(struct hvsim_nic *nic, struct hvsim_chan *c,
			   const uint8_t *msg, uint32_t len);
/* A new session: RNDIS uninitialised, no filter, the permanent MAC. */
void vsp_rndis_reset(struct hvsim_nic *nic);

/* ---- status.c: indications ---------------------------------------------- */

/* Link state and speed changes raise an RNDIS status indication. */
void vsp_status_set_link(struct hvsim_nic *nic, bool up);
void vsp_status_set_speed(struct hvsim_nic *nic, uint64_t mbps);

/* ---- tx.c: guest -> wire ------------------------------------------------ */

/* RNDIS data messages from the guest (one or several PACKET_MSGs).
 * Returns the NVSP status for the 108 completion. */
uint32_t vsp_tx_data(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *msg,
		     uint32_t len);

/* ---- rx.c: wire -> guest ------------------------------------------------ */

/* Deliver an Ethernet frame from the wire to the guest. */
int vsp_rx_frame(struct hvsim_nic *nic, const uint8_t *frame, uint32_t len,
		 uint16_t vlan_tci);
/* Deliver what RSC holds back: the end of a poll round of the wire. */
void vsp_rx_flush(struct hvsim_nic *nic);
/* The guest can take frames now: RNDIS data state, link up, receive buffer. */
bool vsp_rx_accepts_traffic(const struct hvsim_nic *nic);

/* ---- rsc.c: rsc-fault --------------------------------------------------- */

/* Break the next count coalesced packets as fault says. */
void vsp_rsc_set_fault(struct hvsim_nic *nic, enum hvsim_rsc_fault fault, uint32_t count);

/* ---- slowhost.c: control answers now, late or never -------------------- */

/*
 * Answers to the guest's control traffic: NVSP replies and completions of
 * control messages, RNDIS control completions on the primary channel.
 * They go out now, after the NIC's delay, or never when it is muted. The
 * data path never goes through these.
 */
int vsp_slowhost_complete(struct hvsim_nic *nic, struct hvsim_chan *c, uint64_t xid,
			  const void *payload, uint32_t len);
int vsp_slowhost_rndis(struct hvsim_nic *nic, const void *msg, uint32_t len);
/* Send the delayed answers that are due; returns how many. */
unsigned int vsp_slowhost_release_due(struct hvsim_nic *nic);
/* Forget the answers not sent yet (the session ended); returns how many. */
uint64_t vsp_slowhost_drop(struct hvsim_nic *nic);
/* Delay control answers by ms (0: answer at once); unmutes. */
void vsp_slowhost_set_delay(struct hvsim_nic *nic, uint32_t ms);
/* Stop (or resume) answering control traffic. */
void vsp_slowhost_set_muted(struct hvsim_nic *nic, bool muted);

/* ---- corrupt.c: a hostile host ------------------------------------------- */

extern const char *const hvsim_corrupt_kind_names[HVSIM_CORRUPT_KINDS];
/* "all" for every kind */
#define HVSIM_CORRUPT_ALL	HVSIM_CORRUPT_KINDS

/* A kind's number from its name ("all": HVSIM_CORRUPT_ALL); -EINVAL. */
int vsp_corrupt_kind(const char *name);
/* PERCENT, fractional (0.5), 0 to 100, in messages per million; -EINVAL. */
int vsp_corrupt_percent(const char *s, uint32_t *ppm);
/* KIND:PERCENT[,KIND:PERCENT...] into rates (later ones win); -EINVAL. */
int vsp_corrupt_parse(const char *spec, uint32_t rate_ppm[HVSIM_CORRUPT_KINDS]);
/* Nothing corrupted, the hooks on the NIC's channels (hvsim_nic_create). */
void vsp_corrupt_init(struct hvsim_nic *nic);
/* The PRNG from --seed and the NIC's index: runs are reproducible. */
void vsp_corrupt_seed(struct hvsim_nic *nic, uint64_t seed);
/* Corrupt kind (or HVSIM_CORRUPT_ALL) at ppm per million messages. */
void vsp_corrupt_set(struct hvsim_nic *nic, unsigned int kind, uint32_t ppm);
/*
 * A transfer-page packet about to go out (pkt, *len bytes of cap; the
 * first of its messages at msg in the receive buffer, in slot `slot`):
 * maybe corrupt it, or send forged packets beside it. True when the guest
 * may never complete it: its slots are reclaimed later.
 */
bool vsp_corrupt_xfer(struct hvsim_nic *nic, struct hvsim_chan *c, uint8_t *pkt,
		      uint32_t *len, uint32_t cap, uint8_t *msg, uint32_t slot);
/* Slots of corrupted packets the guest has not completed in time: free. */
void vsp_corrupt_reclaim(struct hvsim_nic *nic);
/* The guest completed a packet that is not outstanding: a legitimate
 * reaction to what was corrupted in this session? (Then counted.) */
bool vsp_corrupt_excuses(struct hvsim_nic *nic);

#endif /* HVSIM_VSP_H */
