/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * One simulated synthetic NIC: its VMBus device (regions, channels), the
 * NVSP session (vsp_nvsp.c) and the RNDIS device (vsp_rndis.c) on top.
 * All of it is driven by one host thread; nothing here is shared.
 */

#ifndef HVSIM_NIC_H
#define HVSIM_NIC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "guestos/devtree.h"
#include "hv_vmbus_wire.h"
#include "vmbus/chan.h"
#include "vsp/offload.h"

#define HVSIM_MAX_CHANNELS	64
#define HVSIM_MAX_OPENS		16	/* opens of one /dev/uioN at once */
#define HVSIM_RSS_KEY_SIZE	40
#define HVSIM_RSS_TABLE_SIZE	128

struct hvsim_gpa;
struct hvsim_vswitch;

struct hvsim_nic_config {
	uint8_t mac[6];
	uint32_t mtu;			/* OID_GEN_MAXIMUM_FRAME_SIZE */
	uint64_t speed_mbps;
	bool link_up;
	uint32_t nvsp_max;		/* newest NVSP version accepted */
	uint32_t max_subchannels;	/* grant at most this many */
	uint32_t rx_slot_size;		/* receive buffer sub-allocation */
	uint32_t tx_section_size;	/* send buffer section */
	uint32_t lso_max;		/* LSOv2 max size (TCP payload bytes) */
	uint32_t lso_min_segs;		/* LSOv2 min segment count */
	bool monitor;			/* channels get monitor ids */
	struct hvsim_dev_spec spec;	/* sysfs / region geometry */
};

/* Rule violations by the guest, counted per rule (strict mode fails). */
struct hvsim_violations {
	uint64_t total;
};

struct hvsim_nic_stats {
	uint64_t tx_frames;		/* guest -> wire */
	uint64_t tx_bytes;
	uint64_t rx_frames;		/* wire -> guest */
	uint64_t rx_bytes;
	uint64_t rx_dropped_filter;	/* packet filter said no */
	uint64_t rx_dropped_no_slot;	/* receive buffer full */
	uint64_t rx_dropped_ring;	/* channel ring full */
	uint64_t rx_dropped_oversize;	/* longer than MTU + 14 */
	uint64_t rndis_requests;
	uint64_t violations;
	uint64_t status_indications;	/* link and speed changes sent */
	uint64_t ctl_deferred;		/* control answers held back (delay) */
	uint64_t ctl_withheld;		/* control answers never sent (mute) */
	/* offloads (offload.h); tx_frames counts guest packets, an LSO
	 * packet once: its segments are lso_segments */
	uint64_t tx_csum_ip;		/* IPv4 header checksums computed */
	uint64_t tx_csum_tcp;
	uint64_t tx_csum_udp;
	uint64_t tx_csum_bad_no_offload;	/* wrong checksum, none requested */
	uint64_t lso_packets;
	uint64_t lso_segments;
	uint64_t rx_csum_ip_ok;		/* results reported in the CSUM PPI */
	uint64_t rx_csum_ip_failed;
	uint64_t rx_csum_l4_ok;
	uint64_t rx_csum_l4_failed;
	uint64_t rsc_packets;		/* coalesced packets delivered */
	uint64_t rsc_segments;		/* wire segments in them */
	uint64_t rsc_faults;		/* sent broken on purpose (rsc-fault) */
	/* transfer-page packets: every one must be completed exactly once */
	uint64_t rx_xfer_sent;
	uint64_t rx_xfer_completed;
	uint64_t rx_xfer_failed;	/* completed with a failure status */
	uint64_t rss_sets;		/* RSS parameters accepted (enable) */
	uint64_t rx_rss_hashed;		/* packets given a hash PPI */
};

