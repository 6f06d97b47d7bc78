/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * What hvsim reports at exit: per-NIC and per-channel counters, as JSON
 * (--stats-json) and as a short summary on stderr.
 */

#include <stdio.h>

#include "cli/report.h"
#include "vf/vf.h"
#include "vmbus/nic.h"
#include "vsp/vsp.h"
#include "wire/vswitch.h"

uint64_t
hvsim_total_violations(const struct hvsim_nic *nics, int n)
{
	uint64_t total = 0;
	int i;

	for (i = 0; i < n; i++)
		total += nics[i].stats.violations;
	return total;
}

static void
json_channel(FILE *f, const struct hvsim_nic *nic, unsigned int id, bool last)
{
	struct hvsim_chan_stats s = nic->chan_totals[id];
	const struct hvsim_chan *c = nic->chan[id];

	if (c != NULL)	/* session still open: add what it has so far */
		hvsim_chan_stats_add(&s, &c->stats);
	fprintf(f,
		"        {\"subchannel_id\": %u, \"rx_frames\": %llu, \"guest_packets\": %llu, "
		"\"host_packets\": %llu, \"guest_signals\": %llu, \"host_signals\": %llu, "
		"\"ring_full\": %llu, \"bad_packets\": %llu}%s\n",
		id, (unsigned long long)s.rx_frames, (unsigned long long)s.rx_packets, (unsigned long long)s.tx_packets,
		(unsigned long long)s.guest_signals, (unsigned long long)s.host_signals,
		(unsigned long long)s.tx_ring_full, (unsigned long long)s.bad_packets,
		last ? "" : ",");
}

/* The guest's last RSS programming, so a test can predict the spread. */
static void
json_rss(FILE *f, const struct hvsim_nic *nic)
{
	unsigned int i;

	fprintf(f, "      \"rss\": {\"enabled\": %s, \"programmed\": %s, \"hash_info\": %u, "
		"\"sets\": %llu, \"hashed\": %llu, \"channels_open\": %u, \"key\": \"",
		nic->rss_enabled ? "true" : "false", nic->rss_programmed ? "true" : "false",
		nic->rss_hash_info, (unsigned long long)nic->stats.rss_sets,
		(unsigned long long)nic->stats.rx_rss_hashed, nic->nchan);
	for (i = 0; i < HVSIM_RSS_KEY_SIZE; i++)
		fprintf(f, "%02x", nic->rss_key[i]);
	fprintf(f, "\", \"table\": [");
	for (i = 0; i < nic->rss_table_size; i++)
		fprintf(f, "%s%u", i ? ", " : "", nic->rss_table[i]);
	fprintf(f, "]}");
}

/* Offload counters and what the guest enabled (vsp/offload.h). */
static void
json_offload(FILE *f, const struct hvsim_nic *nic)
{
	const struct hvsim_nic_stats *s = &nic->stats;
	const struct hvsim_ofl_config *o = &nic->last_offload;

	fprintf(f, ",\n      \"rx_dropped_oversize\": %llu, \"tx_csum_ip\": %llu, "
		"\"tx_csum_tcp\": %llu, \"tx_csum_udp\": %llu, \"tx_csum_bad_no_offload\": %llu, "
		"\"lso_packets\": %llu, \"lso_segments\": %llu,\n"
		"      \"rx_csum_ip_ok\": %llu, \"rx_csum_ip_failed\": %llu, "
		"\"rx_csum_l4_ok\": %llu, \"rx_csum_l4_failed\": %llu, "
		"\"rsc_packets\": %llu, \"rsc_segments\": %llu, \"rsc_faults\": %llu,\n"
		"      \"rx_xfer_sent\": %llu, \"rx_xfer_completed\": %llu, "
		"\"rx_xfer_failed\": %llu, \"ndis_caps\": %llu,\n",
		(unsigned long long)s->rx_dropped_oversize, (unsigned long long)s->tx_csum_ip,
		(unsigned long long)s->tx_csum_tcp, (unsigned long long)s->tx_csum_udp,
		(unsigned long long)s->tx_csum_bad_no_offload,
		(unsigned long long)s->lso_packets, (unsigned long long)s->lso_segments,
		(unsigned long long)s->rx_csum_ip_ok, (unsigned long long)s->rx_csum_ip_failed,
		(unsigned long long)s->rx_csum_l4_ok, (unsigned long long)s->rx_csum_l4_failed,
		(unsigned long long)s->rsc_packets, (unsigned long long)s->rsc_segments,
		(unsigned long long)s->rsc_faults, (unsigned long long)s->rx_xfer_sent,
		(unsigned long long)s->rx_xfer_completed, (unsigned long long)s->rx_xfer_failed,
		(unsigned long long)nic->last_ndis_caps);
	/* the last session's settings: a test checks what the guest asked for */
	fprintf(f, "      \"offload\": {\"ip4\": \"%s\", \"tcp4\": \"%s\", \"udp4\": \"%s\", "
		"\"tcp6\": \"%s\", \"udp6\": \"%s\", \"lso4\": %s, \"lso6\": %s, "
		"\"rsc4\": %s, \"rsc6\": %s}",
		hvsim_ofl_param_name(o->ip4), hvsim_ofl_param_name(o->tcp4),
		hvsim_ofl_param_name(o->udp4), hvsim_ofl_param_name(o->tcp6),
		hvsim_ofl_param_name(o->udp6), o->lso4 ? "true" : "false",
		o->lso6 ? "true" : "false", o->rsc4 ? "true" : "false",
		o->rsc6 ? "true" : "false");
}

