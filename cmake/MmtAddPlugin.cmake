# SPDX-License-Identifier: MIT
# cmake/MmtAddPlugin.cmake - mmt_add_plugin(), the one way a plug-in is
# built: by the example's own CMakeLists.txt (adapters/examples/simple_buddy,
# the file a user copies next to an allocator) and by the in-tree build
# (cmake/MmtPlugins.cmake). include() it from an mmtorture checkout:
#   include(${MMTORTURE_DIR}/cmake/MmtAddPlugin.cmake)
#   mmt_add_plugin(my_alloc my_alloc.c)
#
# mmt_add_plugin(NAME SOURCE... [DEFINITIONS DEF...] [COVERAGE ON|OFF])
#   A MODULE library NAME.so built as a plug-in must be: the adapter header
#   only, hidden visibility but for the entry symbol (MMT_EXPORT), threads,
#   no sanitizer. COVERAGE (default MMT_PLUGIN_FUZZ) adds
#   -fsanitize=fuzzer-no-link so that libFuzzer (fuzz_diff) sees the edges
#   inside the allocator, not only the harness's; without it the fuzzer is
#   blind inside the plug-in. Comparison tracing is left out
#   (-fno-sanitize-coverage=trace-cmp): an allocator compares orders, pfns
#   and counters the harness already varies, and with it the example ran at
#   under half the exec/s for two more edges (1,081 against 1,079 in 20 s of
#   fuzz_diff). sancov_weak.c is added with coverage so that the plug-in
#   still loads into a program with no coverage hooks (a release build of
#   mmtorture); the ASan and TSan builds and fuzz_diff provide them.
#
# Variables read:
#   MMT_PLUGIN_FUZZ              the COVERAGE default (an option, ON with
#                                clang unless set before the include)
#   MMT_PLUGIN_TARGET_PREFIX     prepended to NAME for the target ("")
#   MMT_PLUGIN_OUTPUT_DIRECTORY  where NAME.so lands (the build's default)
#   MMT_PLUGIN_COMPILE_OPTIONS   added to -Wall -Wextra (the tree: -Werror)
# Every target made is appended to the global property MMT_PLUGIN_TARGETS.
include_guard(GLOBAL)

get_filename_component(_mmt_plugin_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
if(NOT EXISTS "${_mmt_plugin_root}/include/mmtorture/adapter.h")
  message(FATAL_ERROR "MmtAddPlugin.cmake: ${_mmt_plugin_root} is not an mmtorture checkout (no include/mmtorture/adapter.h)")
endif()
set(_mmt_sancov_weak
  "${_mmt_plugin_root}/adapters/examples/simple_buddy/sancov_weak.c")

if(CMAKE_C_COMPILER_ID MATCHES "Clang")
  set(_mmt_plugin_fuzz_default ON)
else()
  set(_mmt_plugin_fuzz_default OFF)
endif()
option(MMT_PLUGIN_FUZZ
  "Coverage instrumentation for libFuzzer (-fsanitize=fuzzer-no-link)"
  ${_mmt_plugin_fuzz_default})
if(MMT_PLUGIN_FUZZ AND NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "MMT_PLUGIN_FUZZ needs clang (-DCMAKE_C_COMPILER=clang), or set it OFF")
endif()

find_package(Threads REQUIRED)

function(mmt_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "COVERAGE" "DEFINITIONS")
  if(NOT arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "mmt_add_plugin(${name}): no source files")
  endif()
  if(NOT DEFINED arg_COVERAGE)
    set(arg_COVERAGE ${MMT_PLUGIN_FUZZ})
  endif()
  set(target "${MMT_PLUGIN_TARGET_PREFIX}${name}")
  add_library(${target} MODULE ${arg_UNPARSED_ARGUMENTS})
  target_include_directories(${target} PRIVATE "${_mmt_plugin_root}/include")
  target_compile_options(${target} PRIVATE -Wall -Wextra
    ${MMT_PLUGIN_COMPILE_OPTIONS})
  target_compile_definitions(${target} PRIVATE
    "MMT_EXPORT=__attribute__((visibility(\"default\")))" ${arg_DEFINITIONS})
  target_link_libraries(${target} PRIVATE Threads::Threads)
  set_target_properties(${target} PROPERTIES
    PREFIX "" OUTPUT_NAME ${name} SUFFIX ".so" C_VISIBILITY_PRESET hidden)
  if(MMT_PLUGIN_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES
      LIBRARY_OUTPUT_DIRECTORY "${MMT_PLUGIN_OUTPUT_DIRECTORY}")
  endif()
  if(arg_COVERAGE)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link
      -fno-sanitize-coverage=trace-cmp)
    target_sources(${target} PRIVATE ${_mmt_sancov_weak})
    set_source_files_properties(${_mmt_sancov_weak} TARGET_DIRECTORY ${target}
      PROPERTIES COMPILE_OPTIONS "-fno-sanitize=fuzzer-no-link")
  endif()
  set_property(GLOBAL APPEND PROPERTY MMT_PLUGIN_TARGETS ${target})
endfunction()
