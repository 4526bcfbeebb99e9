#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/fresh.sh BINDIR PLUGINDIR - a reproducer gives the same outcome
# after a thousand other inputs in one fuzzer process as in a fresh
# process.
#
# A fuzzer process reuses machines (ref-pages parks them) and arenas (the
# harness parks the ones it maps for plug-ins) from one input to the next.
# Whatever an input observes must still be what a fresh process would give
# it. The way to see it is a bug whose outcome depends on memory contents:
# an allocator that ignores __GFP_ZERO (ref/ built with REF_BUG=nozero:
# fuzz_pages_nozero and mmtorture_nozero; the example buddy built with
# SIMPLE_BUDDY_BUG=2: simple_buddy_nozero.so). Two programs:
#   clean  asks for zeroed pages on a machine nothing has touched: holds in
#          a fresh process, so it must hold after the dirty inputs too
#          (without the scrub on reuse their fill cookies are still there);
#   bug    allocates a page, frees it and asks for a zeroed one: the cookie
#          left behind is a SHADOW-ZERO at op 2, fresh or not.
# Each runs last after 1000 inputs (the committed corpus and programs that
# write cookies into the same pages, on the same machine and on another)
# in one standalone fuzz driver process, then alone in a fresh mmtorture
# process; exit code, op index and invariant id of the first violation
# must agree. Pairs: fuzz_pages on ref-pages, fuzz_diff on the plug-in
# against ref-pages.
set -uo pipefail

if [ $# -ne 2 ] || [ ! -d "$1" ] || [ ! -d "$2" ]; then
	echo "usage: tests/fresh.sh BINDIR PLUGINDIR" >&2
	exit 2
fi
bin=$1
plugins=$2
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}

head_of() { # MACHINE-SPEC: the first lines of a program
	printf '# mmtorture ops v2\nopset pages\nmachine profile=x86_64 era=6.12 page=4K orders=11 cpus=1 %s\ncheck_every 0\n' "$1"
}

{
	head_of ram=16M
	echo "alloc_pages s0 order=0 gfp=GFP_KERNEL"
	echo "alloc_pages s1 order=3 gfp=GFP_KERNEL"
	echo "alloc_pages s2 order=0 gfp=GFP_KERNEL"
} >"$work/dirty_same.txt"
{
	head_of ram=24M
	echo "alloc_pages s0 order=0 gfp=GFP_KERNEL"
	echo "alloc_pages s1 order=4 gfp=GFP_KERNEL"
} >"$work/dirty_other.txt"
{
	head_of ram=16M
	echo "get_zeroed_page s0 gfp=GFP_KERNEL"
	echo "alloc_pages s1 order=3 gfp=GFP_KERNEL|__GFP_ZERO"
	echo "get_zeroed_page s2 gfp=GFP_KERNEL"
} >"$work/clean.txt"
{
	head_of ram=16M
	echo "alloc_pages s0 order=0 gfp=GFP_KERNEL"
	echo "free_pages s0"
	echo "get_zeroed_page s1 gfp=GFP_KERNEL"
} >"$work/bug.txt"
for p in dirty_same dirty_other clean bug; do
	"$bin/mmtorture" compile "$work/$p.txt" -o "$work/$p.bin" ||
		{ echo "cannot compile $p.txt"; exit 2; }
done

