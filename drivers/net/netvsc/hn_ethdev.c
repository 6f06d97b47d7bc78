/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * net_netvsc ethdev glue: probe/remove on the VMBus bus, devargs, the
 * ethdev operations, statistics. The protocol work is below this file:
 * hn_nvsp.c (session), hn_rndis.c (control), hn_rx.c / hn_tx.c (data).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_memzone.h>

#include "hvnet_compat.h"

#include "hn_chan.h"
#include "hn_ctl.h"
#include "hn_lro.h"
#include "hn_mp.h"
#include "hn_nvsp.h"
#include "hn_rndis.h"
#include "hn_rx.h"
#include "hn_rxintr.h"
#include "hn_stats.h"
#include "hn_tx.h"
#include "hn_vf.h"

RTE_LOG_REGISTER_SUFFIX(hn_logtype_init, init, NOTICE);
RTE_LOG_REGISTER_SUFFIX(hn_logtype_driver, driver, NOTICE);

#define HN_ARG_LATENCY		"latency"
#define HN_ARG_RX_COPYBREAK	"rx_copybreak"
#define HN_ARG_TX_COPYBREAK	"tx_copybreak"
#define HN_ARG_RX_EXTMBUF	"rx_extmbuf_enable"
#define HN_ARG_NUMA_AWARE	"numa_aware"
#define HN_ARG_TIMEOUT		"timeout"
#define HN_ARG_MAX_QUEUES	"max_queues"
#define HN_ARG_VF		"vf"
#define HN_ARG_VF_DEADLINE	"vf_deadline"
#define HN_ARG_ISOLATED		"isolated"

static const char *const hn_valid_args[] = {
	HN_ARG_LATENCY, HN_ARG_RX_COPYBREAK, HN_ARG_TX_COPYBREAK, HN_ARG_RX_EXTMBUF,
	HN_ARG_NUMA_AWARE, HN_ARG_TIMEOUT, HN_ARG_MAX_QUEUES, HN_ARG_VF, HN_ARG_VF_DEADLINE,
	HN_ARG_ISOLATED, NULL
};

/* Microsoft's default Toeplitz key (what Linux programs, §E.7) */
static const uint8_t hn_default_rss_key[HN_RSS_KEY_SIZE] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static const struct eth_dev_ops hn_ops;

/* ---- devargs -------------------------------------------------------------- */

struct hn_arg_range {
	uint32_t *dst;
	uint32_t min;
	uint32_t max;
};

static int
parse_u32(const char *key, const char *value, void *opaque)
{
	const struct hn_arg_range *r = opaque;
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(value, &end, 0);
	if (errno != 0 || end == value || *end != '\0' || value[0] == '-' || v < r->min ||
	    v > r->max) {
		PMD_INIT_LOG(ERR, "devarg %s=%s: expected an integer from %u to %u", key, value,
			     r->min, r->max);
		return -EINVAL;
	}
	*r->dst = (uint32_t)v;
	return 0;
}

/* vf=auto|none|<device name> */
static int
parse_vf(const char *key, const char *value, void *opaque)
{
	struct hn_devargs *a = opaque;

	if (strcmp(value, "auto") == 0) {
		a->vf_mode = HN_VF_MODE_AUTO;
	} else if (strcmp(value, "none") == 0) {
		a->vf_mode = HN_VF_MODE_NONE;
	} else if (value[0] != '\0' && strlen(value) < sizeof(a->vf_name)) {
		a->vf_mode = HN_VF_MODE_NAME;
		snprintf(a->vf_name, sizeof(a->vf_name), "%s", value);
	} else {
		PMD_INIT_LOG(ERR, "devarg %s=%s: expected auto, none or a device name", key,
			     value);
		return -EINVAL;
	}
	return 0;
}

static int
parse_devargs(const struct rte_devargs *da, struct hn_devargs *a)
{
	uint32_t extmbuf = 0, numa = 1, isolated = 0;
	const struct {
		const char *key;
		struct hn_arg_range r;
	} table[] = {
		{ HN_ARG_LATENCY, { &a->latency_us, 0, 10000 } },
		{ HN_ARG_RX_COPYBREAK, { &a->rx_copybreak, 0, HN_MAX_RX_PKTLEN } },
		{ HN_ARG_TX_COPYBREAK, { &a->tx_copybreak, 0, 65536 } },
		{ HN_ARG_RX_EXTMBUF, { &extmbuf, 0, 1 } },
		{ HN_ARG_NUMA_AWARE, { &numa, 0, 1 } },
		{ HN_ARG_TIMEOUT, { &a->timeout_s, 1, 3600 } },
		{ HN_ARG_MAX_QUEUES, { &a->max_queues, 1, HN_MAX_QUEUES } },
		{ HN_ARG_VF_DEADLINE, { &a->vf_deadline_s, 0, 86400 } },
		{ HN_ARG_ISOLATED, { &isolated, 0, 1 } },
	};
	struct rte_kvargs *kv;
	unsigned int i;
	int ret = 0;

	a->latency_us = 50;
	a->rx_copybreak = 256;
	/* copy and aggregate small frames, send large ones as GPA page lists:
	 * a copy costs the guest about 0.36 cycles a byte more (on hvsim: ~100
	 * cycles a 64 B frame, ~620 a 1514 B one), a GPA send and its
	 * completion a flat ~500, so they meet near 1,200 B (app/bench) */
	a->tx_copybreak = HN_TX_COPYBREAK_DEFAULT;
	a->timeout_s = 60;
	a->max_queues = HN_MAX_QUEUES;
	a->vf_mode = HN_VF_MODE_AUTO;
	a->vf_name[0] = '\0';
	a->vf_deadline_s = 180;
	if (da != NULL && da->args != NULL && da->args[0] != '\0') {
		kv = rte_kvargs_parse(da->args, hn_valid_args);
		if (kv == NULL) {
			PMD_INIT_LOG(ERR, "devargs '%s': unknown key or bad syntax; valid keys: "
				     "latency, rx_copybreak, tx_copybreak, rx_extmbuf_enable, "
				     "numa_aware, timeout, max_queues, vf, vf_deadline, isolated",
				     da->args);
			return -EINVAL;
		}
		for (i = 0; i < RTE_DIM(table) && ret == 0; i++)
			ret = rte_kvargs_process(kv, table[i].key, parse_u32,
						 (void *)(uintptr_t)&table[i].r);
		if (ret == 0)
			ret = rte_kvargs_process(kv, HN_ARG_VF, parse_vf, a);
		rte_kvargs_free(kv);
	}
	a->rx_extmbuf = extmbuf != 0;
	a->numa_aware = numa != 0;
	a->isolated = isolated != 0;
	/* attached frames are read by the application where the host can
	 * still write them: not in a VM that does not trust its host */
	if (ret == 0 && a->isolated && a->rx_extmbuf) {
		PMD_INIT_LOG(ERR, "devargs: rx_extmbuf_enable=1 refused with isolated=1: "
			     "attached frames stay in memory the host can write");
		ret = -EINVAL;
	}
	return ret;
}

/* ---- session -------------------------------------------------------------- */

/* Queue pairs the host's RSS capabilities allow (channels to ask for). */
static uint32_t
hn_rss_queue_cap(const struct hn_dev *hn)
{
	if (hn->nvsp_ver < HV_NVSP_PROTO_V5 || !(hn->rss_caps & HV_NDIS_RSS_CAP_HASH_TOEPLITZ))
		return 1;
	return RTE_MAX(1u, RTE_MIN(hn->rss_max_queues, HN_MAX_QUEUES));
}

/*
 * Every session asks for every subchannel the host's RSS capabilities
 * allow, so the queue count the application sees (dev_infos) is what the
 * host granted and a configure never asks for a channel that is not
 * there (doc/guides/nics/netvsc.md, "Queues, channels and RSS"). The host
 * offers granted subchannels whether or not they are used; channels
 * beyond the configured queues stay idle: the indirection table never
 * names them and nothing is sent on them.
 */
static void
hn_open_channels(struct hn_dev *hn)
{
	uint32_t want = RTE_MIN(hn_rss_queue_cap(hn), hn->args.max_queues) - 1, granted = 0;
	int ret;

	if (want == 0)
		return;
	ret = hn_nvsp_subchannels(hn, want, &granted);
	if (ret < 0)
		PMD_DRV_LOG(ERR, "port %u: subchannels unusable (%s): %u queue pair(s)",
			    hn->port_id, strerror(-ret), hn->nchan);
	else if (granted < want)
		PMD_DRV_LOG(NOTICE, "port %u: the host granted %u of %u subchannels: at most "
			    "%u queue pairs", hn->port_id, granted, want, hn->nchan);
}

