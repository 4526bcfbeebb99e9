# mmt_add_warnings(target): the project's warning set, each flag probed.
function(mmt_add_warnings target)
  set(flags -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wstrict-prototypes -Wmissing-prototypes -Wcast-align -Wvla -Wformat=2
    -Wimplicit-fallthrough -Wundef -Wno-gnu-zero-variadic-macro-arguments)
  foreach(flag ${flags})
    string(MAKE_C_IDENTIFIER "HAVE_WARN${flag}" var)
    check_c_compiler_flag(${flag} ${var})
    if(${var})
      target_compile_options(${target} INTERFACE ${flag})
    endif()
  endforeach()
  if(MMT_WERROR)
    target_compile_options(${target} INTERFACE -Werror)
  endif()
endfunction()
