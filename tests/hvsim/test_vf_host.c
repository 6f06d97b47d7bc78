/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * hvsim's VF host rules (vf/vf.c, vf/vfdev.c, protocol doc §G), without a
 * guest process: a NIC in memory with a channel ring, a receive buffer and
 * a send buffer, driven through its NVSP path as a guest drives it (NVSP
 * messages written into the guest->host ring, vsp_nvsp_drain(), what the
 * host wrote read back from the host->guest ring). The VF's PCI tree goes
 * to a temporary bus root; the test maps the device's resource0 as the
 * guest's PMD does, to write the guest configuration, read the host state
 * and drain the VF's receive ring.
 *
 *   offer     VF_ASSOCIATION(1, serial) with RC only after NVSP >= 0x40000,
 *             the SR-IOV bit in NDIS_CONFIG and a successful RNDIS
 *             INITIALIZE; the PCI device --vf-delay after it (or before,
 *             when negative)
 *   switch    the guest's SWITCH_DATA_PATH: RC honoured, a switch without
 *             an offered VF is a violation; the late / never / fail modes
 *   removal   orderly (steer, 129(synthetic), VF_ASSOCIATION(0), wait for
 *             the guest's switch back and drain or the deadline, revoke)
 *             and surprise (revoke first, frames lost, same messages)
 *   steering  unicast to the NIC's MAC only, only while switched
 *   recovery  RUNNING, then OK or FAILED (a failed VF loses frames)
 *   and       a guest ring full of other traffic (flow control: host
 *             messages wait, no violation), host messages never completed,
 *             frames lost on either ring at a revocation, sessions that end
 *             and begin, races between switches and removals, NIC 1's names
 *
 * Timing: --vf-delay, late switches, the drain deadline and recovery are
 * checked with short times (100 ms; the deadline through
 * hvsim_vf_config.drain_timeout_ms) and bounds that hold on a loaded
 * machine (poll_until()).
 */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hv_nvsp_wire.h"
#include "hv_rndis_wire.h"
#include "vf/vf.h"
#include "vf/vf_internal.h"
#include "vmbus/nic.h"
#include "vsp/vsp.h"
#include "wire/vswitch.h"

#define RING_HALF	(4096 + (256u << 10))
#define RECV_BUF	(4u << 20)
#define SLOT		1728u
#define SECTION		6144u
#define SEND_BUF	(16u * SECTION)
#define RECV_GPADL	0xe1e10u
#define SEND_GPADL	0xe1e11u
#define VF_QUEUES	2u
#define MS		(1000ull * 1000ull)
#define SLACK_MS	2000	/* a loaded machine: how late a due event may be seen */

static const uint8_t nic_mac[6] = { 0x00, 0x15, 0x5d, 0x42, 0x00, 0x10 };

/* ---- the wire: a stub of the switch counts what the VF sends -------------- */

static unsigned int nwire;

void
hvsim_vswitch_tx(struct hvsim_vswitch *vs, int port, const uint8_t *frame, uint32_t len,
		 uint16_t vlan_tci)
{
	(void)vs;
	(void)port;
	(void)frame;
	(void)len;
	(void)vlan_tci;
	nwire++;
}

/* ---- fixture: one NIC, its primary channel, buffers, a bus root ------------- */

struct fx {
	struct hvsim_nic nic;
	struct hvsim_chan chan;
	void *ring;
	struct hv_ring guest_in;	/* host -> guest, as the guest reads it */
	struct hv_ring guest_out;	/* guest -> host, as the guest writes it */
	uint8_t scratch[8192];
	uint64_t next_xid;
	char root[64];			/* the guest's /sys/bus */
	char bdf[16];			/* the VF of NIC i: 7870+i:00:02.0 */
	uint32_t serial;		/* and its serial, 1 + i */
	struct hvsim_vf_config cfg;
	struct hvsim_vf *vf;
	/* the guest's view of the VF's BAR (the PMD's mapping) */
	struct hvsim_vf_shm *bar;
	uint64_t bar_size;
	struct hv_ring vf_rx;		/* RX ring of queue 0, as the PMD reads it */
	int saved_irq_fd;		/* while no session is open */
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct hvsim_nic *nic;

	assert_non_null(fx);
	nic = &fx->nic;
	fx->ring = aligned_alloc(4096, 2 * RING_HALF);
	assert_non_null(fx->ring);
	assert_int_equal(hvsim_chan_attach(&fx->chan, fx->ring, 2 * RING_HALF, 14, 0, -1), 0);
	assert_int_equal(hv_ring_attach(&fx->guest_out, fx->ring, RING_HALF), 0);
	assert_int_equal(hv_ring_attach(&fx->guest_in, (uint8_t *)fx->ring + RING_HALF,
					RING_HALF), 0);
	memcpy(nic->cfg.mac, nic_mac, 6);
	nic->cfg.mtu = 1500;
	nic->cfg.link_up = true;
	nic->cfg.nvsp_max = HV_NVSP_PROTO_V61;
	nic->cfg.rx_slot_size = SLOT;
	nic->cfg.tx_section_size = SECTION;
	nic->cfg.lso_max = 62780;
	nic->cfg.lso_min_segs = 2;
	nic->cfg.spec.recv_gpadl = RECV_GPADL;
	nic->cfg.spec.send_gpadl = SEND_GPADL;
	nic->region[HV_UIO_RECV_BUF] = calloc(1, RECV_BUF);
	nic->region_size[HV_UIO_RECV_BUF] = RECV_BUF;
	nic->region[HV_UIO_SEND_BUF] = calloc(1, SEND_BUF);
	nic->region_size[HV_UIO_SEND_BUF] = SEND_BUF;
	nic->slot_count = RECV_BUF / SLOT;
	nic->slot_busy = calloc(nic->slot_count, 1);
	nic->slot_run = calloc(nic->slot_count, sizeof(*nic->slot_run));
	nic->rsc = calloc(1, sizeof(*nic->rsc));
	assert_non_null(nic->region[HV_UIO_RECV_BUF]);
	assert_non_null(nic->region[HV_UIO_SEND_BUF]);
	assert_non_null(nic->rsc);
	/* a session is open (vf.c talks only to a guest that opened the
	 * device); signals go nowhere: the channel's own irq_fd stays -1 */
	nic->irq_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(nic->irq_fd >= 0);
	nic->chan[0] = &fx->chan;
	nic->nchan = 1;
	vsp_nvsp_reset(nic);
	vsp_rndis_reset(nic);
	vsp_rxbuf_reset(nic);
	hvsim_ofl_config_init(&nic->offload);

	snprintf(fx->root, sizeof(fx->root), "/tmp/test_vf_host.XXXXXX");
	assert_non_null(mkdtemp(fx->root));
	fx->cfg.enabled = true;
	fx->cfg.delay_ms = 0;
	fx->cfg.queues = VF_QUEUES;
	fx->cfg.offloads = hvsim_vf_default_offloads();
	fx->cfg.mtu = 9000;
	fx->cfg.bus_root = fx->root;
	nwire = 0;
	*state = fx;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	hvsim_vf_destroy(fx->vf);
	if (fx->bar != NULL)
		munmap(fx->bar, fx->bar_size);
	nftw(fx->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	close(fx->nic.irq_fd);
	free(fx->nic.region[HV_UIO_RECV_BUF]);
	free(fx->nic.region[HV_UIO_SEND_BUF]);
	free(fx->nic.slot_busy);
	free(fx->nic.slot_run);
	free(fx->nic.rsc);
	free(fx->ring);
	free(fx);
	return 0;
}

static void
make_vf(struct fx *fx)
{
	snprintf(fx->bdf, sizeof(fx->bdf), "%04x:00:02.0", 0x7870 + fx->nic.index);
	fx->serial = 1u + (uint32_t)fx->nic.index;
	fx->vf = hvsim_vf_create(&fx->nic, &fx->cfg, NULL);
	assert_non_null(fx->vf);
	fx->nic.vf = fx->vf;
}

/* ---- time --------------------------------------------------------------------- */

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* ---- the PCI tree ------------------------------------------------------------- */

static bool
device_present(const struct fx *fx)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/pci/devices/%s/resource0", fx->root, fx->bdf);
	return stat(path, &st) == 0;
}

static bool
device_dir_present(const struct fx *fx)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/pci/devices/%s", fx->root, fx->bdf);
	return stat(path, &st) == 0;
}

/* Poll the VF (and the NIC's ring) until the device shows, at most max_ms.
 * Returns the ms it took, or -1. */
static int64_t
wait_device(struct fx *fx, unsigned int max_ms)
{
	uint64_t t0 = mono_ns();

	do {
		hvsim_vf_poll(fx->vf);
		if (device_present(fx))
			return (int64_t)((mono_ns() - t0) / MS);
		sleep_ms(1);
	} while (mono_ns() - t0 < max_ms * MS);
	return -1;
}

/*
 * Poll the VF until cond holds (at most SLACK_MS after t0); the ms since
 * t0, measured after the poll that made it hold, or -1. The event is due
 * not_before_ms after t0 at the earliest (t0 was read before the call
 * that set it up), so it must not hold after any poll that ended sooner:
 * asserted, whatever the machine's scheduling.
 */
static int64_t
poll_until(struct fx *fx, uint64_t t0, unsigned int not_before_ms, bool (*cond)(struct fx *))
{
	for (;;) {
		bool hit;
		uint64_t elapsed;

		hvsim_vf_poll(fx->vf);
		hit = cond(fx);
		elapsed = mono_ns() - t0;
		if (hit) {
			if (elapsed < not_before_ms * MS)
				print_error("seen after %llu ms, due after %u ms\n",
					    (unsigned long long)(elapsed / MS), not_before_ms);
			assert_true(elapsed >= not_before_ms * MS);
			return (int64_t)(elapsed / MS);
		}
		if (elapsed > (not_before_ms + SLACK_MS) * MS)
			return -1;
		sleep_ms(1);
	}
}

