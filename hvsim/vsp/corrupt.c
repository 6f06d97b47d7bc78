/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * A hostile host: what goes to the guest is corrupted on demand
 * (--corrupt=KIND:PERCENT, the control command "corrupt KIND PERCENT"),
 * each kind at its own rate, from a seeded PRNG so that a run can be
 * repeated. Only the host -> guest direction is touched; every corrupted
 * message is counted per kind.
 *
 * The guest is never owed something it cannot get: a completion it waits
 * for (its TX, its control requests) still arrives whole; the corrupted or
 * forged copies come beside it. A transfer-page packet is corrupted in
 * place: the guest may drop it without completing it, so the host takes
 * its slots back after RECLAIM_NS, and a guest completion of such a packet
 * (late, or of one the host already reclaimed) is a legitimate reaction,
 * counted as such and not as a violation.
 *
 * Descriptor lengths are corrupted by really sending a shorter or longer
 * packet: the ring stays in step, so the guest has something to recover
 * to. Ring header fields (indices) are damaged only between two passes of
 * the host loop, with values no honest writer publishes, and restored
 * before the host touches the ring again.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "hv_nvsp_wire.h"
#include "hv_rndis_wire.h"
#include "util.h"
#include "vsp/vsp.h"

/* A corrupted transfer-page packet the guest has not completed by then
 * will not be: its slots go back to the receive buffer. */
#define RECLAIM_NS		(1000ull * 1000 * 1000)
#define RECLAIM_EVERY_NS	(100ull * 1000 * 1000)

const char *const hvsim_corrupt_kind_names[HVSIM_CORRUPT_KINDS] = {
	[HVSIM_CORRUPT_DESCRIPTOR] = "descriptor",
	[HVSIM_CORRUPT_XFER] = "xfer",
	[HVSIM_CORRUPT_RNDIS] = "rndis",
	[HVSIM_CORRUPT_PPI] = "ppi",
	[HVSIM_CORRUPT_COMPLETION] = "completion",
	[HVSIM_CORRUPT_NVSP] = "nvsp",
	[HVSIM_CORRUPT_STATUS] = "status",
	[HVSIM_CORRUPT_INBAND] = "inband",
	[HVSIM_CORRUPT_INDICES] = "indices",
};

enum hdr_field { HDR_H2G_WRITE, HDR_H2G_WRITE_UNALIGNED, HDR_G2H_READ, HDR_H2G_PENDING };

/* ---- names, rates, the PRNG ------------------------------------------------------ */

int
vsp_corrupt_kind(const char *name)
{
	unsigned int k;

	if (strcmp(name, "all") == 0)
		return HVSIM_CORRUPT_ALL;
	for (k = 0; k < HVSIM_CORRUPT_KINDS; k++)
		if (strcmp(name, hvsim_corrupt_kind_names[k]) == 0)
			return (int)k;
	return -EINVAL;
}

int
vsp_corrupt_percent(const char *s, uint32_t *ppm)
{
	char *end;
	double pct;

	errno = 0;
	pct = strtod(s, &end);
	if (errno || end == s || *end || !(pct >= 0 && pct <= 100))
		return -EINVAL;
	*ppm = (uint32_t)(pct * (HVSIM_CORRUPT_PPM / 100) + 0.5);
	return 0;
}

int
vsp_corrupt_parse(const char *spec, uint32_t rate_ppm[HVSIM_CORRUPT_KINDS])
{
	char *copy = strdup(spec), *save = NULL, *item, *colon;
	unsigned int k;
	uint32_t ppm;
	int kind, ret = 0;

	if (copy == NULL)
		return -ENOMEM;
	for (item = strtok_r(copy, ",", &save); item != NULL && ret == 0;
	     item = strtok_r(NULL, ",", &save)) {
		colon = strchr(item, ':');
		if (colon == NULL) {
			ret = -EINVAL;
			break;
		}
		*colon = '\0';
		kind = vsp_corrupt_kind(item);
		if (kind < 0 || vsp_corrupt_percent(colon + 1, &ppm) < 0) {
			ret = -EINVAL;
			break;
		}
		for (k = 0; k < HVSIM_CORRUPT_KINDS; k++)
			if ((unsigned int)kind == HVSIM_CORRUPT_ALL || k == (unsigned int)kind)
				rate_ppm[k] = ppm;
	}
	free(copy);
	return ret;
}

