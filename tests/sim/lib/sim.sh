# SPDX-License-Identifier: BSD-3-Clause
# The one shell library of the scenario suites (tests/sim/test_*.sh),
# sourced by each of them:
#   TAP        sim_begin NAME, check TITLE EXPR, sim_end
#   hvsim      sim PMD ..., sim_bg PMD ..., sim_wait: one way to start it,
#              with our plugins (PMD hvnet) or Debian's bundled net_netvsc
#   testpmd    testpmd SECS PMD ... (commands on stdin), tp_start / tp / tp_quit:
#              driven by its prompt (lib/testpmd.py), never by sleeping
#   reading    sj, nic, gen, tap, offload, has, lines, rc_is, clean, ctl, wait_for
#   sanitize   HVNET_SANITIZE=1 (./hvnet test --sanitize): the runtimes preloaded
#              into hvsim's guests, reports in $work, a closing "no sanitizer report"
# Every run writes the guest's and hvsim's output to $work/out, hvsim's exit
# status to $work/rc and its counters to $work/stats.json.

sim_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sanitize_dir=$(cd "$sim_lib/../../sanitize" && pwd)
oracles=$(cd "$sim_lib/../oracles" && pwd)
# lib/testpmd.py needs Debian's python3-pexpect: Debian's interpreter, not
# whichever python3 comes first on PATH
debian_python=/usr/bin/python3

: "${HVSIM:?}" "${HVSIM_SHIM:?}"
export HVSIM_SHIM
TESTPMD=${TESTPMD:-dpdk-testpmd}
# testpmd's command dumping every mempool: "dump_mempool" up to DPDK 24.11,
# "dump mempool" in 25.11 (DPDK_VERSION: the release the suite runs on)
if [ "$(printf '%s\n' "${DPDK_VERSION:-22.11}" 25.0 | sort -V | head -n1)" = 25.0 ]; then
	TP_DUMP_MEMPOOL="dump mempool"
else
	TP_DUMP_MEMPOOL=dump_mempool
fi
tp_args=()
hv_pid=

# ---- TAP -------------------------------------------------------------------

# sim_begin NAME: a work directory /tmp/NAME-XXXXXX (kept with KEEP=1), and
# the TAP header. A suite may define sim_cleanup, run at exit.
sim_begin() {
	work=$(mktemp -d "/tmp/$1-XXXXXX")
	sock=$work/ctl.sock
	n=0
	fails=0
	trap sim_exit EXIT
	sanitize_begin
	echo "TAP version 13"
}

sim_exit() {
	[ -n "$hv_pid" ] && kill -KILL "$hv_pid" 2>/dev/null
	exec 3>&- 2>/dev/null
	wait 2>/dev/null
	declare -F sim_cleanup >/dev/null && sim_cleanup
	if [ -n "${KEEP:-}" ]; then echo "# work directory $work"; else rm -rf "$work"; fi
}

# sim_end: the plan line; the exit status says whether every case passed
sim_end() {
	sanitize_check
	echo "1..$n"
	exit $((fails > 0))
}

ok() { n=$((n + 1)); echo "ok $n - $1"; }

# skip TITLE WHY: a case that does not apply here, said so in TAP
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# not_ok TITLE: the failure, with the end of the output (less the lines
# matching the suite's LOG_NOISE, an extended regex) and why it failed
not_ok() {
	n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"
	grep -avE -- "${LOG_NOISE:-^EAL: }" "$work/out" | sed 's/^/# /' | tail -n "${LOG_LINES:-40}"
	[ -s "$work/why" ] && sed 's/^/# /' "$work/why" | head -n 20
	# and on stderr, which a summary of failures shows with the title
	{ echo "not ok $n - $1"; [ -s "$work/why" ] && head -n 20 "$work/why"; } >&2
	return 1
}