# 1000 earlier inputs, in name order: the corpus programs that hold on
# their own with the bug (a zeroing program does not), then dirty ones.
mkdir -p "$work/before"
n=0
for f in "$src"/corpus/fuzz_pages/*.bin; do
	"$bin/mmtorture_nozero" replay --target fuzz_pages "$f" >/dev/null 2>&1 ||
		continue
	"$bin/mmtorture" diff --allocator "$plugins/simple_buddy_nozero.so" \
		--against ref-pages "$f" >/dev/null 2>&1 || continue
	cp "$f" "$work/before/$(printf '%04d' $n).bin"
	n=$((n + 1))
done
[ $n -gt 5 ] || { echo "fewer than 6 corpus programs hold"; exit 2; }
while [ $n -lt 1000 ]; do
	# alternating machines (ref-pages reboots with another config, a
	# parked arena serves a smaller machine), the same one at the end
	p=dirty_same
	[ $((n % 2)) -eq 1 ] && [ $n -lt 990 ] && p=dirty_other
	cp "$work/$p.bin" "$work/before/$(printf '%04d' $n).bin"
	n=$((n + 1))
done

# The first violation of a report as "OP ID": fuzz targets print
# "  op #2: SHADOW-ZERO [...]", mmtorture "violation 1: op 2: SHADOW-ZERO"
# (replay) or "finding 1: op 2: SHADOW-ZERO" (diff).
first_violation() {
	sed -n -E 's/^ *op #([0-9]+): ([A-Z][A-Z0-9-]*) .*/\1 \2/p;
		s/^ *(violation|finding) 1: op ([0-9]+): ([A-Z][A-Z0-9-]*) .*/\2 \3/p' "$1" |
		head -n 1
}

# check NAME PROGRAM WANT-EXIT FUZZ-CMD... -- FRESH-CMD...
check() {
	local name=$1 prog=$2 want=$3 fuzz=() fresh=() in_rc fr_rc in_v fr_v
	shift 3
	while [ "$1" != "--" ]; do fuzz+=("$1"); shift; done
	shift
	fresh=("$@")
	rm -rf "$work/run" && mkdir -p "$work/run/art"
	cp "$work/before/"*.bin "$work/run/"
	cp "$work/$prog.bin" "$work/run/9999.bin"
	"${fuzz[@]}" -artifact_prefix="$work/run/art/" "$work/run" \
		>"$work/in.out" 2>&1
	in_rc=$?
	"${fresh[@]}" "$work/$prog.bin" >"$work/fresh.out" 2>&1
	fr_rc=$?
	in_v=$(first_violation "$work/in.out")
	fr_v=$(first_violation "$work/fresh.out")
	if [ "$in_rc" -ne "$want" ] || [ "$fr_rc" -ne "$want" ]; then
		fail "$name: exit $in_rc after 1000 inputs, $fr_rc fresh; want $want"
		tail -n 20 "$work/in.out" "$work/fresh.out"
	elif [ "$in_v" != "$fr_v" ]; then
		fail "$name: first violation '$in_v' after 1000 inputs, '$fr_v' fresh"
		tail -n 20 "$work/in.out" "$work/fresh.out"
	elif [ "$want" -eq 1 ] && [ "$in_v" != "2 SHADOW-ZERO" ]; then
		fail "$name: first violation '$in_v', want '2 SHADOW-ZERO'"
		tail -n 20 "$work/in.out"
	else
		echo "ok: $name: exit $in_rc${in_v:+, op $in_v} in both"
	fi
}

nozero=$plugins/simple_buddy_nozero.so
for need in "$bin/fuzz_pages_nozero" "$bin/mmtorture_nozero" \
	"$bin/fuzz_diff" "$nozero"; do
	[ -e "$need" ] || { echo "missing $need"; exit 2; }
done

for prog in clean bug; do
	want=0
	[ $prog = bug ] && want=1
	check "fuzz_pages ref-pages $prog" $prog $want \
		env MMT_ALLOCATOR=ref-pages "$bin/fuzz_pages_nozero" -- \
		"$bin/mmtorture_nozero" replay --allocator ref-pages \
		--target fuzz_pages
	check "fuzz_diff $(basename "$nozero") $prog" $prog $want \
		env MMT_ALLOCATOR="$nozero" MMT_AGAINST=ref-pages \
		"$bin/fuzz_diff" -- \
		"$bin/mmtorture" diff --allocator "$nozero" --against ref-pages
done

if [ $failed -ne 0 ]; then
	echo "tests/fresh.sh: $failed check(s) failed"
	exit 1
fi
echo "tests/fresh.sh: all checks passed"