static bool
cond_device(struct fx *fx)
{
	return device_present(fx);
}

static bool
cond_device_gone(struct fx *fx)
{
	return !device_dir_present(fx);
}

static bool cond_guest_has_mail(struct fx *fx);

/* ---- the guest side of the channel ---------------------------------------- */

/* Write one packet into the guest->host ring and let the host read it. */
static void
guest_send(struct fx *fx, uint16_t type, uint16_t flags, uint64_t xid, const void *msg,
	   uint32_t len)
{
	static const uint8_t pad[8];
	struct hv_pkt_desc d = {
		.type = type,
		.offset8 = sizeof(d) / 8,
		.len8 = (uint16_t)((sizeof(d) + len + 7) / 8),
		.flags = flags,
		.trans_id = xid,
	};
	struct iovec iov[3] = {
		{ &d, sizeof(d) },
		{ (void *)(uintptr_t)msg, len },
		{ (void *)(uintptr_t)pad, d.len8 * 8u - sizeof(d) - len },
	};
	bool sig = false;

	assert_int_equal(hv_ring_write(&fx->guest_out, iov, 3, &sig), 0);
	assert_int_equal(vsp_nvsp_drain(&fx->nic, &fx->chan, 64), 1);
}

/* An NVSP message as netvsc guests send them: padded to 40 bytes. */
static uint64_t
guest_nvsp(struct fx *fx, const void *msg, uint32_t len, bool rc)
{
	uint8_t buf[HV_NVSP_MSG_SIZE] = { 0 };
	uint64_t xid = ++fx->next_xid;

	memcpy(buf, msg, len);
	guest_send(fx, HV_PKT_DATA_INBAND, rc ? HV_PKT_FLAG_COMPLETION_REQUESTED : 0, xid, buf,
		   sizeof(buf));
	return xid;
}

static void
guest_complete(struct fx *fx, uint64_t xid, const void *msg, uint32_t len)
{
	guest_send(fx, HV_PKT_COMPLETION, 0, xid, msg, len);
}

/* What the host wrote, as a guest reads it. */
struct host_pkt {
	uint16_t type;			/* HV_PKT_* */
	uint16_t flags;
	uint64_t xid;
	uint32_t plen;			/* payload after the descriptor */
	uint8_t payload[64];
	uint32_t nvsp_type;		/* first u32 of the payload, 0 if none */
	uint32_t rndis_type;		/* XFER_PAGES: the RNDIS message's type */
	uint32_t rndis_status;		/* and its status (completions) */
};

/* Next host packet: 0 when the ring is empty. A transfer-page packet is
 * read from the receive buffer and completed as a guest completes it. */
static int
host_next(struct fx *fx, struct host_pkt *hp)
{
	struct hv_ring_pkt pkt;
	const uint8_t *b;
	bool sig = false;
	int ret;

	memset(hp, 0, sizeof(*hp));
	ret = hv_ring_peek(&fx->guest_in, &pkt, fx->scratch, sizeof(fx->scratch));
	if (ret == 0)
		return 0;
	assert_int_equal(ret, 1);
	b = pkt.data;
	hp->type = pkt.desc.type;
	hp->flags = pkt.desc.flags;
	hp->xid = pkt.desc.trans_id;
	hp->plen = pkt.len - pkt.desc.offset8 * 8u;
	memcpy(hp->payload, b + pkt.desc.offset8 * 8u,
	       hp->plen < sizeof(hp->payload) ? hp->plen : sizeof(hp->payload));
	if (hp->plen >= 4)
		memcpy(&hp->nvsp_type, hp->payload, 4);
	if (hp->type == HV_PKT_DATA_XFER_PAGES) {
		struct hv_xfer_page_hdr h;
		struct hv_xfer_range r;
		const uint8_t *rbuf = fx->nic.region[HV_UIO_RECV_BUF];

		memcpy(&h, b, sizeof(h));
		assert_int_equal(h.range_cnt, 1);
		memcpy(&r, b + sizeof(h), sizeof(r));
		assert_true((uint64_t)r.byte_offset + r.byte_count <= RECV_BUF);
		memcpy(&hp->rndis_type, rbuf + r.byte_offset, 4);
		if (r.byte_count >= 16)
			memcpy(&hp->rndis_status, rbuf + r.byte_offset + 12, 4);
	}
	hv_ring_consume(&fx->guest_in, pkt.len);
	hv_ring_read_commit(&fx->guest_in, &sig);
	if (hp->type == HV_PKT_DATA_XFER_PAGES) {
		struct hv_nvsp_rndis_pkt_complete c = {
			.type = HV_NVSP_MSG_RNDIS_PKT_COMPLETE, .status = HV_NVSP_STATUS_SUCCESS,
		};

		guest_complete(fx, hp->xid, &c, sizeof(c));
	}
	return 1;
}

static bool
cond_guest_has_mail(struct fx *fx)
{
	return hv_ring_readable(&fx->guest_in) > 0;
}

static void
expect_empty(struct fx *fx)
{
	struct host_pkt hp;

	assert_int_equal(host_next(fx, &hp), 0);
}

/* The next host packet is the completion of xid with an NVSP status. */
static void
expect_nvsp_completion(struct fx *fx, uint64_t xid, uint32_t type, uint32_t status_off,
		       uint32_t status)
{
	struct host_pkt hp;
	uint32_t st;

	assert_int_equal(host_next(fx, &hp), 1);
	assert_int_equal(hp.type, HV_PKT_COMPLETION);
	assert_int_equal(hp.xid, xid);
	assert_int_equal(hp.nvsp_type, type);
	memcpy(&st, hp.payload + status_off, 4);
	assert_int_equal(st, status);
}

/* The next host packet is an empty completion of xid (§G.1). */
static void
expect_empty_completion(struct fx *fx, uint64_t xid)
{
	struct host_pkt hp;

	assert_int_equal(host_next(fx, &hp), 1);
	assert_int_equal(hp.type, HV_PKT_COMPLETION);
	assert_int_equal(hp.xid, xid);
	assert_int_equal(hp.plen, 0);
}

/* The next host packet is VF_ASSOCIATION(allocated, serial) with RC;
 * returns its xid. */
static uint64_t
expect_assoc(struct fx *fx, uint32_t allocated)
{
	struct hv_nvsp_vf_assoc m;
	struct host_pkt hp;

	assert_int_equal(host_next(fx, &hp), 1);
	assert_int_equal(hp.type, HV_PKT_DATA_INBAND);
	assert_int_equal(hp.flags, HV_PKT_FLAG_COMPLETION_REQUESTED);
	assert_int_equal(hp.plen, HV_NVSP_MSG_SIZE);
	memcpy(&m, hp.payload, sizeof(m));
	assert_int_equal(m.type, HV_NVSP_MSG_VF_ASSOC);
	assert_int_equal(m.allocated, allocated);
	assert_int_equal(m.serial, fx->serial);
	assert_true(hp.xid != 0);
	return hp.xid;
}

/* The next host packet is the host's SWITCH_DATA_PATH(synthetic) with RC. */
static uint64_t
expect_host_switch(struct fx *fx)
{
	struct hv_nvsp_switch_datapath m;
	struct host_pkt hp;

	assert_int_equal(host_next(fx, &hp), 1);
	assert_int_equal(hp.type, HV_PKT_DATA_INBAND);
	assert_int_equal(hp.flags, HV_PKT_FLAG_COMPLETION_REQUESTED);
	assert_int_equal(hp.plen, HV_NVSP_MSG_SIZE);
	memcpy(&m, hp.payload, sizeof(m));
	assert_int_equal(m.type, HV_NVSP_MSG_SWITCH_DATAPATH);
	assert_int_equal(m.active_datapath, HV_NVSP_DATAPATH_SYNTHETIC);
	assert_true(hp.xid != 0);
	return hp.xid;
}

/* The host->guest ring full of other traffic (a guest that does not read
 * its primary channel for a while): packets written. */
static unsigned int
fill_guest_ring(struct fx *fx)
{
	static uint8_t junk[4000];
	unsigned int n = 0;

	while (hvsim_chan_send(&fx->chan, HV_PKT_DATA_INBAND, 0, 0, junk, sizeof(junk)) == 0)
		n++;
	assert_true(n > 10);
	while (hvsim_chan_send(&fx->chan, HV_PKT_DATA_INBAND, 0, 0, junk, 8) == 0)
		n++;	/* not even a bare NVSP message fits now */
	return n;
}

/* The guest reads what fill_guest_ring() put there. */
static void
skip_filler(struct fx *fx, unsigned int n)
{
	struct host_pkt hp;

	while (n-- > 0) {
		assert_int_equal(host_next(fx, &hp), 1);
		assert_int_equal(hp.type, HV_PKT_DATA_INBAND);
		assert_int_equal(hp.xid, 0);
	}
}

/* ---- the guest's NVSP handshake -------------------------------------------- */

/* Poll the VF a few times: a VF_ASSOCIATION that must not come yet would
 * be on the ring after this. */
static void
poll_vf(struct fx *fx, unsigned int ms)
{
	uint64_t t0 = mono_ns();

	do {
		hvsim_vf_poll(fx->vf);
		if (ms > 0)
			sleep_ms(1);
	} while (mono_ns() - t0 < ms * MS);
}

static void
nvsp_init(struct fx *fx, uint32_t version)
{
	struct hv_nvsp_init m = { HV_NVSP_MSG_INIT, version, version };
	uint64_t xid = guest_nvsp(fx, &m, sizeof(m), true);

	expect_nvsp_completion(fx, xid, HV_NVSP_MSG_INIT_COMPLETE,
			       offsetof(struct hv_nvsp_init_complete, status),
			       HV_NVSP_STATUS_SUCCESS);
	assert_int_equal(fx->nic.nvsp_version, version);
}

