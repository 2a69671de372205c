# install.consumer: installs this build's libraries (the `development` component) into a fresh
# prefix, then configures, builds and runs tests/install/consumer against it, as a user outside
# the tree would.
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=... -P run_consumer.cmake
foreach(variable IN ITEMS BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "run_consumer.cmake needs -D${variable}=...")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/consumer-build)
file(REMOVE_RECURSE ${prefix} ${consumer_build} ${WORK_DIR}/storage)

function(run step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE output
                  ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "install.consumer: ${step} failed (${result}):\n${output}")
  endif()
  message(STATUS "install.consumer: ${step}: ok")
  set(last_output "${output}" PARENT_SCOPE)
endfunction()

run("install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} --component development)

# The production runtime has no BUGGIFY site: none of the site names the simulator's variant holds
# (which must hold them, or this check could see nothing) is in the installed orrery::runtime.
file(GLOB production_runtime ${prefix}/lib*/liborrery_runtime.a)
file(GLOB buggify_runtime ${prefix}/lib*/liborrery_runtime_buggify.a)
if(NOT production_runtime OR NOT buggify_runtime)
  message(FATAL_ERROR "install.consumer: liborrery_runtime.a or liborrery_runtime_buggify.a "
                      "missing from ${prefix}")
endif()
set(site_names "actor\\.turn\\.short|remote\\.heartbeat\\.skip|remote\\.handshake\\.repeat")
file(STRINGS ${buggify_runtime} sites_in_buggify REGEX "${site_names}")
file(STRINGS ${production_runtime} sites_in_production REGEX "${site_names}")
if(NOT sites_in_buggify)
  message(FATAL_ERROR "install.consumer: no BUGGIFY site names in ${buggify_runtime}")
endif()
if(sites_in_production)
  message(FATAL_ERROR "install.consumer: BUGGIFY sites in ${production_runtime}: "
                      "${sites_in_production}")
endif()
message(STATUS "install.consumer: no BUGGIFY site in the production runtime: ok")
# Persistence: the production library is there, and holds no site (the lint keeps sites out
# of persistence/ altogether; its actors' cells are compiled where they are spawned).
file(GLOB production_persistence ${prefix}/lib*/liborrery_persistence.a)
file(GLOB buggify_persistence ${prefix}/lib*/liborrery_persistence_buggify.a)
if(NOT production_persistence OR NOT buggify_persistence)
  message(FATAL_ERROR "install.consumer: liborrery_persistence.a or "
                      "liborrery_persistence_buggify.a missing from ${prefix}")
endif()
file(STRINGS ${production_persistence} sites_in_production REGEX "${site_names}")
if(sites_in_production)
  message(FATAL_ERROR "install.consumer: BUGGIFY sites in ${production_persistence}")
endif()
message(STATUS "install.consumer: no BUGGIFY site in the production persistence: ok")
run("configure" ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install/consumer -B ${consumer_build}
    -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix}
    # Only the installed copy may be found, never the build tree's package registry.
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    "-DCMAKE_CXX_FLAGS=${CONSUMER_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_FLAGS}")
run("build" ${CMAKE_COMMAND} --build ${consumer_build})
run("run" ${consumer_build}/orrery-consumer ${WORK_DIR}/storage)
if(NOT last_output MATCHES "hello, consumer")
  message(FATAL_ERROR "install.consumer: unexpected output:\n${last_output}")
endif()
