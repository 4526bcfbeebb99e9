#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/oracle.sh MMTORTURE PLUGINDIR SRCDIR - each class of bug the
# oracle once missed (docs/checkers.md, "Blind spots closed") is caught by
# the rule that closes it, and correct allocators stay clean.
#
# Programs: every SRCDIR/tests/oracle/*.txt says in its comments
#   # bug: PLUGIN ID      replay on PLUGINDIR/PLUGIN exits 1 and the first
#                         violation is ID
#   # control: SPEC       replay on SPEC (a built-in name or a PLUGINDIR
#                         file) exits 0
# Stress: the table below runs each buggy plug-in until it is caught (at
# most the given seconds) and each control for 3 s, on the machine the
# rest of its row gives (the default machine when there is none).
set -uo pipefail

if [ $# -ne 3 ] || [ ! -x "$1" ] || [ ! -d "$2" ] || [ ! -d "$3" ]; then
	echo "usage: tests/oracle.sh MMTORTURE PLUGINDIR SRCDIR" >&2
	exit 2
fi
mmt=$1
plugins=$2
src=$3
failed=0
passed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

spec() {
	case $1 in
	*.so) echo "$plugins/$1" ;;
	*) echo "$1" ;;
	esac
}

check() { # name, expected exit, id or "", command...
	local name=$1 want=$2 id=$3 rc
	shift 3
	"$@" >"$out" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: $name: exit $rc, want $want"
		sed 's/^/    /' "$out" | head -20
		failed=$((failed + 1))
		return
	fi
	if [ -n "$id" ] && ! grep -Eq "(violation 1: .*|self-check .*|: )($id)[: ]" "$out"; then
		echo "FAIL: $name: the first finding is not $id"
		sed 's/^/    /' "$out" | head -20
		failed=$((failed + 1))
		return
	fi
	echo "ok: $name"
	passed=$((passed + 1))
}

n=0
for prog in "$src"/tests/oracle/*.txt; do
	n=$((n + 1))
	base=$(basename "$prog")
	while read -r _ _ plugin id; do
		check "$base on $plugin" 1 "$id" "$mmt" replay --allocator "$(spec "$plugin")" "$prog"
		if ! grep -q "violation 1: [^:]*: $id " "$out"; then
			echo "FAIL: $base on $plugin: violation 1 is not $id"
			failed=$((failed + 1))
		fi
	done < <(grep '^# bug: ' "$prog")
	while read -r _ _ ctl; do
		check "$base on $ctl" 0 "" "$mmt" replay --allocator "$(spec "$ctl")" "$prog"
	done < <(grep '^# control: ' "$prog")
done
[ "$n" -gt 0 ] || { echo "FAIL: no program under $src/tests/oracle"; failed=$((failed + 1)); }

machine_args() { # the machine spec of a row, or nothing
	[ -z "$1" ] || printf '%s\n' --machine "$1"
}

# plug-in  scenario  id  seconds (the bug must be found within them)  [machine]
while read -r plugin scenario id secs machine; do
	mapfile -t m < <(machine_args "$machine")
	check "stress $scenario on $plugin${machine:+ ($machine)}" 1 "$id" "$mmt" stress \
		--allocator "$(spec "$plugin")" --scenario "$scenario" --threads 2 \
		--seconds "$secs" "${m[@]}"
done <<'TABLE'
simple_buddy_lossy.so pages-mix STRESS-PROBE 30
simple_buddy_nofallback.so pages-mix STRESS-PROBE 30
simple_buddy_nofallback.so pages-mix STRESS-PROBE 30 profile=x86_32 bank=64M@0 bank=64M@1G
simple_buddy_hizero.so pages-mix STRESS-ZERO 30 profile=x86_32 bank=64M@0 bank=64M@1G
simple_buddy_zonemerge.so pages-mix STRESS-[A-Z-]+ 30 bank=32M@0 orders=14
class_objects_wide.so kmalloc-mix STRESS-(FILL|COOKIE) 30
class_objects_overflow.so kmalloc-mix STRESS-IMPOSSIBLE 30
class_objects_wrap.so kmalloc-mix STRESS-IMPOSSIBLE 30
TABLE
while read -r ctl scenario machine; do
	mapfile -t m < <(machine_args "$machine")
	check "stress $scenario on $ctl${machine:+ ($machine)} (control)" 0 "" "$mmt" stress \
		--allocator "$(spec "$ctl")" --scenario "$scenario" --threads 2 --seconds 3 "${m[@]}"
done <<'TABLE'
ref-pages pages-mix
ref-pages pages-mix profile=x86_32 bank=64M@0 bank=64M@1G
simple_buddy.so pages-mix
simple_buddy.so pages-mix profile=x86_32 bank=64M@0 bank=64M@1G
simple_buddy.so pages-mix bank=32M@0 orders=14
ref-pages pages-mix bank=32M@0 orders=14
class_objects.so kmalloc-mix
glibc kmalloc-mix
TABLE

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
