/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The virtual switch: ports (one per NIC), the wire behind them, and the
 * pcap recorder. See vswitch.h.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vf/vf.h"
#include "vmbus/nic.h"
#include "vsp/vsp.h"
#include "wire/vswitch.h"

struct hvsim_vswitch {
	struct hvsim_nic *ports[HVSIM_VSWITCH_PORTS];
	int nports;
	const struct hvsim_wire_ops *wire;	/* NULL: --traffic=none */
	void *wire_ctx;
	struct hvsim_pcap *pcap;
	struct hvsim_vswitch_stats st;
};

static const struct hvsim_wire_ops *const wires[] = {
	&hvsim_wire_loop, &hvsim_wire_gen, &hvsim_wire_tap,
};

/* "gen:rate=1000,count=5" -> ops of "gen", args "rate=1000,count=5" */
static int
find_wire(const char *traffic, const struct hvsim_wire_ops **ops, const char **args)
{
	size_t len = strcspn(traffic, ":");
	unsigned int i;

	*args = traffic[len] == ':' ? traffic + len + 1 : "";
	*ops = NULL;
	if (len == 4 && strncmp(traffic, "none", 4) == 0)
		return 0;
	for (i = 0; i < sizeof(wires) / sizeof(wires[0]); i++) {
		if (strlen(wires[i]->name) == len && strncmp(traffic, wires[i]->name, len) == 0) {
			*ops = wires[i];
			return 0;
		}
	}
	return -EINVAL;
}

struct hvsim_vswitch *
hvsim_vswitch_create(const char *traffic, const char *pcap_path)
{
	struct hvsim_vswitch *vs = calloc(1, sizeof(*vs));
	const char *args;

	if (vs == NULL)
		return NULL;
	if (find_wire(traffic, &vs->wire, &args) < 0) {
		fprintf(stderr, "hvsim: unknown --traffic=%s (loop, gen, tap, none)\n", traffic);
		free(vs);
		return NULL;
	}
	if (vs->wire != NULL && vs->wire->create(vs, args, &vs->wire_ctx) < 0) {
		fprintf(stderr, "hvsim: cannot set up --traffic=%s\n", traffic);
		free(vs);
		return NULL;
	}
	if (pcap_path != NULL && (vs->pcap = hvsim_pcap_open(pcap_path)) == NULL) {
		hvsim_vswitch_destroy(vs);
		return NULL;
	}
	return vs;
}

void
hvsim_vswitch_destroy(struct hvsim_vswitch *vs)
{
	if (vs == NULL)
		return;
	if (vs->wire != NULL)
		vs->wire->destroy(vs->wire_ctx);
	if (vs->pcap != NULL)
		hvsim_pcap_close(vs->pcap);
	free(vs);
}

int
hvsim_vswitch_attach(struct hvsim_vswitch *vs, struct hvsim_nic *nic)
{
	int ret;

	if (vs->nports == HVSIM_VSWITCH_PORTS)
		return -ENOSPC;
	nic->vswitch = vs;
	nic->port = vs->nports;
	vs->ports[vs->nports++] = nic;
	if (vs->wire == NULL || vs->wire->port_added == NULL)
		return 0;
	ret = vs->wire->port_added(vs->wire_ctx, nic->port);
	if (ret < 0)
		vs->ports[--vs->nports] = NULL;
	return ret;
}

int
hvsim_parse_kv(const char *args, int (*fn)(void *ctx, const char *key, const char *val),
	       void *ctx)
{
	char *copy = strdup(args), *tok, *save = NULL;
	int ret = 0;

	if (copy == NULL)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && ret == 0; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (eq == NULL) {
			ret = -EINVAL;
			break;
		}
		*eq = '\0';
		ret = fn(ctx, tok, eq + 1);
	}
	free(copy);
	return ret;
}

int
hvsim_vswitch_nports(const struct hvsim_vswitch *vs)
{
	return vs->nports;
}