static int
hn_attach(struct hn_dev *hn, uint32_t mtu)
{
	int ret = hn_nvsp_attach(hn, mtu);

	if (ret == 0)
		ret = hn_rndis_attach(hn);
	if (ret == 0)
		hn_open_channels(hn);
	return ret;
}

static void
hn_detach(struct hn_dev *hn)
{
	uint32_t i;

	/* free callbacks of frames the application still holds stop
	 * reaching the channels before they are reset */
	for (i = 0; i < hn->nchan; i++)
		if (hn->chans[i].rxq != NULL)
			hn_rxq_ext_close(hn->chans[i].rxq);
	hn_rx_ext_orphans_close(hn, true);
	hn_rndis_detach(hn);
	hn_nvsp_detach(hn);
}

/* The MTU ethdev holds for the port: the one a session is built for. */
static uint32_t
hn_ethdev_mtu(const struct rte_eth_dev *dev)
{
	return dev->data->mtu ? dev->data->mtu : HN_MTU_DEFAULT;
}

/*
 * The one re-initialisation routine (§D.3): what an NVSP session cannot
 * change (MTU, channel count) takes a new session on a reopened device.
 */
static int
hn_reinit(struct hn_dev *hn, uint32_t mtu)
{
	int ret;

	hn_detach(hn);
	ret = vmbus_device_reopen(hn->vdev);
	if (ret == 0)
		ret = hn_attach(hn, mtu);
	if (ret == 0 && !rte_is_same_ether_addr(&hn->mac, &hn->perm_mac))
		ret = hn_rndis_set_mac(hn, &hn->mac);
	hn->session_lost = ret < 0;
	if (ret < 0)
		PMD_DRV_LOG(ERR, "port %u: re-initialisation failed: %s", hn->port_id,
			    strerror(-ret));
	return ret;
}

/*
 * The control lock for a call that changes what the host holds (MAC, RSS).
 * After a failed re-initialisation there is no session to change: the
 * channels are closed and the buffers unmapped. Only a configure or a start
 * builds one again (with what ethdev holds), so such a call is refused.
 */
static int
hn_ctl_lock_session(struct hn_dev *hn, const char *what)
{
	int ret = hn_ctl_lock(hn, what);

	if (ret == 0 && hn->session_lost) {
		hn_ctl_unlock(hn);
		PMD_DRV_LOG(ERR, "port %u: %s: no session with the host since a re-initialisation "
			    "failed: configure or start the port first", hn->port_id, what);
		ret = -EIO;
	}
	return ret;
}

/* ---- link ----------------------------------------------------------------- */

static void
hn_link_refresh(struct rte_eth_dev *dev)
{
	struct hn_dev *hn = hn_dev_of(dev);
	struct rte_eth_link link = {
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
	};

	__atomic_store_n(&hn->link_dirty, 0, __ATOMIC_RELAXED);
	link.link_status = __atomic_load_n(&hn->link_up, __ATOMIC_RELAXED) ?
			   RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN;
	link.link_speed = link.link_status ? hn->link_speed_mbps : RTE_ETH_SPEED_NUM_NONE;
	rte_eth_linkstatus_set(dev, &link);
}

/* Status indications keep the link current; a stopped port asks. */
/* Interrupt thread: re-read the link and tell the application. */
static void
lsc_alarm(void *arg)
{
	struct rte_eth_dev *dev = arg;

	if (dev->data == NULL || dev->data->dev_private == NULL)
		return;
	/* indications from now on arm a new alarm: none is missed */
	__atomic_store_n(&hn_dev_of(dev)->lsc_armed, 0, __ATOMIC_RELEASE);
	hn_link_refresh(dev);
	rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_LSC, NULL);
}

/*
 * A status indication changed the link (any draining thread, often a
 * data-path lcore). One alarm at a time, whatever the number of
 * indications: a host flooding them costs one flag, not an allocation and
 * a list insert each; the alarm reads the link as it is then.
 */
