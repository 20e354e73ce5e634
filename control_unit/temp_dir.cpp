#include "control_unit/temp_dir.hpp"

#include <stdlib.h>

namespace l2mac::control_unit {

Result<TempDir> TempDir::Create(const std::filesystem::path& parent, const std::string& prefix) {
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  std::string pattern = (parent / (prefix + "XXXXXX")).string();
  if (ec || ::mkdtemp(pattern.data()) == nullptr) {
    return Status::IoError("cannot create a temporary folder in " + parent.string() +
                           ": check that the output folder is writable and has free space");
  }
  return TempDir(pattern);
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace l2mac::control_unit
