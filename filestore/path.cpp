#include "filestore/path.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace l2mac::filestore {
namespace {

constexpr size_t kMaxSegmentBytes = 255;
constexpr size_t kMaxPathBytes = 1024;
constexpr size_t kMaxQuotedBytes = 160;
constexpr std::string_view kValidHint =
    "use a path relative to the project root such as 'src/app.py'";

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Length of the UTF-8 sequence starting at `text[i]`, or 0 when it is not valid UTF-8
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char min_second = 0x80;
  unsigned char max_second = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) min_second = 0xa0;
    if (lead == 0xed) max_second = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) min_second = 0x90;
    if (lead == 0xf4) max_second = 0x8f;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  }
  return length;
}

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t length = Utf8SequenceLength(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

void AppendEscapedByte(std::string& out, unsigned char c) {
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "\\x%02x", c);
  out += buffer;
}

// The path in single quotes, safe to print: control characters and (in text that is not
// UTF-8) bytes above 0x7f appear as \xNN, and a long path is cut at a character boundary.
std::string Quote(std::string_view raw) {
  const bool utf8 = IsValidUtf8(raw);
  std::string out = "'";
  for (size_t i = 0; i < raw.size();) {
    if (i >= kMaxQuotedBytes) {
      out += "...";
      break;
    }
    auto c = static_cast<unsigned char>(raw[i]);
    if (IsControl(c) || (!utf8 && c >= 0x80)) {
      AppendEscapedByte(out, c);
      ++i;
      continue;
    }
    size_t length = utf8 ? Utf8SequenceLength(raw, i) : 1;
    out.append(raw.substr(i, length));
    i += length;
  }
  out += "'";
  return out;
}

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

Status Invalid(std::string_view raw, const std::string& problem,
               std::string_view hint = kValidHint) {
  return Status::InvalidArgument("path " + Quote(raw) + " " + problem + ": " + std::string(hint));
}

Status Refused(std::string_view raw, const std::string& problem,
               std::string_view hint = kValidHint) {
  return Status::PermissionDenied("path " + Quote(raw) + " " + problem + ": " + std::string(hint));
}

Status CheckSegment(std::string_view raw, std::string_view segment, bool first, bool last) {
  if (segment.empty()) {
    if (last) {
      return Invalid(raw, "ends with '/', which names a folder",
                     "name a file such as 'src/app.py'");
    }
    return Invalid(raw, "has an empty segment ('//')",
                   "separate folders with a single '/', as in 'src/app.py'");
  }
  if (segment == ".") {
    return Invalid(raw, "has a '.' segment", "remove it, as in 'src/app.py'");
  }
  if (segment == "..") {
    if (first) return Refused(raw, "leaves the store root");
    return Refused(raw, "has a '..' segment, which could leave the store root");
  }
  if (segment.size() > kMaxSegmentBytes) {
    return Invalid(raw,
                   "has a name of " + std::to_string(segment.size()) +
                       " bytes, above the file-system limit of " + std::to_string(kMaxSegmentBytes),
                   "use shorter folder and file names such as 'src/app.py'");
  }
  if (first && EqualsIgnoringAsciiCase(segment, ".l2mac")) {
    return Refused(raw, "is inside '.l2mac', which is reserved for l2mac's own state",
                   "write project files elsewhere, such as 'src/app.py'");
  }
  if (first && EqualsIgnoringAsciiCase(segment, ".git")) {
    return Refused(raw, "is inside '.git', which belongs to git",
                   "write project files elsewhere, such as 'src/app.py'");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> NormalizePath(std::string_view raw) {
  if (raw.empty()) return Status::InvalidArgument("path '' is empty: " + std::string(kValidHint));
  for (char ch : raw) {
    auto c = static_cast<unsigned char>(ch);
    if (c == 0) return Invalid(raw, "contains a NUL byte");
    if (IsControl(c)) {
      std::string code;
      AppendEscapedByte(code, c);
      return Invalid(raw, "contains the control character " + code);
    }
    if (c == '\\') {
      return Invalid(raw, "contains a backslash", "separate folders with '/', as in 'src/app.py'");
    }
  }
  if (!IsValidUtf8(raw)) {
    return Invalid(raw, "is not valid UTF-8", "use a UTF-8 path such as 'src/app.py'");
  }
  if (raw.front() == '/') return Refused(raw, "is absolute");
  if (raw.front() == '~') return Refused(raw, "starts with '~' (a home folder)");

  std::string_view path = raw;
  while (path.substr(0, 2) == "./") path.remove_prefix(2);
  if (path.empty()) {
    return Invalid(raw, "names the project root, not a file", "name a file such as 'src/app.py'");
  }
  if (path.size() > kMaxPathBytes) {
    return Invalid(raw,
                   "is " + std::to_string(path.size()) + " bytes long, above the limit of " +
                       std::to_string(kMaxPathBytes),
                   "use a shorter path such as 'src/app.py'");
  }
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    bool at_end = slash == std::string_view::npos;
    std::string_view segment = path.substr(start, at_end ? std::string_view::npos : slash - start);
    L2MAC_RETURN_IF_ERROR(CheckSegment(raw, segment, start == 0, at_end));
    if (at_end) break;
    start = slash + 1;
  }
  return std::string(path);
}

Status CheckNoSymlinkOnDisk(const std::filesystem::path& root, std::string_view store_path) {
  L2MAC_ASSIGN_OR_RETURN(std::string path, NormalizePath(store_path));
  std::filesystem::path current = root;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    current /= path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    struct stat info {};
    if (::lstat(current.c_str(), &info) != 0) {
      // A missing component (or a file where a folder would be) means nothing below it
      // exists, so nothing below it can be a symlink.
      if (errno == ENOENT || errno == ENOTDIR) return Status::Ok();
      return Status::IoError("cannot inspect '" + current.string() + "': " + std::strerror(errno) +
                             "; check the folder's permissions");
    }
    if (S_ISLNK(info.st_mode)) {
      std::string target(4096, '\0');
      ssize_t length = ::readlink(current.c_str(), target.data(), target.size());
      target.resize(length > 0 ? static_cast<size_t>(length) : 0);
      return Status::PermissionDenied(
          "'" + current.string() + "' is a symlink to '" + target + "' and l2mac never writes " +
          "through symlinks: replace the symlink with a real folder or file, or write to another " +
          "output folder");
    }
    if (slash == std::string::npos) return Status::Ok();
    start = slash + 1;
  }
}

}  // namespace l2mac::filestore
