#!/usr/bin/env bash
# tests/tools/cli.sh - behaviour of the mmtorture CLI: exit codes, messages,
# round trips. Registered in cmake/MmtTests.cmake as
#     tests/tools/cli.sh <path-to-mmtorture> <source-dir>
#
# One check per line. expect_exit CODE CMD... runs CMD (stdout and stderr
# kept in $T/out and $T/err); expect_exit_in "CODES" CMD... accepts any of
# CODES; expect_stderr / expect_stdout REGEX look at the last command's
# output, expect_no_stdout / expect_no_stderr REGEX that it does not
# match; expect_lines N FILE WHY counts lines, expect_empty FILE wants
# nothing in it; expect_same A B compares two files byte for byte;
# expect_absent PATH checks that nothing was written. Ends with "N passed,
# M failed" and exits non-zero when M > 0.
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 <path-to-mmtorture> <source-dir>" >&2
	exit 2
fi
MMT=$1
SRC=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/mmt-cli.XXXXXX") || exit 3
trap 'rm -rf "$T"' EXIT
# Sanitizer reports must fail a check, not scroll by.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:exitcode=99:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
unset MMT_ALLOCATOR

passed=0
failed=0
last_cmd=

ok() {
	passed=$((passed + 1))
}

bad() {
	failed=$((failed + 1))
	echo "FAIL: $*"
	if [ -n "$last_cmd" ]; then
		echo "  command: $last_cmd"
		echo "  stdout:"; head -n 15 "$T/out" | sed 's/^/    /'
		echo "  stderr:"; head -n 15 "$T/err" | sed 's/^/    /'
	fi
}

run() {
	last_cmd="$*"
	"$@" >"$T/out" 2>"$T/err"
	last_rc=$?
}

# expect_exit CODE CMD...
expect_exit() {
	local want=$1
	shift
	run "$@"
	if [ "$last_rc" -eq "$want" ]; then ok; else bad "exit $last_rc, want $want"; fi
}

# expect_exit_in "0 1" CMD...: any of the codes (never a signal, >= 128)
expect_exit_in() {
	local want=$1 c
	shift
	run "$@"
	for c in $want; do
		if [ "$last_rc" -eq "$c" ]; then ok; return; fi
	done
	bad "exit $last_rc, want one of: $want"
}

expect_stderr() {
	if grep -Eq -- "$1" "$T/err"; then ok; else bad "stderr does not match /$1/"; fi
}

expect_stdout() {
	if grep -Eq -- "$1" "$T/out"; then ok; else bad "stdout does not match /$1/"; fi
}

expect_same() {
	if cmp -s -- "$1" "$2"; then ok; else bad "$1 and $2 differ"; diff -- "$1" "$2" | head -n 10; fi
}

expect_no_stdout() {
	if grep -Eq -- "$1" "$T/out"; then bad "stdout matches /$1/"; else ok; fi
}

expect_no_stderr() {
	if grep -Eq -- "$1" "$T/err"; then bad "stderr matches /$1/"; else ok; fi
}

# expect_lines N FILE WHY: FILE has exactly N lines
expect_lines() {
	local n
	n=$(wc -l <"$2")
	if [ "$n" -eq "$1" ]; then ok; else bad "$2 has $n lines, want $1: $3"; fi
}

expect_absent() {
	if [ ! -e "$1" ]; then ok; else bad "$1 exists but should not"; fi
}

expect_empty() {
	if [ ! -s "$1" ]; then ok; else bad "$1 is not empty: $(head -n 3 -- "$1")"; fi
}

expect_empty_dir() {
	if [ -z "$(ls -A -- "$1")" ]; then ok; else bad "$1 is not empty: $(ls -A -- "$1" | tr '\n' ' ')"; fi
}

# rand_bytes SEED N: N deterministic pseudo-random bytes (an LCG; no fork
# per byte, no external generator).
rand_bytes() {
	local x=$1 n=$2 i esc=
	for ((i = 0; i < n; i++)); do
		x=$(((x * 1103515245 + 12345) & 0x7fffffff))
		printf -v esc '%s\\%03o' "$esc" $(((x >> 16) & 255))
	done
	printf "$esc"
}

# ---------------------------------------------------------------- inputs
mkdir -p "$T/corpus/fuzz_pages" "$T/outdir" "$T/dir"
: >"$T/empty.bin"
# Byte 0 names the op set: pages for 1-3, objects for 4; random5 names
# no set at all.
for seed in 1 2 3 4; do
	{ if [ "$seed" = 4 ]; then printf '\001'; else printf '\000'; fi
	  rand_bytes "$seed" 1024; } >"$T/random$seed.bin"
