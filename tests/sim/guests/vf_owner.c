/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * "Someone else" for the failover tests: an EAL plugin (testpmd -d) that
 * takes ethdev ownership of the port of one device, as a failsafe or an
 * application reserving its ports would, before net_netvsc can look at it.
 *
 *   HVNET_TEST_OWN_DEV=7870:00:02.0   the device whose port it owns
 *   HVNET_TEST_OWN_MS=N               let it go N ms after taking it
 *                                     (default: keep it)
 *
 * It needs a hook that runs after the EAL's memory is up and before
 * net_netvsc registers its own port callbacks: a bus of its own with no
 * devices. Buses probe in the order they registered; a -d plugin loads
 * before the plugin directory (where the vmbus bus is), so this probe runs
 * before net_netvsc exists and its NEW callback runs first on a hot-add.
 * It prints one line per thing it does ("vf_owner: ..."), which the tests
 * read.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bus_driver.h>
#include <rte_alarm.h>
#include <rte_dev.h>
#include <ethdev_driver.h>
#include <rte_ethdev.h>

static struct rte_eth_dev_owner owner = { .name = "vf_owner test fixture" };
static int owned_port = -1;

static const char *
wanted_device(void)
{
	return getenv("HVNET_TEST_OWN_DEV");
}

static void
release(void *arg)
{
	RTE_SET_USED(arg);
	if (owned_port < 0)
		return;
	if (rte_eth_dev_owner_unset((uint16_t)owned_port, owner.id) == 0)
		printf("vf_owner: released port %d\n", owned_port);
	fflush(stdout);
	owned_port = -1;
}

static void
take(uint16_t port)
{
	const char *want = wanted_device(), *ms = getenv("HVNET_TEST_OWN_MS");
	const struct rte_device *dev = rte_eth_devices[port].device;

	/* the device, not rte_eth_dev_info_get(): in its NEW event a port is
	 * not valid yet */
	if (owned_port >= 0 || want == NULL || dev == NULL || strcmp(rte_dev_name(dev), want) != 0)
		return;
	if (rte_eth_dev_owner_set(port, &owner) != 0) {
		printf("vf_owner: port %u (%s) is owned by someone else\n", port, want);
		return;
	}
	owned_port = port;
	printf("vf_owner: owns port %u (%s)\n", port, want);
	fflush(stdout);
	if (ms != NULL)
		rte_eal_alarm_set(strtoull(ms, NULL, 10) * 1000, release, NULL);
}

static int
new_port(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret)
{
	RTE_SET_USED(type);
	RTE_SET_USED(arg);
	RTE_SET_USED(ret);
	take(port);
	return 0;
}

static int
owner_scan(void)
{
	return 0;
}

/* Runs once the buses before it (PCI) have probed: take what is there,
 * then watch what comes. */
static int
owner_probe(void)
{
	uint16_t p;

	if (wanted_device() == NULL)
		return 0;
	if (rte_eth_dev_owner_new(&owner.id) != 0) {
		printf("vf_owner: no owner id\n");
		return 0;
	}
	RTE_ETH_FOREACH_DEV(p)
		take(p);
	rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_NEW, new_port, NULL);
	return 0;
}

static struct rte_device *
owner_find_device(const struct rte_device *start, rte_dev_cmp_t cmp, const void *data)
{
	RTE_SET_USED(start);
	RTE_SET_USED(cmp);
	RTE_SET_USED(data);
	return NULL;
}

static struct rte_bus vf_owner_bus = {
	.scan = owner_scan,
	.probe = owner_probe,
	.find_device = owner_find_device,
};

RTE_REGISTER_BUS(vf_owner, vf_owner_bus);
