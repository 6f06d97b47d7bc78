/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * net_hvsim_vf (hvsim/vf/pmd) against a device played by this test.
 *
 * A fake PCI devices directory (SYSFS_PCI_DEVICES) holds the VF's sysfs
 * files and its BAR, resource0, laid out per vf/vf_shm.h. EAL runs in
 * this process (--no-huge --in-memory) and loads the plugin given as
 * argv[1] with dlopen() (EAL's -d refuses a plugin under /tmp). The
 * test is the host: it fills in the caps, reads the
 * guest configuration, reads the TX rings and writes the RX rings with
 * hv_ring, and flips the host state to raise events.
 *
 * The cases share one EAL and one port and run in order.
 */

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "fake_vf.h"

#define MAIN_BDF	"7870:00:02.0"
#define MAIN_QUEUES	4
#define WAIT_MS		3000
#define SMALL_ROOM	1024	/* data bytes of the small pool's mbufs */

#define vf_mac		fake_vf_mac
#define MAX_MTU		FAKE_VF_MAX_MTU
#define SPEED		FAKE_VF_SPEED

static char sysfs_dir[PATH_MAX];
static const char *plugin;
static struct fake_vf main_vf;
static uint16_t port;
static struct rte_mempool *pool, *small_pool;

/* ---- the device, host side (fake_vf.h), failing the case on error ------ */

static void
vf_create(struct fake_vf *vf, const char *bdf, uint32_t queues, uint64_t bar_len,
	  void (*tweak)(struct hvsim_vf_shm *))
{
	assert_int_equal(fake_vf_create(vf, sysfs_dir, bdf, queues, bar_len, tweak), 0);
}

static void
host_event(struct fake_vf *vf)
{
	fake_vf_event(vf);
}

static int
host_rx_raw(struct fake_vf *vf, uint32_t q, uint16_t type, uint16_t offset8,
	    const struct hvsim_vf_pkt *h, const void *frame, uint32_t len)
{
	return fake_vf_rx_raw(vf, q, type, offset8, h, frame, len);
}

static void
host_rx(struct fake_vf *vf, uint32_t q, const void *frame, uint32_t len, uint16_t flags,
	uint16_t vlan, uint32_t hash)
{
	assert_int_equal(fake_vf_rx(vf, q, frame, len, flags, vlan, hash), 0);
}

/* The next TX record of queue q: 1 and its parts, or 0 when empty. */
static int
host_tx_read(struct fake_vf *vf, uint32_t q, struct hv_pkt_desc *desc,
	     struct hvsim_vf_pkt *h, uint8_t *frame, uint32_t frame_size)
{
	int ret = fake_vf_tx_read(vf, q, desc, h, frame, frame_size);

	assert_true(ret == 0 || ret == 1);
	return ret;
}

/* ---- guest side helpers ----------------------------------------------- */

static uint64_t
xstat(uint16_t p, const char *name)
{
	uint64_t id, value;

	assert_int_equal(rte_eth_xstats_get_id_by_name(p, name, &id), 0);
	assert_int_equal(rte_eth_xstats_get_by_id(p, &id, &value, 1), 1);
	return value;
}

/* An IPv4/TCP frame of len bytes (>= 54) with a recognisable payload. */
static void
make_frame(uint8_t *f, uint32_t len, uint8_t seed)
{
	uint32_t i;

	memset(f, 0, len);
	memcpy(f, vf_mac, 6);
	f[6] = 0x02;
	f[11] = seed;
	f[12] = 0x08;		/* IPv4 */
	f[14] = 0x45;
	f[16] = (len - 14) >> 8;
	f[17] = (len - 14) & 0xff;
	f[22] = 64;
	f[23] = 6;		/* TCP */
	f[46] = 0x50;		/* TCP data offset 5 */
	for (i = 54; i < len; i++)
		f[i] = (uint8_t)(seed + i);
}

static struct rte_mbuf *
mbuf_of(struct rte_mempool *mp, const uint8_t *f, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

	assert_non_null(m);
	assert_non_null(rte_pktmbuf_append(m, len));
	memcpy(rte_pktmbuf_mtod(m, void *), f, len);
	return m;
}

/* A chain with segments of the given sizes holding f. */
static struct rte_mbuf *
chain_of(const uint8_t *f, const uint32_t *sizes, unsigned int n)
{
	struct rte_mbuf *head = NULL, *m;
	uint32_t off = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		m = mbuf_of(pool, f + off, sizes[i]);
		off += sizes[i];
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
	}
	return head;
}

/* The bytes of m (possibly chained) equal f. */
static void
assert_mbuf_bytes(const struct rte_mbuf *m, const uint8_t *f, uint32_t len)
{
	uint8_t buf[HVSIM_VF_FRAME_MAX];

	assert_int_equal(m->pkt_len, len);
	assert_non_null(rte_pktmbuf_read(m, 0, len, buf));
	assert_memory_equal(rte_pktmbuf_read(m, 0, len, buf), f, len);
}

static int events_lsc, events_rmv, events_recovering, events_success, events_failed;

