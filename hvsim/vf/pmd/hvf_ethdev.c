/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * net_hvsim_vf: probe (map and check the BAR), the ethdev control
 * operations, and the guest configuration page they keep up to date.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bus_pci_driver.h>
#include <ethdev_driver.h>
#include <ethdev_pci.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "hvnet_compat.h"

#include "hvf.h"

RTE_LOG_REGISTER_SUFFIX(hvf_logtype_init, init, NOTICE);
RTE_LOG_REGISTER_SUFFIX(hvf_logtype_driver, driver, NOTICE);

/* Largest ring data area accepted: well above what hvsim uses. */
#define HVF_RING_DATA_MAX	(256u << 20)

/* ---- capabilities ------------------------------------------------------ */

static const struct {
	uint64_t hvf;
	uint64_t rx;
	uint64_t tx;
} hvf_offload_map[] = {
	{ HVSIM_VF_OFL_RX_IPV4_CKSUM, RTE_ETH_RX_OFFLOAD_IPV4_CKSUM, 0 },
	{ HVSIM_VF_OFL_RX_L4_CKSUM,
	  RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM, 0 },
	{ HVSIM_VF_OFL_RX_VLAN_STRIP, RTE_ETH_RX_OFFLOAD_VLAN_STRIP, 0 },
	{ HVSIM_VF_OFL_RX_RSS_HASH, RTE_ETH_RX_OFFLOAD_RSS_HASH, 0 },
	{ HVSIM_VF_OFL_TX_IPV4_CKSUM, 0, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM },
	{ HVSIM_VF_OFL_TX_TCP_CKSUM, 0, RTE_ETH_TX_OFFLOAD_TCP_CKSUM },
	{ HVSIM_VF_OFL_TX_UDP_CKSUM, 0, RTE_ETH_TX_OFFLOAD_UDP_CKSUM },
	{ HVSIM_VF_OFL_TX_TSO, 0, RTE_ETH_TX_OFFLOAD_TCP_TSO },
	{ HVSIM_VF_OFL_TX_VLAN_INSERT, 0, RTE_ETH_TX_OFFLOAD_VLAN_INSERT },
	{ HVSIM_VF_OFL_TX_MULTI_SEGS, 0, RTE_ETH_TX_OFFLOAD_MULTI_SEGS },
};

#define HVF_OFL_KNOWN	(HVSIM_VF_OFL_RX_IPV4_CKSUM | HVSIM_VF_OFL_RX_L4_CKSUM | \
			 HVSIM_VF_OFL_RX_VLAN_STRIP | HVSIM_VF_OFL_RX_RSS_HASH | \
			 HVSIM_VF_OFL_TX_IPV4_CKSUM | HVSIM_VF_OFL_TX_TCP_CKSUM | \
			 HVSIM_VF_OFL_TX_UDP_CKSUM | HVSIM_VF_OFL_TX_TSO | \
			 HVSIM_VF_OFL_TX_VLAN_INSERT | HVSIM_VF_OFL_TX_MULTI_SEGS)

static void
offload_capa(uint64_t caps, uint64_t *rx, uint64_t *tx)
{
	unsigned int i;

	/* scatter is done in software: always there */
	*rx = RTE_ETH_RX_OFFLOAD_SCATTER;
	*tx = 0;
	for (i = 0; i < RTE_DIM(hvf_offload_map); i++) {
		if (caps & hvf_offload_map[i].hvf) {
			*rx |= hvf_offload_map[i].rx;
			*tx |= hvf_offload_map[i].tx;
		}
	}
}

/* Device offload bits for what the application enabled. A device bit
 * covering two ethdev bits (L4 checksum) is on when either is. */
static uint64_t
offloads_to_hvf(uint64_t caps, uint64_t rx, uint64_t tx)
{
	uint64_t ofl = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(hvf_offload_map); i++) {
		if ((rx & hvf_offload_map[i].rx) || (tx & hvf_offload_map[i].tx))
			ofl |= hvf_offload_map[i].hvf;
	}
	return ofl & caps;
}

