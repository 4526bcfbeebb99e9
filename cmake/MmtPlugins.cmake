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
#   class_objects.so (16-byte size classes up to 4 KiB, USABLE_SIZE);
#   class_objects_wide.so (its usable size reaches the next object);
#   class_objects_overflow.so (calloc's nmemb x size wraps);
#   class_objects_wrap.so (malloc's header wraps a size near SIZE_MAX)
#                                            tests/plugins/class_objects.c
#   small_objects.so (objects up to 4 KiB aligned to 8, declared so);
#   small_objects_liar.so (the same, declaring 16); small_objects_badalign.so
#   (declaring 24)                           tests/plugins/small_objects.c
#   crasher.so                               tests/plugins/crasher.c (crashes
#                                            on purpose, for tests/tools/crash.sh)
#   simple_buddy_cov.so                      simple_buddy.c with libFuzzer
#                                            coverage, in every clang build:
#                                            the test that such a plug-in
#                                            loads into a host without libFuzzer
#   not_elf.so                               a text file (not a shared object)
#
# MMT_PLUGIN_FUZZ (ON in the fuzz preset): the example plug-ins
# simple_buddy*.so are built with libFuzzer coverage, as the example's own
# CMakeLists.txt builds them by default with clang (mmt_add_plugin's
# COVERAGE, cmake/MmtAddPlugin.cmake); the test plug-ins never are.
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

# Built as a user's plug-in is (cmake/MmtAddPlugin.cmake), as target
# plugin_NAME, warnings as errors.
set(MMT_PLUGIN_TARGET_PREFIX plugin_)
set(MMT_PLUGIN_OUTPUT_DIRECTORY ${MMT_PLUGIN_DIR})
set(MMT_PLUGIN_COMPILE_OPTIONS -Werror)
include(${CMAKE_SOURCE_DIR}/cmake/MmtAddPlugin.cmake)

set(_sb ${CMAKE_SOURCE_DIR}/adapters/examples/simple_buddy/simple_buddy.c)
mmt_add_plugin(simple_buddy ${_sb})
mmt_add_plugin(simple_buddy_buggy ${_sb} DEFINITIONS SIMPLE_BUDDY_BUG=1)
mmt_add_plugin(simple_buddy_nozero ${_sb} DEFINITIONS SIMPLE_BUDDY_BUG=2)
mmt_add_plugin(simple_buddy_lossy ${_sb} DEFINITIONS SIMPLE_BUDDY_BUG=3)
mmt_add_plugin(simple_buddy_nofallback ${_sb} DEFINITIONS SIMPLE_BUDDY_BUG=4)
mmt_add_plugin(simple_buddy_hizero ${_sb} DEFINITIONS SIMPLE_BUDDY_BUG=5)
mmt_add_plugin(simple_buddy_zonemerge ${_sb} DEFINITIONS SIMPLE_BUDDY_BUG=6)
if(CMAKE_C_COMPILER_ID MATCHES "Clang" AND NOT MMT_FUZZ STREQUAL "afl")
  mmt_add_plugin(simple_buddy_cov ${_sb} COVERAGE ON)
endif()

foreach(_p bad_abi no_entry missing_fn null_entry small_struct no_create
    no_name fussy bad_align crasher small_table table_version no_table
    reserved_cap v1_plugin small_objects)
  mmt_add_plugin(${_p} ${CMAKE_SOURCE_DIR}/tests/plugins/${_p}.c COVERAGE OFF)
endforeach()
set(_co ${CMAKE_SOURCE_DIR}/tests/plugins/class_objects.c)
mmt_add_plugin(class_objects ${_co} COVERAGE OFF)
mmt_add_plugin(class_objects_wide ${_co} COVERAGE OFF
  DEFINITIONS CLASS_OBJECTS_BUG=1)
mmt_add_plugin(class_objects_overflow ${_co} COVERAGE OFF
  DEFINITIONS CLASS_OBJECTS_BUG=2)
mmt_add_plugin(class_objects_wrap ${_co} COVERAGE OFF
  DEFINITIONS CLASS_OBJECTS_BUG=3)
set(_so ${CMAKE_SOURCE_DIR}/tests/plugins/small_objects.c)
mmt_add_plugin(small_objects_liar ${_so} COVERAGE OFF
  DEFINITIONS SMALL_OBJECTS_MIN_ALIGN=16)
mmt_add_plugin(small_objects_badalign ${_so} COVERAGE OFF
  DEFINITIONS SMALL_OBJECTS_MIN_ALIGN=24)

file(MAKE_DIRECTORY ${MMT_PLUGIN_DIR})
configure_file(${CMAKE_SOURCE_DIR}/tests/plugins/not_elf.so.in
  ${MMT_PLUGIN_DIR}/not_elf.so COPYONLY)

get_property(_mmt_plugin_targets GLOBAL PROPERTY MMT_PLUGIN_TARGETS)
add_custom_target(mmt_plugins ALL DEPENDS ${_mmt_plugin_targets})

function(mmt_plugins_wire_tests)
  foreach(_t harness_test_plugin harness_test_peers stress_test_stress_zones)
    if(TARGET ${_t})
      target_compile_definitions(${_t} PRIVATE
        MMT_PLUGIN_DIR="${MMT_PLUGIN_DIR}" MMT_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
      add_dependencies(${_t} mmt_plugins)
    endif()
  endforeach()
endfunction()
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL mmt_plugins_wire_tests)
