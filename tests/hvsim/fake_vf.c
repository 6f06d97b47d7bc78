/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The test device side of a simulated VF (fake_vf.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_vf.h"

const uint8_t fake_vf_mac[6] = { 0x00, 0x15, 0x5d, 0x01, 0x02, 0x03 };

static int
write_file(const char *dir, const char *name, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	va_start(ap, fmt);
	ok = vfprintf(f, fmt, ap) >= 0;
	va_end(ap);
	if (fclose(f) != 0 || !ok)
		return -EIO;
	return 0;
}

static void
fill_caps(struct hvsim_vf_caps *c, uint32_t queues)
{
	memset(c, 0, sizeof(*c));
	c->magic = HVSIM_VF_MAGIC;
	c->abi = HVSIM_VF_ABI;
	c->max_queues = queues;
	c->ring_data_size = HVSIM_VF_RING_DATA;
	c->ring_offset = HVSIM_VF_PAGE;
	c->ring_stride = HVSIM_VF_PAGE + HVSIM_VF_RING_DATA;
	c->max_mtu = FAKE_VF_MAX_MTU;
	c->speed_mbps = FAKE_VF_SPEED;
	c->offloads = HVSIM_VF_OFL_RX_IPV4_CKSUM | HVSIM_VF_OFL_RX_L4_CKSUM |
		      HVSIM_VF_OFL_RX_VLAN_STRIP | HVSIM_VF_OFL_RX_RSS_HASH |
		      HVSIM_VF_OFL_TX_IPV4_CKSUM | HVSIM_VF_OFL_TX_TCP_CKSUM |
		      HVSIM_VF_OFL_TX_UDP_CKSUM | HVSIM_VF_OFL_TX_TSO |
		      HVSIM_VF_OFL_TX_VLAN_INSERT | HVSIM_VF_OFL_TX_MULTI_SEGS;
	c->rss_types = HVSIM_VF_RSS_IPV4 | HVSIM_VF_RSS_TCP4 | HVSIM_VF_RSS_UDP4 |
		       HVSIM_VF_RSS_IPV6 | HVSIM_VF_RSS_TCP6 | HVSIM_VF_RSS_UDP6;
	c->rss_key_size = HVSIM_VF_RSS_KEY_SIZE;
	c->reta_size = HVSIM_VF_RETA_SIZE;
	memcpy(c->mac, fake_vf_mac, 6);
	c->serial = 1;
}

static int
sysfs_files(const char *dir, uint64_t bar_len)
{
	static const char zero_line[] =
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n";
	char path[PATH_MAX];
	unsigned long long start = 0xfe0000000ull;
	int ret = 0;

	ret |= write_file(dir, "vendor", "0x%04x\n", HVSIM_VF_PCI_VENDOR);
	ret |= write_file(dir, "device", "0x%04x\n", HVSIM_VF_PCI_DEVICE);
	ret |= write_file(dir, "subsystem_vendor", "0x%04x\n", HVSIM_VF_PCI_VENDOR);
	ret |= write_file(dir, "subsystem_device", "0x%04x\n", HVSIM_VF_PCI_DEVICE);
	ret |= write_file(dir, "class", "0x%06x\n", HVSIM_VF_PCI_CLASS);
	ret |= write_file(dir, "numa_node", "-1\n");
	ret |= write_file(dir, "resource", "0x%016llx 0x%016llx 0x%016llx\n%s%s%s%s%s%s",
			  start, start + bar_len - 1, 0x40200ull, zero_line, zero_line,
			  zero_line, zero_line, zero_line, zero_line);
	if (ret != 0)
		return -EIO;
	snprintf(path, sizeof(path), "%s/driver", dir);
	if (symlink("../../../bus/pci/drivers/" HVSIM_VF_KDRV_NAME, path) != 0)
		return -errno;
	return 0;
}

static int
rings_init(struct fake_vf *vf)
{
	uint32_t q;

	for (q = 0; q < vf->queues && hvsim_vf_bar_size(q + 1) <= vf->len; q++) {
		if (hv_ring_attach(&vf->tx[q],
				   vf->bar + hvsim_vf_ring_offset(&vf->shm->caps, q, 1),
				   HVSIM_VF_PAGE + HVSIM_VF_RING_DATA) != 0 ||
		    hv_ring_attach(&vf->rx[q],
				   vf->bar + hvsim_vf_ring_offset(&vf->shm->caps, q, 0),
				   HVSIM_VF_PAGE + HVSIM_VF_RING_DATA) != 0)
			return -EINVAL;
		hv_ring_init_header(&vf->tx[q], 0);
		hv_ring_init_header(&vf->rx[q], 0);
	}
	return 0;
}

int
fake_vf_create(struct fake_vf *vf, const char *devices_dir, const char *bdf,
	       uint32_t queues, uint64_t bar_len, void (*tweak)(struct hvsim_vf_shm *))
{
	char dir[PATH_MAX], path[PATH_MAX];
	int fd, ret;

	memset(vf, 0, sizeof(*vf));
	snprintf(vf->bdf, sizeof(vf->bdf), "%s", bdf);
	vf->queues = queues;
	vf->len = bar_len ? bar_len : hvsim_vf_bar_size(queues);
	snprintf(dir, sizeof(dir), "%s/%s", devices_dir, bdf);
	if (mkdir(dir, 0755) != 0)
		return -errno;
	ret = sysfs_files(dir, vf->len);
	if (ret != 0)
		return ret;

	/* the BAR is complete before anyone can map it: written, then renamed */
	snprintf(path, sizeof(path), "%s/.resource0", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, vf->len) != 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	vf->bar = mmap(NULL, vf->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (vf->bar == MAP_FAILED) {
		vf->bar = NULL;
		return -errno;
	}
	vf->shm = (struct hvsim_vf_shm *)vf->bar;
	fill_caps(&vf->shm->caps, queues);
	vf->shm->host.link_up = 1;
	ret = rings_init(vf);
	if (ret != 0)
		return ret;
	if (tweak != NULL)
		tweak(vf->shm);
	snprintf(dir, sizeof(dir), "%s/%s/resource0", devices_dir, bdf);
	if (rename(path, dir) != 0)
		return -errno;
	return 0;
}

void
fake_vf_unmap(struct fake_vf *vf)
{
	if (vf->bar != NULL)
		munmap(vf->bar, vf->len);
	vf->bar = NULL;
	vf->shm = NULL;
}

void
fake_vf_event(struct fake_vf *vf)
{
	__atomic_fetch_add(&vf->shm->host.event_seq, 1, __ATOMIC_RELEASE);
}

int
fake_vf_rx_raw(struct fake_vf *vf, uint32_t q, uint16_t type, uint16_t offset8,
	       const struct hvsim_vf_pkt *h, const void *frame, uint32_t len)
{
	struct {
		struct hv_pkt_desc desc;
		struct hvsim_vf_pkt pkt;
	} rec;
	struct iovec iov[2] = {
		{ &rec, sizeof(rec) },
		{ (void *)(uintptr_t)frame, len },
	};
	bool signal = false;

	memset(&rec, 0, sizeof(rec));
	rec.desc.type = type;
	rec.desc.offset8 = offset8;
	rec.desc.len8 = (sizeof(rec) + len + 7) / 8;
	rec.desc.trans_id = vf->rx_id++;
	rec.pkt = *h;
	return hv_ring_write(&vf->rx[q], iov, len ? 2 : 1, &signal);
}

int
fake_vf_rx(struct fake_vf *vf, uint32_t q, const void *frame, uint32_t len, uint16_t flags,
	   uint16_t vlan, uint32_t hash)
{
	struct hvsim_vf_pkt h = {
		.frame_len = len, .flags = flags, .vlan_tci = vlan, .rss_hash = hash,
	};

	return fake_vf_rx_raw(vf, q, HV_PKT_DATA_INBAND, HVSIM_VF_REC_HDR / 8, &h, frame, len);
}

int
fake_vf_tx_read(struct fake_vf *vf, uint32_t q, struct hv_pkt_desc *desc,
		struct hvsim_vf_pkt *h, uint8_t *frame, uint32_t frame_size)
{
	struct hv_ring *r = &vf->tx[q];
	struct hv_ring_pkt pkt;
	bool signal;
	int ret;

	ret = hv_ring_peek(r, &pkt, NULL, 0);
	if (ret == 0 || ret == -EIO)
		return ret;
	*desc = pkt.desc;
	ret = 1;
	if (pkt.desc.type != HV_PKT_DATA_INBAND || pkt.desc.offset8 != HVSIM_VF_REC_HDR / 8) {
		ret = -EBADMSG;
	} else {
		hv_ring_copy_out(r, sizeof(*desc), h, sizeof(*h));
		if (h->frame_len > pkt.len - HVSIM_VF_REC_HDR || h->frame_len > frame_size)
			ret = -EBADMSG;
		else
			hv_ring_copy_out(r, HVSIM_VF_REC_HDR, frame, h->frame_len);
	}
	hv_ring_consume(r, pkt.len);
	hv_ring_read_commit(r, &signal);
	return ret;
}
