#include "filestore/disk_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "filestore/content_hash.hpp"
#include "filestore/path.hpp"

namespace l2mac::filestore {
namespace {

constexpr size_t kReadChunkBytes = 1 << 16;

// Owns one file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  // Closes now and returns close()'s result, which can report lost writes.
  int Close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

int64_t Nanoseconds(const timespec& time) {
  return static_cast<int64_t>(time.tv_sec) * 1'000'000'000 + static_cast<int64_t>(time.tv_nsec);
}

std::string Stamp(const struct stat& info, int64_t racy_window_ns) {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  int64_t changed = std::max(Nanoseconds(info.st_mtim), Nanoseconds(info.st_ctim));
  if (Nanoseconds(now) - changed < racy_window_ns) return "";
  return std::to_string(info.st_size) + ":" + std::to_string(Nanoseconds(info.st_mtim)) + ":" +
         std::to_string(Nanoseconds(info.st_ctim)) + ":" + std::to_string(info.st_ino) + ":" +
         std::to_string(info.st_dev);
}

Status ErrnoStatus(const std::string& what, const std::filesystem::path& where, int error) {
  std::string message = what + " '" + where.string() + "': " + std::strerror(error);
  if (error == ENOSPC || error == EDQUOT) {
    return Status::ResourceExhausted(message + "; free disk space and retry");
  }
  if (error == EACCES || error == EPERM || error == EROFS) {
    return Status::PermissionDenied(message + "; check the folder's permissions");
  }
  return Status::IoError(message + "; check the disk and the folder's permissions");
}

// Names the symlink on the way to `store_path` and where it points.
Status SymlinkRefusal(const std::filesystem::path& root, std::string_view store_path) {
  Status detailed = CheckNoSymlinkOnDisk(root, store_path);
  if (!detailed.ok()) return detailed;
  return Status::PermissionDenied("a symlink appeared on the way to '" +
                                  (root / store_path).string() +
                                  "' and l2mac never writes through symlinks: remove it and retry");
}

// The open folders leading to a store path: folders[0] is the root and folders[i + 1] is
// segments[i] opened inside folders[i]. `complete` is false when a folder is missing.
struct Location {
  std::vector<Fd> folders;
  std::vector<std::string> segments;
  bool complete = false;

  int parent() const { return folders.back().get(); }
  const char* name() const { return segments.back().c_str(); }
};

std::vector<std::string> Split(std::string_view store_path) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (true) {
    size_t slash = store_path.find('/', start);
    segments.emplace_back(store_path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return segments;
    start = slash + 1;
  }
}

Result<Location> Locate(const std::filesystem::path& root, std::string_view store_path,
                        bool create) {
  Location location;
  location.segments = Split(store_path);
  int root_fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return ErrnoStatus("cannot open the folder", root, errno);
  location.folders.emplace_back(root_fd);
  std::filesystem::path shown = root;
  for (size_t i = 0; i + 1 < location.segments.size(); ++i) {
    const char* segment = location.segments[i].c_str();
    shown /= location.segments[i];
    int parent = location.parent();
    constexpr int kFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    int child = ::openat(parent, segment, kFlags);
    if (child < 0 && errno == ENOENT && create) {
      if (::mkdirat(parent, segment, 0777) != 0 && errno != EEXIST) {
        return ErrnoStatus("cannot create the folder", shown, errno);
      }
      child = ::openat(parent, segment, kFlags);
    }
    if (child < 0) {
      int error = errno;
      if (error == ENOENT) return location;
      struct stat info {};
      if (::fstatat(parent, segment, &info, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(info.st_mode)) return SymlinkRefusal(root, store_path);
        if (!S_ISDIR(info.st_mode)) {
          if (!create) return location;
          return Status::FailedPrecondition("cannot create the folder '" + shown.string() +
                                            "' for '" + std::string(store_path) +
                                            "': a file with that name is in the way; move or "
                                            "delete it");
        }
      }
      return ErrnoStatus("cannot open the folder", shown, error);
    }
    location.folders.emplace_back(child);
  }
  location.complete = true;
  return location;
}

Status WriteAll(int fd, std::string_view content, const std::filesystem::path& shown) {
  while (!content.empty()) {
    ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot write", shown, errno);
    }
    content.remove_prefix(static_cast<size_t>(written));
  }
  return Status::Ok();
}

std::string TemporaryName() {
  static std::atomic<uint64_t> counter{0};
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return ".l2mac-tmp-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-" +
         std::to_string(now.tv_nsec);
}

}  // namespace

