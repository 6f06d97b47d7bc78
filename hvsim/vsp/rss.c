/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * vRSS, host side (protocol doc §E.6, §E.7): the capabilities the host
 * offers, the guest's RSS parameters (checked whole before any is kept),
 * and the Toeplitz hash that picks a received frame's channel.
 */

#include <string.h>

#include <rte_byteorder.h>
#include <rte_thash.h>

#include "hv_rndis_wire.h"
#include "vsp/rndis.h"

/* What vsp_rss_caps() offers, the hash types that allows (§E.6, §E.7). */
#define HOST_RSS_CAPS	(HV_NDIS_RSS_CAP_HASH_TOEPLITZ | HV_NDIS_RSS_CAP_IPV4 | \
			 HV_NDIS_RSS_CAP_IPV6 | HV_NDIS_RSS_CAP_IPV6_EX)
#define HOST_HASH_TYPES	(HV_NDIS_HASH_IPV4 | HV_NDIS_HASH_TCP_IPV4 | HV_NDIS_HASH_IPV6 | \
			 HV_NDIS_HASH_TCP_IPV6 | HV_NDIS_HASH_IPV6_EX | \
			 HV_NDIS_HASH_TCP_IPV6_EX)
#define RSS_FLAGS_KNOWN	(HV_NDIS_RSS_FLAG_BASE_CPU_UNCHG | HV_NDIS_RSS_FLAG_HASH_INFO_UNCHG | \
			 HV_NDIS_RSS_FLAG_ITABLE_UNCHG | HV_NDIS_RSS_FLAG_HKEY_UNCHG | \
			 HV_NDIS_RSS_FLAG_DISABLE)

void
vsp_rss_caps(const struct hvsim_nic *nic, struct hv_ndis_rss_caps *r)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = HV_NDIS_OBJTYPE_RSS_CAPS;
	r->hdr.rev = HV_NDIS_RSS_CAPS_REV_2;
	r->hdr.size = HV_NDIS_RSS_CAPS_SIZE_REV2;
	r->caps = HOST_RSS_CAPS;
	/* what the switch could do; --subchannels=N limits the grant only, as
	 * a VM with fewer vCPUs than the switch's queues gets (a partial grant) */
	r->num_int_msgs = HVSIM_MAX_CHANNELS;
	r->num_rx_queues = HVSIM_MAX_CHANNELS;
	r->num_indir_entries = HV_NDIS_RSS_INDIR_ENTRIES;
}

/* A rule of §E.7 broken: say which, refuse the whole SET. */
static uint32_t
rss_refuse(struct hvsim_nic *nic, struct hvsim_chan *c, const char *rule,
	   const uint8_t *info, uint32_t len)
{
	hvsim_violation(nic, c, rule, info, len < 64 ? len : 64);
	return HV_RNDIS_STATUS_INVALID_DATA;
}

/* The header, flags and hash function and types, before anything is kept. */
static const char *
rss_params_problem(const struct hvsim_nic *nic, const struct hv_ndis_rss_params *p,
		   uint32_t len)
{
	if (p->hdr.type != HV_NDIS_OBJTYPE_RSS_PARAMS ||
	    (p->hdr.rev != HV_NDIS_RSS_PARAMS_REV_1 && p->hdr.rev != HV_NDIS_RSS_PARAMS_REV_2) ||
	    p->hdr.size < HV_NDIS_RSS_PARAMS_SIZE_REV1 || p->hdr.size > len)
		return "RSS parameters: object header type, revision or size wrong";
	if (p->flags & ~RSS_FLAGS_KNOWN)
		return "RSS parameters: unknown flags";
	if (p->flags & HV_NDIS_RSS_FLAG_DISABLE)
		return NULL;
	if (!(p->flags & HV_NDIS_RSS_FLAG_HASH_INFO_UNCHG)) {
		if ((p->hash_info & HV_NDIS_HASH_FUNCTION_MASK) != HV_NDIS_HASH_FUNCTION_TOEPLITZ)
			return "RSS hash function is not Toeplitz (the only one offered)";
		if (p->hash_info & ~(HV_NDIS_HASH_FUNCTION_MASK | HOST_HASH_TYPES))
			return "RSS hash type the host did not advertise";
	}
	if (!nic->rss_programmed &&
	    (p->flags & (HV_NDIS_RSS_FLAG_ITABLE_UNCHG | HV_NDIS_RSS_FLAG_HKEY_UNCHG)))
		return "RSS table or key 'unchanged' before one was ever set";
	return NULL;
}

