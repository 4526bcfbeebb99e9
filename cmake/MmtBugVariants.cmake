# SPDX-License-Identifier: MIT
# cmake/MmtBugVariants.cmake - the tools built against a ref/ with an
# injected bug, for the tests that need a reference that misbehaves in a
# known way inside an ordinary test build (included in the tests block of
# CMakeLists.txt, after MmtTests.cmake).
#
#   mmt_ref_nozero        ref/ with REF_BUG=3: __GFP_ZERO is ignored
#   mmtorture_nozero      the CLI on it (the same harness and tool objects)
#   fuzz_pages_nozero     the fuzz_pages target on it (standalone driver)
#   mmt_ref_upool_highmem ref/ with REF_BUG=4: upool_create keeps
#                         __GFP_HIGHMEM, and a REF_ASSERT fires
#   mmtorture_upool_highmem  the CLI on it
#   fuzz_upool_upool_highmem the fuzz_upool target on it (standalone driver)
#   mmt_ref_memlimit, mmtorture_memlimit, fuzz_pages_memlimit: REF_BUG=5,
#                         mem= keeps the page at the limit
#   mmt_ref_reserveshort, mmtorture_reserveshort, fuzz_pages_reserveshort:
#                         REF_BUG=6, a reserved range's last page is freed
#   mmt_ref_wmark, mmtorture_wmark, fuzz_pages_wmark: REF_BUG=7, no
#                         watermark check
#   mmt_ref_wmarkstrict, ...: REF_BUG=8, no allowance in the slow path
#   mmt_ref_pcpnodrain, ...: REF_BUG=11, no drain of the per-CPU lists
#                         before a request fails
#   mmt_ref_faultminorder, mmt_ref_faultnofail, ...: REF_BUG=9, 10, the
#                         fault filters for min-order and __GFP_NOFAIL gone
#   mmt_ref_reclaimmask, mmtorture_reclaimmask, fuzz_pages_reclaimmask:
#                         REF_BUG=12, shrink_slab runs every shrinker
#                         whatever the mask (GFP_NOFS scans FS caches)
#
# tests/fresh.sh uses them: a reproducer whose violation depends on RAM
# contents must give the same report after a thousand inputs in one
# process as in a fresh one; tests/tools/ref_assert.sh: a failed ref
# assertion under replay is a REF-ASSERT finding of its op. Only built when the build itself has no
# injected bug (REF_BUG=none), so the two definitions never meet.

if(NOT REF_BUG STREQUAL "none" OR MMT_FUZZ STREQUAL "libfuzzer")
  return()
endif()

# One variant: ref/ built with REF_BUG=NUM as mmt_ref_NAME, the CLI on it
# as mmtorture_NAME, and the FUZZ target (fuzz_pages, fuzz_upool) on it
# with the standalone driver as FUZZ_NAME.
function(mmt_ref_bug_variant name num fuzz)
  add_library(mmt_ref_${name} STATIC ${REF_SOURCES})
  target_include_directories(mmt_ref_${name} PUBLIC ${CMAKE_SOURCE_DIR}/ref/include
    PRIVATE ${CMAKE_SOURCE_DIR}/ref)
  target_compile_definitions(mmt_ref_${name} PRIVATE REF_BUG=${num})
  target_link_libraries(mmt_ref_${name} PUBLIC Threads::Threads PRIVATE mmt_flags)
  add_executable(mmtorture_${name} $<TARGET_OBJECTS:mmt_tools_objs>
    $<TARGET_OBJECTS:mmt_harness_objs>)
  target_link_libraries(mmtorture_${name} PRIVATE mmt_sanopt mmt_ref_${name} mmt_lib mmt_flags m
    Threads::Threads ${CMAKE_DL_LIBS})
  add_executable(${fuzz}_${name} ${CMAKE_SOURCE_DIR}/fuzz/${fuzz}.c
    ${CMAKE_SOURCE_DIR}/fuzz/driver.c $<TARGET_OBJECTS:mmt_harness_objs>)
  target_include_directories(${fuzz}_${name} PRIVATE ${CMAKE_SOURCE_DIR}/include)
  target_link_libraries(${fuzz}_${name} PRIVATE mmt_sanopt_fuzz mmt_ref_${name} mmt_lib mmt_flags
    Threads::Threads ${CMAKE_DL_LIBS})
