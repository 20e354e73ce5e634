# Installs the library, its headers and a CMake package so that another project can
# `find_package(l2mac)` and link `l2mac::l2mac`.
include(CMakePackageConfigHelpers)
get_property(module_targets GLOBAL PROPERTY L2MAC_MODULE_TARGETS)
install(TARGETS l2mac ${module_targets} EXPORT l2macTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS l2mac_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(module core filestore registry agents control_unit)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${module}/
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/l2mac/${module}
          FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(EXPORT l2macTargets NAMESPACE l2mac:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/l2mac)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/l2macConfig.cmake.in
  ${PROJECT_BINARY_DIR}/l2macConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/l2mac)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/l2macConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/l2macConfig.cmake
              ${PROJECT_BINARY_DIR}/l2macConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/l2mac)