static uint64_t
prng_next(struct hvsim_corrupt *cr)
{
	uint64_t x = cr->prng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	cr->prng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint32_t
prng_below(struct hvsim_corrupt *cr, uint32_t n)
{
	return n ? (uint32_t)((prng_next(cr) >> 32) % n) : 0;
}

void
vsp_corrupt_seed(struct hvsim_nic *nic, uint64_t seed)
{
	/* splitmix64 of seed and index: never the all-zero xorshift state */
	uint64_t z = seed + 0x9e3779b97f4a7c15ull * (uint64_t)(nic->index + 1);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	nic->corrupt.prng = z ? z : 1;
}

void
vsp_corrupt_set(struct hvsim_nic *nic, unsigned int kind, uint32_t ppm)
{
	struct hvsim_corrupt *cr = &nic->corrupt;
	unsigned int k;

	cr->active = false;
	for (k = 0; k < HVSIM_CORRUPT_KINDS; k++) {
		if (kind == HVSIM_CORRUPT_ALL || k == kind)
			cr->rate_ppm[k] = ppm > HVSIM_CORRUPT_PPM ? HVSIM_CORRUPT_PPM : ppm;
		cr->active |= cr->rate_ppm[k] != 0;
	}
}

/* Roll for kind: true when this message is to be corrupted that way. */
static bool
roll(struct hvsim_nic *nic, enum hvsim_corrupt_kind kind)
{
	struct hvsim_corrupt *cr = &nic->corrupt;

	return cr->rate_ppm[kind] != 0 && prng_below(cr, HVSIM_CORRUPT_PPM) < cr->rate_ppm[kind];
}

static void
counted(struct hvsim_nic *nic, enum hvsim_corrupt_kind kind)
{
	nic->corrupt.count[kind]++;
	nic->corrupt.session_tainted = true;
}

/* A value chosen to hurt, never the true one (orig): zero, one, all ones,
 * just past a limit, or random. */
static uint32_t
hostile_u32(struct hvsim_corrupt *cr, uint32_t limit, uint32_t orig)
{
	uint32_t v;

	switch (prng_below(cr, 5)) {
	case 0:
		v = 0;
		break;
	case 1:
		v = 1;
		break;
	case 2:
		v = UINT32_MAX;
		break;
	case 3:
		v = limit + 1 + prng_below(cr, 64);
		break;
	default:
		v = (uint32_t)prng_next(cr);
		break;
	}
	return v != orig ? v : ~orig;
}

/* ---- the VMBus descriptor ------------------------------------------------------------ */

/*
 * Type, offset8, len8 or flags of the packet in pkt. A new len8 is real:
 * the packet is cut or grown (random bytes) to it, within cap.
 */
static void
corrupt_descriptor(struct hvsim_nic *nic, uint8_t *pkt, uint32_t *len, uint32_t cap)
{
	static const uint16_t types[] = { 0, 1, HV_PKT_DATA_INBAND, HV_PKT_DATA_XFER_PAGES,
					  HV_PKT_DATA_GPA_DIRECT, HV_PKT_COMPLETION, 0xffff };
	struct hvsim_corrupt *cr = &nic->corrupt;
	struct hv_pkt_desc d;
	uint32_t n, i;

	memcpy(&d, pkt, sizeof(d));
	switch (prng_below(cr, 5)) {
	case 0:
		d.type = types[prng_below(cr, RTE_DIM(types))];
		if (d.type == ((const struct hv_pkt_desc *)pkt)->type)
			d.type = 0xffff;
		break;
	case 1:
		d.offset8 = (uint16_t)hostile_u32(cr, d.len8, d.offset8);
		if (d.offset8 == ((const struct hv_pkt_desc *)pkt)->offset8)
			d.offset8 ^= 0x8000;
		break;
	case 2:	/* cut: a descriptor and a little, or 8 bytes less */
		n = prng_below(cr, 2) ? 16 + 8 * prng_below(cr, 2) : *len - 8;
		if (n >= 16 && n < *len) {
			*len = n;
			d.len8 = (uint16_t)(n / 8);
		}
		break;
	case 3:	/* grown by up to 64 bytes of garbage */
		n = 8 * (1 + prng_below(cr, 8));
		if (*len + n <= cap) {
			for (i = 0; i < n; i++)
				pkt[*len + i] = (uint8_t)prng_next(cr);
			*len += n;
			d.len8 = (uint16_t)(*len / 8);
		}
		break;
	default:	/* some bits flipped */
		n = (uint32_t)(prng_next(cr) & 0xffff);
		d.flags ^= (uint16_t)(n ? n : 0x8000);
		break;
	}
	memcpy(pkt, &d, sizeof(d));
	counted(nic, HVSIM_CORRUPT_DESCRIPTOR);
}

/* ---- completions and in-band packets (hvsim_chan_send) ---------------------------- */

static void
send_forged(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *pkt, uint32_t len)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)pkt, .iov_len = len };

	hvsim_chan_send_raw(c, &iov, 1);
	(void)nic;
}

