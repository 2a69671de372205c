# `cmake --install` puts headers, libraries and a CMake package in place, so that another project
# writes find_package(orrery) and links orrery::runtime. All of it is the `development`
# component: `cmake --install BUILD --component development` installs the libraries alone
# (tests/install does), without the tools.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

get_property(orrery_libraries GLOBAL PROPERTY ORRERY_LIBRARIES)
get_property(orrery_include_dirs GLOBAL PROPERTY ORRERY_PUBLIC_INCLUDE_DIRS)
list(REMOVE_DUPLICATES orrery_include_dirs)

install(TARGETS ${orrery_libraries} orrery_options EXPORT orreryTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(dir IN LISTS orrery_include_dirs)
  install(DIRECTORY ${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development)
endforeach()
# The headers protoc generated for a library (e.g. orrery/remote/v1/remote.pb.h), beside ours.
foreach(library IN LISTS orrery_libraries)
  get_target_property(generated_dirs ${library} ORRERY_GENERATED_INCLUDE_DIRS)
  if(NOT generated_dirs)
    continue()
  endif()
  list(REMOVE_DUPLICATES generated_dirs)
  foreach(dir IN LISTS generated_dirs)
    install(DIRECTORY ${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development
            FILES_MATCHING PATTERN "*.h")
  endforeach()
endforeach()
install(EXPORT orreryTargets NAMESPACE orrery:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/orrery
        COMPONENT development)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/orreryConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/orreryConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/orrery)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/orreryConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/orreryConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/orreryConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/orrery COMPONENT development)