/* The table: 1 ... 128 entries, a power of two, each an open channel. */
static const char *
rss_table_problem(const struct hvsim_nic *nic, const struct hv_ndis_rss_params *p,
		  const uint8_t *info, uint32_t len)
{
	uint32_t n = p->indir_size / 4, i, q;

	if (p->indir_size % 4 || n == 0 || n > HVSIM_RSS_TABLE_SIZE || (n & (n - 1)) ||
	    p->indir_offset < HV_NDIS_RSS_PARAMS_SIZE_REV1 ||
	    (uint64_t)p->indir_offset + p->indir_size > len)
		return "RSS table size not a power of two up to 128 entries, or beyond the data";
	for (i = 0; i < n; i++) {
		memcpy(&q, info + p->indir_offset + 4 * i, 4);
		if (q >= nic->nchan)
			return "RSS table names a channel that is not open";
	}
	return NULL;
}

static const char *
rss_key_problem(const struct hv_ndis_rss_params *p, uint32_t len)
{
	if (p->hash_key_size != HV_NDIS_RSS_KEY_SIZE ||
	    p->hash_key_offset < HV_NDIS_RSS_PARAMS_SIZE_REV1 ||
	    (uint64_t)p->hash_key_offset + p->hash_key_size > len)
		return "RSS key not 40 bytes, or beyond the data";
	return NULL;
}

/*
 * Everything is checked before anything is kept: a refused SET leaves the
 * host as it was. The key and table are found by their offsets (FreeBSD
 * puts the key first, Linux and DPDK the table); the UNCHG flags keep
 * what was set before.
 */
uint32_t
vsp_rss_set(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *info, uint32_t len)
{
	struct hv_ndis_rss_params p;
	bool table = false, key = false;
	const char *why;

	if (len < HV_NDIS_RSS_PARAMS_SIZE_REV1)
		return rss_refuse(nic, c, "RSS parameters shorter than revision 1", info, len);
	memset(&p, 0, sizeof(p));
	memcpy(&p, info, len < sizeof(p) ? len : sizeof(p));
	why = rss_params_problem(nic, &p, len);
	if (why == NULL && !(p.flags & HV_NDIS_RSS_FLAG_DISABLE)) {
		table = !(p.flags & HV_NDIS_RSS_FLAG_ITABLE_UNCHG);
		key = !(p.flags & HV_NDIS_RSS_FLAG_HKEY_UNCHG);
		if (table)
			why = rss_table_problem(nic, &p, info, len);
		if (why == NULL && key)
			why = rss_key_problem(&p, len);
	}
	if (why != NULL)
		return rss_refuse(nic, c, why, info, len);
	if (p.flags & HV_NDIS_RSS_FLAG_DISABLE) {
		nic->rss_enabled = false;
		return HV_RNDIS_STATUS_SUCCESS;
	}
	if (key)
		memcpy(nic->rss_key, info + p.hash_key_offset, HV_NDIS_RSS_KEY_SIZE);
	if (table) {
		nic->rss_table_size = p.indir_size / 4;
		memcpy(nic->rss_table, info + p.indir_offset, p.indir_size);
	}
	if (!(p.flags & HV_NDIS_RSS_FLAG_HASH_INFO_UNCHG))
		nic->rss_hash_info = p.hash_info;
	nic->rss_enabled = true;
	nic->rss_programmed = true;
	nic->stats.rss_sets++;
	return HV_RNDIS_STATUS_SUCCESS;
}