/* Every field of a copy of the caps, against the BAR's size. */
static int
caps_check(const struct hvsim_vf_caps *c, uint64_t bar_len, const char *name)
{
	uint64_t rings_end;

	if (c->magic != HVSIM_VF_MAGIC || c->abi != HVSIM_VF_ABI) {
		HVF_INIT_LOG(ERR, "%s: bad magic 0x%08x or abi %u", name, c->magic, c->abi);
		return -EINVAL;
	}
	if (c->max_queues == 0 || c->max_queues > HVSIM_VF_MAX_QUEUES) {
		HVF_INIT_LOG(ERR, "%s: %u queues (1..%u)", name, c->max_queues,
			     HVSIM_VF_MAX_QUEUES);
		return -EINVAL;
	}
	if (bar_len < hvsim_vf_bar_size(c->max_queues)) {
		HVF_INIT_LOG(ERR, "%s: BAR of %" PRIu64 " bytes, %u queues need %" PRIu64,
			     name, bar_len, c->max_queues, hvsim_vf_bar_size(c->max_queues));
		return -EINVAL;
	}
	if (c->ring_data_size < HVSIM_VF_PAGE || c->ring_data_size > HVF_RING_DATA_MAX ||
	    c->ring_data_size % 8 != 0 ||
	    c->ring_offset < HVSIM_VF_PAGE || c->ring_offset % HVSIM_VF_PAGE != 0 ||
	    c->ring_stride < (uint64_t)HVSIM_VF_PAGE + c->ring_data_size ||
	    c->ring_stride % 8 != 0) {
		HVF_INIT_LOG(ERR, "%s: ring geometry offset %u stride %u data %u", name,
			     c->ring_offset, c->ring_stride, c->ring_data_size);
		return -EINVAL;
	}
	rings_end = c->ring_offset + 2ull * c->max_queues * c->ring_stride;
	if (rings_end > bar_len) {
		HVF_INIT_LOG(ERR, "%s: rings end at %" PRIu64 ", BAR is %" PRIu64 " bytes",
			     name, rings_end, bar_len);
		return -EINVAL;
	}
	if (c->max_mtu < HVSIM_VF_MIN_MTU ||
	    c->max_mtu + HVF_L2_OVERHEAD > HVSIM_VF_FRAME_MAX) {
		HVF_INIT_LOG(ERR, "%s: max mtu %u", name, c->max_mtu);
		return -EINVAL;
	}
	if (c->rss_key_size != HVSIM_VF_RSS_KEY_SIZE || c->reta_size == 0 ||
	    c->reta_size > HVSIM_VF_RETA_SIZE || c->reta_size % RTE_ETH_RETA_GROUP_SIZE != 0) {
		HVF_INIT_LOG(ERR, "%s: rss key %u bytes, reta %u entries", name,
			     c->rss_key_size, c->reta_size);
		return -EINVAL;
	}
	if (!rte_is_valid_assigned_ether_addr((const struct rte_ether_addr *)c->mac)) {
		HVF_INIT_LOG(ERR, "%s: MAC " RTE_ETHER_ADDR_PRT_FMT " is not a unicast address",
			     name, c->mac[0], c->mac[1], c->mac[2], c->mac[3], c->mac[4],
			     c->mac[5]);
		return -EINVAL;
	}
	if (c->offloads & ~HVF_OFL_KNOWN)
		HVF_INIT_LOG(INFO, "%s: ignoring unknown offload bits 0x%" PRIx64, name,
			     (uint64_t)(c->offloads & ~HVF_OFL_KNOWN));
	return 0;
}

/* Open <sysfs>/<BDF>/resource0 read-write: its fd, or -1 (logged); *st
 * its status, a regular file of at least one page. */