done
{ printf '\310'; rand_bytes 5 64; } >"$T/random5.bin"
cp "$T/random1.bin" "$T/corpus/fuzz_pages/random1"

# A canonical text program (what `trace` prints for it).
cat >"$T/good.txt" <<'EOF'
# mmtorture ops v2
opset pages
machine profile=x86_64 era=6.12 page=4K orders=11 cpus=1 bank=32M@0
check_every 8
alloc_pages s1 order=2 gfp=GFP_KERNEL
alloc_pages s2 order=0 gfp=GFP_KERNEL|__GFP_ZERO
get_zeroed_page s3 gfp=GFP_KERNEL
free_pages s1
check
free_page s3
EOF

printf '%s\n' '# unknown op on line 3' 'check_every 0' 'frobnicate s1' >"$T/unknown-op.txt"
printf '%s\n' '# bad number on line 3' 'check_every 0' 'alloc_pages s1 order=x2 gfp=GFP_KERNEL' >"$T/bad-number.txt"
printf '%s\n' 'alloc_pages s999 order=0 gfp=GFP_KERNEL' >"$T/bad-slot.txt"
truncate -s 65M "$T/huge.bin"

# ---------------------------------------------------------------- usage
expect_exit 0 "$MMT" --help
expect_stdout '^  replay'
expect_exit 2 "$MMT"
expect_exit 2 "$MMT" frobnicate
expect_stderr "unknown command 'frobnicate'"
expect_exit 2 "$MMT" replay --frob "$T/empty.bin"
expect_stderr "unknown option '--frob'"
expect_exit 2 "$MMT" replay -x "$T/empty.bin"
expect_stderr "unknown option '-x'"
expect_exit 2 "$MMT" replay
expect_stderr 'no FILE given'
expect_exit 2 "$MMT" replay --allocator
expect_stderr "option '--allocator' needs an argument"
expect_exit 2 "$MMT" replay --trace=yes "$T/empty.bin"
expect_stderr "option '--trace' takes no argument"
expect_exit 2 "$MMT" replay --target fuzz_nosuch "$T/empty.bin"
expect_stderr "unknown fuzz target 'fuzz_nosuch'"
expect_exit 2 "$MMT" replay --allocator no-such-allocator "$T/empty.bin"
expect_stderr 'no-such-allocator'
expect_exit 2 "$MMT" compile "$T/good.txt"
expect_stderr '-o FILE is required'
expect_exit 2 "$MMT" bench --iterations abc
expect_stderr "--iterations: 'abc' is not a number"
expect_exit 2 "$MMT" list extra
expect_exit 0 "$MMT" help replay
expect_stdout 'usage: mmtorture replay'
for cmd in replay trace compile list dump bench stress; do
	expect_exit 0 "$MMT" "$cmd" --help
done

# ---------------------------------------------------------------- replay inputs
expect_exit 2 "$MMT" replay "$T/missing.bin"
expect_stderr 'missing.bin: No such file'
expect_exit 2 "$MMT" replay "$T/good.txt" "$T/missing.bin"
expect_exit 2 "$MMT" trace "$T/dir"
expect_stderr 'is a directory'
expect_exit 2 "$MMT" replay "$T/huge.bin"
expect_stderr 'huge.bin: too large'
expect_exit_in "0 1" "$MMT" replay "$T/empty.bin"
for seed in 1 2 3; do
	expect_exit_in "0 1" "$MMT" replay "$T/random$seed.bin"
done
expect_exit_in "0 1" "$MMT" replay --allocator glibc "$T/random4.bin"
expect_exit_in "0 1" "$MMT" replay "$T/corpus"
expect_exit 2 "$MMT" replay "$T/random5.bin"
expect_stderr 'random5.bin: byte 0 names op set 200, which this build does not know \(known: 0 pages, 1 objects, 2 upool\)'
expect_exit 2 "$MMT" trace "$T/random5.bin"
expect_stderr 'names op set 200'
expect_exit 2 "$MMT" replay "$T/dir"
expect_stderr 'nothing to replay'
expect_exit_in "0 1" "$MMT" replay --binary "$T/random2.bin"
expect_exit_in "0 1" "$MMT" trace "$T/random3.bin"
expect_exit 2 "$MMT" replay "$T/unknown-op.txt"
expect_stderr 'unknown-op.txt:3:1: field '"'"'op'"'"
expect_exit 2 "$MMT" replay "$T/bad-number.txt"
expect_stderr 'bad-number.txt:3:(16|22): field '"'"'order'"'"
expect_exit 2 "$MMT" replay "$T/bad-slot.txt"
expect_stderr 'bad-slot.txt:1:[0-9]+: field '"'"'slot'"'"
expect_exit 0 "$MMT" replay "$T/good.txt"
expect_stdout 'good.txt: ok'
expect_exit 0 "$MMT" replay --trace "$T/good.txt"
expect_stdout 'alloc_pages s1 order=2'
expect_stdout 'get_zeroed_page s3'
expect_exit 0 "$MMT" replay --text "$T/good.txt" "$T/good.txt"
expect_stdout '2 ok, 0 failed'