static void
nvsp_ndis_config(struct fx *fx, uint64_t caps)
{
	struct hv_nvsp_ndis_config m = {
		.type = HV_NVSP_MSG_NDIS_CONFIG, .mtu = 1500 + HV_NVSP_NDIS_CONFIG_MTU_ADJ,
		.capab = caps,
	};

	guest_nvsp(fx, &m, sizeof(m), false);
	assert_int_equal(fx->nic.ndis_caps, caps);
}

static void
nvsp_ndis_ver_and_buffers(struct fx *fx, uint32_t version)
{
	uint32_t ndis = version >= HV_NVSP_PROTO_V5 ? HV_NDIS_VERSION_6_30 : HV_NDIS_VERSION_6_1;
	struct hv_nvsp_ndis_ver v = {
		HV_NVSP_MSG_NDIS_VER, HV_NDIS_VERSION_MAJOR(ndis), HV_NDIS_VERSION_MINOR(ndis),
	};
	struct hv_nvsp_rxbuf_conn rx = { HV_NVSP_MSG_RXBUF_CONN, RECV_GPADL, HV_NVSP_RXBUF_ID };
	struct hv_nvsp_chim_conn tx = { HV_NVSP_MSG_CHIM_CONN, SEND_GPADL, HV_NVSP_CHIM_ID };
	uint64_t xid;

	guest_nvsp(fx, &v, sizeof(v), false);
	xid = guest_nvsp(fx, &rx, sizeof(rx), true);
	expect_nvsp_completion(fx, xid, HV_NVSP_MSG_RXBUF_CONN_RESP,
			       offsetof(struct hv_nvsp_rxbuf_conn_resp, status),
			       HV_NVSP_STATUS_SUCCESS);
	xid = guest_nvsp(fx, &tx, sizeof(tx), true);
	expect_nvsp_completion(fx, xid, HV_NVSP_MSG_CHIM_CONN_RESP,
			       offsetof(struct hv_nvsp_chim_conn_resp, status),
			       HV_NVSP_STATUS_SUCCESS);
}

/* RNDIS INITIALIZE in send-buffer section 0 (len 24, or a short one). */
static void
rndis_initialize(struct fx *fx, uint32_t len, bool expect_ok)
{
	struct hv_rndis_init_msg m = {
		.type = HV_RNDIS_INITIALIZE_MSG, .len = len, .rid = 1,
		.ver_major = HV_RNDIS_VERSION_MAJOR, .ver_minor = HV_RNDIS_VERSION_MINOR,
		.max_xfer_size = 0x4000,
	};
	struct hv_nvsp_rndis_pkt p = {
		.type = HV_NVSP_MSG_RNDIS_PKT, .chan_type = HV_NVSP_CHAN_CONTROL,
		.chim_idx = 0, .chim_sz = len,
	};
	struct host_pkt hp;
	uint64_t xid;

	memcpy(fx->nic.region[HV_UIO_SEND_BUF], &m, len);
	xid = guest_nvsp(fx, &p, sizeof(p), true);
	if (expect_ok) {
		/* INITIALIZE_CMPLT through the receive buffer, then the 108 */
		assert_int_equal(host_next(fx, &hp), 1);
		assert_int_equal(hp.type, HV_PKT_DATA_XFER_PAGES);
		assert_int_equal(hp.rndis_type, HV_RNDIS_INITIALIZE_CMPLT);
		assert_int_equal(hp.rndis_status, HV_RNDIS_STATUS_SUCCESS);
	}
	expect_nvsp_completion(fx, xid, HV_NVSP_MSG_RNDIS_PKT_COMPLETE,
			       offsetof(struct hv_nvsp_rndis_pkt_complete, status),
			       expect_ok ? HV_NVSP_STATUS_SUCCESS : HV_NVSP_STATUS_FAILED);
}

/*
 * The guest's whole bring-up, the VF polled after every step: nothing but
 * the replies may be on the ring until RNDIS INITIALIZE succeeded.
 */
static void
guest_bringup(struct fx *fx, uint32_t version, uint64_t caps)
{
	poll_vf(fx, 0);
	expect_empty(fx);
	nvsp_init(fx, version);
	poll_vf(fx, 0);
	expect_empty(fx);
	if (version >= HV_NVSP_PROTO_V2) {
		nvsp_ndis_config(fx, caps);
		poll_vf(fx, 0);
		expect_empty(fx);
	}
	nvsp_ndis_ver_and_buffers(fx, version);
	poll_vf(fx, 0);
	expect_empty(fx);
	rndis_initialize(fx, sizeof(struct hv_rndis_init_msg), true);
}

#define CAPS_SRIOV	(HV_NVSP_NDIS_CAP_SRIOV | 0x08ull /* IEEE 802.1Q */)

/* A bring-up that ends with the VF offered (delay 0): returns the
 * association's xid. */
static uint64_t
offer(struct fx *fx)
{
	uint64_t xid;

	make_vf(fx);
	guest_bringup(fx, HV_NVSP_PROTO_V61, CAPS_SRIOV);
	poll_vf(fx, 0);
	xid = expect_assoc(fx, 1);
	assert_true(wait_device(fx, 1000) >= 0);
	poll_vf(fx, 0);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "offered");
	expect_empty(fx);
	return xid;
}

static uint64_t
guest_switch(struct fx *fx, uint32_t path, bool rc)
{
	struct hv_nvsp_switch_datapath m = { HV_NVSP_MSG_SWITCH_DATAPATH, path };

	return guest_nvsp(fx, &m, sizeof(m), rc);
}

/* ---- the guest's PMD: the BAR -------------------------------------------- */

static void
bar_map(struct fx *fx)
{
	char path[256];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/pci/devices/%s/resource0", fx->root, fx->bdf);
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, hvsim_vf_bar_size(VF_QUEUES));
	fx->bar_size = (uint64_t)st.st_size;
	fx->bar = mmap(NULL, fx->bar_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	assert_true(fx->bar != MAP_FAILED);
	assert_int_equal(fx->bar->caps.magic, HVSIM_VF_MAGIC);
	assert_int_equal(fx->bar->caps.max_queues, VF_QUEUES);
	assert_int_equal(fx->bar->caps.serial, fx->serial);
	assert_memory_equal(fx->bar->caps.mac, nic_mac, 6);
	assert_int_equal(fx->bar->host.gone, 0);
	assert_int_equal(hv_ring_attach(&fx->vf_rx, (uint8_t *)fx->bar +
					hvsim_vf_ring_offset(&fx->bar->caps, 0, 0),
					fx->bar->caps.ring_stride), 0);
}

/* The PMD's dev_start (dev_stop with 0): one queue pair, MTU 1500, no RSS,
 * no offloads, written as the seqlock of vf_shm.h; finish false leaves
 * the write open (conf_seq odd). */
static void
bar_conf(struct fx *fx, uint32_t started, bool finish)
{
	struct hvsim_vf_guest_conf *g = &fx->bar->guest;

	__atomic_fetch_add(&g->conf_seq, 1, __ATOMIC_RELAXED);	/* odd: writing */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	g->started = started;
	g->nb_rx_queues = 1;
	g->nb_tx_queues = 1;
	g->mtu = 1500;
	g->promisc = 0;
	g->allmulti = 0;
	g->rss_types = 0;
	g->offloads = 0;
	memset(g->reta, 0, sizeof(g->reta));
	if (finish)
		__atomic_fetch_add(&g->conf_seq, 1, __ATOMIC_RELEASE);	/* even: complete */
	hvsim_vf_poll(fx->vf);
}

static void
bar_start(struct fx *fx, uint32_t started)
{
	bar_conf(fx, started, true);
}

/* The PMD's rx_burst on queue 0: frames read (and checked to be
 * `want` of length len each). */
static unsigned int
bar_drain_rx(struct fx *fx, const uint8_t *want, uint32_t len)
{
	static uint8_t scratch[HVSIM_VF_REC_HDR + HVSIM_VF_FRAME_MAX + 8];
	struct hv_ring_pkt p;
	unsigned int n = 0;
	bool sig;

	while (hv_ring_peek(&fx->vf_rx, &p, scratch, sizeof(scratch)) == 1) {
		struct hvsim_vf_pkt h;

		assert_int_equal(p.desc.type, HV_PKT_DATA_INBAND);
		assert_int_equal(p.desc.offset8 * 8u, HVSIM_VF_REC_HDR);
		memcpy(&h, (const uint8_t *)p.data + sizeof(struct hv_pkt_desc), sizeof(h));
		assert_int_equal(h.frame_len, len);
		assert_memory_equal((const uint8_t *)p.data + HVSIM_VF_REC_HDR, want, len);
		hv_ring_consume(&fx->vf_rx, p.len);
		n++;
	}
	if (n > 0)
		hv_ring_read_commit(&fx->vf_rx, &sig);
	return n;
}

/* The PMD's tx_burst on queue 0: one record per frame. */
static void
bar_tx(struct fx *fx, const uint8_t *frame, uint32_t len, unsigned int n)
{
	struct hv_ring txr;
	unsigned int i;

	assert_int_equal(hv_ring_attach(&txr, (uint8_t *)fx->bar +
					hvsim_vf_ring_offset(&fx->bar->caps, 0, 1),
					fx->bar->caps.ring_stride), 0);
	for (i = 0; i < n; i++) {
		static const uint8_t pad[8];
		struct hvsim_vf_pkt h = { .frame_len = len };
		uint32_t total = HVSIM_VF_REC_HDR + len;
		struct hv_pkt_desc d = {
			.type = HV_PKT_DATA_INBAND, .offset8 = HVSIM_VF_REC_HDR / 8,
			.len8 = (uint16_t)((total + 7) / 8), .trans_id = i + 1,
		};
		struct iovec iov[4] = {
			{ &d, sizeof(d) }, { &h, sizeof(h) },
			{ (void *)(uintptr_t)frame, len },
			{ (void *)(uintptr_t)pad, d.len8 * 8u - total },
		};
		bool sig;

		assert_int_equal(hv_ring_write(&txr, iov, 4, &sig), 0);
	}
}