static void
set_trans_id(uint8_t *pkt, uint64_t id)
{
	memcpy(pkt + offsetof(struct hv_pkt_desc, trans_id), &id, sizeof(id));
}

/* Forged, out of range or wrong type: a copy before the real one, which
 * still arrives; or a duplicate after it (returns 2). */
static unsigned int
corrupt_completion(struct hvsim_nic *nic, struct hvsim_chan *c, const uint8_t *pkt,
		   uint32_t len)
{
	struct hvsim_corrupt *cr = &nic->corrupt;
	uint8_t copy[HVSIM_CHAN_PKT_MAX];
	uint32_t off = 8u * ((const struct hv_pkt_desc *)pkt)->offset8, type;

	counted(nic, HVSIM_CORRUPT_COMPLETION);
	memcpy(copy, pkt, len);
	switch (prng_below(cr, 4)) {
	case 0:	/* forged: an id the guest may well have in flight */
		set_trans_id(copy, prng_below(cr, 4096));
		break;
	case 1:
		return 2;
	case 2:
		set_trans_id(copy, prng_next(cr) | (1ull << 63));
		break;
	default:
		if (off + 4 > len)
			return 1;
		type = HV_NVSP_MSG_RNDIS_PKT_COMPLETE + 1 + prng_below(cr, 30);
		memcpy(copy + off, &type, sizeof(type));
		break;
	}
	send_forged(nic, c, copy, len);
	return 1;
}

/* NVSP fields of a completion or in-band message: type, status, or the
 * message cut to its type. The real one follows a completion's copy. */
static void
corrupt_nvsp_body(struct hvsim_nic *nic, uint8_t *pkt, uint32_t *len)
{
	struct hvsim_corrupt *cr = &nic->corrupt;
	struct hv_pkt_desc d;
	uint32_t off, v;

	memcpy(&d, pkt, sizeof(d));
	off = 8u * d.offset8;
	if (off + 8 > *len)
		return;
	switch (prng_below(cr, 3)) {
	case 0:
		memcpy(&v, pkt + off, sizeof(v));
		v = hostile_u32(cr, HV_NVSP_MSG_INDIR_TABLE, v);
		memcpy(pkt + off, &v, sizeof(v));
		break;
	case 1:	/* the status of a completion, the first field of the others */
		memcpy(&v, pkt + off + 4, sizeof(v));
		v = prng_below(cr, 2) && v != HV_NVSP_STATUS_FAILED ? HV_NVSP_STATUS_FAILED :
		    hostile_u32(cr, 7, v);
		memcpy(pkt + off + 4, &v, sizeof(v));
		break;
	default:	/* nothing after the type */
		*len = off + 8;
		d.len8 = (uint16_t)(*len / 8);
		memcpy(pkt, &d, sizeof(d));
		break;
	}
	counted(nic, HVSIM_CORRUPT_NVSP);
}

/*
 * An in-band message the guest did not expect or cannot parse: an
 * indirection table with a hostile count or offset, a short VF
 * association, RNDIS in-band, an unknown type, random bytes. Never with
 * COMPLETION_REQUESTED: a guest that answers would be right to.
 */