# check TITLE EXPR: one TAP case; EXPR is evaluated, and may explain a
# failure in $work/why
check() { : >"$work/why"; if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

# ---- hvsim -----------------------------------------------------------------

# sim_argv PMD HVSIM_ARGS... [-- GUEST...]: the hvsim command line in
# $argv. PMD hvnet: our bus and PMD (HVNET_PLUGINS, colon-separated);
# bundled: Debian's own net_netvsc. A stale stats file is removed.
sim_argv() {
	local pmd=$1 p plugins=()
	shift
	argv=("$HVSIM" --netvsc="$pmd")
	if [ "$pmd" = hvnet ]; then
		IFS=: read -ra plugins <<<"${HVNET_PLUGINS:?}"
		for p in "${plugins[@]}"; do argv+=("--plugin=$p"); done
	fi
	argv+=(--stats-json="$work/stats.json" "$@")
	rm -f "$work/stats.json"
	sanitize_argv "$pmd"
}

# ---- ./hvnet test --sanitize (HVNET_SANITIZE=1) -----------------------------

# sanitize_argv: hvsim and everything it runs (Debian's dpdk-testpmd loading
# our ASan-built plugins) with gcc's ASan and UBSan runtimes preloaded, their
# reports in $work/sanitize.PID (sanitize_begin)
sanitize_argv() {
	local supp=$sanitize_dir/lsan.supp
	[ "${HVNET_SANITIZE:-0}" = 1 ] || return 0
	# PMD bundled: the librte_net_netvsc.so loaded is Debian's, never ours
	if [ "$1" = bundled ]; then
		supp=$work/lsan-bundled.supp
		cat "$sanitize_dir/lsan.supp" "$sanitize_dir/lsan-bundled.supp" >"$supp"
	fi
	argv=(env "LD_PRELOAD=${HVNET_SANITIZE_PRELOAD:?}"
		"LSAN_OPTIONS=${LSAN_OPTIONS:-}:suppressions=$supp" "${argv[@]}")
}

# sanitize_begin: every sanitized program the suite runs (ours carry the
# runtimes) writes its reports to $work/sanitize.PID
sanitize_begin() {
	[ "${HVNET_SANITIZE:-0}" = 1 ] || return 0
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=$work/sanitize"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:log_path=$work/sanitize"
}

# sanitize_check: one TAP case, failed by any report a sanitized run wrote
sanitize_check() {
	local f
	[ "${HVNET_SANITIZE:-0}" = 1 ] || return 0
	: >"$work/why"
	for f in "$work"/sanitize.*; do
		[ -f "$f" ] || continue
		echo "sanitizer report $(basename "$f"):" >>"$work/why"
		cat "$f" >>"$work/why"
	done
	if [ -s "$work/why" ]; then
		n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - no sanitizer report"
		sed 's/^/# /' "$work/why"
	else
		ok "no sanitizer report"
	fi
}

# sim SECS PMD HVSIM_ARGS... -- GUEST...: run hvsim and its guest to the
# end, killed after SECS at the latest (a host that never answers keeps the
# bundled PMD waiting forever); SIM_PREFIX (e.g. taskset) goes in front.
sim() {
	local secs=$1 argv=()
	shift
	sim_argv "$@"
	timeout -s KILL "$secs" ${SIM_PREFIX:-} "${argv[@]}" >"$work/out" 2>&1 </dev/null
	echo $? >"$work/rc"
}

# sim_bg SECS PMD HVSIM_ARGS... -- GUEST...: the same in the background
# ($hv_pid); sim_wait waits for its end
sim_bg() {
	local secs=$1 argv=()
	shift
	sim_argv "$@"
	timeout -s KILL "$secs" "${argv[@]}" >"$work/out" 2>&1 </dev/null &
	hv_pid=$!
}

sim_wait() {
	wait "$hv_pid"
	echo $? >"$work/rc"
	hv_pid=
}

# split_args ARGS...: those before the first -- in $left, after it in $right
split_args() {
	left=()
	right=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do left+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	right=("$@")
}

# The guests' EAL scans no PCI bus, unless a suite sets NO_PCI= (empty):
# hvsim's VFs are PCI devices.
NO_PCI=${NO_PCI---no-pci}

# pci_eal_args: $NO_PCI, or, when the PCI bus is scanned, its probe lines
# at INFO (the suites match "Probe PCI driver: ..."): from DPDK 24.11 on
# the PCI bus logs under its own type, bus.pci, at NOTICE by default
pci_eal_args() { echo "${NO_PCI:---log-level=bus.pci:info}"; }

# fwd SECS PMD HVSIM_ARGS... -- GUEST_FWD_ARGS...: guests/guest_fwd, a plain
# ethdev application, under hvsim (GUEST_EAL: more EAL options); every run
# has a file prefix of its own. fwd_bg: the same in the background
# ($hv_pid, sim_wait).
fwd_runs=0
fwd_run() {
	local how=$1 secs=$2 pmd=$3 left right
	shift 3
	split_args "$@"
	fwd_runs=$((fwd_runs + 1))
	"$how" "$secs" "$pmd" "${left[@]}" -- "${GUEST_FWD:?}" -l 0 -m 256 $(pci_eal_args) \
		--file-prefix="hvg$$_$fwd_runs" ${GUEST_EAL:-} -- "${right[@]}"
}
fwd() { fwd_run sim "$@"; }
fwd_bg() { fwd_run sim_bg "$@"; }

# ---- testpmd, driven by its prompt ------------------------------------------

# testpmd_argv SECS PMD HVSIM_ARGS... [-- TESTPMD_ARGS...]: $argv runs
# lib/testpmd.py around hvsim running Debian's dpdk-testpmd interactively
# (EAL_EXTRA: more EAL options, TESTPMD_MEM: MB of hugepages, the array
# tp_args: testpmd options of every session), with a control socket.
testpmd_argv() {
	local secs=$1 pmd=$2 left right
	shift 2
	split_args "$@"
	sim_argv "$pmd" --control="$sock" "${left[@]}" -- "$TESTPMD" -l 0-1 \
		-m "${TESTPMD_MEM:-256}" $(pci_eal_args) ${EAL_EXTRA:-} --file-prefix="hvtp$$" -- -i \
		"${tp_args[@]}" "${right[@]}"
	argv=("$debian_python" "$sim_lib/testpmd.py" --out "$work/out" --control "$sock"
		--dir "$work" --timeout "$secs" ${tp_done:+--done "$tp_done"} -- "${argv[@]}")
}

# testpmd SECS PMD HVSIM_ARGS... [-- TESTPMD_ARGS...] <<<COMMANDS: one
# testpmd session; each command is typed at its prompt (lib/testpmd.py
# says which lines wait for what), then quit
testpmd() {
	local argv=()
	testpmd_argv "$@"
	"${argv[@]}"
	echo $? >"$work/rc"
}

# tp_start SECS PMD ... : the same session in the background, commanded
# by tp while the script does other things; tp_quit ends it
tp_start() {
	local argv=() tp_done=$work/tp.done
	rm -f "$work/tp.in" "$tp_done"
	mkfifo "$work/tp.in" "$tp_done"
	testpmd_argv "$@"
	"${argv[@]}" <"$work/tp.in" &
	hv_pid=$!
	exec 3>"$work/tp.in" 4<"$work/tp.done"
}

# tp LINE...: lines for lib/testpmd.py, returning once testpmd has
# answered the last (false if the session ended or did not answer)
tp() {
	local done
	printf '%s\n' "$@" "?done" >&3 || return 1
	read -r -t 120 done <&4 && [ "$done" = done ]
}

tp_quit() {
	exec 3>&- 4<&-
	sim_wait
}

# ---- what hvsim and the guest reported -------------------------------------

# sj EXPR [FILE]: a value from hvsim's stats (d: the document)
sj() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "${2:-$work/stats.json}" 2>/dev/null; }

