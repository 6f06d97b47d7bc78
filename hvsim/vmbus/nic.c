/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * A simulated synthetic NIC: its device files, the guest's session (which
 * starts when the guest opens /dev/uioN and ends when it lets go, as with
 * uio_hv_generic), and subchannel offers. What the session speaks is in
 * vsp/.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "guestos/gpa.h"
#include "guestos/irq.h"
#include "guestos/uevent.h"
#include "guestos/uio_shim.h"
#include "hv_nvsp_wire.h"
#include "util.h"
#include "vf/vf.h"
#include "vmbus/nic.h"
#include "vsp/vsp.h"

/* Subchannels appear this long after the host grants them, as offers
 * take a VMBus round trip on a real host. */
#define SUBCH_OFFER_DELAY_NS	(20 * 1000 * 1000)
#define DRAIN_BUDGET		256

void
hvsim_violation(struct hvsim_nic *nic, const struct hvsim_chan *c, const char *rule,
		const void *bytes, size_t len)
{
	const uint8_t *b = bytes;
	size_t i;

	nic->stats.violations++;
	fprintf(stderr, "hvsim: nic%d relid %u: guest broke a rule: %s", nic->index,
		c != NULL ? c->relid : 0, rule);
	if (b != NULL && len > 0) {
		fprintf(stderr, " [");
		for (i = 0; i < len && i < 48; i++)
			fprintf(stderr, "%s%02x", i ? " " : "", b[i]);
		fprintf(stderr, "%s]", len > 48 ? " ..." : "");
	}
	fprintf(stderr, "\n");
}

/* ---- device ----------------------------------------------------------------- */

static void
fill_spec(struct hvsim_nic *nic, int index, const struct hvsim_nic_config *cfg)
{
	struct hvsim_dev_spec *s = &nic->cfg.spec;

	hvsim_dev_spec_default(s);
	snprintf(s->device_id, sizeof(s->device_id),
		 "f5bee5e0-0000-4000-8000-%012x", 0x100 + index);
	s->uio_num = index;
	s->relid = 14 + (uint32_t)index * HVSIM_MAX_CHANNELS;
	s->monitor_id = cfg->monitor ? index * 8 : -1;
	s->numa_node = 0;
	s->ring_size = 2u << 20;	/* uio_hv_generic: 2 MiB per direction */
	s->recv_buf_size = 31u << 20;
	s->send_buf_size = 16u << 20;
	s->recv_gpadl = 0xe1e10 + (uint32_t)index * 2;
	s->send_gpadl = 0xe1e11 + (uint32_t)index * 2;
	s->multichannel = true;
}

static int
map_regions(struct hvsim_nic *nic)
{
	char path[4096];
	struct stat st;
	int i, fd;

	for (i = 0; i < HV_UIO_REGION_COUNT; i++) {
		hvsim_uio_map_path(path, sizeof(path), nic->uio_dir, nic->cfg.spec.uio_num,
				   (unsigned int)i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0) {
			close(fd);
			return -errno;
		}
		nic->region_size[i] = (size_t)st.st_size;
		nic->region[i] = mmap(NULL, nic->region_size[i], PROT_READ | PROT_WRITE,
				      MAP_SHARED, fd, 0);
		close(fd);
		if (nic->region[i] == MAP_FAILED) {
			nic->region[i] = NULL;
			return -errno;
		}
	}
	return 0;
}

/* We initialise rings on accept: make the guest's open() wait for it. */
static int
ask_for_open_sync(const struct hvsim_nic *nic)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/uio%d/%s", nic->uio_dir, nic->cfg.spec.uio_num,
		 HVSIM_UIO_SYNC_NAME);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Every NIC of this host: their buffers are all guest memory. */
static struct hvsim_nic *all_nics;

static void
nic_register(struct hvsim_nic *nic)
{
	nic->next_nic = all_nics;
	all_nics = nic;
}

static void
nic_unregister(struct hvsim_nic *nic)
{
	struct hvsim_nic **p;

	for (p = &all_nics; *p != NULL; p = &(*p)->next_nic)
		if (*p == nic) {
			*p = nic->next_nic;
			break;
		}
}

