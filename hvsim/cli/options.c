/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * hvsim's command line: every option, its default and its checks, and
 * --help. What an option means for a NIC lands in struct hvsim_nic_config.
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/options.h"
#include "vf/vf_shm.h"
#include "vsp/vsp.h"
#include "wire/vswitch.h"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: hvsim [options] -- COMMAND [ARGS]\n"
		"  --netvsc=hvnet|bundled|installed\n"
		"                          netvsc implementation the guest loads (default hvnet):\n"
		"                          ours, Debian's, or whatever the plugin directory holds\n"
		"  --nics=N                synthetic NICs (default 1, at most %d)\n"
		"  --mac=XX:XX:XX:XX:XX:XX MAC of NIC 0; NIC i adds i to the last byte\n"
		"  --mtu=N                 maximum frame size reported (default 1500)\n"
		"  --speed=MBPS            link speed (default 10000)\n"
		"  --link=up|down          initial link state (default up)\n"
		"  --nvsp-max=VERSION      newest NVSP version accepted (default 0x60001)\n"
		"  --subchannels=N         most subchannels granted (default 63)\n"
		"  --rx-slot=BYTES         receive buffer slot size (default 1728)\n"
		"  --rx-batch=N            frames of one poll round a channel gets in one\n"
		"                          transfer-page packet, at most (1..64, default 32)\n"
		"  --tx-section=BYTES      send buffer section size (default 6144)\n"
		"  --lso-max=BYTES         LSOv2 max size advertised (default 62780)\n"
		"  --lso-min-segs=N        LSOv2 min segment count advertised (default 2)\n"
		"  --no-monitor            channels have no monitor id\n"
		"  --traffic=KIND[:ARGS]   the other side of the wire (default loop):\n"
		"                          loop | none\n"
		"                          gen[:rate=PPS,count=N,flows=N,sizes=A/B,burst=N,delay=MS,\n"
		"                              ports=S>D/S>D,dst=MAC,vlan=TCI,proto=udp|tcp,ip=4|6,\n"
		"                              badsum=N]\n"
		"                          tap[:addrP=A.B.C.D/LEN|none,mtu=N,ns=PREFIX,dev=PREFIX,ipv6=1]\n"
		"  --pcap=FILE             record every frame crossing the switch\n"
		"  --control=PATH          Unix socket taking scenario commands (link, speed,\n"
		"                          delay, mute, unmute, corrupt, vf, stats, quit, help)\n"
		"  --at=[ready+]SECS:CMD   run a scenario command at a time (repeatable)\n"
		"  --strict                a protocol violation by the guest is fatal\n"
		"  --corrupt=KIND:PCT[,..] corrupt PCT %% (fractional) of what the host sends the\n"
		"                          guest; KIND descriptor, xfer, rndis, ppi, completion,\n"
		"                          nvsp, status, inband, indices or all\n"
		"  --seed=N                the corruption's PRNG seed (default 1)\n"
		"  --stats-json=FILE       counters written at exit\n"
		"  --plugin=FILE           extra plugin for the guest's plugin directory\n"
		"  --vf                    each NIC gets an SR-IOV VF once its guest is ready\n"
		"  --vf-delay=MS           the VF's PCI device appears MS after VF_ASSOCIATION\n"
		"                          (default 1000; negative: that long before it)\n"
		"  --vf-queues=N           the VF's queue pairs (default 4, at most 16)\n"
		"  --vf-offloads=LIST      the VF's offloads (default all): rx_cksum,\n"
		"                          rx_ipv4_cksum, rx_l4_cksum, vlan_strip, rss_hash,\n"
		"                          tx_cksum, tx_ipv4_cksum, tx_tcp_cksum, tx_udp_cksum,\n"
		"                          tso, vlan_insert, multi_segs, all, none\n"
		"  --vf-mtu=N              the VF's largest MTU (default 9000)\n"
		"  --vf-assoc-serial=N     VF_ASSOCIATION names serial N, not the VF's slot\n"
		"                          (a host whose serials disagree)\n"
		"  --vf-only               the VF alone: present from the start, all the NIC's\n"
		"                          traffic steered to it, no association (no netvsc)\n"
		"  -v, --verbose           log every control message\n",
		HVSIM_MAX_NICS);
}

static int
parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return (errno || *end || end == s || *out > max) ? -EINVAL : 0;
}

static void
default_options(struct hvsim_options *o)
{
	static const uint8_t mac[6] = { 0x00, 0x15, 0x5d, 0x42, 0x00, 0x10 };

	memset(o, 0, sizeof(*o));
	o->netvsc = "hvnet";
	o->nics = 1;
	memcpy(o->nic.mac, mac, 6);
	o->nic.mtu = 1500;
	o->nic.speed_mbps = 10000;
	o->nic.link_up = true;
	o->nic.nvsp_max = 0x60001;
	o->nic.max_subchannels = 63;
	o->nic.rx_slot_size = 1728;
	o->nic.rx_batch = 32;
	o->nic.tx_section_size = 6144;
	o->nic.lso_max = 62780;		/* protocol doc, appendix K */
	o->nic.lso_min_segs = 2;
	o->nic.monitor = true;
	o->traffic = "loop";
	o->vf.delay_ms = HVSIM_VF_DELAY_DEFAULT_MS;
	o->vf.queues = 4;
	o->vf.offloads = hvsim_vf_default_offloads();
	o->vf.mtu = 9000;
	o->seed = 1;
}

