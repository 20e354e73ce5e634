// libFuzzer target: core/glob.hpp on arbitrary patterns and paths (input: the pattern, a
// NUL byte, the path). Checks that compiling and matching never crash and, on small
// inputs, that the state-set matcher agrees with a reference written independently: the
// same dialect translated to an RE2 regular expression.
#include <re2/re2.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/glob.hpp"

namespace {

// One byte as an RE2 escape, whatever it is.
std::string Byte(unsigned char c) {
  static const char kHex[] = "0123456789abcdef";
  return std::string("\\x") + kHex[c >> 4] + kHex[c & 15];
}

// The bracket set starting after '[' at p[i]: "[...]" of escaped bytes (never '/'), and
// the index after its ']'; npos when it is not closed.
size_t ReferenceClass(std::string_view p, size_t i, std::string& out) {
  bool member[256] = {};
  bool negate = i < p.size() && (p[i] == '!' || p[i] == '^');
  if (negate) ++i;
  auto take = [&](size_t& at) {
    if (p[at] == '\\' && at + 1 < p.size()) ++at;
    return static_cast<unsigned char>(p[at++]);
  };
  for (bool first = true; i < p.size() && (first || p[i] != ']'); first = false) {
    if (p.substr(i, 2) == "[:") {
      size_t close = p.find(":]", i + 2);
      std::string_view name =
          close == std::string_view::npos ? std::string_view() : p.substr(i + 2, close - i - 2);
      int (*test)(int) = nullptr;
      if (name == "alnum") test = isalnum;
      if (name == "alpha") test = isalpha;
      if (name == "blank") test = isblank;
      if (name == "cntrl") test = iscntrl;
      if (name == "digit") test = isdigit;
      if (name == "graph") test = isgraph;
      if (name == "lower") test = islower;
      if (name == "print") test = isprint;
      if (name == "punct") test = ispunct;
      if (name == "space") test = isspace;
      if (name == "upper") test = isupper;
      if (name == "xdigit") test = isxdigit;
      if (test != nullptr) {
        for (int c = 0; c < 128; ++c) member[c] = member[c] || test(c) != 0;
        i = close + 2;
        continue;
      }
    }
    unsigned char low = take(i);
    unsigned char high = low;
    if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
      ++i;
      high = take(i);
    }
    for (unsigned c = low; c <= high; ++c) member[c] = true;
  }
  if (i >= p.size()) return std::string_view::npos;
  out += "[";
  bool any = false;
  for (unsigned c = 0; c < 256; ++c) {
    if (member[c] != negate && c != '/') {
      out += Byte(static_cast<unsigned char>(c));
      any = true;
    }
  }
  if (!any) out += "^\\x00-\\xff";  // matches nothing
  out += "]";
  return i + 1;
}

// The reference: the dialect of core/glob.hpp as a regular expression over the path, and
// whether it meets only the file's name.
bool Reference(std::string_view pattern, std::string& regex, bool& name_only) {
  std::string body(pattern);
  if (body.substr(0, 2) == "./") body.erase(0, 1);
  bool anchored = !body.empty() && body[0] == '/';
  if (anchored) body.erase(0, 1);
  if (body.empty()) return false;
  if (body.back() == '/') body += "**";
  name_only = !anchored && body.find('/') == std::string::npos;
  std::string_view p(body);
  for (size_t i = 0; i < p.size();) {
    if (p[i] == '*') {
      size_t end = i;
      while (end < p.size() && p[end] == '*') ++end;
      bool whole = end - i >= 2 && (i == 0 || p[i - 1] == '/');
      if (whole && end == p.size()) {
        regex += "(?s:.*)";
      } else if (whole && p[end] == '/') {
        regex += "(?s:(?:.*/)?)";
        ++end;
      } else {
        regex += "[^/]*";
      }
      i = end;
    } else if (p[i] == '?') {
      regex += "[^/]";
      ++i;
    } else if (p[i] == '[') {
      size_t end = ReferenceClass(p, i + 1, regex);
      if (end == std::string_view::npos) {
        regex += Byte('[');
        ++i;
      } else {
        i = end;
      }
    } else if (p[i] == '\\' && i + 1 < p.size()) {
      regex += Byte(static_cast<unsigned char>(p[i + 1]));
      i += 2;
    } else {
      regex += Byte(static_cast<unsigned char>(p[i]));
      ++i;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find('\0');
  const std::string_view pattern = input.substr(0, split);
  const std::string_view path =
      split == std::string_view::npos ? std::string_view() : input.substr(split + 1);
  auto glob = l2mac::Glob::Compile(pattern);
  if (!glob.ok()) {
    if (glob.status().message().empty()) __builtin_trap();
    return 0;
  }
  const bool matched = glob->Matches(path);
  if (pattern.size() > 64 || path.size() > 64) return 0;
  std::string regex;
  bool name_only = false;
  if (!Reference(pattern, regex, name_only)) __builtin_trap();  // Compile accepted it
  RE2::Options options(RE2::Latin1);
  options.set_log_errors(false);
  options.set_dot_nl(true);
  RE2 reference(regex, options);
  if (!reference.ok()) __builtin_trap();
  std::string_view subject = path;
  if (name_only && subject.find('/') != std::string_view::npos) {
    subject.remove_prefix(subject.rfind('/') + 1);
  }
  if (RE2::FullMatch(re2::StringPiece(subject.data(), subject.size()), reference) != matched) {
    __builtin_trap();
  }
  return 0;
}
