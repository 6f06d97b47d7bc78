/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * hvsim's command line and the reports it writes at exit.
 */

#ifndef HVSIM_H
#define HVSIM_H

#include <stdbool.h>
#include <stdio.h>

#include "vmbus/nic.h"

#define HVSIM_MAX_PLUGINS	8
#define HVSIM_MAX_AT		64

struct hvsim_options {
	const char *netvsc;		/* "hvnet" or "bundled" */
	int nics;
	struct hvsim_nic_config nic;	/* NIC 0; others differ by MAC */
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
};

uint64_t hvsim_total_violations(const struct hvsim_nic *nics, int n);
/* The --stats-json document (several lines) to f. */
void hvsim_stats_json(FILE *f, const struct hvsim_nic *nics, int n,
		      const struct hvsim_vswitch *vs);
int hvsim_write_stats_json(const char *path, const struct hvsim_nic *nics, int n,
			   const struct hvsim_vswitch *vs);
void hvsim_print_summary(FILE *f, const struct hvsim_nic *nics, int n,
			 const struct hvsim_vswitch *vs);

#endif /* HVSIM_H */
