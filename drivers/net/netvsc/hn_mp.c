/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * A secondary's control requests, sent to the primary as one EAL
 * multi-process request each (rte_mp_request_sync, with a deadline) and
 * run there on EAL's multi-process thread, which answers with the result.
 * The port is named by its device name: port ids are the same in every
 * process, but a name cannot be a port of another driver by mistake.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "hn_dev.h"
#include "hn_mp.h"

#define HN_MP_NAME "net_netvsc_ctl"

struct hn_mp_msg {
	char name[RTE_ETH_NAME_MAX_LEN];	/* the device */
	uint32_t op;
	uint32_t arg;
	int32_t result;			/* the answer: 0 or -errno */
};

static int
mp_answer(const struct rte_mp_msg *msg, const void *peer)
{
	const struct hn_mp_msg *q = (const void *)msg->param;
	struct rte_mp_msg reply = { 0 };
	struct hn_mp_msg *a = (struct hn_mp_msg *)reply.param;

	snprintf(reply.name, sizeof(reply.name), "%s", HN_MP_NAME);
	reply.len_param = sizeof(*a);
	/* whatever the request, an answer: the secondary waits for one */
	if (msg->len_param != sizeof(*q) || q->op >= HN_MP_OP_COUNT ||
	    memchr(q->name, '\0', sizeof(q->name)) == NULL) {
		a->result = -EINVAL;
		return rte_mp_reply(&reply, peer);
	}
	*a = *q;
	a->result = hn_mp_run(q->name, (enum hn_mp_op)q->op, q->arg);
	return rte_mp_reply(&reply, peer);
}

int
hn_mp_primary_init(void)
{
	if (rte_mp_action_register(HN_MP_NAME, mp_answer) == 0 || rte_errno == EEXIST)
		return 0;
	/* no multi-process (--in-memory): no secondary to answer either */
	if (rte_errno == ENOTSUP)
		return 0;
	PMD_INIT_LOG(WARNING, "cannot answer secondary processes' control requests: %s",
		     rte_strerror(rte_errno));
	return -rte_errno;
}

int
hn_mp_request(struct rte_eth_dev *dev, enum hn_mp_op op, uint32_t arg)
{
	const struct hn_dev *hn = hn_dev_of(dev);
	/* the primary may wait for the host up to the devarg timeout */
	struct timespec wait = { .tv_sec = (time_t)hn->args.timeout_s + 1 };
	struct rte_mp_msg req = { 0 };
	struct hn_mp_msg *q = (struct hn_mp_msg *)req.param;
	struct rte_mp_reply reply = { 0 };
	const struct hn_mp_msg *a;
	int ret = -ETIMEDOUT;

	snprintf(req.name, sizeof(req.name), "%s", HN_MP_NAME);
	req.len_param = sizeof(*q);
	snprintf(q->name, sizeof(q->name), "%s", dev->data->name);
	q->op = op;
	q->arg = arg;
	if (rte_mp_request_sync(&req, &reply, &wait) != 0) {
		PMD_DRV_LOG(ERR, "port %u: the primary process did not take the request: %s",
			    dev->data->port_id, rte_strerror(rte_errno));
		return -rte_errno;
	}
	if (reply.nb_received == 1 && reply.msgs[0].len_param == sizeof(*a)) {
		a = (const void *)reply.msgs[0].param;
		ret = a->result;
	} else {
		PMD_DRV_LOG(ERR, "port %u: the primary process did not answer within %u s",
			    dev->data->port_id, hn->args.timeout_s + 1);
	}
	free(reply.msgs);
	return ret;
}