void
hn_linkstatus_callback(struct hn_dev *hn)
{
	if (!hn_is_primary() || !hn->data->dev_conf.intr_conf.lsc)
		return;
	__atomic_fetch_add(&hn->lsc_events, 1, __ATOMIC_RELAXED);
	if (__atomic_exchange_n(&hn->lsc_armed, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (rte_eal_alarm_set(1, lsc_alarm, &rte_eth_devices[hn->port_id]) != 0)
		__atomic_store_n(&hn->lsc_armed, 0, __ATOMIC_RELEASE);
}

static int
hn_dev_link_update(struct rte_eth_dev *dev, int wait_to_complete)
{
	struct hn_dev *hn = hn_dev_of(dev);
	struct rte_eth_link old;

	rte_eth_linkstatus_get(dev, &old);
	if (hn_is_primary() && !hn->started && hn_rndis_is_up(hn)) {
		/* rte_eth_link_get_nowait() must not wait for a silent host
		 * or behind another control request: the last state known */
		if (wait_to_complete ? hn_ctl_lock(hn, "link query") < 0 :
		    hn->ctl.unanswered > 0 || !rte_spinlock_trylock(&hn->ctl.lock))
			goto refresh;
		hn_rndis_query_link(hn);
		hn_ctl_unlock(hn);
	} else if (hn->started && hn_is_primary()) {
		/* nobody may be polling: pick up indications waiting in the ring */
		hn_chan_drain(hn, &hn->chans[0], NULL, 0, HN_RX_BURST_BUDGET);
	}
refresh:
	hn_link_refresh(dev);
	return old.link_status == dev->data->dev_link.link_status ? -1 : 0;
}

/* ---- configure ------------------------------------------------------------ */

/* The ethdev hash types we advertise, one NDIS hash type each. */
static const struct {
	uint64_t hf;
	uint32_t ndis;
	uint32_t cap;		/* HV_NDIS_RSS_CAP_* the host must offer */
} hn_hash_types[] = {
	{ RTE_ETH_RSS_IPV4, HV_NDIS_HASH_IPV4, HV_NDIS_RSS_CAP_IPV4 },
	{ RTE_ETH_RSS_NONFRAG_IPV4_TCP, HV_NDIS_HASH_TCP_IPV4, HV_NDIS_RSS_CAP_IPV4 },
	{ RTE_ETH_RSS_IPV6, HV_NDIS_HASH_IPV6, HV_NDIS_RSS_CAP_IPV6 },
	{ RTE_ETH_RSS_NONFRAG_IPV6_TCP, HV_NDIS_HASH_TCP_IPV6, HV_NDIS_RSS_CAP_IPV6 },
	{ RTE_ETH_RSS_IPV6_EX, HV_NDIS_HASH_IPV6_EX, HV_NDIS_RSS_CAP_IPV6_EX },
	{ RTE_ETH_RSS_IPV6_TCP_EX, HV_NDIS_HASH_TCP_IPV6_EX, HV_NDIS_RSS_CAP_IPV6_EX },
};

/* DPDK's RSS types as NDIS hash bits (to_ndis), or the other way. */
static uint64_t
rss_types_map(uint64_t from, bool to_ndis)
{
	uint64_t to = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(hn_hash_types); i++) {
		uint64_t hf = hn_hash_types[i].hf, ndis = hn_hash_types[i].ndis;

		if (from & (to_ndis ? hf : ndis))
			to |= to_ndis ? ndis : hf;
	}
	return to;
}

static uint32_t
rss_hf_to_hash_info(uint64_t hf)
{
	return (uint32_t)rss_types_map(hf, true);
}

uint64_t
hn_rss_hash_info_to_hf(uint32_t hi)
{
	return rss_types_map(hi, false);
}

/* What the host hashes: nothing without Toeplitz or without subchannels. */
static uint64_t
hn_rss_offloads(const struct hn_dev *hn)
{
	uint64_t hf = 0;
	unsigned int i;

	if (hn_rss_queue_cap(hn) <= 1 || hn->nchan <= 1)
		return 0;
	for (i = 0; i < RTE_DIM(hn_hash_types); i++)
		if (hn->rss_caps & hn_hash_types[i].cap)
			hf |= hn_hash_types[i].hf;
	return hf;
}

/* Queue pairs: one channel each, as many as the host opened. */
static uint32_t
hn_max_queues(const struct hn_dev *hn)
{
	return RTE_MAX(1u, hn->nchan);
}

/*
 * Channels for nq queues. An MTU change takes a new session, which asks
 * for the subchannels again; only then can the host grant fewer than the
 * configured queues, and the configure fails with the number it can use.
 */
static int
hn_setup_channels(struct hn_dev *hn, uint32_t nq, uint32_t mtu)
{
	int ret;

	/* a session a failed re-initialisation lost is built again here */
	if (mtu != hn->mtu || hn->session_lost) {
		ret = hn_reinit(hn, mtu);
		if (ret < 0)
			return ret;
	}
	if (nq > hn_max_queues(hn)) {
		PMD_DRV_LOG(ERR, "port %u: %u queues asked, the host granted channels for %u: "
			    "configure at most %u", hn->port_id, nq, hn_max_queues(hn),
			    hn_max_queues(hn));
		return -ENOSPC;
	}
	return 0;
}

/* Program what hn holds (key, types, table) for the port's RX queues. */
static int
hn_rss_program(struct hn_dev *hn)
{
	const struct rte_eth_dev_data *d = hn->data;
	bool on = (d->dev_conf.rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) &&
		  d->nb_rx_queues > 1;

	if (!hn->rss_caps)
		return 0;
	return hn_rndis_set_rss(hn, on ? d->nb_rx_queues : 1);
}

static int
hn_rss_check(const struct hn_dev *hn, const struct rte_eth_rss_conf *rc)
{
	if (rc->rss_hf & ~hn_rss_offloads(hn)) {
		PMD_DRV_LOG(ERR, "port %u: RSS hash types %#" PRIx64 " not supported by the "
			    "host (supported: %#" PRIx64 ")", hn->port_id, rc->rss_hf,
			    hn_rss_offloads(hn));
		return -EINVAL;
	}
	if (rc->rss_key != NULL && rc->rss_key_len != HN_RSS_KEY_SIZE) {
		PMD_DRV_LOG(ERR, "port %u: RSS key of %u bytes: it must be %u", hn->port_id,
			    rc->rss_key_len, HN_RSS_KEY_SIZE);
		return -EINVAL;
	}
	return 0;
}

/* configure: the application's rss_conf, every time (a new one applies). */
static int
hn_setup_rss(struct hn_dev *hn, const struct rte_eth_conf *conf, uint16_t nb_rxq)
{
	const struct rte_eth_rss_conf *rc = &conf->rx_adv_conf.rss_conf;
	unsigned int i;
	int ret;

	if (!(conf->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) || nb_rxq <= 1) {
		hn->rss_hash_info = 0;
		return hn_rss_program(hn);
	}
	ret = hn_rss_check(hn, rc);
	if (ret < 0)
		return ret;
	memcpy(hn->rss_key, rc->rss_key != NULL ? rc->rss_key : hn_default_rss_key,
	       HN_RSS_KEY_SIZE);
	hn->rss_hash_info = rss_hf_to_hash_info(rc->rss_hf);
	for (i = 0; i < HN_RSS_RETA_SIZE; i++)
		hn->reta[i] = i % nb_rxq;
	return hn_rss_program(hn);
}

static int
hn_dev_configure(struct rte_eth_dev *dev)
{
	struct hn_dev *hn = hn_dev_of(dev);
	const struct rte_eth_conf *conf = &dev->data->dev_conf;
	uint32_t nq = RTE_MAX(dev->data->nb_rx_queues, dev->data->nb_tx_queues);
	uint32_t mtu = hn_ethdev_mtu(dev);
	int ret;

	if (conf->rxmode.mq_mode != RTE_ETH_MQ_RX_NONE &&
	    conf->rxmode.mq_mode != RTE_ETH_MQ_RX_RSS) {
		PMD_DRV_LOG(ERR, "port %u: RX mq_mode %d not supported (none or RSS)",
			    hn->port_id, conf->rxmode.mq_mode);
		return -EINVAL;
	}
	if (hn->args.rx_extmbuf && !hn->extmbuf_warned) {
		hn->extmbuf_warned = true;
		PMD_DRV_LOG(WARNING, "port %u: rx_extmbuf_enable=1: received frames stay in the "
			    "host-writable receive buffer until freed (do not use in a VM that "
			    "does not trust its host; isolated=1 refuses it)", hn->port_id);
	}
	ret = hn_ctl_lock(hn, "configure");
	if (ret < 0)
		return ret;
	ret = hn_setup_channels(hn, nq, mtu);
	if (ret == 0)
		ret = hn_setup_rss(hn, conf, dev->data->nb_rx_queues);
	if (ret == 0 && (hn->csum_tx4 || hn->csum_rx4 || hn->lso4_max))
		ret = hn_rndis_set_offloads(hn, conf->rxmode.offloads, conf->txmode.offloads);
	hn_ctl_unlock(hn);
	if (ret == 0) {
		hn->rx_offloads = conf->rxmode.offloads;
		hn->tx_offloads = conf->txmode.offloads;
	}
	return ret;
}

/* ---- start / stop / close ------------------------------------------------------ */

static uint32_t
hn_filter(const struct hn_dev *hn)
{
	uint32_t filter = HV_NDIS_PACKET_TYPE_DIRECTED | HV_NDIS_PACKET_TYPE_BROADCAST;

	if (hn->promisc)
		return HV_NDIS_PACKET_TYPE_PROMISCUOUS;
	/* no multicast list (guests never set one, doc/protocol §E.4):
	 * multicast is all groups or none */
	if (hn->allmulti)
		filter |= HV_NDIS_PACKET_TYPE_ALL_MULTICAST;
	return filter;
}

static void
hn_link_queues(struct rte_eth_dev *dev, struct hn_dev *hn)
{
	uint32_t i;

	for (i = 0; i < hn->nchan; i++) {
		struct hn_chan *ch = &hn->chans[i];

		ch->rxq = i < dev->data->nb_rx_queues ? dev->data->rx_queues[i] : NULL;
		ch->txq = i < dev->data->nb_tx_queues ? dev->data->tx_queues[i] : NULL;
		if (ch->rxq != NULL) {
			ch->rxq->ch = ch;
			hn_rxq_ext_open(ch->rxq);
		}
		if (ch->txq != NULL)
			ch->txq->ch = ch;
	}
}

static void
hn_set_queue_states(struct rte_eth_dev *dev, uint8_t state)
{
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = state;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = state;
}

/*
 * How long a delivered packet may be. A coalesced packet (LRO) longer
 * than max_lro_pkt_size is cut; without LRO every coalesced packet is cut
 * back to frames. A frame longer than one mbuf needs SCATTER, or it is
 * dropped and counted: say so once, here.
 */
static void
hn_rxq_limits(struct rte_eth_dev *dev, const struct hn_dev *hn, struct hn_rxq *rxq)
{
	const struct rte_eth_rxmode *rm = &dev->data->dev_conf.rxmode;
	uint32_t tag = rxq->vlan_strip ? 0 : RTE_VLAN_HLEN;
	uint32_t frame = hn->mtu + RTE_ETHER_HDR_LEN;

	rxq->lro_max = frame;
	if (hn->rx_offloads & RTE_ETH_RX_OFFLOAD_TCP_LRO)
		rxq->lro_max = RTE_MAX(frame, rm->max_lro_pkt_size - RTE_MIN(tag,
							rm->max_lro_pkt_size));
	if (!rxq->scatter && frame + tag > rxq->buf_size)
		PMD_DRV_LOG(WARNING, "port %u: RX queue %u: frames up to %u B (MTU %u) do not fit "
			    "its %u B mbufs: longer ones are dropped (rx_q%u_too_long_errors); "
			    "enable RTE_ETH_RX_OFFLOAD_SCATTER or use larger mbufs",
			    hn->port_id, rxq->queue_id, frame + tag, hn->mtu, rxq->buf_size,
			    rxq->queue_id);
}

/*
 * A re-initialisation failed half-way (the host stopped answering during
 * an MTU change): build the session again with what ethdev holds, its MTU
 * and queues, RSS and offloads, as hn_mtu_set does. ctl.lock held.
 */
static int
hn_session_restore(struct rte_eth_dev *dev, struct hn_dev *hn)
{
	uint32_t nq = RTE_MAX(dev->data->nb_rx_queues, dev->data->nb_tx_queues);
	int ret = hn_reinit(hn, hn_ethdev_mtu(dev));

	if (ret == 0 && nq > hn_max_queues(hn))
		ret = -ENOSPC;
	if (ret == 0)
		ret = hn_rss_program(hn);
	if (ret == 0 && (hn->csum_tx4 || hn->csum_rx4 || hn->lso4_max))
		ret = hn_rndis_set_offloads(hn, hn->rx_offloads, hn->tx_offloads);
	return ret;
}

/* A start that failed half-way: what it turned on goes off again (ethdev
 * calls no stop for a port whose start failed). */
static void
hn_start_undo(struct rte_eth_dev *dev, struct hn_dev *hn)
{
	uint16_t i;

	hn->started = false;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		((struct hn_txq *)dev->data->tx_queues[i])->started = false;
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		((struct hn_rxq *)dev->data->rx_queues[i])->started = false;
		hn_rxq_flush(dev->data->rx_queues[i]);	/* frames parked meanwhile */
	}
	hn_rxintr_stop(dev);
}