/* Toeplitz input (rte_softrss: 32-bit words in host order) and its type. */
struct rss_input {
	uint32_t w[9];			/* IPv6: 4 + 4 address words, ports */
	uint32_t n;
	uint32_t type;			/* HV_NDIS_HASH_* */
};

static void
rss_put(struct rss_input *in, const uint8_t *bytes, uint32_t len)
{
	uint32_t i, v;

	for (i = 0; i < len; i += 4) {
		memcpy(&v, bytes + i, 4);
		in->w[in->n++] = rte_be_to_cpu_32(v);
	}
}

/* IPv4: the 4-tuple for an unfragmented TCP segment with TCP_IPV4, else
 * the addresses with IPV4, else nothing. */
static bool
rss_input_ipv4(uint32_t hi, const uint8_t *ip, uint32_t len, struct rss_input *in)
{
	uint32_t ihl = (ip[0] & 0xf) * 4u;
	bool frag = ((ip[6] << 8 | ip[7]) & 0x3fff) != 0;	/* MF or an offset */

	if (len < 20 || ip[0] >> 4 != 4 || ihl < 20 || len < ihl)
		return false;
	rss_put(in, ip + 12, 8);
	if (ip[9] == 6 && !frag && len >= ihl + 4 && (hi & HV_NDIS_HASH_TCP_IPV4)) {
		rss_put(in, ip + ihl, 4);
		in->type = HV_NDIS_HASH_TCP_IPV4;
		return true;
	}
	in->type = HV_NDIS_HASH_IPV4;
	return hi & HV_NDIS_HASH_IPV4;
}

/*
 * IPv6: TCP right after the fixed header gets the 4-tuple (TCP_IPV6_EX
 * before TCP_IPV6), anything else the addresses (IPV6_EX before IPV6).
 * Extension headers are not walked: without them the _EX types hash what
 * the plain ones do, and the _EX type is reported when it was chosen.
 */
static bool
rss_input_ipv6(uint32_t hi, const uint8_t *ip, uint32_t len, struct rss_input *in)
{
	if (len < 40 || ip[0] >> 4 != 6)
		return false;
	rss_put(in, ip + 8, 32);
	if (ip[6] == 6 && len >= 44 && (hi & (HV_NDIS_HASH_TCP_IPV6 | HV_NDIS_HASH_TCP_IPV6_EX))) {
		rss_put(in, ip + 40, 4);
		in->type = hi & HV_NDIS_HASH_TCP_IPV6_EX ? HV_NDIS_HASH_TCP_IPV6_EX
							 : HV_NDIS_HASH_TCP_IPV6;
		return true;
	}
	in->type = hi & HV_NDIS_HASH_IPV6_EX ? HV_NDIS_HASH_IPV6_EX : HV_NDIS_HASH_IPV6;
	return hi & (HV_NDIS_HASH_IPV6 | HV_NDIS_HASH_IPV6_EX);
}

/* Toeplitz with the guest's key over what its hash types select. */
bool
vsp_rss_hash(const struct hvsim_nic *nic, const uint8_t *frame, uint32_t len, uint32_t *hash,
	     uint32_t *info)
{
	uint16_t type = len >= ETH_HDR_LEN ? (uint16_t)(frame[12] << 8 | frame[13]) : 0;
	struct rss_input in = { .n = 0 };
	bool ok;

	if (type == ETH_P_IPV4)
		ok = rss_input_ipv4(nic->rss_hash_info, frame + ETH_HDR_LEN, len - ETH_HDR_LEN,
				    &in);
	else if (type == ETH_P_IPV6)
		ok = rss_input_ipv6(nic->rss_hash_info, frame + ETH_HDR_LEN, len - ETH_HDR_LEN,
				    &in);
	else
		ok = false;
	if (!ok)
		return false;
	*hash = rte_softrss(in.w, in.n, nic->rss_key);
	*info = HV_NDIS_HASH_FUNCTION_TOEPLITZ | in.type;
	return true;
}
