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
#
# tests/fresh.sh uses them: a reproducer whose violation depends on RAM
# contents must give the same report after a thousand inputs in one
# process as in a fresh one; tests/tools/ref_assert.sh: a failed ref
# assertion under replay is a REF-ASSERT finding of its op. Only built when the build itself has no
# injected bug (REF_BUG=none), so the two definitions never meet.

if(NOT REF_BUG STREQUAL "none" OR MMT_FUZZ STREQUAL "libfuzzer")
  return()
endif()

add_library(mmt_ref_nozero STATIC ${REF_SOURCES})
target_include_directories(mmt_ref_nozero PUBLIC ${CMAKE_SOURCE_DIR}/ref/include
  PRIVATE ${CMAKE_SOURCE_DIR}/ref)
target_compile_definitions(mmt_ref_nozero PRIVATE REF_BUG=3)
target_link_libraries(mmt_ref_nozero PUBLIC Threads::Threads PRIVATE mmt_flags)

add_executable(mmtorture_nozero $<TARGET_OBJECTS:mmt_tools_objs>
  $<TARGET_OBJECTS:mmt_harness_objs>)
target_link_libraries(mmtorture_nozero PRIVATE mmt_sanopt mmt_ref_nozero mmt_lib mmt_flags m
  Threads::Threads ${CMAKE_DL_LIBS})

add_executable(fuzz_pages_nozero ${CMAKE_SOURCE_DIR}/fuzz/fuzz_pages.c
  ${CMAKE_SOURCE_DIR}/fuzz/driver.c $<TARGET_OBJECTS:mmt_harness_objs>)
target_include_directories(fuzz_pages_nozero PRIVATE ${CMAKE_SOURCE_DIR}/include)
target_link_libraries(fuzz_pages_nozero PRIVATE mmt_sanopt_fuzz mmt_ref_nozero mmt_lib mmt_flags
  Threads::Threads ${CMAKE_DL_LIBS})

add_test(NAME replay/fresh-process COMMAND ${CMAKE_SOURCE_DIR}/tests/fresh.sh
  ${CMAKE_BINARY_DIR}/bin ${MMT_PLUGIN_DIR})
set_tests_properties(replay/fresh-process PROPERTIES LABELS replay TIMEOUT 300)

add_library(mmt_ref_upool_highmem STATIC ${REF_SOURCES})
target_include_directories(mmt_ref_upool_highmem PUBLIC ${CMAKE_SOURCE_DIR}/ref/include
  PRIVATE ${CMAKE_SOURCE_DIR}/ref)
target_compile_definitions(mmt_ref_upool_highmem PRIVATE REF_BUG=4)
target_link_libraries(mmt_ref_upool_highmem PUBLIC Threads::Threads PRIVATE mmt_flags)

add_executable(mmtorture_upool_highmem $<TARGET_OBJECTS:mmt_tools_objs>
  $<TARGET_OBJECTS:mmt_harness_objs>)
target_link_libraries(mmtorture_upool_highmem PRIVATE mmt_sanopt mmt_ref_upool_highmem mmt_lib
  mmt_flags m Threads::Threads ${CMAKE_DL_LIBS})

add_executable(fuzz_upool_upool_highmem ${CMAKE_SOURCE_DIR}/fuzz/fuzz_upool.c
  ${CMAKE_SOURCE_DIR}/fuzz/driver.c $<TARGET_OBJECTS:mmt_harness_objs>)
target_include_directories(fuzz_upool_upool_highmem PRIVATE ${CMAKE_SOURCE_DIR}/include)
target_link_libraries(fuzz_upool_upool_highmem PRIVATE mmt_sanopt_fuzz mmt_ref_upool_highmem
  mmt_lib mmt_flags Threads::Threads ${CMAKE_DL_LIBS})

add_test(NAME tools/ref-assert COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/ref_assert.sh
  $<TARGET_FILE:mmtorture> $<TARGET_FILE:mmtorture_upool_highmem> $<TARGET_FILE:fuzz_upool_upool_highmem>
  ${CMAKE_SOURCE_DIR})
set_tests_properties(tools/ref-assert PROPERTIES LABELS cli TIMEOUT 120)

# The shadow's own map (SHADOW-MAP, STRESS-MAP): ref/ with REF_BUG=5
# ("memlimit": mem= keeps the page at the limit) and REF_BUG=6
# ("reserve-short": the last page of each reserved range reaches the
# buddy). Both agree with themselves: only the machine's map, derived by
# the harness on its own, tells (tests/tools/ref_map.sh).
foreach(bug memlimit reserveshort)
  if(bug STREQUAL "memlimit")
    set(num 5)
  else()
    set(num 6)
  endif()
  add_library(mmt_ref_${bug} STATIC ${REF_SOURCES})
  target_include_directories(mmt_ref_${bug} PUBLIC ${CMAKE_SOURCE_DIR}/ref/include
    PRIVATE ${CMAKE_SOURCE_DIR}/ref)
  target_compile_definitions(mmt_ref_${bug} PRIVATE REF_BUG=${num})
  target_link_libraries(mmt_ref_${bug} PUBLIC Threads::Threads PRIVATE mmt_flags)
  add_executable(mmtorture_${bug} $<TARGET_OBJECTS:mmt_tools_objs>
    $<TARGET_OBJECTS:mmt_harness_objs>)
  target_link_libraries(mmtorture_${bug} PRIVATE mmt_sanopt mmt_ref_${bug} mmt_lib mmt_flags m
    Threads::Threads ${CMAKE_DL_LIBS})
  add_executable(fuzz_pages_${bug} ${CMAKE_SOURCE_DIR}/fuzz/fuzz_pages.c
    ${CMAKE_SOURCE_DIR}/fuzz/driver.c $<TARGET_OBJECTS:mmt_harness_objs>)
  target_include_directories(fuzz_pages_${bug} PRIVATE ${CMAKE_SOURCE_DIR}/include)
  target_link_libraries(fuzz_pages_${bug} PRIVATE mmt_sanopt_fuzz mmt_ref_${bug} mmt_lib mmt_flags
    Threads::Threads ${CMAKE_DL_LIBS})
endforeach()

add_test(NAME tools/ref-map COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/ref_map.sh
  ${CMAKE_BINARY_DIR}/bin ${CMAKE_SOURCE_DIR})
set_tests_properties(tools/ref-map PROPERTIES LABELS cli TIMEOUT 300)
