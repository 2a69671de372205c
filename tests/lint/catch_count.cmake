# Holds every Catch test binary to one ctest entry per test case, so that no entry runs nothing.
# catch_discover_tests turns each line of `--list-test-names-only` into an entry, and CMake splits
# a name at `;` (its list separator): a case named "a; b" became the entries "a" and " b", each a
# filter matching no case. This script fails when a name holds `;`, or when the number of cases a
# binary lists differs from the number of ctest entries that run that binary.
#
#   cmake -DCTEST_COMMAND=ctest -DCTEST_DIR=build -DBINARIES="a|b" -P catch_count.cmake
#
# BINARIES is joined with `|` because a `;` would split the argument. Exit 1 on a mismatch, with
# one line per problem.
cmake_minimum_required(VERSION 3.25)
foreach(var CTEST_COMMAND CTEST_DIR BINARIES)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "catch_count.cmake: -D${var}=... is required")
  endif()
endforeach()
string(REPLACE "|" ";" binaries "${BINARIES}")

# The ctest entries, as ctest itself reads them from the build folder.
execute_process(COMMAND ${CTEST_COMMAND} --show-only=json-v1 --test-dir ${CTEST_DIR}
                OUTPUT_VARIABLE listing RESULT_VARIABLE listing_result ERROR_VARIABLE listing_error)
if(NOT listing_result EQUAL 0)
  message(FATAL_ERROR "catch_count.cmake: ctest --show-only failed: ${listing_error}")
endif()
# The program of every entry, read once (each string(JSON) call parses the whole listing).
string(JSON entry_count LENGTH "${listing}" tests)
set(programs)
if(entry_count GREATER 0)
  math(EXPR last "${entry_count} - 1")
  foreach(index RANGE ${last})
    string(JSON program ERROR_VARIABLE no_command GET "${listing}" tests ${index} command 0)
    if(NOT no_command)
      list(APPEND programs "${program}")
    endif()
  endforeach()
endif()
set(problems 0)
set(checked 0)
foreach(binary IN LISTS binaries)
  # Cases: one name a line. Escape `;` first so that splitting into lines keeps each name whole.
  execute_process(COMMAND ${binary} --list-test-names-only OUTPUT_VARIABLE names
                  RESULT_VARIABLE names_result)
  if(names_result LESS 0 OR NOT EXISTS ${binary})
    message("${binary}: cannot list its test cases")
    math(EXPR problems "${problems} + 1")
    continue()
  endif()
  # Brackets too: an unbalanced `[` would keep CMake from splitting the list there.
  string(REPLACE ";" "<semicolon>" names "${names}")
  string(REPLACE "[" "<open>" names "${names}")
  string(REPLACE "]" "<close>" names "${names}")
  string(REPLACE "\n" ";" names "${names}")
  list(FILTER names EXCLUDE REGEX "^[ \t\r]*$")
  list(LENGTH names case_count)
  foreach(name IN LISTS names)
    if(name MATCHES "<semicolon>")
      string(REPLACE "<semicolon>" ";" shown "${name}")
      string(REPLACE "<open>" "[" shown "${shown}")
      string(REPLACE "<close>" "]" shown "${shown}")
      message("${binary}: test case name holds ';' (ctest splits it): \"${shown}\"")
      math(EXPR problems "${problems} + 1")
    endif()
  endforeach()
  # Entries: the tests whose command runs this binary.
  set(ctest_count 0)
  foreach(program IN LISTS programs)
    if(program STREQUAL binary)
      math(EXPR ctest_count "${ctest_count} + 1")
    endif()
  endforeach()
  if(NOT case_count EQUAL ctest_count)
    message("${binary}: ${case_count} Catch test cases but ${ctest_count} ctest entries")
    math(EXPR problems "${problems} + 1")
  endif()
  math(EXPR checked "${checked} + ${case_count}")
endforeach()
if(problems GREATER 0)
  message(FATAL_ERROR "catch_count.cmake: ${problems} problem(s)")
endif()
message("catch_count.cmake: ${checked} Catch test cases, each one ctest entry")
