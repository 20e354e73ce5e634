# l2mac_add_module(NAME SOURCES ... DEPS ...)
# Defines the static library l2mac_<NAME> for one top-level module. Its headers are
# included as "<module>/<file>.hpp" from the source tree only: they are not installed. The
# public API (include/l2mac/*.hpp, included as <l2mac/<file>.hpp>) is found in the source
# tree and in <prefix>/include once installed.
function(l2mac_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target l2mac_${name})
  add_library(${target} STATIC ${ARG_SOURCES})
  add_library(l2mac::${name} ALIAS ${target})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  l2mac_set_warnings(${target})
  set_property(GLOBAL APPEND PROPERTY L2MAC_MODULE_TARGETS ${target})
endfunction()

function(l2mac_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                           -Wnon-virtual-dtor -Wold-style-cast)
  if(L2MAC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(L2MAC_SANITIZE AND L2MAC_TSAN)
  message(FATAL_ERROR "L2MAC_SANITIZE and L2MAC_TSAN cannot be combined: build them apart")
endif()
if(L2MAC_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
if(L2MAC_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
