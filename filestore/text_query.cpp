#include "filestore/text_query.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include <re2/re2.h>

#include "core/text.hpp"

namespace l2mac::filestore {
namespace {

std::string_view Extension(std::string_view path) {
  size_t slash = path.rfind('/');
  size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return {};
  return path.substr(dot);
}

bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$';
}

std::string Identifier(std::string_view text) {
  size_t start = 0;
  while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) ++start;
  size_t end = start;
  while (end < text.size() && IsIdentChar(text[end])) ++end;
  return std::string(text.substr(start, end - start));
}

bool ConsumeWord(std::string_view& text, std::string_view word) {
  if (text.substr(0, word.size()) != word) return false;
  if (text.size() > word.size() && IsIdentChar(text[word.size()])) return false;
  text.remove_prefix(word.size());
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return true;
}

int IndentWidth(std::string_view line) {
  int width = 0;
  for (char c : line) {
    if (c == ' ')
      ++width;
    else if (c == '\t')
      width += 4;
    else
      break;
  }
  return width;
}

std::string_view TrimLeft(std::string_view line) {
  size_t start = line.find_first_not_of(" \t");
  return start == std::string_view::npos ? std::string_view() : line.substr(start);
}

template <typename Fn>
void ForEachLine(std::string_view content, Fn fn) {
  int64_t number = 0;
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(++number, line);
    start = end + 1;
  }
}

void OutlinePython(std::string_view content, std::vector<OutlineItem>& items) {
  ForEachLine(content, [&](int64_t n, std::string_view line) {
    std::string_view rest = TrimLeft(line);
    int depth = IndentWidth(line) / 4;
    ConsumeWord(rest, "async");
    if (ConsumeWord(rest, "def")) {
      items.push_back({n, depth, depth > 0 ? "method" : "function", Identifier(rest)});
    } else if (ConsumeWord(rest, "class")) {
      items.push_back({n, depth, "class", Identifier(rest)});
    }
  });
}

void OutlineMarkdown(std::string_view content, std::vector<OutlineItem>& items) {
  bool in_fence = false;
  ForEachLine(content, [&](int64_t n, std::string_view line) {
    if (line.substr(0, 3) == "```" || line.substr(0, 3) == "~~~") in_fence = !in_fence;
    if (in_fence || line.empty() || line[0] != '#') return;
    size_t level = line.find_first_not_of('#');
    if (level == std::string_view::npos || level > 6 || line[level] != ' ') return;
    std::string title(TrimLeft(line.substr(level)));
    items.push_back({n, static_cast<int>(level) - 1, "heading", title});
  });
}

// A line that opens a function: "<words> name(<...>" ending in '{' or ')' (or ") const {"),
// not a control statement or a call ending in ';'.
std::optional<std::string> FunctionName(std::string_view rest) {
  static const char* const kNotFunctions[] = {"if",   "for", "while",  "switch", "return", "catch",
                                              "else", "do",  "sizeof", "new",    "delete"};
  size_t paren = rest.find('(');
  if (paren == std::string_view::npos || paren == 0) return std::nullopt;
  std::string_view tail = rest;
  while (!tail.empty() && std::isspace(static_cast<unsigned char>(tail.back())))
    tail.remove_suffix(1);
  if (tail.empty() || tail.back() == ';' || tail.back() == ',') return std::nullopt;
  size_t end = paren;
  while (end > 0 && rest[end - 1] == ' ') --end;
  size_t start = end;
  while (start > 0 &&
         (IsIdentChar(rest[start - 1]) || rest[start - 1] == ':' || rest[start - 1] == '~')) {
    --start;
  }
  if (start == end) return std::nullopt;
  std::string name(rest.substr(start, end - start));
  for (const char* word : kNotFunctions) {
    if (name == word) return std::nullopt;
  }
  // A definition has a return type or qualifier before the name, or is a constructor.
  if (start == 0 && name.find("::") == std::string::npos) return std::nullopt;
  std::string_view before = rest.substr(0, start);
  if (before.find('=') != std::string_view::npos || before.find('.') != std::string_view::npos)
    return std::nullopt;
  return name;
}