static int
bar_open(const struct rte_pci_device *pdev, struct stat *st)
{
	char path[PATH_MAX];
	int fd, n;

	n = snprintf(path, sizeof(path), "%s/" PCI_PRI_FMT "/resource0",
		     rte_pci_get_sysfs_path(), pdev->addr.domain, pdev->addr.bus,
		     pdev->addr.devid, pdev->addr.function);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		HVF_INIT_LOG(ERR, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_size < HVSIM_VF_PAGE) {
		HVF_INIT_LOG(ERR, "%s: not a BAR file of at least one page", path);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* The primary: map the whole BAR shared wherever the kernel likes, and
 * remember which file it is for the secondaries. */
static int
bar_map(struct hvf_adapter *hvf, const struct rte_pci_device *pdev, const char *name)
{
	struct stat st;
	void *bar;
	int fd;

	fd = bar_open(pdev, &st);
	if (fd < 0)
		return -errno;
	bar = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (bar == MAP_FAILED) {
		HVF_INIT_LOG(ERR, "%s: cannot map the BAR: %s", name, strerror(errno));
		return -errno;
	}
	hvf->bar = bar;
	hvf->bar_len = st.st_size;
	hvf->bar_st_dev = st.st_dev;
	hvf->bar_st_ino = st.st_ino;
	return 0;
}

#ifdef MAP_FIXED_NOREPLACE
#define HVF_MAP_AT	MAP_FIXED_NOREPLACE
#else
#define HVF_MAP_AT	0	/* a hint only: the address is checked below */
#endif

/*
 * A secondary: map the same BAR file at the primary's address. The queues
 * (shared memory) hold pointers into it; at any other address they would
 * point at whatever this process has there. An address already in use
 * here fails the probe: nothing is ever mapped over it.
 */
static int
bar_map_secondary(struct rte_eth_dev *dev, const struct rte_pci_device *pdev)
{
	const struct hvf_adapter *hvf = hvf_of(dev);
	const char *name = dev->data->name;
	struct hvf_local_map *map;
	void *at = hvf->bar, *got;
	size_t len = hvf->bar_len;
	struct stat st;
	int fd, ret;

	if (at == NULL || len == 0) {
		HVF_INIT_LOG(ERR, "%s: the primary has no mapping of the BAR", name);
		return -ENODEV;
	}
	fd = bar_open(pdev, &st);
	if (fd < 0)
		return -errno;
	if ((uint64_t)st.st_dev != hvf->bar_st_dev || (uint64_t)st.st_ino != hvf->bar_st_ino ||
	    (uint64_t)st.st_size < len) {
		HVF_INIT_LOG(ERR, "%s: the BAR file is not the one the primary mapped", name);
		close(fd);
		return -ENODEV;
	}
	map = malloc(sizeof(*map));
	if (map == NULL) {
		close(fd);
		return -ENOMEM;
	}
	got = mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | HVF_MAP_AT, fd, 0);
	ret = got == MAP_FAILED ? -errno : 0;
	close(fd);
	if (ret == 0 && got != at) {
		munmap(got, len);
		ret = -EEXIST;
	}
	if (ret != 0) {
		HVF_INIT_LOG(ERR, "%s: cannot map the BAR at the primary's address %p "
			     "(%zu bytes): %s", name, at, len,
			     ret == -EEXIST ? "in use in this process" : strerror(-ret));
		free(map);
		return ret;
	}
	map->addr = got;
	map->len = len;
	dev->process_private = map;
	return 0;
}

/* A secondary: drop its own mapping (its only resource). */
static void
bar_unmap_secondary(struct rte_eth_dev *dev)
{
	struct hvf_local_map *map = dev->process_private;

	if (map == NULL)
		return;
	munmap(map->addr, map->len);
	free(map);
	dev->process_private = NULL;
}

/* ---- guest configuration ----------------------------------------------- */

/*
 * Write everything the host needs, bumping conf_seq around it: odd while
 * the fields change, even (release) once they are complete. A host that
 * re-reads when conf_seq moves sees the final even value last; one that
 * reads like a seqlock reader (skip odd, re-check the value after copying)
 * never uses a half-written configuration. Control thread only.
 */
void
hvf_publish_conf(struct hvf_adapter *hvf)
{
	struct rte_eth_dev_data *data = hvf_dev(hvf)->data;
	volatile struct hvsim_vf_guest_conf *g = &hvf->shm->guest;
	const struct rte_eth_conf *conf = &data->dev_conf;
	unsigned int i;

	hvf->conf_seq += hvf->conf_seq & 1 ? 2 : 1;	/* odd */
	__atomic_store_n(&hvf->shm->guest.conf_seq, hvf->conf_seq, __ATOMIC_RELAXED);
	rte_atomic_thread_fence(__ATOMIC_RELEASE);	/* odd before any field */
	g->started = hvf->started;
	g->nb_rx_queues = data->nb_rx_queues;
	g->nb_tx_queues = data->nb_tx_queues;
	g->mtu = data->mtu;
	g->promisc = data->promiscuous;
	/* no multicast list in the BAR: a list asks for all of them (a NIC
	 * filter may let more through than asked, never less) */
	g->allmulti = data->all_multicast || hvf->nb_mc_addrs > 0;
	g->offloads = offloads_to_hvf(hvf->caps.offloads, conf->rxmode.offloads,
				      conf->txmode.offloads);
	g->rss_types = (conf->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) ?
		       hvf_rss_hf_to_types(hvf->rss_hf) : 0;
	for (i = 0; i < HVSIM_VF_RSS_KEY_SIZE; i++)
		g->rss_key[i] = hvf->rss_key[i];
	for (i = 0; i < HVSIM_VF_RETA_SIZE; i++)
		g->reta[i] = i < hvf->caps.reta_size ? hvf->reta[i] : 0;
	hvf->conf_seq++;				/* even */
	__atomic_store_n(&hvf->shm->guest.conf_seq, hvf->conf_seq, __ATOMIC_RELEASE);
}

/* ---- ethdev operations ------------------------------------------------- */

static int
hvf_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct hvf_adapter *hvf = hvf_of(dev);
	const struct hvsim_vf_caps *c = &hvf->caps;

	info->max_rx_queues = c->max_queues;
	info->max_tx_queues = c->max_queues;
	info->max_mac_addrs = 1;
	info->min_mtu = HVSIM_VF_MIN_MTU;
	info->max_mtu = c->max_mtu;
	info->min_rx_bufsize = RTE_ETHER_MIN_LEN;
	info->max_rx_pktlen = c->max_mtu + HVF_L2_OVERHEAD;
	info->rx_offload_capa = hvf->rx_offload_capa;
	info->tx_offload_capa = hvf->tx_offload_capa;
	/* scatter is decided per queue; the rest is the host's, per port */
	info->rx_queue_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER;
	info->hash_key_size = c->rss_key_size;
	info->reta_size = c->reta_size;
	info->flow_type_rss_offloads = hvf->rss_hf_capa;
	info->speed_capa = rte_eth_speed_bitflag(c->speed_mbps, RTE_ETH_LINK_FULL_DUPLEX);
	info->rx_desc_lim = (struct rte_eth_desc_lim){
		.nb_max = HVF_DESC_MAX, .nb_min = 1, .nb_align = 1,
	};
	info->tx_desc_lim = (struct rte_eth_desc_lim){
		.nb_max = HVF_DESC_MAX, .nb_min = 1, .nb_align = 1,
		.nb_seg_max = HVF_TX_MAX_SEGS, .nb_mtu_seg_max = HVF_TX_MAX_SEGS,
	};
	/* the device resets itself and says so (hvf_event.c) */
	info->err_handle_mode = RTE_ETH_ERROR_HANDLE_MODE_PROACTIVE;
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	info->default_rxportconf.ring_size = 1024;
	info->default_txportconf.ring_size = 1024;
	return 0;
}

