#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/invariants.sh MMTORTURE SRCDIR - the registry of the harness's
# invariant ids (harness/invariants.c, `mmtorture list --invariants`) is
# complete and each of its ids is documented and tested.
#
# An id is a quoted literal of a harness prefix (SHADOW-, ORACLE-, OBJ-,
# POOL-, DIFF-, STRESS-, TRACE-, ADAPTER-, CTX-) in a source of harness/,
# stress/, tools/, fuzz/ or adapters/. Fails when an id reported there is not in
# the registry, a registry row is reported nowhere, or a row's id appears
# in no file of docs/ or of tests/ (its negative test). Prints every
# problem, then "N ids: ok" or exits 1.
set -uo pipefail

if [ $# -ne 2 ] || [ ! -x "$1" ] || [ ! -d "$2" ]; then
	echo "usage: tests/invariants.sh MMTORTURE SRCDIR" >&2
	exit 2
fi
mmt=$1
src=$2
pat='"(SHADOW|ORACLE|OBJ|POOL|DIFF|STRESS|TRACE|ADAPTER|NOFAIL|GFP|CTX)-[A-Z0-9-]+"'
bad=0

registry=$("$mmt" list --invariants | awk '{print $1}' | sort -u)
[ -n "$registry" ] || { echo "list --invariants printed nothing"; exit 1; }
reported=$(grep -rhoE "$pat" "$src"/harness "$src"/stress "$src"/tools \
	"$src"/fuzz "$src"/adapters --include='*.c' --include='*.h' |
	tr -d '"' | sort -u)
for id in $reported; do
	grep -qx -- "$id" <<<"$registry" ||
		{ echo "reported but not in the registry: $id"; bad=1; }
done
for id in $registry; do
	grep -rqE --include='*.c' --exclude=invariants.c -- "\"$id\"" \
		"$src"/harness "$src"/stress "$src"/tools "$src"/fuzz \
		"$src"/adapters ||
		{ echo "in the registry but reported nowhere: $id"; bad=1; }
	grep -rq -- "$id" "$src"/docs ||
		{ echo "not documented in docs/: $id"; bad=1; }
	grep -rq --exclude=invariants.sh -- "$id" "$src"/tests ||
		{ echo "no test expects it: $id"; bad=1; }
done
[ "$bad" -eq 0 ] || exit 1
echo "$(wc -w <<<"$registry") ids: ok"