/* rsc-fault: how the next coalesced packets are broken (§F.6 rules). */
enum hvsim_rsc_fault {
	HVSIM_RSC_FAULT_NONE,
	HVSIM_RSC_FAULT_NOSTART,	/* the first fragment not marked FIRST */
	HVSIM_RSC_FAULT_ID,		/* the second fragment has another id */
	HVSIM_RSC_FAULT_NOLAST,		/* the last fragment not marked LAST */
	HVSIM_RSC_FAULT_SHORT,		/* the last fragment left out */
	HVSIM_RSC_FAULT_TOOMANY,	/* cut into 563 fragments */
};

struct hvsim_deferred;	/* a control answer waiting (slowhost.c) */

struct hvsim_rx_xfer;	/* an outstanding transfer-page packet */

struct hvsim_nic {
	int index;
	struct hvsim_nic_config cfg;
	char uio_dir[4096];
	void *region[HV_UIO_REGION_COUNT];
	size_t region_size[HV_UIO_REGION_COUNT];
	int irq_lfd;			/* listening: guest opens the device */
	int irq_fd;			/* first open of the session, or -1 */
	int irq_conns[HVSIM_MAX_OPENS];	/* every open of the device */
	unsigned int nconns;
	pid_t guest_pid;		/* who opened it: guest memory owner */
	struct hvsim_gpa *gpa;
	struct hvsim_vswitch *vswitch;
	int port;			/* vswitch port of this NIC */

	struct hvsim_chan *chan[HVSIM_MAX_CHANNELS];	/* by subchannel id */
	unsigned int nchan;		/* opened: primary + subchannels */

	/* NVSP session */
	uint32_t nvsp_version;		/* 0 until INIT succeeded */
	uint32_t ndis_version;
	uint32_t ndis_mtu;
	uint64_t ndis_caps;
	bool rxbuf_connected;
	bool txbuf_connected;
	uint32_t subch_granted;
	uint32_t subch_offered;
	uint64_t subch_offer_at_ns;	/* offers appear asynchronously */
	uint32_t datapath;		/* 0 synthetic, 1 VF */

	/* RNDIS device */
	bool rndis_ready;
	uint32_t rndis_max_xfer;	/* guest's INITIALIZE max_transfer_size */
	uint32_t packet_filter;
	uint8_t cur_mac[6];		/* "NetworkAddress" the guest set */
	bool rss_enabled;
	bool rss_programmed;		/* key/table below were set once */
	uint32_t rss_hash_info;
	uint8_t rss_key[HVSIM_RSS_KEY_SIZE];
	uint32_t rss_table[HVSIM_RSS_TABLE_SIZE];
	uint32_t rss_table_size;
	struct hvsim_ofl_config offload;	/* what the guest enabled */
	struct hvsim_rsc *rsc;		/* packet being coalesced, if any */
	uint16_t rsc_pkt_id;		/* RSC fragment id of the next one */
	uint8_t rsc_fault;		/* enum hvsim_rsc_fault */
	uint32_t rsc_fault_left;	/* coalesced packets still to break */

	/* receive buffer slots */
	uint32_t slot_count;
	uint8_t *slot_busy;		/* one byte per slot */
	uint32_t *slot_run;		/* slots of the packet starting here */
	uint32_t slot_hint;

	/* scenario control: a slow or silent host (slowhost.c) */
	uint32_t ctl_delay_ms;
	bool ctl_muted;
	struct hvsim_deferred *deferred;	/* FIFO, oldest first */
	struct hvsim_deferred *deferred_tail;
	uint64_t deferred_last_due_ns;

	struct hvsim_nic_stats stats;
	/* kept across sessions for the report: channels go at session end */
	struct hvsim_chan_stats chan_totals[HVSIM_MAX_CHANNELS];
	unsigned int max_nchan;
	uint32_t last_nvsp_version;
	uint64_t last_ndis_caps;	/* the last NDIS_CONFIG's capabilities */
	struct hvsim_ofl_config last_offload;	/* last SET, for the report */
	bool strict;
	int verbose;
};