# ---------------------------------------------------------------- compile / trace
expect_exit 0 "$MMT" compile "$T/good.txt" -o "$T/good.bin"
expect_exit 0 "$MMT" trace "$T/good.bin" -o "$T/trace1.txt"
expect_same "$T/good.txt" "$T/trace1.txt"
expect_exit 0 "$MMT" compile "$T/trace1.txt" -o "$T/trace1.bin"
expect_same "$T/good.bin" "$T/trace1.bin"
expect_exit 0 "$MMT" trace "$T/good.bin"
expect_same "$T/good.txt" "$T/out"
expect_exit 0 "$MMT" replay "$T/good.bin"
expect_exit 0 sh -c '"$1" trace - <"$2"' sh "$MMT" "$T/good.bin"
expect_same "$T/good.txt" "$T/out"
expect_exit 0 "$MMT" trace "$T/random4.bin" -o "$T/random4.txt"
expect_exit 0 "$MMT" compile "$T/random4.txt" -o "$T/random4.canon"
expect_exit 0 "$MMT" trace "$T/random4.canon" -o "$T/random4.again.txt"
expect_same "$T/random4.txt" "$T/random4.again.txt"
expect_exit 2 "$MMT" compile "$T/unknown-op.txt" -o "$T/outdir/x.bin"
expect_stderr 'unknown-op.txt:3:1:'
expect_absent "$T/outdir/x.bin"
expect_empty_dir "$T/outdir"
cp "$T/good.bin" "$T/keep.bin"
expect_exit 2 "$MMT" compile "$T/bad-number.txt" -o "$T/keep.bin"
expect_same "$T/good.bin" "$T/keep.bin"
expect_exit 2 "$MMT" compile "$T/good.txt" -o "$T/no-such-dir/x.bin"
expect_absent "$T/no-such-dir"

# ---------------------------------------------------------------- list / dump
expect_exit 0 "$MMT" list
expect_stdout '^  ref-pages +yes +PAGES'
expect_stdout '^  0 +pages +PAGES +alloc_pages'
expect_stdout '^  1 +objects +OBJECTS +malloc'
expect_stdout '^  fuzz_pages +pages$'
expect_stdout '^  fuzz_diff +pages objects upool$'
expect_exit 0 "$MMT" dump
expect_stdout '^Node 0, zone      DMA'
expect_stdout 'pages free'
expect_exit 0 "$MMT" dump --view buddyinfo --machine ram=128M
expect_stdout '^Node 0, zone      DMA'
expect_exit 0 "$MMT" dump --machine "bank=32M@0 bank=32M@4G" --view=zoneinfo
expect_stdout 'Normal'
expect_exit 2 "$MMT" dump --machine ram=bogus
expect_stderr "ram"
expect_exit 2 "$MMT" dump --machine frob=1
expect_exit 2 "$MMT" dump --view slabinfo
expect_stderr "unknown view 'slabinfo'"

# One machine grammar: dump --machine and stress --machine accept and
# refuse the same specs, with the same message after "--machine 'SPEC': ".
spec_message() {
	sed -n "s/^.*--machine '.*': //p" "$T/err"
}
for spec in "ram=16M" "bank=32M@0 bank=32M@4G" "profile=x86_32 ram=32M cpus=2" \
	"page=8K orders=10 ram=32M reserve=8K@0" "era=2.6 ram=0x1000000"; do
	expect_exit 0 "$MMT" dump --view buddyinfo --machine "$spec"
	expect_exit 0 "$MMT" stress --allocator ref-pages --threads 1 \
		--seconds 0.1 --machine "$spec"