static void
forge_inband(struct hvsim_nic *nic, struct hvsim_chan *c)
{
	struct hvsim_corrupt *cr = &nic->corrupt;
	struct {
		struct hv_pkt_desc d;
		uint32_t w[10];
	} p;
	uint32_t len = sizeof(p), i;

	memset(&p, 0, sizeof(p));
	switch (prng_below(cr, 5)) {
	case 0:
		p.w[0] = HV_NVSP_MSG_INDIR_TABLE;
		p.w[1] = hostile_u32(cr, 16, 16);	/* count */
		p.w[2] = hostile_u32(cr, 40, 12);	/* offset */
		break;
	case 1:
		p.w[0] = HV_NVSP_MSG_VF_ASSOC;
		len = sizeof(p.d) + 8;		/* allocated, no serial */
		p.w[1] = 1;
		break;
	case 2:
		p.w[0] = HV_NVSP_MSG_RNDIS_PKT;
		p.w[1] = HV_NVSP_CHAN_DATA;
		p.w[2] = hostile_u32(cr, 0, HV_NVSP_CHIM_IDX_INVALID);
		break;
	case 3:
		p.w[0] = 0x10000 + prng_below(cr, 0x10000);
		break;
	default:
		for (i = 0; i < (uint32_t)RTE_DIM(p.w); i++)
			p.w[i] = (uint32_t)prng_next(cr);
		break;
	}
	p.d.type = HV_PKT_DATA_INBAND;
	p.d.offset8 = sizeof(p.d) / 8;
	p.d.len8 = (uint16_t)(len / 8);
	p.d.trans_id = prng_next(cr);
	send_forged(nic, c, (const uint8_t *)&p, len);
	counted(nic, HVSIM_CORRUPT_INBAND);
}

/* Ring header damage, applied at the end of the pass (hdr_pass_end). */
static void
arm_indices(struct hvsim_nic *nic, struct hvsim_chan *c)
{
	if (!c->hdr_fault.armed && !c->hdr_fault.applied && roll(nic, HVSIM_CORRUPT_INDICES)) {
		c->hdr_fault.armed = true;
		c->hdr_fault.field = (uint8_t)prng_below(&nic->corrupt, 4);
	}
}

/* Kinds every packet may get, whatever it carries. */
static void
forge_beside(struct hvsim_nic *nic, struct hvsim_chan *c)
{
	if (roll(nic, HVSIM_CORRUPT_INBAND))
		forge_inband(nic, c);
	arm_indices(nic, c);
}

static unsigned int
packet_hook(void *arg, struct hvsim_chan *c, uint8_t *pkt, uint32_t *len, uint32_t cap)
{
	struct hvsim_nic *nic = arg;
	const struct hv_pkt_desc *d = (const void *)pkt;
	uint8_t copy[HVSIM_CHAN_PKT_MAX];
	uint32_t clen = *len;
	unsigned int copies = 1;

	if (!nic->corrupt.active || nic->corrupt.forging)
		return 1;
	forge_beside(nic, c);
	if (d->type != HV_PKT_COMPLETION) {	/* in-band: nobody waits for it */
		if (roll(nic, HVSIM_CORRUPT_NVSP))
			corrupt_nvsp_body(nic, pkt, len);
		if (roll(nic, HVSIM_CORRUPT_DESCRIPTOR))
			corrupt_descriptor(nic, pkt, len, cap);
		return 1;
	}
	if (roll(nic, HVSIM_CORRUPT_COMPLETION))
		copies = corrupt_completion(nic, c, pkt, *len);
	/* a corrupted copy of what the guest waits for, then the real one */
	if (roll(nic, HVSIM_CORRUPT_NVSP)) {
		memcpy(copy, pkt, clen);
		corrupt_nvsp_body(nic, copy, &clen);
		send_forged(nic, c, copy, clen);
		clen = *len;
	}
	if (roll(nic, HVSIM_CORRUPT_DESCRIPTOR)) {
		memcpy(copy, pkt, clen);
		corrupt_descriptor(nic, copy, &clen, sizeof(copy));
		send_forged(nic, c, copy, clen);
	}
	return copies;
}

/* ---- ring header fields --------------------------------------------------------------- */