static int
hn_dev_start(struct rte_eth_dev *dev)
{
	struct hn_dev *hn = hn_dev_of(dev);
	uint16_t i;
	int ret;

	if (hn->session_lost) {
		ret = hn_ctl_lock(hn, "start");
		if (ret < 0)
			return ret;
		ret = hn_session_restore(dev, hn);
		hn_ctl_unlock(hn);
		if (ret < 0)
			return ret;
	}
	if (hn->nchan < RTE_MAX(dev->data->nb_rx_queues, dev->data->nb_tx_queues)) {
		PMD_DRV_LOG(ERR, "port %u: fewer channels than queues: configure again",
			    hn->port_id);
		return -EINVAL;
	}
	hn_link_queues(dev, hn);
	ret = hn_rxintr_start(dev);
	if (ret < 0) {
		hn_start_undo(dev, hn);
		return ret;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct hn_txq *txq = dev->data->tx_queues[i];

		ret = hn_txq_bind(hn, txq, dev->data->nb_tx_queues);
		if (ret < 0) {
			hn_start_undo(dev, hn);
			return ret;
		}
		txq->offloads = hn->tx_offloads;
		txq->started = true;
	}
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct hn_rxq *rxq = dev->data->rx_queues[i];

		rxq->scatter = hn->rx_offloads & RTE_ETH_RX_OFFLOAD_SCATTER;
		__atomic_store_n(&rxq->vlan_strip,
				 (hn->rx_offloads & RTE_ETH_RX_OFFLOAD_VLAN_STRIP) != 0,
				 __ATOMIC_RELAXED);
		/* a pool of pinned external buffers has mbufs that cannot
		 * take another buffer (mbuf_raw is false for those) */
		rxq->extmbuf = rxq->ext_pool != NULL && hn->rxbuf_pfn != NULL && rxq->mbuf_raw;
		rxq->copybreak = hn->args.rx_copybreak;
		hn_rxq_limits(dev, hn, rxq);
		rxq->started = true;
	}
	dev->data->scattered_rx = (hn->rx_offloads & RTE_ETH_RX_OFFLOAD_SCATTER) != 0;
	hn->started = true;
	ret = hn_ctl_lock(hn, "start");
	if (ret == 0) {
		ret = hn_rndis_set_filter(hn, hn_filter(hn));
		if (ret == 0) {
			ret = hn_rndis_query_link(hn);
			if (ret < 0) {	/* nothing for a port that did not start */
				hn->started = false;	/* under the lock: see stop */
				hn_rndis_set_filter(hn, 0);
			}
		}
		hn_ctl_unlock(hn);
	}
	if (ret < 0) {
		hn_start_undo(dev, hn);
		return ret;
	}
	hn_link_refresh(dev);
	hn_set_queue_states(dev, RTE_ETH_QUEUE_STATE_STARTED);
	hn_vf_start(hn);	/* the VF's RX now; the switch follows */
	return 0;
}

/* Wait (bounded) until the host has completed every send: false when it
 * did not in time. */
static bool
hn_drain_tx(struct rte_eth_dev *dev, struct hn_dev *hn)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() * HN_STOP_DRAIN_MS / 1000;
	unsigned int inflight;
	uint16_t i;

	do {
		inflight = 0;
		for (i = 0; i < dev->data->nb_tx_queues; i++) {
			struct hn_txq *txq = dev->data->tx_queues[i];

			hn_tx_done_cleanup(txq, 0);
			inflight += hn_txq_inflight(txq);
		}
		if (inflight == 0)
			return true;
		rte_delay_us_sleep(100);
	} while (rte_get_timer_cycles() < end);
	PMD_DRV_LOG(WARNING, "port %u: %u sends never completed by the host", hn->port_id,
		    inflight);
	return false;
}

/*
 * Frames the host will not complete (it rescinded the device, or did not
 * complete them by the end of the stop's drain): those in sent descriptors
 * and in the section being filled. They are dropped with the queue's
 * reclaim; count them as TX errors (oerrors), not as lost silently.
 */
static void
count_abandoned_sends(struct hn_txq *txq)
{
	uint64_t n = txq->agg_idx >= 0 ? txq->agg_pkts : 0;
	uint32_t i;

	for (i = 0; i < txq->ndesc; i++)
		if (__atomic_load_n(&txq->txd[i].tag, __ATOMIC_ACQUIRE) & HN_TXD_POSTED)
			n += txq->txd[i].npkts;
	txq->stats.errors += n;
}

static int
hn_dev_stop(struct rte_eth_dev *dev)
{
	struct hn_dev *hn = hn_dev_of(dev);
	bool drained;
	uint16_t i;

	hn_rxintr_stop(dev);	/* also after a start that failed */
	if (!hn->started)
		return 0;
	/* the host back on synthetic first, while the synthetic path still runs */
	hn_vf_stop(hn);
	hn_set_queue_states(dev, RTE_ETH_QUEUE_STATE_STOPPED);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		((struct hn_rxq *)dev->data->rx_queues[i])->started = false;
	/* the queues stop anyway: without the lock, the host goes on
	 * delivering until the next session (counted as stopped drops) */
	if (hn_ctl_lock(hn, "stop") == 0) {
		/* stopped under the lock: a filter change that comes after
		 * (a secondary's promiscuous request) leaves the filter at 0 */
		hn->started = false;
		if (!vmbus_device_rescinded(hn->vdev))
			hn_rndis_set_filter(hn, 0);
		hn_ctl_unlock(hn);
	}
	hn->started = false;
	drained = !vmbus_device_rescinded(hn->vdev) && hn_drain_tx(dev, hn);
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct hn_txq *txq = dev->data->tx_queues[i];

		txq->started = false;
		/* what the drain did not see completed (a rescinded device, a
		 * host that did not complete in time) is dropped: oerrors */
		if (!drained)
			count_abandoned_sends(txq);
		hn_txq_reclaim_all(txq);
	}
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		hn_rxq_flush(dev->data->rx_queues[i]);
	/* completions of frames received in place and freed by the flush or
	 * before it go back now, not with the polls after the next start */
	if (!vmbus_device_rescinded(hn->vdev))
		for (i = 0; i < hn->nchan; i++)
			if (hn->chans[i].ext_acks != NULL)
				hn_chan_acks_kick(&hn->chans[i]);
	dev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
	return 0;
}

static void hn_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid);
static void hn_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid);

static int
hn_dev_close(struct rte_eth_dev *dev)
{
	struct hn_dev *hn = hn_dev_of(dev);
	uint16_t i;

	if (!hn_is_primary())
		return 0;
	rte_eal_alarm_cancel(lsc_alarm, dev);	/* a pending LSC callback */
	__atomic_store_n(&hn->lsc_armed, 0, __ATOMIC_RELEASE);
	hn_dev_stop(dev);
	hn_rxintr_close(dev);
	hn_vf_close(hn);	/* the host steering synthetic, the VF port closed */
	/* a session another thread still uses is left to the host, not freed
	 * under it */
	if (hn_ctl_lock(hn, "close") == 0) {
		hn_detach(hn);
		hn_ctl_unlock(hn);
	}
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		hn_rx_queue_release(dev, i);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		hn_tx_queue_release(dev, i);
	/* pools the releases left open (no detach: the session was busy)
	 * must not reach the device once it is freed. Busy means another
	 * thread holds the control lock: a link query. A reinit there
	 * would be a second control call on the port at once, which
	 * ethdev rules out (it would touch the list and the gates too) */
	hn_rx_ext_orphans_close(hn, true);
	dev->data->mac_addrs = NULL;	/* lives in hn, freed with it */
	return 0;
}

/* A fresh session with the same configuration. */
static int
hn_dev_reset(struct rte_eth_dev *dev)
{
	struct hn_dev *hn = hn_dev_of(dev);
	int ret;

	hn_dev_stop(dev);
	ret = hn_ctl_lock(hn, "reset");
	if (ret < 0)
		return ret;
	/* ethdev's MTU: after a refused change hn->mtu is the refused one */
	ret = hn_reinit(hn, hn_ethdev_mtu(dev));
	hn_ctl_unlock(hn);
	return ret;
}

/* ---- queues --------------------------------------------------------------- */

static int
queue_socket(const struct hn_dev *hn, unsigned int socket_id)
{
	return hn->args.numa_aware ? (int)socket_id : SOCKET_ID_ANY;
}

/* What an RX or TX queue knows of itself: its device, number, size and
 * the channel of the same index (none beyond those opened). */
#define HN_QUEUE_IDENTIFY(q, dev, qid, nb_desc) do { \
	struct hn_dev *hn_ = hn_dev_of(dev); \
	(q)->hn = hn_; \
	(q)->queue_id = (qid); \
	(q)->port_id = (dev)->data->port_id; \
	(q)->nb_desc = (nb_desc); \
	(q)->ch = (qid) < hn_->nchan ? &hn_->chans[qid] : NULL; \
} while (0)

