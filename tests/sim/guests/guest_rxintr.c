/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * An l3fwd-power-style guest: it echoes every frame back on the queue it
 * came from, and when its queues have been idle for a while it enables
 * their RX interrupts and sleeps in rte_epoll_wait() until one fires.
 *
 *   guest_rxintr [EAL args] -- [--queues N] [--seconds S] [--idle-polls N]
 *                               [--poll]
 *
 * --queues N      RX/TX queue pairs, RSS over them (default 1)
 * --idle-polls N  empty polls of every queue before it sleeps (default 64)
 * --poll          never sleep: the poll-mode reference for the CPU figures
 *
 * Prints "ready queues=N mode=intr|poll" once its vectors are in its
 * epoll, runs until S seconds have passed or SIGTERM (hvsim's quit), then
 * prints "key=value" counters the scenario checks. CPU time is measured
 * with getrusage(RUSAGE_SELF), every thread of the process, over the
 * 500 ms intervals in which no frame arrived (idle_ms, idle_cpu_us).
 * A wait is bounded (100 ms, then a last look of 20 ms): a stop is seen,
 * and an interrupt that never comes shows as timeouts, not as a hang.
 */

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <rte_eal.h>
#include <rte_epoll.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>

#include "guest_common.h"

#define BURST		32
#define WAIT_MS		100
/* A timed-out wait that returned this much later than asked was not the
 * PMD's doing: the whole process was off its CPU (a busy host, a vCPU the
 * hypervisor did not run), and so was the interrupt thread that would
 * have woken it. */
#define OVERRUN_MS	40
/* A wait that timed out looks once more, this long, before interrupts go
 * off: a frame the host sent as the wait ran out is signalled through EAL's
 * interrupt thread, which a busy machine may run milliseconds later (or a
 * stalled VM resumes host and guest at once, the host with frames due).
 * A lost interrupt never comes, and its frames are still found late. */
#define GRACE_MS	20
/* A poll that took frames from a queue more than this after a timed-out
 * wait returned was descheduled in between: frames that came then (a frame every 5 ms
 * at 200 pps) were not owed an interrupt, as interrupts were off. A lost
 * interrupt shows as frames found microseconds after the timeout. */
#define POLL_GAP_US	2000
#define TICK_MS		500
#define MAX_QUEUES	16

struct options {
	uint16_t queues;
	double seconds;
	unsigned int idle_polls;
	bool poll;
};

static struct {
	uint64_t rx, tx, unsent, polls;
	uint64_t sleeps, wakes, frame_wakes, timeouts, epoll_errors, enable_errors;
	uint64_t late_frames;	/* first seen after a wait timed out, not after a wake */
	uint64_t overruns, overrun_frames, max_overrun_ms;	/* waits descheduled */
	uint64_t grace_wakes;	/* woken in the look after a timeout */
	uint64_t gap_frames;	/* after a timeout, found by a poll descheduled before it ended */
	uint64_t wakes_q[MAX_QUEUES], rx_q[MAX_QUEUES];
	uint64_t idle_ms, idle_cpu_us;
} cnt;

static int
parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "queues", required_argument, NULL, 'q' },
		{ "seconds", required_argument, NULL, 's' },
		{ "idle-polls", required_argument, NULL, 'i' },
		{ "poll", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct options){ .queues = 1, .seconds = 60, .idle_polls = 64 };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'q': o->queues = (uint16_t)atoi(optarg); break;
		case 's': o->seconds = atof(optarg); break;
		case 'i': o->idle_polls = (unsigned int)atoi(optarg); break;
		case 'p': o->poll = true; break;
		default: return -1;
		}
	}
	return o->queues >= 1 && o->queues <= MAX_QUEUES ? 0 : -1;
}

static int
port_setup(uint16_t port, struct rte_mempool *mp, const struct options *o)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t q;
	int ret;

	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	conf.intr_conf.rxq = !o->poll;
	if (o->queues > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) &
						   info.flow_type_rss_offloads;
	}
	ret = rte_eth_dev_configure(port, o->queues, o->queues, &conf);
	for (q = 0; ret == 0 && q < o->queues; q++) {
		ret = rte_eth_rx_queue_setup(port, q, GUEST_NB_DESC, rte_eth_dev_socket_id(port),
					     NULL, mp);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(port, q, GUEST_NB_DESC,
						     rte_eth_dev_socket_id(port), NULL);
	}
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	/* every queue's vector in this thread's epoll, its queue as the data */
	for (q = 0; ret == 0 && !o->poll && q < o->queues; q++)
		ret = rte_eth_dev_rx_intr_ctl_q(port, q, RTE_EPOLL_PER_THREAD,
						RTE_INTR_EVENT_ADD, (void *)(uintptr_t)q);
	if (ret != 0)
		fprintf(stderr, "guest: port %u set-up failed: %d\n", port, ret);
	return ret;
}

