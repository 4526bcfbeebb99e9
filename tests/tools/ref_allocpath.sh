#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/tools/ref_allocpath.sh BINDIR SRCDIR - the shadow predicts the
# allocation path of the kernel (docs/watermarks.md) on its own, from the
# machine line: refs of ours that break it (cmake/MmtBugVariants.cmake)
#   wmark        REF_BUG=7: no watermark check (a zone serves below min)
#   wmarkstrict  REF_BUG=8: no allowance in the slow path (__GFP_HIGH and
#                atomic requests are refused at min)
#   pcpnodrain   REF_BUG=11: a request fails without draining the per-CPU
#                lists first, so pages free on a list are lost to it
#   reclaimmask  REF_BUG=12: reclaim scans shrinkers the mask forbids
#                (GFP_NOFS a cache that needs __GFP_FS), which ref's own
#                check reports (CTX-RECLAIM)
# are caught, and the correct ref is clean. Each SRCDIR/tests/allocpath/
# *.txt replays clean on the correct ref and, for each "# bug: NAME ID"
# line, exits 1 on mmtorture_NAME with ID as its first violation. The
# same programs are committed to corpus/fuzz_pages as wmark_*.bin (their
# binary form, `mmtorture compile`): they must be byte for byte what the
# text compiles to, and fuzz_pages_NAME finds the bug in the committed
# corpus; the reclaim stress scenario finds reclaimmask on its own
# (STRESS-RECLAIM). Ends with "N passed, M failed".
set -u

if [ $# -ne 2 ] || [ ! -d "$1" ] || [ ! -d "$2" ]; then
	echo "usage: $0 BINDIR SRCDIR" >&2
	exit 2
fi
BIN=$1
SRC=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/mmt-ref-allocpath.XXXXXX") || exit 3
trap 'rm -rf "$T"' EXIT
unset MMT_ALLOCATOR MMT_AGAINST MMT_STRICT
passed=0
failed=0

# shellcheck source=../check.sh
. "$(dirname "$0")/../check.sh"

n=0
for prog in "$SRC"/tests/allocpath/*.txt; do
	n=$((n + 1))
	base=$(basename "$prog" .txt)
	check "$base replays clean on ref" 0 "" "$BIN/mmtorture" replay "$prog"
	check "$base compiles to the committed wmark_$base.bin" 0 "" \
		"$BIN/mmtorture" compile "$prog" -o "$T/$base.bin"
	if ! cmp -s "$T/$base.bin" "$SRC/corpus/fuzz_pages/wmark_$base.bin"; then
		echo "FAIL: corpus/fuzz_pages/wmark_$base.bin is not $base.txt compiled"
		failed=$((failed + 1))
	fi
	while read -r _ _ bug id; do
		check "$base is $id on $bug" 1 "violation 1: op [0-9]+: $id " \
			"$BIN/mmtorture_$bug" replay "$prog"
	done < <(grep '^# bug: ' "$prog")
done
[ "$n" -gt 0 ] || { echo "FAIL: no program under tests/allocpath"; failed=$((failed + 1)); }

for bug in wmark wmarkstrict pcpnodrain; do
	check "fuzz_pages_$bug finds it in the committed corpus" 1 \
		'ORACLE-(WATERMARK|MUST-SUCCEED)' "$BIN/fuzz_pages_$bug" \
		"$SRC/corpus/fuzz_pages"
done
check "fuzz_pages_reclaimmask finds it in the committed corpus" 1 \
	'CTX-RECLAIM' "$BIN/fuzz_pages_reclaimmask" "$SRC/corpus/fuzz_pages"
check "the reclaim stress scenario finds reclaimmask (STRESS-RECLAIM)" 1 \
	': STRESS-RECLAIM: shrinker cache ' "$BIN/mmtorture_reclaimmask" \
	stress --allocator ref-pages --scenario reclaim --threads 2 \
	--seconds 3 --seed 1

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
