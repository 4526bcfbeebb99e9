# SPDX-License-Identifier: MIT
# cmake/MmtStressTests.cmake - stress smoke tests per scenario and allocator,
# and the stress sources for the Criterion tests in tests/stress/.
# Included inside the tests block of CMakeLists.txt (after MmtTests.cmake,
# which creates one target stress_<name> per tests/stress/test_*.c).

# tests/stress/ call the harness functions in stress/*.c directly.
file(GLOB MMT_STRESS_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/stress/*.c)
file(GLOB MMT_STRESS_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/stress/test_*.c)
foreach(src ${MMT_STRESS_TESTS})
  get_filename_component(name ${src} NAME_WE)
  if(TARGET stress_${name})
    target_sources(stress_${name} PRIVATE ${MMT_STRESS_SOURCES})
    target_include_directories(stress_${name} PRIVATE ${CMAKE_SOURCE_DIR}/stress)
  endif()
endforeach()

# kmalloc-mix on glibc: 5 s, 2 threads.
add_test(NAME smoke/stress-kmalloc-mix-glibc COMMAND $<TARGET_FILE:mmtorture>
  stress --allocator glibc --scenario kmalloc-mix --threads 2 --seconds 5 --seed 1)
set_tests_properties(smoke/stress-kmalloc-mix-glibc PROPERTIES LABELS smoke TIMEOUT 120)

# upool-mix on ref-pages' pools: 5 s, 2 threads.
add_test(NAME smoke/stress-upool-mix-ref-pages COMMAND $<TARGET_FILE:mmtorture>
  stress --allocator ref-pages --scenario upool-mix --threads 2 --seconds 5 --seed 1)
set_tests_properties(smoke/stress-upool-mix-ref-pages PROPERTIES LABELS smoke TIMEOUT 120)

# pages-mix on the example plug-in (no OWN_ARENA: the harness maps the
# arena), built by cmake/MmtPlugins.cmake as target plugin_simple_buddy.
if(TARGET plugin_simple_buddy)
  add_test(NAME smoke/stress-pages-mix-simple-buddy COMMAND $<TARGET_FILE:mmtorture>
    stress --allocator $<TARGET_FILE:plugin_simple_buddy> --scenario pages-mix
    --threads 2 --seconds 5 --seed 1)
  set_tests_properties(smoke/stress-pages-mix-simple-buddy PROPERTIES LABELS smoke TIMEOUT 120)
endif()

# pages-mix on machines of the binary header's set (--machine any), the
# ones the fuzzers reach: a few seeds each, on ref-pages and the plug-in.
foreach(seed 1 2 3 4)
  add_test(NAME smoke/stress-pages-mix-any-${seed}-ref-pages COMMAND $<TARGET_FILE:mmtorture>
    stress --allocator ref-pages --scenario pages-mix --threads 2 --seconds 2
    --seed ${seed} --machine any)
  set_tests_properties(smoke/stress-pages-mix-any-${seed}-ref-pages PROPERTIES LABELS smoke
    TIMEOUT 120)
  if(TARGET plugin_simple_buddy)
    add_test(NAME smoke/stress-pages-mix-any-${seed}-simple-buddy COMMAND $<TARGET_FILE:mmtorture>
      stress --allocator $<TARGET_FILE:plugin_simple_buddy> --scenario pages-mix --threads 2
      --seconds 2 --seed ${seed} --machine any)
    set_tests_properties(smoke/stress-pages-mix-any-${seed}-simple-buddy PROPERTIES
      LABELS smoke TIMEOUT 120)
  endif()
endforeach()

# reclaim (stress/reclaim.c) on ref-pages: 3 s with two threads (kswapd a
# thread) and one (kswapd inline), 2 s on two machines of the binary
# header's set.
add_test(NAME smoke/stress-reclaim-ref-pages COMMAND $<TARGET_FILE:mmtorture>
  stress --allocator ref-pages --scenario reclaim --threads 2 --seconds 3 --seed 1)
set_tests_properties(smoke/stress-reclaim-ref-pages PROPERTIES LABELS smoke TIMEOUT 120)
add_test(NAME smoke/stress-reclaim-1-ref-pages COMMAND $<TARGET_FILE:mmtorture>
  stress --allocator ref-pages --scenario reclaim --threads 1 --seconds 2 --seed 1)
set_tests_properties(smoke/stress-reclaim-1-ref-pages PROPERTIES LABELS smoke TIMEOUT 120)
foreach(seed 2 3)
  add_test(NAME smoke/stress-reclaim-any-${seed}-ref-pages COMMAND $<TARGET_FILE:mmtorture>
    stress --allocator ref-pages --scenario reclaim --threads 2 --seconds 2
    --seed ${seed} --machine any)
  set_tests_properties(smoke/stress-reclaim-any-${seed}-ref-pages PROPERTIES LABELS smoke
    TIMEOUT 120)
endforeach()

# The page allocation path scenarios (stress/pagepath.c) on ref-pages: 3 s
# on the default machine, 2 s on two machines of the binary header's set.
foreach(sc atomic-burst highorder-frag pcp-churn dma-starve)
  add_test(NAME smoke/stress-${sc}-ref-pages COMMAND $<TARGET_FILE:mmtorture>
    stress --allocator ref-pages --scenario ${sc} --threads 2 --seconds 3 --seed 1)
  set_tests_properties(smoke/stress-${sc}-ref-pages PROPERTIES LABELS smoke TIMEOUT 120)
  foreach(seed 2 3)
    add_test(NAME smoke/stress-${sc}-any-${seed}-ref-pages COMMAND $<TARGET_FILE:mmtorture>
      stress --allocator ref-pages --scenario ${sc} --threads 2 --seconds 2
      --seed ${seed} --machine any)
    set_tests_properties(smoke/stress-${sc}-any-${seed}-ref-pages PROPERTIES LABELS smoke
      TIMEOUT 120)
  endforeach()
endforeach()
