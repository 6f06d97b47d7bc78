/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The simulated SR-IOV VF's "hardware": what hvsim (the device) and
 * net_hvsim_vf (its PMD, hvsim/vf/pmd/) share. A real bifurcated VF (mlx5,
 * MANA) is a PCI function whose BAR the PMD reaches through its kernel
 * driver; here BAR 0 is the regular file
 *
 *	/sys/bus/pci/devices/<BDF>/resource0
 *
 * on hvsim's tmpfs, which both sides map shared. Its layout:
 *
 *	page 0	struct hvsim_vf_shm: capabilities (host, fixed at creation),
 *		host state (host, changes), guest configuration (guest)
 *	then	for queue q in [0, caps.max_queues):
 *		  TX ring of q (guest writes, host reads) at ring_offset + 2q * ring_stride
 *		  RX ring of q (host writes, guest reads) at ring_offset + (2q+1) * ring_stride
 *		each a VMBus-format ring (hv_ring.h): one header page, then
 *		caps.ring_data_size bytes of data.
 *
 * One ring record is one frame:
 *	struct hv_pkt_desc	type HV_PKT_DATA_INBAND, offset8 = 4 (32 bytes:
 *				desc + struct hvsim_vf_pkt), len8, flags 0,
 *				trans_id = the writer's running frame number
 *	struct hvsim_vf_pkt	frame length, VLAN, offload requests / results
 *	frame bytes		padded to 8
 *
 * Neither side trusts the other: every length and index read from the
 * shared page or a ring is read once and checked (hv_ring.h does the ring).
 * Both sides poll; there is no doorbell (a host polls its VF queues, the
 * PMD polls in rx_burst and checks the host state from an EAL alarm).
 */

#ifndef HVSIM_VF_SHM_H
#define HVSIM_VF_SHM_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "hv_vmbus_wire.h"

/* PCI identity: Microsoft's vendor id, a device id no real driver claims. */
#define HVSIM_VF_PCI_VENDOR	0x1414u
#define HVSIM_VF_PCI_DEVICE	0xf0f1u
#define HVSIM_VF_PCI_CLASS	0x020000u	/* Ethernet controller */
/* What `driver` links to: a kernel driver that is neither uio nor vfio,
 * so DPDK leaves the kind UNKNOWN and maps nothing (protocol doc §G.6). */
#define HVSIM_VF_KDRV_NAME	"hvsim_vf"

#define HVSIM_VF_MAGIC		0x46564856u	/* "VHVF" little-endian */
#define HVSIM_VF_ABI		1u
#define HVSIM_VF_PAGE		4096u
#define HVSIM_VF_MAX_QUEUES	16u
#define HVSIM_VF_RING_DATA	(1u << 20)	/* per ring, bytes */
#define HVSIM_VF_RSS_KEY_SIZE	40u
#define HVSIM_VF_RETA_SIZE	128u
#define HVSIM_VF_MIN_MTU	68u

/* Offload capability bits (caps.offloads, guest.offloads). */
#define HVSIM_VF_OFL_RX_IPV4_CKSUM	(1ull << 0)	/* results on RX */
#define HVSIM_VF_OFL_RX_L4_CKSUM	(1ull << 1)	/* TCP and UDP results */
#define HVSIM_VF_OFL_RX_VLAN_STRIP	(1ull << 2)
#define HVSIM_VF_OFL_RX_RSS_HASH	(1ull << 3)
#define HVSIM_VF_OFL_TX_IPV4_CKSUM	(1ull << 8)
#define HVSIM_VF_OFL_TX_TCP_CKSUM	(1ull << 9)
#define HVSIM_VF_OFL_TX_UDP_CKSUM	(1ull << 10)
#define HVSIM_VF_OFL_TX_TSO		(1ull << 11)
#define HVSIM_VF_OFL_TX_VLAN_INSERT	(1ull << 12)
#define HVSIM_VF_OFL_TX_MULTI_SEGS	(1ull << 13)

/* RSS hash types (caps.rss_types, guest.rss_types). */
#define HVSIM_VF_RSS_IPV4	(1u << 0)
#define HVSIM_VF_RSS_TCP4	(1u << 1)
#define HVSIM_VF_RSS_UDP4	(1u << 2)
#define HVSIM_VF_RSS_IPV6	(1u << 3)
#define HVSIM_VF_RSS_TCP6	(1u << 4)
#define HVSIM_VF_RSS_UDP6	(1u << 5)