/* A unicast frame to dst. */
static uint32_t
frame_to(uint8_t *f, const uint8_t *dst, uint8_t seed)
{
	uint32_t i, len = 96;

	memcpy(f, dst, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x07", 6);
	f[12] = 0x88;	/* local experimental ethertype: nothing to parse */
	f[13] = 0xb5;
	for (i = 14; i < len; i++)
		f[i] = (uint8_t)(seed + i);
	return len;
}

/* ---- capturing the log: the removal order is what it says, in order ------- */

struct logcap {
	int saved;
	FILE *f;
	char text[8192];
};

static void
log_begin(struct logcap *l)
{
	fflush(stderr);
	l->f = tmpfile();
	assert_non_null(l->f);
	l->saved = dup(STDERR_FILENO);
	assert_true(l->saved >= 0);
	assert_true(dup2(fileno(l->f), STDERR_FILENO) >= 0);
}

static void
log_end(struct logcap *l)
{
	size_t n;

	fflush(stderr);
	assert_true(dup2(l->saved, STDERR_FILENO) >= 0);
	close(l->saved);
	rewind(l->f);
	n = fread(l->text, 1, sizeof(l->text) - 1, l->f);
	l->text[n] = '\0';
	fclose(l->f);
	fputs(l->text, stderr);	/* still shown */
}

/* The lines appear in the log in this order (each once at least). */
static void
log_order(const struct logcap *l, const char *const *lines, unsigned int n)
{
	const char *pos = l->text;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const char *at = strstr(pos, lines[i]);

		if (at == NULL)
			print_error("log line missing or out of order: %s\n", lines[i]);
		assert_non_null(at);
		pos = at + strlen(lines[i]);
	}
}

/* ======================================================================= */
/* (1) VF_ASSOCIATION and the device                                        */
/* ======================================================================= */

/* Not before RNDIS INITIALIZE succeeded; then with RC, allocated 1, the
 * serial; the device at the next poll with --vf-delay 0. */
static void
test_assoc_after_rndis_init(void **state)
{
	struct fx *fx = *state;

	make_vf(fx);
	poll_vf(fx, 0);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "offering");
	nvsp_init(fx, HV_NVSP_PROTO_V61);
	nvsp_ndis_config(fx, CAPS_SRIOV);
	nvsp_ndis_ver_and_buffers(fx, HV_NVSP_PROTO_V61);
	poll_vf(fx, 5);
	expect_empty(fx);
	/* an INITIALIZE that fails (too short) offers nothing */
	rndis_initialize(fx, 16, false);
	assert_int_equal(fx->nic.stats.violations, 1);
	poll_vf(fx, 5);
	expect_empty(fx);
	assert_false(device_dir_present(fx));
	rndis_initialize(fx, sizeof(struct hv_rndis_init_msg), true);
	hvsim_vf_poll(fx->vf);
	expect_assoc(fx, 1);
	expect_empty(fx);
	/* the device comes after the association, not with it */
	assert_false(device_dir_present(fx));
	hvsim_vf_poll(fx->vf);
	assert_true(device_present(fx));
	assert_string_equal(hvsim_vf_state_name(fx->vf), "offered");
	bar_map(fx);
	/* one association per session */
	poll_vf(fx, 5);
	expect_empty(fx);
	assert_int_equal(fx->vf->st.offers, 1);
	assert_int_equal(fx->vf->st.violations, 0);
	assert_int_equal(fx->nic.stats.violations, 1);
}

/* --vf-delay 100: the device appears 100 ms after the association. */
static void
test_device_after_delay(void **state)
{
	struct fx *fx = *state;
	uint64_t t0;
	int64_t ms;

	fx->cfg.delay_ms = 100;
	make_vf(fx);
	guest_bringup(fx, HV_NVSP_PROTO_V61, CAPS_SRIOV);
	t0 = mono_ns();
	hvsim_vf_poll(fx->vf);
	expect_assoc(fx, 1);
	assert_false(device_dir_present(fx));
	assert_string_equal(hvsim_vf_state_name(fx->vf), "offering");
	ms = poll_until(fx, t0, 100, cond_device);
	print_message("# device %lld ms after VF_ASSOCIATION\n", (long long)ms);
	assert_true(ms >= 100);
	poll_vf(fx, 0);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "offered");
	expect_empty(fx);
	assert_int_equal(fx->vf->st.offers, 1);
}

/* --vf-delay -100: the device first, the association 100 ms later. */
static void
test_device_before_assoc(void **state)
{
	struct fx *fx = *state;
	struct host_pkt hp;
	uint64_t t_dev;
	int64_t ms;

	/* the device is due at once, the association 100 ms after that */
	fx->cfg.delay_ms = -100;
	t_dev = mono_ns();
	make_vf(fx);
	hvsim_vf_poll(fx->vf);
	assert_true(device_present(fx));
	assert_string_equal(hvsim_vf_state_name(fx->vf), "offering");
	guest_bringup(fx, HV_NVSP_PROTO_V61, CAPS_SRIOV);
	/* the guest is ready now, but the association waits for its time */
	ms = poll_until(fx, t_dev, 100, cond_guest_has_mail);
	print_message("# VF_ASSOCIATION %lld ms after the device was due\n", (long long)ms);
	assert_true(ms >= 100);
	expect_assoc(fx, 1);
	assert_int_equal(host_next(fx, &hp), 0);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "offered");
	assert_int_equal(fx->vf->st.offers, 1);
}

/* NVSP 0x40000 is enough. */
static void
test_assoc_at_nvsp4(void **state)
{
	struct fx *fx = *state;

	make_vf(fx);
	guest_bringup(fx, HV_NVSP_PROTO_V4, CAPS_SRIOV);
	hvsim_vf_poll(fx->vf);
	expect_assoc(fx, 1);
	assert_true(wait_device(fx, 100) >= 0);
	assert_int_equal(fx->nic.stats.violations, 0);
}

/* A guest at 0x30002 (with the bit) or without the bit: never. */
static void
test_no_assoc_below_nvsp4(void **state)
{
	struct fx *fx = *state;

	make_vf(fx);
	guest_bringup(fx, HV_NVSP_PROTO_V2, CAPS_SRIOV);
	poll_vf(fx, 30);
	expect_empty(fx);
	assert_false(device_dir_present(fx));
	assert_string_equal(hvsim_vf_state_name(fx->vf), "offering");
	assert_int_equal(fx->vf->st.offers, 0);
	assert_int_equal(fx->nic.stats.violations, 0);
}

static void
test_no_assoc_without_sriov_bit(void **state)
{
	struct fx *fx = *state;

	make_vf(fx);
	guest_bringup(fx, HV_NVSP_PROTO_V61, 0x08ull);	/* 802.1Q only */
	poll_vf(fx, 30);
	expect_empty(fx);
	assert_false(device_dir_present(fx));
	assert_int_equal(fx->vf->st.offers, 0);
	assert_int_equal(fx->nic.stats.violations, 0);
}

/* ======================================================================= */
/* (2) SWITCH_DATA_PATH                                                     */
/* ======================================================================= */

static void
test_switch_rc(void **state)
{
	struct fx *fx = *state;
	uint64_t xid;

	offer(fx);
	xid = guest_switch(fx, HV_NVSP_DATAPATH_VF, true);
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_VF);
	expect_empty_completion(fx, xid);
	expect_empty(fx);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "switched");
	/* and back, with RC */
	xid = guest_switch(fx, HV_NVSP_DATAPATH_SYNTHETIC, true);
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_SYNTHETIC);
	expect_empty_completion(fx, xid);
	expect_empty(fx);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "offered");
	assert_int_equal(fx->vf->st.switches_to_vf, 1);
	assert_int_equal(fx->vf->st.switches_to_synthetic, 1);
	assert_int_equal(fx->vf->st.switch_requests, 2);
	assert_int_equal(fx->vf->st.violations, 0);
	assert_int_equal(fx->nic.stats.violations, 0);
}

static void
test_switch_no_rc(void **state)
{
	struct fx *fx = *state;

	offer(fx);
	guest_switch(fx, HV_NVSP_DATAPATH_VF, false);
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_VF);
	poll_vf(fx, 0);
	expect_empty(fx);
	assert_int_equal(fx->vf->st.switches_to_vf, 1);
	guest_switch(fx, HV_NVSP_DATAPATH_SYNTHETIC, false);
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_SYNTHETIC);
	expect_empty(fx);
	assert_int_equal(fx->nic.stats.violations, 0);
}

/* No VF offered: before the association, and with no VF at all. */
static void
test_switch_without_vf(void **state)
{
	struct fx *fx = *state;
	uint64_t xid;

	fx->cfg.enabled = false;	/* a VF room, nothing offered */
	make_vf(fx);
	guest_bringup(fx, HV_NVSP_PROTO_V61, CAPS_SRIOV);
	poll_vf(fx, 5);
	expect_empty(fx);
	xid = guest_switch(fx, HV_NVSP_DATAPATH_VF, true);
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_SYNTHETIC);
	expect_empty_completion(fx, xid);
	expect_empty(fx);
	assert_int_equal(fx->nic.stats.violations, 1);
	assert_int_equal(fx->vf->st.violations, 1);
	assert_int_equal(hvsim_vf_violations(fx->vf), 1);
	/* without RC: counted, nothing sent */
	guest_switch(fx, HV_NVSP_DATAPATH_VF, false);
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_SYNTHETIC);
	expect_empty(fx);
	assert_int_equal(fx->nic.stats.violations, 2);
	assert_int_equal(fx->vf->st.violations, 2);
	assert_int_equal(fx->vf->st.switches_to_vf, 0);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "absent");
}