static uint32_t *
hdr_field_ptr(struct hvsim_chan *c, uint8_t field)
{
	switch (field) {
	case HDR_H2G_WRITE:
	case HDR_H2G_WRITE_UNALIGNED:
		return &c->h2g.hdr->write_index;
	case HDR_G2H_READ:
		return &c->g2h.hdr->read_index;
	default:
		return &c->h2g.hdr->pending_send_sz;
	}
}

static void
hdr_pass_end(void *arg, struct hvsim_chan *c)
{
	struct hvsim_nic *nic = arg;
	struct hvsim_chan_hdr_fault *f = &c->hdr_fault;
	uint32_t *p, bad;

	if (!f->armed)
		return;
	f->armed = false;
	p = hdr_field_ptr(c, f->field);
	f->saved = __atomic_load_n(p, __ATOMIC_RELAXED);
	switch (f->field) {
	case HDR_H2G_WRITE:
		bad = c->h2g.dsize + 8 * (1 + prng_below(&nic->corrupt, 1024));
		break;
	case HDR_H2G_WRITE_UNALIGNED:
		bad = f->saved + 4;
		break;
	case HDR_G2H_READ:
		bad = prng_below(&nic->corrupt, 2) ? c->g2h.dsize : f->saved + 1;
		break;
	default:
		bad = prng_below(&nic->corrupt, 2) ? UINT32_MAX : c->h2g.dsize + 1;
		break;
	}
	__atomic_store_n(p, bad, __ATOMIC_SEQ_CST);
	f->applied = true;
	counted(nic, HVSIM_CORRUPT_INDICES);
}

static void
hdr_pass_begin(void *arg, struct hvsim_chan *c)
{
	struct hvsim_chan_hdr_fault *f = &c->hdr_fault;

	(void)arg;
	if (!f->applied)
		return;
	__atomic_store_n(hdr_field_ptr(c, f->field), f->saved, __ATOMIC_SEQ_CST);
	f->applied = false;
}

void
vsp_corrupt_init(struct hvsim_nic *nic)
{
	nic->corrupt_hooks.packet = packet_hook;
	nic->corrupt_hooks.pass_begin = hdr_pass_begin;
	nic->corrupt_hooks.pass_end = hdr_pass_end;
	nic->corrupt_hooks.arg = nic;
	vsp_corrupt_seed(nic, 1);
}

/* ---- transfer-page packets ------------------------------------------------------------- */

/* Page-set id, range count, or a range's offset or length. */
static void
corrupt_xfer_hdr(struct hvsim_nic *nic, uint8_t *pkt, uint32_t len)
{
	struct hvsim_corrupt *cr = &nic->corrupt;
	struct hv_xfer_page_hdr h;
	struct hv_xfer_range r;
	uint32_t bufsize = (uint32_t)nic->cfg.spec.recv_buf_size, off;

	memcpy(&h, pkt, sizeof(h));
	switch (prng_below(cr, 4)) {
	case 0:
		h.xfer_pageset_id = (uint16_t)(HV_RXBUF_XFER_PAGESET_ID + 1 + prng_below(cr, 100));
		break;
	case 1:
		h.range_cnt = prng_below(cr, 2) ? 0 : hostile_u32(cr, h.range_cnt, h.range_cnt);
		break;
	default:	/* the first range */
		off = sizeof(h);
		if (off + sizeof(r) > len)
			break;
		memcpy(&r, pkt + off, sizeof(r));
		if (prng_below(cr, 2))
			r.byte_offset = hostile_u32(cr, bufsize, r.byte_offset);
		else
			r.byte_count = hostile_u32(cr, bufsize - r.byte_offset, r.byte_count);
		memcpy(pkt + off, &r, sizeof(r));
		break;
	}
	memcpy(pkt, &h, sizeof(h));
	counted(nic, HVSIM_CORRUPT_XFER);
}

/* The NVSP RNDIS_PKT message after the ranges. */
static void
corrupt_xfer_nvsp(struct hvsim_nic *nic, uint8_t *pkt, uint32_t len)
{
	struct hvsim_corrupt *cr = &nic->corrupt;
	uint32_t off = 8u * ((const struct hv_pkt_desc *)pkt)->offset8, v, at;

	if (off + sizeof(struct hv_nvsp_rndis_pkt) > len)
		return;
	at = off + 4 * prng_below(cr, 3);	/* type, channel type, section */
	memcpy(&v, pkt + at, sizeof(v));
	v = hostile_u32(cr, HV_NVSP_MSG_RNDIS_PKT, v);
	memcpy(pkt + at, &v, sizeof(v));
	counted(nic, HVSIM_CORRUPT_NVSP);
}

