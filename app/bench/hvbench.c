/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * hvbench: the benchmark guest. A plain ethdev application, so it runs on
 * any netvsc PMD (ours, or DPDK's bundled one, on which Debian 12's
 * testpmd cannot forward: doc/guides/hvsim.md). One port, one queue pair.
 *
 *   hvbench [EAL args] -- --mode rxonly|txonly|io [--packets N]
 *           [--seconds S] [--size BYTES] [--burst N] [--idle-ms MS]
 *   hvbench --probe       (no EAL: the CPU 0 <-> CPU 1 round trip only)
 *
 *   rxonly  receive and free
 *   txonly  send --size byte UDP/IPv4 frames (without FCS), built from a
 *           template: every mbuf of the pool holds the whole frame from
 *           the start, each send rewrites its 42 header bytes (as
 *           testpmd's txonly does) and sets the lengths
 *   io      send every received frame back on the same queue; what
 *           tx_burst does not take is freed and counted (unsent=), as
 *           testpmd's io engine does
 *
 * The loop runs on the first worker lcore (on the main one when it is
 * alone) until W + N packets have moved (received for rxonly and io, sent
 * for txonly; a txonly frame tx_burst did not take is offered again), S
 * seconds have passed, or nothing moved for MS milliseconds once traffic
 * had started. The first W (--warmup, default 0) are not measured: the
 * first touch of a buffer is a cost once, not per packet.
 *
 * Cycles are counted like testpmd's --record-core-cycles: the TSC cycles
 * of every loop iteration that moved packets (rx_burst to the end of the
 * iteration), summed; iterations that moved nothing are not counted (they
 * are reported apart). cycles/packet = those cycles / packets moved.
 * Unlike testpmd's txonly, an iteration whose tx_burst sent nothing (the
 * ring is full) is not counted, and its frames are kept for the next one.
 *
 * Output, one line each, machine-readable:
 *   bench mode=.. size=.. pkts=.. rx=.. tx=.. cycles=.. cpp=.. busy_iters=..
 *         avg_burst=.. idle_iters=.. idle_cycles=.. window_us=.. mpps=..
 *         tsc_hz=.. complete=0|1 unsent=.. late_rx=.. tx_window_us=..
 *         cpu_share=.. preempted=.. stolen_us=.. loop_us=..
 *         calib_alu=BEFORE,AFTER calib_mem=BEFORE,AFTER pingpong=BEFORE,AFTER
 *         warmup=.. warmup_tx=.. warmup_faults=.. faults=..
 *   port ipackets=.. opackets=.. imissed=.. ierrors=.. oerrors=..
 *   xstat NAME=VALUE                         (non-zero ones)
 * window_us runs from the first to the last iteration that moved packets;
 * mpps = pkts / window_us (the guest's view; the benchmark driver uses
 * hvsim's counters over this window). tx_window_us (txonly, io) runs from
 * the first iteration that moved packets to the moment the PMD had no
 * send in flight any more (rte_eth_tx_descriptor_status DONE at offset 0
 * and at the last: tx_queue_idle()); -1 when the PMD cannot tell or the loop stopped for
 * idleness (nothing was in flight any more then). cpu_share is the CPU time the
 * forwarding thread got over the loop's wall time (1.000: it had its core
 * to itself), preempted the involuntary context switches it suffered,
 * stolen_us the time it was runnable but waited for its CPU, all over the
 * loop's wall time loop_us: TSC cycles count time stolen by other
 * processes too. calib_alu and calib_mem: see calibrate(); pingpong: see
 * pingpong() (0 with a single lcore). pkts counts the measured frames,
 * warmup those moved before (W, unless traffic stopped first; bursts stop
 * at W exactly), warmup_tx those of them sent; rx and tx count both
 * parts. faults and warmup_faults: the page faults (minor and major) the
 * forwarding thread took in each part.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_udp.h>

