/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * A simulated VF's device side for tests: the sysfs files of a PCI
 * function under a fake devices directory (what SYSFS_PCI_DEVICES names)
 * and its BAR, resource0, laid out per vf/vf_shm.h, with the host's ends
 * of the rings. Used by test_vf_pmd and vf_host_loop; hvsim's own VF
 * (hvsim/vf) is the real thing.
 */

#ifndef TEST_FAKE_VF_H
#define TEST_FAKE_VF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv_ring.h"
#include "vf/vf_shm.h"

#define FAKE_VF_MAX_MTU		9000
#define FAKE_VF_SPEED		100000

extern const uint8_t fake_vf_mac[6];

struct fake_vf {
	char bdf[16];
	uint8_t *bar;
	size_t len;
	struct hvsim_vf_shm *shm;
	uint32_t queues;
	struct hv_ring tx[HVSIM_VF_MAX_QUEUES];	/* host reads */
	struct hv_ring rx[HVSIM_VF_MAX_QUEUES];	/* host writes */
	uint64_t rx_id;
};

/*
 * Lay out <devices_dir>/<bdf>/ as Linux shows a PCI function bound to
 * hvsim_vf, with a BAR of bar_len bytes (0: the size for `queues`), caps
 * filled in (every offload, every RSS type, FAKE_VF_MAX_MTU, link up) and
 * the rings that fit initialised. tweak, when set, may spoil page 0 before
 * the device can be seen. 0 or -errno.
 */
int fake_vf_create(struct fake_vf *vf, const char *devices_dir, const char *bdf,
		   uint32_t queues, uint64_t bar_len, void (*tweak)(struct hvsim_vf_shm *));
void fake_vf_unmap(struct fake_vf *vf);

/* Host state changed: bump event_seq (release) after the fields. */
void fake_vf_event(struct fake_vf *vf);

/* One RX record on queue q with any descriptor type/offset8 and header. */
int fake_vf_rx_raw(struct fake_vf *vf, uint32_t q, uint16_t type, uint16_t offset8,
		   const struct hvsim_vf_pkt *h, const void *frame, uint32_t len);
/* One well-formed RX record. 0, -EAGAIN (ring full) or -EIO. */
int fake_vf_rx(struct fake_vf *vf, uint32_t q, const void *frame, uint32_t len,
	       uint16_t flags, uint16_t vlan, uint32_t hash);

/*
 * The next TX record of queue q, consumed: 1 and its parts; 0 when the
 * ring is empty; -EBADMSG for a record that is not a well-formed frame
 * (consumed too); -EIO for a corrupt ring.
 */
int fake_vf_tx_read(struct fake_vf *vf, uint32_t q, struct hv_pkt_desc *desc,
		    struct hvsim_vf_pkt *h, uint8_t *frame, uint32_t frame_size);

#endif /* TEST_FAKE_VF_H */
