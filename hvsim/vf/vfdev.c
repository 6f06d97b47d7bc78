/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The VF device: its PCI entry in the guest's /sys/bus/pci, its BAR (the
 * resource0 file both sides map, layout in vf/vf_shm.h), the uevents that
 * announce it, and its queues. What the guest writes in the BAR is read
 * once, checked, and used from the checked copy.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_thash.h>

#include "guestos/uevent.h"
#include "hv_rndis_wire.h"
#include "util.h"
#include "vf/vf_internal.h"
#include "vmbus/nic.h"
#include "vsp/offload.h"
#include "wire/vswitch.h"

#define VF_DOMAIN_BASE		0x7870u
#define TX_BUDGET		256	/* records per queue per poll */
#define ETH_LEN			14u
#define VLAN_LEN		4u

static uint8_t rec_scratch[HVSIM_VF_REC_HDR + HVSIM_VF_FRAME_MAX + 8];
static uint8_t frame_buf[HVSIM_VF_FRAME_MAX + VLAN_LEN];
static uint8_t seg_buf[HVSIM_VSWITCH_FRAME_MAX];

static const char *
bus_root(const struct hvsim_vf *vf)
{
	return vf->cfg.bus_root != NULL ? vf->cfg.bus_root : "/sys/bus";
}

void
vfdev_spec_init(struct hvsim_vf *vf)
{
	struct hvsim_pci_spec *s = &vf->spec;
	unsigned int domain = VF_DOMAIN_BASE + (unsigned int)vf->nic->index;

	memset(s, 0, sizeof(*s));
	snprintf(s->bdf, sizeof(s->bdf), "%04x:00:02.0", domain);
	s->vendor = HVSIM_VF_PCI_VENDOR;
	s->device = HVSIM_VF_PCI_DEVICE;
	s->subsystem_vendor = HVSIM_VF_PCI_VENDOR;
	s->subsystem_device = HVSIM_VF_PCI_DEVICE;
	s->class_code = HVSIM_VF_PCI_CLASS;
	s->numa_node = -1;
	s->serial = 1u + (unsigned int)vf->nic->index;
	snprintf(s->ifname, sizeof(s->ifname), "enP%us%u", domain, s->serial);
	memcpy(s->mac, vf->nic->cfg.mac, 6);
	snprintf(s->kdrv, sizeof(s->kdrv), "%s", HVSIM_VF_KDRV_NAME);
	s->bar0_size = hvsim_vf_bar_size(vf->cfg.queues);
}

/* ---- device life -------------------------------------------------------------- */

static void
init_caps(struct hvsim_vf *vf)
{
	struct hvsim_vf_caps *c = &vf->shm->caps;

	c->magic = HVSIM_VF_MAGIC;
	c->abi = HVSIM_VF_ABI;
	c->max_queues = vf->cfg.queues;
	c->ring_data_size = HVSIM_VF_RING_DATA;
	c->ring_offset = HVSIM_VF_PAGE;
	c->ring_stride = HVSIM_VF_PAGE + HVSIM_VF_RING_DATA;
	c->max_mtu = vf->cfg.mtu;
	c->speed_mbps = 100000;
	c->offloads = vf->cfg.offloads;
	c->rss_types = HVSIM_VF_RSS_IPV4 | HVSIM_VF_RSS_TCP4 | HVSIM_VF_RSS_UDP4 |
		       HVSIM_VF_RSS_IPV6 | HVSIM_VF_RSS_TCP6 | HVSIM_VF_RSS_UDP6;
	c->rss_key_size = HVSIM_VF_RSS_KEY_SIZE;
	c->reta_size = HVSIM_VF_RETA_SIZE;
	memcpy(c->mac, vf->spec.mac, 6);
	c->serial = vf->spec.serial;
	vf->shm->host.link_up = 1;
	__atomic_store_n(&vf->shm->host.event_seq, 1, __ATOMIC_RELEASE);
}

static int
init_rings(struct hvsim_vf *vf)
{
	const struct hvsim_vf_caps *c = &vf->shm->caps;
	uint32_t q;

	for (q = 0; q < vf->cfg.queues; q++) {
		uint8_t *base = (uint8_t *)vf->shm;

		if (hv_ring_attach(&vf->txr[q], base + hvsim_vf_ring_offset(c, q, 1),
				   c->ring_stride) < 0 ||
		    hv_ring_attach(&vf->rxr[q], base + hvsim_vf_ring_offset(c, q, 0),
				   c->ring_stride) < 0)
			return -EINVAL;
		hv_ring_init_header(&vf->txr[q], 0);
		hv_ring_init_header(&vf->rxr[q], 0);
	}
	return 0;
}