/* Associated but the device not there yet: not offered either. */
static void
test_switch_before_device(void **state)
{
	struct fx *fx = *state;
	uint64_t xid;

	fx->cfg.delay_ms = 10000;
	make_vf(fx);
	guest_bringup(fx, HV_NVSP_PROTO_V61, CAPS_SRIOV);
	hvsim_vf_poll(fx->vf);
	expect_assoc(fx, 1);
	xid = guest_switch(fx, HV_NVSP_DATAPATH_VF, true);
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_SYNTHETIC);
	expect_empty_completion(fx, xid);
	assert_int_equal(fx->nic.stats.violations, 1);
	assert_int_equal(fx->vf->st.violations, 1);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "offering");
}

/* ======================================================================= */
/* (3) switch modes                                                          */
/* ======================================================================= */

static bool
cond_switched_or_answered(struct fx *fx)
{
	return fx->nic.datapath == HV_NVSP_DATAPATH_VF || cond_guest_has_mail(fx);
}

static void
test_switch_late(void **state)
{
	struct fx *fx = *state;
	uint8_t f[128];
	uint32_t len = frame_to(f, nic_mac, 1);
	uint64_t xid, t0;
	int64_t ms;

	offer(fx);
	hvsim_vf_set_switch_mode(fx->vf, HVSIM_VF_SWITCH_LATE, 100);
	t0 = mono_ns();
	xid = guest_switch(fx, HV_NVSP_DATAPATH_VF, true);
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_SYNTHETIC);
	assert_false(hvsim_vf_steers(fx->vf, f, len));
	expect_empty(fx);
	/* neither the answer nor the steering before 100 ms */
	ms = poll_until(fx, t0, 100, cond_switched_or_answered);
	print_message("# late switch answered after %lld ms\n", (long long)ms);
	assert_true(ms >= 100);
	/* steering changed with the answer, not before */
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_VF);
	assert_true(hvsim_vf_steers(fx->vf, f, len));
	expect_empty_completion(fx, xid);
	expect_empty(fx);
	assert_int_equal(fx->vf->st.switches_to_vf, 1);
	assert_int_equal(fx->nic.stats.violations, 0);
}

static void
test_switch_never(void **state)
{
	struct fx *fx = *state;

	offer(fx);
	hvsim_vf_set_switch_mode(fx->vf, HVSIM_VF_SWITCH_NEVER, 0);
	guest_switch(fx, HV_NVSP_DATAPATH_VF, true);
	poll_vf(fx, 150);
	expect_empty(fx);
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_SYNTHETIC);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "offered");
	assert_int_equal(fx->vf->st.switch_unanswered, 1);
	assert_int_equal(fx->vf->st.switches_to_vf, 0);
	assert_int_equal(fx->nic.stats.violations, 0);
}

static void
test_switch_fail(void **state)
{
	struct fx *fx = *state;
	struct host_pkt hp;
	uint32_t status;
	uint64_t xid;

	offer(fx);
	hvsim_vf_set_switch_mode(fx->vf, HVSIM_VF_SWITCH_FAIL, 0);
	xid = guest_switch(fx, HV_NVSP_DATAPATH_VF, true);
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_SYNTHETIC);
	assert_int_equal(host_next(fx, &hp), 1);
	assert_int_equal(hp.type, HV_PKT_COMPLETION);
	assert_int_equal(hp.xid, xid);
	assert_true(hp.plen >= 8);
	assert_int_equal(hp.nvsp_type, HV_NVSP_MSG_SWITCH_DATAPATH);
	memcpy(&status, hp.payload + 4, 4);
	assert_int_equal(status, HV_NVSP_STATUS_FAILED);
	expect_empty(fx);
	poll_vf(fx, 5);
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_SYNTHETIC);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "offered");
	assert_int_equal(fx->vf->st.switch_failed, 1);
	assert_int_equal(fx->vf->st.switches_to_vf, 0);
	/* `vf switch ok` again: the next request switches */
	hvsim_vf_set_switch_mode(fx->vf, HVSIM_VF_SWITCH_OK, 0);
	xid = guest_switch(fx, HV_NVSP_DATAPATH_VF, true);
	expect_empty_completion(fx, xid);
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_VF);
	assert_int_equal(fx->nic.stats.violations, 0);
}

/* ======================================================================= */
/* (4) orderly removal                                                       */
/* ======================================================================= */

/* Offered, switched, the guest's PMD started, n frames on its RX ring. */
static void
switched_with_frames(struct fx *fx, unsigned int n, uint8_t *f, uint32_t *len)
{
	unsigned int i;

	offer(fx);
	bar_map(fx);
	bar_start(fx, 1);
	guest_switch(fx, HV_NVSP_DATAPATH_VF, false);
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_VF);
	*len = frame_to(f, nic_mac, 7);
	for (i = 0; i < n; i++) {
		assert_true(hvsim_vf_steers(fx->vf, f, *len));
		assert_int_equal(hvsim_vf_deliver(fx->vf, f, *len, 0), 0);
	}
	assert_int_equal(fx->vf->st.rx_frames, n);
}

static void
test_remove_orderly(void **state)
{
	static const char *const order[] = {
		"vf: orderly removal", "vf: data path -> synthetic",
		"vf: sent SWITCH_DATA_PATH(synthetic)", "vf: sent VF_ASSOCIATION(0)",
	};
	struct fx *fx = *state;
	struct logcap log;
	uint8_t f[128];
	uint32_t len;
	uint64_t xid_sw, xid_assoc, xid;

	switched_with_frames(fx, 3, f, &len);
	log_begin(&log);
	assert_int_equal(hvsim_vf_remove(fx->vf), 0);
	log_end(&log);
	log_order(&log, order, 4);
	assert_null(strstr(log.text, "revoked"));
	/* steering is back at once */
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_SYNTHETIC);
	assert_false(hvsim_vf_steers(fx->vf, f, len));
	assert_string_equal(hvsim_vf_state_name(fx->vf), "removing");
	/* the host's 129(synthetic) with RC, then VF_ASSOCIATION(0), nothing else */
	xid_sw = expect_host_switch(fx);
	xid_assoc = expect_assoc(fx, 0);
	assert_true(xid_sw != xid_assoc);
	expect_empty(fx);
	assert_int_equal(hvsim_vf_remove(fx->vf), -ENODEV);
	/* the guest completes both (optional): accepted */
	guest_complete(fx, xid_sw, NULL, 0);
	guest_complete(fx, xid_assoc, NULL, 0);
	assert_int_equal(fx->vf->st.guest_completions, 2);
	assert_int_equal(fx->nic.stats.violations, 0);
	/* the device stays: the guest has not switched back */
	poll_vf(fx, 20);
	assert_true(device_present(fx));
	assert_int_equal(fx->bar->host.gone, 0);
	/* switched back, but 3 frames still on the VF's RX ring */
	xid = guest_switch(fx, HV_NVSP_DATAPATH_SYNTHETIC, true);
	expect_empty_completion(fx, xid);
	poll_vf(fx, 20);
	assert_true(device_present(fx));
	assert_int_equal(fx->bar->host.gone, 0);
	assert_int_equal(fx->vf->st.removals, 0);
	/* drained: revoked at the next poll */
	assert_int_equal(bar_drain_rx(fx, f, len), 3);
	hvsim_vf_poll(fx->vf);
	assert_false(device_dir_present(fx));
	assert_int_equal(fx->bar->host.gone, 1);
	assert_int_equal(fx->bar->host.link_up, 0);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "absent");
	assert_int_equal(fx->vf->st.removals, 1);
	assert_int_equal(fx->vf->st.surprise_removals, 0);
	assert_int_equal(fx->vf->st.lost_in_transition, 0);
	assert_int_equal(fx->vf->st.host_switches, 1);
	assert_int_equal(fx->vf->st.switches_to_synthetic, 1);
	expect_empty(fx);
	assert_int_equal(fx->nic.stats.violations, 0);
	assert_int_equal(fx->vf->st.violations, 0);
	/* gone: frames to it are lost in the transition; `vf add` offers again */
	assert_int_equal(hvsim_vf_deliver(fx->vf, f, len, 0), -ENODEV);
	assert_int_equal(fx->vf->st.lost_in_transition, 1);
	assert_int_equal(hvsim_vf_remove(fx->vf), -ENODEV);
	assert_int_equal(hvsim_vf_add(fx->vf), 0);
	hvsim_vf_poll(fx->vf);
	expect_assoc(fx, 1);
	assert_true(wait_device(fx, 100) >= 0);
	assert_int_equal(fx->vf->st.offers, 2);
}

/* A guest that switches back and stops its VF port with frames still on
 * the VF's RX ring: a stopped PMD reads nothing more, so the device is
 * revoked at once (not at the deadline) and those frames are lost. */
static void
test_remove_guest_stops_without_draining(void **state)
{
	struct fx *fx = *state;
	uint8_t f[128];
	uint32_t len;

	switched_with_frames(fx, 2, f, &len);
	assert_int_equal(hvsim_vf_remove(fx->vf), 0);
	expect_host_switch(fx);
	expect_assoc(fx, 0);
	guest_switch(fx, HV_NVSP_DATAPATH_SYNTHETIC, false);
	poll_vf(fx, 5);
	assert_true(device_present(fx));	/* running, 2 frames to read */
	bar_start(fx, 0);			/* dev_stop */
	poll_vf(fx, 0);
	assert_false(device_dir_present(fx));
	assert_int_equal(fx->bar->host.gone, 1);
	assert_int_equal(fx->vf->st.removals, 1);
	assert_int_equal(fx->vf->st.lost_in_transition, 2);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "absent");
	/* and `vf add` works again at once */
	assert_int_equal(hvsim_vf_add(fx->vf), 0);
	assert_int_equal(fx->nic.stats.violations, 0);
}