int
hvsim_nic_create(struct hvsim_nic *nic, int index, const char *bus_root,
		 const char *uio_dir, const struct hvsim_nic_config *cfg)
{
	int ret;

	memset(nic, 0, sizeof(*nic));
	nic->index = index;
	nic->cfg = *cfg;
	nic->irq_fd = -1;
	/* the NIC's address before any session (a --vf-only NIC never has one) */
	memcpy(nic->cur_mac, cfg->mac, sizeof(nic->cur_mac));
	hvsim_ofl_config_init(&nic->last_offload);
	snprintf(nic->uio_dir, sizeof(nic->uio_dir), "%s", uio_dir);
	fill_spec(nic, index, cfg);
	ret = hvsim_devtree_add(bus_root, uio_dir, &nic->cfg.spec);
	if (ret == 0)
		ret = map_regions(nic);
	if (ret == 0)
		ret = ask_for_open_sync(nic);
	if (ret == 0) {
		nic->irq_lfd = hvsim_irq_listen(uio_dir, nic->cfg.spec.uio_num);
		ret = nic->irq_lfd < 0 ? nic->irq_lfd : 0;
	}
	nic->slot_count = (uint32_t)(nic->cfg.spec.recv_buf_size / cfg->rx_slot_size);
	nic->slot_busy = calloc(nic->slot_count, 1);
	nic->slot_run = calloc(nic->slot_count, sizeof(*nic->slot_run));
	nic->rsc = calloc(1, sizeof(*nic->rsc));
	nic->corrupt.slot_tainted_ns = calloc(nic->slot_count, sizeof(uint64_t));
	vsp_corrupt_init(nic);
	if (ret == 0 && (nic->slot_busy == NULL || nic->slot_run == NULL || nic->rsc == NULL ||
			 nic->corrupt.slot_tainted_ns == NULL))
		ret = -ENOMEM;
	if (ret < 0)
		fprintf(stderr, "hvsim: cannot create nic%d: %s\n", index, strerror(-ret));
	else
		nic_register(nic);
	return ret;
}

static void session_end(struct hvsim_nic *nic, const char *bus_root);

/*
 * The receive and send buffers are guest pages on Hyper-V, every NIC's:
 * a guest may send them by address (a frame received in place, forwarded
 * on the same NIC or another). Without this such a packet would look like
 * a GPA outside guest memory. A NIC offered again later has new buffers
 * that a session open before it does not know (not needed so far).
 */
static void
gpa_add_buffers(struct hvsim_nic *nic)
{
	static const int bufs[] = { HV_UIO_RECV_BUF, HV_UIO_SEND_BUF };
	const struct hvsim_nic *n;
	char path[4096];
	unsigned int i;
	int fd, rc;

	for (n = all_nics; nic->gpa != NULL && n != NULL; n = n->next_nic) {
		for (i = 0; !n->rescinded && i < sizeof(bufs) / sizeof(bufs[0]); i++) {
			hvsim_uio_map_path(path, sizeof(path), n->uio_dir, n->cfg.spec.uio_num,
					   (unsigned int)bufs[i]);
			fd = open(path, O_RDWR | O_CLOEXEC);
			rc = fd < 0 ? -errno
				    : hvsim_gpa_add_host_file(nic->gpa, fd, n->region_size[bufs[i]]);
			if (fd >= 0)
				close(fd);
			if (rc < 0)
				fprintf(stderr, "hvsim: nic%d: nic%d's buffer %d not addressable by "
					"GPA: %s\n", nic->index, n->index, bufs[i], strerror(-rc));
		}
	}
}

static void
unmap_regions(struct hvsim_nic *nic)
{
	int i;

	for (i = 0; i < HV_UIO_REGION_COUNT; i++) {
		if (nic->region[i] != NULL)
			munmap(nic->region[i], nic->region_size[i]);
		nic->region[i] = NULL;
		nic->region_size[i] = 0;
	}
}

void
hvsim_nic_destroy(struct hvsim_nic *nic)
{
	nic_unregister(nic);
	session_end(nic, NULL);
	unmap_regions(nic);
	if (nic->irq_lfd >= 0)
		close(nic->irq_lfd);
	free(nic->slot_busy);
	free(nic->slot_run);
	free(nic->corrupt.slot_tainted_ns);
	free(nic->rsc);
}

/* ---- session -------------------------------------------------------------------- */

static pid_t
peer_pid(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 ? cred.pid : -1;
}

static void
reset_protocol_state(struct hvsim_nic *nic)
{
	vsp_nvsp_reset(nic);
	vsp_rndis_reset(nic);
	vsp_rxbuf_reset(nic);
}