/* Called on the still hidden device's resource0: map it, lay it out. */
static int
init_bar(int bar_fd, uint64_t bar0_size, void *arg)
{
	struct hvsim_vf *vf = arg;
	void *p;

	p = mmap(NULL, bar0_size, PROT_READ | PROT_WRITE, MAP_SHARED, bar_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	vf->shm = p;
	vf->bar_size = bar0_size;
	init_caps(vf);
	return init_rings(vf);
}

/*
 * The device appears as on a VM: the BAR is laid out before the directory
 * becomes visible (a guest scanning never sees half a device), then the
 * kernel's "add" uevent.
 */
int
vfdev_create(struct hvsim_vf *vf)
{
	int ret;

	vf->spec.bar0_size = hvsim_vf_bar_size(vf->cfg.queues);
	vfdev_zombie_end(vf);	/* a new device, a new BAR */
	vf->shm = NULL;
	ret = hvsim_pcitree_add_with(bus_root(vf), &vf->spec, init_bar, vf);
	if (ret < 0) {
		if (vf->shm != NULL)
			munmap(vf->shm, vf->bar_size);
		vf->shm = NULL;
		return ret;
	}
	memset(&vf->conf, 0, sizeof(vf->conf));
	vf->conf_seq_seen = 0;
	vf->conf_ok = false;
	vf->dev_present = true;
	if (vf->uev != NULL)
		hvsim_uevent_pci(vf->uev, "add", &vf->spec);
	return 0;
}

static void
bump_event(struct hvsim_vf *vf)
{
	__atomic_fetch_add(&vf->shm->host.event_seq, 1, __ATOMIC_RELEASE);
}

void
vfdev_set_recovery(struct hvsim_vf *vf, uint32_t recovery)
{
	vf->shm->host.recovery = recovery;
	vf->shm->host.recovery_seq++;
	bump_event(vf);
}

/* TX records the guest sent before the revocation were counted then. */
static void
skip_tx_pending(struct hvsim_vf *vf)
{
	struct hv_ring_pkt p;
	uint32_t q, n;
	bool sig;

	for (q = 0; q < vf->cfg.queues; q++) {
		for (n = 0; n < 1u << 20; n++) {
			int ret = hv_ring_peek(&vf->txr[q], &p, rec_scratch, sizeof(rec_scratch));

			if (ret == 0 || ret == -EIO)
				break;	/* empty, or corrupt: nothing more to skip */
			hv_ring_consume(&vf->txr[q], p.len);
		}
		hv_ring_read_commit(&vf->txr[q], &sig);
	}
}

unsigned int
vfdev_poll_zombie(struct hvsim_vf *vf)
{
	struct hv_ring_pkt p;
	unsigned int n = 0;
	uint32_t q;
	bool sig;
	int ret;

	for (q = 0; q < vf->cfg.queues; q++) {
		while (n < TX_BUDGET &&
		       (ret = hv_ring_peek(&vf->txr[q], &p, rec_scratch, sizeof(rec_scratch))) != 0) {
			if (ret == -EIO)
				break;
			hv_ring_consume(&vf->txr[q], p.len);
			vf->st.tx_after_gone++;
			vf->st.lost_in_transition++;
			n++;
		}
		if (n > 0)
			hv_ring_read_commit(&vf->txr[q], &sig);
	}
	return n;
}

void
vfdev_zombie_end(struct hvsim_vf *vf)
{
	if (!vf->zombie)
		return;
	vfdev_poll_zombie(vf);
	munmap(vf->shm, vf->bar_size);
	vf->shm = NULL;
	vf->zombie = false;
}

/* The device goes: the PMD's next look sees `gone` (RMV), the kernel's
 * "remove" uevent goes out, the directory disappears. Our mapping goes
 * too; the guest's stays valid until it unmaps (tmpfs). */
void
vfdev_revoke(struct hvsim_vf *vf)
{
	vf->shm->host.gone = 1;
	vf->shm->host.link_up = 0;
	bump_event(vf);
	if (vf->uev != NULL)
		hvsim_uevent_pci(vf->uev, "remove", &vf->spec);
	hvsim_pcitree_remove(bus_root(vf), &vf->spec);
	/* the guest's mapping outlives the device, and a guest that has not
	 * noticed yet goes on sending into it: keep ours to count that */
	skip_tx_pending(vf);
	vf->zombie = true;
	vf->dev_present = false;
	vf->conf.started = 0;
	vf->conf_ok = false;
}

/* ---- the guest's configuration ----------------------------------------------------- */

static const char *
conf_problem(const struct hvsim_vf *vf, const struct hvsim_vf_guest_conf *g)
{
	const struct hvsim_vf_caps *c = &vf->shm->caps;
	uint32_t i;

	if (g->started > 1 || g->promisc > 1 || g->allmulti > 1)
		return "a flag is neither 0 nor 1";
	if (!g->started)
		return NULL;
	if (g->nb_rx_queues == 0 || g->nb_rx_queues > c->max_queues ||
	    g->nb_tx_queues == 0 || g->nb_tx_queues > c->max_queues)
		return "queue count beyond the device's";
	if (g->mtu < HVSIM_VF_MIN_MTU || g->mtu > c->max_mtu)
		return "MTU out of the device's range";
	if (g->offloads & ~c->offloads)
		return "an offload the device does not have";
	if (g->rss_types & ~c->rss_types)
		return "an RSS hash type the device does not have";
	for (i = 0; i < HVSIM_VF_RETA_SIZE; i++)
		if (g->reta[i] >= g->nb_rx_queues)
			return "RETA entry beyond the RX queues";
	return NULL;
}

static unsigned int
poll_conf(struct hvsim_vf *vf)
{
	uint32_t seq = __atomic_load_n(&vf->shm->guest.conf_seq, __ATOMIC_ACQUIRE);
	struct hvsim_vf_guest_conf g;
	const char *why;

	/* odd: the guest is writing it (vf_shm.h); look again next poll */
	if (seq == vf->conf_seq_seen || (seq & 1))
		return 0;
	memcpy(&g, (const void *)&vf->shm->guest, sizeof(g));	/* read once */
	/* the copy is good only if no write began meanwhile */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&vf->shm->guest.conf_seq, __ATOMIC_RELAXED) != seq)
		return 0;
	vf->conf_seq_seen = seq;
	why = conf_problem(vf, &g);
	if (why != NULL) {
		fprintf(stderr, "hvsim: nic%d vf: guest configuration refused: %s\n",
			vf->nic->index, why);
		vf->st.conf_bad++;
		vf->conf.started = 0;
		vf->conf_ok = false;
		return 1;
	}
	vf->conf = g;
	vf->conf_ok = true;
	if (vf->state == HVSIM_VF_REMOVING && !g.started)
		vf->guest_back = true;
	if (vf->nic->verbose)
		fprintf(stderr, "hvsim: nic%d vf: guest %s, %u/%u queues, mtu %u\n",
			vf->nic->index, g.started ? "started" : "stopped", g.nb_rx_queues,
			g.nb_tx_queues, g.mtu);
	return 1;
}