/* A queue being freed is no longer its channel's (either kind). */
static void
chan_forget(struct hn_chan *ch, const void *q)
{
	if (ch != NULL && ch->rxq == q)
		ch->rxq = NULL;
	if (ch != NULL && ch->txq == q)
		ch->txq = NULL;
}

/* Everything a queue holds, also half set up (the port is stopped). */
static void
rxq_free(void *q)
{
	struct hn_rxq *rxq = q;

	hn_rxq_flush(rxq);
	chan_forget(rxq->ch, rxq);
	hn_rxq_ext_release(rxq);
	hn_rxq_lro_release(rxq);
	rte_ring_free(rxq->staging);
	rte_free(rxq);
}

static void
txq_free(void *q)
{
	struct hn_txq *txq = q;

	chan_forget(txq->ch, txq);
	hn_txq_reclaim_all(txq);
	rte_memzone_free(txq->hdr_mz);
	rte_ring_free(txq->free_idx);
	rte_free(txq->txd);
	rte_free(txq);
}

/* ethdev's queue release, for either kind. */
static void
queue_release(void **slot, void (*free_queue)(void *q))
{
	if (*slot != NULL)
		free_queue(*slot);
	*slot = NULL;
}

static void
hn_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	queue_release(&dev->data->rx_queues[qid], rxq_free);
}

static void
hn_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	queue_release(&dev->data->tx_queues[qid], txq_free);
}

static int
hn_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		  unsigned int socket_id, const struct rte_eth_rxconf *conf,
		  struct rte_mempool *mp)
{
	struct hn_dev *hn = hn_dev_of(dev);
	char name[RTE_RING_NAMESIZE];
	struct hn_rxq *rxq;

	RTE_SET_USED(conf);
	if (dev->data->rx_queues[qid] != NULL)
		hn_rx_queue_release(dev, qid);
	rxq = rte_zmalloc_socket("hn_rxq", sizeof(*rxq), RTE_CACHE_LINE_SIZE,
				 queue_socket(hn, socket_id));
	if (rxq == NULL)
		return -ENOMEM;
	snprintf(name, sizeof(name), "hn_rx_p%u_q%u", dev->data->port_id, qid);
	/* exact size: a power of two holds one entry less */
	rxq->staging = rte_ring_create(name, hn_rxq_staging_size(nb_desc),
				       queue_socket(hn, socket_id),
				       RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (rxq->staging == NULL) {
		rte_free(rxq);
		return -ENOMEM;
	}
	HN_QUEUE_IDENTIFY(rxq, dev, qid, nb_desc);
	rxq->mp = mp;
	rxq->buf_size = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
	hn_rxq_mbuf_template(rxq);
	if (hn_rxq_lro_setup(rxq, queue_socket(hn, socket_id)) < 0 ||
	    (hn->args.rx_extmbuf && hn_rxq_ext_setup(rxq, queue_socket(hn, socket_id)) < 0)) {
		rxq_free(rxq);
		return -ENOMEM;
	}
	dev->data->rx_queues[qid] = rxq;
	return 0;
}

static int
hn_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		  unsigned int socket_id, const struct rte_eth_txconf *conf)
{
	struct hn_dev *hn = hn_dev_of(dev);
	int socket = queue_socket(hn, socket_id);
	char name[RTE_MEMZONE_NAMESIZE];
	struct hn_txq *txq;

	RTE_SET_USED(conf);
	if (dev->data->tx_queues[qid] != NULL)
		hn_tx_queue_release(dev, qid);
	txq = rte_zmalloc_socket("hn_txq", sizeof(*txq), RTE_CACHE_LINE_SIZE, socket);
	if (txq == NULL)
		return -ENOMEM;
	txq->txd = rte_zmalloc_socket("hn_txd", sizeof(*txq->txd) * nb_desc, 0, socket);
	snprintf(name, sizeof(name), "hn_tx_p%u_q%u", dev->data->port_id, qid);
	txq->free_idx = rte_ring_create_elem(name, sizeof(uint32_t),
					     rte_align32pow2(nb_desc + 1u), socket,
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "hn_txh_p%u_q%u", dev->data->port_id, qid);
	/* physically contiguous: a header never crosses a page */
	txq->hdr_mz = rte_memzone_reserve_aligned(name, (size_t)nb_desc * HN_TX_HDR_SIZE,
						  socket, RTE_MEMZONE_IOVA_CONTIG, HV_PAGE_SIZE);
	if (txq->txd == NULL || txq->free_idx == NULL || txq->hdr_mz == NULL) {
		txq_free(txq);
		return -ENOMEM;
	}
	HN_QUEUE_IDENTIFY(txq, dev, qid, nb_desc);
	txq->hdr = txq->hdr_mz->addr;
	txq->hdr_iova = txq->hdr_mz->iova;
	txq->agg_idx = -1;
	dev->data->tx_queues[qid] = txq;
	return 0;
}

static hvnet_rx_queue_count_t
hn_rx_queue_count(void *q)
{
	const struct hn_rxq *rxq = q;

	/* staging holds a host's whole batch, more than a small queue's
	 * descriptors: a count stays within what the queue was given */
	return RTE_MIN(rte_ring_count(rxq->staging), (unsigned int)rxq->nb_desc);
}

static int
hn_rx_descriptor_status(void *q, uint16_t offset)
{
	const struct hn_rxq *rxq = q;

	if (offset >= rxq->nb_desc)
		return -EINVAL;
	return offset < rte_ring_count(rxq->staging) ? RTE_ETH_RX_DESC_DONE
						     : RTE_ETH_RX_DESC_AVAIL;
}

/* ---- information ------------------------------------------------------------- */

/* The IPv4 checksum offloads, by the host's capability bit. */
static const struct {
	uint32_t cap;	/* HV_NDIS_CSUM_CAP_* */
	uint64_t rx;
	uint64_t tx;
} hn_csum_offloads[] = {
	{ HV_NDIS_CSUM_CAP_IP4_HDR, RTE_ETH_RX_OFFLOAD_IPV4_CKSUM, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM },
	{ HV_NDIS_CSUM_CAP_IP4_TCP, RTE_ETH_RX_OFFLOAD_TCP_CKSUM, RTE_ETH_TX_OFFLOAD_TCP_CKSUM },
	{ HV_NDIS_CSUM_CAP_IP4_UDP, RTE_ETH_RX_OFFLOAD_UDP_CKSUM, RTE_ETH_TX_OFFLOAD_UDP_CKSUM },
};

static int
hn_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct hn_dev *hn = hn_dev_of(dev);
	uint32_t maxq = hn_max_queues(hn);
	unsigned int i;

	info->max_rx_queues = (uint16_t)maxq;
	info->max_tx_queues = (uint16_t)maxq;
	info->max_mac_addrs = 1;
	info->min_rx_bufsize = RTE_ETHER_MIN_LEN;
	info->min_mtu = HN_MTU_MIN;
	info->max_mtu = hn->nvsp_ver >= HV_NVSP_PROTO_V2 ? hn->host_mtu
							  : RTE_ETHER_MTU;
	/* the longest frame: the MTU, its Ethernet header, and a VLAN tag put
	 * back in when stripping is off (so ethdev's overhead is 18) */
	info->max_rx_pktlen = info->max_mtu + HN_FRAME_OVERHEAD;
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_VLAN_STRIP | RTE_ETH_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_VLAN_INSERT |
				RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	if (hn_rss_offloads(hn)) {
		info->rx_offload_capa |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
		info->flow_type_rss_offloads = hn_rss_offloads(hn);
		info->hash_key_size = HN_RSS_KEY_SIZE;
		info->reta_size = HN_RSS_RETA_SIZE;
	}
	for (i = 0; i < RTE_DIM(hn_csum_offloads); i++) {
		if (hn->csum_rx4 & hn_csum_offloads[i].cap)
			info->rx_offload_capa |= hn_csum_offloads[i].rx;
		if (hn->csum_tx4 & hn_csum_offloads[i].cap)
			info->tx_offload_capa |= hn_csum_offloads[i].tx;
	}
	/* the host's limits (payload size, minimum segments) have no field
	 * in DPDK 22.11: rte_eth_dev_priv_dump() prints them, TX enforces them */
	if (hn->lso4_max)
		info->tx_offload_capa |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	if (hn->rsc_caps) {
		info->rx_offload_capa |= RTE_ETH_RX_OFFLOAD_TCP_LRO;
		info->max_lro_pkt_size = HN_LRO_PKT_MAX;
	}
	info->rx_desc_lim.nb_max = 4096;
	info->rx_desc_lim.nb_min = 32;
	info->rx_desc_lim.nb_align = 1;
	info->tx_desc_lim.nb_max = 4096;
	info->tx_desc_lim.nb_min = 32;
	info->tx_desc_lim.nb_align = 1;
	info->tx_desc_lim.nb_seg_max = HN_TX_MAX_SEGS;
	info->tx_desc_lim.nb_mtu_seg_max = HN_TX_MAX_SEGS;
	info->default_rxportconf.burst_size = 32;
	info->default_txportconf.burst_size = 32;
	/* a late io forwarder sends back what arrived meanwhile before it
	 * reaches the completions behind it: TX descriptors and the staging
	 * ring (RX) together bound how late it may be without sending less
	 * (doc/guides/nics/netvsc.md, ring sizes) */
	info->default_rxportconf.ring_size = 1024;
	info->default_txportconf.ring_size = 1024;
	info->speed_capa = RTE_ETH_LINK_SPEED_FIXED;
	info->dev_capa = 0;
	return 0;
}