/* Lengths and offsets of an RNDIS packet message, or its type. */
static void
corrupt_rndis(struct hvsim_nic *nic, uint8_t *msg)
{
	struct hvsim_corrupt *cr = &nic->corrupt;
	struct hv_rndis_packet_msg m;

	memcpy(&m, msg, sizeof(m));
	switch (prng_below(cr, 6)) {
	case 0:
		m.len = hostile_u32(cr, m.len, m.len);
		break;
	case 1:
		m.data_offset = hostile_u32(cr, m.len, m.data_offset);
		break;
	case 2:
		m.data_len = hostile_u32(cr, m.len, m.data_len);
		break;
	case 3:	/* data and PPIs overlapping */
		m.ppi_offset = m.data_offset;
		m.ppi_len = m.data_len;
		break;
	case 4:
		m.ppi_offset = hostile_u32(cr, m.len, m.ppi_offset);
		break;
	default:
		m.type = prng_below(cr, 2) ? HV_RNDIS_INDICATE_STATUS_MSG :
			 hostile_u32(cr, HV_RNDIS_PACKET_MSG, m.type);
		break;
	}
	memcpy(msg, &m, sizeof(m));
	counted(nic, HVSIM_CORRUPT_RNDIS);
}

/* One PPI of a packet message (its size, type or offset), or the PPI
 * area's own bounds when the message has none. */
static void
corrupt_ppi(struct hvsim_nic *nic, uint8_t *msg)
{
	struct hvsim_corrupt *cr = &nic->corrupt;
	struct hv_rndis_packet_msg m;
	struct hv_rndis_ppi p;
	uint32_t at, i, n;

	memcpy(&m, msg, sizeof(m));
	if (m.ppi_len < sizeof(p)) {
		m.ppi_offset = HV_RNDIS_PACKET_MSG_OFFSET_MIN;
		m.ppi_len = prng_below(cr, 2) ? sizeof(p) : hostile_u32(cr, m.len, 0);
		memcpy(msg, &m, sizeof(m));
		counted(nic, HVSIM_CORRUPT_PPI);
		return;
	}
	/* walk to a random one of the (well-formed, hvsim's own) entries */
	at = 8 + m.ppi_offset;
	n = prng_below(cr, m.ppi_len / (uint32_t)sizeof(p));
	for (i = 0; i < n; i++) {
		memcpy(&p, msg + at, sizeof(p));
		if (p.size < sizeof(p) || at + p.size + sizeof(p) > 8 + m.ppi_offset + m.ppi_len)
			break;
		at += p.size;
	}
	memcpy(&p, msg + at, sizeof(p));
	switch (prng_below(cr, 4)) {
	case 0:
		p.size = prng_below(cr, 2) ? 0 : hostile_u32(cr, m.ppi_len, p.size);
		break;
	case 1:
		p.type = hostile_u32(cr, HV_RNDIS_PPI_HASHINF, p.type);
		break;
	case 2:
		p.offset = hostile_u32(cr, p.size, p.offset);
		break;
	default:	/* the value: checksum bits all set, a hash of all ones */
		memset(msg + at + sizeof(p), 0xff, 4);
		break;
	}
	memcpy(msg + at, &p, sizeof(p));
	counted(nic, HVSIM_CORRUPT_PPI);
}

/* Status code, buffer length or offset, or the message length. */
static void
corrupt_status(struct hvsim_nic *nic, uint8_t *msg)
{
	struct hvsim_corrupt *cr = &nic->corrupt;
	struct hv_rndis_status_msg s;

	memcpy(&s, msg, sizeof(s));
	switch (prng_below(cr, 4)) {
	case 0:	/* a code nobody defined, or a known one without its buffer */
		s.status = prng_below(cr, 2) ? 0x40010000u + prng_below(cr, 0x10000) :
			   HV_RNDIS_STATUS_LINK_SPEED_CHANGE;
		s.status_buf_len = prng_below(cr, 2) ? 0 : s.status_buf_len;
		break;
	case 1:
		s.status_buf_len = hostile_u32(cr, s.len, s.status_buf_len);
		break;
	case 2:
		s.status_buf_offset = hostile_u32(cr, s.len, s.status_buf_offset);
		break;
	default:
		s.len = prng_below(cr, 2) ? 8 : hostile_u32(cr, s.len, s.len);
		break;
	}
	memcpy(msg, &s, sizeof(s));
	counted(nic, HVSIM_CORRUPT_STATUS);
}