/* Every frame out, retrying while the PMD has no room, for at most a
 * second: what is left then is freed and counted as unsent. */
static uint16_t
tx_all(uint16_t port, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t end = guest_now_ms() + 1000;
	uint16_t sent = 0;

	while (sent < n) {
		sent += rte_eth_tx_burst(port, q, pkts + sent, n - sent);
		if (sent < n && guest_now_ms() >= end)
			break;
	}
	if (sent < n)
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	return sent;
}

enum wake { WOKEN, TIMED_OUT, OVERRUN, FAILED };

static uint64_t wait_end_us;	/* when the last rte_epoll_wait() returned */

/* Frames a poll found after a wait that timed out: no interrupt came for
 * them (late_frames), unless the guest was off its CPU between the wait
 * and the poll (gap_frames). Timed as the queue gave them, before the
 * echo: sending them back may take long on a busy machine. */
static void
count_after_timeout(uint16_t n)
{
	if (guest_now_us() - wait_end_us > POLL_GAP_US)
		cnt.gap_frames += n;
	else
		cnt.late_frames += n;
}

/* One poll of every queue, frames echoed: the frames received. */
static uint64_t
poll_all(uint16_t port, const struct options *o, bool after_timeout)
{
	struct rte_mbuf *pkts[BURST];
	uint64_t got = 0;
	uint16_t q, n, sent;

	cnt.polls++;
	for (q = 0; q < o->queues; q++) {
		n = rte_eth_rx_burst(port, q, pkts, BURST);
		if (n == 0)
			continue;
		if (after_timeout)
			count_after_timeout(n);
		sent = tx_all(port, q, pkts, n);
		cnt.rx += n;
		cnt.rx_q[q] += n;
		cnt.tx += sent;
		cnt.unsent += n - sent;
		got += n;
	}
	return got;
}

/* Interrupts on, one bounded wait, interrupts off: did a vector fire? */
static enum wake
sleep_until_rx(uint16_t port, const struct options *o)
{
	struct rte_epoll_event ev[MAX_QUEUES];
	uint64_t t0, waited, asked = WAIT_MS;
	uint16_t q;
	int i, n;

	for (q = 0; q < o->queues; q++)
		if (rte_eth_dev_rx_intr_enable(port, q) != 0)
			cnt.enable_errors++;
	cnt.sleeps++;
	t0 = guest_now_ms();
	n = rte_epoll_wait(RTE_EPOLL_PER_THREAD, ev, o->queues, WAIT_MS);
	if (n == 0 && guest_now_ms() - t0 < WAIT_MS + OVERRUN_MS) {
		/* still armed: an interrupt on its way as the wait ran out */
		n = rte_epoll_wait(RTE_EPOLL_PER_THREAD, ev, o->queues, GRACE_MS);
		asked += GRACE_MS;
		if (n > 0)
			cnt.grace_wakes++;
	}
	waited = guest_now_ms() - t0;
	wait_end_us = guest_now_us();
	for (q = 0; q < o->queues; q++)
		rte_eth_dev_rx_intr_disable(port, q);
	if (n < 0) {
		cnt.epoll_errors++;
		return FAILED;
	}
	if (n == 0) {
		cnt.timeouts++;
		if (waited < asked + OVERRUN_MS)
			return TIMED_OUT;
		cnt.overruns++;
		if (waited - asked > cnt.max_overrun_ms)
			cnt.max_overrun_ms = waited - asked;
		return OVERRUN;
	}
	cnt.wakes++;
	for (i = 0; i < n; i++) {
		q = (uint16_t)(uintptr_t)ev[i].epdata.data;
		if (q < MAX_QUEUES)
			cnt.wakes_q[q]++;
	}
	return WOKEN;
}