static const uint32_t *
hn_supported_ptypes(HVNET_PTYPES_GET_ARGS(dev))
{
	static const uint32_t ptypes[] = { RTE_PTYPE_L2_ETHER, RTE_PTYPE_UNKNOWN };

	RTE_SET_USED(dev);
	HVNET_PTYPES_RETURN(ptypes);
}

static int
hn_burst_mode_get(struct rte_eth_dev *dev, uint16_t qid, struct rte_eth_burst_mode *mode,
		  bool tx)
{
	struct hn_dev *hn = hn_dev_of(dev);

	RTE_SET_USED(qid);
	if (tx)
		snprintf(mode->info, sizeof(mode->info),
			 "Scalar, send buffer up to %u B (aggregated), GPA page lists above",
			 hn->args.tx_copybreak);
	else if (hn->args.rx_extmbuf)
		snprintf(mode->info, sizeof(mode->info),
			 "Scalar, in-place parse, copy up to %u B, attach above",
			 hn->args.rx_copybreak);
	else
		snprintf(mode->info, sizeof(mode->info), "Scalar, in-place parse, copy");
	return 0;
}

static int
hn_rx_burst_mode_get(struct rte_eth_dev *dev, uint16_t qid, struct rte_eth_burst_mode *m)
{
	return hn_burst_mode_get(dev, qid, m, false);
}

static int
hn_tx_burst_mode_get(struct rte_eth_dev *dev, uint16_t qid, struct rte_eth_burst_mode *m)
{
	return hn_burst_mode_get(dev, qid, m, true);
}

/* ---- filters, MAC, MTU --------------------------------------------------------- */

static int
hn_update_filter(struct rte_eth_dev *dev)
{
	struct hn_dev *hn = hn_dev_of(dev);
	int ret = 0;

	if (!hn->started)
		return 0;	/* applied at start */
	ret = hn_ctl_lock(hn, "packet filter");
	if (ret < 0)
		return ret;
	/* under the lock: a stop that came first has set the filter to 0 */
	if (hn->started)
		ret = hn_rndis_set_filter(hn, hn_filter(hn));
	hn_ctl_unlock(hn);
	return ret;
}

/* A flag of the packet filter: when the host refuses it, ethdev keeps the
 * old value, and so do we (and the VF), or both would disagree until the
 * next start. */
static int
hn_set_filter_flag(struct rte_eth_dev *dev, bool *flag, bool on)
{
	struct hn_dev *hn = hn_dev_of(dev);
	bool was = *flag;
	int ret;

	*flag = on;
	hn_vf_sync_settings(hn);
	ret = hn_update_filter(dev);
	if (ret < 0) {
		*flag = was;
		hn_vf_sync_settings(hn);
	}
	return ret;
}

static int
hn_set_promisc(struct rte_eth_dev *dev, bool on)
{
	return hn_set_filter_flag(dev, &hn_dev_of(dev)->promisc, on);
}

static int
hn_promiscuous_enable(struct rte_eth_dev *dev)
{
	return hn_set_promisc(dev, true);
}

static int
hn_promiscuous_disable(struct rte_eth_dev *dev)
{
	return hn_set_promisc(dev, false);
}

/* A secondary process (dpdk-dumpcap): the primary sets the filter. */
static int
hn_promiscuous_enable_secondary(struct rte_eth_dev *dev)
{
	return hn_mp_request(dev, HN_MP_PROMISC, 1);
}

static int
hn_promiscuous_disable_secondary(struct rte_eth_dev *dev)
{
	return hn_mp_request(dev, HN_MP_PROMISC, 0);
}

/*
 * All-multicast is the packet filter's ALL_MULTICAST bit: off, the host
 * drops every multicast frame (there is no list of groups to join, so
 * it starts on: ethdev reports it enabled from probe).
 */
static int
hn_set_allmulti(struct rte_eth_dev *dev, bool on)
{
	return hn_set_filter_flag(dev, &hn_dev_of(dev)->allmulti, on);
}

static int
hn_allmulticast_enable(struct rte_eth_dev *dev)
{
	return hn_set_allmulti(dev, true);
}

static int
hn_allmulticast_disable(struct rte_eth_dev *dev)
{
	return hn_set_allmulti(dev, false);
}

/*
 * VLAN stripping at any time: ethdev has updated dev_conf already. The
 * host always takes the tag off the wire and hands it over in the 802.1Q
 * PPI; each RX queue reads its flag once per frame and either reports
 * the tag in vlan_tci or puts it back into the frame (hn_rx_fill).
 * Filtering, extended VLAN and QinQ are not in the protocol.
 */
static int
hn_vlan_offload_set(struct rte_eth_dev *dev, int mask)
{
	struct hn_dev *hn = hn_dev_of(dev);
	bool strip = (dev->data->dev_conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_VLAN_STRIP) != 0;
	uint16_t i;

	if (mask & ~RTE_ETH_VLAN_STRIP_MASK)
		return -ENOTSUP;
	if (!(mask & RTE_ETH_VLAN_STRIP_MASK))
		return 0;
	if (strip)
		hn->rx_offloads |= RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
	else
		hn->rx_offloads &= ~RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct hn_rxq *rxq = dev->data->rx_queues[i];

		if (rxq == NULL)
			continue;
		__atomic_store_n(&rxq->vlan_strip, strip, __ATOMIC_RELAXED);
		if (rxq->started)
			hn_rxq_limits(dev, hn, rxq);
	}
	hn_vf_sync_settings(hn);
	return 0;
}

static void
hn_rxq_info_get(struct rte_eth_dev *dev, uint16_t qid, struct rte_eth_rxq_info *qinfo)
{
	const struct hn_dev *hn = hn_dev_of(dev);
	const struct hn_rxq *rxq = dev->data->rx_queues[qid];

	qinfo->mp = rxq->mp;
	qinfo->nb_desc = rxq->nb_desc;
	qinfo->rx_buf_size = rxq->buf_size;
	qinfo->scattered_rx = (hn->rx_offloads & RTE_ETH_RX_OFFLOAD_SCATTER) != 0;
	/* offloads are the port's: the protocol has none per channel */
	qinfo->conf.offloads = hn->rx_offloads;
	qinfo->conf.rx_drop_en = 1;	/* no mbuf: the frame is dropped and counted */
}

/*
 * nb_desc: the frames the queue may have in flight. Once started that is
 * the queue's share of the host's send-buffer sections when smaller than
 * what the application asked for (hn_txq_bind).
 */
static void
hn_txq_info_get(struct rte_eth_dev *dev, uint16_t qid, struct rte_eth_txq_info *qinfo)
{
	const struct hn_dev *hn = hn_dev_of(dev);
	const struct hn_txq *txq = dev->data->tx_queues[qid];

	qinfo->nb_desc = txq->ndesc != 0 ? (uint16_t)txq->ndesc : txq->nb_desc;
	qinfo->conf.offloads = hn->tx_offloads;
}

static int
hn_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *mac)
{
	struct hn_dev *hn = hn_dev_of(dev);
	int ret;

	if (rte_is_same_ether_addr(mac, &hn->mac))
		return 0;
	ret = hn_ctl_lock_session(hn, "MAC address");
	if (ret < 0)
		return ret;
	ret = hn_rndis_set_mac(hn, mac);
	hn_ctl_unlock(hn);
	if (ret < 0) {
		PMD_DRV_LOG(ERR, "port %u: the host refused the MAC address change",
			    hn->port_id);
		return ret;
	}
	rte_ether_addr_copy(mac, &hn->mac);
	hn_vf_sync_settings(hn);
	return 0;
}