static int
hvf_dev_configure(struct rte_eth_dev *dev)
{
	struct hvf_adapter *hvf = hvf_of(dev);
	struct rte_eth_conf *conf = &dev->data->dev_conf;
	const struct rte_eth_rss_conf *rss = &conf->rx_adv_conf.rss_conf;

	if (conf->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) {
		/* the host always reports a hash it steered by */
		if (hvf->rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH)
			conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
		if (rss->rss_key != NULL && rss->rss_key_len != HVSIM_VF_RSS_KEY_SIZE) {
			HVF_DRV_LOG(ERR, "RSS key of %u bytes (must be %u)", rss->rss_key_len,
				    HVSIM_VF_RSS_KEY_SIZE);
			return -EINVAL;
		}
		hvf_rss_defaults(hvf, dev->data->nb_rx_queues);
		if (rss->rss_key != NULL)
			memcpy(hvf->rss_key, rss->rss_key, HVSIM_VF_RSS_KEY_SIZE);
		hvf->rss_hf = rss->rss_hf & hvf->rss_hf_capa;
	} else {
		hvf_rss_defaults(hvf, dev->data->nb_rx_queues);
		hvf->rss_hf = 0;
	}
	return 0;
}

static void
hvf_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	rte_free(dev->data->rx_queues[qid]);
	dev->data->rx_queues[qid] = NULL;
}

static void
hvf_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	rte_free(dev->data->tx_queues[qid]);
	dev->data->tx_queues[qid] = NULL;
}

static int
hvf_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		   unsigned int socket, const struct rte_eth_rxconf *conf,
		   struct rte_mempool *mp)
{
	struct hvf_rxq *rxq;

	if (dev->data->rx_queues[qid] != NULL)
		hvf_rx_queue_release(dev, qid);
	rxq = rte_zmalloc_socket("hvf_rxq", sizeof(*rxq), RTE_CACHE_LINE_SIZE, socket);
	if (rxq == NULL)
		return -ENOMEM;
	rxq->hvf = hvf_of(dev);
	rxq->mp = mp;
	rxq->port_id = dev->data->port_id;
	rxq->queue_id = qid;
	rxq->nb_desc = nb_desc;
	rxq->scatter = !!((dev->data->dev_conf.rxmode.offloads | conf->offloads) &
			  RTE_ETH_RX_OFFLOAD_SCATTER);
	dev->data->rx_queues[qid] = rxq;
	return 0;
}