static bool
running(const struct hvsim_vf *vf)
{
	return vf->dev_present && vf->conf_ok && vf->conf.started &&
	       vf->shm->host.recovery != HVSIM_VF_RECOVERY_RUNNING;
}

bool
hvsim_vf_alone_ready(const struct hvsim_vf *vf)
{
	return vf != NULL && vf->cfg.only && running(vf);
}

/* ---- guest -> wire ------------------------------------------------------------------- */

static void
tx_out(struct hvsim_vf *vf, const uint8_t *frame, uint32_t len, uint16_t vlan_tci)
{
	hvsim_vswitch_tx(vf->nic->vswitch, vf->nic->port, frame, len, vlan_tci);
	/* --vf-only has no switch to wait for */
	if (!vf->switched_since_offer && !vf->cfg.only)
		vf->st.tx_before_switch++;
	if (vf->to_vf.since_ns != 0)
		vf_times_stop(&vf->to_vf);
	vf->st.tx_frames++;
	vf->st.tx_bytes += len;
}

static int
tx_csum(uint8_t *frame, uint32_t len, uint16_t flags)
{
	struct hvsim_ofl_layout l;

	if (hvsim_ofl_parse(frame, len, &l) < 0)
		return -EINVAL;
	if ((flags & HVSIM_VF_TX_IPV4_CKSUM) && l.ip_ver == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + l.l3_off);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	if (flags & (HVSIM_VF_TX_TCP_CKSUM | HVSIM_VF_TX_UDP_CKSUM)) {
		bool tcp = flags & HVSIM_VF_TX_TCP_CKSUM;
		uint8_t *l4 = frame + l.l4_off;
		uint16_t *ck = (uint16_t *)(l4 + (tcp ? 16 : 6));

		if (l.l4_proto != (tcp ? 6 : 17) || l.fragment ||
		    l.l4_len < (tcp ? 20u : 8u) || l.l4_hdr_len == 0)
			return -EINVAL;
		*ck = 0;
		*ck = l.ip_ver == 4 ?
		      rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)(frame + l.l3_off), l4) :
		      rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)(frame + l.l3_off), l4);
	}
	return 0;
}