#define MAX_BURST	256
#define MAX_QUEUES	8
#define NB_DESC		512
#define NB_MBUF		8191
#define MBUF_CACHE	256
#define HDR_LEN		(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + \
			 sizeof(struct rte_udp_hdr))
#define DRAIN_MAX_MS	2000	/* at most, waiting for send completions */
#define DRAIN_LINGER_MS	100	/* after them */

enum mode { RXONLY, TXONLY, IO };
static const char *const mode_names[] = { "rxonly", "txonly", "io" };

struct options {
	enum mode mode;
	uint64_t packets;
	double seconds;
	uint32_t size;
	uint16_t burst;
	uint32_t idle_ms;
	uint16_t queues;
	uint64_t warmup;	/* frames moved before the measured part */
	int no_calib;		/* no calibration or round trip (slow under valgrind) */
};

struct result {
	uint64_t rx, tx, unsent, late_rx;
	uint64_t busy_cycles, busy_iters;
	uint64_t idle_cycles, idle_iters;
	uint64_t first_tsc, last_tsc;
	uint64_t drained_tsc;		/* the PMD had nothing in flight any more */
	int drain_known;		/* tx_descriptor_status answers */
	/* was the forwarding thread disturbed? CPU time it got over the
	 * loop's wall time, and the times it was preempted */
	double cpu_share;
	long preempted;
	uint64_t stolen_ns;		/* runnable but not running (schedstat) */
	double alu[2], mem[2];		/* calibrate() before and after the loop */
	double loop_s;			/* wall time of the loop */
	int complete;
	uint64_t warm;			/* frames moved before the measurement began */
	uint64_t warm_tx;		/* of them sent (io: the generator got those back) */
	/* page faults the forwarding thread took (minor + major) while
	 * warming up and while measured: first touches of a mapping that
	 * was not populated land here, on the data path */
	long warm_faults, faults;
};

static struct options opt;
static uint64_t goal;		/* frames to move: the warm-up's, then all */
static struct result res;
static double pingpong_cycles[2];	/* main <-> forwarding lcore, before and after */
static uint16_t port;
static struct rte_mempool *rx_pool, *tx_pool;
static uint8_t frame_tpl[RTE_ETHER_MAX_LEN];

static void
usage(void)
{
	fprintf(stderr, "usage: hvbench [EAL args] -- --mode rxonly|txonly|io [--packets N] "
		"[--seconds S] [--size BYTES] [--burst N] [--idle-ms MS] [--queues N] [--warmup N] "
		"[--no-calib]\n");
}

static int
parse(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "packets", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 's' },
		{ "size", required_argument, NULL, 'z' },
		{ "burst", required_argument, NULL, 'b' },
		{ "idle-ms", required_argument, NULL, 'i' },
		{ "queues", required_argument, NULL, 'q' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "no-calib", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int c, have_mode = 0;
	unsigned long v;

	opt = (struct options){ .packets = 1000000, .seconds = 30, .size = 60, .burst = 32,
				.idle_ms = 1000, .queues = 1 };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			for (v = 0; v < RTE_DIM(mode_names); v++)
				if (strcmp(optarg, mode_names[v]) == 0)
					break;
			if (v == RTE_DIM(mode_names))
				return -1;
			opt.mode = (enum mode)v;
			have_mode = 1;
			break;
		case 'p': opt.packets = strtoull(optarg, NULL, 0); break;
		case 's': opt.seconds = atof(optarg); break;
		case 'z': opt.size = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'b': opt.burst = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'i': opt.idle_ms = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'q': opt.queues = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'w': opt.warmup = strtoull(optarg, NULL, 0); break;
		case 'c': opt.no_calib = 1; break;
		default: return -1;
		}
	}
	if (!have_mode || opt.packets == 0 || opt.seconds <= 0 || opt.burst == 0 ||
	    opt.burst > MAX_BURST ||
	    opt.queues == 0 || opt.queues > MAX_QUEUES || opt.size < HDR_LEN ||
	    opt.size > RTE_ETHER_MAX_LEN - 4 || opt.warmup > UINT64_MAX - opt.packets)
		return -1;
	goal = opt.warmup + opt.packets;
	return 0;
}

