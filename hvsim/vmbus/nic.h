/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * One simulated synthetic NIC: its VMBus device (regions, channels) and
 * the guest's session (nic.c), the NVSP session and the RNDIS device on
 * top (vsp/). All of it is driven by one host thread; nothing here is
 * shared.
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

/*
 * Frames of one poll round on their way to one channel, gathered into one
 * transfer-page packet with a range per frame, as a real host sends what
 * its backend has ready (OpenVMM's netvsp: up to 375 frames, one
 * sub-allocation each). Each frame starts a slot of its own; the packet's
 * slots are one run, its first slot the packet's transaction id
 * (vsp/rxbuf.c). At most 64 ranges: the limit of every NDIS version.
 */
#define HVSIM_RX_BATCH_MAX	64u

struct hvsim_rx_batch {
	uint32_t n;			/* frames gathered: ranges */
	uint32_t first;			/* the run's first slot */
	uint32_t slots;			/* the run's length */
	struct hv_xfer_range range[HVSIM_RX_BATCH_MAX];
};

struct hvsim_gpa;
struct hvsim_uevent;
struct hvsim_vf;
struct hvsim_vswitch;

struct hvsim_nic_config {
	uint8_t mac[6];
	uint32_t mtu;			/* OID_GEN_MAXIMUM_FRAME_SIZE */
	uint64_t speed_mbps;
	bool link_up;
	uint32_t nvsp_max;		/* newest NVSP version accepted */
	uint32_t max_subchannels;	/* grant at most this many */
	uint32_t rx_slot_size;		/* receive buffer sub-allocation */
	uint32_t rx_batch;		/* frames per transfer-page packet at most */
	uint32_t tx_section_size;	/* send buffer section */
	uint32_t lso_max;		/* LSOv2 max size (TCP payload bytes) */
	uint32_t lso_min_segs;		/* LSOv2 min segment count */
	bool monitor;			/* channels get monitor ids */
	struct hvsim_dev_spec spec;	/* sysfs / region geometry */
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
	/* offloads (vsp/offload.h); tx_frames counts guest packets, an LSO
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

/*
 * The guest's NVSP session (protocol doc §C, §D), changed only by
 * nvsp_set_state() in vsp/nvsp.c. The send buffer is optional (a guest may
 * send everything by GPA), so it is not a step: send_buf_connected.
 */
enum hvsim_nvsp_state {
	HVSIM_NVSP_CLOSED,	/* no version agreed: only INIT is allowed */
	HVSIM_NVSP_VERSIONED,	/* nvsp_version agreed: NDIS, buffers, subchannels */
	HVSIM_NVSP_READY,	/* the receive buffer is connected: the host can send */
};

/*
 * The RNDIS device (§E), changed only by rndis_set_state() in vsp/rndis.c.
 * A halted device takes INITIALIZE again, as an uninitialised one does.
 */
enum hvsim_rndis_state {
	HVSIM_RNDIS_UNINITIALISED,	/* only INITIALIZE is allowed */
	HVSIM_RNDIS_INITIALISED,	/* queries and sets; no packet filter yet */
	HVSIM_RNDIS_DATA,		/* a packet filter is set: frames flow */
	HVSIM_RNDIS_HALTED,		/* HALT received */
};

struct hvsim_deferred;	/* a control answer waiting (vsp/slowhost.c) */

/* What a hostile host corrupts on its way to the guest (vsp/corrupt.c);
 * the names (hvsim_corrupt_kind_names) are the option's and the command's. */
enum hvsim_corrupt_kind {
	HVSIM_CORRUPT_DESCRIPTOR,	/* VMBus descriptor: type, offset8, len8, flags */
	HVSIM_CORRUPT_XFER,		/* transfer-page set id, range count, ranges */
	HVSIM_CORRUPT_RNDIS,		/* lengths and offsets of RNDIS packet messages */
	HVSIM_CORRUPT_PPI,		/* per-packet info of received frames */
	HVSIM_CORRUPT_COMPLETION,	/* forged, duplicate, out of range, wrong type */
	HVSIM_CORRUPT_NVSP,		/* NVSP messages: type, status, fields */
	HVSIM_CORRUPT_STATUS,		/* RNDIS status indications */
	HVSIM_CORRUPT_INBAND,		/* in-band messages from the host */
	HVSIM_CORRUPT_INDICES,		/* ring read/write index, pending_send_sz */
	HVSIM_CORRUPT_KINDS
};

/* Rates in messages per million: 1 % is 10000. */
#define HVSIM_CORRUPT_PPM	1000000u

struct hvsim_corrupt {
	uint32_t rate_ppm[HVSIM_CORRUPT_KINDS];
	uint64_t count[HVSIM_CORRUPT_KINDS];	/* messages corrupted, per kind */
	uint64_t prng;			/* xorshift64*, from --seed and the NIC index */
	bool active;			/* some rate is not zero */
	bool forging;			/* a forged packet is being sent: leave it be */
	/* the guest may legitimately react to what was corrupted in this
	 * session: its completions of those packets are not violations */
	bool session_tainted;
	uint64_t *slot_tainted_ns;	/* per slot: a corrupted packet starts here, sent then */
	uint64_t next_reclaim_ns;
	uint64_t reclaimed;		/* corrupted packets' slots the host took back */
	uint64_t guest_reactions;	/* guest completions of them: counted, no violation */
};

struct hvsim_nic {
	int index;
	struct hvsim_nic *next_nic;	/* every NIC of this host (nic.c) */
	struct hvsim_nic_config cfg;
	char uio_dir[4096];
	void *region[HV_UIO_REGION_COUNT];
	size_t region_size[HV_UIO_REGION_COUNT];
	int irq_lfd;			/* listening: guest opens the device */
	int irq_fd;			/* first open of the session, or -1 */
	uint32_t irq_events;		/* the uio event count every channel raises */
	int irq_conns[HVSIM_MAX_OPENS];	/* every open of the device */
	unsigned int nconns;
	pid_t guest_pid;		/* who opened it: guest memory owner */
	struct hvsim_gpa *gpa;
	struct hvsim_vswitch *vswitch;
	int port;			/* vswitch port of this NIC */
	struct hvsim_vf *vf;		/* its SR-IOV VF (vf/vf.h), NULL: none */
	struct hvsim_uevent *uev;	/* the guest's uevent socket, NULL: none */

