#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/tools/crash.sh - what is left when the allocator crashes mid-run
# (mmtorture/crash.h). Registered in cmake/MmtTests.cmake as
#     tests/tools/crash.sh SANITIZE MMTORTURE PLUGIN_DIR SRCDIR FUZZ_PAGES FUZZ_DIFF
# (SANITIZE the build's MMT_SANITIZE: address, thread or none; the fuzz
# targets of this build, with the standalone driver).
#
# The allocator is PLUGIN_DIR/crasher.so (tests/plugins/crasher.c): the
# example buddy, crashing on its Nth allocation in the chosen way. For
# `mmtorture replay --trace`, `mmtorture diff --trace`, fuzz_pages and
# fuzz_diff:
#   - stdout redirected to a file (or a pipe) holds every trace line up to
#     the op that was running, then "!! crash: ... during op #K: OP";
#   - stderr holds the crash note: the ops that ran and op #K "<- running";
#   - the exit status is the one the crash gives without the note
#     (MMT_CRASH_NOTE=0): the signal or the sanitizer still decides it;
#   - the handlers the note chains to still run: ASan's report, the
#     driver's "died while replaying" and its saved artifact. (Under TSan
#     the note follows TSan's report of a fault, mmtorture/crash.h.)
# Ends with "N passed, M failed"; exit 1 when M > 0, 2 on bad usage.
set -u

if [ $# -ne 6 ]; then
	echo "usage: $0 SANITIZE MMTORTURE PLUGIN_DIR SRCDIR FUZZ_PAGES FUZZ_DIFF" >&2
	exit 2
fi
SAN=$1
MMT=$2
CRASHER=$3/crasher.so
SRC=$4
FUZZ_PAGES=$5
FUZZ_DIFF=$6
T=$(mktemp -d "${TMPDIR:-/tmp}/mmt-crash.XXXXXX") || exit 3
trap 'rm -rf "$T"' EXIT
# The sanitizers as the programs set them (exit 1 on a report), no core
# files for the deliberate crashes.
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS MMT_ALLOCATOR MMT_AGAINST \
	MMT_STRICT MMT_CRASH_NOTE
ulimit -c 0

PAGES=$SRC/corpus/fuzz_pages/split_merge_orders.bin
DIFF=$SRC/corpus/fuzz_diff/pages_basic.txt
N=3 # the crasher's allocation that crashes (its default)

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() {
	failed=$((failed + 1))
	echo "FAIL: $*"
	echo "  command: $last_cmd"
	echo "  stdout:"
	tail -n 8 "$T/out" | sed 's/^/    /'
	echo "  stderr:"
	grep -v '^#' "$T/err" | head -n 12 | sed 's/^/    /'
}

# run CMD...: stdout to $T/out, stderr to $T/err, status in $rc; the
# same command without the note gives $rc0.
# (In braces, so that bash's own "Aborted" line goes with the output.)
run() {
	last_cmd="$*"
	{ "$@"; } >"$T/out" 2>"$T/err"
	rc=$?
	{ MMT_CRASH_NOTE=0 "$@"; } >/dev/null 2>&1
	rc0=$?
}

has_out() {
	if grep -Eq -- "$1" "$T/out"; then ok; else bad "stdout lacks /$1/"; fi
}
has_err() {
	if grep -Eq -- "$1" "$T/err"; then ok; else bad "stderr lacks /$1/"; fi
}
lacks_err() {
	if grep -Eq -- "$1" "$T/err"; then bad "stderr has /$1/"; else ok; fi
}
same_status() {
	if [ "$rc" -eq "$rc0" ] && [ "$rc" -ne 0 ]; then
		ok
	else
		bad "exit $rc, without the note $rc0 (want the same, not 0)"
	fi
}

# The index of the Nth allocation of a run traced with ref-pages.
nth_alloc() { # N tracefile
	awk -v n="$1" '
		/^ *[0-9]+  (alloc_pages|alloc_page|get_free_pages|get_free_page|get_zeroed_page) / {
			if (++seen == n) { print $1; exit }
		}' "$2"
}

"$MMT" replay --trace --allocator ref-pages "$PAGES" >"$T/ref" 2>&1
K=$(nth_alloc "$N" "$T/ref")
"$MMT" diff --trace --allocator ref-pages --against ref-pages "$DIFF" \
	>"$T/ref" 2>&1
KD=$(nth_alloc "$N" "$T/ref")
if [ -z "$K" ] || [ -z "$KD" ] || [ "$K" -lt 1 ] || [ "$KD" -lt 1 ]; then
	echo "FAIL: cannot find allocation $N in $PAGES / $DIFF"
	exit 1
fi
OPK="^ +$K  alloc"

# replay --trace > file, abort(): the trace up to op K, the note.
run "$MMT" replay --trace --allocator "$CRASHER:abort" "$PAGES"
same_status
has_out "^== .*split_merge_orders.bin"
has_out "^ +$((K - 1))  .* -> pfn 0x"
has_out "$OPK"
has_out "^!! crash: SIGABRT in allocator 'crasher' during op #$K: alloc"
has_err "^==== crash: SIGABRT in allocator 'crasher' during op #$K \\("
has_err "^#0 +alloc"
has_err "^#$K +alloc.*<- running$"

# The same through a pipe.
last_cmd="$MMT replay --trace --allocator $CRASHER:abort $PAGES | cat"
{ "$MMT" replay --trace --allocator "$CRASHER:abort" "$PAGES" 2>"$T/err" |
	cat >"$T/out"; } 2>/dev/null
has_out "$OPK"
has_out "^!! crash: SIGABRT .* during op #$K: "

# The other crashes: the note, then ASan (SIGSEGV, SIGBUS, SIGFPE, a bad
# free), TSan or the default action (SIGILL) ends the process as before.
modes="null bus ill fpe"
[ "$SAN" = address ] && modes="$modes badfree"
for m in $modes; do
	run "$MMT" replay --trace --allocator "$CRASHER:$m" "$PAGES"
	same_status
	has_out "^!! crash: .* in allocator 'crasher' during op #$K: alloc"
	has_err "^#$K +alloc.*<- running$"
	if [ "$SAN" = thread ] && [ "$m" != ill ]; then
		has_err "^==== crash: a fatal ThreadSanitizer report in allocator"
		continue
	fi
	case $m in
	null) has_err "^==== crash: SIGSEGV at address 0x0 in allocator" ;;
	bus) has_err "^==== crash: SIGBUS at address 0x[0-9a-f]+ in allocator" ;;
	ill) has_err "^==== crash: SIGILL in allocator" ;;
	fpe) has_err "^==== crash: SIGFPE in allocator" ;;
	badfree) has_err "^==== crash: an AddressSanitizer report in allocator" ;;
	esac