/* ---- txonly: the frame template ------------------------------------------ */

static void
build_template(const struct rte_ether_addr *src)
{
	static const struct rte_ether_addr dst = {{ 0x02, 0x00, 0x5e, 0x10, 0x00, 0x00 }};
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)frame_tpl;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint32_t i;

	rte_ether_addr_copy(&dst, &eh->dst_addr);
	rte_ether_addr_copy(src, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(opt.size - sizeof(*eh)));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 1));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 100, 0, 1));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(1024);
	udp->dst_port = rte_cpu_to_be_16(5000);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(opt.size - sizeof(*eh) - sizeof(*ip)));
	udp->dgram_cksum = 0;
	for (i = HDR_LEN; i < opt.size; i++)
		frame_tpl[i] = (uint8_t)i;
}

/* Every mbuf of the TX pool carries the whole frame from the start. */
static void
prefill_mbuf(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct rte_mbuf *m = obj;

	RTE_SET_USED(mp);
	RTE_SET_USED(arg);
	RTE_SET_USED(idx);
	rte_memcpy(rte_pktmbuf_mtod(m, void *), frame_tpl, opt.size);
}

/* ---- the loops ------------------------------------------------------------- */

/*
 * How fast this CPU is right now, in TSC cycles: a dependent ALU chain
 * (cycles per xorshift step) and a 4 MB memset repeated (cycles per byte).
 * The TSC ticks at a constant rate whatever the core does, and on a
 * shared host a noisy neighbour slows the core or its memory without the
 * guest kernel seeing any stolen time: these show it.
 */
#define CALIB_ALU_ITERS	1000000
#define CALIB_MEM_BYTES	(4u << 20)
#define CALIB_MEM_REPS	4

