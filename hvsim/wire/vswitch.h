/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The virtual switch behind the simulated NICs, and what is on the other
 * side of the wire (--traffic=KIND[:ARGS]), one module per kind:
 *   loop   loop.c  reflect every frame back to the NIC that sent it
 *   gen    gen.c   generate numbered frames, check what comes back
 *   tap    tap.c   a kernel TAP device per port, each in its own
 *                  network namespace (ping, iperf3, curl)
 *   none           drop everything
 * --pcap=FILE records every frame crossing the switch (pcap.c).
 *
 * A wire never calls into a NIC from inside hvsim_vswitch_tx(): frames
 * towards guests are handed over in hvsim_vswitch_poll(), so a guest's TX
 * and RX are never processed inside each other.
 */

#ifndef HVSIM_VSWITCH_H
#define HVSIM_VSWITCH_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct hvsim_nic;
struct hvsim_vswitch;

#define HVSIM_VSWITCH_PORTS	8
#define HVSIM_VSWITCH_FRAME_MAX	(64 * 1024)

/* "XX:XX:XX:XX:XX:XX" (nothing after it) into mac; 0 or -EINVAL. */
static inline int
hvsim_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6], i;
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

/* "KEY=VALUE,KEY=VALUE": fn(ctx, key, value) for each pair, in order,
 * until one fails; a pair without '=' is -EINVAL. */
int hvsim_parse_kv(const char *args, int (*fn)(void *ctx, const char *key, const char *val),
		   void *ctx);

/* One kind of wire. */
struct hvsim_wire_ops {
	const char *name;
	/* args: what followed "KIND:" in --traffic, or "" */
	int (*create)(struct hvsim_vswitch *vs, const char *args, void **ctx);
	/* a NIC was attached as `port` (may be NULL); 0 or -errno */
	int (*port_added)(void *ctx, int port);
	/* a frame a guest sent (already past the NIC: no VLAN tag inside) */
	void (*from_guest)(void *ctx, int port, const uint8_t *frame, uint32_t len,
			   uint16_t vlan_tci);
	/* produce frames for guests with hvsim_vswitch_deliver(); returns work */
	unsigned int (*poll)(void *ctx);
	/* a JSON object (no trailing comma) for --stats-json, may be NULL */
	void (*stats_json)(void *ctx, FILE *f);
	/* true when the wire has finished what it was asked to do (gen count) */
	int (*done)(void *ctx);
	/* a scenario command for the wire (cli/control.c): change its settings as
	 * args says, in the form --traffic takes; check: parse only. May be NULL */
	int (*command)(void *ctx, const char *args, bool check);
	void (*destroy)(void *ctx);
};

extern const struct hvsim_wire_ops hvsim_wire_loop;
extern const struct hvsim_wire_ops hvsim_wire_gen;
extern const struct hvsim_wire_ops hvsim_wire_tap;

struct hvsim_vswitch_stats {
	uint64_t frames_in;		/* from NICs */
	uint64_t frames_out;		/* to NICs */
	uint64_t delivery_failed;	/* the NIC could not take it */
};

/* --traffic=KIND[:ARGS], optional --pcap=FILE (NULL: none). */
struct hvsim_vswitch *hvsim_vswitch_create(const char *traffic, const char *pcap_path);
void hvsim_vswitch_destroy(struct hvsim_vswitch *vs);
int hvsim_vswitch_attach(struct hvsim_vswitch *vs, struct hvsim_nic *nic);
int hvsim_vswitch_nports(const struct hvsim_vswitch *vs);
struct hvsim_nic *hvsim_vswitch_port(const struct hvsim_vswitch *vs, int port);

/* A NIC sends a frame to the wire (guest TX). */
void hvsim_vswitch_tx(struct hvsim_vswitch *vs, int port, const uint8_t *frame,
		      uint32_t len, uint16_t vlan_tci);

/* A wire hands a frame to the NIC on `port` (guest RX). 0 (also when the
 * NIC's packet filter dropped it: it crossed the wire) or -errno. */
int hvsim_vswitch_deliver(struct hvsim_vswitch *vs, int port, const uint8_t *frame,
			  uint32_t len, uint16_t vlan_tci);

unsigned int hvsim_vswitch_poll(struct hvsim_vswitch *vs);
/* A scenario command for the wire named kind: 0, -ENOENT (another wire or
 * one without commands) or the wire's -errno (bad args). */
int hvsim_vswitch_wire_command(struct hvsim_vswitch *vs, const char *kind, const char *args,
			       bool check);
int hvsim_vswitch_done(const struct hvsim_vswitch *vs);
void hvsim_vswitch_stats(const struct hvsim_vswitch *vs, struct hvsim_vswitch_stats *st);
void hvsim_vswitch_stats_json(const struct hvsim_vswitch *vs, FILE *f);

/* pcap.c: record frames crossing the switch (libpcap, readable by tshark) */
struct hvsim_pcap;
struct hvsim_pcap *hvsim_pcap_open(const char *path);
void hvsim_pcap_frame(struct hvsim_pcap *p, const uint8_t *frame, uint32_t len,
		      uint16_t vlan_tci);
void hvsim_pcap_close(struct hvsim_pcap *p);

#endif /* HVSIM_VSWITCH_H */
