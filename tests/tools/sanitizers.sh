#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/tools/sanitizers.sh - the sanitizer defaults compiled into our
# executables (harness/sanitizer_options.c). Registered in
# cmake/MmtTests.cmake as
#     tests/tools/sanitizers.sh SANITIZE MMTORTURE FUZZ_TARGET...
# SANITIZE is the build's MMT_SANITIZE (address, thread or none).
#
# Every executable, with no *SAN_OPTIONS in the environment:
#   - a report of each sanitizer the build has (MMT_SANITIZER_SELFTEST
#     commits the bug) ends the process with exit 1, the suite's "a bug
#     was found" (ThreadSanitizer's own default is 66);
#   - the environment still wins: exitcode=7 in *SAN_OPTIONS gives 7.
# ASan builds: the fuzz targets run with a 16 MiB quarantine, mmtorture
# with ASan's default, and ASAN_OPTIONS still sets it.
# Ends with "N passed, M failed"; exit 1 when M > 0, 2 on bad usage.
set -u

if [ $# -lt 3 ]; then
	echo "usage: $0 SANITIZE MMTORTURE FUZZ_TARGET..." >&2
	exit 2
fi
SAN=$1
MMT=$2
shift 2
FUZZ=("$@")
T=$(mktemp -d "${TMPDIR:-/tmp}/mmt-san.XXXXXX") || exit 3
trap 'rm -rf "$T"' EXIT
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS TSAN_OPTIONS MMT_ALLOCATOR \
	MMT_AGAINST MMT_STRICT
: >"$T/empty"

passed=0
failed=0

# check NAME WANT_RC REGEX CMD...: CMD exits WANT_RC and its stderr
# matches REGEX.
check() {
	local name=$1 want=$2 re=$3 rc
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -Eq -- "$re" "$T/err"; then
		passed=$((passed + 1))
		return
	fi
	failed=$((failed + 1))
	echo "FAIL: $name: exit $rc (want $want), stderr /$re/"
	echo "  command: $*"
	head -n 12 "$T/err" | sed 's/^/    /'
}

# The commands: mmtorture lists the adapters, a fuzz target replays an
# empty input (both exit 0 when nothing is wrong).
for exe in "$MMT" "${FUZZ[@]}"; do
	if [ "$exe" = "$MMT" ]; then
		cmd=("$exe" list)
	else
		cmd=("$exe" "$T/empty")
	fi
	base=$(basename "$exe")
	case "$SAN" in
	address)
		check "$base asan" 1 'ERROR: AddressSanitizer: heap-buffer-overflow' \
			env MMT_SANITIZER_SELFTEST=asan "${cmd[@]}"
		check "$base ubsan" 1 'runtime error: signed integer overflow' \
			env MMT_SANITIZER_SELFTEST=ubsan "${cmd[@]}"
		check "$base lsan" 1 'ERROR: LeakSanitizer: detected memory leaks' \
			env MMT_SANITIZER_SELFTEST=lsan "${cmd[@]}"
		check "$base asan, ASAN_OPTIONS=exitcode=7" 7 'AddressSanitizer' \
			env MMT_SANITIZER_SELFTEST=asan ASAN_OPTIONS=exitcode=7 "${cmd[@]}"
		check "$base ubsan, UBSAN_OPTIONS=exitcode=7" 7 'runtime error' \
			env MMT_SANITIZER_SELFTEST=ubsan UBSAN_OPTIONS=exitcode=7 "${cmd[@]}"
		check "$base lsan, LSAN_OPTIONS=exitcode=7" 7 'LeakSanitizer' \
			env MMT_SANITIZER_SELFTEST=lsan LSAN_OPTIONS=exitcode=7 "${cmd[@]}"
		if [ "$base" = mmtorture ]; then
			check "$base quarantine (ASan's default)" 0 \
				'^quarantine_size_mb=256M' \
				env ASAN_OPTIONS=verbosity=1 "${cmd[@]}"
		else
			check "$base quarantine 16 MiB" 0 '^quarantine_size_mb=16M' \
				env ASAN_OPTIONS=verbosity=1 "${cmd[@]}"
			check "$base quarantine from ASAN_OPTIONS" 0 \
				'^quarantine_size_mb=64M' \
				env ASAN_OPTIONS=verbosity=1:quarantine_size_mb=64 "${cmd[@]}"
		fi
		;;
	thread)
		check "$base tsan" 1 'WARNING: ThreadSanitizer: data race' \
			env MMT_SANITIZER_SELFTEST=tsan "${cmd[@]}"
		check "$base tsan, TSAN_OPTIONS=exitcode=7" 7 'ThreadSanitizer' \
			env MMT_SANITIZER_SELFTEST=tsan TSAN_OPTIONS=exitcode=7 "${cmd[@]}"
		;;
	*)
		check "$base without sanitizers" 0 'no AddressSanitizer' \
			env MMT_SANITIZER_SELFTEST=asan "${cmd[@]}"
		;;
	esac
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