static void
calibrate(double *alu, double *mem)
{
	static uint8_t *buf;
	volatile uint64_t sink;
	uint64_t x = 88172645463325252ull, t0, t1, t2;
	unsigned int i;

	if (buf == NULL)
		buf = malloc(CALIB_MEM_BYTES);
	if (buf == NULL) {
		*alu = *mem = 0;
		return;
	}
	memset(buf, 1, CALIB_MEM_BYTES);	/* fault it in */
	t0 = rte_rdtsc();
	for (i = 0; i < CALIB_ALU_ITERS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	sink = x;
	t1 = rte_rdtsc();
	for (i = 0; i < CALIB_MEM_REPS; i++)
		memset(buf, (int)i, CALIB_MEM_BYTES);
	sink = buf[x % CALIB_MEM_BYTES];
	t2 = rte_rdtsc();
	RTE_SET_USED(sink);
	*alu = (double)(t1 - t0) / CALIB_ALU_ITERS;
	*mem = (double)(t2 - t1) / ((double)CALIB_MEM_REPS * CALIB_MEM_BYTES);
}

/*
 * Cache-line round trip between the main lcore (CPU 0, where hvsim's host
 * thread runs) and the forwarding lcore, in TSC cycles: the cost of every
 * ring index and frame the host and the guest hand each other. Where the
 * hypervisor places the two vCPUs (same core, same cache, across caches)
 * changes it several times over.
 */
#define PINGPONG_ROUNDS	20000
#define PINGPONG_SPINS	50000000	/* the other side is gone */

static volatile uint64_t pingpong_line __rte_cache_aligned;
static volatile int pingpong_go;

static int
pingpong_echo(void *arg)
{
	uint64_t v;

	RTE_SET_USED(arg);
	while (!pingpong_go)
		rte_pause();
	for (v = 1; v < 2 * PINGPONG_ROUNDS; v += 2) {
		uint64_t spins = 0;	/* no TSC rate without EAL (--probe) */

		while (pingpong_line != v)
			if (++spins > PINGPONG_SPINS)
				return -1;
		pingpong_line = v + 1;
	}
	return 0;
}

static double
pingpong(unsigned int worker)
{
	uint64_t v, t0, deadline;

	pingpong_line = 0;
	pingpong_go = 0;
	if (rte_eal_remote_launch(pingpong_echo, NULL, worker) != 0)
		return 0;
	pingpong_go = 1;
	t0 = rte_rdtsc();
	deadline = t0 + rte_get_tsc_hz();
	for (v = 0; v < 2 * PINGPONG_ROUNDS && rte_rdtsc() < deadline; v += 2) {
		uint64_t spins = 0;

		pingpong_line = v + 1;
		while (pingpong_line != v + 2 && ++spins < PINGPONG_SPINS)
			;
	}
	t0 = rte_rdtsc() - t0;
	return rte_eal_wait_lcore(worker) == 0 ? (double)t0 / PINGPONG_ROUNDS : 0;
}

/* hvbench --probe: the same round trip between CPUs 0 and 1, without EAL,
 * for the benchmark driver to check the placement around a testpmd run. */
static void *
probe_echo(void *arg)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(1, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	*(int *)arg = 1;
	return (void *)(intptr_t)pingpong_echo(NULL);
}

static int
probe(void)
{
	uint64_t v, t0, t1;
	pthread_t th;
	cpu_set_t set;
	int ready = 0, rounds = 0;
	void *ret;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return 2;
	pingpong_line = 0;
	pingpong_go = 0;
	if (pthread_create(&th, NULL, probe_echo, &ready) != 0)
		return 2;
	while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		rte_pause();
	pingpong_go = 1;
	t0 = rte_rdtsc();
	for (v = 0; v < 2 * PINGPONG_ROUNDS; v += 2, rounds++) {
		uint64_t spins = 0;

		pingpong_line = v + 1;
		while (pingpong_line != v + 2)
			if (++spins > PINGPONG_SPINS)
				break;
		if (spins > PINGPONG_SPINS)
			break;
	}
	t1 = rte_rdtsc();
	pthread_join(th, &ret);
	if (ret != NULL)
		return 1;
	printf("probe pingpong=%.1f\n", (double)(t1 - t0) / rounds);
	return 0;
}

/* Time this thread spent runnable but waiting for its CPU, in ns. */
static uint64_t
sched_wait_ns(void)
{
	unsigned long long run = 0, wait = 0;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");

	if (f != NULL) {
		if (fscanf(f, "%llu %llu", &run, &wait) != 2)
			wait = 0;
		fclose(f);
	}
	return wait;
}

static inline void
account(uint64_t start, uint64_t moved)
{
	uint64_t end = rte_rdtsc();

	if (moved) {
		res.busy_cycles += end - start;
		res.busy_iters++;
		if (res.first_tsc == 0)
			res.first_tsc = start;
		res.last_tsc = end;
	} else {
		res.idle_cycles += end - start;
		res.idle_iters++;
	}
}

static inline uint16_t
want(uint64_t done)
{
	uint64_t left = goal - done;

	return left < opt.burst ? (uint16_t)left : opt.burst;
}

/* Frames a txonly iteration has built but tx_burst has not taken yet,
 * per queue: offered again first, in the next iteration on that queue. */
struct pending {
	struct rte_mbuf *pkts[MAX_BURST];
	uint16_t n;
};

static uint16_t
txonly_queue(uint16_t q, struct pending *p)
{
	uint16_t n = want(res.tx), i, sent;

	/* top up the burst: unsent frames from last time stay first */
	if (p->n < n && rte_pktmbuf_alloc_bulk(tx_pool, p->pkts + p->n, n - p->n) == 0) {
		for (i = p->n; i < n; i++) {
			struct rte_mbuf *m = p->pkts[i];

			m->data_len = (uint16_t)opt.size;
			m->pkt_len = opt.size;
			rte_memcpy(rte_pktmbuf_mtod(m, void *), frame_tpl, HDR_LEN);
		}
		p->n = n;
	}
	sent = p->n ? rte_eth_tx_burst(port, q, p->pkts, RTE_MIN(p->n, n)) : 0;
	if (sent) {
		p->n -= sent;
		if (p->n)
			memmove(p->pkts, p->pkts + sent, p->n * sizeof(p->pkts[0]));
		res.tx += sent;
	}
	return sent;
}

/*
 * One iteration of the loop: every queue polled once, in order. Returns
 * the packets moved. Not inlined, so that an instruction counter can
 * count exactly this (./hvnet bench --instructions: callgrind's
 * --toggle-collect=iteration).
 */
static __rte_noinline uint64_t
iteration(struct pending *pend)
{
	struct rte_mbuf *pkts[MAX_BURST];
	uint64_t moved = 0;
	uint16_t q, n, sent;

	for (q = 0; q < opt.queues; q++) {
		switch (opt.mode) {
		case RXONLY:
			n = rte_eth_rx_burst(port, q, pkts, want(res.rx));
			if (n) {
				rte_pktmbuf_free_bulk(pkts, n);
				res.rx += n;
			}
			moved += n;
			break;
		case TXONLY:
			moved += txonly_queue(q, &pend[q]);
			break;
		case IO:
			/* as testpmd's io: what tx_burst does not take is dropped */
			n = rte_eth_rx_burst(port, q, pkts, want(res.rx));
			if (n) {
				res.rx += n;
				sent = rte_eth_tx_burst(port, q, pkts, n);
				res.tx += sent;
				if (unlikely(sent < n)) {
					rte_pktmbuf_free_bulk(pkts + sent, n - sent);
					res.unsent += n - sent;
				}
			}
			moved += n;
			break;
		}
		if (*(opt.mode == TXONLY ? &res.tx : &res.rx) >= goal)
			break;
	}
	return moved;
}

static long
faults_between(const struct rusage *a, const struct rusage *b)
{
	return (b->ru_minflt - a->ru_minflt) + (b->ru_majflt - a->ru_majflt);
}

/*
 * Move the --warmup frames first, unmeasured: what a PMD pays once (the
 * first touch of its buffers, the mempool's first lap) is not a cost per
 * packet. Returns the TSC of the last iteration that moved frames, 0 if
 * none did; stops early at the deadline or when traffic stops.
 */
static uint64_t
warm_up(struct pending *pend, uint64_t deadline, uint64_t idle_tsc)
{
	uint64_t *done = opt.mode == TXONLY ? &res.tx : &res.rx;
	uint64_t last = 0, now;
	struct rusage a, b;

	/* bursts stop at the warm-up's count exactly, as at the end */
	goal = opt.warmup;
	getrusage(RUSAGE_THREAD, &a);
	while (*done < opt.warmup) {
		now = rte_rdtsc();
		if (now > deadline || (last && now - last > idle_tsc))
			break;
		if (iteration(pend))
			last = now;
	}
	getrusage(RUSAGE_THREAD, &b);
	res.warm = *done;
	res.warm_tx = res.tx;
	res.warm_faults = faults_between(&a, &b);
	goal = opt.warmup + opt.packets;
	return last;
}

/*
 * DONE when queue q has no send in flight. Offset 0 is where the next send
 * goes and the last offset the oldest one in flight: the API's reading
 * (hvnet) says DONE for 0 unless the queue is full, FULL for the last one
 * while anything is in flight; the bundled PMD reads them the other way
 * round (FULL for 0 while anything is in flight, -EINVAL past what is
 * free). Both DONE means idle on either.
 */
static uint16_t txq_last[MAX_QUEUES];	/* the last offset of each TX queue */

static int
tx_queue_idle(uint16_t q)
{
	int st = rte_eth_tx_descriptor_status(port, q, 0);

	if (st == RTE_ETH_TX_DESC_DONE)
		st = rte_eth_tx_descriptor_status(port, q, txq_last[q]);
	return st;
}

/* The queue's size as the PMD tells it (it may use fewer than asked). */
static void
txq_last_learn(void)
{
	struct rte_eth_txq_info qi;
	uint16_t q;

	for (q = 0; q < opt.queues; q++)
		txq_last[q] = rte_eth_tx_queue_info_get(port, q, &qi) == 0 && qi.nb_desc > 0 ?
			      qi.nb_desc - 1 : NB_DESC - 1;
}

static int
loop(void *arg)
{
	static struct pending pend[MAX_QUEUES];
	struct rte_mbuf *pkts[MAX_BURST];
	uint16_t n, q;
	uint64_t hz = rte_get_tsc_hz(), start;
	uint64_t deadline = rte_rdtsc() + (uint64_t)(opt.seconds * (double)hz);
	uint64_t idle_tsc = opt.idle_ms * hz / 1000;
	uint64_t *done = opt.mode == TXONLY ? &res.tx : &res.rx;

	struct timespec c0, c1, w0, w1;
	struct rusage ru0, ru1;
	uint64_t wait0, last_move, moved;

	RTE_SET_USED(arg);
	res.drain_known = 1;
	if (!opt.no_calib)
		calibrate(&res.alu[0], &res.mem[0]);
	last_move = warm_up(pend, deadline, idle_tsc);
	wait0 = sched_wait_ns();
	getrusage(RUSAGE_THREAD, &ru0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	clock_gettime(CLOCK_MONOTONIC, &w0);
	while (*done < goal) {
		start = rte_rdtsc();
		if (unlikely(start > deadline ||
			     (last_move && start - last_move > idle_tsc)))
			break;
		moved = iteration(pend);
		account(start, moved);
		if (moved)
			last_move = start;
	}
	clock_gettime(CLOCK_MONOTONIC, &w1);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	getrusage(RUSAGE_THREAD, &ru1);
	res.faults = faults_between(&ru0, &ru1);
	res.loop_s = (double)(w1.tv_sec - w0.tv_sec) + (double)(w1.tv_nsec - w0.tv_nsec) / 1e9;
	res.cpu_share = ((double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9) /
			res.loop_s;
	res.preempted = ru1.ru_nivcsw - ru0.ru_nivcsw;
	res.stolen_ns = sched_wait_ns() - wait0;
	res.complete = *done >= goal;
	/* txonly: frames built but never sent, freed and counted */
	for (q = 0; q < opt.queues; q++) {
		if (pend[q].n) {
			rte_pktmbuf_free_bulk(pend[q].pkts, pend[q].n);
			res.unsent += pend[q].n;
		}
	}
	/* Let the host take and complete what is in flight, and note when
	 * the PMD has nothing in flight any more: the send window ends there,
	 * not at the last tx_burst (the send buffer holds many frames). */
	deadline = rte_rdtsc() + DRAIN_MAX_MS * hz / 1000;
	while ((start = rte_rdtsc()) < deadline) {
		int st = RTE_ETH_TX_DESC_DONE;

		for (q = 0; q < opt.queues; q++) {
			rte_eth_tx_done_cleanup(port, q, 0);
			n = rte_eth_rx_burst(port, q, pkts, MAX_BURST);
			if (n) {
				rte_pktmbuf_free_bulk(pkts, n);
				res.late_rx += n;
			}
		}
		if (opt.mode != RXONLY && res.drained_tsc == 0 && res.drain_known) {
			/* drained when no queue has a send in flight */
			for (q = 0; q < opt.queues && st == RTE_ETH_TX_DESC_DONE; q++)
				st = tx_queue_idle(q);

			if (st == RTE_ETH_TX_DESC_DONE) {
				res.drained_tsc = start;
				/* linger a little for anything still on its way */
				deadline = RTE_MIN(deadline, start + DRAIN_LINGER_MS * hz / 1000);
			} else if (st != RTE_ETH_TX_DESC_FULL && st != -EINVAL) {
				res.drain_known = 0;	/* not implemented: unknown */
			}
		}
		if (opt.mode == RXONLY || !res.drain_known)
			deadline = RTE_MIN(deadline, start + DRAIN_LINGER_MS * hz / 1000 + 1);
	}
	if (!opt.no_calib)
		calibrate(&res.alu[1], &res.mem[1]);
	return 0;
}

/* ---- port and report -------------------------------------------------------- */

static int
port_setup(void)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint16_t q;
	int ret;

	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	/* as testpmd and l3fwd do: one pool per queue, no shared mbufs */
	conf.txmode.offloads = info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	if (opt.queues > 1) {
		/* hvsim's generator spreads its flows over the queues by RSS */
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP |
						    RTE_ETH_RSS_TCP) & info.flow_type_rss_offloads;
	}
	ret = rte_eth_dev_configure(port, opt.queues, opt.queues, &conf);
	for (q = 0; ret == 0 && q < opt.queues; q++) {
		ret = rte_eth_rx_queue_setup(port, q, NB_DESC, rte_eth_dev_socket_id(port), NULL,
					     rx_pool);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(port, q, NB_DESC,
						     rte_eth_dev_socket_id(port), NULL);
	}
	if (ret == 0)
		ret = rte_eth_macaddr_get(port, &mac);
	if (ret == 0 && opt.mode == TXONLY) {
		build_template(&mac);
		rte_mempool_obj_iter(tx_pool, prefill_mbuf, NULL);
	}
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	if (ret == 0)
		txq_last_learn();
	return ret;
}

static void
report(void)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *vals;
	struct rte_eth_stats st;
	uint64_t hz = rte_get_tsc_hz();
	uint64_t pkts = (opt.mode == TXONLY ? res.tx : res.rx) - res.warm;	/* measured */
	uint64_t window = res.last_tsc > res.first_tsc ? res.last_tsc - res.first_tsc : 0;
	double window_s = (double)window / (double)hz;
	int64_t tx_window_us = -1;
	int i, n;

	/* after a stop for idleness, in-flight sends completed long before
	 * the drain began: the last move ends the window then */
	if (opt.mode != RXONLY && res.complete && res.drained_tsc > res.first_tsc &&
	    res.first_tsc)
		tx_window_us = (int64_t)((res.drained_tsc - res.first_tsc) * 1000000 / hz);
	printf("bench mode=%s size=%u pkts=%" PRIu64 " rx=%" PRIu64 " tx=%" PRIu64
	       " cycles=%" PRIu64 " cpp=%.2f busy_iters=%" PRIu64 " avg_burst=%.2f"
	       " idle_iters=%" PRIu64 " idle_cycles=%" PRIu64 " window_us=%" PRIu64
	       " mpps=%.4f tsc_hz=%" PRIu64 " complete=%d unsent=%" PRIu64
	       " late_rx=%" PRIu64 " tx_window_us=%" PRId64 " cpu_share=%.3f preempted=%ld stolen_us=%" PRIu64 " loop_us=%" PRIu64
	       " calib_alu=%.3f,%.3f calib_mem=%.4f,%.4f pingpong=%.1f,%.1f"
	       " warmup=%" PRIu64 " warmup_tx=%" PRIu64 " warmup_faults=%ld faults=%ld\n",
	       mode_names[opt.mode], opt.mode == TXONLY ? opt.size : 0, pkts, res.rx, res.tx,
	       res.busy_cycles, pkts ? (double)res.busy_cycles / (double)pkts : 0.0,
	       res.busy_iters, res.busy_iters ? (double)pkts / (double)res.busy_iters : 0.0,
	       res.idle_iters, res.idle_cycles, (uint64_t)(window_s * 1e6),
	       window_s > 0 ? (double)pkts / window_s / 1e6 : 0.0, hz, res.complete,
	       res.unsent, res.late_rx, tx_window_us, res.cpu_share, res.preempted, res.stolen_ns / 1000,
	       (uint64_t)(res.loop_s * 1e6), res.alu[0], res.alu[1], res.mem[0], res.mem[1],
	       pingpong_cycles[0], pingpong_cycles[1], res.warm, res.warm_tx, res.warm_faults,
	       res.faults);
	if (rte_eth_stats_get(port, &st) == 0)
		printf("port ipackets=%" PRIu64 " opackets=%" PRIu64 " ibytes=%" PRIu64
		       " obytes=%" PRIu64 " imissed=%" PRIu64 " ierrors=%" PRIu64
		       " oerrors=%" PRIu64 " rx_nombuf=%" PRIu64 "\n", st.ipackets,
		       st.opackets, st.ibytes, st.obytes, st.imissed, st.ierrors, st.oerrors,
		       st.rx_nombuf);
	n = rte_eth_xstats_get_names(port, NULL, 0);
	if (n <= 0)
		return;
	names = calloc(n, sizeof(*names));
	vals = calloc(n, sizeof(*vals));
	if (names && vals && rte_eth_xstats_get_names(port, names, n) == n &&
	    rte_eth_xstats_get(port, vals, n) == n)
		for (i = 0; i < n; i++)
			if (vals[i].value != 0)
				printf("xstat %s=%" PRIu64 "\n", names[vals[i].id].name,
				       vals[i].value);
	free(names);
	free(vals);
}

