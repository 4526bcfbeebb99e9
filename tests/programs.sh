#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/programs.sh MMTORTURE SRCDIR - every committed binary program is
# the program its text beside it says.
#
# For each NAME.bin under SRCDIR/corpus/ and SRCDIR/crashes/ with a
# NAME.txt beside it, `MMTORTURE trace` of both (each printed in the
# canonical text form: op set, machine, check_every, every op) must be the
# same, so a change of the binary format that recompiles the committed
# programs keeps them the same op sequences, and a program names its own
# op set (byte 0) without being told. A NAME.bin without a text is counted
# apart; at least one pair must be found.
set -uo pipefail

if [ $# -ne 2 ] || [ ! -x "$1" ] || [ ! -d "$2" ]; then
	echo "usage: tests/programs.sh MMTORTURE SRCDIR" >&2
	exit 2
fi
mmt=$1
src=$2
same=0
differ=0
alone=0
while IFS= read -r -d '' bin; do
	txt=${bin%.bin}.txt
	if [ ! -f "$txt" ]; then
		alone=$((alone + 1))
		continue
	fi
	a=$("$mmt" trace "$bin" 2>&1)
	ra=$?
	b=$("$mmt" trace "$txt" 2>&1)
	rb=$?
	if [ $ra -eq 0 ] && [ $rb -eq 0 ] && [ "$a" = "$b" ]; then
		same=$((same + 1))
	else
		differ=$((differ + 1))
		echo "DIFFER: $bin (exit $ra) against $txt (exit $rb)"
		diff <(echo "$a") <(echo "$b") | head -20
	fi
done < <(find "$src/corpus" "$src/crashes" -path "$src/crashes/new" -prune \
	-o -name '*.bin' -type f -print0 | sort -z)
echo "$same same, $differ differ, $alone without a text"
[ "$same" -gt 0 ] || { echo "no NAME.bin with a NAME.txt found"; exit 1; }
[ "$differ" -eq 0 ]