static int
hvf_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		   unsigned int socket, const struct rte_eth_txconf *conf)
{
	struct hvf_txq *txq;

	if (dev->data->tx_queues[qid] != NULL)
		hvf_tx_queue_release(dev, qid);
	txq = rte_zmalloc_socket("hvf_txq", sizeof(*txq), RTE_CACHE_LINE_SIZE, socket);
	if (txq == NULL)
		return -ENOMEM;
	txq->hvf = hvf_of(dev);
	txq->port_id = dev->data->port_id;
	txq->queue_id = qid;
	txq->nb_desc = nb_desc;
	dev->data->tx_queues[qid] = txq;
	return 0;
}

static void
hvf_rxq_info_get(struct rte_eth_dev *dev, uint16_t qid, struct rte_eth_rxq_info *qinfo)
{
	const struct hvf_rxq *rxq = dev->data->rx_queues[qid];

	qinfo->mp = rxq->mp;
	qinfo->nb_desc = rxq->nb_desc;
	qinfo->scattered_rx = rxq->scatter;
	qinfo->conf.offloads = dev->data->dev_conf.rxmode.offloads;
	qinfo->rx_buf_size = rte_pktmbuf_data_room_size(rxq->mp) - RTE_PKTMBUF_HEADROOM;
}

static void
hvf_txq_info_get(struct rte_eth_dev *dev, uint16_t qid, struct rte_eth_txq_info *qinfo)
{
	const struct hvf_txq *txq = dev->data->tx_queues[qid];

	qinfo->nb_desc = txq->nb_desc;
	qinfo->conf.offloads = dev->data->dev_conf.txmode.offloads;
}

static int
hvf_fw_version_get(struct rte_eth_dev *dev, char *fw_version, size_t fw_size)
{
	int n = snprintf(fw_version, fw_size, "hvsim-vf abi %u", hvf_of(dev)->caps.abi);

	if (n < 0)
		return -EINVAL;
	/* ethdev's convention: the size needed, counting the NUL, if too small */
	return (size_t)n < fw_size ? 0 : n + 1;
}

static int
hvf_link_update(struct rte_eth_dev *dev, int wait_to_complete)
{
	struct hvf_adapter *hvf = hvf_of(dev);
	struct rte_eth_link link = {
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
	};
	uint32_t link_up, gone;

	hvf_read_host(hvf, &link_up, &gone);
	if (link_up == 1 && gone == 0) {
		link.link_status = RTE_ETH_LINK_UP;
		link.link_speed = hvf->caps.speed_mbps;
	}
	return rte_eth_linkstatus_set(dev, &link);
}

static int
hvf_dev_start(struct rte_eth_dev *dev)
{
	struct hvf_adapter *hvf = hvf_of(dev);
	uint16_t i;
	int ret;

	if (__atomic_load_n(&hvf->gone, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&hvf->shm->host.gone, __ATOMIC_ACQUIRE) != 0)
		return -ENODEV;
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		ret = hvf_rxq_start(hvf, dev->data->rx_queues[i]);
		if (ret != 0)
			return ret;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		ret = hvf_txq_start(hvf, dev->data->tx_queues[i]);
		if (ret != 0)
			return ret;
	}
	hvf->started = true;
	hvf_publish_conf(hvf);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	hvf_link_update(dev, 0);
	return 0;
}

static int
hvf_dev_stop(struct rte_eth_dev *dev)
{
	struct hvf_adapter *hvf = hvf_of(dev);
	uint16_t i;

	hvf->started = false;
	hvf_publish_conf(hvf);
	/* a burst after stop (the application's bug, or a secondary that
	 * polls on) touches no ring */
	hvf_queues_quiesce(dev);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	return 0;
}

static int
hvf_dev_close(struct rte_eth_dev *dev)
{
	struct hvf_adapter *hvf = hvf_of(dev);
	uint16_t i;

	/* the queues and the host are the primary's */
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		bar_unmap_secondary(dev);
		return 0;
	}
	hvf_watch_stop(hvf);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		hvf_rx_queue_release(dev, i);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		hvf_tx_queue_release(dev, i);
	if (hvf->bar != NULL) {
		munmap(hvf->bar, hvf->bar_len);
		hvf->bar = NULL;
		hvf->shm = NULL;
	}
	return 0;
}