static int
count_event(uint16_t p, enum rte_eth_event_type type, void *arg, void *ret)
{
	int *counter;

	switch (type) {
	case RTE_ETH_EVENT_INTR_LSC:
		counter = &events_lsc;
		break;
	case RTE_ETH_EVENT_INTR_RMV:
		counter = &events_rmv;
		break;
	case RTE_ETH_EVENT_ERR_RECOVERING:
		counter = &events_recovering;
		break;
	case RTE_ETH_EVENT_RECOVERY_SUCCESS:
		counter = &events_success;
		break;
	case RTE_ETH_EVENT_RECOVERY_FAILED:
		counter = &events_failed;
		break;
	default:
		return 0;
	}
	__atomic_fetch_add(counter, 1, __ATOMIC_RELEASE);
	return 0;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait until *counter reaches want; then a little longer to see it stays. */
static void
wait_count(const int *counter, int want)
{
	unsigned int ms;

	for (ms = 0; ms < WAIT_MS && __atomic_load_n(counter, __ATOMIC_ACQUIRE) < want; ms++)
		sleep_ms(1);
	sleep_ms(40);		/* four alarm periods: no second event */
	assert_int_equal(__atomic_load_n(counter, __ATOMIC_ACQUIRE), want);
}

/* ---- configuration used by the cases ------------------------------------- */

static uint8_t app_key[HVSIM_VF_RSS_KEY_SIZE];

static void
configure_port(uint64_t rx_extra)
{
	struct rte_eth_conf conf;
	uint16_t q;

	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
			       RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_VLAN_STRIP |
			       rx_extra;
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
			       RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_VLAN_INSERT |
			       RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	conf.rx_adv_conf.rss_conf.rss_key = app_key;
	conf.rx_adv_conf.rss_conf.rss_key_len = sizeof(app_key);
	conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP;
	conf.intr_conf.lsc = 1;
	assert_int_equal(rte_eth_dev_configure(port, 2, 2, &conf), 0);
	/* queue 0 gets small mbufs: a 1500-byte frame needs two */
	assert_int_equal(rte_eth_rx_queue_setup(port, 0, 256, SOCKET_ID_ANY, NULL, small_pool), 0);
	assert_int_equal(rte_eth_rx_queue_setup(port, 1, 256, SOCKET_ID_ANY, NULL, pool), 0);
	for (q = 0; q < 2; q++)
		assert_int_equal(rte_eth_tx_queue_setup(port, q, 256, SOCKET_ID_ANY, NULL), 0);
}

/* ---- cases ----------------------------------------------------------- */

static void
test_probe_and_infos(void **state)
{
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	struct rte_eth_link link;

	assert_int_equal(rte_eth_dev_count_avail(), 1);
	assert_int_equal(rte_eth_dev_get_port_by_name(MAIN_BDF, &port), 0);
	assert_int_equal(rte_eth_dev_info_get(port, &info), 0);
	assert_string_equal(info.driver_name, "net_hvsim_vf");
	assert_int_equal(info.max_rx_queues, MAIN_QUEUES);
	assert_int_equal(info.max_tx_queues, MAIN_QUEUES);
	assert_int_equal(info.min_mtu, 68);
	assert_int_equal(info.max_mtu, MAX_MTU);
	assert_int_equal(info.max_rx_pktlen, MAX_MTU + 18);
	assert_int_equal(info.hash_key_size, 40);
	assert_int_equal(info.reta_size, 128);
	assert_int_equal(info.max_mac_addrs, 1);
	assert_int_equal(info.rx_offload_capa,
			 RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
			 RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_VLAN_STRIP |
			 RTE_ETH_RX_OFFLOAD_RSS_HASH | RTE_ETH_RX_OFFLOAD_SCATTER);
	assert_int_equal(info.tx_offload_capa,
			 RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
			 RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_TSO |
			 RTE_ETH_TX_OFFLOAD_VLAN_INSERT | RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	assert_int_equal(info.flow_type_rss_offloads,
			 RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 |
			 RTE_ETH_RSS_NONFRAG_IPV4_OTHER | RTE_ETH_RSS_NONFRAG_IPV4_TCP |
			 RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_FRAG_IPV6 |
			 RTE_ETH_RSS_NONFRAG_IPV6_OTHER | RTE_ETH_RSS_NONFRAG_IPV6_TCP |
			 RTE_ETH_RSS_NONFRAG_IPV6_UDP);
	assert_int_equal(info.speed_capa, RTE_ETH_LINK_SPEED_100G);
	assert_int_equal(rte_eth_macaddr_get(port, &mac), 0);
	assert_memory_equal(mac.addr_bytes, vf_mac, 6);
	assert_int_equal(rte_eth_link_get_nowait(port, &link), 0);
	assert_int_equal(link.link_status, RTE_ETH_LINK_UP);
	assert_int_equal(link.link_speed, SPEED);
	/* probing wrote nothing for the host */
	assert_int_equal(main_vf.shm->guest.conf_seq, 0);
}

static void
test_start_writes_conf(void **state)
{
	volatile struct hvsim_vf_guest_conf *g = &main_vf.shm->guest;
	struct rte_eth_rss_reta_entry64 reta[2];
	struct rte_eth_rss_conf rss = { 0 };
	uint8_t key2[HVSIM_VF_RSS_KEY_SIZE];
	uint32_t seq;
	unsigned int i;

	for (i = 0; i < sizeof(app_key); i++)
		app_key[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(rte_eth_dev_callback_register(port, RTE_ETH_EVENT_INTR_LSC,
							 count_event, NULL), 0);
	configure_port(RTE_ETH_RX_OFFLOAD_SCATTER);
	assert_int_equal(g->started, 0);
	assert_int_equal(rte_eth_dev_start(port), 0);

	assert_true(g->conf_seq > 0);
	assert_int_equal(g->conf_seq % 2, 0);	/* complete */
	assert_int_equal(g->started, 1);
	assert_int_equal(g->nb_rx_queues, 2);
	assert_int_equal(g->nb_tx_queues, 2);
	assert_int_equal(g->mtu, 1500);
	assert_int_equal(g->promisc, 0);
	assert_int_equal(g->allmulti, 0);
	assert_int_equal(g->rss_types, HVSIM_VF_RSS_IPV4 | HVSIM_VF_RSS_TCP4);
	assert_int_equal(g->offloads,
			 HVSIM_VF_OFL_RX_IPV4_CKSUM | HVSIM_VF_OFL_RX_L4_CKSUM |
			 HVSIM_VF_OFL_RX_VLAN_STRIP | HVSIM_VF_OFL_RX_RSS_HASH |
			 HVSIM_VF_OFL_TX_IPV4_CKSUM | HVSIM_VF_OFL_TX_TCP_CKSUM |
			 HVSIM_VF_OFL_TX_TSO | HVSIM_VF_OFL_TX_VLAN_INSERT |
			 HVSIM_VF_OFL_TX_MULTI_SEGS);
	assert_memory_equal((const void *)g->rss_key, app_key, sizeof(app_key));
	for (i = 0; i < HVSIM_VF_RETA_SIZE; i++)
		assert_int_equal(g->reta[i], i % 2);

	{
		struct rte_eth_rxq_info rqi;
		char fw[32];

		assert_int_equal(rte_eth_rx_queue_info_get(port, 0, &rqi), 0);
		assert_int_equal(rqi.nb_desc, 256);
		assert_int_equal(rqi.scattered_rx, 1);
		assert_ptr_equal(rqi.mp, small_pool);
		assert_int_equal(rqi.rx_buf_size, SMALL_ROOM);
		assert_int_equal(rte_eth_dev_fw_version_get(port, fw, sizeof(fw)), 0);
		assert_string_equal(fw, "hvsim-vf abi 1");
	}
	/* every change while started is published with a new conf_seq */
	seq = g->conf_seq;
	assert_int_equal(rte_eth_promiscuous_enable(port), 0);
	assert_int_equal(g->conf_seq, seq + 2);
	assert_int_equal(g->promisc, 1);
	assert_int_equal(rte_eth_allmulticast_enable(port), 0);
	assert_int_equal(g->conf_seq, seq + 4);
	assert_int_equal(g->allmulti, 1);

	memset(reta, 0, sizeof(reta));
	reta[0].mask = 1ull << 5;
	reta[0].reta[5] = 1;
	reta[1].mask = 1ull << 0;
	reta[1].reta[0] = 1;
	assert_int_equal(rte_eth_dev_rss_reta_update(port, reta, 128), 0);
	assert_int_equal(g->conf_seq, seq + 6);
	assert_int_equal(g->reta[4], 0);
	assert_int_equal(g->reta[5], 1);
	assert_int_equal(g->reta[64], 1);
	reta[0].reta[5] = 2;		/* no queue 2: refused whole */
	assert_int_not_equal(rte_eth_dev_rss_reta_update(port, reta, 128), 0);
	assert_int_equal(g->conf_seq, seq + 6);
	memset(reta, 0, sizeof(reta));
	reta[0].mask = 0x30;
	assert_int_equal(rte_eth_dev_rss_reta_query(port, reta, 128), 0);
	assert_int_equal(reta[0].reta[4], 0);
	assert_int_equal(reta[0].reta[5], 1);

	for (i = 0; i < sizeof(key2); i++)
		key2[i] = (uint8_t)i;
	rss.rss_key = key2;
	rss.rss_key_len = sizeof(key2);
	rss.rss_hf = RTE_ETH_RSS_NONFRAG_IPV4_UDP;
	assert_int_equal(rte_eth_dev_rss_hash_update(port, &rss), 0);
	assert_int_equal(g->conf_seq, seq + 8);
	assert_int_equal(g->rss_types, HVSIM_VF_RSS_UDP4);
	assert_memory_equal((const void *)g->rss_key, key2, sizeof(key2));
	memset(key2, 0, sizeof(key2));
	assert_int_equal(rte_eth_dev_rss_hash_conf_get(port, &rss), 0);
	assert_int_equal(rss.rss_hf, RTE_ETH_RSS_NONFRAG_IPV4_UDP);
	assert_int_equal(key2[39], 39);

	/* the MTU is changed stopped */
	assert_int_equal(rte_eth_dev_set_mtu(port, 1400), -EBUSY);
	assert_int_equal(g->mtu, 1500);
	assert_int_equal(rte_eth_promiscuous_disable(port), 0);
	assert_int_equal(rte_eth_allmulticast_disable(port), 0);
	assert_int_equal(g->promisc, 0);
	assert_int_equal(g->allmulti, 0);
	/* a multicast list: the host has no list, it gets all multicast */
	{
		struct rte_ether_addr mc[2] = {
			{ { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } },
			{ { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 } },
		};

		seq = g->conf_seq;
		assert_int_equal(rte_eth_dev_set_mc_addr_list(port, mc, 2), 0);
		assert_int_equal(g->conf_seq, seq + 2);
		assert_int_equal(g->allmulti, 1);
		assert_int_equal(rte_eth_dev_set_mc_addr_list(port, NULL, 0), 0);
		assert_int_equal(g->allmulti, 0);
	}
}

static void
test_tx_records(void **state)
{
	static const uint32_t segs3[] = { 100, 200, 50 };
	static const uint32_t segs2[] = { 1500, 1500 };
	uint8_t f1[60], f2[350], f3[3000], got[4000];
	struct rte_mbuf *m[6];
	struct hv_pkt_desc d;
	struct hvsim_vf_pkt h;

	make_frame(f1, sizeof(f1), 1);
	make_frame(f2, sizeof(f2), 2);
	make_frame(f3, sizeof(f3), 3);
	m[0] = mbuf_of(pool, f1, sizeof(f1));
	m[1] = chain_of(f2, segs3, 3);
	m[1]->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM |
			 RTE_MBUF_F_TX_VLAN;
	m[1]->l2_len = 14;
	m[1]->l3_len = 20;
	m[1]->vlan_tci = 0x0123;
	m[2] = chain_of(f3, segs2, 2);
	m[2]->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IP_CKSUM;
	m[2]->l2_len = 14;
	m[2]->l3_len = 20;
	m[2]->l4_len = 20;
	m[2]->tso_segsz = 1448;
	/* too long for mtu 1500 without TSO: dropped, counted, taken */
	m[3] = chain_of(f3, segs2, 2);
	/* 1515 bytes + the tag it asks for exceed mtu + 18 */
	m[4] = mbuf_of(pool, f3, 1515);
	m[4]->ol_flags = RTE_MBUF_F_TX_VLAN;
	m[4]->vlan_tci = 5;
	/* a chain whose pkt_len is not the sum of its segments */
	m[5] = chain_of(f2, segs3, 3);
	m[5]->pkt_len = 349;
	assert_int_equal(rte_eth_tx_burst(port, 0, m, 6), 6);

	assert_int_equal(host_tx_read(&main_vf, 0, &d, &h, got, sizeof(got)), 1);
	assert_int_equal(d.type, HV_PKT_DATA_INBAND);
	assert_int_equal(d.offset8, 4);
	assert_int_equal(d.len8, (32 + 60 + 7) / 8);
	assert_int_equal(d.flags, 0);
	assert_int_equal(d.trans_id, 0);
	assert_int_equal(h.frame_len, 60);
	assert_int_equal(h.flags, 0);
	assert_memory_equal(got, f1, 60);

	assert_int_equal(host_tx_read(&main_vf, 0, &d, &h, got, sizeof(got)), 1);
	assert_int_equal(d.trans_id, 1);
	assert_int_equal(d.len8, (32 + 350 + 7) / 8);
	assert_int_equal(h.frame_len, 350);
	assert_int_equal(h.flags, HVSIM_VF_TX_IPV4_CKSUM | HVSIM_VF_TX_TCP_CKSUM |
			 HVSIM_VF_TX_VLAN);
	assert_int_equal(h.vlan_tci, 0x0123);
	assert_int_equal(h.l2_len, 14);
	assert_int_equal(h.l3_len, 20);
	assert_int_equal(h.tso_segsz, 0);
	assert_memory_equal(got, f2, 350);

	assert_int_equal(host_tx_read(&main_vf, 0, &d, &h, got, sizeof(got)), 1);
	assert_int_equal(d.trans_id, 2);
	assert_int_equal(h.frame_len, 3000);
	assert_int_equal(h.flags, HVSIM_VF_TX_IPV4_CKSUM | HVSIM_VF_TX_TCP_CKSUM |
			 HVSIM_VF_TX_TSO);
	assert_int_equal(h.tso_segsz, 1448);
	assert_memory_equal(got, f3, 3000);

	assert_int_equal(host_tx_read(&main_vf, 0, &d, &h, got, sizeof(got)), 0);
	assert_int_equal(xstat(port, "tx_q0_bad_packets"), 3);
	assert_int_equal(xstat(port, "tx_q0_packets"), 3);
	assert_int_equal(xstat(port, "tx_q0_bytes"), 60 + 350 + 3000);

	/* queue 1 has its own ring and its own numbering */
	m[0] = mbuf_of(pool, f1, sizeof(f1));
	assert_int_equal(rte_eth_tx_burst(port, 1, m, 1), 1);
	assert_int_equal(host_tx_read(&main_vf, 0, &d, &h, got, sizeof(got)), 0);
	assert_int_equal(host_tx_read(&main_vf, 1, &d, &h, got, sizeof(got)), 1);
	assert_int_equal(d.trans_id, 0);
	assert_memory_equal(got, f1, 60);
	/* every mbuf went back to the pool */
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

/* A full TX ring takes what fits and says so; the rest stays the caller's. */
static void
test_tx_ring_full(void **state)
{
	/* 32 + 1500 bytes -> 1536 padded + 8 trailer; a ring is never full */
	const unsigned int fits = (HVSIM_VF_RING_DATA - 1) / 1544;
	struct rte_mbuf *m[32];
	uint8_t f[1500], got[1500];
	unsigned int total = 0, i, n;
	struct hv_pkt_desc d;
	struct hvsim_vf_pkt h;

	make_frame(f, sizeof(f), 9);
	for (;;) {
		for (i = 0; i < 32; i++)
			m[i] = mbuf_of(pool, f, sizeof(f));
		n = rte_eth_tx_burst(port, 0, m, 32);
		total += n;
		for (i = n; i < 32; i++)
			rte_pktmbuf_free(m[i]);
		if (n < 32)
			break;
	}
	assert_int_equal(total, fits);
	for (i = 0; i < fits; i++) {
		assert_int_equal(host_tx_read(&main_vf, 0, &d, &h, got, sizeof(got)), 1);
		assert_int_equal(d.trans_id, 3 + i);
		assert_memory_equal(got, f, sizeof(f));
	}
	assert_int_equal(host_tx_read(&main_vf, 0, &d, &h, got, sizeof(got)), 0);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

static void
test_rx_records(void **state)
{
	uint8_t f1[64], f2[100], f3[1500];
	struct rte_mbuf *m[8];

	make_frame(f1, sizeof(f1), 0x11);
	make_frame(f2, sizeof(f2), 0x22);
	make_frame(f3, sizeof(f3), 0x33);
	host_rx(&main_vf, 1, f1, sizeof(f1),
		HVSIM_VF_RX_VLAN | HVSIM_VF_RX_RSS_HASH | HVSIM_VF_RX_IP_GOOD |
		HVSIM_VF_RX_L4_GOOD, 0x0abc, 0xdeadbeef);
	host_rx(&main_vf, 1, f2, sizeof(f2), HVSIM_VF_RX_IP_BAD | HVSIM_VF_RX_L4_BAD, 0, 0);
	/* scatter on: 1500 bytes in 1024-byte mbufs is a chain of two */
	host_rx(&main_vf, 0, f3, sizeof(f3), HVSIM_VF_RX_RSS_HASH, 0, 7);

	assert_int_equal(rte_eth_rx_burst(port, 1, m, 8), 2);
	assert_mbuf_bytes(m[0], f1, sizeof(f1));
	assert_int_equal(m[0]->nb_segs, 1);
	assert_int_equal(m[0]->port, port);
	assert_int_equal(m[0]->ol_flags,
			 RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED | RTE_MBUF_F_RX_RSS_HASH |
			 RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	assert_int_equal(m[0]->vlan_tci, 0x0abc);
	assert_int_equal(m[0]->hash.rss, 0xdeadbeef);
	assert_int_equal(m[0]->packet_type, RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 |
			 RTE_PTYPE_L4_TCP);
	assert_mbuf_bytes(m[1], f2, sizeof(f2));
	assert_int_equal(m[1]->ol_flags, RTE_MBUF_F_RX_IP_CKSUM_BAD | RTE_MBUF_F_RX_L4_CKSUM_BAD);
	rte_pktmbuf_free(m[0]);
	rte_pktmbuf_free(m[1]);
	assert_int_equal(rte_eth_rx_burst(port, 1, m, 8), 0);

	assert_int_equal(rte_eth_rx_burst(port, 0, m, 8), 1);
	assert_mbuf_bytes(m[0], f3, sizeof(f3));
	assert_int_equal(m[0]->nb_segs, 2);
	assert_int_equal(m[0]->data_len, SMALL_ROOM);
	assert_int_equal(m[0]->next->data_len, 1500 - SMALL_ROOM);
	assert_int_equal(m[0]->ol_flags, RTE_MBUF_F_RX_RSS_HASH);
	assert_int_equal(m[0]->hash.rss, 7);
	rte_pktmbuf_free(m[0]);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
	assert_int_equal(rte_mempool_in_use_count(small_pool), 0);
}

/* Records that wrap around the end of the ring come out whole. */
static void
test_rx_wrap(void **state)
{
	uint8_t f[1400];
	struct rte_mbuf *m[32];
	unsigned int round, i, got, n;

	for (round = 0; round < 4; round++) {
		for (i = 0; i < 300; i++) {
			make_frame(f, sizeof(f), (uint8_t)(round * 300 + i));
			host_rx(&main_vf, 1, f, sizeof(f), 0, 0, 0);
		}
		for (got = 0; got < 300; got += n) {
			n = rte_eth_rx_burst(port, 1, m, 32);
			assert_true(n > 0);
			for (i = 0; i < n; i++) {
				make_frame(f, sizeof(f), (uint8_t)(round * 300 + got + i));
				assert_mbuf_bytes(m[i], f, sizeof(f));
				rte_pktmbuf_free(m[i]);
			}
		}
		assert_int_equal(got, 300);
	}
	assert_int_equal(rte_eth_rx_burst(port, 1, m, 32), 0);
	assert_int_equal(xstat(port, "rx_q1_bad_records"), 0);
}

/* Each kind of bad record is counted and skipped; the good one after
 * them arrives. */
static void
test_rx_malformed(void **state)
{
	struct hvsim_vf_pkt h = { .frame_len = 60 };
	uint8_t f[1600];
	struct rte_mbuf *m[8];
	uint64_t ierrors_before;
	struct rte_eth_stats st;

	make_frame(f, sizeof(f), 0x44);
	assert_int_equal(rte_eth_stats_get(port, &st), 0);
	ierrors_before = st.ierrors;
	/* not an in-band record */
	assert_int_equal(host_rx_raw(&main_vf, 0, HV_PKT_DATA_XFER_PAGES, 4, &h, f, 60), 0);
	/* header of the wrong size */
	assert_int_equal(host_rx_raw(&main_vf, 0, HV_PKT_DATA_INBAND, 3, &h, f, 60), 0);
	/* offset8 below the descriptor (hv_ring_peek says -EBADMSG) */
	assert_int_equal(host_rx_raw(&main_vf, 0, HV_PKT_DATA_INBAND, 1, &h, f, 60), 0);
	/* frame longer than the record */
	h.frame_len = 61;
	assert_int_equal(host_rx_raw(&main_vf, 0, HV_PKT_DATA_INBAND, 4, &h, f, 56), 0);
	/* shorter than an Ethernet header */
	h.frame_len = 10;
	assert_int_equal(host_rx_raw(&main_vf, 0, HV_PKT_DATA_INBAND, 4, &h, f, 10), 0);
	/* beyond mtu + 18 */
	h.frame_len = 1519;
	assert_int_equal(host_rx_raw(&main_vf, 0, HV_PKT_DATA_INBAND, 4, &h, f, 1519), 0);
	/* absurd length, far beyond any frame */
	h.frame_len = 0xffffffffu;
	assert_int_equal(host_rx_raw(&main_vf, 0, HV_PKT_DATA_INBAND, 4, &h, f, 64), 0);
	host_rx(&main_vf, 0, f, 1518, 0, 0, 0);

	assert_int_equal(rte_eth_rx_burst(port, 0, m, 8), 1);
	assert_mbuf_bytes(m[0], f, 1518);
	rte_pktmbuf_free(m[0]);
	assert_int_equal(xstat(port, "rx_q0_bad_records"), 7);
	assert_int_equal(xstat(port, "rx_q0_ring_errors"), 0);
	assert_int_equal(rte_eth_stats_get(port, &st), 0);
	assert_int_equal(st.ierrors - ierrors_before, 7);
}

/* No mbuf: the frame waits in the ring, counted as rx_nombuf. */
static void
test_rx_nombuf(void **state)
{
	struct rte_mbuf *hoard[2048], *m[4];
	unsigned int n = 0;
	uint8_t f[200];
	struct rte_eth_stats st;

	make_frame(f, sizeof(f), 0x55);
	host_rx(&main_vf, 0, f, sizeof(f), 0, 0, 0);
	while (n < RTE_DIM(hoard) && (hoard[n] = rte_pktmbuf_alloc(small_pool)) != NULL)
		n++;
	assert_int_equal(rte_eth_rx_burst(port, 0, m, 4), 0);
	assert_int_equal(xstat(port, "rx_q0_nombuf"), 1);
	assert_int_equal(rte_eth_stats_get(port, &st), 0);
	assert_int_equal(st.rx_nombuf, 1);
	while (n > 0)
		rte_pktmbuf_free(hoard[--n]);
	assert_int_equal(rte_eth_rx_burst(port, 0, m, 4), 1);
	assert_mbuf_bytes(m[0], f, sizeof(f));
	rte_pktmbuf_free(m[0]);
}

static void
test_stats_exact(void **state)
{
	static const uint32_t tx_len[] = { 60, 70, 80 };
	uint8_t f[100], got[100];
	struct rte_mbuf *m[4];
	struct rte_eth_stats st;
	struct hv_pkt_desc d;
	struct hvsim_vf_pkt h;
	unsigned int i;

	assert_int_equal(rte_eth_stats_reset(port), 0);
	assert_int_equal(rte_eth_stats_get(port, &st), 0);
	assert_int_equal(st.ipackets + st.opackets + st.ibytes + st.obytes + st.ierrors +
			 st.oerrors + st.rx_nombuf, 0);
	assert_int_equal(xstat(port, "rx_q0_bad_records"), 0);

	make_frame(f, sizeof(f), 0x66);
	for (i = 0; i < 3; i++)
		m[i] = mbuf_of(pool, f, tx_len[i]);
	assert_int_equal(rte_eth_tx_burst(port, 0, m, 3), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(host_tx_read(&main_vf, 0, &d, &h, got, sizeof(got)), 1);
	host_rx(&main_vf, 1, f, 64, 0, 0, 0);
	host_rx(&main_vf, 1, f, 100, 0, 0, 0);
	assert_int_equal(rte_eth_rx_burst(port, 1, m, 4), 2);
	rte_pktmbuf_free(m[0]);
	rte_pktmbuf_free(m[1]);

	assert_int_equal(rte_eth_stats_get(port, &st), 0);
	assert_int_equal(st.opackets, 3);
	assert_int_equal(st.obytes, 210);
	assert_int_equal(st.ipackets, 2);
	assert_int_equal(st.ibytes, 164);
	assert_int_equal(st.ierrors + st.oerrors + st.imissed + st.rx_nombuf, 0);
	/* the queue rows by xstats (25.11 took them out of rte_eth_stats) */
	assert_int_equal(xstat(port, "tx_q1_packets"), 0);
	assert_int_equal(xstat(port, "rx_q0_packets"), 0);
	assert_int_equal(xstat(port, "rx_q1_packets"), 2);
	assert_int_equal(xstat(port, "rx_q1_bytes"), 164);
	assert_int_equal(xstat(port, "tx_q0_packets"), 3);
	assert_int_equal(xstat(port, "tx_q0_bytes"), 210);
	assert_int_equal(rte_eth_xstats_reset(port), 0);
	assert_int_equal(xstat(port, "tx_q0_packets"), 0);
	assert_int_equal(rte_eth_stats_get(port, &st), 0);
	assert_int_equal(st.ipackets + st.opackets, 0);
}

/* A corrupt ring stops its queue (counted once), never the process; a
 * restart after the host repaired it brings it back. The restart also
 * turns scatter off: then a frame beyond one mbuf is dropped and counted. */
static void
test_corrupt_ring_and_restart(void **state)
{
	struct hv_ring_header *rxh = main_vf.rx[0].hdr, *txh = main_vf.tx[1].hdr;
	struct rte_mbuf *m[4];
	uint8_t f[1420];
	unsigned int i;

	make_frame(f, sizeof(f), 0x77);
	host_rx(&main_vf, 0, f, 100, 0, 0, 0);
	__atomic_store_n(&rxh->write_index, 3, __ATOMIC_RELEASE);	/* misaligned */
	for (i = 0; i < 3; i++)
		assert_int_equal(rte_eth_rx_burst(port, 0, m, 4), 0);
	assert_int_equal(xstat(port, "rx_q0_ring_errors"), 1);

	__atomic_store_n(&txh->read_index, HVSIM_VF_RING_DATA + 8, __ATOMIC_RELEASE);
	m[0] = mbuf_of(pool, f, 100);
	assert_int_equal(rte_eth_tx_burst(port, 1, m, 1), 0);
	assert_int_equal(rte_eth_tx_burst(port, 1, m, 1), 0);
	rte_pktmbuf_free(m[0]);
	assert_int_equal(xstat(port, "tx_q1_ring_errors"), 1);
	/* the other queues go on */
	host_rx(&main_vf, 1, f, 100, 0, 0, 0);
	assert_int_equal(rte_eth_rx_burst(port, 1, m, 4), 1);
	rte_pktmbuf_free(m[0]);

	/* stopped, the host resets the rings; started again, they work */
	assert_int_equal(rte_eth_dev_stop(port), 0);
	assert_int_equal(main_vf.shm->guest.started, 0);
	hv_ring_init_header(&main_vf.rx[0], 0);
	hv_ring_init_header(&main_vf.tx[1], 0);
	configure_port(0);
	assert_int_equal(rte_eth_dev_set_mtu(port, 1400), 0);
	assert_int_equal(main_vf.shm->guest.mtu, 1400);
	assert_int_equal(rte_eth_dev_start(port), 0);
	assert_int_equal(main_vf.shm->guest.started, 1);
	assert_int_equal(main_vf.shm->guest.mtu, 1400);
	/* beyond the new mtu + 18: a bad record */
	host_rx(&main_vf, 1, f, 1419, 0, 0, 0);
	assert_int_equal(rte_eth_rx_burst(port, 1, m, 4), 0);
	assert_int_equal(xstat(port, "rx_q1_bad_records"), 1);

	host_rx(&main_vf, 0, f, 1200, 0, 0, 0);	/* > 1024: no scatter now */
	host_rx(&main_vf, 0, f, 1000, 0, 0, 0);
	assert_int_equal(rte_eth_rx_burst(port, 0, m, 4), 1);
	assert_mbuf_bytes(m[0], f, 1000);
	rte_pktmbuf_free(m[0]);
	assert_int_equal(xstat(port, "rx_q0_too_long"), 1);
	m[0] = mbuf_of(pool, f, 100);
	assert_int_equal(rte_eth_tx_burst(port, 1, m, 1), 1);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

static void
test_events(void **state)
{
	struct hvsim_vf_host_state *hs = &main_vf.shm->host;
	static const enum rte_eth_event_type types[] = {
		RTE_ETH_EVENT_INTR_RMV, RTE_ETH_EVENT_ERR_RECOVERING,
		RTE_ETH_EVENT_RECOVERY_SUCCESS, RTE_ETH_EVENT_RECOVERY_FAILED,
	};
	struct rte_eth_link link;
	struct rte_mbuf *m[4];
	uint8_t f[100];
	uint32_t seq;
	unsigned int i;

	for (i = 0; i < RTE_DIM(types); i++)
		assert_int_equal(rte_eth_dev_callback_register(port, types[i], count_event,
								 NULL), 0);
	/* a change of event_seq without a change of state raises nothing */
	host_event(&main_vf);
	wait_count(&events_lsc, 0);

	hs->link_up = 0;
	host_event(&main_vf);
	wait_count(&events_lsc, 1);
	assert_int_equal(rte_eth_link_get_nowait(port, &link), 0);
	assert_int_equal(link.link_status, RTE_ETH_LINK_DOWN);
	hs->link_up = 1;
	host_event(&main_vf);
	wait_count(&events_lsc, 2);
	assert_int_equal(rte_eth_link_get_nowait(port, &link), 0);
	assert_int_equal(link.link_status, RTE_ETH_LINK_UP);

	/* a reset: the bursts do nothing while it runs */
	hs->recovery = HVSIM_VF_RECOVERY_RUNNING;
	hs->recovery_seq++;
	host_event(&main_vf);
	wait_count(&events_recovering, 1);
	make_frame(f, sizeof(f), 0x88);
	host_rx(&main_vf, 1, f, 100, 0, 0, 0);
	assert_int_equal(rte_eth_rx_burst(port, 1, m, 4), 0);
	m[0] = mbuf_of(pool, f, 100);
	assert_int_equal(rte_eth_tx_burst(port, 0, m, 1), 0);
	seq = main_vf.shm->guest.conf_seq;
	hs->recovery = HVSIM_VF_RECOVERY_OK;
	hs->recovery_seq++;
	host_event(&main_vf);
	wait_count(&events_success, 1);
	assert_int_equal(events_recovering, 1);
	/* the configuration is given to the rebuilt device again */
	assert_int_equal(main_vf.shm->guest.conf_seq, seq + 2);
	assert_int_equal(rte_eth_tx_burst(port, 0, m, 1), 1);
	assert_int_equal(rte_eth_rx_burst(port, 1, m, 4), 1);
	rte_pktmbuf_free(m[0]);

	/* a whole reset between two looks still reads as one */
	hs->recovery_seq += 2;
	host_event(&main_vf);
	wait_count(&events_success, 2);
	assert_int_equal(events_recovering, 2);
	hs->recovery = HVSIM_VF_RECOVERY_FAILED;
	hs->recovery_seq += 2;
	host_event(&main_vf);
	wait_count(&events_failed, 1);
	assert_int_equal(events_recovering, 3);
	/* failed: the port is unusable, the bursts stay idle */
	m[0] = mbuf_of(pool, f, 100);
	assert_int_equal(rte_eth_tx_burst(port, 0, m, 1), 0);
	rte_pktmbuf_free(m[0]);
	{
		struct rte_eth_dev_info info;

		assert_int_equal(rte_eth_dev_info_get(port, &info), 0);
		assert_int_equal(info.err_handle_mode, RTE_ETH_ERROR_HANDLE_MODE_PROACTIVE);
	}
	hs->recovery = 7;		/* nonsense: counted, nothing raised */
	hs->recovery_seq++;
	host_event(&main_vf);
	sleep_ms(40);
	assert_int_equal(xstat(port, "host_state_errors"), 1);
	assert_int_equal(events_recovering + events_success + events_failed, 3 + 2 + 1);
	assert_int_equal(xstat(port, "lsc_events"), 2);
	assert_int_equal(xstat(port, "recovery_events"), 6);
	/* the host tries again after a failure: news again, and it works */
	hs->recovery = HVSIM_VF_RECOVERY_RUNNING;
	hs->recovery_seq++;
	host_event(&main_vf);
	wait_count(&events_recovering, 4);
	hs->recovery = HVSIM_VF_RECOVERY_OK;
	hs->recovery_seq++;
	host_event(&main_vf);
	wait_count(&events_success, 3);
	m[0] = mbuf_of(pool, f, 100);
	assert_int_equal(rte_eth_tx_burst(port, 0, m, 1), 1);

	/* gone: RMV once, the link down, TX dropped and freed */
	hs->gone = 1;
	host_event(&main_vf);
	wait_count(&events_rmv, 1);
	host_event(&main_vf);
	wait_count(&events_rmv, 1);
	assert_int_equal(events_lsc, 2);
	assert_int_equal(rte_eth_link_get_nowait(port, &link), 0);
	assert_int_equal(link.link_status, RTE_ETH_LINK_DOWN);
	for (i = 0; i < 4; i++)
		m[i] = mbuf_of(pool, f, 100);
	assert_int_equal(rte_eth_tx_burst(port, 0, m, 4), 4);
	assert_int_equal(xstat(port, "tx_q0_gone_drops"), 4);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
	/* the ring holds the two frames sent after each recovery and the four
	 * written into the revoked device (as into hardware that went away) */
	{
		struct hv_pkt_desc d;
		struct hvsim_vf_pkt h;
		uint8_t got[128];

		for (i = 0; i < 6; i++)
			assert_int_equal(host_tx_read(&main_vf, 0, &d, &h, got, sizeof(got)), 1);
		assert_int_equal(host_tx_read(&main_vf, 0, &d, &h, got, sizeof(got)), 0);
	}
	assert_int_equal(rte_eth_dev_stop(port), 0);
	assert_int_equal(rte_eth_dev_start(port), -ENODEV);
	assert_int_equal(rte_eth_dev_close(port), 0);
	/* closed: the alarm is gone with it */
	host_event(&main_vf);
	sleep_ms(40);
	assert_int_equal(events_rmv, 1);
}

/* An RMV callback that stops and closes its port, as an application
 * tearing a VF down does: the alarm must not touch the port afterwards. */
static bool closed_in_callback;

static int
close_on_rmv(uint16_t p, enum rte_eth_event_type type, void *arg, void *ret)
{
	rte_eth_dev_stop(p);
	__atomic_store_n(&closed_in_callback, rte_eth_dev_close(p) == 0, __ATOMIC_RELEASE);
	return 0;
}

/* An earlier driver left conf_seq at 6. */
static void
leftover_conf(struct hvsim_vf_shm *shm)
{
	shm->guest.conf_seq = 6;
}

static void
test_close_from_callback(void **state)
{
	struct fake_vf vf;
	struct rte_eth_conf conf = { 0 };
	uint16_t p;
	unsigned int ms;

	vf_create(&vf, "7870:00:03.0", 1, 0, leftover_conf);
	assert_int_equal(rte_dev_probe("7870:00:03.0"), 0);
	assert_int_equal(rte_eth_dev_get_port_by_name("7870:00:03.0", &p), 0);
	assert_int_equal(rte_eth_dev_configure(p, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(p, 0, 64, SOCKET_ID_ANY, NULL, pool), 0);
	assert_int_equal(rte_eth_tx_queue_setup(p, 0, 64, SOCKET_ID_ANY, NULL), 0);
	assert_int_equal(rte_eth_dev_start(p), 0);
	assert_int_equal(vf.shm->guest.started, 1);
	assert_int_equal(vf.shm->guest.rss_types, 0);
	/* moved on from what was there, never back */
	assert_true(vf.shm->guest.conf_seq > 6);
	assert_int_equal(vf.shm->guest.conf_seq % 2, 0);
	assert_int_equal(rte_eth_dev_callback_register(p, RTE_ETH_EVENT_INTR_RMV,
							 close_on_rmv, NULL), 0);
	vf.shm->host.gone = 1;
	host_event(&vf);
	for (ms = 0; ms < WAIT_MS && !__atomic_load_n(&closed_in_callback, __ATOMIC_ACQUIRE);
	     ms++)
		sleep_ms(1);
	assert_true(closed_in_callback);
	assert_false(rte_eth_dev_is_valid_port(p));
	assert_int_equal(vf.shm->guest.started, 0);
	host_event(&vf);
	sleep_ms(40);
	/* the device can still be unplugged: nothing is left to undo */
	assert_int_equal(rte_eal_hotplug_remove("pci", "7870:00:03.0"), 0);
	fake_vf_unmap(&vf);
}

/* A ring of good records with random bytes flipped (odd rounds), or of
 * plain garbage (even rounds), its indices in range: whatever the PMD makes
 * of it, it does not crash, and what it delivers fits. Then the device is
 * unplugged while started. */
static void
test_ring_garbage(void **state)
{
	struct rte_eth_conf conf = { 0 };
	struct fake_vf vf;
	struct rte_mbuf *m[32];
	unsigned int round, i, n, burst;
	unsigned int seed = 12;
	uint32_t *words;
	uint64_t delivered = 0;
	uint16_t p;

	vf_create(&vf, "7870:00:0b.0", 1, 0, NULL);
	assert_int_equal(rte_dev_probe("7870:00:0b.0"), 0);
	assert_int_equal(rte_eth_dev_get_port_by_name("7870:00:0b.0", &p), 0);
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_SCATTER;
	assert_int_equal(rte_eth_dev_configure(p, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(p, 0, 64, SOCKET_ID_ANY, NULL, pool), 0);
	assert_int_equal(rte_eth_tx_queue_setup(p, 0, 64, SOCKET_ID_ANY, NULL), 0);
	words = (uint32_t *)vf.rx[0].data;
	for (round = 0; round < 400; round++) {
		hv_ring_init_header(&vf.rx[0], 0);
		if (round % 2 == 0) {
			for (i = 0; i < 4096; i++)
				words[i] = rand_r(&seed);
			__atomic_store_n(&vf.rx[0].hdr->write_index,
					 (rand_r(&seed) % 2048) * 8, __ATOMIC_RELEASE);
		} else {
			uint8_t f[1600];
			uint32_t used;

			for (i = 0; i < 16; i++) {
				make_frame(f, sizeof(f), (uint8_t)i);
				host_rx(&vf, 0, f, 60 + rand_r(&seed) % 1459,
					rand_r(&seed) & 0x3f00, rand_r(&seed), rand_r(&seed));
			}
			used = vf.rx[0].hdr->write_index;
			for (i = 0; i < 6; i++)
				vf.rx[0].data[rand_r(&seed) % used] ^= 1u << (rand_r(&seed) % 8);
		}
		assert_int_equal(rte_eth_dev_start(p), 0);
		for (burst = 0; burst < 64; burst++) {
			n = rte_eth_rx_burst(p, 0, m, RTE_DIM(m));
			for (i = 0; i < n; i++) {
				assert_true(m[i]->pkt_len >= RTE_ETHER_HDR_LEN);
				assert_true(m[i]->pkt_len <= 1518);
				rte_pktmbuf_free(m[i]);
			}
			delivered += n;
			if (n == 0)
				break;
		}
		assert_int_equal(rte_eth_dev_stop(p), 0);
	}
	print_message("# garbage rings: %" PRIu64 " frames delivered, %" PRIu64
		      " bad records, %" PRIu64 " ring errors\n", delivered,
		      xstat(p, "rx_q0_bad_records"), xstat(p, "rx_q0_ring_errors"));
	assert_true(xstat(p, "rx_q0_bad_records") + xstat(p, "rx_q0_ring_errors") > 0);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);

	/* unplugged while started: stopped and closed on the way out */
	hv_ring_init_header(&vf.rx[0], 0);
	assert_int_equal(rte_eth_dev_start(p), 0);
	assert_int_equal(rte_eal_hotplug_remove("pci", "7870:00:0b.0"), 0);
	assert_false(rte_eth_dev_is_valid_port(p));
	assert_int_equal(vf.shm->guest.started, 0);
	fake_vf_unmap(&vf);
}

static void
spoil_magic(struct hvsim_vf_shm *shm)
{
	shm->caps.magic ^= 1;
}

static void
spoil_gone(struct hvsim_vf_shm *shm)
{
	shm->host.gone = 1;
}

static void
spoil_queues(struct hvsim_vf_shm *shm)
{
	shm->caps.max_queues = 17;
}

static void
spoil_stride(struct hvsim_vf_shm *shm)
{
	shm->caps.ring_stride = HVSIM_VF_RING_DATA;	/* rings would overlap */
}

static void
spoil_mtu(struct hvsim_vf_shm *shm)
{
	shm->caps.max_mtu = 67;
}

static void
spoil_mac(struct hvsim_vf_shm *shm)
{
	shm->caps.mac[0] = 0x01;	/* multicast */
}

/* Each spoilt device fails its probe and leaves no port behind. */
static void
test_probe_rejects(void **state)
{
	static const struct {
		const char *bdf;
		uint32_t queues;
		uint64_t bar_len;
		void (*tweak)(struct hvsim_vf_shm *);
	} bad[] = {
		{ "7870:00:04.0", 1, 0, spoil_magic },
		{ "7870:00:05.0", 1, 0, spoil_gone },
		{ "7870:00:06.0", 1, 0, spoil_queues },
		{ "7870:00:07.0", 1, 0, spoil_stride },
		{ "7870:00:08.0", 1, 0, spoil_mtu },
		{ "7870:00:09.0", 1, 0, spoil_mac },
		/* two queues announced, room for one */
		{ "7870:00:0a.0", 2, 4096 + 2 * (4096 + HVSIM_VF_RING_DATA), NULL },
	};
	struct fake_vf vf;
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		vf_create(&vf, bad[i].bdf, bad[i].queues, bad[i].bar_len, bad[i].tweak);
		assert_true(rte_dev_probe(bad[i].bdf) < 0);
		assert_int_equal(rte_eth_dev_count_avail(), 0);
		fake_vf_unmap(&vf);
	}
}

/* ---- setup ------------------------------------------------------------- */

static int
eal_setup(void **state)
{
	char prefix[64];
	char *argv[] = {
		"test_vf_pmd", "-l", "0", "--no-huge", "-m", "256", "--no-shconf", prefix,
		"--no-telemetry", "--iova-mode=va", "--log-level=lib.eal:error",
		"--log-level=pmd.net.hvsim_vf.*:info", "-a", MAIN_BDF,
	};
	char tmpl[] = "/tmp/test_vf_pmd.XXXXXX";

	/* other test processes run EAL next to this one */
	snprintf(prefix, sizeof(prefix), "--file-prefix=test_vf_pmd_%d", (int)getpid());
	if (mkdtemp(tmpl) == NULL)
		return -1;
	snprintf(sysfs_dir, sizeof(sysfs_dir), "%s", tmpl);
	if (fake_vf_create(&main_vf, sysfs_dir, MAIN_BDF, MAIN_QUEUES, 0, NULL) != 0)
		return -1;
	setenv("SYSFS_PCI_DEVICES", sysfs_dir, 1);
	/* loaded here, not with -d: EAL refuses a plugin under a
	 * world-writable directory such as /tmp, where a CI clone may be;
	 * its constructor registers the driver with the PCI bus all the same */
	if (dlopen(plugin, RTLD_NOW | RTLD_GLOBAL) == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", plugin, dlerror());
		return -1;
	}
	rte_openlog_stream(stderr);	/* stdout is TAP */
	if (rte_eal_init(RTE_DIM(argv), argv) < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	pool = rte_pktmbuf_pool_create("vf_pool", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	small_pool = rte_pktmbuf_pool_create("vf_small", 1023, 0, 0,
					     SMALL_ROOM + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	return pool != NULL && small_pool != NULL ? 0 : -1;
}

static void
rm_rf(const char *path)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (path[0] != '\0' && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", path);
}

static int
eal_teardown(void **state)
{
	char runtime_dir[PATH_MAX];

	/* EAL leaves its runtime directory (our own --file-prefix) behind */
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rm_rf(runtime_dir);
	rm_rf(sysfs_dir);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_and_infos),
		cmocka_unit_test(test_start_writes_conf),
		cmocka_unit_test(test_tx_records),
		cmocka_unit_test(test_tx_ring_full),
		cmocka_unit_test(test_rx_records),
		cmocka_unit_test(test_rx_wrap),
		cmocka_unit_test(test_rx_malformed),
		cmocka_unit_test(test_rx_nombuf),
		cmocka_unit_test(test_stats_exact),
		cmocka_unit_test(test_corrupt_ring_and_restart),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_close_from_callback),
		cmocka_unit_test(test_probe_rejects),
		cmocka_unit_test(test_ring_garbage),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s <librte_net_hvsim_vf.so>\n", argv[0]);
		return 2;
	}
	plugin = argv[1];
	return cmocka_run_group_tests(tests, eal_setup, eal_teardown);
}