static int
tx_tso(struct hvsim_vf *vf, const uint8_t *frame, uint32_t len, const struct hvsim_vf_pkt *h)
{
	struct hvsim_ofl_config cfg;
	const struct hvsim_ofl_limits lim = {
		.max_frame = vf->conf.mtu + ETH_LEN, .lso_max = 64 * 1024, .lso_min_segs = 1,
	};
	struct hvsim_lso s;
	const char *why;
	uint32_t req, i;

	hvsim_ofl_config_init(&cfg);
	cfg.lso4 = cfg.lso6 = true;
	req = HV_RNDIS_LSO2_TYPE_V2 | HV_RNDIS_LSO2_MSS(h->tso_segsz) |
	      (len > ETH_LEN && frame[ETH_LEN] >> 4 == 6 ? HV_RNDIS_LSO2_IPV6 : 0);
	if (hvsim_lso_prepare(&s, frame, len, req, &cfg, &lim, &why) < 0)
		return -EINVAL;
	for (i = 0; i < s.nseg; i++)
		tx_out(vf, seg_buf, hvsim_lso_segment(&s, i, seg_buf), h->vlan_tci);
	return 0;
}

static int
tx_record(struct hvsim_vf *vf, const struct hv_ring_pkt *p)
{
	const uint8_t *rec = p->data;
	uint32_t room = p->len - HVSIM_VF_REC_HDR;
	struct hvsim_vf_pkt h;
	uint16_t allowed = 0;

	if (p->desc.type != HV_PKT_DATA_INBAND || p->desc.offset8 * 8u != HVSIM_VF_REC_HDR)
		return -EINVAL;
	memcpy(&h, rec + sizeof(struct hv_pkt_desc), sizeof(h));
	if (h.frame_len < ETH_LEN || h.frame_len > room || h.frame_len > HVSIM_VF_FRAME_MAX)
		return -EINVAL;
	if (vf->conf.offloads & HVSIM_VF_OFL_TX_IPV4_CKSUM)
		allowed |= HVSIM_VF_TX_IPV4_CKSUM;
	if (vf->conf.offloads & HVSIM_VF_OFL_TX_TCP_CKSUM)
		allowed |= HVSIM_VF_TX_TCP_CKSUM;
	if (vf->conf.offloads & HVSIM_VF_OFL_TX_UDP_CKSUM)
		allowed |= HVSIM_VF_TX_UDP_CKSUM;
	if (vf->conf.offloads & HVSIM_VF_OFL_TX_TSO)
		allowed |= HVSIM_VF_TX_TSO;
	if (vf->conf.offloads & HVSIM_VF_OFL_TX_VLAN_INSERT)
		allowed |= HVSIM_VF_TX_VLAN;
	if (h.flags & ~allowed)
		return -EINVAL;	/* asked for an offload it did not enable */
	if (!(h.flags & HVSIM_VF_TX_VLAN))
		h.vlan_tci = 0;
	memcpy(frame_buf, rec + HVSIM_VF_REC_HDR, h.frame_len);
	if (h.flags & HVSIM_VF_TX_TSO)
		return tx_tso(vf, frame_buf, h.frame_len, &h);
	if (h.frame_len > vf->conf.mtu + ETH_LEN + VLAN_LEN)
		return -EINVAL;
	if ((h.flags & ~HVSIM_VF_TX_VLAN) && tx_csum(frame_buf, h.frame_len, h.flags) < 0)
		return -EINVAL;
	tx_out(vf, frame_buf, h.frame_len, h.vlan_tci);
	return 0;
}

