/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RX interrupt mode. What the host gives: per channel, an interrupt mask
 * in its inbound ring header (the host signals only while it is 0 and the
 * ring goes from empty to non-empty, netvsc.md §A.5), and for the whole
 * device one uio fd on which every channel's interrupt arrives, with no
 * word on which channel it was (uio-hv-generic.md).
 *
 * So the uio fd cannot be a queue's vector: it is one for all queues, and
 * EAL's epoll reads the vector's fd on every wake-up (several lcores
 * reading one fd, one of them blocks or spins). Each RX queue gets an
 * eventfd of its own instead (the port's interrupt handle, type VDEV, an
 * 8-byte counter EAL reads), and the bus's interrupt callback, in EAL's
 * interrupt thread, writes the eventfd of each armed queue that has input:
 * one hop through that thread per wake-up, no control work on a data
 * lcore, and an application sees one vector per queue as with any NIC.
 *
 * Input of a queue is its channel's inbound ring and the frames another
 * thread drained for it (the staging ring: TX lcores drain for their
 * completions). Enabling closes the race with the host the §A.5 way:
 * unmask, full barrier, look again; input found then is signalled by us.
 *
 * Primary process only (the uio fd and the interrupt thread are there).
 * With a VF attached its frames do not come through these interrupts.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_interrupts.h>

#include "hn_chan.h"
#include "hn_dev.h"
#include "hn_rx.h"
#include "hn_rxintr.h"

struct hn_rxintr {
	struct rte_intr_handle *handle;	/* the port's: one vector per RX queue */
	struct hn_dev *hn;
	uint16_t nb_queues;		/* queues with an eventfd and a vector now */
	bool watching;			/* the bus's callback is ours */
	int efd[HN_MAX_QUEUES];
	uint32_t armed[HN_MAX_QUEUES];	/* atomic: 1 between enable and disable */
	uint64_t kicks[HN_MAX_QUEUES];	/* eventfd writes (interrupt thread or enable) */
};

/* Per process, like the interrupt handle and the eventfds it holds. */
static struct hn_rxintr *rxintr_of[RTE_MAX_ETHPORTS];

/* Wake the queue's waiter. A counter at its maximum (EAGAIN) is a waiter
 * that has been woken already. */
static void
kick(struct hn_rxintr *ri, uint16_t q)
{
	uint64_t one = 1;

	__atomic_fetch_add(&ri->kicks[q], 1, __ATOMIC_RELAXED);
	if (write(ri->efd[q], &one, sizeof(one)) < 0 && errno != EAGAIN)
		PMD_DRV_LOG(DEBUG, "port %u queue %u: eventfd write: %s", ri->hn->port_id, q,
			    strerror(errno));
}

/* Anything for the queue's receiver? The ring first: a drainer parks a
 * frame in staging before it consumes its packet. */
static bool
rxq_has_input(const struct hn_rxq *rxq)
{
	const struct hn_chan *ch = rxq->ch;

	if (ch != NULL && ch->rx_ring != NULL && !hv_ring_idle(ch->rx_ring))
		return true;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	/* completions free callbacks left for a poll (rx_extmbuf_enable):
	 * the host may wait for those slots before it sends anything */
	return !rte_ring_empty(rxq->staging) ||
	       (ch != NULL && ch->ext_acks != NULL && !rte_ring_empty(ch->ext_acks));
}

/* The receiver may sleep on its interrupt: free callbacks of frames
 * received in place then send their completions at once (hn_rx.c). */
static void
rxq_set_armed(struct hn_rxq *rxq, uint32_t armed)
{
	if (rxq != NULL)
		hn_rxq_set_armed(rxq, armed);
}

/* The bus's callback (interrupt thread): some channel of the device was
 * signalled; which one, the host does not say. */
static void
rxintr_event(void *arg)
{
	struct hn_rxintr *ri = arg;
	uint16_t q;

	for (q = 0; q < ri->nb_queues; q++) {
		const struct hn_rxq *rxq = ri->hn->data->rx_queues[q];

		if (__atomic_load_n(&ri->armed[q], __ATOMIC_ACQUIRE) && rxq != NULL &&
		    rxq_has_input(rxq))
			kick(ri, q);
	}
}

static struct hn_rxintr *
rxintr_alloc(struct hn_dev *hn)
{
	struct hn_rxintr *ri = calloc(1, sizeof(*ri));
	unsigned int q;

	if (ri == NULL)
		return NULL;
	ri->hn = hn;
	for (q = 0; q < RTE_DIM(ri->efd); q++)
		ri->efd[q] = -1;
	ri->handle = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (ri->handle == NULL)
		goto fail;
	/* VDEV: EAL's epoll reads efd_counter_size bytes, an eventfd's count */
	if (rte_intr_type_set(ri->handle, RTE_INTR_HANDLE_VDEV) < 0 ||
	    rte_intr_efd_counter_size_set(ri->handle, sizeof(uint64_t)) < 0 ||
	    rte_intr_vec_list_alloc(ri->handle, "hn_rxintr", HN_MAX_QUEUES) < 0)
		goto fail;
	for (q = 0; q < HN_MAX_QUEUES; q++)
		if (rte_intr_vec_list_index_set(ri->handle, q, RTE_INTR_VEC_RXTX_OFFSET + q) < 0)
			goto fail;
	return ri;
fail:
	if (ri->handle != NULL) {
		rte_intr_vec_list_free(ri->handle);
		rte_intr_instance_free(ri->handle);
	}
	free(ri);
	return NULL;
}