void OutlineC(std::string_view content, std::vector<OutlineItem>& items) {
  int brace_depth = 0;
  ForEachLine(content, [&](int64_t n, std::string_view line) {
    std::string_view rest = TrimLeft(line);
    if (!rest.empty() && rest[0] != '#' && rest.substr(0, 2) != "//" && rest[0] != '*' &&
        rest.substr(0, 2) != "/*") {
      std::string_view probe = rest;
      ConsumeWord(probe, "template");
      if (ConsumeWord(probe, "namespace")) {
        items.push_back({n, brace_depth, "namespace", Identifier(probe)});
      } else if (ConsumeWord(probe, "class") || ConsumeWord(probe, "struct")) {
        std::string name = Identifier(probe);
        if (!name.empty() && rest.back() != ';') {
          items.push_back(
              {n, brace_depth, rest.substr(0, 5) == "class" ? "class" : "struct", name});
        }
      } else if (ConsumeWord(probe, "enum")) {
        ConsumeWord(probe, "class");
        items.push_back({n, brace_depth, "enum", Identifier(probe)});
      } else if (auto name = FunctionName(rest)) {
        items.push_back({n, brace_depth, "function", *name});
      }
    }
    for (char c : line) {
      if (c == '{') ++brace_depth;
      if (c == '}' && brace_depth > 0) --brace_depth;
    }
  });
}

void OutlineJs(std::string_view content, std::vector<OutlineItem>& items) {
  int brace_depth = 0;
  ForEachLine(content, [&](int64_t n, std::string_view line) {
    std::string_view rest = TrimLeft(line);
    ConsumeWord(rest, "export");
    ConsumeWord(rest, "default");
    ConsumeWord(rest, "declare");
    ConsumeWord(rest, "abstract");
    ConsumeWord(rest, "async");
    if (ConsumeWord(rest, "function") || ConsumeWord(rest, "function*")) {
      items.push_back({n, brace_depth, "function", Identifier(rest)});
    } else if (ConsumeWord(rest, "class")) {
      items.push_back({n, brace_depth, "class", Identifier(rest)});
    } else if (ConsumeWord(rest, "interface")) {
      items.push_back({n, brace_depth, "interface", Identifier(rest)});
    } else if (ConsumeWord(rest, "const") || ConsumeWord(rest, "let") || ConsumeWord(rest, "var")) {
      std::string name = Identifier(rest);
      std::string_view after = rest.substr(name.size());
      if (!name.empty() && (after.find("=>") != std::string_view::npos ||
                            after.find("function") != std::string_view::npos)) {
        items.push_back({n, brace_depth, "function", name});
      }
    } else if (brace_depth > 0) {
      // A class method: "name(args) {" (also "static", "get", "async" prefixes).
      ConsumeWord(rest, "static");
      ConsumeWord(rest, "public");
      ConsumeWord(rest, "private");
      ConsumeWord(rest, "protected");
      ConsumeWord(rest, "async");
      std::string name = Identifier(rest);
      std::string_view after = rest.substr(name.size());
      static const char* const kKeywords[] = {"if",    "for",    "while",   "switch",
                                              "catch", "return", "function"};
      bool keyword = std::any_of(std::begin(kKeywords), std::end(kKeywords),
                                 [&](const char* k) { return name == k; });
      std::string_view tail = after;
      while (!tail.empty() && tail.back() == ' ') tail.remove_suffix(1);
      if (!name.empty() && !keyword && !after.empty() && after[0] == '(' && !tail.empty() &&
          tail.back() == '{') {
        items.push_back({n, brace_depth, "method", name});
      }
    }
    for (char c : line) {
      if (c == '{') ++brace_depth;
      if (c == '}' && brace_depth > 0) --brace_depth;
    }
  });
}

}  // namespace

bool LooksBinary(std::string_view text) {
  if (std::memchr(text.data(), 0, text.size()) != nullptr) return true;
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra = 0;
    if (c >= 0xc2 && c <= 0xdf)
      extra = 1;
    else if (c >= 0xe0 && c <= 0xef)
      extra = 2;
    else if (c >= 0xf0 && c <= 0xf4)
      extra = 3;
    else
      return true;
    if (i + extra >= text.size()) return true;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return true;
    }
    i += extra + 1;
  }
  return false;
}

std::string NumberedLines(std::string_view text, int64_t first, int64_t last) {
  std::string out;
  if (first < 1) first = 1;
  int64_t number = 1;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  while (number < first && p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (nl == nullptr) return out;
    p = static_cast<const char*>(nl) + 1;
    ++number;
  }
  while (number <= last && p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
    const char* stop = nl == nullptr ? end : static_cast<const char*>(nl);
    out += std::to_string(number);
    out += ": ";
    out.append(p, static_cast<size_t>(stop - p));
    out += '\n';
    p = stop + (nl == nullptr ? 0 : 1);
    ++number;
  }
  return out;
}