done
for spec in "ram=bogus" "frob=1" "ram=128M,cpus=2" "mem=2M" "orders=0" \
	"bank=1M@0" "page=16K" "ram=64M bank=64M@0" "era=2.6.18" \
	"ram=16M reserve=4K@16M" "cpus=2 cpus=2"; do
	expect_exit 2 "$MMT" dump --machine "$spec"
	spec_message >"$T/dump.msg"
	expect_exit 2 "$MMT" stress --allocator ref-pages --seconds 0.1 \
		--machine "$spec"
	spec_message >"$T/stress.msg"
	expect_stderr 'column [0-9]+: field '
	expect_same "$T/dump.msg" "$T/stress.msg"
done
# --view all (the default) names the machine as ref booted it
expect_exit 0 "$MMT" dump --machine "profile=x86_32 era=2.6 ram=2G min_free_kbytes=2000"
expect_stdout '^# ref-pages: profile=x86_32,era=2.6,.*min_free_kbytes=2000,.*\(min_free_kbytes 2000 in effect\)$'
expect_stdout 'protection: \(0, 0, 880, 2032\)$'
# mem= is a machine key: RAM at or above the limit is not present
expect_exit 0 "$MMT" dump --machine "ram=64M mem=48M" --view zoneinfo
expect_stdout 'present +8192$'
expect_no_stdout 'present +12288$'
expect_exit 2 "$MMT" dump --machine "ram=64M mem=1M"
expect_stderr "column 9: field 'mem': mem= leaves 1M of RAM, below one top-order block"
expect_exit 2 "$MMT" dump --machine "ram=64M mem=6000"
expect_stderr "field 'mem': mem is not a multiple of the page size"
# ref-only keys go as ref-pages options, on top of the machine
expect_exit 0 "$MMT" dump --machine ram=64M --ref-options mem=48M --view zoneinfo
expect_stdout 'present +8192$'
expect_no_stdout 'present +12288$'
expect_exit 2 "$MMT" dump --ref-options frob=1
expect_stderr "--ref-options 'frob=1': key 'frob'"

# ---------------------------------------------------------------- a bug found
# The example plug-in built with its deliberate bug hands a block out twice:
# replay must exit 1, name the op and the invariant, and print a command
# that reproduces it.
{
	printf '%s\n' 'machine profile=x86_64 era=6.12 page=4K orders=11 cpus=1 ram=16M'
	for o in 0 1 2 3 4 5 6 7 8 9 10; do
		echo "alloc_pages s$o order=$o gfp=GFP_KERNEL"
	done
	echo check
} >"$T/split.txt"
if ${CC:-cc} -shared -fPIC -std=c11 -I"$SRC/include" \
	'-DMMT_EXPORT=__attribute__((visibility("default")))' -DSIMPLE_BUDDY_BUG=1 \
	"$SRC/adapters/examples/simple_buddy/simple_buddy.c" -o "$T/buggy.so" \
	-lpthread 2>"$T/cc.err" &&
	${CC:-cc} -shared -fPIC -std=c11 -I"$SRC/include" \
	'-DMMT_EXPORT=__attribute__((visibility("default")))' \
	"$SRC/adapters/examples/simple_buddy/simple_buddy.c" -o "$T/simple.so" \
	-lpthread 2>>"$T/cc.err"; then
	expect_exit 0 "$MMT" replay "$T/split.txt"
	expect_exit 1 "$MMT" replay --allocator "$T/buggy.so" "$T/split.txt"
	expect_stdout 'split.txt: FAIL: [0-9]+ violations?, first at op [0-9]+'
	expect_stdout '^  op [0-9]+ \(line [0-9]+\): alloc_pages s[0-9]+ order='
	expect_stdout '^  violation 1: op [0-9]+: (SHADOW|ORACLE)-[A-Z-]+ \[(shadow|oracle)\] '
	expect_stdout '^reproduce: .*mmtorture replay --allocator .*buggy\.so .*split\.txt$'
	repro=$(sed -n 's/^reproduce: //p' "$T/out")
	expect_exit 1 sh -c "$repro"
	expect_stdout 'split.txt: FAIL'
	# good.txt never splits twice, but the capacity probe at the end
	# drains every order and so meets the bug
	expect_exit 1 "$MMT" replay --allocator "$T/buggy.so" "$T/good.txt"
	expect_stdout '^  violation 1: end of input: SHADOW-OVERLAP \[shadow\] block pfn 0x[0-9a-f]+ order [0-9]+ overlaps a block the capacity probe holds'
	# one order: nothing ever splits, so nothing to meet
	printf '%s\n' 'machine profile=x86_64 era=6.12 page=4K orders=1 cpus=1 ram=16M' \
		'alloc_page s1' 'alloc_page s2' 'free_page s1' >"$T/one-order.txt"
	expect_exit 1 "$MMT" replay --allocator "$T/buggy.so" "$T/one-order.txt" "$T/split.txt"
	expect_stdout '1 ok, 1 failed'
	expect_exit 2 "$MMT" replay --allocator "$T/buggy.so" "$T/split.txt" "$T/missing.bin"
	MMT_ALLOCATOR=$T/buggy.so expect_exit 1 "$MMT" replay "$T/split.txt"