/* host.recovery: the device's error-recovery state (MANA service reset). */
enum hvsim_vf_recovery {
	HVSIM_VF_RECOVERY_NONE = 0,
	HVSIM_VF_RECOVERY_RUNNING = 1,	/* PMD raises ERR_RECOVERING */
	HVSIM_VF_RECOVERY_OK = 2,	/* PMD raises RECOVERY_SUCCESS */
	HVSIM_VF_RECOVERY_FAILED = 3,	/* PMD raises RECOVERY_FAILED */
};

/* Capabilities: written by hvsim before the device appears, never after. */
struct hvsim_vf_caps {
	uint32_t magic;			/* HVSIM_VF_MAGIC */
	uint32_t abi;			/* HVSIM_VF_ABI */
	uint32_t max_queues;		/* RX and TX queue pairs, <= HVSIM_VF_MAX_QUEUES */
	uint32_t ring_data_size;	/* HVSIM_VF_RING_DATA */
	uint32_t ring_offset;		/* first ring, from the start of the file */
	uint32_t ring_stride;		/* HVSIM_VF_PAGE + ring_data_size */
	uint32_t max_mtu;		/* --vf-mtu */
	uint32_t speed_mbps;
	uint64_t offloads;		/* HVSIM_VF_OFL_*: --vf-offloads */
	uint32_t rss_types;		/* HVSIM_VF_RSS_* the device hashes */
	uint32_t rss_key_size;		/* HVSIM_VF_RSS_KEY_SIZE */
	uint32_t reta_size;		/* HVSIM_VF_RETA_SIZE */
	uint8_t mac[6];			/* the synthetic NIC's MAC (Hyper-V rule) */
	uint8_t pad0[2];
	uint32_t serial;		/* the slot serial VF_ASSOC names */
	uint8_t reserved[64];
};
static_assert(offsetof(struct hvsim_vf_caps, max_queues) == 8, "vf caps");
static_assert(offsetof(struct hvsim_vf_caps, ring_offset) == 16, "vf caps");
static_assert(offsetof(struct hvsim_vf_caps, max_mtu) == 24, "vf caps");
static_assert(offsetof(struct hvsim_vf_caps, offloads) == 32, "vf caps");
static_assert(offsetof(struct hvsim_vf_caps, rss_types) == 40, "vf caps");
static_assert(offsetof(struct hvsim_vf_caps, mac) == 52, "vf caps");
static_assert(offsetof(struct hvsim_vf_caps, serial) == 60, "vf caps");
static_assert(sizeof(struct hvsim_vf_caps) == 128, "vf caps");

/* Host state: hvsim writes, then bumps event_seq (release); the PMD
 * compares event_seq (acquire) and then reads the rest. */
struct hvsim_vf_host_state {
	uint32_t event_seq;
	uint32_t link_up;		/* 0 or 1 */
	uint32_t gone;			/* 1: revoked (surprise or orderly): RMV */
	uint32_t recovery;		/* enum hvsim_vf_recovery */
	uint32_t recovery_seq;		/* bumped on every recovery change */
	uint8_t reserved[44];
};
static_assert(offsetof(struct hvsim_vf_host_state, gone) == 8, "vf host");
static_assert(offsetof(struct hvsim_vf_host_state, recovery_seq) == 16, "vf host");
static_assert(sizeof(struct hvsim_vf_host_state) == 64, "vf host");

/*
 * Guest configuration, written like a seqlock: the PMD makes conf_seq odd,
 * writes the fields, then makes it even (release). hvsim re-reads (and
 * checks) everything when conf_seq moves to a new even value, and keeps
 * the copy only if conf_seq did not change while it copied.
 * While `started` is 0 the host delivers nothing and reads no TX ring.
 */