/* The guest opened the device: a fresh channel, as the kernel makes it. */
static int
session_start(struct hvsim_nic *nic, int fd)
{
	struct hvsim_chan *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -ENOMEM;
	reset_protocol_state(nic);
	hvsim_chan_attach(c, nic->region[HV_UIO_TXRX_RING], nic->region_size[HV_UIO_TXRX_RING],
			  nic->cfg.spec.relid, 0, nic->cfg.spec.monitor_id);
	c->irq_fd = fd;	/* interrupts go to the first open */
	c->irq_events = &nic->irq_events;
	c->hooks = &nic->corrupt_hooks;
	nic->chan[0] = c;
	nic->nchan = 1;
	if (nic->max_nchan == 0)
		nic->max_nchan = 1;
	nic->irq_fd = fd;
	nic->guest_pid = peer_pid(fd);
	nic->gpa = hvsim_gpa_open(nic->guest_pid);
	gpa_add_buffers(nic);
	if (nic->verbose)
		fprintf(stderr, "hvsim: nic%d opened by pid %d\n", nic->index, nic->guest_pid);
	return 0;
}

static void
session_end(struct hvsim_nic *nic, const char *bus_root)
{
	unsigned int i;

	for (i = 0; i < HVSIM_MAX_CHANNELS; i++) {
		struct hvsim_chan *c = nic->chan[i];

		if (c == NULL)
			continue;
		hvsim_chan_stats_add(&nic->chan_totals[i], &c->stats);
		if (i > 0) {
			munmap(c->ring_mem, c->ring_size);
			if (bus_root != NULL)
				hvsim_devtree_remove_subchannel(bus_root, nic->cfg.spec.device_id,
								c->relid);
		}
		free(c);
		nic->chan[i] = NULL;
	}
	nic->nchan = 0;
	vsp_slowhost_drop(nic);	/* nobody left to answer */
	for (i = 0; i < nic->nconns; i++)
		close(nic->irq_conns[i]);
	nic->nconns = 0;
	nic->irq_fd = -1;
	if (nic->gpa != NULL)
		hvsim_gpa_close(nic->gpa);
	nic->gpa = NULL;
	reset_protocol_state(nic);
	hvsim_vf_session_end(nic->vf);	/* steering back; a new session, a new offer */
}

/* The open that received interrupts is closing: use another one. */
static void
retarget_interrupts(struct hvsim_nic *nic, unsigned int closing)
{
	unsigned int i;
	int fd = -1;

	for (i = 0; i < nic->nconns; i++)
		if (i != closing)
			fd = nic->irq_conns[i];
	for (i = 0; i < HVSIM_MAX_CHANNELS; i++)
		if (nic->chan[i] != NULL)
			nic->chan[i]->irq_fd = fd;
	if (fd >= 0)
		nic->irq_fd = fd;
}

/* Drain each open's messages (signals); the last close ends the session. */
static void
reap_closed(struct hvsim_nic *nic, const char *bus_root)
{
	unsigned int i = 0;
	uint32_t val;
	int ret;

	while (i < nic->nconns) {
		while ((ret = hvsim_irq_recv(nic->irq_conns[i], &val, 0)) == 0)
			nic->chan[0]->stats.guest_signals++;
		if (ret != -EPIPE) {
			i++;
			continue;
		}
		if (nic->irq_conns[i] == nic->irq_fd)
			retarget_interrupts(nic, i);
		close(nic->irq_conns[i]);
		nic->irq_conns[i] = nic->irq_conns[--nic->nconns];
	}
	if (nic->irq_fd >= 0 && nic->nconns == 0) {
		if (nic->verbose)
			fprintf(stderr, "hvsim: nic%d closed by the guest\n", nic->index);
		nic->irq_fd = -1;
		session_end(nic, bus_root);
	}
}

/*
 * Every open of /dev/uioN is a connection. The first opens the channel
 * (fresh rings, fresh NVSP session); later ones are more references to it,
 * as in the kernel. Each is told OPENED once the channel is ready. A
 * guest that closes and reopens at once (a re-initialisation) closed
 * first: its close is looked for before the new open is counted, so the
 * reopen gets a fresh session, not a reference to the old one.
 */
static void
accept_opens(struct hvsim_nic *nic, const char *bus_root)
{
	static const uint32_t opened = HVSIM_UIO_MSG_OPENED;
	int fd;

	while (nic->nconns < HVSIM_MAX_OPENS && (fd = hvsim_irq_accept(nic->irq_lfd, 0)) >= 0) {
		reap_closed(nic, bus_root);
		if (nic->nconns == 0 && session_start(nic, fd) < 0) {
			close(fd);
			continue;
		}
		nic->irq_conns[nic->nconns++] = fd;
		send(fd, &opened, sizeof(opened), MSG_NOSIGNAL);
	}
}

