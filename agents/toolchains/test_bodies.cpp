#include "agents/toolchains/test_bodies.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "core/text.hpp"

namespace l2mac::toolchains {
namespace {

enum class Language { kUnknown, kPython, kJavaScript, kGo, kRust, kC };

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

Language LanguageOf(std::string_view path) {
  if (EndsWith(path, ".py")) return Language::kPython;
  for (std::string_view ext : {".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx"}) {
    if (EndsWith(path, ext)) return Language::kJavaScript;
  }
  if (EndsWith(path, ".go")) return Language::kGo;
  if (EndsWith(path, ".rs")) return Language::kRust;
  for (std::string_view ext : {".c", ".cc", ".cpp", ".cxx", ".h", ".hpp"}) {
    if (EndsWith(path, ext)) return Language::kC;
  }
  return Language::kUnknown;
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// `text` with comments and the insides of string literals blanked (newlines and the quotes
// kept), so positions still match `text` and no search finds words in either.
std::string CodeOnly(std::string_view text, Language language) {
  std::string code(text);
  auto blank = [&](size_t from, size_t to) {
    for (size_t k = from; k < to && k < code.size(); ++k) {
      if (code[k] != '\n') code[k] = ' ';
    }
  };
  const bool hash_comments = language == Language::kPython;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (hash_comments && c == '#') {
      const size_t end = std::min(text.find('\n', i), text.size());
      blank(i, end);
      i = end;
    } else if (!hash_comments && c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      const size_t end = std::min(text.find('\n', i), text.size());
      blank(i, end);
      i = end;
    } else if (!hash_comments && c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      const size_t close = text.find("*/", i + 2);
      const size_t end = close == std::string_view::npos ? text.size() : close + 2;
      blank(i, end);
      i = end;
    } else if (c == '"' || c == '`' ||
               (c == '\'' && language != Language::kRust && language != Language::kGo &&
                language != Language::kC)) {
      // A string: Python's triple quotes, backslash escapes; a backquoted one is a Go raw
      // string or a JavaScript template.
      const bool triple = language == Language::kPython && text.substr(i, 3) == std::string(3, c);
      const size_t open = triple ? 3 : 1;
      size_t k = i + open;
      while (k < text.size()) {
        if (text[k] == '\\' && c != '`') {
          k += 2;
          continue;
        }
        if (triple ? text.substr(k, 3) == std::string(3, c) : text[k] == c) break;
        if (!triple && c != '`' && text[k] == '\n') break;  // unterminated: stop at the line
        ++k;
      }
      blank(i + open, k);
      i = std::min(text.size(), k + (triple ? 3 : 1));
    } else if (c == '\'') {
      // A character literal ('a', '\n', '\'') when it closes within a few bytes; otherwise a
      // Rust lifetime or label.
      const size_t close =
          text.find('\'', i + (i + 1 < text.size() && text[i + 1] == '\\' ? 3 : 1));
      if (close != std::string_view::npos && close - i <= 4 && close > i + 1) {
        blank(i + 1, close);
        i = close + 1;
      } else {
        ++i;
      }
    } else {
      ++i;
    }
  }
  return code;
}

// The position of `open` (one of "({[") matched: the index of its closing bracket, or npos.
size_t MatchingBracket(std::string_view code, size_t open) {
  int depth = 0;
  for (size_t i = open; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '(' || c == '{' || c == '[') ++depth;
    if (c == ')' || c == '}' || c == ']') {
      if (--depth == 0) return i;
    }
  }
  return std::string_view::npos;
}

// Occurrences of the word `word` in code[from, to).
std::vector<size_t> WordPositions(std::string_view code, std::string_view word, size_t from,
                                  size_t to) {
  std::vector<size_t> found;
  for (size_t at = code.find(word, from); at != std::string_view::npos && at + word.size() <= to;
       at = code.find(word, at + 1)) {
    const bool starts = at == 0 || !IsWordChar(code[at - 1]);
    const bool ends = at + word.size() >= code.size() || !IsWordChar(code[at + word.size()]);
    if (starts && ends) found.push_back(at);
  }
  return found;
}

size_t SkipSpaces(std::string_view code, size_t at) {
  while (at < code.size() && std::isspace(static_cast<unsigned char>(code[at]))) ++at;
  return at;
}

struct Range {
  size_t begin = 0;
  size_t end = 0;
};

// --- Python ----------------------------------------------------------------------------------

size_t LineStart(std::string_view code, size_t at) {
  const size_t newline = at == 0 ? std::string_view::npos : code.rfind('\n', at - 1);
  return newline == std::string_view::npos ? 0 : newline + 1;
}

size_t IndentAt(std::string_view code, size_t line_start) {
  size_t i = line_start;
  while (i < code.size() && (code[i] == ' ' || code[i] == '\t')) ++i;
  return i - line_start;
}

// The block a `def`/`class` line at `line_start` opens: to the first later line with code
// at its indentation or less, once its header (which may span lines) has ended.
Range PythonBlock(std::string_view code, size_t line_start) {
  const size_t indent = IndentAt(code, line_start);
  // The header ends at the first ':' outside brackets.
  int depth = 0;
  size_t i = line_start + indent;
  for (; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (c == ':' && depth <= 0) break;
  }
  size_t line = code.find('\n', i);
  while (line != std::string_view::npos) {
    const size_t next = line + 1;
    const size_t line_end = std::min(code.find('\n', next), code.size());
    const std::string_view text = code.substr(next, line_end - next);
    if (!TrimWhitespace(text).empty() && IndentAt(code, next) <= indent) {
      return {line_start, next};
    }
    line = code.find('\n', next);
  }
  return {line_start, code.size()};
}

// The `def name` or `class name` block directly inside `within`.
std::optional<Range> PythonDefinition(std::string_view code, Range within, std::string_view keyword,
                                      std::string_view name) {
  for (size_t at : WordPositions(code, name, within.begin, within.end)) {
    const size_t line = LineStart(code, at);
    if (line < within.begin) continue;
    std::string_view before = TrimWhitespace(code.substr(line, at - line));
    if (keyword == "def" && StartsWith(before, "async ")) before = TrimWhitespace(before.substr(6));
    if (before != keyword) continue;
    const size_t after = SkipSpaces(code, at + name.size());
    if (after >= code.size() || (code[after] != '(' && code[after] != ':')) continue;
    Range block = PythonBlock(code, line);
    block.end = std::min(block.end, within.end);
    return block;
  }
  return std::nullopt;
}

std::vector<std::string> Split(std::string_view text, std::string_view separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t at = text.find(separator, start);
    parts.emplace_back(text.substr(start, at - start));
    if (at == std::string_view::npos) break;
    start = at + separator.size();
  }
  return parts;
}