/* An eventfd for each queue that has none yet; the vector count follows
 * the queue count. */
static int
rxintr_fds(struct hn_rxintr *ri, uint16_t n)
{
	uint16_t q;

	for (q = 0; q < n; q++) {
		if (ri->efd[q] >= 0)
			continue;
		ri->efd[q] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (ri->efd[q] < 0)
			return -errno;
		if (rte_intr_efds_index_set(ri->handle, q, ri->efd[q]) < 0)
			return -EINVAL;
	}
	if (rte_intr_nb_efd_set(ri->handle, n) < 0 ||
	    rte_intr_max_intr_set(ri->handle, n + 1) < 0)
		return -EINVAL;
	ri->nb_queues = n;
	return 0;
}

int
hn_rxintr_start(struct rte_eth_dev *dev)
{
	struct hn_dev *hn = hn_dev_of(dev);
	uint16_t port = dev->data->port_id;
	struct hn_rxintr *ri;
	int ret;

	if (!hn_is_primary() || !dev->data->dev_conf.intr_conf.rxq)
		return 0;
	if (dev->data->nb_rx_queues > HN_MAX_QUEUES)
		return -EINVAL;
	if (rxintr_of[port] == NULL)
		rxintr_of[port] = rxintr_alloc(hn);
	ri = rxintr_of[port];
	if (ri == NULL)
		return -ENOMEM;
	ret = rxintr_fds(ri, dev->data->nb_rx_queues);
	if (ret < 0) {
		PMD_DRV_LOG(ERR, "port %u: RX interrupt vectors: %s", port, strerror(-ret));
		return ret;
	}
	ret = vmbus_device_intr_callback_set(hn->vdev, rxintr_event, ri);
	if (ret < 0)
		return ret;
	ri->watching = true;
	dev->intr_handle = ri->handle;
	return 0;
}

void
hn_rxintr_stop(struct rte_eth_dev *dev)
{
	struct hn_rxintr *ri = rxintr_of[dev->data->port_id];
	uint16_t q;

	if (ri == NULL)
		return;
	if (ri->watching)
		vmbus_device_intr_callback_set(ri->hn->vdev, NULL, NULL);
	ri->watching = false;
	for (q = 0; q < ri->nb_queues; q++)
		hn_rx_queue_intr_disable(dev, q);
}

void
hn_rxintr_close(struct rte_eth_dev *dev)
{
	struct hn_rxintr *ri = rxintr_of[dev->data->port_id];
	unsigned int q;

	if (ri == NULL)
		return;
	hn_rxintr_stop(dev);
	if (dev->intr_handle == ri->handle)
		dev->intr_handle = NULL;
	rte_intr_vec_list_free(ri->handle);
	rte_intr_instance_free(ri->handle);
	for (q = 0; q < RTE_DIM(ri->efd); q++)
		if (ri->efd[q] >= 0)
			close(ri->efd[q]);
	free(ri);
	rxintr_of[dev->data->port_id] = NULL;
}

/* The queue's channel, when the queue has a vector. */
static struct vmbus_channel *
rxintr_chan(struct rte_eth_dev *dev, uint16_t q, struct hn_rxintr **ri)
{
	const struct hn_rxq *rxq = dev->data->rx_queues[q];

	*ri = rxintr_of[dev->data->port_id];
	if (*ri == NULL || q >= (*ri)->nb_queues || rxq == NULL || rxq->ch == NULL)
		return NULL;
	return rxq->ch->vc;
}

int
hn_rx_queue_intr_enable(struct rte_eth_dev *dev, uint16_t q)
{
	struct hn_rxintr *ri;
	struct vmbus_channel *vc = rxintr_chan(dev, q, &ri);
	int ret;

	/* nobody would be told: not started, or intr_conf.rxq not set */
	if (vc == NULL || !ri->watching)
		return -ENOTSUP;
	/* armed before the unmask: the interrupt it allows finds it set */
	__atomic_store_n(&ri->armed[q], 1, __ATOMIC_RELEASE);
	rxq_set_armed(dev->data->rx_queues[q], 1);
	ret = vmbus_chan_intr_enable(vc);
	if (ret < 0) {
		__atomic_store_n(&ri->armed[q], 0, __ATOMIC_RELEASE);
		rxq_set_armed(dev->data->rx_queues[q], 0);
		return ret;
	}
	/* input the host will not signal (it was there before the unmask) */
	if (ret > 0 || rxq_has_input(dev->data->rx_queues[q]))
		kick(ri, q);
	return 0;
}

int
hn_rx_queue_intr_disable(struct rte_eth_dev *dev, uint16_t q)
{
	struct hn_rxintr *ri;
	struct vmbus_channel *vc = rxintr_chan(dev, q, &ri);

	if (ri == NULL || q >= ri->nb_queues)
		return -ENOTSUP;
	__atomic_store_n(&ri->armed[q], 0, __ATOMIC_RELEASE);
	rxq_set_armed(dev->data->rx_queues[q], 0);
	if (vc != NULL)
		vmbus_chan_intr_disable(vc);
	return 0;
}