/* What a hostile host did (vsp/corrupt.c): "corrupted" per kind, the
 * rates now, the receive slots it took back and the guest's legitimate
 * reactions (completions of corrupted packets). */
static void
json_corrupt(FILE *f, const struct hvsim_corrupt *cr)
{
	unsigned int k;

	fprintf(f, ",\n      \"corrupted\": {");
	for (k = 0; k < HVSIM_CORRUPT_KINDS; k++)
		fprintf(f, "%s\"%s\": %llu", k ? ", " : "", hvsim_corrupt_kind_names[k],
			(unsigned long long)cr->count[k]);
	fprintf(f, "},\n      \"corrupt_ppm\": {");
	for (k = 0; k < HVSIM_CORRUPT_KINDS; k++)
		fprintf(f, "%s\"%s\": %u", k ? ", " : "", hvsim_corrupt_kind_names[k],
			cr->rate_ppm[k]);
	fprintf(f, "}, \"corrupt_reclaimed\": %llu, \"corrupt_guest_reactions\": %llu",
		(unsigned long long)cr->reclaimed, (unsigned long long)cr->guest_reactions);
}

static void
json_nic(FILE *f, const struct hvsim_nic *nic, bool last)
{
	const struct hvsim_nic_stats *s = &nic->stats;
	unsigned int i;

	fprintf(f, "    {\"index\": %d, \"device\": \"%s\", \"nvsp_version\": %u, "
		"\"tx_frames\": %llu, \"tx_bytes\": %llu, \"rx_frames\": %llu, \"rx_bytes\": %llu, "
		"\"rx_dropped_filter\": %llu, \"rx_dropped_no_slot\": %llu, "
		"\"rx_dropped_ring\": %llu, \"rndis_requests\": %llu, \"violations\": %llu,\n"
		"      \"link_up\": %s, \"speed_mbps\": %llu, \"status_indications\": %llu, "
		"\"ctl_delay_ms\": %u, \"ctl_muted\": %s, \"ctl_deferred\": %llu, "
		"\"ctl_withheld\": %llu, \"packet_filter\": %u,\n"
		"      \"channels\": [\n",
		nic->index, nic->cfg.spec.device_id, nic->last_nvsp_version,
		(unsigned long long)s->tx_frames, (unsigned long long)s->tx_bytes,
		(unsigned long long)s->rx_frames, (unsigned long long)s->rx_bytes,
		(unsigned long long)s->rx_dropped_filter, (unsigned long long)s->rx_dropped_no_slot,
		(unsigned long long)s->rx_dropped_ring, (unsigned long long)s->rndis_requests,
		(unsigned long long)s->violations,
		nic->cfg.link_up ? "true" : "false", (unsigned long long)nic->cfg.speed_mbps,
		(unsigned long long)s->status_indications, nic->ctl_delay_ms,
		nic->ctl_muted ? "true" : "false", (unsigned long long)s->ctl_deferred,
		(unsigned long long)s->ctl_withheld, nic->packet_filter);
	for (i = 0; i < nic->max_nchan; i++)
		json_channel(f, nic, i, i + 1 == nic->max_nchan);
	fprintf(f, "      ],\n");
	json_rss(f, nic);
	json_offload(f, nic);
	fprintf(f, ",\n      \"lifecycle\": {\"present\": %s, \"uio\": %d, \"relid\": %u, "
		"\"rescinds\": %llu, \"reoffers\": %llu}", nic->rescinded ? "false" : "true",
		nic->cfg.spec.uio_num, nic->cfg.spec.relid, (unsigned long long)nic->rescinds,
		(unsigned long long)nic->reoffers);
	json_corrupt(f, &nic->corrupt);
	if (nic->vf != NULL) {
		fprintf(f, ",\n      \"vf\": ");
		hvsim_vf_stats_json(nic->vf, f);
	}
	fprintf(f, "}%s\n", last ? "" : ",");
}

