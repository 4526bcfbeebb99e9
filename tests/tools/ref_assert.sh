#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/tools/ref_assert.sh - a ref assertion that fails under replay is a
# finding, not a crash (ref_set_assert_handler in ref/mm.h,
# mmt_crash_finding in mmtorture/crash.h). Registered in
# cmake/MmtBugVariants.cmake as
#     tests/tools/ref_assert.sh MMTORTURE MMTORTURE_BUG FUZZ_UPOOL_BUG SRCDIR
# MMTORTURE_BUG and FUZZ_UPOOL_BUG are built on ref/ with
# REF_BUG=upool-highmem: upool_create keeps __GFP_HIGHMEM, and the
# REF_ASSERT on the block's address fires in op 3 of
# tests/tools/ref_assert.txt. Without the handler that is an abort: exit
# 134, the crash note's op listing, no id. Checked:
#   - the program holds on the correct ref (exit 0);
#   - `replay --trace` on the bug build, stdout to a file and to a pipe:
#     exit 1; every trace line up to op 3 is there, then "!! REF-ASSERT
#     ... during op #3", then the FAIL block with "violation 1: op 3:
#     REF-ASSERT [ref] EXPR at ref/upool.c:LINE" and a reproduce line;
#     stderr keeps ref's own "ref: assertion failed" line;
#   - plain replay: the same FAIL block, exit 1;
#   - the fuzz_upool target on it (standalone driver, -runs=1): the bug
#     report names op #3 and REF-ASSERT, and the input is saved (the
#     abort reaches the driver's handler).
# Ends with "N passed, M failed"; exit 1 when M > 0, 2 on bad usage.
set -u

if [ $# -ne 4 ] || [ ! -x "$1" ] || [ ! -x "$2" ] || [ ! -x "$3" ] ||
	[ ! -d "$4" ]; then
	echo "usage: $0 MMTORTURE MMTORTURE_BUG FUZZ_UPOOL_BUG SRCDIR" >&2
	exit 2
fi
MMT=$1
BUG=$2
FUZZ=$3
PROG=$4/tests/tools/ref_assert.txt
T=$(mktemp -d "${TMPDIR:-/tmp}/mmt-ref-assert.XXXXXX") || exit 3
trap 'rm -rf "$T"' EXIT
unset MMT_ALLOCATOR MMT_AGAINST MMT_STRICT MMT_CRASH_NOTE
ulimit -c 0

EXPR='ref_page_address\(mm, page\) != NULL at ref/upool\.c:[0-9]+'
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() {
	failed=$((failed + 1))
	echo "FAIL: $*"
	echo "  command: $last_cmd"
	echo "  stdout:"
	tail -n 12 "$T/out" | sed 's/^/    /'
	echo "  stderr:"
	tail -n 12 "$T/err" | sed 's/^/    /'
}
status() { # WANT
	if [ "$rc" -eq "$1" ]; then ok; else bad "exit $rc, want $1"; fi
}
has_out() {
	if grep -Eq -- "$1" "$T/out"; then ok; else bad "stdout lacks /$1/"; fi
}
has_err() {
	if grep -Eq -- "$1" "$T/err"; then ok; else bad "stderr lacks /$1/"; fi
}
# The lines of stdout matching $1 come before the first matching $2.
before() {
	local a b
	a=$(grep -nE -- "$1" "$T/out" | tail -n 1 | cut -d: -f1)
	b=$(grep -nE -- "$2" "$T/out" | head -n 1 | cut -d: -f1)
	if [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]; then
		ok
	else
		bad "/$1/ is not before /$2/"
	fi
}

# the program holds on the correct ref
last_cmd="$MMT replay $PROG"
"$MMT" replay "$PROG" >"$T/out" 2>"$T/err"
rc=$?
status 0

# replay --trace on the bug build: the trace, the note, the finding
check_trace() {
	status 1
	for i in 0 1 2; do
		has_out "^ +$i  upool_"
	done
	has_out '^ +3  upool_create gfp=GFP_HIGHUSER'
	has_out "^!! REF-ASSERT in allocator 'ref-pages' during op #3: upool_create gfp=GFP_HIGHUSER"
	has_out 'ref_assert\.txt: FAIL: 1 violation, first at op 3$'
	has_out '^  op 3 \(line 14\): upool_create gfp=GFP_HIGHUSER'
	has_out "^  violation 1: op 3: REF-ASSERT \[ref\] $EXPR\$"
	has_out '^reproduce: .*replay --allocator ref-pages .*ref_assert\.txt'
	before '^ +2  upool_free s0' '^!! REF-ASSERT'
	before '^!! REF-ASSERT' 'violation 1: op 3: REF-ASSERT'
	if grep -Eq '^ +4  ' "$T/out"; then bad "op 4 ran"; else ok; fi
	has_err '^ref: assertion failed: ref_page_address\(mm, page\) != NULL at .*ref/upool\.c:[0-9]+$'
}
last_cmd="$BUG replay --trace $PROG >FILE"
{ "$BUG" replay --trace "$PROG"; } >"$T/out" 2>"$T/err"
rc=$?
check_trace
last_cmd="$BUG replay --trace $PROG | cat"
{ "$BUG" replay --trace "$PROG" 2>"$T/err"; } | cat >"$T/out"
rc=${PIPESTATUS[0]}
check_trace

# plain replay: the same block, no trace
last_cmd="$BUG replay $PROG"
{ "$BUG" replay "$PROG"; } >"$T/out" 2>"$T/err"
rc=$?
status 1
has_out "^  violation 1: op 3: REF-ASSERT \[ref\] $EXPR\$"

# the fuzz target: a bug report, then the abort saves the input
"$MMT" compile "$PROG" -o "$T/prog.bin" || { echo "cannot compile"; exit 2; }
mkdir -p "$T/art"
last_cmd="$FUZZ -runs=1 -artifact_prefix=$T/art/ prog.bin"
{ "$FUZZ" -runs=1 -artifact_prefix="$T/art/" "$T/prog.bin"; } \
	>"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then ok; else bad "exit $rc: no abort"; fi
has_err '^#3 +upool_create gfp=GFP_HIGHUSER'
has_err "^  op #3: REF-ASSERT \[ref\] $EXPR\$"
saved=$(find "$T/art" -name 'crash-*' | head -n 1)
if [ -n "$saved" ] && cmp -s "$saved" "$T/prog.bin"; then
	ok
else
	bad "the input was not saved"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