/* Promiscuous and all-multicast: ethdev has updated dev->data already. */
static int
hvf_filter_changed(struct rte_eth_dev *dev)
{
	struct hvf_adapter *hvf = hvf_of(dev);

	if (hvf->started)
		hvf_publish_conf(hvf);
	return 0;
}

/* ethdev sets data->promiscuous only after the op returns: publish the
 * value it is about to take. */
static int
hvf_promisc_set(struct rte_eth_dev *dev, uint8_t on)
{
	uint8_t old = dev->data->promiscuous;
	int ret;

	dev->data->promiscuous = on;
	ret = hvf_filter_changed(dev);
	dev->data->promiscuous = old;
	return ret;
}

static int
hvf_promisc_enable(struct rte_eth_dev *dev)
{
	return hvf_promisc_set(dev, 1);
}

static int
hvf_promisc_disable(struct rte_eth_dev *dev)
{
	return hvf_promisc_set(dev, 0);
}

static int
hvf_allmulti_set(struct rte_eth_dev *dev, uint8_t on)
{
	uint8_t old = dev->data->all_multicast;
	int ret;

	dev->data->all_multicast = on;
	ret = hvf_filter_changed(dev);
	dev->data->all_multicast = old;
	return ret;
}

static int
hvf_allmulti_enable(struct rte_eth_dev *dev)
{
	return hvf_allmulti_set(dev, 1);
}

static int
hvf_allmulti_disable(struct rte_eth_dev *dev)
{
	return hvf_allmulti_set(dev, 0);
}

/* ethdev checked the addresses are multicast. */
static int
hvf_set_mc_addr_list(struct rte_eth_dev *dev, struct rte_ether_addr *addrs, uint32_t nb)
{
	struct hvf_adapter *hvf = hvf_of(dev);

	hvf->nb_mc_addrs = nb;
	return hvf_filter_changed(dev);
}

/* ethdev checked the range against dev_infos and stores data->mtu after. */
static int
hvf_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct hvf_adapter *hvf = hvf_of(dev);
	uint16_t old = dev->data->mtu;

	/* The queues' frame limits are set at start: change it stopped. */
	if (hvf->started)
		return -EBUSY;
	dev->data->mtu = mtu;
	hvf_publish_conf(hvf);
	dev->data->mtu = old;
	return 0;
}

static const uint32_t hvf_ptypes[] = {
	RTE_PTYPE_L2_ETHER,
	RTE_PTYPE_L2_ETHER_VLAN,
	RTE_PTYPE_L3_IPV4_EXT_UNKNOWN,
	RTE_PTYPE_L3_IPV6_EXT_UNKNOWN,
	RTE_PTYPE_L4_TCP,
	RTE_PTYPE_L4_UDP,
	RTE_PTYPE_L4_FRAG,
	RTE_PTYPE_UNKNOWN
};

static const uint32_t *
hvf_supported_ptypes(HVNET_PTYPES_GET_ARGS(dev))
{
	RTE_SET_USED(dev);
	HVNET_PTYPES_RETURN(hvf_ptypes);
}

static const struct eth_dev_ops hvf_ops = {
	.dev_configure = hvf_dev_configure,
	.dev_start = hvf_dev_start,
	.dev_stop = hvf_dev_stop,
	.dev_close = hvf_dev_close,
	.dev_infos_get = hvf_dev_infos_get,
	.dev_supported_ptypes_get = hvf_supported_ptypes,
	.link_update = hvf_link_update,
	.promiscuous_enable = hvf_promisc_enable,
	.promiscuous_disable = hvf_promisc_disable,
	.allmulticast_enable = hvf_allmulti_enable,
	.allmulticast_disable = hvf_allmulti_disable,
	.mtu_set = hvf_mtu_set,
	.set_mc_addr_list = hvf_set_mc_addr_list,
	.fw_version_get = hvf_fw_version_get,
	.rxq_info_get = hvf_rxq_info_get,
	.txq_info_get = hvf_txq_info_get,
	.rx_queue_setup = hvf_rx_queue_setup,
	.rx_queue_release = hvf_rx_queue_release,
	.tx_queue_setup = hvf_tx_queue_setup,
	.tx_queue_release = hvf_tx_queue_release,
	.stats_get = hvf_stats_get,
	.stats_reset = hvf_stats_reset,
	.xstats_get = hvf_xstats_get,
	.xstats_get_names = hvf_xstats_get_names,
	.xstats_reset = hvf_stats_reset,
	.rss_hash_update = hvf_rss_hash_update,
	.rss_hash_conf_get = hvf_rss_hash_conf_get,
	.reta_update = hvf_reta_update,
	.reta_query = hvf_reta_query,
};