// The part of an id after the file ("tests/a.py::Cls::test_x[1] #2" -> "Cls::test_x"),
// without a repeat number.
std::string IdAfterFile(const TestResult& test) {
  std::string rest = test.id;
  if (!test.file.empty() && StartsWith(rest, test.file + "::")) {
    rest = rest.substr(test.file.size() + 2);
  }
  const size_t repeat = rest.rfind(" #");
  if (repeat != std::string::npos &&
      rest.find_first_not_of("0123456789", repeat + 2) == std::string::npos) {
    rest.resize(repeat);
  }
  return rest;
}

std::optional<Range> PythonTestBody(std::string_view code, const TestResult& test) {
  std::vector<std::string> parts = Split(IdAfterFile(test), "::");
  Range range{0, code.size()};
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    auto cls = PythonDefinition(code, range, "class", parts[i]);
    if (!cls) return std::nullopt;
    range = *cls;
  }
  return PythonDefinition(code, range, "def", test.name);
}

// --- JavaScript ------------------------------------------------------------------------------

// The call test('name', ...) / it("name", ...) / describe(`name`, ...) in `within`: the
// range inside its parentheses.
std::optional<Range> JsTestCall(std::string_view text, std::string_view code, Range within,
                                const std::string& name) {
  for (char quote : {'\'', '"', '`'}) {
    const std::string literal = quote + name + quote;
    for (size_t at = text.find(literal, within.begin);
         at != std::string_view::npos && at + literal.size() <= within.end;
         at = text.find(literal, at + 1)) {
      if (code[at] != quote || code[at + literal.size() - 1] != quote) continue;  // in a comment
      size_t open = at;
      while (open > within.begin && std::isspace(static_cast<unsigned char>(code[open - 1]))) {
        --open;
      }
      if (open == within.begin || code[open - 1] != '(') continue;
      const size_t after = SkipSpaces(code, at + literal.size());
      if (after >= code.size() || (code[after] != ',' && code[after] != ')')) continue;
      const size_t close = MatchingBracket(code, open - 1);
      if (close == std::string_view::npos) continue;
      return Range{open, close};
    }
  }
  return std::nullopt;
}

