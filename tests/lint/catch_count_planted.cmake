# lint.catch-count's own test: discovers a planted binary (a case named with `;`) exactly as
# catch_discover_tests does, into a ctest folder of its own, then requires catch_count.cmake to
# fail on it and to say why (the `;` name, and 2 cases against 3 entries).
#
#   cmake -DCTEST_COMMAND=ctest -DPLANTED=path -DDISCOVER_SCRIPT=CatchAddTests.cmake
#         -DCHECK_SCRIPT=catch_count.cmake -DWORK_DIR=dir -P catch_count_planted.cmake
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} -D TEST_EXECUTABLE=${PLANTED} -D TEST_WORKING_DIR=${WORK_DIR}
                        -D "TEST_EXTRA_ARGS=-w;NoTests" -D TEST_LIST=planted_tests
                        -D CTEST_FILE=${WORK_DIR}/planted_tests.cmake -P ${DISCOVER_SCRIPT}
                RESULT_VARIABLE discover_result)
if(NOT discover_result EQUAL 0)
  message(FATAL_ERROR "discovering the planted binary failed (${discover_result})")
endif()
file(WRITE ${WORK_DIR}/CTestTestfile.cmake "include(${WORK_DIR}/planted_tests.cmake)\n")

execute_process(COMMAND ${CMAKE_COMMAND} -DCTEST_COMMAND=${CTEST_COMMAND} -DCTEST_DIR=${WORK_DIR}
                        -DBINARIES=${PLANTED} -P ${CHECK_SCRIPT}
                RESULT_VARIABLE check_result OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(report "${out}${err}")
message("${report}")
if(check_result EQUAL 0)
  message(FATAL_ERROR "catch_count.cmake passed a binary with a `;` test name")
endif()
foreach(expected "test case name holds ';' (ctest splits it): \"a planted name; split at"
                 "2 Catch test cases but 3 ctest entries")
  string(FIND "${report}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "catch_count.cmake's report lacks: ${expected}")
  endif()
endforeach()
