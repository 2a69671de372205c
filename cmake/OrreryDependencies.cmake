# The dependencies chosen for Orrery (DEVELOPERS.md rule 6), all from Debian 12's packages.
# tools/install-deps.sh installs what is missing; `make` runs it before configuring.

find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS context)
find_package(fmt REQUIRED)
find_package(SQLite3 REQUIRED)
# libpq (libpq-dev): the PostgreSQL store's client, private to orrery::persistence.
find_package(PostgreSQL REQUIRED)
# toml++ 3.3 (libtomlplusplus-dev): the configuration file's parser, private to the runtime.
find_package(tomlplusplus 3.3 CONFIG REQUIRED)
# nlohmann-json (nlohmann-json3-dev): JSON files (histories, replay files), private to the testkit.
find_package(nlohmann_json 3 CONFIG REQUIRED)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(CGRAPH REQUIRED IMPORTED_TARGET libcgraph)

if(ORRERY_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
  find_package(rapidcheck CONFIG REQUIRED)
  include(Catch)
endif()

# CAF is only the benchmark peer; Debian ships it without a CMake package.
if(ORRERY_BUILD_TOOLS)
  find_path(CAF_INCLUDE_DIR caf/all.hpp)
  find_library(CAF_CORE_LIBRARY caf_core)
  find_library(CAF_IO_LIBRARY caf_io)
  if(CAF_INCLUDE_DIR AND CAF_CORE_LIBRARY AND CAF_IO_LIBRARY)
    add_library(orrery_caf INTERFACE)
    target_include_directories(orrery_caf SYSTEM INTERFACE ${CAF_INCLUDE_DIR})
    target_link_libraries(orrery_caf INTERFACE ${CAF_CORE_LIBRARY} ${CAF_IO_LIBRARY} Threads::Threads)
  else()
    message(FATAL_ERROR "libcaf-dev (CAF 0.17) is needed for orrery-bench; run tools/install-deps.sh")
  endif()
endif()
