#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/tools/ref_fault.sh BINDIR SRCDIR - the shadow follows ref's fault
# injection with its own model (docs/fault-injection.md): two refs of
# ours that break a rule of should_fail_alloc_page (cmake/MmtBugVariants.cmake)
#   faultminorder  REF_BUG=9: requests below fail_min_order are failed
#   faultnofail    REF_BUG=10: __GFP_NOFAIL requests are failed
# are caught, and the correct ref is clean. Each SRCDIR/tests/faults/*.txt
# replays clean on the correct ref and, for each "# bug: NAME ID" line,
# exits 1 on mmtorture_NAME with ID as its first violation. Also --fail on
# replay and stress: the same setting as the machine line gives the same
# run; a bad key or value is exit 2 naming it. Ends with "N passed, M
# failed".
set -u

if [ $# -ne 2 ] || [ ! -d "$1" ] || [ ! -d "$2" ]; then
	echo "usage: $0 BINDIR SRCDIR" >&2
	exit 2
fi
BIN=$1
SRC=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/mmt-ref-fault.XXXXXX") || exit 3
trap 'rm -rf "$T"' EXIT
unset MMT_ALLOCATOR MMT_AGAINST MMT_STRICT
passed=0
failed=0

# shellcheck source=../check.sh
. "$(dirname "$0")/../check.sh"

n=0
for prog in "$SRC"/tests/faults/*.txt; do
	n=$((n + 1))
	base=$(basename "$prog" .txt)
	check "$base replays clean on ref" 0 "" "$BIN/mmtorture" replay "$prog"
	check "$base round-trips through binary" 0 "" \
		"$BIN/mmtorture" compile "$prog" -o "$T/$base.bin"
	check "$base.bin replays clean on ref" 0 "" \
		"$BIN/mmtorture" replay "$T/$base.bin"
	while read -r _ _ bug id; do
		check "$base is $id on $bug" 1 "violation 1: op [0-9]+: $id " \
			"$BIN/mmtorture_$bug" replay "$prog"
	done < <(grep '^# bug: ' "$prog")
done
[ "$n" -gt 0 ] || { echo "FAIL: no program under tests/faults"; failed=$((failed + 1)); }

# --fail: the knobs on top of a program's machine, as its machine line
printf 'opset pages\nmachine ram=8M\nalloc_page s0\nalloc_page s1\nalloc_page s2\n' >"$T/plain.txt"
check "--fail nth=2 fails the second call" 0 "2 allocs \(1 failed\)" \
	"$BIN/mmtorture" replay --fail nth=2 "$T/plain.txt"
check "--fail on the buggy ref: the same program is caught" 1 \
	"violation 1: op 1: ORACLE-FAULT " "$BIN/mmtorture_faultnofail" \
	replay --fail probability=100,times=1 "$SRC/tests/faults/nofail.txt"
check "--fail bad value names the key" 2 "fail_probability" \
	"$BIN/mmtorture" replay --fail probability=101 "$T/plain.txt"
check "--fail unknown key names it" 2 "unknown fail key 'colour'" \
	"$BIN/mmtorture" replay --fail colour=red "$T/plain.txt"
check "--fail times=0 is refused" 2 "fail_times" \
	"$BIN/mmtorture" replay --fail times=0 "$T/plain.txt"
check "stress --fail runs clean on ref-pages" 0 "" \
	"$BIN/mmtorture" stress --allocator ref-pages --threads 2 \
	--seconds 1 --fail probability=10,times=-1
check "stress --fail bad value names the key" 2 "fail_nth" \
	"$BIN/mmtorture" stress --allocator ref-pages --seconds 1 \
	--fail nth=-3

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