static void
poll_irq(struct hvsim_nic *nic, const char *bus_root)
{
	reap_closed(nic, bus_root);
	accept_opens(nic, bus_root);
}

/* ---- rescind and re-offer ---------------------------------------------------------- */

static const char *
class_id_of(const struct hvsim_nic *nic)
{
	return nic->cfg.spec.class_id[0] != '\0' ? nic->cfg.spec.class_id : HV_NETVSC_CLASS_GUID;
}

static void
send_uevent(struct hvsim_nic *nic, const char *action, int uio_num)
{
	if (nic->uev != NULL)
		hvsim_uevent_vmbus(nic->uev, action, nic->cfg.spec.device_id, class_id_of(nic),
				   uio_num);
}

/*
 * The kernel's order: the channel is rescinded (uio_hv_generic's rescind
 * callback makes read() and write() fail), then the device is
 * unregistered: the driver unbinds (uio device gone), the device goes.
 */
int
hvsim_nic_rescind(struct hvsim_nic *nic, const char *bus_root)
{
	const struct hvsim_dev_spec *s = &nic->cfg.spec;
	int ret;

	if (nic->rescinded)
		return -EALREADY;
	session_end(nic, bus_root);	/* every open hung up: EIO from now on */
	if (nic->irq_lfd >= 0)
		close(nic->irq_lfd);	/* pending opens are refused */
	nic->irq_lfd = -1;
	unmap_regions(nic);
	ret = hvsim_devtree_remove(bus_root, nic->uio_dir, s->device_id);
	if (ret < 0 && ret != -ENOENT)
		fprintf(stderr, "hvsim: nic%d: rescind: sysfs entry not removed: %s\n",
			nic->index, strerror(-ret));
	send_uevent(nic, "remove", s->uio_num);
	send_uevent(nic, "unbind", -1);
	send_uevent(nic, "remove", -1);
	nic->rescinded = true;
	nic->rescinds++;
	if (nic->verbose)
		fprintf(stderr, "hvsim: nic%d rescinded\n", nic->index);
	return 0;
}

/* What a new device starts with: none of the old one's faults. */
static void
reset_host_state(struct hvsim_nic *nic)
{
	vsp_slowhost_set_muted(nic, false);
	vsp_slowhost_set_delay(nic, 0);
	vsp_rsc_set_fault(nic, HVSIM_RSC_FAULT_NONE, 0);
	nic->subch_granted = 0;
	nic->subch_offered = 0;
	reset_protocol_state(nic);
}

static int
offer_device(struct hvsim_nic *nic, const char *bus_root)
{
	int ret = hvsim_devtree_add(bus_root, nic->uio_dir, &nic->cfg.spec);

	if (ret < 0)
		return ret;
	ret = map_regions(nic);
	if (ret == 0)
		ret = ask_for_open_sync(nic);
	if (ret == 0) {
		nic->irq_lfd = hvsim_irq_listen(nic->uio_dir, nic->cfg.spec.uio_num);
		ret = nic->irq_lfd < 0 ? nic->irq_lfd : 0;
	}
	if (ret < 0) {
		nic->irq_lfd = -1;
		unmap_regions(nic);
		hvsim_devtree_remove(bus_root, nic->uio_dir, nic->cfg.spec.device_id);
	}
	return ret;
}

int
hvsim_nic_reoffer(struct hvsim_nic *nic, const char *bus_root, int uio_num, uint32_t relid)
{
	struct hvsim_dev_spec *s = &nic->cfg.spec;
	struct hvsim_dev_spec old = *s;
	int ret;

	if (!nic->rescinded)
		return -EBUSY;
	s->uio_num = uio_num;
	s->relid = relid;
	ret = offer_device(nic, bus_root);
	if (ret < 0) {
		*s = old;
		fprintf(stderr, "hvsim: nic%d: re-offer failed: %s\n", nic->index,
			strerror(-ret));
		return ret;
	}
	reset_host_state(nic);
	nic->rescinded = false;
	nic->reoffers++;
	send_uevent(nic, "add", -1);
	send_uevent(nic, "add", uio_num);
	send_uevent(nic, "bind", -1);
	if (nic->verbose)
		fprintf(stderr, "hvsim: nic%d offered again: relid %u, uio%d\n", nic->index,
			relid, uio_num);
	return 0;
}

