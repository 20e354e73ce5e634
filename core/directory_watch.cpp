#include "core/directory_watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace l2mac {
namespace {

constexpr uint32_t kEvents = IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM |
                             IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR |
                             IN_DONT_FOLLOW;

}  // namespace

Result<std::unique_ptr<DirectoryWatch>> DirectoryWatch::Create() {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    return Status::Unavailable(std::string("inotify is not available: ") + std::strerror(errno));
  }
  return std::unique_ptr<DirectoryWatch>(new DirectoryWatch(fd));
}

DirectoryWatch::~DirectoryWatch() { ::close(fd_); }

Status DirectoryWatch::Add(const std::string& relative, const std::filesystem::path& absolute) {
  const int wd = ::inotify_add_watch(fd_, absolute.c_str(), kEvents);
  if (wd < 0) {
    const int error = errno;
    if (error == ENOSPC) {
      return Status::ResourceExhausted(
          "the inotify watch limit is reached (fs.inotify.max_user_watches); l2mac rescans "
          "the checks' folder instead");
    }
    return Status::IoError("cannot watch " + absolute.string() + ": " + std::strerror(error));
  }
  folders_[wd] = relative;
  return Status::Ok();
}

void DirectoryWatch::Reset() {
  for (const auto& [wd, folder] : folders_) (void)::inotify_rm_watch(fd_, wd);
  folders_.clear();
  std::vector<char> buffer(64 * 1024);
  while (::read(fd_, buffer.data(), buffer.size()) > 0) {
  }
}

Result<std::optional<std::set<std::string>>> DirectoryWatch::Drain() {
  std::set<std::string> changed;
  bool complete = true;
  alignas(inotify_event) char buffer[64 * 1024];
  while (true) {
    const ssize_t length = ::read(fd_, buffer, sizeof buffer);
    if (length < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return Status::IoError(std::string("cannot read the inotify queue: ") + std::strerror(errno));
    }
    if (length == 0) break;
    for (ssize_t offset = 0; offset < length;) {
      inotify_event event{};
      std::memcpy(&event, buffer + offset, sizeof event);
      const char* name = buffer + offset + sizeof(inotify_event);
      offset += static_cast<ssize_t>(sizeof(inotify_event) + event.len);
      if (event.mask & IN_Q_OVERFLOW) {
        complete = false;
        continue;
      }
      auto folder = folders_.find(event.wd);
      if (event.mask & IN_IGNORED) {
        // The folder is gone (its removal was reported by IN_DELETE_SELF, or it was ours).
        if (folder != folders_.end()) folders_.erase(folder);
        continue;
      }
      if (folder == folders_.end()) continue;  // a watch already removed
      if (event.mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        complete = false;
        continue;
      }
      if (event.len == 0) continue;  // an event on the folder itself (attributes)
      const std::string entry(name, strnlen(name, event.len));
      changed.insert(folder->second.empty() ? entry : folder->second + "/" + entry);
    }
  }
  if (!complete) return std::optional<std::set<std::string>>();
  return std::optional<std::set<std::string>>(std::move(changed));
}

}  // namespace l2mac
