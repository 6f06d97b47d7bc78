# SPDX-License-Identifier: BSD-3-Clause
"""The benchmark matrix: which rows there are and how many frames each runs."""

MODES = ("rxonly", "txonly", "io")
SIZES = ((64, 60), (1518, 1514))     # (frame with FCS, length hvsim/mbufs use)
QUEUES = (1, 2)
MODES_2Q = ("rxonly", "io")          # the 2-queue rows
FLOWS_2Q = 4                         # generator flows, spread by RSS over the queues
PMDS = ("bundled", "hvnet")

# Frames per run, as a multiple of --packets: what takes a comparable time.
# At 1514 B the generator (hvsim) is the limit, at ~0.2 Mpps; txonly needs
# no generator and the host takes aggregated 60 B frames at ~10 Mpps.
SCALE = {("rxonly", 60): 1, ("rxonly", 1514): 1 / 8, ("io", 60): 1, ("io", 1514): 1 / 8,
         ("txonly", 60): 4, ("txonly", 1514): 1 / 2}

# Frames every hvbench run moves before it measures. A PMD that leaves the
# host's buffers unmapped until it touches them takes a page fault per
# 4 KiB page on its data path during the first lap of each buffer: hvsim's
# 31 MiB receive buffer holds 18,811 frames (one 1728-byte slot each), its
# 16 MiB send buffer 2,730 sections. That is paid once, not per packet.
# 500,000 frames covers both laps but one: the bundled PMD's 60 B frames
# fill the send buffer so slowly that some of its txonly 64 B runs still
# take 50 to 160 faults while measured (noted under the table).
WARMUP_FRAMES = 500000


def count_for(mode, size, packets):
    return max(int(packets * SCALE[(mode, size)]), 1000)


def cells(modes, sizes, queues):
    """(mode, frame with FCS, size, queues) of every row, in table order."""
    return [(m, w, n, q) for q in queues for m in modes for w, n in sizes
            if q == 1 or m in MODES_2Q]


def counts_text(packets):
    return "frames per run: " + ", ".join(
        f"{m} {w} B {count_for(m, n, packets)}" for m in MODES for w, n in SIZES) + \
        " (the same with 2 queues)"


def warmup_text(warmup):
    return f"each hvbench run first moves {warmup} frames unmeasured" if warmup else \
        "no warm-up: first touches of the buffers are measured"


def gen_traffic(size, count, delay, queues=1, rate=0):
    """hvsim's --traffic for the generator feeding one run."""
    flows = f",flows={FLOWS_2Q}" if queues > 1 else ""
    return f"gen:rate={rate},count={count},delay={delay},burst=64,sizes={size}{flows}"