/* A guest that never answers: revoked at the deadline, frames lost. */
static void
test_remove_deadline(void **state)
{
	struct fx *fx = *state;
	struct logcap log;
	uint8_t f[128];
	uint32_t len;
	uint64_t t0;
	int64_t ms;

	fx->cfg.drain_timeout_ms = 100;
	switched_with_frames(fx, 2, f, &len);
	t0 = mono_ns();
	assert_int_equal(hvsim_vf_remove(fx->vf), 0);
	expect_host_switch(fx);
	expect_assoc(fx, 0);
	expect_empty(fx);
	log_begin(&log);
	ms = poll_until(fx, t0, 100, cond_device_gone);
	log_end(&log);
	print_message("# revoked %lld ms after the removal began\n", (long long)ms);
	assert_true(ms >= 100);
	assert_non_null(strstr(log.text, "guest did not drain the VF within 100 ms"));
	assert_int_equal(fx->bar->host.gone, 1);
	assert_int_equal(fx->vf->st.removals, 1);
	assert_int_equal(fx->vf->st.lost_in_transition, 2);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "absent");
	expect_empty(fx);
}

/* Without the test's override the deadline is HVSIM_VF_DRAIN_TIMEOUT_MS. */
static void
test_remove_default_deadline(void **state)
{
	struct fx *fx = *state;
	uint8_t f[128];
	uint32_t len;
	uint64_t t0, left;

	switched_with_frames(fx, 1, f, &len);
	t0 = mono_ns();
	assert_int_equal(hvsim_vf_remove(fx->vf), 0);
	left = fx->vf->drain_deadline_ns - t0;
	assert_true(left >= HVSIM_VF_DRAIN_TIMEOUT_MS * MS &&
		    left < (HVSIM_VF_DRAIN_TIMEOUT_MS + 1000) * MS);
	assert_int_equal(HVSIM_VF_DRAIN_TIMEOUT_MS, 10000);
	poll_vf(fx, 50);
	assert_true(device_present(fx));
}

/* A VF the guest never switched to nor started: no 129, VF_ASSOC(0), gone. */
static void
test_remove_unswitched(void **state)
{
	struct fx *fx = *state;

	offer(fx);
	assert_int_equal(hvsim_vf_remove(fx->vf), 0);
	expect_assoc(fx, 0);
	expect_empty(fx);
	hvsim_vf_poll(fx->vf);
	assert_false(device_dir_present(fx));
	assert_int_equal(fx->vf->st.removals, 1);
	assert_int_equal(fx->vf->st.host_switches, 0);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "absent");
}

/* ======================================================================= */
/* (5) surprise removal                                                      */
/* ======================================================================= */

static void
test_surprise(void **state)
{
	static const char *const order[] = {
		"vf: surprise removal", "vf: PCI device revoked", "vf: data path -> synthetic",
		"vf: sent SWITCH_DATA_PATH(synthetic)", "vf: sent VF_ASSOCIATION(0)",
	};
	struct fx *fx = *state;
	struct logcap log;
	uint8_t f[128];
	uint32_t len;

	switched_with_frames(fx, 5, f, &len);
	assert_int_equal(bar_drain_rx(fx, f, len), 5);	/* these arrived */
	assert_int_equal(hvsim_vf_deliver(fx->vf, f, len, 0), 0);
	assert_int_equal(hvsim_vf_deliver(fx->vf, f, len, 0), 0);
	assert_int_equal(hvsim_vf_deliver(fx->vf, f, len, 0), 0);
	log_begin(&log);
	assert_int_equal(hvsim_vf_surprise(fx->vf), 0);
	log_end(&log);
	log_order(&log, order, 5);
	/* the device went first: the guest's mapping says gone */
	assert_int_equal(fx->bar->host.gone, 1);
	assert_false(device_dir_present(fx));
	assert_int_equal(fx->vf->st.lost_in_transition, 3);
	assert_int_equal(fx->vf->st.removals, 1);
	assert_int_equal(fx->vf->st.surprise_removals, 1);
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_SYNTHETIC);
	assert_false(hvsim_vf_steers(fx->vf, f, len));
	assert_string_equal(hvsim_vf_state_name(fx->vf), "absent");
	/* then the same messages as an orderly removal */
	expect_host_switch(fx);
	expect_assoc(fx, 0);
	expect_empty(fx);
	assert_int_equal(hvsim_vf_surprise(fx->vf), -ENODEV);
	assert_int_equal(hvsim_vf_deliver(fx->vf, f, len, 0), -ENODEV);
	assert_int_equal(fx->vf->st.lost_in_transition, 4);
	/* the guest switches back late: honoured, no violation */
	expect_empty_completion(fx, guest_switch(fx, HV_NVSP_DATAPATH_SYNTHETIC, true));
	assert_int_equal(fx->nic.stats.violations, 0);
	assert_int_equal(fx->vf->st.rx_frames, 8);
}

/* ======================================================================= */
/* (6) completions and steering                                              */
/* ======================================================================= */

static void
test_assoc_completion(void **state)
{
	struct fx *fx = *state;
	uint64_t xid = offer(fx);
	struct hv_nvsp_rndis_pkt_complete c = {
		.type = HV_NVSP_MSG_RNDIS_PKT_COMPLETE, .status = HV_NVSP_STATUS_SUCCESS,
	};

	guest_complete(fx, xid, NULL, 0);
	assert_int_equal(fx->vf->st.guest_completions, 1);
	assert_int_equal(fx->nic.stats.violations, 0);
	expect_empty(fx);
	/* a second time it is no longer ours: a completion of nothing */
	guest_complete(fx, xid, &c, sizeof(c));
	assert_int_equal(fx->vf->st.guest_completions, 1);
	assert_int_equal(fx->nic.stats.violations, 1);
}

