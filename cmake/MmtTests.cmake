# Criterion tests: every tests/<dir>/test_*.c is one executable and one ctest.
find_package(PkgConfig REQUIRED)
pkg_check_modules(CRITERION REQUIRED IMPORTED_TARGET criterion)

file(GLOB MMT_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/*/test_*.c)
foreach(src ${MMT_TEST_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  get_filename_component(dir ${src} DIRECTORY)
  get_filename_component(group ${dir} NAME)
  set(tgt ${group}_${name})
  add_executable(${tgt} ${src})
  target_include_directories(${tgt} PRIVATE ${CMAKE_SOURCE_DIR}/ref
    ${CMAKE_SOURCE_DIR}/harness ${CMAKE_SOURCE_DIR}/tests)
  if(group STREQUAL "ref")
    # ref/ tests see ref/ only: it knows nothing of the harness.
    target_link_libraries(${tgt} PRIVATE mmt_ref PkgConfig::CRITERION mmt_flags)
  elseif(group STREQUAL "lib")
    # lib/ tests see lib/ only: it is the leaf everything else may use.
    target_link_libraries(${tgt} PRIVATE mmt_lib PkgConfig::CRITERION mmt_flags)
  else()
    target_link_libraries(${tgt} PRIVATE mmt_harness PkgConfig::CRITERION mmt_flags)
  endif()
  # Criterion forks a child per test and LeakSanitizer's report at the
  # child's exit does not fail the test: tests call mmt_leakcheck() (or use
  # MMT_TEST from tests/leakcheck.h), which runs LSan inside the test body.
  # Criterion's default verbosity (no -q, no --verbose) prints nothing for a
  # passing test and, for a failing one, its suite::name, the assertion's
  # file:line and message, and what a crashing one wrote (a sanitizer
  # report), so `ctest --output-on-failure` says which test failed and why.
  # -q would hide all of it; --verbose (any level) prints a line per test.
  # allocator_may_return_null=1: the objects tests ask for impossible
  # sizes (harness/sanitizer_options.c says why).
  add_test(NAME ${group}/${name} COMMAND ${tgt} --jobs=2)
  set_tests_properties(${group}/${name} PROPERTIES
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23:allocator_may_return_null=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
    LABELS unit TIMEOUT 300)
endforeach()

# Replay every committed corpus and crash file (tests/replay.sh).
add_test(NAME replay/corpus-and-crashes
  COMMAND ${CMAKE_SOURCE_DIR}/tests/replay.sh $<TARGET_FILE:mmtorture> ${CMAKE_SOURCE_DIR})
set_tests_properties(replay/corpus-and-crashes PROPERTIES LABELS replay TIMEOUT 600)

# Every committed NAME.bin is the program its NAME.txt says (tests/programs.sh).
add_test(NAME replay/programs-match-their-text
  COMMAND ${CMAKE_SOURCE_DIR}/tests/programs.sh $<TARGET_FILE:mmtorture> ${CMAKE_SOURCE_DIR})
set_tests_properties(replay/programs-match-their-text PROPERTIES LABELS replay TIMEOUT 120)

# Short fuzz smoke: each fuzz target's standalone driver runs random inputs.
foreach(t ${MMT_FUZZ_TARGETS})
  add_test(NAME smoke/${t} COMMAND $<TARGET_FILE:${t}> -seconds=10 -seed=1
    ${CMAKE_SOURCE_DIR}/corpus/${t})
  set_tests_properties(smoke/${t} PROPERTIES LABELS smoke TIMEOUT 120)
endforeach()

# fuzz_diff: the smoke above runs ref-pages against ref-pages (said
# explicitly, so an MMT_ALLOCATOR in the caller's environment cannot change
# it); the committed corpus/fuzz_diff is replayed through the target, and
# its text traces through `mmtorture diff`: pages ones on two ref-pages
# (--strict: same policy, same offsets), objects ones on two glibc.
if(TARGET fuzz_diff)
  set_tests_properties(smoke/fuzz_diff PROPERTIES
    ENVIRONMENT "MMT_ALLOCATOR=ref-pages;MMT_AGAINST=ref-pages;MMT_STRICT=0")
  add_test(NAME replay/fuzz_diff COMMAND $<TARGET_FILE:fuzz_diff>
    ${CMAKE_SOURCE_DIR}/corpus/fuzz_diff)
  set_tests_properties(replay/fuzz_diff PROPERTIES LABELS replay TIMEOUT 300
    ENVIRONMENT "MMT_ALLOCATOR=ref-pages;MMT_AGAINST=ref-pages;MMT_STRICT=0")
endif()
file(GLOB MMT_DIFF_PAGES_TXT ${CMAKE_SOURCE_DIR}/corpus/fuzz_diff/pages_*.txt)
file(GLOB MMT_DIFF_OBJECTS_TXT ${CMAKE_SOURCE_DIR}/corpus/fuzz_diff/objects_*.txt)
if(MMT_DIFF_PAGES_TXT)
  add_test(NAME replay/diff-pages COMMAND $<TARGET_FILE:mmtorture> diff
    --allocator ref-pages --against ref-pages --strict ${MMT_DIFF_PAGES_TXT})
  set_tests_properties(replay/diff-pages PROPERTIES LABELS replay TIMEOUT 300)
endif()
if(MMT_DIFF_OBJECTS_TXT)
  add_test(NAME replay/diff-objects COMMAND $<TARGET_FILE:mmtorture> diff
    --allocator glibc --against glibc ${MMT_DIFF_OBJECTS_TXT})
  set_tests_properties(replay/diff-objects PROPERTIES LABELS replay TIMEOUT 300)
endif()

# Short stress smoke.
add_test(NAME smoke/stress-ref-pages COMMAND $<TARGET_FILE:mmtorture> stress
  --allocator ref-pages --threads 2 --seconds 10 --seed 1)
set_tests_properties(smoke/stress-ref-pages PROPERTIES LABELS smoke TIMEOUT 120)

# CLI behaviour (exit codes, messages): tests/tools/cli.sh
add_test(NAME tools/cli COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/cli.sh
  $<TARGET_FILE:mmtorture> ${CMAKE_SOURCE_DIR})
set_tests_properties(tools/cli PROPERTIES LABELS cli TIMEOUT 300)

# The example plug-in copied out of the tree builds with its own
# CMakeLists.txt, loads and holds; its broken copy is caught
# (tests/tools/example.sh).
add_test(NAME tools/example COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/example.sh
  $<TARGET_FILE:mmtorture> ${CMAKE_SOURCE_DIR} ${CMAKE_C_COMPILER})
set_tests_properties(tools/example PROPERTIES LABELS cli TIMEOUT 300)

# A program that allocates with GFP_KERNEL under a spinlock: replay
# reports CTX-SLEEP at op 3 (exit 1; tests/tools/ctx_sleep.txt).
add_test(NAME tools/ctx-sleep COMMAND $<TARGET_FILE:mmtorture> replay
  ${CMAKE_SOURCE_DIR}/tests/tools/ctx_sleep.txt)
set_tests_properties(tools/ctx-sleep PROPERTIES LABELS cli TIMEOUT 60
  PASS_REGULAR_EXPRESSION "violation 1: op 3: CTX-SLEEP \\[context\\]")

# A __GFP_NOFAIL request that finds nothing would hang the kernel:
# replay reports NOFAIL-STUCK at op 2 (tests/tools/nofail_stuck.txt); the
# one that cannot reclaim (op 1) only fails.
add_test(NAME tools/nofail-stuck COMMAND $<TARGET_FILE:mmtorture> replay
  ${CMAKE_SOURCE_DIR}/tests/tools/nofail_stuck.txt)
set_tests_properties(tools/nofail-stuck PROPERTIES LABELS cli TIMEOUT 60
  PASS_REGULAR_EXPRESSION "violation 1: op 2: NOFAIL-STUCK \\[caller\\]")

# Masks gfp_zone() forbids: replay reports GFP-ZONE-BAD at op 0 (the first
# of eight; tests/tools/gfp_zone_bad.txt).
add_test(NAME tools/gfp-zone-bad COMMAND $<TARGET_FILE:mmtorture> replay
  ${CMAKE_SOURCE_DIR}/tests/tools/gfp_zone_bad.txt)
set_tests_properties(tools/gfp-zone-bad PROPERTIES LABELS cli TIMEOUT 60
  PASS_REGULAR_EXPRESSION "violation 1: op 0: GFP-ZONE-BAD \\[caller\\]")

# Every id of the harness's invariant registry is reported by the sources,
# documented in docs/ and expected by a test (tests/invariants.sh).
add_test(NAME tools/invariants COMMAND ${CMAKE_SOURCE_DIR}/tests/invariants.sh
  $<TARGET_FILE:mmtorture> ${CMAKE_SOURCE_DIR})
set_tests_properties(tools/invariants PROPERTIES LABELS cli TIMEOUT 60)

# The sanitizer defaults of our executables (tests/tools/sanitizers.sh):
# exit 1 for every sanitizer's report, the environment still overriding,
# the fuzz targets' small ASan quarantine.
set(MMT_FUZZ_TARGET_FILES "")
foreach(t ${MMT_FUZZ_TARGETS})
  list(APPEND MMT_FUZZ_TARGET_FILES $<TARGET_FILE:${t}>)
endforeach()
add_test(NAME tools/sanitizers COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/sanitizers.sh
  ${MMT_SANITIZE} $<TARGET_FILE:mmtorture> ${MMT_FUZZ_TARGET_FILES})
set_tests_properties(tools/sanitizers PROPERTIES LABELS cli TIMEOUT 300)

# A plug-in that crashes on purpose (tests/plugins/crasher.c) under replay,
# diff and both fuzz targets: the trace reaches its file, the crash note
# names the op, the exit status and the chained handlers are as before
# (tests/tools/crash.sh).
if(TARGET fuzz_pages AND TARGET fuzz_diff)
  add_test(NAME tools/crash COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/crash.sh
    ${MMT_SANITIZE} $<TARGET_FILE:mmtorture> ${MMT_PLUGIN_DIR} ${CMAKE_SOURCE_DIR}
    $<TARGET_FILE:fuzz_pages> $<TARGET_FILE:fuzz_diff>)
  set_tests_properties(tools/crash PROPERTIES LABELS cli TIMEOUT 300)
endif()

# A plug-in built with libFuzzer coverage (simple_buddy_cov.so, made by
# MmtPlugins.cmake in clang builds) loads and runs in this build's
# mmtorture and fuzz_pages, which have no libFuzzer.
if(TARGET plugin_simple_buddy_cov)
  add_test(NAME replay/plugin-with-coverage COMMAND $<TARGET_FILE:mmtorture>
    replay --allocator ${MMT_PLUGIN_DIR}/simple_buddy_cov.so
    ${CMAKE_SOURCE_DIR}/corpus/fuzz_pages)
  set_tests_properties(replay/plugin-with-coverage PROPERTIES LABELS replay
    TIMEOUT 300)
  if(TARGET fuzz_pages)
    add_test(NAME replay/fuzz_pages-plugin-with-coverage
      COMMAND $<TARGET_FILE:fuzz_pages> ${CMAKE_SOURCE_DIR}/corpus/fuzz_pages)
    set_tests_properties(replay/fuzz_pages-plugin-with-coverage PROPERTIES
      LABELS replay TIMEOUT 300
      ENVIRONMENT "MMT_ALLOCATOR=${MMT_PLUGIN_DIR}/simple_buddy_cov.so")
  endif()
endif()

# Each blind spot the oracle closed: a bug of our own that only its rule
# catches, and correct allocators clean (tests/oracle.sh).
if(TARGET plugin_simple_buddy_lossy)
  add_test(NAME replay/oracle-blind-spots
    COMMAND ${CMAKE_SOURCE_DIR}/tests/oracle.sh $<TARGET_FILE:mmtorture>
    ${MMT_PLUGIN_DIR} ${CMAKE_SOURCE_DIR})
  set_tests_properties(replay/oracle-blind-spots PROPERTIES LABELS replay TIMEOUT 300)
endif()
