/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The data-path offloads a Hyper-V host performs (protocol doc §E.5, §F.4,
 * §F.6), as pure functions over byte buffers, so they can be unit tested
 * without a NIC:
 *
 *   - the guest's NDIS_OFFLOAD_PARAMETERS, kept across SETs ("no change");
 *   - TX checksum requests: validated against the frame's real headers and
 *     against what the guest enabled, then applied;
 *   - LSOv2: validated, then cut into MSS-sized TCP segments;
 *   - RX checksum results (the CSUM PPI value a host reports);
 *   - RSC: coalescing in-order TCP segments of one flow.
 *
 * Frames are Ethernet frames without a VLAN tag inside (the tag travels in
 * a PPI). Every violation is reported through `why`, a static string that
 * names the rule.
 */

#ifndef HVSIM_OFFLOAD_H
#define HVSIM_OFFLOAD_H

#include <stdbool.h>
#include <stdint.h>

#define HVSIM_OFL_ETH_LEN	14u
/* Longest L2..L4 header of a segment RSC coalesces (Ethernet, IPv6 with
 * extension headers, TCP with options); longer ones go uncoalesced. */
#define HVSIM_OFL_HDR_MAX	256u

/* Where the layers of a frame are. */
struct hvsim_ofl_layout {
	uint8_t ip_ver;		/* 4 or 6 */
	uint8_t l4_proto;	/* IPPROTO_* after the extension headers */
	bool fragment;		/* IPv4 MF/offset, or an IPv6 fragment header */
	bool ip_len_zero;	/* IPv4 total / IPv6 payload length 0 (LSO) */
	uint32_t l3_off;	/* always 14 */
	uint32_t l3_len;	/* IP header to the end of IP's own length */
	uint32_t l4_off;	/* from the frame start */
	uint32_t l4_len;	/* L4 header and payload */
	uint32_t l4_hdr_len;	/* TCP data offset, 8 for UDP, 0 otherwise */
};

/*
 * Parse an IPv4 or IPv6 frame. A zero IP length means "the rest of the
 * frame" (Linux LSO headers). -EPROTONOSUPPORT for anything but IP,
 * -EINVAL for a truncated or inconsistent frame.
 */
int hvsim_ofl_parse(const uint8_t *frame, uint32_t len, struct hvsim_ofl_layout *l);

/* ---- what the guest enabled (SET OID_TCP_OFFLOAD_PARAMETERS) ------------ */

/* Checksum fields hold HV_NDIS_OFFLOAD_PARAM_OFF/TX/RX/TXRX. */
struct hvsim_ofl_config {
	uint8_t ip4, tcp4, udp4, tcp6, udp6;
	bool lso4, lso6;
	bool rsc4, rsc6;
};

/* A host starts with every offload off: the guest has to ask. */
void hvsim_ofl_config_init(struct hvsim_ofl_config *cfg);

bool hvsim_ofl_tx_on(uint8_t param);
bool hvsim_ofl_rx_on(uint8_t param);
const char *hvsim_ofl_param_name(uint8_t param);	/* "off", "tx", "rx", "txrx" */

/*
 * Apply an NDIS_OFFLOAD_PARAMETERS object (the SET's data). Zero fields
 * change nothing. `rsc_offered`: the host advertised RSC (NVSP >= 6.1)
 * and the guest's NDIS_CONFIG said it takes it.
 * On a violation nothing is applied, -EINVAL and *why.
 */
int hvsim_ofl_params_apply(struct hvsim_ofl_config *cfg, const uint8_t *info,
			   uint32_t len, bool rsc_offered, const char **why);

/* ---- TX ------------------------------------------------------------------- */

#define HVSIM_OFL_DID_IP	0x1u
#define HVSIM_OFL_DID_TCP	0x2u
#define HVSIM_OFL_DID_UDP	0x4u

/*
 * A TX checksum request (CSUM PPI value) on a frame. Validated: exactly one
 * of IPv4/IPv6 and it matches the frame, TCP/UDP match the L4 protocol, the
 * header offset is 0 or the real one, each checksum was enabled for TX.
 * Then the checksums are computed in place, whatever the fields held.
 * *did gets HVSIM_OFL_DID_* of what was computed.
 */
int hvsim_ofl_tx_csum(uint8_t *frame, uint32_t len, uint32_t req,
		      const struct hvsim_ofl_config *cfg, unsigned int *did,
		      const char **why);

/* What the host's LSOv2 accepts (advertised in the offload capabilities). */
struct hvsim_ofl_limits {
	uint32_t max_frame;	/* MTU + 14 */
	uint32_t lso_max;	/* TCP payload bytes in one request */
	uint32_t lso_min_segs;
};

