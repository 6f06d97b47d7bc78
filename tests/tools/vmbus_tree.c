/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Builds VMBus device trees for the vmbus-devbind tests with hvsim's tree
 * builder (guestos/devtree.h), so that the tool reads the layout hvsim
 * gives every guest. One command per line on stdin:
 *
 *   device UUID CLASS_UUID RELID NUMA BOUND UIO    BOUND: 1 uio_hv_generic, 0 hv_netvsc
 *   subchannel UUID RELID SUBCHANNEL_ID
 *
 * usage: vmbus_tree BUS_ROOT UIO_DIR < commands. Exit 0, or 1 with the
 * failing line on stderr.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestos/devtree.h"

#define SMALL_RING	(16 * 1024)	/* per direction: the tool never maps it */
#define SMALL_BUF	(64 * 1024)

static int
add_device(const char *bus_root, const char *uio_dir, const char *args)
{
	struct hvsim_dev_spec spec;
	unsigned int relid;
	int numa, bound, uio;

	hvsim_dev_spec_default(&spec);
	if (sscanf(args, "%36s %36s %u %d %d %d", spec.device_id, spec.class_id, &relid,
		   &numa, &bound, &uio) != 6)
		return -1;
	spec.relid = relid;
	spec.numa_node = numa;
	spec.bound = bound != 0;
	spec.uio_num = uio;
	spec.ring_size = SMALL_RING;
	spec.recv_buf_size = SMALL_BUF;
	spec.send_buf_size = SMALL_BUF;
	return hvsim_devtree_add(bus_root, uio_dir, &spec);
}

static int
add_subchannel(const char *bus_root, const char *args)
{
	char uuid[HVSIM_UUID_LEN + 1];
	unsigned int relid, id;

	if (sscanf(args, "%36s %u %u", uuid, &relid, &id) != 3 || id > UINT16_MAX)
		return -1;
	return hvsim_devtree_add_subchannel(bus_root, uuid, relid, (uint16_t)id, -1, SMALL_RING);
}

int
main(int argc, char **argv)
{
	char line[512];
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: vmbus_tree BUS_ROOT UIO_DIR < commands\n");
		return 2;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (strncmp(line, "device ", 7) == 0)
			rc = add_device(argv[1], argv[2], line + 7);
		else if (strncmp(line, "subchannel ", 11) == 0)
			rc = add_subchannel(argv[1], line + 11);
		else
			rc = line[0] == '\n' ? 0 : -1;
		if (rc != 0) {
			fprintf(stderr, "vmbus_tree: %d: %s", rc, line);
			return 1;
		}
	}
	return 0;
}
