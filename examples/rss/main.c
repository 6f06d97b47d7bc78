/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * dpdk-hvnet-rss: receive-side scaling on one port, reprogrammed while
 * traffic runs.
 *
 *   dpdk-hvnet-rss [EAL options] -- [-q QUEUES] [-p PORT] [-e]
 *
 * The port (default: the first) gets QUEUES receive queues (default 4)
 * and RSS over every IP/TCP/UDP hash type it offers, with the PMD's
 * default key and table. One lcore polls every queue and counts what
 * each receives: how frames spread over the queues is the NIC's (the
 * host's, on Hyper-V) doing, not the lcores'. Frames are dropped, or
 * with -e sent back out of the queue they came in on (a traffic source
 * that checks what comes back sees it all).
 *
 * Commands, one a line on stdin:
 *   spread          per-queue counts since the last "spread", then zero
 *   reta Q[,Q...]   the redirection table filled with Q... repeated
 *                   ("reta 0": every entry to queue 0)
 *   key HEX         a new hash key (as long as the port's key)
 *   show            the table and the key the port reports
 *   quit            (as are SIGINT, SIGTERM)
 * Each command's answer is one line.
 */

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define MAX_QUEUES	64
#define DESC		1024
#define BURST		32
#define NB_MBUFS	(MAX_QUEUES * DESC + 8192)
#define MAX_KEY		64
#define MAX_RETA	512
#define LINE_MAX_LEN	512

static uint16_t port_id;
static uint16_t nb_queues = 4;
static bool echo;
static uint16_t reta_size;
static uint8_t key_size;
static uint64_t per_queue[MAX_QUEUES];
static volatile bool quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = true;
}

/* ---- the port ---------------------------------------------------------- */

static void
port_start(struct rte_mempool *pool)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t rx_desc = DESC, tx_desc = DESC, q;
	int ret;

	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret != 0)
		rte_exit(EXIT_FAILURE, "port %u: no device info\n", port_id);
	if (nb_queues > info.max_rx_queues || nb_queues > info.max_tx_queues)
		rte_exit(EXIT_FAILURE, "port %u: %u queues asked, it has %u\n", port_id,
			 nb_queues, RTE_MIN(info.max_rx_queues, info.max_tx_queues));
	if (info.reta_size == 0 || info.reta_size > MAX_RETA || info.hash_key_size == 0 ||
	    info.hash_key_size > MAX_KEY)
		rte_exit(EXIT_FAILURE, "port %u: no usable RSS (table %u, key %u bytes)\n",
			 port_id, info.reta_size, info.hash_key_size);
	reta_size = info.reta_size;
	key_size = info.hash_key_size;

	conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	/* asking for a type the port lacks fails the configure: ask for
	 * what it has of the IP, TCP and UDP types
	 */
	conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP |
		RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	ret = rte_eth_dev_configure(port_id, nb_queues, nb_queues, &conf);
	if (ret == 0)
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rx_desc, &tx_desc);
	for (q = 0; ret == 0 && q < nb_queues; q++)
		ret = rte_eth_rx_queue_setup(port_id, q, rx_desc,
					     rte_eth_dev_socket_id(port_id), NULL, pool);
	for (q = 0; ret == 0 && q < nb_queues; q++)
		ret = rte_eth_tx_queue_setup(port_id, q, tx_desc,
					     rte_eth_dev_socket_id(port_id), NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port_id);
	if (ret != 0)
		rte_exit(EXIT_FAILURE, "port %u: cannot start: %s\n", port_id,
			 rte_strerror(-ret));
	printf("port %u: %u queues, RSS table of %u entries, %u-byte key\n", port_id,
	       nb_queues, reta_size, key_size);
}

static void
poll_queues(void)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t q, nb_rx, nb_tx;

	for (q = 0; q < nb_queues; q++) {
		nb_rx = rte_eth_rx_burst(port_id, q, pkts, BURST);
		if (nb_rx == 0)
			continue;
		per_queue[q] += nb_rx;
		nb_tx = echo ? rte_eth_tx_burst(port_id, q, pkts, nb_rx) : 0;
		if (nb_tx < nb_rx)
			rte_pktmbuf_free_bulk(&pkts[nb_tx], nb_rx - nb_tx);
	}
}

/* ---- commands ---------------------------------------------------------- */

static void
cmd_spread(void)
{
	uint64_t total = 0;
	uint16_t q;

	printf("spread:");
	for (q = 0; q < nb_queues; q++) {
		printf(" q%u=%" PRIu64, q, per_queue[q]);
		total += per_queue[q];
		per_queue[q] = 0;
	}
	printf(" total=%" PRIu64 "\n", total);
}

/* The table as the port reports it: "reta: Q Q Q ..." (every entry). */
static void
show_reta(void)
{
	struct rte_eth_rss_reta_entry64 reta[MAX_RETA / RTE_ETH_RETA_GROUP_SIZE];
	uint16_t i;

	memset(reta, 0, sizeof(reta));
	for (i = 0; i < reta_size; i++)
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
	if (rte_eth_dev_rss_reta_query(port_id, reta, reta_size) != 0) {
		printf("reta: cannot query\n");
		return;
	}
	printf("reta:");
	for (i = 0; i < reta_size; i++)
		printf(" %u", reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE]);
	printf("\n");
}