struct hvsim_nic *
hvsim_vswitch_port(const struct hvsim_vswitch *vs, int port)
{
	return port >= 0 && port < vs->nports ? vs->ports[port] : NULL;
}

void
hvsim_vswitch_tx(struct hvsim_vswitch *vs, int port, const uint8_t *frame, uint32_t len,
		 uint16_t vlan_tci)
{
	vs->st.frames_in++;
	if (vs->pcap != NULL)
		hvsim_pcap_frame(vs->pcap, frame, len, vlan_tci);
	if (vs->wire != NULL)
		vs->wire->from_guest(vs->wire_ctx, port, frame, len, vlan_tci);
}

int
hvsim_vswitch_deliver(struct hvsim_vswitch *vs, int port, const uint8_t *frame, uint32_t len,
		      uint16_t vlan_tci)
{
	struct hvsim_nic *nic = hvsim_vswitch_port(vs, port);
	int ret;

	if (nic == NULL)
		return -ENODEV;
	if (vs->pcap != NULL)
		hvsim_pcap_frame(vs->pcap, frame, len, vlan_tci);
	/* accelerated networking: the NIC's unicast goes to its VF while the
	 * data path is switched. Hardware does not push back: a frame the VF
	 * cannot take is dropped (the VF counts why) and the wire must not
	 * offer it again, nor may it go the synthetic way instead */
	if (hvsim_vf_steers(nic->vf, frame, len)) {
		if (hvsim_vf_deliver(nic->vf, frame, len, vlan_tci) < 0)
			vs->st.delivery_failed++;
		else
			vs->st.frames_out++;
		return 0;
	}
	ret = vsp_rx_frame(nic, frame, len, vlan_tci);
	/* a frame the NIC's packet filter refused did cross the wire: the NIC
	 * counted it (rx_dropped_filter); no wire should offer it again */
	if (ret == -EPERM)
		ret = 0;
	if (ret < 0)
		vs->st.delivery_failed++;
	else
		vs->st.frames_out++;
	return ret;
}

unsigned int
hvsim_vswitch_poll(struct hvsim_vswitch *vs)
{
	unsigned int work = vs->wire != NULL ? vs->wire->poll(vs->wire_ctx) : 0;
	int p;

	/* a poll round of the wire is what RSC may coalesce and what goes to
	 * a channel in one transfer-page packet: deliver it now */
	for (p = 0; p < vs->nports; p++) {
		vsp_rx_flush(vs->ports[p]);
		vsp_rxbuf_flush(vs->ports[p]);
	}
	return work;
}

int
hvsim_vswitch_wire_command(struct hvsim_vswitch *vs, const char *kind, const char *args,
			   bool check)
{
	if (vs == NULL || vs->wire == NULL || vs->wire->command == NULL ||
	    strcmp(vs->wire->name, kind) != 0)
		return -ENOENT;
	return vs->wire->command(vs->wire_ctx, args, check);
}

int
hvsim_vswitch_done(const struct hvsim_vswitch *vs)
{
	return vs->wire != NULL && vs->wire->done != NULL && vs->wire->done(vs->wire_ctx);
}

void
hvsim_vswitch_stats(const struct hvsim_vswitch *vs, struct hvsim_vswitch_stats *st)
{
	*st = vs->st;
}

void
hvsim_vswitch_stats_json(const struct hvsim_vswitch *vs, FILE *f)
{
	fprintf(f, "{\"frames_in\": %llu, \"frames_out\": %llu, \"delivery_failed\": %llu",
		(unsigned long long)vs->st.frames_in, (unsigned long long)vs->st.frames_out,
		(unsigned long long)vs->st.delivery_failed);
	if (vs->wire != NULL && vs->wire->stats_json != NULL) {
		fprintf(f, ", \"%s\": ", vs->wire->name);
		vs->wire->stats_json(vs->wire_ctx, f);
	}
	fprintf(f, "}");
}
