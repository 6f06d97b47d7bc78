/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The differences between the DPDK LTS releases hvnet builds against
 * (22.11, 23.11, 24.11, 25.11), bridged in one place: code uses the names
 * below and stays free of version checks. Each entry says which release
 * changed what. Everything else of the driver API hvnet uses is the same
 * in all four.
 */
#ifndef HVNET_COMPAT_H
#define HVNET_COMPAT_H

#include <rte_icmp.h>
#include <rte_version.h>

/*
 * eth_dev_ops.dev_supported_ptypes_get: 24.03 added the number of
 * elements of the returned array. Declare the op as
 *	static const uint32_t *fn(HVNET_PTYPES_GET_ARGS(dev))
 * and end it with HVNET_PTYPES_RETURN(array). The array still ends with
 * RTE_PTYPE_UNKNOWN for the older releases; the newer ones count it as
 * one more element, which matches no ptype mask.
 */
#if RTE_VERSION >= RTE_VERSION_NUM(24, 3, 0, 0)
#define HVNET_PTYPES_GET_ARGS(dev)	struct rte_eth_dev *dev, size_t *hvnet_ptypes_n
#define HVNET_PTYPES_RETURN(array)	do { \
		*hvnet_ptypes_n = RTE_DIM(array); \
		return (array); \
	} while (0)
#else
#define HVNET_PTYPES_GET_ARGS(dev)	struct rte_eth_dev *dev
#define HVNET_PTYPES_RETURN(array)	return (array)
#endif

/* ICMP types: 24.11 named them RTE_ICMP_TYPE_* and deprecated the older
 * RTE_IP_ICMP_* names. */
#ifndef RTE_ICMP_TYPE_ECHO_REQUEST
#define RTE_ICMP_TYPE_ECHO_REQUEST	RTE_IP_ICMP_ECHO_REQUEST
#define RTE_ICMP_TYPE_ECHO_REPLY	RTE_IP_ICMP_ECHO_REPLY
#endif

/*
 * rte_ipv6_hdr.src_addr/dst_addr: 24.11 made them struct rte_ipv6_addr
 * (they were uint8_t[16]). Code takes their bytes as
 * (uint8_t *)&ip6->src_addr, valid for both.
 */

/*
 * eth_dev_ops.stats_get: 25.11 moved the per-queue counters (q_ipackets,
 * ...) out of struct rte_eth_stats into struct eth_queue_stats, a third
 * argument that is NULL when the caller wants none. Declare the op as
 *	int fn(HVNET_STATS_GET_ARGS(dev, stats, qstats))
 * and fill HVNET_QSTATS(stats, qstats), a struct hvnet_queue_stats * that
 * may be NULL, with the queue counters.
 */
#if RTE_VERSION >= RTE_VERSION_NUM(25, 11, 0, 0)
#define HVNET_STATS_GET_ARGS(dev, st, qst) \
	struct rte_eth_dev *dev, struct rte_eth_stats *st, struct eth_queue_stats *qst
#define hvnet_queue_stats		eth_queue_stats
#define HVNET_QSTATS(st, qst)		(qst)
#else
#define HVNET_STATS_GET_ARGS(dev, st, qst) \
	struct rte_eth_dev *dev, struct rte_eth_stats *st
#define hvnet_queue_stats		rte_eth_stats
#define HVNET_QSTATS(st, qst)		(st)
#endif

/*
 * Releases after 24.11 (25.11 is the LTS hvnet supports):
 * - rx_queue_count returns int (it was uint32_t);
 * - RTE_PMD_EXPORT_NAME takes the name alone (it took a unique index).
 */
#if RTE_VERSION >= RTE_VERSION_NUM(25, 0, 0, 0)
typedef int hvnet_rx_queue_count_t;
#define HVNET_PMD_EXPORT_NAME(nm)	RTE_PMD_EXPORT_NAME(nm)
#else
typedef uint32_t hvnet_rx_queue_count_t;
#define HVNET_PMD_EXPORT_NAME(nm)	RTE_PMD_EXPORT_NAME(nm, __COUNTER__)
#endif

#endif /* HVNET_COMPAT_H */
