// A temporary folder that is removed, with everything in it, when the object that made it
// goes out of scope. Move-only; one owner, no shared state.
#pragma once

#include <filesystem>
#include <string>

#include "core/status.hpp"

namespace l2mac::control_unit {

class TempDir {
 public:
  // A fresh folder "<prefix>XXXXXX" inside `parent` (created if needed). kIoError naming
  // the folder when it cannot be made.
  static Result<TempDir> Create(const std::filesystem::path& parent, const std::string& prefix);

  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir& operator=(TempDir&&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

}  // namespace l2mac::control_unit