static uint64_t
cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* Every TICK_MS: a tick in which nothing arrived adds to the idle figures. */
static void
tick(uint64_t now)
{
	static uint64_t last_ms, last_cpu, last_rx;
	uint64_t cpu = cpu_us();

	if (last_ms != 0 && cnt.rx == last_rx) {
		cnt.idle_ms += now - last_ms;
		cnt.idle_cpu_us += cpu - last_cpu;
	}
	last_ms = now;
	last_cpu = cpu;
	last_rx = cnt.rx;
}

/*
 * Poll until idle_polls empty polls in a row, then sleep. A frame found
 * after a wake-up counts that wake as one for traffic (frame_wakes); one
 * found after a wait that timed out arrived while the guest slept and no
 * interrupt came for it (late_frames), unless it came in the few
 * microseconds of polling after the timeout. After a wait the scheduler
 * overran (OVERRUN_MS), they are counted apart (overrun_frames), and so
 * are those a queue gave more than POLL_GAP_US after the wait returned:
 * the process was off its CPU with interrupts off (count_after_timeout).
 */
static void
run(uint16_t port, const struct options *o)
{
	uint64_t end = guest_now_ms() + (uint64_t)(o->seconds * 1000);
	uint64_t next_tick = guest_now_ms();
	enum wake last = FAILED;
	unsigned int idle = 0;
	uint64_t got;

	while (!guest_stop) {
		uint64_t now = guest_now_ms();

		if (now >= end)
			break;
		if (now >= next_tick) {
			tick(now);
			next_tick = now + TICK_MS;
		}
		got = poll_all(port, o, last == TIMED_OUT);
		if (got > 0) {
			if (last == WOKEN)
				cnt.frame_wakes++;
			else if (last == OVERRUN)
				cnt.overrun_frames += got;
			last = FAILED;
			idle = 0;
			continue;
		}
		if (o->poll || ++idle < o->idle_polls)
			continue;
		idle = 0;
		last = sleep_until_rx(port, o);
	}
}

static void
report(const struct options *o)
{
	uint16_t q;

	printf("rx=%" PRIu64 " tx=%" PRIu64 " unsent=%" PRIu64 " polls=%" PRIu64 "\n",
	       cnt.rx, cnt.tx, cnt.unsent, cnt.polls);
	printf("sleeps=%" PRIu64 " wakes=%" PRIu64 " frame_wakes=%" PRIu64 " timeouts=%" PRIu64
	       " late_frames=%" PRIu64 " epoll_errors=%" PRIu64 " enable_errors=%" PRIu64 "\n",
	       cnt.sleeps, cnt.wakes, cnt.frame_wakes, cnt.timeouts, cnt.late_frames,
	       cnt.epoll_errors, cnt.enable_errors);
	printf("overruns=%" PRIu64 " overrun_frames=%" PRIu64 " max_overrun_ms=%" PRIu64
	       " gap_frames=%" PRIu64 " grace_wakes=%" PRIu64 "\n",
	       cnt.overruns, cnt.overrun_frames, cnt.max_overrun_ms, cnt.gap_frames,
	       cnt.grace_wakes);
	for (q = 0; q < o->queues; q++)
		printf("queue%u q_rx=%" PRIu64 " q_wakes=%" PRIu64 "\n", q, cnt.rx_q[q],
		       cnt.wakes_q[q]);
	printf("idle_ms=%" PRIu64 " idle_cpu_us=%" PRIu64 "\n", cnt.idle_ms, cnt.idle_cpu_us);
}

int
main(int argc, char **argv)
{
	struct rte_mempool *mp;
	struct options o;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "guest: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (parse(argc - ret, argv + ret, &o) < 0) {
		fprintf(stderr, "guest: bad arguments\n");
		return 1;
	}
	guest_catch_signals();
	if (rte_eth_dev_count_avail() < 1) {
		fprintf(stderr, "guest: no port\n");
		return 1;
	}
	mp = rte_pktmbuf_pool_create("rxintr", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     rte_socket_id());
	if (mp == NULL || port_setup(0, mp, &o) != 0)
		return 1;
	printf("ready queues=%u mode=%s\n", o.queues, o.poll ? "poll" : "intr");
	fflush(stdout);
	run(0, &o);
	report(&o);
	guest_report_port(0);
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	rte_eal_cleanup();
	return 0;
}