else
	echo "skip: cannot build the example plug-in (${CC:-cc}); exit 1 not covered"
	sed 's/^/  /' "$T/cc.err" | head -n 5
fi

# ---------------------------------------------------------------- bench
expect_exit 0 "$MMT" bench --quick --iterations 2000
expect_stdout 'ref alloc\+free order 0'
expect_stdout 'adapter alloc\+free order 3'
expect_stdout '^full check: 4 GiB, 50% allocated: [0-9.]+ ms \([0-9.]+ ms/GiB\)'
# Churn (1024 slots): ref API, ref-pages, each peer with a figure or "not
# available" (its library may be missing here), then the ratios ref/peer.
# glibc's libc.so.6 is always there, so its figure and ratio must be.
expect_stdout '^  ref churn order 0 \(256M\) +[0-9.]+ ns +2000$'
expect_stdout '^  adapter churn order 0 \(256M\) +[0-9.]+ ns +2000$'
expect_stdout '^  glibc churn malloc\(4096\) +[0-9.]+ ns +2000$'
expect_stdout '^ratio ref/glibc: [0-9]+\.[0-9]{2}$'
for peer in jemalloc mimalloc tcmalloc; do
	expect_stdout "^  $peer churn malloc\\(4096\\) +([0-9.]+ ns +2000|not available \\(.+\\))\$"
	expect_stdout "^ratio ref/$peer: ([0-9]+\\.[0-9]{2}|not available)\$"
done
expect_stdout '^ratio ref/fastest peer: [0-9]+\.[0-9]{2} \(fastest: (glibc|jemalloc|mimalloc|tcmalloc)\)$'
expect_stdout '^pairs and churn: ns per alloc\+free pair, median of 3 rounds'
# A peer that does not load is "not available" and the run goes on: with
# the re-exec guard already set, mmt_process_init() leaves the static TLS
# tunable out, so jemalloc cannot load (or is not installed at all).
expect_exit 0 env -u GLIBC_TUNABLES MMT_PROCESS_REEXEC=1 "$MMT" bench --quick --iterations 2000
expect_stdout '^  jemalloc churn malloc\(4096\) +not available \(.+\)$'
expect_stdout '^ratio ref/jemalloc: not available$'
expect_stdout '^ratio ref/fastest peer: [0-9]+\.[0-9]{2} \(fastest: (glibc|mimalloc|tcmalloc)\)$'
expect_stdout '^full check: 4 GiB'

# ---------------------------------------------------------------- diff
# Two allocators in lockstep: 0 agree, 1 diverged, 2 bad usage or input.
printf '%s\n' 'opset objects' 'malloc s0 size=24' 'calloc s1 size=100' \
	'realloc s0 size=4000' 'aligned s2 size=64 align=64' 'free s1' >"$T/objects.txt"
