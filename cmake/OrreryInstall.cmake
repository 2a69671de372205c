# `cmake --install` puts headers, libraries and a CMake package in place, so that another project
# writes find_package(orrery) and links orrery::runtime.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

get_property(orrery_libraries GLOBAL PROPERTY ORRERY_LIBRARIES)
get_property(orrery_include_dirs GLOBAL PROPERTY ORRERY_PUBLIC_INCLUDE_DIRS)
list(REMOVE_DUPLICATES orrery_include_dirs)

install(TARGETS ${orrery_libraries} orrery_options EXPORT orreryTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(dir IN LISTS orrery_include_dirs)
  install(DIRECTORY ${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()
install(EXPORT orreryTargets NAMESPACE orrery:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/orrery)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/orreryConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/orreryConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/orrery)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/orreryConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/orreryConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/orreryConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/orrery)
