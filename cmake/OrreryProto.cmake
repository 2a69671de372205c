# orrery_protobuf_generate(TARGET PROTO_ROOT DIR PROTOS a.proto... [GRPC])
# Compiles .proto files (paths relative to PROTO_ROOT, which is also the import root) into C++
# under the build tree and adds the sources to TARGET; with GRPC, the gRPC service stubs too.
# Generated headers are included as <path/of/file.pb.h>, mirroring the proto path.
function(orrery_protobuf_generate target)
  cmake_parse_arguments(arg "GRPC" "PROTO_ROOT" "PROTOS" ${ARGN})
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/proto_gen)
  file(MAKE_DIRECTORY ${out_dir})
  set(generated)
  foreach(proto IN LISTS arg_PROTOS)
    get_filename_component(stem ${proto} NAME_WE)
    get_filename_component(dir ${proto} DIRECTORY)
    set(base ${out_dir}/${dir}/${stem})
    set(outputs ${base}.pb.cc ${base}.pb.h)
    set(plugin_args)
    if(arg_GRPC)
      list(APPEND outputs ${base}.grpc.pb.cc ${base}.grpc.pb.h)
      set(plugin_args --grpc_out=${out_dir}
                      --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND protobuf::protoc --proto_path=${arg_PROTO_ROOT} --cpp_out=${out_dir} ${plugin_args}
              ${arg_PROTO_ROOT}/${proto}
      DEPENDS ${arg_PROTO_ROOT}/${proto} protobuf::protoc
      COMMENT "protoc ${proto}" VERBATIM)
    list(APPEND generated ${outputs})
  endforeach()
  target_sources(${target} PRIVATE ${generated})
  target_include_directories(${target} SYSTEM PUBLIC $<BUILD_INTERFACE:${out_dir}>)
  # OrreryInstall installs the generated headers of the libraries it installs from here.
  set_property(TARGET ${target} APPEND PROPERTY ORRERY_GENERATED_INCLUDE_DIRS ${out_dir})
  # Generated code follows protobuf's style, not ours.
  set_source_files_properties(${generated} PROPERTIES COMPILE_OPTIONS "-w")
endfunction()