std::string NumberLines(std::string_view text, int64_t first_number) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  int64_t number = first_number;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t stop = nl == std::string_view::npos ? text.size() : nl;
    out += std::to_string(number++);
    out += ": ";
    out.append(text.substr(start, stop - start));
    out += '\n';
    start = stop + 1;
  }
  return out;
}

TextMatcher::TextMatcher() = default;
TextMatcher::TextMatcher(TextMatcher&&) noexcept = default;
TextMatcher& TextMatcher::operator=(TextMatcher&&) noexcept = default;
TextMatcher::~TextMatcher() = default;

Result<TextMatcher> TextMatcher::Create(const std::string& pattern, const SearchOptions& options) {
  if (pattern.empty()) {
    return Status::InvalidArgument("the search pattern is empty: give the text to look for");
  }
  if (pattern.size() > kMaxSearchPatternBytes) {
    return Status::InvalidArgument("the search pattern is " + std::to_string(pattern.size()) +
                                   " bytes, above the limit of " +
                                   std::to_string(kMaxSearchPatternBytes) +
                                   " bytes: search for a shorter, distinctive part of the text");
  }
  TextMatcher matcher;
  matcher.ignore_case_ = options.ignore_case;
  matcher.max_line_bytes_ = options.max_line_bytes;
  if (options.regex) {
    RE2::Options re2_options;
    re2_options.set_log_errors(false);
    re2_options.set_case_sensitive(!options.ignore_case);
    re2_options.set_max_mem(kMaxRegexMemoryBytes);
    auto regex = std::make_unique<RE2>(pattern, re2_options);
    if (!regex->ok()) {
      return Status::InvalidArgument(
          "the search pattern '" + TruncateUtf8(pattern, 200) +
          "' is not a valid regular expression in RE2 syntax (" + regex->error() +
          "; RE2 has no backreferences or lookaround, and a pattern must compile in " +
          std::to_string(kMaxRegexMemoryBytes >> 20) +
          " MiB): fix or simplify it, or search for a literal");
    }
    matcher.regex_ = std::move(regex);
  } else {
    matcher.literal_ = pattern;
    if (options.ignore_case) {
      for (char& c : matcher.literal_)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return matcher;
}

void TextMatcher::Search(std::string_view path, std::string_view content, size_t limit,
                         std::vector<SearchHit>& hits) const {
  auto add = [&](int64_t number, std::string_view line) {
    hits.push_back({std::string(path), number, TruncateUtf8(line, max_line_bytes_),
                    line.size() > max_line_bytes_});
  };
  if (!regex_ && !ignore_case_) {
    // memmem scans at memory speed; most files hold no match. Line numbers are counted
    // from the previous hit, so many hits cost one pass over the content.
    size_t pos = 0;
    size_t counted_to = 0;
    int64_t number = 1;
    while (hits.size() < limit && pos < content.size()) {
      const void* found =
          memmem(content.data() + pos, content.size() - pos, literal_.data(), literal_.size());
      if (found == nullptr) return;
      size_t at = static_cast<size_t>(static_cast<const char*>(found) - content.data());
      size_t line_start = at == 0 ? std::string_view::npos : content.rfind('\n', at - 1);
      line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
      size_t line_end = content.find('\n', at);
      if (line_end == std::string_view::npos) line_end = content.size();
      number += std::count(content.begin() + static_cast<std::ptrdiff_t>(counted_to),
                           content.begin() + static_cast<std::ptrdiff_t>(line_start), '\n');
      counted_to = line_start;
      std::string_view line = content.substr(line_start, line_end - line_start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      add(number, line);
      pos = line_end + 1;
    }
    return;
  }
  std::string lower;
  ForEachLine(content, [&](int64_t n, std::string_view line) {
    if (hits.size() >= limit) return;
    bool match;
    if (regex_) {
      match = RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *regex_);
    } else {
      lower.assign(line);
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      match = lower.find(literal_) != std::string::npos;
    }
    if (match) add(n, line);
  });
}

std::vector<OutlineItem> Outline(std::string_view path, std::string_view content) {
  std::vector<OutlineItem> items;
  std::string ext(Extension(path));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".py")
    OutlinePython(content, items);
  else if (ext == ".md" || ext == ".markdown")
    OutlineMarkdown(content, items);
  else if (ext == ".c" || ext == ".cc" || ext == ".cpp" || ext == ".cxx" || ext == ".h" ||
           ext == ".hpp" || ext == ".hh")
    OutlineC(content, items);
  else if (ext == ".js" || ext == ".jsx" || ext == ".mjs" || ext == ".cjs" || ext == ".ts" ||
           ext == ".tsx")
    OutlineJs(content, items);
  return items;
}

}  // namespace l2mac::filestore