expect_exit 0 "$MMT" diff --help
expect_stdout 'usage: mmtorture diff'
expect_exit 0 "$MMT" help diff
expect_stdout 'usage: mmtorture diff'
expect_exit 0 "$MMT" --help
expect_stdout '^  diff --allocator A --against B'
expect_exit 0 "$MMT" list
expect_stdout '^  fuzz_diff '
expect_exit 0 "$MMT" diff --allocator ref-pages --against ref-pages "$T/good.txt"
expect_stdout 'good.txt: ok: [0-9]+ ops agree'
expect_exit 0 "$MMT" diff --allocator ref-pages --against ref-pages --strict "$T/good.txt" "$T/good.bin"
expect_stdout '2 agree, 0 diverged'
expect_exit 0 "$MMT" diff --allocator ref-pages --against ref-pages --trace "$T/good.txt"
expect_stdout '^        A: ok pfn 0x[0-9a-f]+ order 2'
expect_stdout '^        B: ok pfn 0x[0-9a-f]+ order 2'
expect_exit 0 sh -c '"$1" diff --allocator ref-pages --against ref-pages - <"$2"' sh "$MMT" "$T/good.bin"
expect_stdout '^-: ok'
expect_exit_in "0 1" "$MMT" diff --allocator ref-pages --against ref-pages "$T/corpus"
expect_exit_in "0 1" "$MMT" diff "$T/random1.bin" "$T/random2.bin"
expect_exit 0 "$MMT" diff --allocator glibc --against glibc "$T/objects.txt"
expect_stdout 'objects.txt: ok: 5 ops agree'
expect_exit 2 "$MMT" diff --allocator ref-pages --against ref-pages
expect_stderr 'no FILE given'
expect_exit 2 "$MMT" diff --allocator no-such-allocator --against ref-pages "$T/good.txt"
expect_stderr "diff: --allocator 'no-such-allocator'"
expect_exit 2 "$MMT" diff --allocator ref-pages --against no-such-allocator "$T/good.txt"
expect_stderr "diff: --against 'no-such-allocator'"
expect_exit 2 "$MMT" diff --allocator ref-pages --against glibc "$T/good.txt"
expect_stderr "'ref-pages' has PAGES for pages programs but 'glibc' does not"
expect_exit 2 "$MMT" diff --allocator glibc --against glibc --strict "$T/objects.txt"
expect_stderr '--strict .*POLICY_BUDDY.*lacks PAGES'
expect_exit 2 "$MMT" diff --allocator ref-pages --against ref-pages "$T/missing.bin"
expect_stderr 'missing.bin: No such file'
expect_exit 2 "$MMT" diff --allocator ref-pages --against ref-pages "$T/unknown-op.txt"
expect_stderr 'unknown-op.txt:3:1: field '"'"'op'"'"
expect_exit 2 "$MMT" diff --allocator ref-pages --against ref-pages "$T/bad-number.txt"
expect_stderr 'bad-number.txt:3:(16|22): field '"'"'order'"'"
expect_exit 2 "$MMT" diff --allocator ref-pages --against ref-pages "$T/objects.txt"
expect_stderr "needs OBJECTS; 'ref-pages' lacks it"
expect_exit 2 "$MMT" diff --allocator ref-pages --against ref-pages "$T/good.txt" "$T/missing.bin"
expect_stdout '1 agree, 0 diverged, 1 bad input'
if [ -e "$T/buggy.so" ]; then
	expect_exit 1 "$MMT" diff --allocator "$T/buggy.so" --against ref-pages "$T/split.txt"
	expect_stdout 'split.txt: DIVERGED: [0-9]+ findings?, first at op [0-9]+'
	expect_stdout '^    A simple-buddy-buggy: '
	expect_stdout '^    B ref-pages: '
	expect_stdout '^  finding 1: op [0-9]+: [A-Z]+-[A-Z-]+ \[A:(shadow|oracle)\] A simple-buddy-buggy: '
	expect_stdout '^reproduce: .*mmtorture diff --allocator .*buggy\.so --against ref-pages .*split\.txt$'
	repro=$(sed -n 's/^reproduce: //p' "$T/out")
	expect_exit 1 sh -c "$repro"
	expect_stdout 'split.txt: DIVERGED'
	expect_exit 1 "$MMT" diff --allocator ref-pages --against "$T/buggy.so" --strict "$T/good.txt" "$T/split.txt"
	expect_stdout '0 agree, 2 diverged'
	expect_stdout 'DIFF-OFFSET \[diff\] strict'
fi

# ---------------------------------------------------------------- directories of mixed op sets
# corpus/fuzz_diff holds pages_* and objects_* programs, each NAME.txt beside
# its compiled NAME.bin: a directory runs each with the op set it was
# written for (a .bin's from the .txt beside it) and skips, with a word,
# what the allocators cannot run; exit 0 when nothing is wrong.
CORPUS_DIFF=$SRC/corpus/fuzz_diff
if [ -e "$T/simple.so" ]; then
	expect_exit 0 "$MMT" diff --allocator "$T/simple.so" --against ref-pages "$CORPUS_DIFF/"
	expect_stdout '/objects_basic\.bin: skipped: needs OBJECTS \('"'simple-buddy' and 'ref-pages' lack it"'\)$'
	expect_stdout '/objects_basic\.txt: skipped: needs OBJECTS '
	expect_stdout '/pages_basic\.bin: ok: [0-9]+ ops agree'
	expect_stdout '^diff: ([0-9]+) agree, 0 diverged, 0 bad input, 0 environment; [0-9]+ ran, [0-9]+ skipped \(needs OBJECTS\)$'
	expect_no_stdout 'objects_[a-z]+\.bin: ok'
	expect_empty "$T/err"