/*
 * What a secondary may do: read, count, poll, and close its view of the
 * port. The rest writes the guest configuration or owns queues and the
 * alarm: the primary's (ethdev answers -ENOTSUP here).
 */
static const struct eth_dev_ops hvf_secondary_ops = {
	.dev_close = hvf_dev_close,
	.dev_infos_get = hvf_dev_infos_get,
	.dev_supported_ptypes_get = hvf_supported_ptypes,
	.link_update = hvf_link_update,
	.fw_version_get = hvf_fw_version_get,
	.rxq_info_get = hvf_rxq_info_get,
	.txq_info_get = hvf_txq_info_get,
	.stats_get = hvf_stats_get,
	.stats_reset = hvf_stats_reset,
	.xstats_get = hvf_xstats_get,
	.xstats_get_names = hvf_xstats_get_names,
	.xstats_reset = hvf_stats_reset,
	.rss_hash_conf_get = hvf_rss_hash_conf_get,
	.reta_query = hvf_reta_query,
};

/* ---- probe and remove -------------------------------------------------- */

/* A secondary attaches to the port the primary set up (ethdev found it by
 * name): its own BAR mapping, its own function pointers. No queue need
 * exist yet: the bursts read them from the shared data when called. */
static int
hvf_dev_init_secondary(struct rte_eth_dev *dev)
{
	struct rte_pci_device *pdev = RTE_ETH_DEV_TO_PCI(dev);
	int ret;

	if (hvf_of(dev) == NULL) {
		HVF_INIT_LOG(ERR, "%s: the primary has no such port", dev->data->name);
		return -ENODEV;
	}
	ret = bar_map_secondary(dev, pdev);
	if (ret != 0)
		return ret;
	dev->dev_ops = &hvf_secondary_ops;
	dev->rx_pkt_burst = hvf_recv_pkts;
	dev->tx_pkt_burst = hvf_xmit_pkts;
	HVF_INIT_LOG(INFO, "%s: port %u attached in a secondary process, BAR at %p",
		     dev->data->name, dev->data->port_id, hvf_of(dev)->bar);
	return 0;
}

static int
hvf_dev_init(struct rte_eth_dev *dev)
{
	struct rte_pci_device *pdev = RTE_ETH_DEV_TO_PCI(dev);
	struct hvf_adapter *hvf = hvf_of(dev);
	const char *name = dev->data->name;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return hvf_dev_init_secondary(dev);
	hvf->port_id = dev->data->port_id;
	ret = bar_map(hvf, pdev, name);
	if (ret != 0)
		return ret;
	hvf->shm = (struct hvsim_vf_shm *)hvf->bar;

	/* Fixed before the device appeared: one copy, checked, used ever after. */
	rte_atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(&hvf->caps, (const void *)&hvf->shm->caps, sizeof(hvf->caps));
	ret = caps_check(&hvf->caps, hvf->bar_len, name);
	if (ret == 0 && __atomic_load_n(&hvf->shm->host.gone, __ATOMIC_ACQUIRE) != 0) {
		HVF_INIT_LOG(ERR, "%s: the device is gone", name);
		ret = -ENODEV;
	}
	if (ret != 0)
		goto unmap;

	offload_capa(hvf->caps.offloads, &hvf->rx_offload_capa, &hvf->tx_offload_capa);
	hvf->rss_hf_capa = hvf_rss_types_to_hf(hvf->caps.rss_types);
	hvf_rss_defaults(hvf, 1);

	dev->data->mac_addrs = rte_zmalloc(name, RTE_ETHER_ADDR_LEN, 0);
	if (dev->data->mac_addrs == NULL) {
		ret = -ENOMEM;
		goto unmap;
	}
	memcpy(dev->data->mac_addrs, hvf->caps.mac, RTE_ETHER_ADDR_LEN);
	dev->data->mtu = RTE_MIN((uint32_t)RTE_ETHER_MTU, hvf->caps.max_mtu);
	dev->dev_ops = &hvf_ops;
	dev->rx_pkt_burst = hvf_recv_pkts;
	dev->tx_pkt_burst = hvf_xmit_pkts;

	/* conf_seq goes on from where an earlier driver left it, so that a
	 * host comparing values always sees it move */
	hvf->conf_seq = __atomic_load_n(&hvf->shm->guest.conf_seq, __ATOMIC_RELAXED);
	/* the host's state as it is now: later changes are events */
	hvf->event_seq = __atomic_load_n(&hvf->shm->host.event_seq, __ATOMIC_ACQUIRE);
	hvf->recovery_seq = __atomic_load_n(&hvf->shm->host.recovery_seq, __ATOMIC_RELAXED);
	hvf_link_update(dev, 0);
	hvf->link_up = dev->data->dev_link.link_status == RTE_ETH_LINK_UP;

	ret = hvf_watch_start(hvf);
	if (ret != 0)
		goto free_mac;
	HVF_INIT_LOG(INFO, "%s: port %u, MAC " RTE_ETHER_ADDR_PRT_FMT ", %u queues, mtu <= %u, "
		     "BAR at %p", name, dev->data->port_id,
		     RTE_ETHER_ADDR_BYTES(dev->data->mac_addrs), hvf->caps.max_queues,
		     hvf->caps.max_mtu, hvf->bar);
	return 0;

free_mac:
	rte_free(dev->data->mac_addrs);
	dev->data->mac_addrs = NULL;
unmap:
	munmap(hvf->bar, hvf->bar_len);
	hvf->bar = NULL;
	hvf->shm = NULL;
	return ret;
}

