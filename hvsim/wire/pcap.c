/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * --pcap=FILE: every frame that crosses the virtual switch, through
 * libpcap, so tshark and tcpdump read it. VLAN tags travel out of band
 * (in RNDIS per-packet info); the recording puts them back in the frame.
 */

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <pcap/pcap.h>

#include "wire/vswitch.h"

struct hvsim_pcap {
	pcap_t *dead;
	pcap_dumper_t *dumper;
	uint8_t buf[HVSIM_VSWITCH_FRAME_MAX + 4];
};

struct hvsim_pcap *
hvsim_pcap_open(const char *path)
{
	struct hvsim_pcap *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->dead = pcap_open_dead(DLT_EN10MB, HVSIM_VSWITCH_FRAME_MAX + 4);
	p->dumper = p->dead ? pcap_dump_open(p->dead, path) : NULL;
	if (p->dumper == NULL) {
		fprintf(stderr, "hvsim: cannot write --pcap=%s: %s\n", path,
			p->dead ? pcap_geterr(p->dead) : "out of memory");
		if (p->dead)
			pcap_close(p->dead);
		free(p);
		return NULL;
	}
	return p;
}

void
hvsim_pcap_frame(struct hvsim_pcap *p, const uint8_t *frame, uint32_t len, uint16_t vlan_tci)
{
	struct pcap_pkthdr h;
	const uint8_t *data = frame;

	if (vlan_tci != 0 && len >= 12) {
		memcpy(p->buf, frame, 12);
		p->buf[12] = 0x81;
		p->buf[13] = 0x00;
		p->buf[14] = (uint8_t)(vlan_tci >> 8);
		p->buf[15] = (uint8_t)vlan_tci;
		memcpy(p->buf + 16, frame + 12, len - 12);
		data = p->buf;
		len += 4;
	}
	gettimeofday(&h.ts, NULL);
	h.caplen = h.len = len;
	pcap_dump((u_char *)p->dumper, &h, data);
}

void
hvsim_pcap_close(struct hvsim_pcap *p)
{
	pcap_dump_close(p->dumper);
	pcap_close(p->dead);
	free(p);
}