int
main(int argc, char **argv)
{
	unsigned int worker;
	int n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "--probe") == 0)
		return probe();
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "hvbench: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	if (parse(argc - n, argv + n) < 0) {
		usage();
		return 2;
	}
	if (rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "hvbench: no port (is a netvsc PMD loaded and the device bound?)\n");
		return 2;
	}
	port = (uint16_t)rte_eth_find_next(0);
	rx_pool = rte_pktmbuf_pool_create("hvbench_rx", NB_MBUF, MBUF_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (opt.mode == TXONLY)
		tx_pool = rte_pktmbuf_pool_create("hvbench_tx", NB_MBUF, MBUF_CACHE, 0,
						  RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (rx_pool == NULL || (opt.mode == TXONLY && tx_pool == NULL)) {
		fprintf(stderr, "hvbench: cannot create the mbuf pools: %s\n",
			rte_strerror(rte_errno));
		return 2;
	}
	n = port_setup();
	if (n != 0) {
		fprintf(stderr, "hvbench: port %u setup failed: %s\n", port, rte_strerror(-n));
		return 2;
	}
	printf("started=1 mode=%s queues=%u lcore=%u\n", mode_names[opt.mode], opt.queues,
	       rte_lcore_count() > 1 ? rte_get_next_lcore(-1, 1, 0) : rte_lcore_id());

	worker = rte_get_next_lcore(-1, 1, 0);
	if (worker < RTE_MAX_LCORE) {
		if (!opt.no_calib)
			pingpong_cycles[0] = pingpong(worker);
		/* the main lcore sleeps instead of spinning in rte_eal_wait_lcore:
		 * it shares its core with hvsim's host thread */
		rte_eal_remote_launch(loop, NULL, worker);
		while (rte_eal_get_lcore_state(worker) == RUNNING)
			usleep(10000);
		rte_eal_wait_lcore(worker);
		if (!opt.no_calib)
			pingpong_cycles[1] = pingpong(worker);
	} else {
		loop(NULL);
	}
	report();
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	rte_eal_cleanup();
	return 0;
}