/* A status indication nobody asked for, corrupted: a real host sends few,
 * so the kind would otherwise hardly ever fire. */
static void
forge_status(struct hvsim_nic *nic, struct hvsim_chan *c)
{
	uint8_t msg[sizeof(struct hv_rndis_status_msg) + 8] = { 0 };
	struct hv_rndis_status_msg s = {
		.type = HV_RNDIS_INDICATE_STATUS_MSG,
		.len = sizeof(msg),
		.status = HV_RNDIS_STATUS_NETWORK_CHANGE,
		.status_buf_len = 4,
		.status_buf_offset = sizeof(s) - 8,
	};

	memcpy(msg, &s, sizeof(s));
	corrupt_status(nic, msg);
	nic->corrupt.forging = true;
	vsp_rxbuf_send(nic, c, msg, sizeof(msg));
	nic->corrupt.forging = false;
}

bool
vsp_corrupt_xfer(struct hvsim_nic *nic, struct hvsim_chan *c, uint8_t *pkt, uint32_t *len,
		 uint32_t cap, uint8_t *msg, uint32_t slot)
{
	struct hvsim_corrupt *cr = &nic->corrupt;
	bool hit = true;
	uint32_t type;

	if (!cr->active || cr->slot_tainted_ns == NULL)
		return false;
	if (!cr->forging) {
		memcpy(&type, msg, sizeof(type));
		forge_beside(nic, c);
		if (roll(nic, HVSIM_CORRUPT_STATUS))
			forge_status(nic, c);
		hit = false;
		if (type == HV_RNDIS_PACKET_MSG && roll(nic, HVSIM_CORRUPT_RNDIS)) {
			corrupt_rndis(nic, msg);
			hit = true;
		} else if (type == HV_RNDIS_PACKET_MSG && roll(nic, HVSIM_CORRUPT_PPI)) {
			corrupt_ppi(nic, msg);
			hit = true;
		} else if (type == HV_RNDIS_INDICATE_STATUS_MSG && roll(nic, HVSIM_CORRUPT_STATUS)) {
			corrupt_status(nic, msg);
			hit = true;
		}
		if (roll(nic, HVSIM_CORRUPT_NVSP)) {
			corrupt_xfer_nvsp(nic, pkt, *len);
			hit = true;
		}
		if (roll(nic, HVSIM_CORRUPT_XFER)) {
			corrupt_xfer_hdr(nic, pkt, *len);
			hit = true;
		}
		if (roll(nic, HVSIM_CORRUPT_DESCRIPTOR)) {
			corrupt_descriptor(nic, pkt, len, cap);
			hit = true;
		}
	}
	/* a corrupted or forged packet: the guest may well drop it */
	if (hit)
		cr->slot_tainted_ns[slot] = now_ns();
	return hit;
}

void
vsp_corrupt_reclaim(struct hvsim_nic *nic)
{
	struct hvsim_corrupt *cr = &nic->corrupt;
	uint64_t now;
	uint32_t i;

	if (!cr->session_tainted || cr->slot_tainted_ns == NULL)
		return;
	now = now_ns();
	if (now < cr->next_reclaim_ns)
		return;
	cr->next_reclaim_ns = now + RECLAIM_EVERY_NS;
	for (i = 0; i < nic->slot_count; i++) {
		if (cr->slot_tainted_ns[i] == 0 || now - cr->slot_tainted_ns[i] < RECLAIM_NS)
			continue;
		if (vsp_rxbuf_complete(nic, i) == 0)
			cr->reclaimed++;
		cr->slot_tainted_ns[i] = 0;
	}
}

bool
vsp_corrupt_excuses(struct hvsim_nic *nic)
{
	if (!nic->corrupt.session_tainted)
		return false;
	nic->corrupt.guest_reactions++;
	return true;
}