/* ---- subchannel offers -------------------------------------------------------- */

void
hvsim_nic_grant_subchannels(struct hvsim_nic *nic, uint32_t n)
{
	nic->subch_granted = n;
	nic->subch_offer_at_ns = now_ns() + SUBCH_OFFER_DELAY_NS;
}

static int
offer_subchannel(struct hvsim_nic *nic, const char *bus_root, uint16_t id)
{
	const struct hvsim_dev_spec *s = &nic->cfg.spec;
	uint32_t relid = s->relid + id;
	int32_t mon = s->monitor_id < 0 ? -1 : (int32_t)((s->monitor_id + id) % HV_MONITOR_ID_MAX);
	struct hvsim_chan *c;
	char path[4096];
	void *mem;
	int fd, ret;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	ret = hvsim_devtree_add_subchannel(bus_root, s->device_id, relid, id, mon, s->ring_size);
	snprintf(path, sizeof(path), "%s/vmbus/devices/%s/channels/%u/ring", bus_root,
		 s->device_id, relid);
	fd = ret < 0 ? -1 : open(path, O_RDWR | O_CLOEXEC);
	mem = fd < 0 ? MAP_FAILED : mmap(NULL, 2 * s->ring_size, PROT_READ | PROT_WRITE,
					 MAP_SHARED, fd, 0);
	if (fd >= 0)
		close(fd);
	if (mem == MAP_FAILED) {
		free(c);
		return ret < 0 ? ret : -errno;
	}
	hvsim_chan_attach(c, mem, 2 * s->ring_size, relid, id, mon);
	c->irq_fd = nic->irq_fd;
	c->irq_events = &nic->irq_events;
	c->hooks = &nic->corrupt_hooks;
	nic->chan[id] = c;
	nic->nchan++;
	if (nic->nchan > nic->max_nchan)
		nic->max_nchan = nic->nchan;
	return 0;
}

static void
offer_due_subchannels(struct hvsim_nic *nic, const char *bus_root)
{
	if (nic->subch_offered >= nic->subch_granted || now_ns() < nic->subch_offer_at_ns)
		return;
	while (nic->subch_offered < nic->subch_granted) {
		if (offer_subchannel(nic, bus_root, (uint16_t)(nic->subch_offered + 1)) < 0) {
			fprintf(stderr, "hvsim: nic%d: cannot offer subchannel %u\n", nic->index,
				nic->subch_offered + 1);
			nic->subch_granted = nic->subch_offered;
			return;
		}
		nic->subch_offered++;
	}
}

void
hvsim_nic_pass_begin(struct hvsim_nic *nic)
{
	unsigned int i;

	for (i = 0; i < HVSIM_MAX_CHANNELS; i++)
		if (nic->chan[i] != NULL)
			hvsim_chan_pass_begin(nic->chan[i]);
}

/* Channels the pass closed are gone from nic->chan; new ones never began. */
void
hvsim_nic_pass_end(struct hvsim_nic *nic)
{
	unsigned int i;

	for (i = 0; i < HVSIM_MAX_CHANNELS; i++)
		if (nic->chan[i] != NULL)
			hvsim_chan_pass_end(nic->chan[i]);
}

unsigned int
hvsim_nic_poll(struct hvsim_nic *nic, const char *bus_root)
{
	unsigned int work = 0, i;

	if (nic->rescinded)
		return 0;
	poll_irq(nic, bus_root);
	if (nic->irq_fd < 0)
		return 0;
	offer_due_subchannels(nic, bus_root);
	work += vsp_slowhost_release_due(nic);
	vsp_corrupt_reclaim(nic);
	for (i = 0; i < HVSIM_MAX_CHANNELS; i++) {
		struct hvsim_chan *c = nic->chan[i];

		if (c == NULL)
			continue;
		if (!hvsim_chan_flush(c))
			continue;	/* guest must read first */
		work += vsp_nvsp_drain(nic, c, DRAIN_BUDGET);
		if (nic->irq_fd < 0)
			break;
	}
	return work;
}

uint32_t
hvsim_nic_max_frame(const struct hvsim_nic *nic)
{
	/* jumbo frames need NDIS_CONFIG, i.e. NVSP >= 0x30002 (§C.5) */
	uint32_t mtu = nic->nvsp_version >= HV_NVSP_PROTO_V2 || nic->cfg.mtu < 1500 ?
		       nic->cfg.mtu : 1500;

	return mtu + 14;
}
