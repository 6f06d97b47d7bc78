# SPDX-License-Identifier: BSD-3-Clause
"""What ./hvnet bench's two entry scripts share (app/bench/README.md, "Code").

  env        where the build put hvsim, the shim, hvbench and our plugins;
             the CPU layout; log(); BenchError
  cli        the common ending of an entry script: errors and ^C to exit codes
  cells      the benchmark matrix: modes, frame sizes, queues, frames per run
  parse      reading hvbench's key=value lines, testpmd's counters, hvsim's JSON
  steal      who else had the CPUs: schedstat, hypervisor steal, foreign
             processes, calibration drift, and the verdict "disturbed"
  hvbench    one run of the hvbench guest, and what its numbers miss
  testpmd    one run of dpdk-testpmd driven through its prompt
  runner     one cell of one round: retries until a run is not disturbed
  callgrind  --instructions: instructions per packet under callgrind
  table      medians, the Markdown tables, the notes, results files
  iperf      the real TCP rows (tcp.py): hvsim taps, testpmd csum, iperf3
"""