static void
test_steering(void **state)
{
	static const uint8_t other[6] = { 0x00, 0x15, 0x5d, 0x42, 0x00, 0x11 };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast4[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
	static const uint8_t mcast6[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
	static const uint8_t new_mac[6] = { 0x02, 0x15, 0x5d, 0x42, 0x00, 0x99 };
	struct fx *fx = *state;
	uint8_t f[128];
	uint32_t len = frame_to(f, nic_mac, 0);

	assert_false(hvsim_vf_steers(NULL, f, len));
	offer(fx);
	/* offered, not switched: synthetic */
	assert_false(hvsim_vf_steers(fx->vf, f, len));
	guest_switch(fx, HV_NVSP_DATAPATH_VF, false);
	assert_true(hvsim_vf_steers(fx->vf, f, len));
	assert_false(hvsim_vf_steers(fx->vf, f, 13));
	frame_to(f, other, 0);
	assert_false(hvsim_vf_steers(fx->vf, f, len));
	frame_to(f, bcast, 0);
	assert_false(hvsim_vf_steers(fx->vf, f, len));
	frame_to(f, mcast4, 0);
	assert_false(hvsim_vf_steers(fx->vf, f, len));
	frame_to(f, mcast6, 0);
	assert_false(hvsim_vf_steers(fx->vf, f, len));
	/* the MAC the guest set (RNDIS NetworkAddress) is the NIC's MAC */
	memcpy(fx->nic.cur_mac, new_mac, 6);
	frame_to(f, new_mac, 0);
	assert_true(hvsim_vf_steers(fx->vf, f, len));
	frame_to(f, nic_mac, 0);
	assert_false(hvsim_vf_steers(fx->vf, f, len));
	memcpy(fx->nic.cur_mac, nic_mac, 6);
	assert_true(hvsim_vf_steers(fx->vf, f, len));
	/* back to synthetic */
	guest_switch(fx, HV_NVSP_DATAPATH_SYNTHETIC, false);
	assert_false(hvsim_vf_steers(fx->vf, f, len));
	/* the session ends: steering goes back, a new session is offered anew */
	guest_switch(fx, HV_NVSP_DATAPATH_VF, false);
	assert_true(hvsim_vf_steers(fx->vf, f, len));
	hvsim_vf_session_end(fx->vf);
	assert_false(hvsim_vf_steers(fx->vf, f, len));
	assert_string_equal(hvsim_vf_state_name(fx->vf), "offering");
	assert_int_equal(fx->nic.stats.violations, 0);
}

/* ======================================================================= */
/* (7) recovery                                                              */
/* ======================================================================= */

static bool
cond_recovery_over(struct fx *fx)
{
	return __atomic_load_n(&fx->bar->host.recovery, __ATOMIC_ACQUIRE) !=
	       HVSIM_VF_RECOVERY_RUNNING;
}

/* Poll until host.recovery leaves RUNNING: not before 100 ms after t0. */
static int64_t
wait_recovery(struct fx *fx, uint64_t t0)
{
	return poll_until(fx, t0, 100, cond_recovery_over);
}

static void
test_recover_ok(void **state)
{
	struct fx *fx = *state;
	uint32_t seq, rseq;
	uint8_t f[128];
	uint32_t len;
	uint64_t t0;
	int64_t ms;

	switched_with_frames(fx, 0, f, &len);
	seq = fx->bar->host.event_seq;
	rseq = fx->bar->host.recovery_seq;
	t0 = mono_ns();
	assert_int_equal(hvsim_vf_recover(fx->vf, true), 0);
	assert_int_equal(fx->bar->host.recovery, HVSIM_VF_RECOVERY_RUNNING);
	assert_int_equal(fx->bar->host.recovery_seq, rseq + 1);
	assert_int_equal(fx->bar->host.event_seq, seq + 1);
	/* while it runs, frames are lost in the transition */
	assert_int_equal(hvsim_vf_deliver(fx->vf, f, len, 0), -ENODEV);
	assert_int_equal(fx->vf->st.lost_in_transition, 1);
	ms = wait_recovery(fx, t0);
	print_message("# recovery OK after %lld ms\n", (long long)ms);
	assert_true(ms >= 100);
	assert_int_equal(fx->bar->host.recovery, HVSIM_VF_RECOVERY_OK);
	assert_int_equal(fx->bar->host.recovery_seq, rseq + 2);
	assert_int_equal(fx->bar->host.event_seq, seq + 2);
	assert_int_equal(fx->bar->host.gone, 0);
	assert_int_equal(hvsim_vf_deliver(fx->vf, f, len, 0), 0);
	assert_int_equal(bar_drain_rx(fx, f, len), 1);
	assert_int_equal(fx->vf->st.recoveries, 1);
	assert_int_equal(fx->vf->st.lost_in_transition, 1);
	assert_int_equal(fx->vf->st.rx_frames, 1);
}

static void
test_recover_fail(void **state)
{
	struct fx *fx = *state;
	uint8_t f[128];
	uint32_t len;
	uint64_t t0;
	int64_t ms;

	switched_with_frames(fx, 0, f, &len);
	t0 = mono_ns();
	assert_int_equal(hvsim_vf_recover(fx->vf, false), 0);
	assert_int_equal(fx->bar->host.recovery, HVSIM_VF_RECOVERY_RUNNING);
	ms = wait_recovery(fx, t0);
	print_message("# recovery FAILED after %lld ms\n", (long long)ms);
	assert_true(ms >= 100);
	assert_int_equal(fx->bar->host.recovery, HVSIM_VF_RECOVERY_FAILED);
	assert_int_equal(fx->bar->host.gone, 0);
	assert_int_equal(hvsim_vf_deliver(fx->vf, f, len, 0), -ENODEV);
	assert_int_equal(hvsim_vf_deliver(fx->vf, f, len, 0), -ENODEV);
	assert_int_equal(fx->vf->st.lost_in_transition, 2);
	assert_int_equal(fx->vf->st.rx_frames, 0);
	assert_int_equal(bar_drain_rx(fx, f, len), 0);
	/* no device: nothing to recover */
	assert_int_equal(hvsim_vf_surprise(fx->vf), 0);
	assert_int_equal(hvsim_vf_recover(fx->vf, true), -ENODEV);
}

/* ======================================================================= */
/* a guest ring that is full for a while, many host messages, TX in flight   */
/* ======================================================================= */

/* A full ring is flow control, not a broken rule: the association waits
 * for room, then goes. */
static void
test_assoc_waits_for_room(void **state)
{
	struct fx *fx = *state;
	unsigned int n;

	make_vf(fx);
	guest_bringup(fx, HV_NVSP_PROTO_V61, CAPS_SRIOV);
	n = fill_guest_ring(fx);
	poll_vf(fx, 20);
	assert_int_equal(fx->nic.stats.violations, 0);
	assert_int_equal(fx->vf->st.offers, 0);
	assert_false(device_dir_present(fx));
	skip_filler(fx, n);
	expect_empty(fx);
	hvsim_vf_poll(fx->vf);
	expect_assoc(fx, 1);
	assert_true(wait_device(fx, 100) >= 0);
	assert_int_equal(fx->vf->st.offers, 1);
	assert_int_equal(fx->nic.stats.violations, 0);
}

/* An orderly removal while the ring is full: steering moves at once, the
 * two messages follow, in order, once the guest reads its ring. */
static void
test_remove_with_full_ring(void **state)
{
	struct fx *fx = *state;
	uint8_t f[128];
	uint32_t len;
	unsigned int n;

	switched_with_frames(fx, 0, f, &len);
	n = fill_guest_ring(fx);
	assert_int_equal(hvsim_vf_remove(fx->vf), 0);
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_SYNTHETIC);
	assert_false(hvsim_vf_steers(fx->vf, f, len));
	poll_vf(fx, 20);
	assert_int_equal(fx->nic.stats.violations, 0);
	assert_true(device_present(fx));	/* the guest was not told yet */
	skip_filler(fx, n);
	hvsim_vf_poll(fx->vf);
	expect_host_switch(fx);
	expect_assoc(fx, 0);
	expect_empty(fx);
	expect_empty_completion(fx, guest_switch(fx, HV_NVSP_DATAPATH_SYNTHETIC, true));
	hvsim_vf_poll(fx->vf);
	assert_false(device_dir_present(fx));
	assert_int_equal(fx->vf->st.removals, 1);
	assert_int_equal(fx->vf->st.host_switches, 1);
	assert_int_equal(fx->nic.stats.violations, 0);
}

/* A VF the guest never used goes once the guest was told, not before. */
static void
test_remove_unswitched_with_full_ring(void **state)
{
	struct fx *fx = *state;
	unsigned int n;

	offer(fx);
	n = fill_guest_ring(fx);
	assert_int_equal(hvsim_vf_remove(fx->vf), 0);
	poll_vf(fx, 20);
	assert_true(device_present(fx));
	skip_filler(fx, n);
	hvsim_vf_poll(fx->vf);
	expect_assoc(fx, 0);
	expect_empty(fx);
	assert_false(device_dir_present(fx));
	assert_int_equal(fx->vf->st.removals, 1);
	assert_int_equal(fx->nic.stats.violations, 0);
}

/* Linux and DPDK never complete VF_ASSOCIATION: after many host messages
 * left uncompleted, a guest that does complete the latest is still right. */
static void
test_completion_after_many_uncompleted(void **state)
{
	struct fx *fx = *state;
	unsigned int i;
	uint64_t xid;

	offer(fx);
	for (i = 0; i < 4; i++) {
		assert_int_equal(hvsim_vf_remove(fx->vf), 0);
		expect_assoc(fx, 0);
		hvsim_vf_poll(fx->vf);
		assert_false(device_dir_present(fx));
		assert_int_equal(hvsim_vf_add(fx->vf), 0);
		hvsim_vf_poll(fx->vf);
		xid = expect_assoc(fx, 1);
		assert_true(wait_device(fx, 100) >= 0);
	}
	assert_int_equal(fx->vf->st.offers, 5);
	guest_complete(fx, xid, NULL, 0);
	assert_int_equal(fx->vf->st.guest_completions, 1);
	assert_int_equal(fx->nic.stats.violations, 0);
}

/* Frames the guest put on the VF's TX ring that the host had not read when
 * the device went are lost in the transition too. */
static void
test_surprise_counts_tx_ring(void **state)
{
	struct fx *fx = *state;
	uint8_t f[128];
	uint32_t len;

	switched_with_frames(fx, 2, f, &len);
	bar_tx(fx, f, len, 1);
	hvsim_vf_poll(fx->vf);
	assert_int_equal(nwire, 1);
	assert_int_equal(fx->vf->st.tx_frames, 1);
	bar_tx(fx, f, len, 3);	/* not read yet */
	assert_int_equal(hvsim_vf_surprise(fx->vf), 0);
	assert_int_equal(fx->vf->st.lost_in_transition, 2 + 3);
	assert_int_equal(nwire, 1);
}

/* A VF whose recovery failed drops what the guest sends: counted. */
static void
test_failed_vf_counts_tx(void **state)
{
	struct fx *fx = *state;
	uint8_t f[128];
	uint32_t len;
	uint64_t t0;

	switched_with_frames(fx, 0, f, &len);
	t0 = mono_ns();
	assert_int_equal(hvsim_vf_recover(fx->vf, false), 0);
	assert_true(wait_recovery(fx, t0) >= 0);
	assert_int_equal(fx->bar->host.recovery, HVSIM_VF_RECOVERY_FAILED);
	bar_tx(fx, f, len, 4);
	hvsim_vf_poll(fx->vf);
	assert_int_equal(nwire, 0);
	assert_int_equal(fx->vf->st.tx_frames, 0);
	assert_int_equal(fx->vf->st.tx_bad, 0);
	assert_int_equal(fx->vf->st.lost_in_transition, 4);
}

/* ======================================================================= */
/* names, sessions, races, RX drops                                          */
/* ======================================================================= */

static void
read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* NIC 1's VF: 7871:00:02.0, serial 2, enP30833s2, slot 2, driver hvsim_vf. */
static void
test_names_second_nic(void **state)
{
	struct fx *fx = *state;
	char path[256], buf[64];
	ssize_t n;

	fx->nic.index = 1;
	offer(fx);
	assert_string_equal(fx->bdf, "7871:00:02.0");
	assert_int_equal(fx->serial, 2);
	bar_map(fx);
	snprintf(path, sizeof(path), "%s/pci/slots/2/address", fx->root);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "7871:00:02\n");
	snprintf(path, sizeof(path), "%s/pci/devices/7871:00:02.0/net/enP30833s2/address",
		 fx->root);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "00:15:5d:42:00:10\n");
	snprintf(path, sizeof(path), "%s/pci/devices/7871:00:02.0/vendor", fx->root);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "0x1414\n");
	snprintf(path, sizeof(path), "%s/pci/devices/7871:00:02.0/device", fx->root);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "0xf0f1\n");
	snprintf(path, sizeof(path), "%s/pci/devices/7871:00:02.0/driver", fx->root);
	n = readlink(path, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "drivers/hvsim_vf"));
	/* revoked: the slot goes with it */
	assert_int_equal(hvsim_vf_surprise(fx->vf), 0);
	snprintf(path, sizeof(path), "%s/pci/slots/2", fx->root);
	assert_int_equal(access(path, F_OK), -1);
	expect_assoc(fx, 0);
}

/* What vmbus/nic.c does when the guest closes the device, and reopens. */
static void
session_close(struct fx *fx)
{
	vsp_nvsp_reset(&fx->nic);
	vsp_rndis_reset(&fx->nic);
	vsp_rxbuf_reset(&fx->nic);
	hvsim_vf_session_end(fx->vf);
	fx->saved_irq_fd = fx->nic.irq_fd;
	fx->nic.irq_fd = -1;
}

