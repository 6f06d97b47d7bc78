/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * What hvsim reports (report.c): the --stats-json document, also the
 * control socket's "stats" answer, and the summary at exit.
 */

#ifndef HVSIM_CLI_REPORT_H
#define HVSIM_CLI_REPORT_H

#include <stdint.h>
#include <stdio.h>

struct hvsim_nic;
struct hvsim_vswitch;

uint64_t hvsim_total_violations(const struct hvsim_nic *nics, int n);
/* The --stats-json document (several lines) to f. */
void hvsim_stats_json(FILE *f, const struct hvsim_nic *nics, int n,
		      const struct hvsim_vswitch *vs);
int hvsim_write_stats_json(const char *path, const struct hvsim_nic *nics, int n,
			   const struct hvsim_vswitch *vs);
void hvsim_print_summary(FILE *f, const struct hvsim_nic *nics, int n,
			 const struct hvsim_vswitch *vs);

#endif /* HVSIM_CLI_REPORT_H */
