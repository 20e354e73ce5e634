#include "cli/input_files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace l2mac::cli {
namespace {

// Returns the offset of the first byte that does not start or continue a valid UTF-8
// sequence, or npos.
size_t FirstInvalidUtf8(const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    size_t length = byte < 0x80           ? 1
                    : (byte >> 5) == 0x6  ? 2
                    : (byte >> 4) == 0xE  ? 3
                    : (byte >> 3) == 0x1E ? 4
                                          : 0;
    if (length == 0 || i + length > text.size()) return i;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return i;
    }
    i += length;
  }
  return std::string::npos;
}

}  // namespace

Result<std::string> ReadUserTextFile(const std::string& path, const std::string& what,
                                     size_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::InvalidArgument("the " + what + " file '" + path + "' does not exist");
  }
  if (std::filesystem::is_directory(path, ec)) {
    return Status::InvalidArgument("the " + what + " '" + path + "' is a folder, not a file");
  }
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > max_bytes) {
    return Status::InvalidArgument("the " + what + " file '" + path + "' is " +
                                   std::to_string(size) + " bytes, over the limit of " +
                                   std::to_string(max_bytes) + ": shorten it");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("cannot read the " + what + " file '" + path + "'");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (text.find('\0') != std::string::npos) {
    return Status::InvalidArgument("the " + what + " file '" + path +
                                   "' is binary (it contains NUL bytes): give a text file");
  }
  if (size_t bad = FirstInvalidUtf8(text); bad != std::string::npos) {
    return Status::InvalidArgument("the " + what + " file '" + path +
                                   "' is not valid UTF-8 (first bad byte at offset " +
                                   std::to_string(bad) + "): save it as UTF-8 text");
  }
  return text;
}

}  // namespace l2mac::cli
