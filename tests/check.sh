# SPDX-License-Identifier: MIT
# tests/check.sh - the check helper the shell tests share (sourced):
#   check NAME WANT REGEX COMMAND...
# runs COMMAND with its output in $T/out and counts it in passed or
# failed: it must exit WANT and, when REGEX is not empty, print a line
# matching it (grep -E). A failure prints the first 20 lines it wrote.
# The caller sets T (a temporary directory), passed=0 and failed=0.

check() { # name, expected exit, regex or "", command...
	local name=$1 want=$2 re=$3 rc
	shift 3
	"$@" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: $name: exit $rc, want $want"
		sed 's/^/    /' "$T/out" | head -20
		failed=$((failed + 1))
	elif [ -n "$re" ] && ! grep -Eq -- "$re" "$T/out"; then
		echo "FAIL: $name: output does not match /$re/"
		sed 's/^/    /' "$T/out" | head -20
		failed=$((failed + 1))
	else
		echo "ok: $name"
		passed=$((passed + 1))
	fi
}