fi
expect_exit 0 "$MMT" diff --allocator glibc --against glibc "$CORPUS_DIFF"
expect_stdout '/objects_basic\.bin: ok: [0-9]+ ops agree; A glibc: [0-9]+ allocs'
expect_stdout '/pages_basic\.bin: skipped: needs PAGES \('"'glibc'"' lacks it\)$'
expect_stdout '^diff: [0-9]+ agree, 0 diverged, 0 bad input, 0 environment; [0-9]+ ran, [0-9]+ skipped \(needs PAGES\)$'
expect_exit 0 "$MMT" replay "$CORPUS_DIFF"
expect_stdout '/objects_realloc\.bin: skipped: needs OBJECTS \('"'ref-pages'"' lacks it\)$'
expect_stdout '/pages_zones\.bin: ok: '
expect_stdout '^replay: [0-9]+ ok, 0 failed, 0 bad input, 0 environment; [0-9]+ ran, [0-9]+ skipped \(needs OBJECTS\)$'
expect_exit 0 "$MMT" replay --allocator glibc "$CORPUS_DIFF"
expect_stdout '/objects_realloc\.bin: ok: '
# the .bin is the .txt compiled: the same program
expect_exit 0 "$MMT" trace "$CORPUS_DIFF/objects_basic.bin" -o "$T/objects_basic.trace.txt"
expect_exit 0 "$MMT" trace "$CORPUS_DIFF/objects_basic.txt" -o "$T/objects_basic.canon.txt"
expect_same "$T/objects_basic.canon.txt" "$T/objects_basic.trace.txt"
# a file named that the allocators cannot run is still bad input
expect_exit 2 "$MMT" diff --allocator ref-pages --against ref-pages "$CORPUS_DIFF/objects_basic.bin"
expect_stderr "objects_basic.bin: the program uses the objects op set, which needs OBJECTS; 'ref-pages' lacks it"
expect_exit 2 "$MMT" replay "$CORPUS_DIFF/objects_basic.bin"
expect_stderr "no OBJECTS capability"
# a program names its own op set: --target only checks it
expect_exit 2 "$MMT" replay --target fuzz_pages "$CORPUS_DIFF/objects_basic.bin"
expect_stderr 'op set objects, which --target fuzz_pages does not run'
expect_exit 0 "$MMT" replay --allocator glibc --target fuzz_diff "$CORPUS_DIFF/objects_basic.bin"
# nothing that could run: nothing was tested
expect_exit 2 "$MMT" diff --allocator glibc --against glibc "$SRC/corpus/fuzz_pages"
expect_stderr 'nothing to run: every file found was skipped \(needs PAGES\)'

# ---------------------------------------------------------------- diff of an OBJECTS pair
# bad_align.so's aligned op keeps only 16 bytes: the diff names what each
# side's state is (its live objects, not buddyinfo) and every live object
# shows the alignment its address has, as the outcome line does.
if ${CC:-cc} -shared -fPIC -std=c11 -I"$SRC/include" \
	"$SRC/tests/plugins/bad_align.c" -o "$T/bad_align.so" 2>"$T/cc.err"; then
	printf '%s\n' 'opset objects' 'malloc s0 size=24' 'calloc s1 size=100' \
		'aligned s2 size=64 align=64' 'free s1' >"$T/objects-align.txt"
	expect_exit 1 "$MMT" diff --allocator "$T/bad_align.so" --against glibc "$T/objects-align.txt"
	expect_stdout '^    A bad-align: ok size 64 usable 64 align 16$'
	expect_stdout '^  finding [0-9]: op 2: DIFF-ALIGN \[diff\] A bad-align: aligned of 64 bytes is aligned to 16, below the 64'
	expect_stdout '^state of A bad-align \(live objects\):$'
	expect_no_stdout 'buddyinfo'
	expect_stdout '^live objects 3, 188 bytes asked$'
	expect_stdout '^s0 0x[0-9a-f]+ size 24 usable 24 align (64|128|256|512|1024|2048|4096)$'
	expect_stdout '^s1 0x[0-9a-f]+ size 100 usable 100 align (64|128|256|512|1024|2048|4096)$'
	expect_stdout '^s2 0x[0-9a-f]+ size 64 usable 64 align 16 \(asked 64\)$'
	expect_no_stdout ' align 0'
	expect_no_stdout '^state of B'
else
	echo "skip: cannot build tests/plugins/bad_align.c (${CC:-cc}); objects diff state not covered"
	sed 's/^/  /' "$T/cc.err" | head -n 5
fi