struct hvsim_vf_guest_conf {
	uint32_t conf_seq;
	uint32_t started;		/* 0 or 1 */
	uint32_t nb_rx_queues;		/* <= caps.max_queues */
	uint32_t nb_tx_queues;		/* <= caps.max_queues */
	uint32_t mtu;			/* frames up to mtu + 14 (+4 with VLAN) */
	uint32_t promisc;		/* 0 or 1 */
	uint32_t allmulti;		/* 0 or 1 */
	uint32_t rss_types;		/* HVSIM_VF_RSS_*; 0: everything to queue 0 */
	uint64_t offloads;		/* HVSIM_VF_OFL_* enabled (subset of caps) */
	uint8_t rss_key[HVSIM_VF_RSS_KEY_SIZE];
	uint8_t reserved[16];
	uint16_t reta[HVSIM_VF_RETA_SIZE];	/* queue per hash % reta_size */
};
static_assert(offsetof(struct hvsim_vf_guest_conf, started) == 4, "vf guest");
static_assert(offsetof(struct hvsim_vf_guest_conf, rss_types) == 28, "vf guest");
static_assert(offsetof(struct hvsim_vf_guest_conf, offloads) == 32, "vf guest");
static_assert(offsetof(struct hvsim_vf_guest_conf, rss_key) == 40, "vf guest");
static_assert(offsetof(struct hvsim_vf_guest_conf, reta) == 96, "vf guest");
static_assert(sizeof(struct hvsim_vf_guest_conf) == 352, "vf guest");

/* Page 0 of BAR 0. Each part starts on its own cache lines. */
struct hvsim_vf_shm {
	struct hvsim_vf_caps caps;		/* offset 0 */
	struct hvsim_vf_host_state host;	/* offset 128 */
	uint8_t pad0[64];
	struct hvsim_vf_guest_conf guest;	/* offset 256 */
};
static_assert(offsetof(struct hvsim_vf_shm, host) == 128, "vf shm");
static_assert(offsetof(struct hvsim_vf_shm, guest) == 256, "vf shm");
static_assert(sizeof(struct hvsim_vf_shm) <= HVSIM_VF_PAGE, "vf shm");

/* Record flags, TX (guest asks). */
#define HVSIM_VF_TX_IPV4_CKSUM	(1u << 0)	/* fill the IPv4 header checksum */
#define HVSIM_VF_TX_TCP_CKSUM	(1u << 1)	/* fill the TCP checksum */
#define HVSIM_VF_TX_UDP_CKSUM	(1u << 2)	/* fill the UDP checksum */
#define HVSIM_VF_TX_TSO		(1u << 3)	/* segment at tso_segsz (TCP) */
#define HVSIM_VF_TX_VLAN	(1u << 4)	/* insert vlan_tci */
/* Record flags, RX (host reports). */
#define HVSIM_VF_RX_VLAN	(1u << 8)	/* stripped: vlan_tci valid */
#define HVSIM_VF_RX_RSS_HASH	(1u << 9)	/* rss_hash valid */
#define HVSIM_VF_RX_IP_GOOD	(1u << 10)
#define HVSIM_VF_RX_IP_BAD	(1u << 11)
#define HVSIM_VF_RX_L4_GOOD	(1u << 12)
#define HVSIM_VF_RX_L4_BAD	(1u << 13)

/* Per-frame header after the descriptor. l2/l3/l4 lengths are the
 * guest's parse for TX offloads (as mbuf l2_len...); 0 on RX. */
struct hvsim_vf_pkt {
	uint32_t frame_len;		/* bytes that follow; <= 64 KiB */
	uint16_t flags;			/* HVSIM_VF_TX_* / HVSIM_VF_RX_* */
	uint16_t vlan_tci;
	uint32_t rss_hash;
	uint16_t tso_segsz;		/* TCP payload per segment */
	uint8_t l2_len;
	uint8_t l3_len;
};
static_assert(offsetof(struct hvsim_vf_pkt, flags) == 4, "vf pkt");
static_assert(offsetof(struct hvsim_vf_pkt, rss_hash) == 8, "vf pkt");
static_assert(offsetof(struct hvsim_vf_pkt, tso_segsz) == 12, "vf pkt");
static_assert(sizeof(struct hvsim_vf_pkt) == 16, "vf pkt");

#define HVSIM_VF_REC_HDR	(sizeof(struct hv_pkt_desc) + sizeof(struct hvsim_vf_pkt))
#define HVSIM_VF_FRAME_MAX	(64u * 1024u)

/* Bytes of the whole BAR for `queues` queue pairs. */
static inline uint64_t
hvsim_vf_bar_size(uint32_t queues)
{
	return HVSIM_VF_PAGE + 2ull * queues * (HVSIM_VF_PAGE + HVSIM_VF_RING_DATA);
}

/* Offset of queue q's ring; tx: guest -> host. Caller checked q. */
static inline uint64_t
hvsim_vf_ring_offset(const struct hvsim_vf_caps *caps, uint32_t q, int tx)
{
	return caps->ring_offset + (2ull * q + (tx ? 0 : 1)) * caps->ring_stride;
}

#endif /* HVSIM_VF_SHM_H */