endfunction()

mmt_ref_bug_variant(nozero 3 fuzz_pages)
mmt_ref_bug_variant(upool_highmem 4 fuzz_upool)
# The shadow's own map (SHADOW-MAP, STRESS-MAP): "memlimit" (mem= keeps the
# page at the limit) and "reserve-short" (the last page of each reserved
# range reaches the buddy) agree with themselves; only the machine's map,
# derived by the harness on its own, tells (tests/tools/ref_map.sh).
mmt_ref_bug_variant(memlimit 5 fuzz_pages)
mmt_ref_bug_variant(reserveshort 6 fuzz_pages)
# The watermark oracle (ORACLE-WATERMARK, ORACLE-MUST-SUCCEED under the
# kernel's rules): "wmark" grants below min, "wmarkstrict" refuses
# __GFP_HIGH and atomic requests their allowance (tests/tools/ref_allocpath.sh).
mmt_ref_bug_variant(wmark 7 fuzz_pages)
mmt_ref_bug_variant(wmarkstrict 8 fuzz_pages)
# ... and the per-CPU lists' pages, which only count for a request once
# drained: "pcpnodrain" fails without draining them first.
mmt_ref_bug_variant(pcpnodrain 11 fuzz_pages)
# The fault model (ORACLE-FAULT): "faultminorder" counts and fails
# requests below fail_min_order, "faultnofail" __GFP_NOFAIL ones; the
# shadow's own model, out of step with them, sees a call granted that it
# fails (tests/tools/ref_fault.sh).
mmt_ref_bug_variant(faultminorder 9 fuzz_pages)
mmt_ref_bug_variant(faultnofail 10 fuzz_pages)
# Reclaim's mask rule (CTX-RECLAIM, ref's own record of a shrinker scanned
# against it, reported by its check): "reclaimmask" lets GFP_NOFS and
# GFP_NOIO reclaim scan caches that need __GFP_FS / __GFP_IO
# (tests/allocpath/reclaim-nofs.txt, tests/tools/ref_allocpath.sh).
mmt_ref_bug_variant(reclaimmask 12 fuzz_pages)

add_test(NAME replay/fresh-process COMMAND ${CMAKE_SOURCE_DIR}/tests/fresh.sh
  ${CMAKE_BINARY_DIR}/bin ${MMT_PLUGIN_DIR})
set_tests_properties(replay/fresh-process PROPERTIES LABELS replay TIMEOUT 300)

add_test(NAME tools/ref-assert COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/ref_assert.sh
  $<TARGET_FILE:mmtorture> $<TARGET_FILE:mmtorture_upool_highmem> $<TARGET_FILE:fuzz_upool_upool_highmem>
  ${CMAKE_SOURCE_DIR})
set_tests_properties(tools/ref-assert PROPERTIES LABELS cli TIMEOUT 120)

add_test(NAME tools/ref-map COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/ref_map.sh
  ${CMAKE_BINARY_DIR}/bin ${CMAKE_SOURCE_DIR})
set_tests_properties(tools/ref-map PROPERTIES LABELS cli TIMEOUT 300)

add_test(NAME tools/ref-allocpath COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/ref_allocpath.sh
  ${CMAKE_BINARY_DIR}/bin ${CMAKE_SOURCE_DIR})
set_tests_properties(tools/ref-allocpath PROPERTIES LABELS cli TIMEOUT 300)

add_test(NAME tools/ref-fault COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/ref_fault.sh
  ${CMAKE_BINARY_DIR}/bin ${CMAKE_SOURCE_DIR})
set_tests_properties(tools/ref-fault PROPERTIES LABELS cli TIMEOUT 300)