Result<DiskEntry> InspectOnDisk(const std::filesystem::path& root, std::string_view store_path,
                                int64_t racy_window_ns) {
  L2MAC_ASSIGN_OR_RETURN(Location location, Locate(root, store_path, /*create=*/false));
  if (!location.complete) return DiskEntry{};
  struct stat info {};
  if (::fstatat(location.parent(), location.name(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return DiskEntry{};
    return ErrnoStatus("cannot inspect", root / store_path, errno);
  }
  if (S_ISLNK(info.st_mode)) return SymlinkRefusal(root, store_path);
  if (S_ISDIR(info.st_mode)) return DiskEntry{DiskKind::kFolder, ""};
  if (!S_ISREG(info.st_mode)) return DiskEntry{DiskKind::kOther, ""};
  return DiskEntry{DiskKind::kRegularFile, Stamp(info, racy_window_ns)};
}

Result<std::string> HashOnDisk(const std::filesystem::path& root, std::string_view store_path) {
  std::filesystem::path shown = root / store_path;
  L2MAC_ASSIGN_OR_RETURN(Location location, Locate(root, store_path, /*create=*/false));
  if (!location.complete) return Status::NotFound("'" + shown.string() + "' does not exist");
  Fd file(::openat(location.parent(), location.name(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (file.get() < 0) {
    if (errno == ELOOP) return SymlinkRefusal(root, store_path);
    if (errno == ENOENT) return Status::NotFound("'" + shown.string() + "' does not exist");
    return ErrnoStatus("cannot open", shown, errno);
  }
  Sha256Hasher hasher;
  std::string buffer(kReadChunkBytes, '\0');
  while (true) {
    ssize_t count = ::read(file.get(), buffer.data(), buffer.size());
    if (count < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot read", shown, errno);
    }
    if (count == 0) break;
    hasher.Update(std::string_view(buffer.data(), static_cast<size_t>(count)));
  }
  return hasher.FinishHex();
}

namespace {

// A content written to a temporary file next to its target, not yet renamed over it.
struct StagedFile {
  Fd parent;              // the target's folder
  std::string temporary;  // the temporary's name in it
  std::string name;       // the target's name in it
  std::filesystem::path shown;
};

// Writes `content` to a temporary file in the folder of `store_path` (creating missing
// folders), keeping an existing file's permission bits, flushed when `durable`.
Result<StagedFile> StageFile(const std::filesystem::path& root, std::string_view store_path,
                             std::string_view content, bool durable) {
  StagedFile staged;
  staged.shown = root / store_path;
  L2MAC_ASSIGN_OR_RETURN(Location location, Locate(root, store_path, /*create=*/true));
  const int parent = location.parent();

  std::optional<mode_t> kept_mode;
  struct stat existing {};
  if (::fstatat(parent, location.name(), &existing, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(existing.st_mode)) return SymlinkRefusal(root, store_path);
    if (S_ISDIR(existing.st_mode)) {
      return Status::FailedPrecondition("cannot write '" + staged.shown.string() +
                                        "': a folder with that name is in the way; move or "
                                        "delete it");
    }
    if (S_ISREG(existing.st_mode)) kept_mode = existing.st_mode & 07777;
  } else if (errno != ENOENT) {
    return ErrnoStatus("cannot inspect", staged.shown, errno);
  }

  Fd file;
  int open_error = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    staged.temporary = TemporaryName();
    file = Fd(::openat(parent, staged.temporary.c_str(),
                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666));
    if (file.get() >= 0) break;
    open_error = errno;
    if (open_error != EEXIST) break;
  }
  if (file.get() < 0) {
    return ErrnoStatus("cannot create a temporary file next to", staged.shown, open_error);
  }

  Status status = WriteAll(file.get(), content, staged.shown);
  if (status.ok() && kept_mode && ::fchmod(file.get(), *kept_mode) != 0) {
    status = ErrnoStatus("cannot set the permissions of", staged.shown, errno);
  }
  if (status.ok() && durable && ::fsync(file.get()) != 0) {
    status = ErrnoStatus("cannot flush", staged.shown, errno);
  }
  if (file.Close() != 0 && status.ok()) {
    status = ErrnoStatus("cannot close", staged.shown, errno);
  }
  if (!status.ok()) {
    ::unlinkat(parent, staged.temporary.c_str(), 0);
    return status;
  }
  staged.name = location.name();
  staged.parent = std::move(location.folders.back());
  return staged;
}

// Renames a staged file over its target; the temporary is removed when that fails.
Status PublishFile(StagedFile& staged) {
  if (::renameat(staged.parent.get(), staged.temporary.c_str(), staged.parent.get(),
                 staged.name.c_str()) != 0) {
    const int error = errno;
    ::unlinkat(staged.parent.get(), staged.temporary.c_str(), 0);
    staged.temporary.clear();
    return ErrnoStatus("cannot move the new content into", staged.shown, error);
  }
  staged.temporary.clear();
  return Status::Ok();
}

}  // namespace

Status WriteOnDisk(const std::filesystem::path& root, std::string_view store_path,
                   std::string_view content, bool durable) {
  L2MAC_ASSIGN_OR_RETURN(StagedFile staged, StageFile(root, store_path, content, durable));
  L2MAC_RETURN_IF_ERROR(PublishFile(staged));
  if (durable && ::fsync(staged.parent.get()) != 0) {
    return ErrnoStatus("cannot flush the folder of", staged.shown, errno);
  }
  return Status::Ok();
}

struct DurableWrites::Pending {
  std::string store_path;
  StagedFile file;
};

DurableWrites::DurableWrites(std::filesystem::path root) : root_(std::move(root)) {}

DurableWrites::~DurableWrites() {
  for (Pending& pending : pending_) {
    if (!pending.file.temporary.empty()) {
      ::unlinkat(pending.file.parent.get(), pending.file.temporary.c_str(), 0);
    }
  }
}

size_t DurableWrites::staged() const { return pending_.size(); }

Status DurableWrites::Stage(std::string_view store_path, std::string_view content) {
  L2MAC_ASSIGN_OR_RETURN(StagedFile staged,
                         StageFile(root_, store_path, content, /*durable=*/true));
  pending_.push_back(Pending{std::string(store_path), std::move(staged)});
  return Status::Ok();
}

Status DurableWrites::Publish(const std::function<void(const std::string&)>& renamed) {
  Status status = Status::Ok();
  // Each folder is flushed once, after every rename into it.
  std::vector<std::pair<dev_t, ino_t>> flushed;
  size_t published = 0;
  for (Pending& pending : pending_) {
    status = PublishFile(pending.file);
    if (!status.ok()) break;
    ++published;
    if (renamed) renamed(pending.store_path);
  }
  for (size_t i = 0; i < published; ++i) {
    const Pending& pending = pending_[i];
    struct stat folder {};
    if (::fstat(pending.file.parent.get(), &folder) != 0) {
      if (status.ok())
        status = ErrnoStatus("cannot inspect the folder of", pending.file.shown, errno);
      continue;
    }
    const std::pair<dev_t, ino_t> id{folder.st_dev, folder.st_ino};
    if (std::find(flushed.begin(), flushed.end(), id) != flushed.end()) continue;
    flushed.push_back(id);
    if (::fsync(pending.file.parent.get()) != 0 && status.ok()) {
      status = ErrnoStatus("cannot flush the folder of", pending.file.shown, errno);
    }
  }
  // After a failed rename, the files not renamed yet are not written at all.
  for (Pending& pending : pending_) {
    if (!pending.file.temporary.empty()) {
      ::unlinkat(pending.file.parent.get(), pending.file.temporary.c_str(), 0);
    }
  }
  pending_.clear();
  return status;
}

Status RemoveOnDisk(const std::filesystem::path& root, std::string_view store_path) {
  std::filesystem::path shown = root / store_path;
  L2MAC_ASSIGN_OR_RETURN(Location location, Locate(root, store_path, /*create=*/false));
  if (!location.complete) return Status::Ok();
  struct stat existing {};
  if (::fstatat(location.parent(), location.name(), &existing, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return ErrnoStatus("cannot inspect", shown, errno);
  }
  if (S_ISLNK(existing.st_mode)) return SymlinkRefusal(root, store_path);
  if (S_ISDIR(existing.st_mode)) {
    return Status::FailedPrecondition("cannot remove '" + shown.string() +
                                      "': it is now a folder; move or delete it yourself");
  }
  if (::unlinkat(location.parent(), location.name(), 0) != 0 && errno != ENOENT) {
    return ErrnoStatus("cannot remove", shown, errno);
  }
  // folders[i] holds segments[i]; stop at the first folder that is not empty.
  for (size_t i = location.segments.size() - 1; i-- > 0;) {
    if (::unlinkat(location.folders[i].get(), location.segments[i].c_str(), AT_REMOVEDIR) != 0) {
      break;
    }
  }
  return Status::Ok();
}

}  // namespace l2mac::filestore
