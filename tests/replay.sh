#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/replay.sh MMTORTURE SRCDIR - replay every committed input.
#
# Every file under SRCDIR/corpus/ and SRCDIR/crashes/ (crashes/new/ is
# excluded: it holds fresh, untriaged finds) is run with
# `MMTORTURE replay FILE` and must exit 0. Corpus seeds are ordinary
# programs; crashes/ holds reproducers of bugs since fixed or of injected
# bugs (REF_BUG builds), which must pass on a normal build. .txt files are
# text traces, anything else is binary (the replay command infers the fuzz
# target from the fuzz_<x> directory). Markdown notes are skipped.
# fuzz_diff inputs are differential programs (objects ones need an OBJECTS
# allocator on both sides): the replay/fuzz_diff and replay/diff-* ctests
# run them through `mmtorture diff`, so they are left out here.
#
# Prints each failure with its command and output, ends with
# "N passed, M failed", exits 1 on any failure, 2 on bad usage.
set -uo pipefail

if [ $# -ne 2 ] || [ ! -x "$1" ] || [ ! -d "$2" ]; then
	echo "usage: tests/replay.sh MMTORTURE SRCDIR" >&2
	exit 2
fi
mmt=$1
src=$2

passed=0
failed=0
while IFS= read -r -d '' f; do
	out=$("$mmt" replay "$f" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL (exit $rc): $mmt replay $f"
		printf '%s\n' "$out" | sed 's/^/    /' | head -n 60
	fi
done < <(find "$src/corpus" "$src/crashes" \( -path "$src/crashes/new" -o \
	-path "$src/corpus/fuzz_diff" -o -path "$src/crashes/fuzz_diff" \) -prune \
	-o -type f ! -name '*.md' ! -name '.*' -print0 2>/dev/null | sort -z)

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
[ "$passed" -gt 0 ] || { echo "no inputs found under $src/corpus and $src/crashes"; exit 1; }
exit 0