static int
hn_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct hn_dev *hn = hn_dev_of(dev);
	uint32_t nq = RTE_MAX(dev->data->nb_rx_queues, dev->data->nb_tx_queues);
	int ret;

	if (hn->started) {
		PMD_DRV_LOG(ERR, "port %u: stop the port to change the MTU", hn->port_id);
		return -EBUSY;
	}
	if (mtu == hn->mtu && !hn->session_lost)
		return 0;
	ret = hn_ctl_lock(hn, "MTU");
	if (ret < 0)
		return ret;
	ret = hn_setup_channels(hn, nq, mtu);
	if (ret == 0)	/* the new session gets the key and table in use */
		ret = hn_rss_program(hn);
	if (ret == 0 && (hn->csum_tx4 || hn->csum_rx4 || hn->lso4_max))
		ret = hn_rndis_set_offloads(hn, hn->rx_offloads, hn->tx_offloads);
	if (ret == 0 && hn->host_mtu < mtu) {
		PMD_DRV_LOG(ERR, "port %u: the host accepts frames up to MTU %u only",
			    hn->port_id, hn->host_mtu);
		ret = -EINVAL;
	}
	/* ethdev keeps its MTU when this fails: a session built for another
	 * one is built again, with ethdev's, at the next configure or start */
	if (ret < 0 && hn->mtu != hn_ethdev_mtu(dev))
		hn->session_lost = true;
	hn_ctl_unlock(hn);
	return ret;
}

/* ---- RSS at runtime --------------------------------------------------------------- */

/* The RSS settings a runtime change may have to put back. */
struct hn_rss_saved {
	uint8_t key[HN_RSS_KEY_SIZE];
	uint32_t hash_info;
	uint32_t reta[HN_RSS_RETA_SIZE];
};

static void
rss_save(const struct hn_dev *hn, struct hn_rss_saved *saved)
{
	memcpy(saved->key, hn->rss_key, sizeof(saved->key));
	saved->hash_info = hn->rss_hash_info;
	memcpy(saved->reta, hn->reta, sizeof(saved->reta));
}

/* Program what hn now holds; when the host refuses, put back what was
 * there, on both sides. Called with ctl.lock held. */
static int
rss_commit(struct hn_dev *hn, const struct hn_rss_saved *saved, const char *what)
{
	int ret = hn_rss_program(hn);

	if (ret < 0) {
		memcpy(hn->rss_key, saved->key, sizeof(saved->key));
		hn->rss_hash_info = saved->hash_info;
		memcpy(hn->reta, saved->reta, sizeof(saved->reta));
		hn_rss_program(hn);
		PMD_DRV_LOG(ERR, "port %u: the host refused %s", hn->port_id, what);
	}
	return ret;
}

static int
hn_rss_hash_update(struct rte_eth_dev *dev, struct rte_eth_rss_conf *rc)
{
	struct hn_dev *hn = hn_dev_of(dev);
	struct hn_rss_saved saved;
	int ret = hn_rss_check(hn, rc);

	if (ret < 0)
		return ret;
	ret = hn_ctl_lock_session(hn, "RSS hash settings");
	if (ret < 0)
		return ret;
	rss_save(hn, &saved);
	if (rc->rss_key != NULL)
		memcpy(hn->rss_key, rc->rss_key, HN_RSS_KEY_SIZE);
	hn->rss_hash_info = rss_hf_to_hash_info(rc->rss_hf);
	ret = rss_commit(hn, &saved, "the RSS hash settings");
	hn_ctl_unlock(hn);
	if (ret == 0)	/* the VF hashes as the host does: a flow keeps its queue */
		hn_vf_sync_rss(hn);
	return ret;
}

static int
hn_rss_hash_conf_get(struct rte_eth_dev *dev, struct rte_eth_rss_conf *rc)
{
	const struct hn_dev *hn = hn_dev_of(dev);

	if (rc->rss_key != NULL)
		memcpy(rc->rss_key, hn->rss_key, HN_RSS_KEY_SIZE);
	rc->rss_key_len = HN_RSS_KEY_SIZE;
	rc->rss_hf = hn_rss_hash_info_to_hf(hn->rss_hash_info);
	return 0;
}

static int
hn_reta_check_size(const struct hn_dev *hn, uint16_t reta_size)
{
	if (reta_size == HN_RSS_RETA_SIZE)
		return 0;
	PMD_DRV_LOG(ERR, "port %u: the indirection table has %u entries, not %u",
		    hn->port_id, HN_RSS_RETA_SIZE, reta_size);
	return -EINVAL;
}

static int
hn_reta_update(struct rte_eth_dev *dev, struct rte_eth_rss_reta_entry64 *conf,
	       uint16_t reta_size)
{
	struct hn_dev *hn = hn_dev_of(dev);
	struct hn_rss_saved saved;
	unsigned int i;
	int ret = hn_reta_check_size(hn, reta_size);

	if (ret < 0)
		return ret;
	for (i = 0; i < HN_RSS_RETA_SIZE; i++) {
		const struct rte_eth_rss_reta_entry64 *e = &conf[i / RTE_ETH_RETA_GROUP_SIZE];
		unsigned int k = i % RTE_ETH_RETA_GROUP_SIZE;

		if ((e->mask >> k & 1) && e->reta[k] >= dev->data->nb_rx_queues) {
			PMD_DRV_LOG(ERR, "port %u: indirection entry %u names queue %u of %u",
				    hn->port_id, i, e->reta[k], dev->data->nb_rx_queues);
			return -EINVAL;
		}
	}
	ret = hn_ctl_lock_session(hn, "indirection table");
	if (ret < 0)
		return ret;
	rss_save(hn, &saved);
	for (i = 0; i < HN_RSS_RETA_SIZE; i++) {
		const struct rte_eth_rss_reta_entry64 *e = &conf[i / RTE_ETH_RETA_GROUP_SIZE];
		unsigned int k = i % RTE_ETH_RETA_GROUP_SIZE;

		if (e->mask >> k & 1)
			hn->reta[i] = e->reta[k];
	}
	ret = rss_commit(hn, &saved, "the indirection table");
	hn_ctl_unlock(hn);
	if (ret == 0)
		hn_vf_sync_settings(hn);
	return ret;
}

static int
hn_reta_query(struct rte_eth_dev *dev, struct rte_eth_rss_reta_entry64 *conf,
	      uint16_t reta_size)
{
	const struct hn_dev *hn = hn_dev_of(dev);
	unsigned int i;
	int ret = hn_reta_check_size(hn, reta_size);

	if (ret < 0)
		return ret;
	for (i = 0; i < HN_RSS_RETA_SIZE; i++) {
		struct rte_eth_rss_reta_entry64 *e = &conf[i / RTE_ETH_RETA_GROUP_SIZE];
		unsigned int k = i % RTE_ETH_RETA_GROUP_SIZE;

		if (e->mask >> k & 1)
			e->reta[k] = (uint16_t)hn->reta[i];
	}
	return 0;
}

static const struct eth_dev_ops hn_ops = {
	.dev_configure = hn_dev_configure,
	.dev_start = hn_dev_start,
	.dev_stop = hn_dev_stop,
	.dev_close = hn_dev_close,
	.dev_reset = hn_dev_reset,
	.dev_infos_get = hn_dev_infos_get,
	.dev_supported_ptypes_get = hn_supported_ptypes,
	.link_update = hn_dev_link_update,
	.promiscuous_enable = hn_promiscuous_enable,
	.promiscuous_disable = hn_promiscuous_disable,
	.allmulticast_enable = hn_allmulticast_enable,
	.allmulticast_disable = hn_allmulticast_disable,
	.vlan_offload_set = hn_vlan_offload_set,
	.mac_addr_set = hn_mac_addr_set,
	.mtu_set = hn_mtu_set,
	.rss_hash_update = hn_rss_hash_update,
	.rss_hash_conf_get = hn_rss_hash_conf_get,
	.reta_update = hn_reta_update,
	.reta_query = hn_reta_query,
	.stats_get = hn_stats_get,
	.stats_reset = hn_stats_reset,
	.xstats_get = hn_xstats_get,
	.xstats_get_names = hn_xstats_get_names,
	.xstats_reset = hn_stats_reset,
	.rx_queue_setup = hn_rx_queue_setup,
	.rx_queue_release = hn_rx_queue_release,
	.rx_queue_intr_enable = hn_rx_queue_intr_enable,
	.rx_queue_intr_disable = hn_rx_queue_intr_disable,
	.tx_queue_setup = hn_tx_queue_setup,
	.tx_queue_release = hn_tx_queue_release,
	.tx_done_cleanup = hn_tx_done_cleanup,
	.rxq_info_get = hn_rxq_info_get,
	.txq_info_get = hn_txq_info_get,
	.rx_burst_mode_get = hn_rx_burst_mode_get,
	.tx_burst_mode_get = hn_tx_burst_mode_get,
	.eth_dev_priv_dump = hn_priv_dump,
};

/*
 * A secondary process's ops: reading the port, and promiscuous mode done
 * by the primary (hn_mp.c). Configuring, starting and stopping the port
 * and the host's other settings belong to the primary: ethdev answers
 * -ENOTSUP for them here. hn_dev_close only lets the port go.
 */
