# SPDX-License-Identifier: MIT
# cmake/MmtPlugins.cmake - in-tree builds of the example plug-ins and of the
# broken plug-ins the loader tests use. Everything lands in
# ${CMAKE_BINARY_DIR}/plugins/NAME.so:
#   simple_buddy.so, simple_buddy_buggy.so   adapters/examples/simple_buddy
#   simple_buddy_nozero.so                   the same, ignoring __GFP_ZERO
#   bad_abi.so no_entry.so missing_fn.so null_entry.so small_struct.so
#   no_create.so no_name.so fussy.so         tests/plugins/*.c
#   small_table.so table_version.so no_table.so reserved_cap.so
#   v1_plugin.so                             tests/plugins/*.c
#   bad_align.so (an OBJECTS malloc with a misaligned aligned op)
#   small_objects.so (objects up to 4 KiB aligned to 8, declared so);
#   small_objects_liar.so (the same, declaring 16); small_objects_badalign.so
#   (declaring 24)                           tests/plugins/small_objects.c
#   crasher.so                               tests/plugins/crasher.c (crashes
#                                            on purpose, for tests/tools/crash.sh)
#   simple_buddy_cov.so                      simple_buddy.c with libFuzzer
#                                            coverage, in every clang build:
#                                            the test that such a plug-in
#                                            loads into a host without libFuzzer
#
# MMT_PLUGIN_FUZZ (ON in the fuzz preset): the example plug-ins
# simple_buddy.so and simple_buddy_buggy.so are built with
# -fsanitize=fuzzer-no-link, as the example's own CMakeLists.txt does by
# default with clang, so that fuzz_diff sees the edges inside them; with
# adapters/examples/simple_buddy/sancov_weak.c, which lets such a plug-in
# load into a program without coverage hooks.
#   not_elf.so                               a text file (not a shared object)
#
# Plug-ins are MODULE libraries built like a user's would be: the adapter
# header only, hidden visibility but for the entry symbol, no sanitizer
# (a sanitizer-built host loads uninstrumented plug-ins fine; an
# instrumented plug-in would need the host to be instrumented too).
#
# The loader test (harness_test_plugin, made by MmtTests.cmake, which is
# included after this file) is wired to the plug-ins at the end of the
# top directory (cmake_language DEFER): it gets MMT_PLUGIN_DIR and a
# dependency on every plug-in target.

set(MMT_PLUGIN_DIR ${CMAKE_BINARY_DIR}/plugins)
set(MMT_PLUGIN_TARGETS "")

# mmt_plugin(NAME SOURCE [DEFINITIONS...])
function(mmt_plugin name src)
  add_library(plugin_${name} MODULE ${src})
  target_include_directories(plugin_${name} PRIVATE ${CMAKE_SOURCE_DIR}/include)
  target_compile_options(plugin_${name} PRIVATE -Wall -Wextra -Werror)
  target_compile_definitions(plugin_${name} PRIVATE
    "MMT_EXPORT=__attribute__((visibility(\"default\")))" ${ARGN})
  target_link_libraries(plugin_${name} PRIVATE Threads::Threads)
  set_target_properties(plugin_${name} PROPERTIES
    PREFIX "" OUTPUT_NAME ${name} SUFFIX ".so"
    C_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY ${MMT_PLUGIN_DIR})
  set(MMT_PLUGIN_TARGETS ${MMT_PLUGIN_TARGETS} plugin_${name} PARENT_SCOPE)
endfunction()

if(MMT_FUZZ STREQUAL "libfuzzer")
  set(_mmt_plugin_fuzz_default ON)
else()
  set(_mmt_plugin_fuzz_default OFF)
endif()
option(MMT_PLUGIN_FUZZ "Build the example plug-ins with libFuzzer coverage"
  ${_mmt_plugin_fuzz_default})
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang" OR MMT_FUZZ STREQUAL "afl")
  set(MMT_PLUGIN_FUZZ OFF)
endif()

set(_sancov ${CMAKE_SOURCE_DIR}/adapters/examples/simple_buddy/sancov_weak.c)
set_source_files_properties(${_sancov} PROPERTIES
  COMPILE_OPTIONS "-fno-sanitize=fuzzer-no-link")

# mmt_plugin_fuzz(NAME): edge coverage for libFuzzer, without comparison
# tracing (as the example's own CMakeLists.txt, which says why).
function(mmt_plugin_fuzz name)
  target_compile_options(plugin_${name} PRIVATE -fsanitize=fuzzer-no-link
    -fno-sanitize-coverage=trace-cmp)
  target_sources(plugin_${name} PRIVATE ${_sancov})
endfunction()

set(_sb ${CMAKE_SOURCE_DIR}/adapters/examples/simple_buddy/simple_buddy.c)
mmt_plugin(simple_buddy ${_sb})
mmt_plugin(simple_buddy_buggy ${_sb} SIMPLE_BUDDY_BUG=1)
mmt_plugin(simple_buddy_nozero ${_sb} SIMPLE_BUDDY_BUG=2)
if(MMT_PLUGIN_FUZZ)
  mmt_plugin_fuzz(simple_buddy)
  mmt_plugin_fuzz(simple_buddy_buggy)
  mmt_plugin_fuzz(simple_buddy_nozero)
endif()
if(CMAKE_C_COMPILER_ID MATCHES "Clang" AND NOT MMT_FUZZ STREQUAL "afl")
  mmt_plugin(simple_buddy_cov ${_sb})
  mmt_plugin_fuzz(simple_buddy_cov)
endif()

foreach(_p bad_abi no_entry missing_fn null_entry small_struct no_create
    no_name fussy bad_align crasher small_table table_version no_table
    reserved_cap v1_plugin small_objects)
  mmt_plugin(${_p} ${CMAKE_SOURCE_DIR}/tests/plugins/${_p}.c)
endforeach()
set(_so ${CMAKE_SOURCE_DIR}/tests/plugins/small_objects.c)
mmt_plugin(small_objects_liar ${_so} SMALL_OBJECTS_MIN_ALIGN=16)
mmt_plugin(small_objects_badalign ${_so} SMALL_OBJECTS_MIN_ALIGN=24)

file(MAKE_DIRECTORY ${MMT_PLUGIN_DIR})
configure_file(${CMAKE_SOURCE_DIR}/tests/plugins/not_elf.so.in
  ${MMT_PLUGIN_DIR}/not_elf.so COPYONLY)

add_custom_target(mmt_plugins ALL DEPENDS ${MMT_PLUGIN_TARGETS})

function(mmt_plugins_wire_tests)
  foreach(_t harness_test_plugin harness_test_peers)
    if(TARGET ${_t})
      target_compile_definitions(${_t} PRIVATE
        MMT_PLUGIN_DIR="${MMT_PLUGIN_DIR}" MMT_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
      add_dependencies(${_t} mmt_plugins)
    endif()
  endforeach()
endfunction()
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL mmt_plugins_wire_tests)
