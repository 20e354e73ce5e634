#include "core/glob.hpp"

#include <algorithm>
#include <cctype>

namespace l2mac {
namespace {

// The bytes of a POSIX class name such as "digit"; false for an unknown name.
bool AddNamedClass(std::string_view name, std::bitset<256>& set) {
  int (*test)(int) = nullptr;
  if (name == "alnum") test = [](int c) { return std::isalnum(c); };
  if (name == "alpha") test = [](int c) { return std::isalpha(c); };
  if (name == "blank") test = [](int c) { return c == ' ' || c == '\t' ? 1 : 0; };
  if (name == "cntrl") test = [](int c) { return std::iscntrl(c); };
  if (name == "digit") test = [](int c) { return std::isdigit(c); };
  if (name == "graph") test = [](int c) { return std::isgraph(c); };
  if (name == "lower") test = [](int c) { return std::islower(c); };
  if (name == "print") test = [](int c) { return std::isprint(c); };
  if (name == "punct") test = [](int c) { return std::ispunct(c); };
  if (name == "space") test = [](int c) { return std::isspace(c); };
  if (name == "upper") test = [](int c) { return std::isupper(c); };
  if (name == "xdigit") test = [](int c) { return std::isxdigit(c); };
  if (test == nullptr) return false;
  // ASCII only, whatever the locale: paths are UTF-8 bytes.
  for (int c = 0; c < 128; ++c) {
    if (test(c) != 0) set.set(static_cast<size_t>(c));
  }
  return true;
}

// Parses the set of "[...]" starting after the '[' at `pattern[start]`. Returns the index
// just past the closing ']', or npos when the set is not closed (then '[' is literal).
size_t ParseClass(std::string_view pattern, size_t start, std::bitset<256>& set) {
  size_t i = start;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  // One member byte at `i` (a backslash escapes the next byte), advancing `i`.
  auto member = [&](size_t& at) {
    if (pattern[at] == '\\' && at + 1 < pattern.size()) ++at;
    return static_cast<unsigned char>(pattern[at++]);
  };
  bool first = true;
  while (i < pattern.size() && (first || pattern[i] != ']')) {
    first = false;
    if (pattern[i] == '[' && i + 1 < pattern.size() && pattern[i + 1] == ':') {
      size_t close = pattern.find(":]", i + 2);
      if (close != std::string_view::npos &&
          AddNamedClass(pattern.substr(i + 2, close - i - 2), set)) {
        i = close + 2;
        continue;
      }
    }
    unsigned char low = member(i);
    if (i + 1 < pattern.size() && pattern[i] == '-' && pattern[i + 1] != ']') {
      ++i;
      unsigned char high = member(i);
      for (unsigned c = low; c <= high; ++c) set.set(c);
    } else {
      set.set(low);
    }
  }
  if (i >= pattern.size()) return std::string_view::npos;
  if (negate) set.flip();
  set.reset('/');  // a class never crosses a segment
  return i + 1;
}

}  // namespace

Result<Glob> Glob::Compile(std::string_view pattern) {
  if (pattern.size() > kMaxPatternBytes) {
    return Status::InvalidArgument(
        "the glob is " + std::to_string(pattern.size()) + " bytes, above the limit of " +
        std::to_string(kMaxPatternBytes) + ": use a shorter pattern such as 'src/**/*.py'");
  }
  Glob glob;
  glob.pattern_ = std::string(pattern);
  std::string body(pattern);
  bool anchored = false;
  if (body.rfind("./", 0) == 0) body.erase(0, 1);  // "./src/*.py" is "/src/*.py"
  if (!body.empty() && body.front() == '/') {
    body.erase(0, 1);
    anchored = true;
  }
  if (body.empty()) {
    return Status::InvalidArgument(
        "the glob is empty: give a pattern such as '*.py' or 'src/**/*.py'");
  }
  if (body.back() == '/') body += "**";
  glob.name_only_ = !anchored && body.find('/') == std::string::npos;

  std::vector<Token>& tokens = glob.tokens_;
  const std::string_view p(body);
  size_t i = 0;
  while (i < p.size()) {
    const char c = p[i];
    if (c == '*') {
      size_t end = p.find_first_not_of('*', i);
      if (end == std::string_view::npos) end = p.size();
      const bool segment_start = i == 0 || p[i - 1] == '/';
      if (end - i >= 2 && segment_start && end == p.size()) {
        tokens.push_back({Kind::kAnyRest, 0, 0});
        i = end;
      } else if (end - i >= 2 && segment_start && p[end] == '/') {
        tokens.push_back({Kind::kAnySegments, 0, 0});
        tokens.push_back({Kind::kInsideSegments, 0, 0});
        i = end + 1;
      } else {
        tokens.push_back({Kind::kStar, 0, 0});
        i = end;
      }
    } else if (c == '?') {
      tokens.push_back({Kind::kAnyByte, 0, 0});
      ++i;
    } else if (c == '[') {
      std::bitset<256> set;
      size_t end = ParseClass(p, i + 1, set);
      if (end == std::string_view::npos) {
        tokens.push_back({Kind::kByte, '[', 0});
        ++i;
      } else {
        tokens.push_back({Kind::kClass, 0, static_cast<uint32_t>(glob.classes_.size())});
        glob.classes_.push_back(set);
        i = end;
      }
    } else if (c == '\\' && i + 1 < p.size()) {
      tokens.push_back({Kind::kByte, static_cast<unsigned char>(p[i + 1]), 0});
      i += 2;
    } else {
      tokens.push_back({Kind::kByte, static_cast<unsigned char>(c), 0});
      ++i;
    }
  }
  return glob;
}

// Adds the states reachable without consuming a byte. Every such move goes forward, so
// one pass in order reaches them all.
void Glob::Close(std::vector<uint8_t>& states) const {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (states[i] == 0) continue;
    Kind kind = tokens_[i].kind;
    if (kind == Kind::kStar || kind == Kind::kAnyRest) states[i + 1] = 1;
    if (kind == Kind::kAnySegments) states[i + 2] = 1;
  }
}