static void
session_open(struct fx *fx)
{
	fx->nic.irq_fd = fx->saved_irq_fd;
	memset(fx->ring, 0, 2 * RING_HALF);
	assert_int_equal(hvsim_chan_attach(&fx->chan, fx->ring, 2 * RING_HALF, 14, 0, -1), 0);
	assert_int_equal(hv_ring_attach(&fx->guest_out, fx->ring, RING_HALF), 0);
	assert_int_equal(hv_ring_attach(&fx->guest_in, (uint8_t *)fx->ring + RING_HALF,
					RING_HALF), 0);
}

/* The guest closes while on the VF: steering back, the device stays; the
 * next session hears of it again (same serial) and finds it there. */
static void
test_session_end_and_new_session(void **state)
{
	struct fx *fx = *state;
	uint8_t f[128];
	uint32_t len;

	switched_with_frames(fx, 0, f, &len);
	assert_true(hvsim_vf_steers(fx->vf, f, len));
	session_close(fx);
	assert_false(hvsim_vf_steers(fx->vf, f, len));
	assert_string_equal(hvsim_vf_state_name(fx->vf), "offering");
	assert_int_equal(fx->vf->st.switches_to_synthetic, 1);
	poll_vf(fx, 10);	/* nobody to tell */
	assert_true(device_present(fx));
	session_open(fx);
	guest_bringup(fx, HV_NVSP_PROTO_V61, CAPS_SRIOV);
	hvsim_vf_poll(fx->vf);
	expect_assoc(fx, 1);
	expect_empty(fx);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "offered");
	assert_int_equal(fx->bar->host.gone, 0);	/* the same device */
	assert_int_equal(fx->vf->st.offers, 2);
	assert_int_equal(fx->vf->st.removals, 0);
	expect_empty_completion(fx, guest_switch(fx, HV_NVSP_DATAPATH_VF, true));
	assert_true(hvsim_vf_steers(fx->vf, f, len));
	assert_int_equal(fx->nic.stats.violations, 0);
}

/* The guest goes away in the middle of an orderly removal: nobody to wait
 * for, revoked at the next poll. */
static void
test_session_end_while_removing(void **state)
{
	struct fx *fx = *state;
	uint8_t f[128];
	uint32_t len;

	switched_with_frames(fx, 1, f, &len);
	assert_int_equal(hvsim_vf_remove(fx->vf), 0);
	poll_vf(fx, 5);
	assert_true(device_present(fx));
	session_close(fx);
	hvsim_vf_poll(fx->vf);
	assert_false(device_dir_present(fx));
	assert_int_equal(fx->vf->st.removals, 1);
	assert_int_equal(fx->vf->st.lost_in_transition, 1);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "absent");
	session_open(fx);
}

/* A late switch the guest takes back before it was answered. */
static void
test_late_then_synthetic(void **state)
{
	struct fx *fx = *state;
	uint64_t xid_vf, xid_syn;

	offer(fx);
	hvsim_vf_set_switch_mode(fx->vf, HVSIM_VF_SWITCH_LATE, 5000);
	xid_vf = guest_switch(fx, HV_NVSP_DATAPATH_VF, true);
	poll_vf(fx, 10);
	expect_empty(fx);
	xid_syn = guest_switch(fx, HV_NVSP_DATAPATH_SYNTHETIC, true);
	expect_empty_completion(fx, xid_vf);
	expect_empty_completion(fx, xid_syn);
	poll_vf(fx, 150);
	expect_empty(fx);
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_SYNTHETIC);
	assert_int_equal(fx->vf->st.switches_to_vf, 0);
	assert_int_equal(fx->nic.stats.violations, 0);
}

/* A late switch overtaken by an orderly removal: answered, never honoured;
 * the guest was not on the VF, so no host 129. */
static void
test_late_then_remove(void **state)
{
	struct fx *fx = *state;
	uint64_t xid;

	offer(fx);
	hvsim_vf_set_switch_mode(fx->vf, HVSIM_VF_SWITCH_LATE, 100);
	xid = guest_switch(fx, HV_NVSP_DATAPATH_VF, true);
	assert_int_equal(hvsim_vf_remove(fx->vf), 0);
	expect_empty_completion(fx, xid);
	expect_assoc(fx, 0);
	expect_empty(fx);
	poll_vf(fx, 150);
	expect_empty(fx);
	assert_false(device_dir_present(fx));
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_SYNTHETIC);
	assert_int_equal(fx->vf->st.switches_to_vf, 0);
	assert_int_equal(fx->vf->st.host_switches, 0);
}

/* A switch to the VF while it is being removed: a race, not a violation. */
static void
test_switch_while_removing(void **state)
{
	struct fx *fx = *state;
	uint8_t f[128];
	uint32_t len;

	switched_with_frames(fx, 0, f, &len);
	assert_int_equal(hvsim_vf_remove(fx->vf), 0);
	expect_host_switch(fx);
	expect_assoc(fx, 0);
	expect_empty_completion(fx, guest_switch(fx, HV_NVSP_DATAPATH_VF, true));
	assert_int_equal(fx->nic.datapath, HV_NVSP_DATAPATH_SYNTHETIC);
	assert_false(hvsim_vf_steers(fx->vf, f, len));
	assert_int_equal(fx->vf->st.switch_refused, 1);
	assert_int_equal(fx->vf->st.violations, 0);
	assert_int_equal(fx->nic.stats.violations, 0);
	assert_string_equal(hvsim_vf_state_name(fx->vf), "removing");
}

/* Surprise removal of a VF the guest never switched to: no 129. */
static void
test_surprise_unswitched(void **state)
{
	struct fx *fx = *state;

	offer(fx);
	assert_int_equal(hvsim_vf_surprise(fx->vf), 0);
	assert_false(device_dir_present(fx));
	expect_assoc(fx, 0);
	expect_empty(fx);
	assert_int_equal(fx->vf->st.host_switches, 0);
	assert_int_equal(fx->vf->st.surprise_removals, 1);
}

/* Frames the VF could not take: each reason counted apart, none of them
 * lost in a transition. */
static void
test_rx_drops_counted_apart(void **state)
{
	struct fx *fx = *state;
	static uint8_t big[1600];
	uint8_t f[128];
	uint32_t len, n = 0;

	offer(fx);
	bar_map(fx);
	guest_switch(fx, HV_NVSP_DATAPATH_VF, false);
	len = frame_to(f, nic_mac, 3);
	/* the PMD has not started the port */
	assert_int_equal(hvsim_vf_deliver(fx->vf, f, len, 0), -ENETDOWN);
	assert_int_equal(fx->vf->st.rx_dropped_stopped, 1);
	bar_start(fx, 1);
	/* beyond its MTU (1500 + 14) */
	frame_to(big, nic_mac, 3);
	assert_int_equal(hvsim_vf_deliver(fx->vf, big, 1515, 0), -EMSGSIZE);
	assert_int_equal(hvsim_vf_deliver(fx->vf, big, 1514, 0), 0);
	assert_int_equal(fx->vf->st.rx_dropped_oversize, 1);
	/* its RX ring full */
	while (hvsim_vf_deliver(fx->vf, f, len, 0) == 0)
		n++;
	assert_true(n > 100);
	assert_int_equal(fx->vf->st.rx_dropped_ring, 1);
	assert_int_equal(fx->vf->st.rx_frames, n + 1);
	assert_int_equal(fx->vf->st.lost_in_transition, 0);
	/* a configuration the device cannot do is refused: stopped */
	__atomic_fetch_add(&fx->bar->guest.conf_seq, 1, __ATOMIC_RELAXED);
	fx->bar->guest.mtu = 9001;
	__atomic_fetch_add(&fx->bar->guest.conf_seq, 1, __ATOMIC_RELEASE);
	hvsim_vf_poll(fx->vf);
	assert_int_equal(fx->vf->st.conf_bad, 1);
	assert_int_equal(hvsim_vf_deliver(fx->vf, f, len, 0), -ENETDOWN);
	assert_int_equal(fx->vf->st.rx_dropped_stopped, 2);
	assert_int_equal(fx->vf->st.lost_in_transition, 0);
}

/* A configuration the PMD is still writing (conf_seq odd) is not taken;
 * it is once the write is complete. */
static void
test_conf_seqlock(void **state)
{
	struct fx *fx = *state;
	uint8_t f[128];
	uint32_t len = frame_to(f, nic_mac, 5);

	offer(fx);
	bar_map(fx);
	guest_switch(fx, HV_NVSP_DATAPATH_VF, false);
	bar_conf(fx, 1, false);
	poll_vf(fx, 2);
	assert_int_equal(hvsim_vf_deliver(fx->vf, f, len, 0), -ENETDOWN);
	__atomic_fetch_add(&fx->bar->guest.conf_seq, 1, __ATOMIC_RELEASE);
	hvsim_vf_poll(fx->vf);
	assert_int_equal(hvsim_vf_deliver(fx->vf, f, len, 0), 0);
	assert_int_equal(bar_drain_rx(fx, f, len), 1);
	assert_int_equal(fx->vf->st.rx_dropped_stopped, 1);
	assert_int_equal(fx->vf->st.conf_bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_assoc_after_rndis_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_after_delay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_before_assoc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_assoc_at_nvsp4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_assoc_below_nvsp4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_assoc_without_sriov_bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch_rc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch_no_rc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch_without_vf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch_before_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch_never, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch_fail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_orderly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_guest_stops_without_draining, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_remove_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_default_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_unswitched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_surprise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_assoc_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_steering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_fail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_assoc_waits_for_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_with_full_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_unswitched_with_full_ring, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_completion_after_many_uncompleted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_surprise_counts_tx_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_vf_counts_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_second_nic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_end_and_new_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_end_while_removing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_then_synthetic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_then_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch_while_removing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_surprise_unswitched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_drops_counted_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conf_seqlock, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
