# Installs the library, its public headers (include/l2mac) and a CMake package so that
# another project can `find_package(l2mac)` and link `l2mac::l2mac`.
include(CMakePackageConfigHelpers)
get_property(module_targets GLOBAL PROPERTY L2MAC_MODULE_TARGETS)
install(TARGETS l2mac ${module_targets} EXPORT l2macTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS l2mac_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Only the public API: the modules' own headers are internal and stay in the source tree
# (tests/install/check_find_package.sh checks that none is installed).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/l2mac
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")
install(EXPORT l2macTargets NAMESPACE l2mac:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/l2mac)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/l2macConfig.cmake.in
  ${PROJECT_BINARY_DIR}/l2macConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/l2mac)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/l2macConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/l2macConfig.cmake
              ${PROJECT_BINARY_DIR}/l2macConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/l2mac)