enum {
	OPT_NETVSC = 256, OPT_NICS, OPT_MAC, OPT_MTU, OPT_SPEED, OPT_LINK,
	OPT_NVSP_MAX, OPT_SUBCH, OPT_RX_SLOT, OPT_TX_SECTION, OPT_NO_MONITOR,
	OPT_TRAFFIC, OPT_STRICT, OPT_STATS, OPT_PLUGIN, OPT_PCAP,
	OPT_CONTROL, OPT_AT, OPT_CORRUPT, OPT_SEED, OPT_RX_BATCH,
};

/* Offload limits (vsp/offload.h); their own numbers keep this apart. */
enum { OPT_LSO_MAX = 512, OPT_LSO_MIN_SEGS };
/* The VF (vf/vf.h). */
enum { OPT_VF = 768, OPT_VF_DELAY, OPT_VF_QUEUES, OPT_VF_OFFLOADS, OPT_VF_MTU, OPT_VF_SERIAL,
       OPT_VF_ONLY };

static int
apply_vf_option(struct hvsim_options *o, int opt, const char *arg)
{
	unsigned long long v;
	const char *bad = NULL;
	char *end;
	long d;

	switch (opt) {
	case OPT_VF:
		o->vf.enabled = true;
		return 0;
	case OPT_VF_ONLY:
		o->vf.only = true;
		return 0;
	case OPT_VF_DELAY:
		errno = 0;
		d = strtol(arg, &end, 10);
		if (errno || *end || end == arg || d < -600000 || d > 600000)
			return -EINVAL;
		o->vf.delay_ms = (int32_t)d;
		return 0;
	case OPT_VF_QUEUES:
		if (parse_uint(arg, HVSIM_VF_MAX_QUEUES, &v) || v == 0)
			return -EINVAL;
		o->vf.queues = (uint32_t)v;
		return 0;
	case OPT_VF_OFFLOADS:
		if (hvsim_vf_parse_offloads(arg, &o->vf.offloads, &bad) < 0) {
			fprintf(stderr, "hvsim: unknown VF offload in %s (see hvsim --help)\n", arg);
			return -EINVAL;
		}
		return 0;
	case OPT_VF_SERIAL:
		if (parse_uint(arg, UINT32_MAX, &v) || v == 0)
			return -EINVAL;
		o->vf.assoc_serial = (uint32_t)v;
		return 0;
	case OPT_VF_MTU:
		if (parse_uint(arg, 65535 - 18, &v) || v < HVSIM_VF_MIN_MTU)
			return -EINVAL;
		o->vf.mtu = (uint32_t)v;
		return 0;
	}
	return -EINVAL;
}

static int
apply_offload_option(struct hvsim_options *o, int opt, const char *arg)
{
	unsigned long long v;

	if (opt == OPT_LSO_MAX && parse_uint(arg, 65536, &v) == 0 && v >= 1) {
		o->nic.lso_max = (uint32_t)v;
		return 0;
	}
	if (opt == OPT_LSO_MIN_SEGS && parse_uint(arg, 64, &v) == 0 && v >= 1) {
		o->nic.lso_min_segs = (uint32_t)v;
		return 0;
	}
	return -EINVAL;
}