/* A validated LSOv2 request: segments come from hvsim_lso_segment(). */
struct hvsim_lso {
	const uint8_t *frame;
	struct hvsim_ofl_layout l;
	uint32_t hdr_len;	/* Ethernet .. TCP options */
	uint32_t payload_len;
	uint32_t mss;
	uint32_t nseg;
};

/*
 * Validate an LSOv2 request (LSO PPI value): LSOv2 type, enabled for the
 * IP version, TCP over that version, header offset 0 or real, MSS > 0, a
 * segment fits the MTU, payload within lso_max, at least lso_min_segs
 * segments, IP length 0 or the frame's.
 */
int hvsim_lso_prepare(struct hvsim_lso *s, const uint8_t *frame, uint32_t len,
		      uint32_t req, const struct hvsim_ofl_config *cfg,
		      const struct hvsim_ofl_limits *lim, const char **why);

/*
 * Segment i (0 .. nseg-1) into out (at least hdr_len + mss bytes): IP
 * length, IPv4 id + i, TCP seq + i * mss, FIN/PSH only on the last
 * segment, CWR only on the first, every checksum computed. Returns its
 * length.
 */
uint32_t hvsim_lso_segment(const struct hvsim_lso *s, uint32_t i, uint8_t *out);

/* ---- checksum verification (RX results, TX frames without requests) ----- */

enum hvsim_csum_verdict {
	HVSIM_CSUM_NONE = 0,	/* not applicable or not checked */
	HVSIM_CSUM_GOOD,
	HVSIM_CSUM_BAD,
};

struct hvsim_csum_check {
	uint8_t ip_ver;		/* 0 when not IP */
	uint8_t l4_proto;
	uint8_t ip;		/* enum hvsim_csum_verdict: IPv4 header */
	uint8_t l4;		/* TCP or UDP (IPv4 UDP checksum 0: good) */
};

/* Verify the checksums a frame carries. */
void hvsim_ofl_check(const uint8_t *frame, uint32_t len, struct hvsim_csum_check *c);

/*
 * The RX CSUM PPI value for a frame (HV_RNDIS_RXCSUM_*): only what the
 * guest enabled for RX is reported. 0: no PPI ("not checked").
 */
uint32_t hvsim_ofl_rx_csum_info(const struct hvsim_csum_check *c,
				const struct hvsim_ofl_config *cfg);

/* ---- RSC -------------------------------------------------------------------- */

/* Segments hvsim coalesces into one packet (the protocol allows 562). */
#define HVSIM_RSC_SEGS_MAX	64u
/* A coalesced packet is still one IP packet: its IP length is 16 bits. */
#define HVSIM_RSC_L3_MAX	65535u

/*
 * One coalesced TCP packet under construction: the first segment's
 * headers, then every segment's payload, back to back in frame[].
 */
struct hvsim_rsc {
	uint32_t nseg;		/* 0: empty */
	uint16_t vlan_tci;
	bool closed;		/* PSH seen: nothing may follow */
	struct hvsim_ofl_layout l;	/* of the first segment */
	uint32_t hdr_len;
	uint32_t len;		/* bytes in frame[] */
	uint32_t next_seq;
	uint32_t seg_len[HVSIM_RSC_SEGS_MAX];	/* payload of each segment */
	uint8_t frame[HVSIM_OFL_ETH_LEN + HVSIM_RSC_L3_MAX];
};

/*
 * Start a packet with this segment. -EINVAL when it can never be
 * coalesced: not TCP with payload, flags other than ACK/PSH, a bad
 * checksum, an IP fragment, bytes after the IP packet (padding).
 */
int hvsim_rsc_start(struct hvsim_rsc *r, const uint8_t *frame, uint32_t len,
		    uint16_t vlan_tci);

/*
 * Append the next segment. -EAGAIN when it does not continue this packet
 * in order (another flow, a sequence gap, different headers, VLAN or
 * flags, or the packet is full): flush and start again with it. -EINVAL
 * as for hvsim_rsc_start().
 */
int hvsim_rsc_add(struct hvsim_rsc *r, const uint8_t *frame, uint32_t len,
		  uint16_t vlan_tci);

/*
 * Finish the headers: IP length of the whole packet, PSH if the last
 * segment had it. A checksum the guest verifies itself (its RX checksum
 * offload is off) is recomputed; one the host reports is left as the
 * first segment's and flagged "value invalid" (§F.4, §F.6). Returns the
 * RX CSUM PPI value for the packet (0: none).
 */
uint32_t hvsim_rsc_finish(struct hvsim_rsc *r, const struct hvsim_ofl_config *cfg);

/* Byte range of fragment i of a finished packet in r->frame. */
void hvsim_rsc_fragment(const struct hvsim_rsc *r, uint32_t i, uint32_t *off,
			uint32_t *len);

#endif /* HVSIM_OFFLOAD_H */
