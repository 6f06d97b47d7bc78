#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# meson install puts the bus and the PMD into the plugin directory of the
# DPDK the build used (its EAL's RTE_EAL_PMD_PATH), named with that DPDK's
# ABI, and nothing anywhere else. Installs into a scratch --destdir.
# Speaks TAP. Environment (tests/install/meson.build): BUILD_DIR, PMD_DIR, ABI.
set -uo pipefail
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

dest=$(mktemp -d /tmp/hvnet-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT
major=${ABI%%.*}

meson install -C "$BUILD_DIR" --no-rebuild --destdir "$dest" >"$dest.log" 2>&1
rc=$?
check "meson install --destdir succeeds" '[ $rc = 0 ]' || sed 's/^/# /' "$dest.log"
rm -f "$dest.log"
for lib in librte_bus_vmbus librte_net_netvsc; do
	check "$lib.so.$ABI is a file in the EAL's plugin directory $PMD_DIR" \
		'[ -f "$dest$PMD_DIR/$lib.so.$ABI" ] && [ ! -L "$dest$PMD_DIR/$lib.so.$ABI" ]'
	check "$lib.so.$major links to $lib.so.$ABI, $lib.so to $lib.so.$major" \
		'[ "$(readlink "$dest$PMD_DIR/$lib.so.$major")" = "$lib.so.$ABI" ] &&
		 [ "$(readlink "$dest$PMD_DIR/$lib.so")" = "$lib.so.$major" ]'
done
check "the PMD's soname carries the ABI major" \
	'readelf -d "$dest$PMD_DIR/librte_net_netvsc.so.$ABI" | grep -q "SONAME.*\[librte_net_netvsc.so.$major\]"'
check "no plugin goes anywhere else (6 librte_* entries, all in $PMD_DIR)" \
	'[ "$(find "$dest" -name "librte_*" ! -type d | wc -l)" = 6 ] &&
	 [ "$(find "$dest" -name "librte_*" ! -type d ! -path "$dest$PMD_DIR/*" | wc -l)" = 0 ]'
echo "1..$n"
[ $fails = 0 ]