static int
apply_option(struct hvsim_options *o, int opt, const char *arg)
{
	unsigned long long v;

	if (opt == OPT_LSO_MAX || opt == OPT_LSO_MIN_SEGS)
		return apply_offload_option(o, opt, arg);
	if (opt >= OPT_VF && opt <= OPT_VF_ONLY)
		return apply_vf_option(o, opt, arg);
	switch (opt) {
	case OPT_NETVSC:
		if (strcmp(arg, "hvnet") && strcmp(arg, "bundled") && strcmp(arg, "installed"))
			return -EINVAL;
		o->netvsc = arg;
		return 0;
	case OPT_NICS:
		if (parse_uint(arg, HVSIM_MAX_NICS, &v) || v == 0)
			return -EINVAL;
		o->nics = (int)v;
		return 0;
	case OPT_MAC:
		return hvsim_parse_mac(arg, o->nic.mac);
	case OPT_MTU:
		if (parse_uint(arg, 65535 - 14, &v) || v < 68)
			return -EINVAL;
		o->nic.mtu = (uint32_t)v;
		return 0;
	case OPT_SPEED:
		if (parse_uint(arg, 1000000, &v) || v == 0)
			return -EINVAL;
		o->nic.speed_mbps = v;
		return 0;
	case OPT_LINK:
		if (strcmp(arg, "up") && strcmp(arg, "down"))
			return -EINVAL;
		o->nic.link_up = strcmp(arg, "up") == 0;
		return 0;
	case OPT_NVSP_MAX:
		if (parse_uint(arg, UINT32_MAX, &v))
			return -EINVAL;
		o->nic.nvsp_max = (uint32_t)v;
		return 0;
	case OPT_SUBCH:
		if (parse_uint(arg, HVSIM_MAX_CHANNELS - 1, &v))
			return -EINVAL;
		o->nic.max_subchannels = (uint32_t)v;
		return 0;
	case OPT_RX_SLOT:
		if (parse_uint(arg, 65536, &v) || v < 68)
			return -EINVAL;
		o->nic.rx_slot_size = (uint32_t)v;
		return 0;
	case OPT_RX_BATCH:
		if (parse_uint(arg, HVSIM_RX_BATCH_MAX, &v) || v < 1)
			return -EINVAL;
		o->nic.rx_batch = (uint32_t)v;
		return 0;
	case OPT_TX_SECTION:
		if (parse_uint(arg, 1 << 20, &v) || v < 68 || v % 4)
			return -EINVAL;
		o->nic.tx_section_size = (uint32_t)v;
		return 0;
	case OPT_NO_MONITOR:
		o->nic.monitor = false;
		return 0;
	case OPT_TRAFFIC:
		o->traffic = arg;	/* checked when the switch is made */
		return 0;
	case OPT_PCAP:
		o->pcap = arg;
		return 0;
	case OPT_STRICT:
		o->strict = true;
		return 0;
	case OPT_STATS:
		o->stats_json = arg;
		return 0;
	case OPT_PLUGIN:
		if (o->nplugins == HVSIM_MAX_PLUGINS)
			return -E2BIG;
		o->plugins[o->nplugins++] = arg;
		return 0;
	case OPT_CONTROL:
		o->control_path = arg;
		return 0;
	case OPT_AT:
		if (o->nat == HVSIM_MAX_AT)
			return -E2BIG;
		o->at[o->nat++] = arg;	/* checked when the control is made */
		return 0;
	case OPT_CORRUPT:
		return vsp_corrupt_parse(arg, o->corrupt_ppm);
	case OPT_SEED:
		if (parse_uint(arg, UINT64_MAX, &v))
			return -EINVAL;
		o->seed = v;
		return 0;
	case 'v':
		o->verbose++;
		return 0;
	}
	return -EINVAL;
}

int
hvsim_parse_options(int argc, char **argv, struct hvsim_options *o)
{
	static const struct option longopts[] = {
		{ "netvsc", required_argument, NULL, OPT_NETVSC },
		{ "nics", required_argument, NULL, OPT_NICS },
		{ "mac", required_argument, NULL, OPT_MAC },
		{ "mtu", required_argument, NULL, OPT_MTU },
		{ "speed", required_argument, NULL, OPT_SPEED },
		{ "link", required_argument, NULL, OPT_LINK },
		{ "nvsp-max", required_argument, NULL, OPT_NVSP_MAX },
		{ "subchannels", required_argument, NULL, OPT_SUBCH },
		{ "rx-slot", required_argument, NULL, OPT_RX_SLOT },
		{ "rx-batch", required_argument, NULL, OPT_RX_BATCH },
		{ "tx-section", required_argument, NULL, OPT_TX_SECTION },
		{ "lso-max", required_argument, NULL, OPT_LSO_MAX },
		{ "lso-min-segs", required_argument, NULL, OPT_LSO_MIN_SEGS },
		{ "no-monitor", no_argument, NULL, OPT_NO_MONITOR },
		{ "traffic", required_argument, NULL, OPT_TRAFFIC },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "stats-json", required_argument, NULL, OPT_STATS },
		{ "plugin", required_argument, NULL, OPT_PLUGIN },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "at", required_argument, NULL, OPT_AT },
		{ "corrupt", required_argument, NULL, OPT_CORRUPT },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "vf", no_argument, NULL, OPT_VF },
		{ "vf-delay", required_argument, NULL, OPT_VF_DELAY },
		{ "vf-queues", required_argument, NULL, OPT_VF_QUEUES },
		{ "vf-offloads", required_argument, NULL, OPT_VF_OFFLOADS },
		{ "vf-mtu", required_argument, NULL, OPT_VF_MTU },
		{ "vf-only", no_argument, NULL, OPT_VF_ONLY },
		{ "vf-assoc-serial", required_argument, NULL, OPT_VF_SERIAL },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	default_options(o);
	while ((opt = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			exit(0);
		}
		if (opt == '?' || apply_option(o, opt, optarg) < 0) {
			fprintf(stderr, "hvsim: bad option %s%s%s: see hvsim --help\n",
				argv[optind - 1], optarg ? " " : "", optarg ? optarg : "");
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "hvsim: no command given: hvsim [options] -- COMMAND [ARGS]\n");
		return -EINVAL;
	}
	if (strcmp(o->netvsc, "bundled") == 0 && !o->nic.monitor) {
		fprintf(stderr, "hvsim: DPDK 22.11's bundled vmbus needs monitor ids: drop --no-monitor\n");
		return -EINVAL;
	}
	o->command = argv + optind;
	return 0;
}
