/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The guest side of the bus tests: a DPDK application with a small VMBus
 * driver on hvnet's bus. It runs inside a test's mount namespace (sysfs tree
 * over /sys/bus, /dev/uioN from hvsim's interposer) and reports what it saw
 * as "key=value" lines on stdout, which the test checks exactly.
 *
 *   vmbus_guest [EAL args] -- OP [ARGS]
 *     scan                         report the devices probed
 *     send XID HEX                 in-band packet on the primary channel
 *     send-gpa XID PFN HEX         GPA-direct packet with one range
 *     recv COUNT TIMEOUT_MS        read COUNT packets from the primary channel
 *     subchan COUNT TIMEOUT_MS     open COUNT subchannels
 *     rescind TIMEOUT_MS           wait until the host rescinds the device
 *     serve TIMEOUT_MS             primary for a secondary: open the channel,
 *                                  publish it, wait for the secondary
 *     secondary-send XID HEX       (--proc-type=secondary) send on it
 *     replug                       hot-unplug the device, then probe it again
 *     hotplug UUID                 probe one more device at run time
 *     rescind-remove TIMEOUT_MS    on the host's rescind, remove the device
 *                                  from EAL's interrupt thread (an alarm),
 *                                  as applications do
 *     serve-sub TIMEOUT_MS         like serve, with one subchannel open
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_alarm.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memzone.h>
#include <rte_string_fns.h>

#include "hv_vmbus.h"

#define MAX_DEVS	8
#define SHARED_MZ	"vmbus_guest_shared"

struct shared_state {
	struct vmbus_channel *chan;
	struct vmbus_channel *sub;
	volatile uint32_t secondary_done;
};

static struct vmbus_device *devs[MAX_DEVS];
static unsigned int ndevs;

static const rte_uuid_t netvsc_class[] = {
	RTE_UUID_INIT(0xf8615163, 0xdf3e, 0x46c5, 0x913f, 0xf2d2f965ed0eULL),
	{ 0 },
};

static void
report_device(const struct vmbus_device *dev)
{
	int i;

	printf("device=%s relid=%u monitor=%d uio=%d numa=%d\n", dev->name, dev->relid,
	       dev->monitor_id, dev->uio_num, dev->device.numa_node);
	for (i = 0; i < HV_UIO_REGION_COUNT; i++)
		printf("region%d size=%zu gpadl=%u\n", i, dev->regions[i].size,
		       dev->regions[i].gpadl);
}

static int
guest_probe(struct vmbus_driver *drv, struct vmbus_device *dev)
{
	RTE_SET_USED(drv);
	if (ndevs == MAX_DEVS)
		return -ENOSPC;
	devs[ndevs++] = dev;
	return 0;
}

static int
guest_remove(struct vmbus_device *dev)
{
	printf("removed=%s\n", dev->name);
	return 0;
}

static struct vmbus_driver guest_driver = {
	.id_table = netvsc_class,
	.probe = guest_probe,
	.remove = guest_remove,
};
VMBUS_PMD_REGISTER(vmbus_guest_test, guest_driver);

/* ---- helpers ---- */

static size_t
hex_decode(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned int byte;

	while (hex[0] && hex[1] && n < max && sscanf(hex, "%2x", &byte) == 1) {
		out[n++] = (uint8_t)byte;
		hex += 2;
	}
	return n;
}

static void
print_hex(const char *key, const uint8_t *p, size_t len)
{
	size_t i;

	printf("%s=", key);
	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static uint64_t
ms_to_cycles(unsigned long ms)
{
	return rte_get_timer_hz() * ms / 1000;
}

static struct vmbus_channel *
open_primary(void)
{
	struct vmbus_channel *chan;
	int ret;

	if (ndevs == 0) {
		printf("error=no-device\n");
		return NULL;
	}
	ret = vmbus_chan_open(devs[0], &chan);
	if (ret < 0) {
		printf("error=open %d\n", ret);
		return NULL;
	}
	return chan;
}

static void
send_and_report(struct vmbus_channel *chan, uint64_t xid, const char *hex)
{
	uint8_t payload[4096];
	size_t len = hex_decode(hex, payload, sizeof(payload));
	bool need_sig = false;
	int ret;

	ret = vmbus_chan_send(chan, HV_PKT_DATA_INBAND, payload, (uint32_t)len, xid,
			      HV_PKT_FLAG_COMPLETION_REQUESTED, &need_sig);
	if (ret == 0 && need_sig)
		vmbus_chan_signal(chan);
	printf("send=%d need_sig=%d\n", ret, need_sig);
}

/* ---- operations ---- */

static int
op_scan(void)
{
	unsigned int i;

	printf("devices=%u\n", ndevs);
	for (i = 0; i < ndevs; i++)
		report_device(devs[i]);
	return 0;
}

static int
op_send(int argc, char **argv)
{
	struct vmbus_channel *chan;

	if (argc < 2)
		return 2;
	chan = open_primary();
	if (chan == NULL)
		return 1;
	send_and_report(chan, strtoull(argv[0], NULL, 0), argv[1]);
	vmbus_chan_close(chan);
	return 0;
}

/* send-mpb XID PFN NRANGES: NRANGES multi-page ranges of 5000 bytes from
 * offset 0xf00, 3 PFNs each (PFN, PFN + 1, PFN + 2), then the same again
 * with NRANGES + 1; both results reported */
static int
op_send_mpb(int argc, char **argv)
{
	uint64_t w[4 * 40];
	struct vmbus_channel *chan;
	uint64_t pfn, xid;
	uint32_t n, i;
	bool need_sig = false;
	int ret, ret2;

	if (argc < 3)
		return 2;
	xid = strtoull(argv[0], NULL, 0);
	pfn = strtoull(argv[1], NULL, 0);
	n = (uint32_t)strtoul(argv[2], NULL, 0);
	if (n == 0 || n >= 40)
		return 2;
	for (i = 0; i <= n; i++) {
		w[4 * i] = (uint64_t)0xf00 << 32 | 5000;
		w[4 * i + 1] = pfn;
		w[4 * i + 2] = pfn + 1;
		w[4 * i + 3] = pfn + 2;
	}
	chan = open_primary();
	if (chan == NULL)
		return 1;
	ret = vmbus_chan_send_mpb(chan, w, 4 * n, n, "\x01\x02", 2, xid, &need_sig);
	ret2 = vmbus_chan_send_mpb(chan, w, 4 * (n + 1), n + 1, "\x01\x02", 2, xid, &need_sig);
	if (need_sig)
		vmbus_chan_signal(chan);
	printf("send=%d send_more=%d need_sig=%d\n", ret, ret2, need_sig);
	vmbus_chan_close(chan);
	return 0;
}

static int
op_send_gpa(int argc, char **argv)
{
	uint8_t payload[256];
	struct hv_gpa_range range;
	struct vmbus_channel *chan;
	bool need_sig = false;
	size_t len;
	int ret;

	if (argc < 3)
		return 2;
	chan = open_primary();
	if (chan == NULL)
		return 1;
	len = hex_decode(argv[2], payload, sizeof(payload));
	range.byte_count = 1500;
	range.byte_offset = 64;
	range.pfn = strtoull(argv[1], NULL, 0);
	ret = vmbus_chan_send_gpa(chan, &range, 1, payload, (uint32_t)len,
				  strtoull(argv[0], NULL, 0), &need_sig);
	if (ret == 0 && need_sig)
		vmbus_chan_signal(chan);
	printf("send=%d need_sig=%d\n", ret, need_sig);
	vmbus_chan_close(chan);
	return 0;
}

static void
report_packet(const struct hv_ring_pkt *pkt)
{
	/* the validated copy: the ring itself is the host's to scribble on */
	const struct hv_pkt_desc *d = &pkt->desc;
	uint32_t off = d->offset8 * 8u;

	printf("pkt type=%u flags=%u len=%u xid=%" PRIu64 "\n", d->type, d->flags,
	       pkt->len, d->trans_id);
	print_hex("payload", (const uint8_t *)pkt->data + off, pkt->len - off);
}

static int
op_recv(int argc, char **argv)
{
	struct vmbus_chan_stats st;
	struct vmbus_channel *chan;
	struct hv_ring_pkt pkt;
	unsigned long want, got = 0;
	uint64_t deadline;
	int ret;

	if (argc < 2)
		return 2;
	want = strtoul(argv[0], NULL, 0);
	deadline = rte_get_timer_cycles() + ms_to_cycles(strtoul(argv[1], NULL, 0));
	chan = open_primary();
	if (chan == NULL)
		return 1;
	while (got < want && rte_get_timer_cycles() < deadline) {
		ret = vmbus_chan_peek(chan, &pkt);
		if (ret == 0)
			continue;
		if (ret == 1)
			report_packet(&pkt);
		else
			printf("bad=%d len=%u\n", ret, ret == -EIO ? 0 : pkt.len);
		if (ret == -EIO)
			break;
		vmbus_chan_consume(chan, pkt.len);
		got++;
	}
	vmbus_chan_rx_commit(chan);
	vmbus_chan_stats_get(chan, &st);
	printf("received=%lu signals=%" PRIu64 " bad=%" PRIu64 "\n", got, st.signals,
	       st.rx_bad_packets);
	vmbus_chan_close(chan);
	return 0;
}

static int
op_subchan(int argc, char **argv)
{
	struct vmbus_channel *primary, *sub[VMBUS_MAX_CHANNELS];
	unsigned long i, n;
	int ret = 0;

	if (argc < 2)
		return 2;
	n = RTE_MIN(strtoul(argv[0], NULL, 0), (unsigned long)VMBUS_MAX_CHANNELS);
	primary = open_primary();
	if (primary == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		ret = vmbus_subchan_open(primary, &sub[i], strtoul(argv[1], NULL, 0));
		if (ret < 0)
			break;
		printf("subchan relid=%u id=%u\n", vmbus_chan_relid(sub[i]),
		       vmbus_chan_subchannel_id(sub[i]));
		send_and_report(sub[i], 100 + i, "c0ffee");
	}
	printf("subchan_result=%d opened=%lu\n", ret, i);
	while (i-- > 0)
		vmbus_chan_close(sub[i]);
	vmbus_chan_close(primary);
	return 0;
}

/* RX interrupts: enable/disable as the ring header shows them, a uio
 * signal that keeps the driver's mask, the device callback. */
static unsigned int intr_calls;

static void
count_intr(void *arg)
{
	RTE_SET_USED(arg);
	__atomic_fetch_add(&intr_calls, 1, __ATOMIC_RELAXED);
}

static unsigned int
rx_mask(struct vmbus_channel *chan)
{
	return __atomic_load_n(&vmbus_chan_rx_ring(chan)->hdr->interrupt_mask, __ATOMIC_RELAXED);
}

static int
op_intr(int argc, char **argv)
{
	struct vmbus_channel *chan;
	uint64_t deadline;
	int ret;

	if (argc < 1)
		return 2;
	chan = open_primary();
	if (chan == NULL)
		return 1;
	printf("cb=%d\n", vmbus_device_intr_callback_set(devs[0], count_intr, NULL));
	printf("start mask=%u\n", rx_mask(chan));
	ret = vmbus_chan_intr_enable(chan);
	printf("enable=%d mask=%u on=%d\n", ret, rx_mask(chan), vmbus_chan_intr_enabled(chan));
	vmbus_chan_intr_disable(chan);
	printf("disable mask=%u on=%d\n", rx_mask(chan), vmbus_chan_intr_enabled(chan));
	vmbus_chan_intr_enable(chan);
	send_and_report(chan, 1, "01");
	printf("signal_on mask=%u\n", rx_mask(chan));
	deadline = rte_get_timer_cycles() + ms_to_cycles(strtoul(argv[0], NULL, 0));
	while (__atomic_load_n(&intr_calls, __ATOMIC_RELAXED) == 0 &&
	       rte_get_timer_cycles() < deadline)
		rte_delay_us_sleep(1000);
	printf("callbacks=%u\n", __atomic_load_n(&intr_calls, __ATOMIC_RELAXED));
	vmbus_chan_intr_disable(chan);
	send_and_report(chan, 2, "02");
	printf("signal_off mask=%u\n", rx_mask(chan));
	printf("cb=%d\n", vmbus_device_intr_callback_set(devs[0], NULL, NULL));
	vmbus_chan_close(chan);
	return 0;
}

static int
op_rescind(int argc, char **argv)
{
	uint64_t start = rte_get_timer_cycles(), deadline;

	if (argc < 1 || ndevs == 0)
		return 2;
	deadline = start + ms_to_cycles(strtoul(argv[0], NULL, 0));
	while (!vmbus_device_rescinded(devs[0]) && rte_get_timer_cycles() < deadline)
		rte_delay_us_sleep(1000);
	printf("rescinded=%d\n", vmbus_device_rescinded(devs[0]));
	return 0;
}

static int
serve(int argc, char **argv, bool with_sub)
{
	const struct rte_memzone *mz;
	struct shared_state *st;
	uint64_t deadline;

	if (argc < 1)
		return 2;
	mz = rte_memzone_reserve(SHARED_MZ, sizeof(*st), SOCKET_ID_ANY, 0);
	if (mz == NULL)
		return 1;
	st = mz->addr;
	st->chan = open_primary();
	if (st->chan == NULL)
		return 1;
	if (with_sub && vmbus_subchan_open(st->chan, &st->sub, 5000) < 0)
		return 1;
	printf("serving=1\n");
	fflush(stdout);
	deadline = rte_get_timer_cycles() + ms_to_cycles(strtoul(argv[0], NULL, 0));
	while (!st->secondary_done && rte_get_timer_cycles() < deadline)
		rte_delay_us_sleep(1000);
	printf("secondary_done=%u\n", st->secondary_done);
	if (st->sub != NULL)
		vmbus_chan_close(st->sub);
	return 0;
}

static int
op_serve(int argc, char **argv)
{
	return serve(argc, argv, false);
}

static int
op_serve_sub(int argc, char **argv)
{
	return serve(argc, argv, true);
}

static int
op_secondary_send(int argc, char **argv)
{
	const struct rte_memzone *mz = rte_memzone_lookup(SHARED_MZ);
	struct shared_state *st;

	if (argc < 2 || mz == NULL) {
		printf("error=no-shared-state\n");
		return 1;
	}
	st = mz->addr;
	printf("devices=%u\n", ndevs);
	send_and_report(st->chan, strtoull(argv[0], NULL, 0), argv[1]);
	if (st->sub != NULL)
		send_and_report(st->sub, strtoull(argv[0], NULL, 0) + 1, argv[1]);
	/* channels belong to the primary: a secondary's close is a no-op */
	vmbus_chan_close(st->chan);
	st->secondary_done = 1;
	return 0;
}

static int
op_replug(int argc, char **argv)
{
	char name[RTE_UUID_STRLEN];
	int ret;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	if (ndevs == 0)
		return 1;
	rte_strscpy(name, devs[0]->name, sizeof(name));
	ret = rte_dev_remove(&devs[0]->device);
	printf("unplug=%d\n", ret);
	ndevs = 0;
	ret = rte_dev_probe(name);
	printf("plug=%d devices=%u\n", ret, ndevs);
	if (ndevs == 1)
		report_device(devs[0]);
	/* a second rescan must not duplicate the device */
	ret = rte_dev_probe(name);
	printf("plug_again=%d devices=%u\n", ret, ndevs);
	return 0;
}

static int
op_hotplug(int argc, char **argv)
{
	int ret;

	if (argc < 1)
		return 2;
	ret = rte_dev_probe(argv[0]);
	printf("hotplug=%d devices=%u\n", ret, ndevs);
	return 0;
}

static volatile int removed_after_rescind = -1000;

static void
remove_alarm(void *arg)
{
	RTE_SET_USED(arg);
	removed_after_rescind = rte_dev_remove(&devs[0]->device);
}

static void
on_remove_event(const char *name, enum rte_dev_event_type type, void *arg)
{
	RTE_SET_USED(arg);
	printf("event=%s type=%d\n", name, (int)type);
	/* as testpmd does: not from inside the event, from an alarm */
	rte_eal_alarm_set(1000, remove_alarm, NULL);
}

static int
op_rescind_remove(int argc, char **argv)
{
	uint64_t deadline;

	if (argc < 1 || ndevs == 0)
		return 2;
	if (rte_dev_event_callback_register(NULL, on_remove_event, NULL) < 0)
		return 1;
	printf("ready=1\n");	/* the host may rescind now */
	deadline = rte_get_timer_cycles() + ms_to_cycles(strtoul(argv[0], NULL, 0));
	while (removed_after_rescind == -1000 && rte_get_timer_cycles() < deadline)
		rte_delay_us_sleep(1000);
	printf("removed_after_rescind=%d\n", removed_after_rescind);
	return 0;
}

static int
run_op(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} ops[] = {
		{ "send", op_send }, { "send-gpa", op_send_gpa }, { "send-mpb", op_send_mpb },
		{ "recv", op_recv },
		{ "subchan", op_subchan }, { "rescind", op_rescind },
		{ "serve", op_serve }, { "secondary-send", op_secondary_send },
		{ "replug", op_replug }, { "hotplug", op_hotplug },
		{ "rescind-remove", op_rescind_remove }, { "serve-sub", op_serve_sub },
		{ "intr", op_intr },
	};
	unsigned int i;

	if (argc < 1)
		return 2;
	if (strcmp(argv[0], "scan") == 0)
		return op_scan();
	for (i = 0; i < RTE_DIM(ops); i++)
		if (strcmp(argv[0], ops[i].name) == 0)
			return ops[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "unknown op %s\n", argv[0]);
	return 2;
}

int
main(int argc, char **argv)
{
	int n, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		printf("eal_init=%d\n", rte_errno);
		return 3;
	}
	ret = run_op(argc - n - 1, argv + n + 1);
	rte_eal_cleanup();
	return ret;
}