static int
hvf_dev_uninit(struct rte_eth_dev *dev)
{
	/* removed while still open: what rte_eth_dev_close() would do */
	if (hvf_of(dev)->started)
		hvf_dev_stop(dev);
	return hvf_dev_close(dev);
}

static int
hvf_pci_probe(struct rte_pci_driver *drv, struct rte_pci_device *pdev)
{
	return rte_eth_dev_pci_generic_probe(pdev, sizeof(struct hvf_adapter), hvf_dev_init);
}

/*
 * A secondary detaches (EAL's hotplug asks it to before the primary
 * removes the device, and its cleanup at exit): drop this process's
 * mapping and its view of the port, nothing shared. Its ports are found by
 * this process's own records: the primary usually closed the port first,
 * which zeroed the shared port data, name included, so ethdev's lookup by
 * name would find nothing and leave the mapping behind.
 */
static int
hvf_pci_remove_secondary(struct rte_pci_device *pdev)
{
	struct rte_eth_dev *dev;
	uint16_t port_id;

	RTE_ETH_FOREACH_DEV_OF(port_id, &pdev->device) {
		dev = &rte_eth_devices[port_id];
		bar_unmap_secondary(dev);
		/* ethdev releases this process's entry by data->port_id, which
		 * the primary's release zeroed; an entry's port id is its
		 * index, in any process, whether the slot is in use or not */
		if (dev->data->port_id != port_id)
			dev->data->port_id = port_id;
		rte_eth_dev_release_port(dev);
		HVF_INIT_LOG(INFO, "%s: port %u detached in a secondary process",
			     pdev->device.name, port_id);
	}
	return 0;
}

static int
hvf_pci_remove(struct rte_pci_device *pdev)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return hvf_pci_remove_secondary(pdev);
	return rte_eth_dev_pci_generic_remove(pdev, hvf_dev_uninit);
}

static const struct rte_pci_id hvf_pci_ids[] = {
	{ RTE_PCI_DEVICE(HVSIM_VF_PCI_VENDOR, HVSIM_VF_PCI_DEVICE) },
	{ .vendor_id = 0 },
};

/* No RTE_PCI_DRV_NEED_MAPPING: the BAR is a file this driver maps itself. */
static struct rte_pci_driver hvf_pci_driver = {
	.id_table = hvf_pci_ids,
	.drv_flags = RTE_PCI_DRV_INTR_LSC | RTE_PCI_DRV_INTR_RMV,
	.probe = hvf_pci_probe,
	.remove = hvf_pci_remove,
};

RTE_PMD_REGISTER_PCI(net_hvsim_vf, hvf_pci_driver);
RTE_PMD_REGISTER_PCI_TABLE(net_hvsim_vf, hvf_pci_ids);
RTE_PMD_REGISTER_KMOD_DEP(net_hvsim_vf, HVSIM_VF_KDRV_NAME);