# nic [N] KEY...: NIC N's (default 0) counter KEY; with several keys
# "KEY=VALUE ..." in one line
nic() {
	local i=0
	[[ $1 =~ ^[0-9]+$ ]] && { i=$1; shift; }
	python3 - "$work/stats.json" "$i" "$@" <<'PY' 2>/dev/null
import json, sys
d = json.load(open(sys.argv[1]))["nics"][int(sys.argv[2])]
keys = sys.argv[3:]
print(d[keys[0]] if len(keys) == 1 else " ".join(f"{k}={d[k]}" for k in keys))
PY
}
# gen KEY [PORT], tap KEY [PORT]: the generator's and the tap's per-port counters
gen() { sj "d['vswitch']['gen']['ports'][${2:-0}]['$1']"; }
tap() { sj "d['vswitch']['tap']['ports'][${2:-0}]['$1']"; }
# offload KEY: NIC 0's offload setting KEY, lower case
offload() { sj "str(d['nics'][0]['offload']['$1']).lower()"; }

# pcap ARGS...: oracles/offload_pcap.py's verdict on $work/p.pcap, one line
pcap() { python3 "$oracles/offload_pcap.py" "$work/p.pcap" "$@" | tr '\n' ' ' | sed 's/ $//'; }

has() { grep -qF -- "$1" "$work/out"; }
lines() { grep -cF -- "$1" "$work/out"; }
rc_is() { [ "$(cat "$work/rc")" = "$1" ]; }
# clean exit, no protocol violation on any NIC
clean() { rc_is 0 && [ "$(sj "d['violations']")" = 0 ] && ! has "broke a rule"; }

# in_ns X COMMAND...: COMMAND in network namespace $ns$X (hvsim's taps)
in_ns() { local x=$1; shift; ip netns exec "$ns$x" "$@"; }

# in_guest PID COMMAND...: COMMAND beside hvsim's guest PID, as a user
# would start a second DPDK process in the same VM: the guest's mount
# namespace (its sysfs tree, /dev/uioN, plugin directory) and hvsim's
# shim environment (LD_PRELOAD, HVSIM_UIO_DIR)
in_guest() {
	local pid=$1 env
	shift
	mapfile -t env < <(tr '\0' '\n' <"/proc/$pid/environ" | grep -E '^(LD_PRELOAD|HVSIM_UIO_DIR)=')
	nsenter -m -t "$pid" env "${env[@]}" "$@"
}

# ctl COMMAND...: one command on hvsim's control socket; its answer line
ctl() { python3 "$sim_lib/hvsim_ctl.py" "$sock" "$*"; }

# wait_for REGEX [SECONDS]: until the output matches (false when hvsim
# ended first, or after SECONDS, default 30)
wait_for() {
	local regex=$1
	until_true "${2:-30}" eval 'grep -qE -- "$regex" "$work/out" || ! kill -0 "$hv_pid" 2>/dev/null'
	grep -qE -- "$regex" "$work/out"
}

# until_true SECONDS COMMAND...: poll COMMAND every 0.1 s, for SECONDS at most
until_true() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}