static unsigned int
drain_tx_queue(struct hvsim_vf *vf, struct hv_ring *r)
{
	struct hv_ring_pkt p;
	unsigned int n = 0;
	bool sig;
	int ret;

	while (n < TX_BUDGET) {
		ret = hv_ring_peek(r, &p, rec_scratch, sizeof(rec_scratch));
		if (ret == 0)
			break;
		if (ret == -EIO) {
			vf->st.tx_bad++;	/* corrupt indices: nothing more from it */
			break;
		}
		if (ret < 0)
			vf->st.tx_bad++;
		else if (vf->dead)
			vf->st.lost_in_transition++;	/* sent to a dead VF */
		else if (p.len < HVSIM_VF_REC_HDR || tx_record(vf, &p) < 0)
			vf->st.tx_bad++;
		hv_ring_consume(r, p.len);
		n++;
	}
	if (n > 0)
		hv_ring_read_commit(r, &sig);
	return n;
}

unsigned int
vfdev_poll(struct hvsim_vf *vf)
{
	unsigned int work = poll_conf(vf), q;

	if (!running(vf))
		return work;
	for (q = 0; q < vf->conf.nb_tx_queues; q++)
		work += drain_tx_queue(vf, &vf->txr[q]);
	return work;
}

/* ---- wire -> guest ------------------------------------------------------------------- */

/* Toeplitz over what the guest's hash types select (as a NIC computes it). */
static bool
rss_hash(const struct hvsim_vf *vf, const uint8_t *frame, uint32_t len, uint32_t *hash)
{
	uint32_t types = vf->conf.rss_types, tuple[9], n;
	struct hvsim_ofl_layout l;
	bool l4;

	if (types == 0 || hvsim_ofl_parse(frame, len, &l) < 0)
		return false;
	l4 = !l.fragment && l.l4_len >= 4 &&
	     ((l.l4_proto == 6 && (types & (l.ip_ver == 4 ? HVSIM_VF_RSS_TCP4 : HVSIM_VF_RSS_TCP6))) ||
	      (l.l4_proto == 17 && (types & (l.ip_ver == 4 ? HVSIM_VF_RSS_UDP4 : HVSIM_VF_RSS_UDP6))));
	if (!l4 && !(types & (l.ip_ver == 4 ? HVSIM_VF_RSS_IPV4 : HVSIM_VF_RSS_IPV6)))
		return false;
	n = l.ip_ver == 4 ? 2 : 8;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v;

		memcpy(&v, frame + l.l3_off + (l.ip_ver == 4 ? 12 : 8) + 4 * i, 4);
		tuple[i] = rte_be_to_cpu_32(v);
	}
	if (l4) {
		uint32_t v;

		memcpy(&v, frame + l.l4_off, 4);
		tuple[n++] = rte_be_to_cpu_32(v);
	}
	*hash = rte_softrss(tuple, n, vf->conf.rss_key);
	return true;
}

static bool
filter_accepts(const struct hvsim_vf *vf, const uint8_t *dst)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (vf->conf.promisc || memcmp(dst, vf->spec.mac, 6) == 0 ||
	    memcmp(dst, bcast, 6) == 0)
		return true;
	return (dst[0] & 1) && vf->conf.allmulti;
}

static void
rx_offloads(const struct hvsim_vf *vf, const uint8_t *frame, uint32_t len,
	    struct hvsim_vf_pkt *h)
{
	struct hvsim_csum_check chk;

	if (vf->conf.offloads & (HVSIM_VF_OFL_RX_IPV4_CKSUM | HVSIM_VF_OFL_RX_L4_CKSUM)) {
		hvsim_ofl_check(frame, len, &chk);
		if (vf->conf.offloads & HVSIM_VF_OFL_RX_IPV4_CKSUM) {
			h->flags |= chk.ip == HVSIM_CSUM_GOOD ? HVSIM_VF_RX_IP_GOOD : 0;
			h->flags |= chk.ip == HVSIM_CSUM_BAD ? HVSIM_VF_RX_IP_BAD : 0;
		}
		if (vf->conf.offloads & HVSIM_VF_OFL_RX_L4_CKSUM) {
			h->flags |= chk.l4 == HVSIM_CSUM_GOOD ? HVSIM_VF_RX_L4_GOOD : 0;
			h->flags |= chk.l4 == HVSIM_CSUM_BAD ? HVSIM_VF_RX_L4_BAD : 0;
		}
	}
}

/* A tagged frame whose tag the guest did not ask to strip gets it back. */
static uint32_t
reinsert_tag(const uint8_t *frame, uint32_t len, uint16_t tci, uint8_t *out)
{
	memcpy(out, frame, 12);
	out[12] = 0x81;
	out[13] = 0x00;
	out[14] = (uint8_t)(tci >> 8);
	out[15] = (uint8_t)tci;
	memcpy(out + 16, frame + 12, len - 12);
	return len + VLAN_LEN;
}