	/* device lifecycle: rescind and re-offer (hvsim_nic_rescind) */
	bool rescinded;			/* revoked: no sysfs entry, no /dev/uioN */
	uint64_t rescinds;
	uint64_t reoffers;

	struct hvsim_chan *chan[HVSIM_MAX_CHANNELS];	/* by subchannel id */
	unsigned int nchan;		/* opened: primary + subchannels */

	/* NVSP session (vsp/nvsp.c) */
	enum hvsim_nvsp_state nvsp_state;
	uint32_t nvsp_version;		/* agreed by INIT; 0 while closed */
	uint32_t ndis_version;
	uint32_t ndis_mtu;
	uint64_t ndis_caps;
	bool send_buf_connected;
	uint32_t subch_granted;
	uint32_t subch_offered;
	uint64_t subch_offer_at_ns;	/* offers appear asynchronously */
	uint32_t datapath;		/* steering: 0 synthetic, 1 VF (vf/vf.c) */

	/* RNDIS device (vsp/rndis.c, rss.c, tx.c, rx.c, rsc.c) */
	enum hvsim_rndis_state rndis_state;
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

	/* receive buffer slots (vsp/rxbuf.c) */
	uint32_t slot_count;
	uint8_t *slot_busy;		/* one byte per slot */
	uint32_t *slot_run;		/* slots of the packet starting here */
	uint32_t slot_hint;
	struct hvsim_rx_batch rx_batch[HVSIM_MAX_CHANNELS];	/* by subchannel id */

	/* scenario control: a slow or silent host (vsp/slowhost.c) */
	uint32_t ctl_delay_ms;
	bool ctl_muted;
	struct hvsim_deferred *deferred;	/* FIFO, oldest first */
	struct hvsim_deferred *deferred_tail;
	uint64_t deferred_last_due_ns;

	/* a hostile host (vsp/corrupt.c) */
	struct hvsim_corrupt corrupt;
	struct hvsim_chan_hooks corrupt_hooks;

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

/*
 * Revoke the device as Hyper-V and the guest's kernel do to a device bound
 * to uio_hv_generic: the session ends and every open of /dev/uioN is hung
 * up (the guest's read() and write() fail with EIO, its mappings stay
 * valid memory that nobody serves), the uio device and the sysfs entry go,
 * and uevents remove (uio), unbind and remove (vmbus) are sent. Until a
 * re-offer the device does not exist: opens fail with ENOENT. -EALREADY:
 * already rescinded.
 */
int hvsim_nic_rescind(struct hvsim_nic *nic, const char *bus_root);

/*
 * Offer a rescinded device again as a new device: the same instance GUID
 * (the same vNIC coming back, as Hyper-V re-offers it), primary channel
 * `relid` (a fresh one) and /dev/uio<uio_num>, new zeroed regions and a
 * fresh host state (no session, no delay or mute, no pending RSC fault);
 * uevents add (vmbus), add (uio), bind (vmbus). -EBUSY: not rescinded.
 * On failure the device stays rescinded.
 */
int hvsim_nic_reoffer(struct hvsim_nic *nic, const char *bus_root, int uio_num,
		      uint32_t relid);

/* One round of host work: accept the guest, drain every channel, offer
 * subchannels that are due. Returns the number of packets handled. */
unsigned int hvsim_nic_poll(struct hvsim_nic *nic, const char *bus_root);

/* Around one pass of the host loop: see hvsim_chan_pass_begin(). */
void hvsim_nic_pass_begin(struct hvsim_nic *nic);
void hvsim_nic_pass_end(struct hvsim_nic *nic);

/* A guest rule was broken: log it with the channel and the bytes. */
void hvsim_violation(struct hvsim_nic *nic, const struct hvsim_chan *c,
		     const char *rule, const void *bytes, size_t len);

/* Longest frame either way: MTU + 14 (1500 + 14 below NVSP 0x30002). */
uint32_t hvsim_nic_max_frame(const struct hvsim_nic *nic);

/* Subchannels granted: offer them a little later, as a host does. */
void hvsim_nic_grant_subchannels(struct hvsim_nic *nic, uint32_t n);

#endif /* HVSIM_NIC_H */