std::optional<Range> JsTestBody(std::string_view text, std::string_view code,
                                const TestResult& test) {
  Range range{0, code.size()};
  for (const std::string& part : Split(IdAfterFile(test), " > ")) {
    auto call = JsTestCall(text, code, range, part);
    if (!call) return std::nullopt;
    range = *call;
  }
  return range;
}

// --- Go, Rust, C/C++ -------------------------------------------------------------------------

// The braces after `from`: the function body that starts there.
std::optional<Range> BracedBody(std::string_view code, size_t from) {
  const size_t open = code.find('{', from);
  if (open == std::string_view::npos) return std::nullopt;
  const size_t close = MatchingBracket(code, open);
  if (close == std::string_view::npos) return std::nullopt;
  return Range{open, close + 1};
}

std::optional<Range> GoTestBody(std::string_view code, const std::string& name) {
  for (size_t at : WordPositions(code, name, 0, code.size())) {
    const size_t line = LineStart(code, at);
    if (TrimWhitespace(code.substr(line, at - line)) != "func") continue;
    if (SkipSpaces(code, at + name.size()) >= code.size() ||
        code[SkipSpaces(code, at + name.size())] != '(') {
      continue;
    }
    return BracedBody(code, at);
  }
  return std::nullopt;
}

std::optional<Range> RustTestBody(std::string_view code, const std::string& name) {
  for (size_t at : WordPositions(code, name, 0, code.size())) {
    const size_t line = LineStart(code, at);
    const std::string_view before = TrimWhitespace(code.substr(line, at - line));
    if (!EndsWith(before, "fn")) continue;
    // The attributes on the lines above, up to the previous item.
    bool is_test = false;
    size_t above = line;
    for (int lines = 0; above > 0 && lines < 8; ++lines) {
      const size_t start = LineStart(code, above - 1);
      const std::string_view attribute = TrimWhitespace(code.substr(start, above - 1 - start));
      if (!attribute.empty() && !StartsWith(attribute, "#[")) break;
      if (attribute.find("test]") != std::string_view::npos ||
          attribute.find("test(") != std::string_view::npos) {
        is_test = true;
      }
      above = start;
    }
    if (is_test) return BracedBody(code, at);
  }
  return std::nullopt;
}