/* Create the device: sysfs entry, region files, irq listener. */
int hvsim_nic_create(struct hvsim_nic *nic, int index, const char *bus_root,
		     const char *uio_dir, const struct hvsim_nic_config *cfg);
void hvsim_nic_destroy(struct hvsim_nic *nic);

/* One round of host work: accept the guest, drain every channel, offer
 * subchannels that are due. Returns the number of packets handled. */
unsigned int hvsim_nic_poll(struct hvsim_nic *nic, const char *bus_root);

/* Around one pass of the host loop: see hvsim_chan_pass_begin(). */
void hvsim_nic_pass_begin(struct hvsim_nic *nic);
void hvsim_nic_pass_end(struct hvsim_nic *nic);

/* A guest rule was broken: log it with the channel and the bytes. */
void hvsim_violation(struct hvsim_nic *nic, const struct hvsim_chan *c,
		     const char *rule, const void *bytes, size_t len);

/* Deliver an Ethernet frame from the wire to the guest (RX path). */
int hvsim_nic_receive(struct hvsim_nic *nic, const uint8_t *frame, uint32_t len,
		      uint16_t vlan_tci);

/* Send an RNDIS message (control response, status indication or data)
 * to the guest on channel `c` through the receive buffer. */
int hvsim_nic_send_rndis(struct hvsim_nic *nic, struct hvsim_chan *c,
			 const void *msg, uint32_t len);

/* Send n RNDIS messages as the n ranges of one transfer-page packet
 * (the RSC fragments of one coalesced packet, §F.6). */
int hvsim_nic_send_rndis_ranges(struct hvsim_nic *nic, struct hvsim_chan *c,
				const struct iovec *msgs, unsigned int n);

/* Deliver what RSC holds back: the end of a poll round of the wire. */
void hvsim_nic_rx_flush(struct hvsim_nic *nic);

/* Longest frame either way: MTU + 14 (1500 + 14 below NVSP 0x30002). */
uint32_t hvsim_nic_max_frame(const struct hvsim_nic *nic);

/* The guest completed the transfer-page packet `xid`: free its slots.
 * -ENOENT when no such packet is outstanding. */
int hvsim_nic_complete_rx(struct hvsim_nic *nic, uint64_t xid);

/* Subchannels granted: offer them a little later, as a host does. */
void hvsim_nic_grant_subchannels(struct hvsim_nic *nic, uint32_t n);

/* The guest can take frames now: RNDIS up, link up, a receive filter. */
bool hvsim_nic_accepts_traffic(const struct hvsim_nic *nic);

/* Link state and speed changes raise an RNDIS status indication. */
void hvsim_nic_set_link(struct hvsim_nic *nic, bool up);
void hvsim_nic_set_speed(struct hvsim_nic *nic, uint64_t mbps);

/*
 * Answers to the guest's control traffic (slowhost.c): NVSP replies and
 * completions of control messages, RNDIS control completions on the
 * primary channel. They go out now, after the NIC's delay, or never when
 * it is muted. The data path never goes through these.
 */
int hvsim_nic_ctl_complete(struct hvsim_nic *nic, struct hvsim_chan *c, uint64_t xid,
			   const void *payload, uint32_t len);
int hvsim_nic_ctl_rndis(struct hvsim_nic *nic, const void *msg, uint32_t len);
/* Send the delayed answers that are due; returns how many. */
unsigned int hvsim_nic_release_due(struct hvsim_nic *nic);
/* Forget the answers not sent yet (the session ended); returns how many. */
uint64_t hvsim_nic_drop_deferred(struct hvsim_nic *nic);
/* Delay control answers by ms (0: answer at once); unmutes. */
void hvsim_nic_set_delay(struct hvsim_nic *nic, uint32_t ms);
/* Stop (or resume) answering control traffic. */
void hvsim_nic_set_muted(struct hvsim_nic *nic, bool muted);

#endif /* HVSIM_NIC_H */
