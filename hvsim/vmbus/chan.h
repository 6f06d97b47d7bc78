/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * A VMBus channel seen from the host: it reads the guest->host ring and
 * writes the host->guest ring, with the same ring rules as the guest
 * (drivers/common/hyperv/hv_ring.c). The host never trusts the guest:
 * descriptors are validated and violations are counted per rule.
 */

#ifndef HVSIM_CHAN_H
#define HVSIM_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv_ring.h"

/* Completions the host owes the guest while its ring is full. */
#define HVSIM_CHAN_BACKLOG	1024
/* Largest guest->host packet hvsim accepts (a GPA packet of 32 ranges
 * plus its NVSP message is about 600 bytes). */
#define HVSIM_CHAN_PKT_MAX	4096

struct hvsim_chan_stats {
	uint64_t rx_packets;		/* guest -> host packets */
	uint64_t tx_packets;		/* host -> guest packets */
	uint64_t rx_frames;		/* Ethernet frames delivered on it */
	uint64_t guest_signals;		/* host was told to look */
	uint64_t host_signals;		/* guest was told to look */
	uint64_t tx_ring_full;		/* host -> guest ring had no room */
	uint64_t bad_packets;		/* malformed guest descriptors */
};

struct hvsim_backlog_entry {
	uint64_t xid;
	uint16_t type;
	uint16_t len;
	uint8_t payload[40];
};

struct hvsim_chan;

/*
 * What a hostile host does to its own packets (vsp/corrupt.c): the NIC
 * installs these on each of its channels. packet() sees every packet
 * hvsim_chan_send() makes (completions, in-band messages), built in a buffer
 * of cap bytes with *len used: it may change it in place (or its length)
 * and send forged packets of its own first (hvsim_chan_send_raw()); it
 * returns how many times the packet goes out (1, or 2: a duplicate).
 * pass_end() runs after a pass published its packets: the ring's header
 * may be damaged until pass_begin(), which runs before the host touches
 * the rings again and must make it whole.
 */
struct hvsim_chan_hooks {
	unsigned int (*packet)(void *arg, struct hvsim_chan *c, uint8_t *pkt, uint32_t *len,
			       uint32_t cap);
	void (*pass_begin)(void *arg, struct hvsim_chan *c);
	void (*pass_end)(void *arg, struct hvsim_chan *c);
	void *arg;
};

/* A ring header field damaged between two passes (vsp/corrupt.c). */
struct hvsim_chan_hdr_fault {
	bool armed;		/* damage one at the end of this pass */
	bool applied;		/* damaged now: saved is the true value */
	uint8_t field;
	uint32_t saved;
};

struct hvsim_chan {
	struct hv_ring g2h;		/* guest writes, we read */
	struct hv_ring h2g;		/* we write, guest reads */
	uint32_t relid;
	uint16_t subchannel_id;
	int32_t monitor_id;
	int irq_fd;			/* guest's uio connection, for signals */
	uint32_t *irq_events;		/* the device's event count (uio read), or NULL */
	void *ring_mem;
	size_t ring_size;
	bool mapped_here;		/* ring_mem is ours to unmap */
	struct hvsim_chan_stats stats;
	const struct hvsim_chan_hooks *hooks;	/* NULL: an honest host */
	struct hvsim_chan_hdr_fault hdr_fault;
	/* within a pass of the host loop: packets to the guest are made
	 * visible together at its end (hvsim_chan_pass_end) */
	bool in_pass;
	bool pass_sig;
	struct hv_ring_batch out;
	/* a packet the NIC is still adding to in this pass (vsp/rxbuf.c): it
	 * goes out before any other packet on the channel, and at pass end */
	void (*held_flush)(void *arg, struct hvsim_chan *c);
	void *held_arg;
	unsigned int backlog_len;
	struct hvsim_backlog_entry backlog[HVSIM_CHAN_BACKLOG];
	uint8_t scratch[HVSIM_CHAN_PKT_MAX];
};

/*
 * Attach to a channel's ring memory (both rings) and reset it, as the
 * kernel does when the guest opens the channel: indices zero, both rings
 * advertise pending_send_sz, guest inbound masked (uio poll mode).
 */
int hvsim_chan_attach(struct hvsim_chan *c, void *mem, size_t size,
		      uint32_t relid, uint16_t subchannel_id, int32_t monitor_id);

/*
 * One pass of the host loop over this channel. In between, what is sent to
 * the guest is written at once but published (write index, signal) at the
 * end, once per pass, as a host serving a burst would: per packet, each
 * index update would move the index's cache line to the guest's CPU and
 * back. Outside a pass every send is published on its own.
 */
void hvsim_chan_pass_begin(struct hvsim_chan *c);
void hvsim_chan_pass_end(struct hvsim_chan *c);

/* Room for a packet of len bytes (before padding) in this pass's batch:
 * the host is the ring's one writer, so it stays true while only the
 * guest moves (it can only make room). */
bool hvsim_chan_pass_room(struct hvsim_chan *c, uint32_t len);

/* Send the held packet now, if there is one (see held_flush). */
void hvsim_chan_release_held(struct hvsim_chan *c);

/*
 * Send one packet to the guest: type HV_PKT_COMPLETION or
 * HV_PKT_DATA_INBAND with payload[len]. Signals the guest when the ring
 * rules require it. -EAGAIN when the ring is full (the host then sets
 * pending_send_sz and the caller retries).
 */
int hvsim_chan_send(struct hvsim_chan *c, uint16_t type, uint16_t flags,
		    uint64_t xid, const void *payload, uint32_t len);

/*
 * Like hvsim_chan_send() for completions, which must never be lost: when
 * the ring is full they wait in the channel backlog. -ENOSPC when even the
 * backlog is full (a guest that sends without reading).
 */
int hvsim_chan_complete(struct hvsim_chan *c, uint64_t xid,
			const void *payload, uint32_t len);

/* Retry backlogged completions; true when the backlog is empty. */
bool hvsim_chan_flush(struct hvsim_chan *c);

/* Write a pre-built packet (descriptor included) of len bytes. */
int hvsim_chan_send_raw(struct hvsim_chan *c, const struct iovec *iov,
			unsigned int iovcnt);

/* Add a channel's counters to t (totals kept across sessions). */
void hvsim_chan_stats_add(struct hvsim_chan_stats *t, const struct hvsim_chan_stats *s);

/* Tell the guest to look at its inbound ring (a uio interrupt). */
void hvsim_chan_signal_guest(struct hvsim_chan *c);

#endif /* HVSIM_CHAN_H */