// googletest's TEST(Suite, Name) / TEST_F / TEST_P, for the ctest name "Suite.Name".
std::optional<Range> GoogletestBody(std::string_view code, const std::string& name) {
  const size_t dot = name.find('.');
  if (dot == std::string::npos || name.find('.', dot + 1) != std::string::npos) return std::nullopt;
  const std::string suite = name.substr(0, dot);
  const std::string test = name.substr(dot + 1);
  for (size_t at : WordPositions(code, test, 0, code.size())) {
    size_t i = at;
    while (i > 0 && std::isspace(static_cast<unsigned char>(code[i - 1]))) --i;
    if (i == 0 || code[i - 1] != ',') continue;
    --i;
    while (i > 0 && std::isspace(static_cast<unsigned char>(code[i - 1]))) --i;
    if (i < suite.size() || code.substr(i - suite.size(), suite.size()) != suite) continue;
    i -= suite.size();
    while (i > 0 && std::isspace(static_cast<unsigned char>(code[i - 1]))) --i;
    if (i == 0 || code[i - 1] != '(') continue;
    size_t word = i - 1;
    while (word > 0 && IsWordChar(code[word - 1])) --word;
    if (!StartsWith(code.substr(word, i - 1 - word), "TEST")) continue;
    return BracedBody(code, at);
  }
  return std::nullopt;
}

// --- Counting --------------------------------------------------------------------------------

bool IsAssertLike(Language language, std::string_view code, size_t at, std::string_view word) {
  const size_t after = SkipSpaces(code, at + word.size());
  const char next = after < code.size() ? code[after] : '\0';
  const char previous = at > 0 ? code[at - 1] : '\0';
  switch (language) {
    case Language::kPython:
      return StartsWith(word, "assert") || word == "raises" || word == "warns";
    case Language::kJavaScript:
      return StartsWith(word, "assert") || word == "expect";
    case Language::kGo:
      if ((word == "assert" || word == "require") && next == '.') return true;
      if (previous != '.' || next != '(') return false;
      if (word == "Fail" || word == "FailNow") return true;
      if (word == "Error" || word == "Errorf" || word == "Fatal" || word == "Fatalf") {
        const size_t argument = SkipSpaces(code, after + 1);
        return argument < code.size() && code[argument] != ')';  // err.Error() is no check
      }
      return false;
    case Language::kRust:
      return (StartsWith(word, "assert") || StartsWith(word, "debug_assert")) && next == '!';
    case Language::kC:
      return next == '(' && (word == "assert" || word == "static_assert" ||
                             StartsWith(word, "ASSERT_") || StartsWith(word, "EXPECT_") ||
                             StartsWith(word, "CHECK") || StartsWith(word, "REQUIRE"));
    case Language::kUnknown:
      return false;
  }
  return false;
}

int CountAssertLike(Language language, std::string_view code, Range body) {
  int count = 0;
  size_t i = body.begin;
  while (i < body.end) {
    if (!IsWordChar(code[i]) || (i > 0 && IsWordChar(code[i - 1]))) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < body.end && IsWordChar(code[end])) ++end;
    if (!std::isdigit(static_cast<unsigned char>(code[i])) &&
        IsAssertLike(language, code, i, code.substr(i, end - i))) {
      ++count;
    }
    i = end;
  }
  return count;
}

std::optional<Range> TestBody(Language language, std::string_view text, std::string_view code,
                              const TestResult& test) {
  switch (language) {
    case Language::kPython:
      return PythonTestBody(code, test);
    case Language::kJavaScript:
      return JsTestBody(text, code, test);
    case Language::kGo:
      return GoTestBody(code, test.name);
    case Language::kRust:
      return RustTestBody(code, test.name);
    case Language::kC:
      return GoogletestBody(code, test.name);
    case Language::kUnknown:
      return std::nullopt;
  }
  return std::nullopt;
}

// Files read once per LocateTests call, with their code-only text.
class SourceCache {
 public:
  explicit SourceCache(const std::filesystem::path& root) : root_(root) {}