static const struct eth_dev_ops hn_secondary_ops = {
	.dev_close = hn_dev_close,
	.dev_infos_get = hn_dev_infos_get,
	.dev_supported_ptypes_get = hn_supported_ptypes,
	.link_update = hn_dev_link_update,
	.promiscuous_enable = hn_promiscuous_enable_secondary,
	.promiscuous_disable = hn_promiscuous_disable_secondary,
	.rss_hash_conf_get = hn_rss_hash_conf_get,
	.reta_query = hn_reta_query,
	.stats_get = hn_stats_get,
	.stats_reset = hn_stats_reset,
	.xstats_get = hn_xstats_get,
	.xstats_get_names = hn_xstats_get_names,
	.xstats_reset = hn_stats_reset,
	.tx_done_cleanup = hn_tx_done_cleanup,
	.rxq_info_get = hn_rxq_info_get,
	.txq_info_get = hn_txq_info_get,
	.rx_burst_mode_get = hn_rx_burst_mode_get,
	.tx_burst_mode_get = hn_tx_burst_mode_get,
	.eth_dev_priv_dump = hn_priv_dump,
};

/* A secondary's request (hn_mp.c), on the primary's multi-process thread. */
int
hn_mp_run(const char *name, enum hn_mp_op op, uint32_t arg)
{
	struct rte_eth_dev *dev = rte_eth_dev_allocated(name);

	if (dev == NULL || dev->dev_ops != &hn_ops || dev->data->dev_private == NULL)
		return -ENODEV;
	switch (op) {
	case HN_MP_PROMISC:
		return hn_set_promisc(dev, arg != 0);
	default:
		return -EINVAL;
	}
}

/* ---- probe / remove ----------------------------------------------------------------- */

static void
hn_set_burst(struct rte_eth_dev *dev)
{
	dev->rx_pkt_burst = hn_recv_pkts;
	dev->tx_pkt_burst = hn_xmit_pkts;
	dev->tx_pkt_prepare = hn_xmit_prepare;
	dev->rx_queue_count = hn_rx_queue_count;
	dev->rx_descriptor_status = hn_rx_descriptor_status;
	dev->tx_descriptor_status = hn_tx_descriptor_status;
}

static int
hn_probe_secondary(struct vmbus_device *vdev)
{
	struct rte_eth_dev *dev = rte_eth_dev_attach_secondary(vdev->device.name);

	if (dev == NULL) {
		PMD_INIT_LOG(ERR, "%s: the primary process has not probed this device",
			     vdev->device.name);
		return -ENODEV;
	}
	dev->dev_ops = &hn_secondary_ops;
	dev->device = &vdev->device;
	hn_set_burst(dev);
	hn_vf_secondary_init();
	rte_eth_dev_probing_finish(dev);
	return 0;
}

static int
hn_probe(struct vmbus_driver *drv, struct vmbus_device *vdev)
{
	struct hn_devargs args;
	struct rte_eth_dev *dev;
	struct hn_dev *hn;
	int ret;

	RTE_SET_USED(drv);
	if (!hn_is_primary())
		return hn_probe_secondary(vdev);
	hn_mp_primary_init();
	ret = parse_devargs(vdev->device.devargs, &args);
	if (ret < 0)
		return ret;
	dev = rte_eth_dev_allocate(vdev->device.name);
	if (dev == NULL)
		return -ENOMEM;
	hn = rte_zmalloc_socket("hn_dev", sizeof(*hn), RTE_CACHE_LINE_SIZE,
				vdev->device.numa_node);
	if (hn == NULL) {
		rte_eth_dev_release_port(dev);
		return -ENOMEM;
	}
	dev->data->dev_private = hn;
	dev->device = &vdev->device;
	dev->dev_ops = &hn_ops;
	dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC | RTE_ETH_DEV_INTR_RMV;
	hn->vdev = vdev;
	hn->data = dev->data;
	hn->port_id = dev->data->port_id;
	hn->args = args;
	rte_spinlock_init(&hn->ctl.lock);
	hn->vf.port_id = RTE_MAX_ETHPORTS;
	ret = hn_attach(hn, HN_MTU_DEFAULT);
	if (ret < 0) {
		PMD_INIT_LOG(ERR, "%s: the host did not bring the NIC up (%s)",
			     vdev->device.name, strerror(-ret));
		hn_detach(hn);
		rte_eth_dev_release_port(dev);	/* frees dev_private */
		return ret;
	}
	dev->data->mac_addrs = &hn->mac;
	hn->allmulti = true;
	dev->data->all_multicast = 1;	/* the filter's ALL_MULTICAST, hn_filter */
	dev->data->mtu = (uint16_t)RTE_MIN(hn->host_mtu, (uint32_t)RTE_ETHER_MTU);
	hn_set_burst(dev);
	hn_link_refresh(dev);
	rte_eth_dev_probing_finish(dev);
	/* after probing_finish: a VF found now is not this port */
	if (hn_vf_init(hn) < 0)
		PMD_INIT_LOG(ERR, "%s: VF failover not running", vdev->device.name);
	PMD_INIT_LOG(INFO, "%s: port %u, NVSP %#x, MAC " RTE_ETHER_ADDR_PRT_FMT,
		     vdev->device.name, hn->port_id, hn->nvsp_ver,
		     RTE_ETHER_ADDR_BYTES(&hn->mac));
	return 0;
}

static int
hn_remove(struct vmbus_device *vdev)
{
	struct rte_eth_dev *dev = rte_eth_dev_allocated(vdev->device.name);

	if (dev == NULL)
		return 0;
	if (hn_is_primary())
		hn_dev_close(dev);
	return rte_eth_dev_release_port(dev);
}

/*
 * The rings belong to nobody now: the host reads and writes them no more.
 * Bursts return 0 from here on (nothing more is written to the TX ring,
 * nothing read from the RX ring); stopping the port gives back what the
 * queues hold, without waiting for the host.
 */
static void
hn_quiesce_queues(struct rte_eth_dev *dev)
{
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct hn_rxq *rxq = dev->data->rx_queues[i];

		if (rxq != NULL)
			__atomic_store_n(&rxq->started, false, __ATOMIC_RELEASE);
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct hn_txq *txq = dev->data->tx_queues[i];

		if (txq != NULL)
			__atomic_store_n(&txq->started, false, __ATOMIC_RELEASE);
	}
}

/*
 * Interrupt thread: the host took the device away. The queues go quiet
 * before anyone is told, then the link goes down (LSC, when it was up)
 * and the application hears of the removal (RMV); it stops, closes and
 * detaches the port (rte_dev_remove) and may probe the re-offered device.
 */
static void
hn_rescind(struct vmbus_device *vdev)
{
	struct rte_eth_dev *dev = rte_eth_dev_allocated(vdev->device.name);
	struct hn_dev *hn;
	uint32_t was_up;

	if (dev == NULL || dev->data->dev_private == NULL)
		return;
	hn = hn_dev_of(dev);
	if (hn->started)
		hn_quiesce_queues(dev);
	was_up = __atomic_exchange_n(&hn->link_up, 0, __ATOMIC_RELAXED);
	hn_link_refresh(dev);
	PMD_DRV_LOG(ERR, "port %u: the host rescinded the device: link down, port removed",
		    hn->port_id);
	if (was_up)
		rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_LSC, NULL);
	rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_RMV, NULL);
}

static const rte_uuid_t hn_class_ids[] = {
	/* f8615163-df3e-46c5-913f-f2d2f965ed0e */
	RTE_UUID_INIT(0xf8615163, 0xdf3e, 0x46c5, 0x913f, 0xf2d2f965ed0eULL),
	{ 0 },
};

static struct vmbus_driver hn_driver = {
	.id_table = hn_class_ids,
	.probe = hn_probe,
	.remove = hn_remove,
	.rescind = hn_rescind,
};

VMBUS_PMD_REGISTER(net_netvsc, hn_driver);
RTE_PMD_REGISTER_KMOD_DEP(net_netvsc, "* uio_hv_generic");
RTE_PMD_REGISTER_PARAM_STRING(net_netvsc,
			      HN_ARG_LATENCY "=<uint> "
			      HN_ARG_RX_COPYBREAK "=<uint> "
			      HN_ARG_TX_COPYBREAK "=<uint> "
			      HN_ARG_RX_EXTMBUF "=<0|1> "
			      HN_ARG_NUMA_AWARE "=<0|1> "
			      HN_ARG_TIMEOUT "=<seconds> "
			      HN_ARG_MAX_QUEUES "=<1-64> "
			      HN_ARG_VF "=auto|none|<device> "
			      HN_ARG_VF_DEADLINE "=<seconds> "
			      HN_ARG_ISOLATED "=<0|1>");
