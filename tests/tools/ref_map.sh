#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/tools/ref_map.sh BINDIR SRCDIR - the shadow holds ref-pages to the
# map the machine line gives, derived on its own (mmt_arena_from_machine,
# SHADOW-MAP in the executor, STRESS-MAP in stress), not to the map ref
# reports. Two refs of ours that agree with themselves (built by
# cmake/MmtBugVariants.cmake):
#   memlimit      REF_BUG=5: mem= keeps the page at the limit
#   reserveshort  REF_BUG=6: the last page of each reserved range reaches
#                 the buddy
# For each: the committed program replays clean on the correct ref and
# is SHADOW-MAP on the bug build; its fuzz_pages target finds it from the
# committed corpus; stress on the bug build is STRESS-MAP within 30 s and
# clean on the correct build. Ends with "N passed, M failed".
set -u

if [ $# -ne 2 ] || [ ! -d "$1" ] || [ ! -d "$2" ]; then
	echo "usage: $0 BINDIR SRCDIR" >&2
	exit 2
fi
BIN=$1
SRC=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/mmt-ref-map.XXXXXX") || exit 3
trap 'rm -rf "$T"' EXIT
unset MMT_ALLOCATOR MMT_AGAINST MMT_STRICT
passed=0
failed=0

# shellcheck source=../check.sh
. "$(dirname "$0")/../check.sh"

corpus=$SRC/corpus/fuzz_pages
# bug, committed program, stress machine
while read -r bug prog machine; do
	check "$bug: $prog replays clean on ref" 0 "" \
		"$BIN/mmtorture" replay "$corpus/$prog"
	check "$bug: $prog is SHADOW-MAP on the bug" 1 \
		'violation 1: at boot: SHADOW-MAP \[shadow\] the allocator' \
		"$BIN/mmtorture_$bug" replay "$corpus/$prog"
	check "$bug: fuzz_pages finds it in the committed corpus" 1 \
		'SHADOW-MAP' "$BIN/fuzz_pages_$bug" "$corpus"
	start=$(date +%s)
	check "$bug: stress is STRESS-MAP" 1 'STRESS-MAP' \
		"$BIN/mmtorture_$bug" stress --allocator ref-pages --threads 2 \
		--seconds 30 --machine "$machine"
	took=$(($(date +%s) - start))
	if [ "$took" -gt 30 ]; then
		echo "FAIL: $bug: stress took ${took}s"
		failed=$((failed + 1))
	fi
	check "$bug: stress is clean on the correct ref" 0 "" \
		"$BIN/mmtorture" stress --allocator ref-pages --threads 2 \
		--seconds 2 --machine "$machine"
done <<'EOF'
memlimit knob_mem_zone_line.bin bank=20M@0 mem=16392K
reserveshort knob_reserve_edges.bin bank=20M@0 reserve=4K@16380K reserve=4K@16M
EOF

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
