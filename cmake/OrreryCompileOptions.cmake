# Warnings, build modes and sanitizers, applied through the orrery_options interface target so
# that they reach our code and never a consumer's.
#
# Release keeps ORRERY_ASSERT on (it is never compiled out); it only drops the standard assert()
# through NDEBUG, which our code does not use.

add_library(orrery_options INTERFACE)
target_compile_options(orrery_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
  # Configs are plain structs filled with designated initializers: fields left out keep their
  # defaults by design, which -Wextra would report at every call site.
  -Wno-missing-field-initializers
  $<$<CXX_COMPILER_ID:GNU>:-Wno-interference-size>)

if(ORRERY_SANITIZE STREQUAL "address")
  set(orrery_sanitize_flags -fsanitize=address,undefined -fno-omit-frame-pointer
      -fno-sanitize-recover=undefined)
  add_compile_definitions(ORRERY_SANITIZE_ADDRESS=1)
elseif(ORRERY_SANITIZE STREQUAL "thread")
  set(orrery_sanitize_flags -fsanitize=thread -fno-omit-frame-pointer)
  add_compile_definitions(ORRERY_SANITIZE_THREAD=1)
elseif(NOT ORRERY_SANITIZE STREQUAL "")
  message(FATAL_ERROR "ORRERY_SANITIZE must be '', 'address' or 'thread', not '${ORRERY_SANITIZE}'")
endif()
if(orrery_sanitize_flags)
  # Sanitizers apply to everything we compile (tools and tests included) so that a report
  # always has a full stack.
  add_compile_options(${orrery_sanitize_flags})
  add_link_options(${orrery_sanitize_flags})
endif()