done
# ASan still reports, after the note for a signal, before it for a report.
run "$MMT" replay --allocator "$CRASHER:null" "$PAGES"
if grep -q 'AddressSanitizer' "$T/err"; then
	note=$(grep -n '^==== crash: SIGSEGV' "$T/err" | cut -d: -f1)
	asan=$(grep -n 'ERROR: AddressSanitizer: SEGV' "$T/err" | cut -d: -f1)
	if [ -n "$note" ] && [ -n "$asan" ] && [ "$note" -lt "$asan" ]; then
		ok
	else
		bad "the note is not followed by ASan's SEGV report"
	fi
fi

# No run, no note: a crasher that never crashes, and MMT_CRASH_NOTE=0.
run "$MMT" replay --allocator "$CRASHER:none" "$PAGES"
if [ "$rc" -eq 0 ]; then ok; else bad "crasher:none exits $rc"; fi
lacks_err "==== crash"
last_cmd="MMT_CRASH_NOTE=0 $MMT replay --allocator $CRASHER:abort $PAGES"
{ MMT_CRASH_NOTE=0 "$MMT" replay --allocator "$CRASHER:abort" "$PAGES"; } \
	>"$T/out" 2>"$T/err"
lacks_err "==== crash"

# diff --trace > file: the lockstep trace up to the op before, the note.
run "$MMT" diff --trace --allocator "$CRASHER:abort" --against ref-pages "$DIFF"
same_status
has_out "^ +$((KD - 1))  "
has_out "^!! crash: SIGABRT in allocator 'crasher' during op #$KD: "
has_err "^==== crash: SIGABRT in allocator 'crasher' during op #$KD \\("

# fuzz_pages (standalone driver): the note, then the driver's handler.
run env MMT_ALLOCATOR="$CRASHER:abort" "$FUZZ_PAGES" "$PAGES"
same_status
has_err "^==== crash: SIGABRT in allocator 'crasher' during op #$K \\("
has_err "^driver: died while replaying .*split_merge_orders.bin"
# Fuzzing: the driver still saves the input (from its SIGABRT handler;
# from ASan's death callback for a fault), which replays to the crash.
modes="abort"
[ "$SAN" = address ] && modes="$modes null"
for m in $modes; do
	case $m in
	abort) what="SIGABRT in allocator 'crasher'" ;;
	null) what="SIGSEGV at address 0x0 in allocator 'crasher'" ;;
	esac
	rm -rf "$T/art"
	run env MMT_ALLOCATOR="$CRASHER:$m" "$FUZZ_PAGES" -runs=20 \
		-artifact_prefix="$T/art/" "$PAGES"
	same_status
	has_err "^==== crash: $what"
	has_err "^driver: input saved to $T/art/crash-"
	art=$(find "$T/art" -type f -name 'crash-*' 2>/dev/null | head -n 1)
	if [ -n "$art" ]; then
		ok
		run "$MMT" replay --allocator "$CRASHER:$m" "$art"
		has_err "^==== crash: $what"
	else
		bad "no artifact in $T/art"
	fi
done

# fuzz_diff: the note names the crashing side.
run env MMT_ALLOCATOR="$CRASHER:abort" MMT_AGAINST=ref-pages "$FUZZ_DIFF" \
	"$SRC/corpus/fuzz_diff/pages_basic.bin"
same_status
has_err "^==== crash: SIGABRT in allocator 'crasher' during op #[0-9]+ \\("
has_err "^driver: died while replaying .*pages_basic.bin"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