bool Glob::Matches(std::string_view path) const {
  if (name_only_) {
    size_t slash = path.rfind('/');
    if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  }
  const size_t n = tokens_.size();
  std::vector<uint8_t> current(n + 1, 0);
  std::vector<uint8_t> next(n + 1, 0);
  current[0] = 1;
  Close(current);
  for (char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    std::fill(next.begin(), next.end(), 0);
    bool alive = false;
    for (size_t i = 0; i < n; ++i) {
      if (current[i] == 0) continue;
      const Token& token = tokens_[i];
      size_t to = n + 1;    // the state that consumes c and moves on
      size_t stay = n + 1;  // the state that consumes c and stays
      size_t also = n + 1;  // a second target (the '/' that ends "**/")
      switch (token.kind) {
        case Kind::kByte:
          if (c == token.byte) to = i + 1;
          break;
        case Kind::kAnyByte:
          if (c != '/') to = i + 1;
          break;
        case Kind::kClass:
          if (classes_[token.index].test(c)) to = i + 1;
          break;
        case Kind::kStar:
          if (c != '/') stay = i;
          break;
        case Kind::kAnySegments:
          to = i + 1;
          if (c == '/') also = i + 2;
          break;
        case Kind::kInsideSegments:
          stay = i;
          if (c == '/') also = i + 1;
          break;
        case Kind::kAnyRest:
          stay = i;
          break;
      }
      for (size_t target : {to, stay, also}) {
        if (target <= n) {
          next[target] = 1;
          alive = true;
        }
      }
    }
    if (!alive) return false;
    Close(next);
    current.swap(next);
  }
  return current[n] != 0;
}

bool GlobMatch(std::string_view pattern, std::string_view path) {
  auto glob = Glob::Compile(pattern);
  return glob.ok() && glob->Matches(path);
}

}  // namespace l2mac
