/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Statistics (hn_stats.c): the ethdev stats, xstats and priv_dump ops.
 */

#ifndef HN_STATS_H
#define HN_STATS_H

#include <stdio.h>

#include <ethdev_driver.h>

#include "hvnet_compat.h"
#include "hn_dev.h"

int hn_stats_get(HVNET_STATS_GET_ARGS(dev, st, qst));
int hn_stats_reset(struct rte_eth_dev *dev);
int hn_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
			unsigned int size);
int hn_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs, unsigned int size);
int hn_priv_dump(struct rte_eth_dev *dev, FILE *f);

#endif /* HN_STATS_H */
