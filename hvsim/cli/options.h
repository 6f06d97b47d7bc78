/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * hvsim's command line (options.c): what the options set, and what the
 * host loop (main.c) keeps beside them.
 */

#ifndef HVSIM_CLI_OPTIONS_H
#define HVSIM_CLI_OPTIONS_H

#include <stdbool.h>

#include "vf/vf.h"
#include "vmbus/nic.h"

#define HVSIM_MAX_NICS		8
#define HVSIM_MAX_PLUGINS	8
#define HVSIM_MAX_AT		64

struct hvsim_options {
	const char *netvsc;		/* "hvnet" or "bundled" */
	int nics;
	struct hvsim_nic_config nic;	/* NIC 0; others differ by MAC */
	struct hvsim_vf_config vf;	/* every NIC's VF (vf/vf.h) */
	const char *traffic;
	const char *pcap;
	bool strict;
	int verbose;
	const char *stats_json;
	const char *plugins[HVSIM_MAX_PLUGINS];
	int nplugins;
	const char *shim_path;
	char **command;
	struct hvsim_vswitch *vswitch;
	/* scenario control (control.h) */
	const char *control_path;
	const char *at[HVSIM_MAX_AT];
	int nat;
	struct hvsim_control *control;
	/* a hostile host (vsp/corrupt.c): --corrupt rates, --seed */
	uint32_t corrupt_ppm[HVSIM_CORRUPT_KINDS];
	uint64_t seed;
};

/* Defaults, then argv up to "--"; o->command is what follows. --help
 * exits; a bad option is reported on stderr and gives -EINVAL. */
int hvsim_parse_options(int argc, char **argv, struct hvsim_options *o);

#endif /* HVSIM_CLI_OPTIONS_H */