# ---------------------------------------------------------------- create() refusals
# A spec whose create() refuses its options is exit 2 before anything runs,
# once, in every command and in both fuzz targets (mmt_adapter_try_create);
# good options still work. fussy.so refuses any option but "ok".
BIN=$(dirname "$MMT")
if ${CC:-cc} -shared -fPIC -std=c11 -I"$SRC/include" -I"$SRC/tests/plugins" \
	"$SRC/tests/plugins/fussy.c" -o "$T/fussy.so" 2>"$T/cc.err"; then
	FUSSY=$T/fussy.so
	refused="adapter 'fussy': create failed: unknown option 'bogus'"
	expect_exit 2 "$MMT" list "$FUSSY:bogus"
	expect_stderr "^mmtorture list: $refused"
	expect_exit 0 "$MMT" list "$FUSSY:ok"
	expect_stdout '^options: +"ok"'
	expect_exit 0 "$MMT" list "$FUSSY"
	expect_exit 2 "$MMT" replay --allocator "$FUSSY:bogus" "$T/good.txt" "$T/good.bin"
	expect_stderr "^mmtorture replay: --allocator '.*fussy.so:bogus': $refused"
	expect_lines 1 "$T/err" 'the refusal is said once, before any file'
	expect_exit 0 "$MMT" replay --allocator "$FUSSY:ok" "$T/good.txt"
	MMT_ALLOCATOR=$FUSSY:bogus expect_exit 2 "$MMT" replay "$T/dir"
	expect_stderr "$refused"
	expect_exit 2 "$MMT" diff --allocator "$FUSSY:bogus" --against ref-pages "$T/good.txt"
	expect_stderr "^mmtorture diff: --allocator '.*fussy.so:bogus': $refused"
	expect_exit 2 "$MMT" diff --allocator ref-pages --against "$FUSSY:bogus" "$T/good.txt"
	expect_stderr "^mmtorture diff: --against '.*fussy.so:bogus': $refused"
	expect_exit 0 "$MMT" diff --allocator "$FUSSY:ok" --against ref-pages "$T/good.txt"
	expect_exit 2 "$MMT" stress --allocator "$FUSSY:bogus" --threads 1 --seconds 1
	expect_stderr "unknown option 'bogus'"
	for fz in fuzz_pages fuzz_diff; do
		if [ ! -x "$BIN/$fz" ]; then
			echo "skip: no $BIN/$fz; its start-up refusal not covered"
			continue
		fi
		MMT_ALLOCATOR=$FUSSY:bogus expect_exit 2 "$BIN/$fz" -runs=10
		expect_stderr "^$fz: MMT_ALLOCATOR='.*fussy.so:bogus': $refused"
		expect_no_stderr 'fuzzing|runs='
	done
	if [ -x "$BIN/fuzz_diff" ]; then
		MMT_AGAINST=$FUSSY:bogus expect_exit 2 "$BIN/fuzz_diff" -runs=10
		expect_stderr "^fuzz_diff: MMT_AGAINST='.*fussy.so:bogus': $refused"
		MMT_ALLOCATOR=$FUSSY:ok MMT_AGAINST=ref-pages expect_exit 0 "$BIN/fuzz_diff" -runs=10
	fi
else
	echo "skip: cannot build tests/plugins/fussy.c (${CC:-cc}); plug-in refusals not covered"
	sed 's/^/  /' "$T/cc.err" | head -n 5
fi
# The built-ins refuse options too: ref-pages' are a machine spec.
expect_exit 2 "$MMT" list ref-pages:bogus
expect_stderr "adapter 'ref-pages': create failed: "
expect_exit 0 "$MMT" list ref-pages:cpus=2
expect_exit 2 "$MMT" replay --allocator glibc:x "$T/objects.txt"
expect_stderr "adapter 'glibc': create failed: .*unknown option 'x'"
expect_exit 2 "$MMT" diff --allocator glibc --against glibc:x "$T/objects.txt"
expect_stderr "^mmtorture diff: --against 'glibc:x': adapter 'glibc': create failed"
if [ -x "$BIN/fuzz_pages" ]; then
	MMT_ALLOCATOR=ref-pages:bogus expect_exit 2 "$BIN/fuzz_pages" -runs=10
	expect_stderr "^fuzz_pages: MMT_ALLOCATOR='ref-pages:bogus': adapter 'ref-pages': create failed"
	# an allocator without PAGES is refused once, before any input
	MMT_ALLOCATOR=glibc expect_exit 2 "$BIN/fuzz_pages" -runs=10
	expect_stderr "^fuzz_pages: MMT_ALLOCATOR='glibc': allocator 'glibc' has no PAGES capability"
fi

last_cmd=
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
