#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# meson test fuzz_replay: every fuzz target replays its corpus and
# regressions and fuzzes 2 seconds, in a clang build next to this one
# (BUILD-fuzz, built on first use, with this build's DPDK headers). TAP,
# one line per target; skipped when clang or its fuzzer runtime is missing.
root=$1
build=$2
sdk=$(meson introspect --buildoptions "$build" 2>/dev/null | python3 -c '
import json, sys
for o in json.load(sys.stdin):
    if o["name"] == "dpdk_sdk_include":
        print(o["value"])' 2>/dev/null)
[ -n "$sdk" ] && export HVNET_SDK_INCLUDE="$sdk"
HVNET_FUZZ_BUILD=${HVNET_FUZZ_BUILD:-$build-fuzz} exec "$root/tools/fuzz" --tap \
	--seconds "${HVNET_FUZZ_TEST_SECONDS:-2}"