int
hvsim_vf_deliver(struct hvsim_vf *vf, const uint8_t *frame, uint32_t len, uint16_t vlan_tci)
{
	struct hvsim_vf_pkt h = { 0 };
	struct hv_pkt_desc d = { .type = HV_PKT_DATA_INBAND, .offset8 = HVSIM_VF_REC_HDR / 8 };
	static const uint8_t pad[8];
	struct iovec iov[4];
	uint32_t q = 0, hash, total;
	bool sig;

	if (!vf->dev_present || vf->dead ||
	    vf->shm->host.recovery == HVSIM_VF_RECOVERY_RUNNING) {
		vf->st.lost_in_transition++;
		return -ENODEV;
	}
	if (!running(vf)) {
		vf->st.rx_dropped_stopped++;
		return -ENETDOWN;
	}
	if (vf->cfg.only && !filter_accepts(vf, frame)) {
		vf->st.rx_dropped_filter++;
		return -EPERM;
	}
	if (len > vf->conf.mtu + ETH_LEN) {
		vf->st.rx_dropped_oversize++;
		return -EMSGSIZE;
	}
	if (vlan_tci && (vf->conf.offloads & HVSIM_VF_OFL_RX_VLAN_STRIP)) {
		h.flags |= HVSIM_VF_RX_VLAN;
		h.vlan_tci = vlan_tci;
	} else if (vlan_tci) {
		len = reinsert_tag(frame, len, vlan_tci, frame_buf);
		frame = frame_buf;
	}
	if (rss_hash(vf, frame, len, &hash)) {
		q = vf->conf.reta[hash % HVSIM_VF_RETA_SIZE];
		if (vf->conf.offloads & HVSIM_VF_OFL_RX_RSS_HASH) {
			h.flags |= HVSIM_VF_RX_RSS_HASH;
			h.rss_hash = hash;
		}
	}
	rx_offloads(vf, frame, len, &h);
	h.frame_len = len;
	total = HVSIM_VF_REC_HDR + len;
	d.len8 = (uint16_t)((total + 7) / 8);
	d.trans_id = ++vf->tx_seq;
	iov[0] = (struct iovec){ &d, sizeof(d) };
	iov[1] = (struct iovec){ &h, sizeof(h) };
	iov[2] = (struct iovec){ (void *)(uintptr_t)frame, len };
	iov[3] = (struct iovec){ (void *)(uintptr_t)pad, d.len8 * 8u - total };
	if (hv_ring_write(&vf->rxr[q], iov, 4, &sig) < 0) {
		vf->st.rx_dropped_ring++;
		return -ENOBUFS;
	}
	vf->st.rx_frames++;
	vf->st.rx_bytes += len;
	vf->rxq_frames[q]++;
	return 0;
}

/* Records on a ring from offset `from` on, counted on a copy of the
 * ring (its owner's view is untouched). */
static uint32_t
records_from(const struct hv_ring *ring, uint32_t from)
{
	struct hv_ring r = *ring;
	struct hv_ring_pkt p;
	uint32_t seen = 0;

	if (from >= r.dsize || (from & 7))
		return 0;	/* guest wrote nonsense: nothing countable */
	r.read_cursor = from;
	r.windex_seen = from;
	while (seen < 1u << 20 && hv_ring_peek(&r, &p, rec_scratch, sizeof(rec_scratch)) == 1) {
		hv_ring_consume(&r, p.len);
		seen++;
	}
	return seen;
}

/* Records the guest has not read yet, on every RX ring. */
uint64_t
vfdev_rx_pending(const struct hvsim_vf *vf)
{
	uint64_t n = 0;
	uint32_t q;

	if (!vf->dev_present)
		return 0;
	for (q = 0; q < vf->cfg.queues; q++)
		n += records_from(&vf->rxr[q], __atomic_load_n(&vf->rxr[q].hdr->read_index,
							       __ATOMIC_ACQUIRE));
	return n;
}

/* Records the guest sent that we have not read yet, on every TX ring. */
uint64_t
vfdev_tx_pending(const struct hvsim_vf *vf)
{
	uint64_t n = 0;
	uint32_t q;

	if (!vf->dev_present)
		return 0;
	for (q = 0; q < vf->cfg.queues; q++)
		n += records_from(&vf->txr[q], vf->txr[q].read_cursor);
	return n;
}
