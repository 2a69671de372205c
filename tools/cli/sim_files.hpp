#pragma once
// Reading and writing the files of `orrery sim` (replay files, plans, traces): the errors are
// one line each, naming the file.
#include <string>
#include <string_view>

#include <orrery/core/result.hpp>

namespace orrery::cli {

Result<std::string> read_text_file(const std::string& path);
Status write_text_file(const std::string& path, std::string_view text);

}  // namespace orrery::cli
