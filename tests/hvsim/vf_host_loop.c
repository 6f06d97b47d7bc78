/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * A VF host for trying net_hvsim_vf by hand (testpmd), without hvsim:
 *
 *	vf_host_loop DEVICES_DIR BDF QUEUES
 *
 * creates the device under DEVICES_DIR (run the guest with
 * SYSFS_PCI_DEVICES=DEVICES_DIR) and, while the guest has it started,
 * sends every frame of TX queue q back on RX queue q. SIGUSR1 flips the
 * link, SIGUSR2 revokes the device (gone), SIGINT/SIGTERM end it; the
 * counts go to stdout at the end.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_vf.h"

static volatile sig_atomic_t stop, flip_link, revoke_now;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		flip_link = 1;
	else if (sig == SIGUSR2)
		revoke_now = 1;
	else
		stop = 1;
}

/* RX flags for a frame the guest asked offloads for: the checks pass. */
static uint16_t
rx_flags_for(const struct hvsim_vf_pkt *h)
{
	uint16_t f = 0;

	if (h->flags & HVSIM_VF_TX_IPV4_CKSUM)
		f |= HVSIM_VF_RX_IP_GOOD;
	if (h->flags & (HVSIM_VF_TX_TCP_CKSUM | HVSIM_VF_TX_UDP_CKSUM))
		f |= HVSIM_VF_RX_L4_GOOD;
	return f;
}

int
main(int argc, char **argv)
{
	static uint8_t frame[HVSIM_VF_FRAME_MAX];
	struct timespec nap = { 0, 50000 };
	uint64_t looped = 0, lost = 0, bad = 0;
	struct hvsim_vf_pkt h;
	struct hv_pkt_desc d;
	struct fake_vf vf;
	uint32_t q, queues;
	int ret;

	if (argc != 4) {
		fprintf(stderr, "usage: %s DEVICES_DIR BDF QUEUES\n", argv[0]);
		return 2;
	}
	queues = strtoul(argv[3], NULL, 0);
	ret = fake_vf_create(&vf, argv[1], argv[2], queues, 0, NULL);
	if (ret != 0) {
		fprintf(stderr, "cannot create %s/%s: %s\n", argv[1], argv[2], strerror(-ret));
		return 1;
	}
	signal(SIGUSR1, on_signal);
	signal(SIGUSR2, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("vf_host_loop: %s/%s ready\n", argv[1], argv[2]);
	fflush(stdout);
	while (!stop) {
		if (flip_link) {
			flip_link = 0;
			vf.shm->host.link_up ^= 1;
			fake_vf_event(&vf);
		}
		if (revoke_now) {
			revoke_now = 0;
			vf.shm->host.gone = 1;
			fake_vf_event(&vf);
		}
		if (!__atomic_load_n(&vf.shm->guest.started, __ATOMIC_ACQUIRE) ||
		    vf.shm->host.gone) {
			nanosleep(&nap, NULL);
			continue;
		}
		for (q = 0; q < queues; q++) {
			while ((ret = fake_vf_tx_read(&vf, q, &d, &h, frame, sizeof(frame))) != 0) {
				if (ret < 0) {
					bad++;
					if (ret == -EIO)
						break;
					continue;
				}
				if (fake_vf_rx(&vf, q, frame, h.frame_len, rx_flags_for(&h), 0, 0))
					lost++;
				else
					looped++;
			}
		}
		nanosleep(&nap, NULL);
	}
	printf("vf_host_loop: looped %llu lost %llu bad %llu\n", (unsigned long long)looped,
	       (unsigned long long)lost, (unsigned long long)bad);
	fake_vf_unmap(&vf);
	return 0;
}
