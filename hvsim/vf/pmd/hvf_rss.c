/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RSS: the key, hash types and redirection table the application sets,
 * kept here and handed to the host in the guest configuration (the host
 * hashes and steers; the PMD only reports the hash it got).
 */

#include <errno.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_ethdev.h>

#include "hvf.h"

/* The Toeplitz key Windows and most NICs start with. */
static const uint8_t hvf_default_key[HVSIM_VF_RSS_KEY_SIZE] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static const struct {
	uint32_t type;
	uint64_t hf;
} hvf_rss_map[] = {
	{ HVSIM_VF_RSS_IPV4,
	  RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_OTHER },
	{ HVSIM_VF_RSS_TCP4, RTE_ETH_RSS_NONFRAG_IPV4_TCP },
	{ HVSIM_VF_RSS_UDP4, RTE_ETH_RSS_NONFRAG_IPV4_UDP },
	{ HVSIM_VF_RSS_IPV6,
	  RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_FRAG_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_OTHER },
	{ HVSIM_VF_RSS_TCP6, RTE_ETH_RSS_NONFRAG_IPV6_TCP },
	{ HVSIM_VF_RSS_UDP6, RTE_ETH_RSS_NONFRAG_IPV6_UDP },
};

uint32_t
hvf_rss_hf_to_types(uint64_t hf)
{
	uint32_t types = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(hvf_rss_map); i++)
		if (hf & hvf_rss_map[i].hf)
			types |= hvf_rss_map[i].type;
	return types;
}

uint64_t
hvf_rss_types_to_hf(uint32_t types)
{
	uint64_t hf = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(hvf_rss_map); i++)
		if (types & hvf_rss_map[i].type)
			hf |= hvf_rss_map[i].hf;
	return hf;
}

/* Default key, table spreading over the queues round robin. */
void
hvf_rss_defaults(struct hvf_adapter *hvf, uint16_t nb_rx_queues)
{
	unsigned int i;

	if (nb_rx_queues == 0)
		nb_rx_queues = 1;
	memcpy(hvf->rss_key, hvf_default_key, sizeof(hvf->rss_key));
	for (i = 0; i < RTE_DIM(hvf->reta); i++)
		hvf->reta[i] = i % nb_rx_queues;
}

static void
rss_changed(struct hvf_adapter *hvf)
{
	if (hvf->started)
		hvf_publish_conf(hvf);
}

int
hvf_rss_hash_update(struct rte_eth_dev *dev, struct rte_eth_rss_conf *conf)
{
	struct hvf_adapter *hvf = hvf_of(dev);

	if (conf->rss_key != NULL && conf->rss_key_len != HVSIM_VF_RSS_KEY_SIZE)
		return -EINVAL;
	/* ethdev refused types beyond flow_type_rss_offloads already */
	if (conf->rss_key != NULL)
		memcpy(hvf->rss_key, conf->rss_key, HVSIM_VF_RSS_KEY_SIZE);
	hvf->rss_hf = conf->rss_hf & hvf->rss_hf_capa;
	rss_changed(hvf);
	return 0;
}

int
hvf_rss_hash_conf_get(struct rte_eth_dev *dev, struct rte_eth_rss_conf *conf)
{
	struct hvf_adapter *hvf = hvf_of(dev);

	if (conf->rss_key != NULL) {
		if (conf->rss_key_len < HVSIM_VF_RSS_KEY_SIZE)
			return -EINVAL;
		memcpy(conf->rss_key, hvf->rss_key, HVSIM_VF_RSS_KEY_SIZE);
	}
	conf->rss_key_len = HVSIM_VF_RSS_KEY_SIZE;
	conf->rss_hf = hvf->rss_hf;
	return 0;
}

static bool
reta_selected(const struct rte_eth_rss_reta_entry64 *reta, unsigned int i)
{
	return (reta[i / RTE_ETH_RETA_GROUP_SIZE].mask >> (i % RTE_ETH_RETA_GROUP_SIZE)) & 1;
}

int
hvf_reta_update(struct rte_eth_dev *dev, struct rte_eth_rss_reta_entry64 *reta,
		uint16_t reta_size)
{
	struct hvf_adapter *hvf = hvf_of(dev);
	unsigned int i;

	if (reta_size != hvf->caps.reta_size)
		return -EINVAL;
	/* all or nothing: check every selected entry first */
	for (i = 0; i < reta_size; i++) {
		if (reta_selected(reta, i) &&
		    reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] >=
		    RTE_MAX(dev->data->nb_rx_queues, 1))
			return -EINVAL;
	}
	for (i = 0; i < reta_size; i++) {
		if (reta_selected(reta, i))
			hvf->reta[i] = reta[i / RTE_ETH_RETA_GROUP_SIZE]
					   .reta[i % RTE_ETH_RETA_GROUP_SIZE];
	}
	rss_changed(hvf);
	return 0;
}

int
hvf_reta_query(struct rte_eth_dev *dev, struct rte_eth_rss_reta_entry64 *reta,
	       uint16_t reta_size)
{
	struct hvf_adapter *hvf = hvf_of(dev);
	unsigned int i;

	if (reta_size != hvf->caps.reta_size)
		return -EINVAL;
	for (i = 0; i < reta_size; i++) {
		if (reta_selected(reta, i))
			reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] =
				hvf->reta[i];
	}
	return 0;
}
