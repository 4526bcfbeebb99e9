#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/tools/example.sh - the example plug-in builds out of tree as
# adapters/examples/README.md says (its own CMakeLists.txt, which includes
# cmake/MmtAddPlugin.cmake), loads, and holds against ref-pages; its broken
# copy is caught. Registered in cmake/MmtTests.cmake as
#     tests/tools/example.sh MMTORTURE SOURCE_DIR C_COMPILER
# Ends with "N passed, M failed"; exit 1 when M > 0, 2 on bad usage.
set -u

if [ $# -ne 3 ]; then
	echo "usage: $0 MMTORTURE SOURCE_DIR C_COMPILER" >&2
	exit 2
fi
MMT=$1
SRC=$2
CC_=$3
T=$(mktemp -d "${TMPDIR:-/tmp}/mmt-example.XXXXXX") || exit 3
trap 'rm -rf "$T"' EXIT
unset MMT_ALLOCATOR MMT_AGAINST MMT_STRICT
pass=0
fail=0

ok() {
	pass=$((pass + 1))
	echo "ok: $1"
}
bad() {
	fail=$((fail + 1))
	echo "FAIL: $1"
	[ -f "$T/out" ] && sed 's/^/    /' "$T/out"
}

# Configure and build as the README's section 2 does, in a copy of the
# example outside the tree (MMTORTURE_DIR pointing back), as a user would.
cp -r "$SRC/adapters/examples/simple_buddy" "$T/my_buddy"
if cmake -S "$T/my_buddy" -B "$T/b" -DMMTORTURE_DIR="$SRC" \
	-DCMAKE_C_COMPILER="$CC_" >"$T/out" 2>&1 &&
	cmake --build "$T/b" >>"$T/out" 2>&1; then
	ok "the copied example configures and builds with $CC_"
else
	bad "the copied example does not build"
	echo "$pass passed, $fail failed"
	exit 1
fi

for so in simple_buddy simple_buddy_buggy; do
	if "$MMT" list "$T/b/$so.so" >"$T/out" 2>&1 &&
		grep -q '^adapter: *simple-buddy' "$T/out"; then
		ok "$so.so loads (mmtorture list)"
	else
		bad "$so.so does not load"
	fi
done

# The good copy agrees with ref-pages on every committed page seed; the
# broken one (a merged order-2 buddy left on its free list) is caught.
seeds=("$SRC"/corpus/fuzz_diff/pages_*.bin)
"$MMT" diff --allocator "$T/b/simple_buddy.so" --against ref-pages \
	"${seeds[@]}" >"$T/out" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	ok "simple_buddy.so agrees with ref-pages on ${#seeds[@]} seeds"
else
	bad "simple_buddy.so diff exit $rc (want 0)"
fi
"$MMT" replay --allocator "$T/b/simple_buddy_buggy.so" \
	"$SRC"/corpus/fuzz_pages/*.bin >"$T/out" 2>&1
rc=$?
if [ $rc -eq 1 ]; then
	ok "simple_buddy_buggy.so is caught (replay exit 1)"
else
	bad "simple_buddy_buggy.so replay exit $rc (want 1)"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
