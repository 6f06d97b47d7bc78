/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The control side of the VF gates (hn_vf.h): turning gates off and
 * knowing no burst still uses the VF through them, without a fence on
 * the bursts where the kernel can fence them for us (membarrier).
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include <rte_cycles.h>
#include <rte_pause.h>

#include "hn_vf.h"

bool hn_vf_gate_fence = true;		/* until membarrier is known to work here */
static bool gate_membarrier;		/* this process closes gates with it */

static int
sys_membarrier(int cmd)
{
	return (int)syscall(__NR_membarrier, cmd, 0, 0);
}

void
hn_vf_gate_barrier_init(void)
{
	int cmds = sys_membarrier(MEMBARRIER_CMD_QUERY);

	if (gate_membarrier)
		return;
	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_GLOBAL_EXPEDITED) ||
	    sys_membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) != 0) {
		PMD_DRV_LOG(INFO, "no membarrier: the bursts fence for the VF gates");
		return;
	}
	gate_membarrier = true;
	hn_vf_gate_fence = false;
}

bool
hn_vf_gate_barrier_on(void)
{
	return gate_membarrier;
}

/* Between the control side's flag stores and its busy loads. */
static void
gate_barrier(void)
{
	if (gate_membarrier && sys_membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0)
		return;
	if (gate_membarrier) {
		/* From now on this process's bursts fence; the other processes'
		 * may not, so they get the slow barrier (a context switch on
		 * every CPU) this once, and the failure is said. */
		PMD_DRV_LOG(ERR, "membarrier failed: %s; the bursts fence from now on",
			    strerror(errno));
		gate_membarrier = false;
		hn_vf_gate_fence = true;
		sys_membarrier(MEMBARRIER_CMD_GLOBAL);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

bool
hn_vf_gates_close(struct hn_vf_gate *const *gates, uint32_t *const *flags, unsigned int n,
		  uint64_t wait_cycles)
{
	uint32_t busy[RTE_MAX_QUEUES_PER_PORT];
	uint64_t end;
	unsigned int i;
	bool ok = true;

	if (n > RTE_DIM(busy))
		n = RTE_DIM(busy);
	for (i = 0; i < n; i++)
		__atomic_store_n(flags[i], 0, __ATOMIC_RELAXED);
	gate_barrier();
	for (i = 0; i < n; i++)
		busy[i] = __atomic_load_n(&gates[i]->busy, __ATOMIC_ACQUIRE);
	end = rte_get_timer_cycles() + wait_cycles;
	for (i = 0; i < n; i++) {
		while ((busy[i] & 1) &&
		       __atomic_load_n(&gates[i]->busy, __ATOMIC_ACQUIRE) == busy[i]) {
			if (rte_get_timer_cycles() > end) {
				ok = false;
				break;
			}
			rte_pause();
		}
	}
	return ok;
}