  // nullptr when the file cannot be read.
  const std::pair<std::string, std::string>* Get(const std::string& path) {
    auto it = sources_.find(path);
    if (it == sources_.end()) {
      std::optional<std::pair<std::string, std::string>> source;
      std::ifstream in(root_ / path, std::ios::binary);
      std::ostringstream text;
      if (in) text << in.rdbuf();
      if (in) {
        std::string content = text.str();
        std::string code = CodeOnly(content, LanguageOf(path));
        source.emplace(std::move(content), std::move(code));
      }
      it = sources_.emplace(path, std::move(source)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

 private:
  std::filesystem::path root_;
  std::map<std::string, std::optional<std::pair<std::string, std::string>>> sources_;
};

// go.mod's module path, or "".
std::string GoModulePath(SourceCache& sources) {
  const auto* go_mod = sources.Get("go.mod");
  if (go_mod == nullptr) return "";
  for (std::string_view line : SplitLines(go_mod->first)) {
    line = TrimWhitespace(line);
    if (StartsWith(line, "module ")) {
      std::string_view path = TrimWhitespace(line.substr(7));
      if (path.size() >= 2 && path.front() == '"' && path.back() == '"') {
        path = path.substr(1, path.size() - 2);
      }
      return std::string(path);
    }
  }
  return "";
}

std::string Directory(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// Where to look for a test whose runner did not name its file, best guesses first.
std::vector<std::string> Candidates(const TestResult& test, const std::vector<std::string>& files,
                                    const std::string& go_module) {
  std::vector<std::string> candidates;
  switch (test.framework) {
    case TestFramework::kPytest:
    case TestFramework::kNodeTest:
      break;
    case TestFramework::kGoTest: {
      const std::string package = test.id.substr(0, test.id.find("::"));
      std::string dir;
      if (go_module.empty() || (package != go_module && !StartsWith(package, go_module + "/"))) {
        break;
      }
      dir = package == go_module ? "" : package.substr(go_module.size() + 1);
      for (const std::string& file : files) {
        if (EndsWith(file, "_test.go") && Directory(file) == dir) candidates.push_back(file);
      }
      break;
    }
    case TestFramework::kCargoTest: {
      if (StartsWith(test.id, "doc::")) break;
      const std::string target = test.id.substr(0, test.id.find("::"));
      if (std::find(files.begin(), files.end(), target) != files.end()) {
        candidates.push_back(target);
      }
      for (const std::string& file : files) {
        if (EndsWith(file, ".rs") && file != target) candidates.push_back(file);
      }
      break;
    }
    case TestFramework::kCtest:
      for (const std::string& file : files) {
        if (LanguageOf(file) == Language::kC) candidates.push_back(file);
      }
      break;
  }
  return candidates;
}

}  // namespace

int CountTestAssertions(const std::string& path, std::string_view content, const TestResult& test) {
  const Language language = LanguageOf(path);
  const std::string code = CodeOnly(content, language);
  auto body = TestBody(language, content, code, test);
  return body ? CountAssertLike(language, code, *body) : -1;
}

void LocateTests(const std::filesystem::path& root, const std::vector<std::string>& files,
                 std::vector<TestResult>& tests) {
  SourceCache sources(root);
  std::optional<std::string> go_module;
  for (TestResult& test : tests) {
    // A Go subtest's checks are its test's: they are counted there.
    const bool go_subtest = test.framework == TestFramework::kGoTest &&
                            test.id.find('/', test.id.find("::")) != std::string::npos;
    std::vector<std::string> candidates;
    if (!test.file.empty()) {
      candidates.push_back(test.file);
    } else {
      if (test.framework == TestFramework::kGoTest && !go_module) go_module = GoModulePath(sources);
      candidates = Candidates(test, files, go_module.value_or(""));
    }
    for (const std::string& candidate : candidates) {
      const auto* source = sources.Get(candidate);
      if (source == nullptr) continue;
      if (test.file.empty() && source->first.find(test.name) == std::string::npos) continue;
      const Language language = LanguageOf(candidate);
      auto body = TestBody(language, source->first, source->second, test);
      if (!body) continue;
      if (test.file.empty()) test.file = candidate;
      if (!go_subtest) test.assertions = CountAssertLike(language, source->second, *body);
      break;
    }
  }
}

}  // namespace l2mac::toolchains