void
hvsim_stats_json(FILE *f, const struct hvsim_nic *nics, int n, const struct hvsim_vswitch *vs)
{
	unsigned int k;
	int i;

	fprintf(f, "{\n  \"vswitch\": ");
	hvsim_vswitch_stats_json(vs, f);
	fprintf(f, ",\n  \"nics\": [\n");
	for (i = 0; i < n; i++)
		json_nic(f, &nics[i], i == n - 1);
	fprintf(f, "  ],\n  \"corrupted\": {");
	for (k = 0; k < HVSIM_CORRUPT_KINDS; k++) {
		uint64_t sum = 0;

		for (i = 0; i < n; i++)
			sum += nics[i].corrupt.count[k];
		fprintf(f, "%s\"%s\": %llu", k ? ", " : "", hvsim_corrupt_kind_names[k],
			(unsigned long long)sum);
	}
	fprintf(f, "},\n  \"violations\": %llu\n}\n",
		(unsigned long long)hvsim_total_violations(nics, n));
}

int
hvsim_write_stats_json(const char *path, const struct hvsim_nic *nics, int n,
		       const struct hvsim_vswitch *vs)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		perror("hvsim: --stats-json");
		return -1;
	}
	hvsim_stats_json(f, nics, n, vs);
	return fclose(f) == 0 ? 0 : -1;
}

/* A second line for a NIC whose offloads did something. */
static void
summary_offload(FILE *f, const struct hvsim_nic *nic)
{
	const struct hvsim_nic_stats *s = &nic->stats;

	if (s->tx_csum_ip + s->tx_csum_tcp + s->tx_csum_udp + s->tx_csum_bad_no_offload +
	    s->lso_packets + s->rx_csum_ip_ok + s->rx_csum_ip_failed + s->rx_csum_l4_ok +
	    s->rx_csum_l4_failed + s->rsc_packets + s->rx_dropped_oversize == 0)
		return;
	fprintf(f, "hvsim: nic%d offloads: tx csum ip %llu tcp %llu udp %llu, wrong without "
		"request %llu; lso %llu -> %llu segments; rx csum ok ip %llu l4 %llu, failed "
		"ip %llu l4 %llu; rsc %llu <- %llu segments; rx oversize %llu\n", nic->index,
		(unsigned long long)s->tx_csum_ip, (unsigned long long)s->tx_csum_tcp,
		(unsigned long long)s->tx_csum_udp, (unsigned long long)s->tx_csum_bad_no_offload,
		(unsigned long long)s->lso_packets, (unsigned long long)s->lso_segments,
		(unsigned long long)s->rx_csum_ip_ok, (unsigned long long)s->rx_csum_l4_ok,
		(unsigned long long)s->rx_csum_ip_failed, (unsigned long long)s->rx_csum_l4_failed,
		(unsigned long long)s->rsc_packets, (unsigned long long)s->rsc_segments,
		(unsigned long long)s->rx_dropped_oversize);
}

/* A line for a NIC that corrupted something. */
static void
summary_corrupt(FILE *f, const struct hvsim_nic *nic)
{
	const struct hvsim_corrupt *cr = &nic->corrupt;
	unsigned int k;
	uint64_t total = 0;

	for (k = 0; k < HVSIM_CORRUPT_KINDS; k++)
		total += cr->count[k];
	if (total == 0)
		return;
	fprintf(f, "hvsim: nic%d corrupted:", nic->index);
	for (k = 0; k < HVSIM_CORRUPT_KINDS; k++)
		fprintf(f, " %s %llu", hvsim_corrupt_kind_names[k],
			(unsigned long long)cr->count[k]);
	fprintf(f, "; slots reclaimed %llu, guest reactions %llu\n",
		(unsigned long long)cr->reclaimed, (unsigned long long)cr->guest_reactions);
}

void
hvsim_print_summary(FILE *f, const struct hvsim_nic *nics, int n,
		    const struct hvsim_vswitch *vs)
{
	int i;

	(void)vs;
	for (i = 0; i < n; i++) {
		fprintf(f, "hvsim: nic%d: nvsp 0x%x, %u channel(s), tx %llu frames, rx %llu frames, "
			"%llu violation(s)\n", i, nics[i].last_nvsp_version, nics[i].max_nchan,
			(unsigned long long)nics[i].stats.tx_frames,
			(unsigned long long)nics[i].stats.rx_frames,
			(unsigned long long)nics[i].stats.violations);
		summary_offload(f, &nics[i]);
		summary_corrupt(f, &nics[i]);
		if (nics[i].vf != NULL)
			hvsim_vf_summary(f, nics[i].vf);
	}
}
