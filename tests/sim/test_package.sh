#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The .deb (./hvnet package, tools/package-deb) installed for real: it
# diverts DPDK's bundled vmbus bus and netvsc PMD, plain dpdk-testpmd on
# hvsim with no plugin overlay (--netvsc=installed: the EAL loads what the
# plugin directory holds) then runs our PMD, and removing the package puts
# the bundled plugins back byte for byte, with no diversion left: the
# machine as the test found it (also when the test fails half-way).
# Speaks TAP. Needs root, dpkg and hugepages (./hvnet setup).
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
: "${HVNET_BUILD_ROOT:?}"
LOG_NOISE='^EAL: '
LOG_LINES=30
PKG=dpdk-hvnet
tools=$(cd "$(dirname "$0")/../../tools" && pwd)

installed() { dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'install ok installed'; }
diversions() { dpkg-divert --list "*" | grep -c "by $PKG\$"; }

sim_begin hvnet-package
# Only Debian's own DPDK has packaged plugins to divert (not one built by
# ./hvnet --dpdk=VERSION, whose plugin directory is in the cache)
if ! PKG_CONFIG_PATH= pkg-config --exists libdpdk ||
	[ "$(PKG_CONFIG_PATH= pkg-config --modversion libdpdk)" != "${DPDK_VERSION:-}" ]; then
	echo "1..0 # SKIP the build's DPDK ${DPDK_VERSION:-?} is not Debian's packaged one: nothing to divert"
	exit 0
fi
if installed || [ "$(diversions)" != 0 ]; then
	echo "1..0 # SKIP $PKG is installed on this machine: the test would change it"
	exit 0
fi
# Whatever happens, the package does not outlive the test
sim_cleanup() { installed && dpkg -r "$PKG" >/dev/null 2>&1; }

deb=$("$tools/package-deb" "$HVNET_BUILD_ROOT" "$work/deb" 2>"$work/package.err")
check "tools/package-deb builds the package" '[ -f "$deb" ] || { cat "$work/package.err" >"$work/why"; false; }'
pmd_dir=$(dpkg-deb -c "$deb" | grep -o '/usr/lib/.*/pmds-[0-9.]*/' | head -n1)
pmd_dir=${pmd_dir%/}
abi=${pmd_dir##*/pmds-}
plugins=(librte_bus_vmbus.so.$abi librte_net_netvsc.so.$abi)
dpkg-deb -x "$deb" "$work/content"

# sums DIR [SUFFIX]: the two plugins' sha256 in DIR, one line
sums() { (cd "$1" && sha256sum "${plugins[0]}${2:-}" "${plugins[1]}${2:-}" | awk '{printf "%s ", $1}'); }
bundled=$(sums "$pmd_dir")
ours=$(sums "$work/content$pmd_dir")
check "the package holds our two plugins for ABI $abi, different from the bundled ones" \
	'[ -n "$abi" ] && [ -n "$ours" ] && [ "$ours" != "$bundled" ]'
check "it depends on the bundled plugins' packages of this ABI" \
	'dpkg-deb -f "$deb" Depends | grep -q "librte-net-netvsc${abi%%.*} (>= "'

echo "# \$ dpkg -i $(basename "$deb")"
dpkg -i "$deb" >"$work/install.log" 2>&1
sed 's/^/#   /' "$work/install.log"
echo "# \$ dpkg-divert --list '*' | grep $PKG"
dpkg-divert --list "*" | grep "by $PKG\$" | sed 's/^/#   /'
check "dpkg -i installs it, diverting both bundled plugins" \
	'installed && [ "$(diversions)" = 2 ]'
check "the plugin directory holds ours; the bundled ones are kept, renamed" \
	'[ "$(sums "$pmd_dir")" = "$ours" ] && [ "$(sums "$pmd_dir" .bundled)" = "$bundled" ]'

# Plain testpmd, no overlay: our PMD answers (its xstats have the control
# path's counters, which the bundled driver has not) and forwards all
testpmd 120 installed --strict --traffic=gen:rate=10000,count=5000,delay=500 \
	-- --forward-mode=io <<'EOF'
start
?wait gen('sent') == 5000 and gen('received') == 5000
stop
show port xstats 0
EOF
check "plain dpdk-testpmd loads our PMD from the plugin directory, and forwards 5000 of 5000" \
	'clean && has "ctl_timeouts: 0" && [ "$(gen received)" = 5000 ]'

echo "# \$ dpkg -r $PKG"
dpkg -r "$PKG" >"$work/remove.log" 2>&1
sed 's/^/#   /' "$work/remove.log"
check "dpkg -r removes it and every diversion" '! installed && [ "$(diversions)" = 0 ]'
check "the bundled plugins are back byte for byte, and dpkg --verify finds their packages intact" \
	'[ "$(sums "$pmd_dir")" = "$bundled" ] && ! ls "$pmd_dir"/*.bundled >/dev/null 2>&1 && [ -z "$(dpkg --verify "librte-bus-vmbus${abi%%.*}" "librte-net-netvsc${abi%%.*}")" ]'

# The bundled driver of DPDK 22.11 leaves its queue states "stopped", and
# testpmd does not forward on such queues: the port and its xstats suffice
testpmd 120 installed --strict --traffic=none <<'EOF'
show port xstats 0
EOF
check "afterwards the same testpmd loads the bundled PMD again (its xstats, not ours)" \
	'clean && has "rx_good_packets" && ! has "ctl_timeouts"'
sim_end