/* reta Q[,Q...]: entry i gets the (i mod n)th queue of the list */
static void
cmd_reta(char *list)
{
	struct rte_eth_rss_reta_entry64 reta[MAX_RETA / RTE_ETH_RETA_GROUP_SIZE];
	uint16_t queues[MAX_RETA], n = 0, i;
	char *tok, *end;
	unsigned long q;
	int ret;

	for (tok = strtok(list, ", "); tok != NULL && n < MAX_RETA; tok = strtok(NULL, ", ")) {
		q = strtoul(tok, &end, 0);
		if (*end != '\0' || q >= nb_queues) {
			printf("reta: '%s' is not a queue (0..%u)\n", tok, nb_queues - 1);
			return;
		}
		queues[n++] = (uint16_t)q;
	}
	if (n == 0) {
		printf("reta: no queue given\n");
		return;
	}
	memset(reta, 0, sizeof(reta));
	for (i = 0; i < reta_size; i++) {
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
		reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = queues[i % n];
	}
	ret = rte_eth_dev_rss_reta_update(port_id, reta, reta_size);
	if (ret != 0)
		printf("reta: update failed: %s\n", rte_strerror(-ret));
	else
		printf("reta: updated, %u entries over %u queue(s)\n", reta_size, n);
}

static int
hex_digit(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

/* key HEX: the new key, with the hash types the port uses now */
static void
cmd_key(const char *hex)
{
	struct rte_eth_rss_conf conf = { 0 };
	uint8_t key[MAX_KEY];
	uint8_t i;
	int ret;

	if (strlen(hex) != 2u * key_size || strspn(hex, "0123456789abcdefABCDEF") != strlen(hex)) {
		printf("key: %u hex digit pairs expected\n", key_size);
		return;
	}
	for (i = 0; i < key_size; i++)
		key[i] = (uint8_t)(hex_digit(hex[2 * i]) << 4 | hex_digit(hex[2 * i + 1]));
	/* a NULL key asks for the current hash types only */
	ret = rte_eth_dev_rss_hash_conf_get(port_id, &conf);
	if (ret == 0) {
		conf.rss_key = key;
		conf.rss_key_len = key_size;
		ret = rte_eth_dev_rss_hash_update(port_id, &conf);
	}
	if (ret != 0)
		printf("key: update failed: %s\n", rte_strerror(-ret));
	else
		printf("key: updated\n");
}

static void
show_key(void)
{
	uint8_t key[MAX_KEY];
	struct rte_eth_rss_conf conf = { .rss_key = key, .rss_key_len = key_size };
	uint8_t i;

	if (rte_eth_dev_rss_hash_conf_get(port_id, &conf) != 0) {
		printf("key: cannot query\n");
		return;
	}
	printf("key: ");
	for (i = 0; i < key_size; i++)
		printf("%02x", key[i]);
	printf(" hash types 0x%" PRIx64 "\n", conf.rss_hf);
}

static void
command(char *line)
{
	char *arg;

	line[strcspn(line, "\r\n")] = '\0';
	arg = strchr(line, ' ');
	if (arg != NULL)
		*arg++ = '\0';
	if (strcmp(line, "spread") == 0)
		cmd_spread();
	else if (strcmp(line, "reta") == 0 && arg != NULL)
		cmd_reta(arg);
	else if (strcmp(line, "key") == 0 && arg != NULL)
		cmd_key(arg);
	else if (strcmp(line, "show") == 0) {
		show_reta();
		show_key();
	} else if (strcmp(line, "quit") == 0)
		quit = true;
	else if (line[0] != '\0')
		printf("commands: spread, reta Q[,Q...], key HEX, show, quit\n");
	/* the answers are for a script reading a pipe as much as for a person */
	fflush(stdout);
}

/* Read what stdin has without blocking the polling; run each whole line.
 * False once stdin is closed (the example then runs until a signal).
 */
static bool
read_commands(void)
{
	static char buf[LINE_MAX_LEN];
	static size_t len;
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char *nl;
	ssize_t n;

	if (poll(&pfd, 1, 0) <= 0)
		return true;
	n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
	if (n <= 0)
		return n < 0 && errno == EINTR;
	len += (size_t)n;
	buf[len] = '\0';
	while ((nl = strchr(buf, '\n')) != NULL) {
		*nl = '\0';
		command(buf);
		len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, len + 1);
	}
	if (len == sizeof(buf) - 1)
		len = 0;	/* a line longer than any command: dropped */
	return true;
}

/* ---- main -------------------------------------------------------------- */

static int
parse_args(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "q:p:e")) != -1) {
		switch (opt) {
		case 'q':
			nb_queues = (uint16_t)atoi(optarg);
			break;
		case 'p':
			port_id = (uint16_t)atoi(optarg);
			break;
		case 'e':
			echo = true;
			break;
		default:
			return -1;
		}
	}
	return nb_queues >= 1 && nb_queues <= MAX_QUEUES ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct rte_mempool *pool;
	uint64_t next_read = 0, hz;
	bool reading = true;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "EAL initialisation failed\n");
	if (parse_args(argc - ret, argv + ret) != 0)
		rte_exit(EXIT_FAILURE, "usage: %s [EAL options] -- [-q QUEUES] [-p PORT] [-e]\n",
			 argv[0]);
	if (!rte_eth_dev_is_valid_port(port_id))
		rte_exit(EXIT_FAILURE, "no port %u: on a VM, bind the NIC and pass -a <uuid>\n",
			 port_id);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	pool = rte_pktmbuf_pool_create("mbufs", NB_MBUFS, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       rte_socket_id());
	if (pool == NULL)
		rte_exit(EXIT_FAILURE, "cannot create the mbuf pool\n");
	port_start(pool);
	show_reta();
	show_key();
	printf("ready: commands on stdin\n");
	fflush(stdout);

	hz = rte_get_timer_hz();
	while (!quit) {
		poll_queues();
		/* a look at stdin a hundred times a second costs the polling nothing */
		if (reading && rte_get_timer_cycles() >= next_read) {
			reading = read_commands();
			next_read = rte_get_timer_cycles() + hz / 100;
		}
	}

	cmd_spread();
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
	rte_eal_cleanup();
	printf("bye\n");
	return 0;
}
