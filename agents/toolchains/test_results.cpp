#include "agents/toolchains/test_results.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdlib>
#include <map>
#include <string_view>

#include "core/text.hpp"

namespace l2mac::toolchains {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string_view WithoutCarriageReturn(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// A store path from what a runner printed: no file:// prefix, no snapshot path, no "./".
std::string StorePath(std::string_view file, const std::string& root) {
  if (StartsWith(file, "file://")) file.remove_prefix(7);
  if (!root.empty() && StartsWith(file, root) && file.size() > root.size() &&
      file[root.size()] == '/') {
    file.remove_prefix(root.size() + 1);
  }
  while (StartsWith(file, "./")) file.remove_prefix(2);
  return std::string(file);
}

// --- JUnit XML ---------------------------------------------------------------------------

std::string XmlUnescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t end = text[i] == '&' ? text.find(';', i) : std::string_view::npos;
    if (end == std::string_view::npos || end - i > 10) {
      out += text[i];
      continue;
    }
    const std::string_view entity = text.substr(i + 1, end - i - 1);
    if (entity == "lt") {
      out += '<';
    } else if (entity == "gt") {
      out += '>';
    } else if (entity == "amp") {
      out += '&';
    } else if (entity == "quot") {
      out += '"';
    } else if (entity == "apos") {
      out += '\'';
    } else if (StartsWith(entity, "#")) {
      const std::string digits(entity.substr(StartsWith(entity, "#x") ? 2 : 1));
      const long code = std::strtol(digits.c_str(), nullptr, StartsWith(entity, "#x") ? 16 : 10);
      out += code > 0 && code < 128 ? static_cast<char>(code) : '?';
    } else {
      out.append(text.substr(i, end - i + 1));
    }
    i = end;
  }
  return out;
}

// The value of attribute `name` in a start tag ("<testcase a=\"1\" ..."), unescaped.
std::string XmlAttribute(std::string_view tag, std::string_view name) {
  size_t at = 0;
  while ((at = tag.find(name, at)) != std::string_view::npos) {
    const bool starts_word = at > 0 && std::isspace(static_cast<unsigned char>(tag[at - 1]));
    const size_t eq = at + name.size();
    if (starts_word && eq + 1 < tag.size() && tag[eq] == '=' &&
        (tag[eq + 1] == '"' || tag[eq + 1] == '\'')) {
      const char quote = tag[eq + 1];
      const size_t end = tag.find(quote, eq + 2);
      if (end == std::string_view::npos) return "";
      return XmlUnescape(tag.substr(eq + 2, end - eq - 2));
    }
    at = eq;
  }
  return "";
}

// pytest's node id from xunit1 attributes: classname is the module's dotted path followed
// by the classes, name the function (with parameters).
std::string PytestNodeId(const std::string& file, const std::string& classname,
                         const std::string& name) {
  std::string module = file;
  if (EndsWith(module, ".py")) module.resize(module.size() - 3);
  for (char& c : module) {
    if (c == '/') c = '.';
  }
  std::string id = file;
  if (classname.size() > module.size() + 1 && StartsWith(classname, module + ".")) {
    std::string classes = classname.substr(module.size() + 1);
    size_t dot;
    while ((dot = classes.find('.')) != std::string::npos) classes.replace(dot, 1, "::");
    id += "::" + classes;
  }
  return id + "::" + name;
}

// --- TAP (node --test) ---------------------------------------------------------------------

// "name # SKIP reason" -> name and directive ("SKIP", "TODO" or ""); "\#" is a literal '#'.
std::pair<std::string, std::string> TapNameAndDirective(std::string_view text) {
  std::string name;
  std::string directive;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      name += text[++i];
      continue;
    }
    if (text[i] == '#' && (i == 0 || text[i - 1] == ' ')) {
      std::string rest(TrimWhitespace(text.substr(i + 1)));
      for (char& c : rest) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (StartsWith(rest, "SKIP")) directive = "SKIP";
      if (StartsWith(rest, "TODO")) directive = "TODO";
      break;
    }
    name += text[i];
  }
  return {std::string(TrimWhitespace(name)), directive};
}

std::vector<TestResult> ParseTap(const std::string& output, const std::string& root,
                                 const std::string& file) {
  std::vector<TestResult> results;
  // The names of the enclosing tests, by nesting level (four spaces each).
  std::vector<std::string> parents;
  // Node 18 wraps each file in a test named by its path: not a test of its own.
  auto is_file_wrapper = [&](const std::string& name) {
    return !file.empty() && (name == file || name == root + "/" + file);
  };
  const std::vector<std::string_view> lines = SplitLines(output);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = WithoutCarriageReturn(lines[i]);
    const size_t indent = line.find_first_not_of(' ');
    if (indent == std::string_view::npos) continue;
    const size_t level = indent / 4;
    std::string_view body = line.substr(indent);
    if (StartsWith(body, "# Subtest: ")) {
      parents.resize(level);
      parents.push_back(TapNameAndDirective(body.substr(11)).first);
      continue;
    }
    const bool not_ok = StartsWith(body, "not ok ");
    if (!not_ok && !StartsWith(body, "ok ")) continue;
    body.remove_prefix(not_ok ? 7 : 3);
    const size_t number_end = body.find_first_not_of("0123456789");
    if (number_end == 0 || number_end == std::string_view::npos) continue;
    body.remove_prefix(number_end);
    if (StartsWith(body, " - ")) body.remove_prefix(3);
    auto [name, directive] = TapNameAndDirective(body);
    // The YAML block that follows belongs to this result; its text is not TAP.
    if (i + 1 < lines.size() && TrimWhitespace(lines[i + 1]) == "---") {
      for (++i; i + 1 < lines.size() && TrimWhitespace(lines[i + 1]) != "..."; ++i) {
      }
      ++i;
    }
    parents.resize(std::min(parents.size(), level));
    if (is_file_wrapper(name)) continue;
    std::string path;
    for (const std::string& parent : parents) {
      if (is_file_wrapper(parent)) continue;
      path += parent + " > ";
    }
    TestResult result;
    result.framework = TestFramework::kNodeTest;
    result.name = name;
    result.file = file;
    result.id = (file.empty() ? "" : file + "::") + path + name;
    result.outcome = directive == "SKIP"   ? TestOutcome::kSkipped
                     : directive == "TODO" ? TestOutcome::kXfailed
                     : not_ok              ? TestOutcome::kFailed
                                           : TestOutcome::kPassed;
    results.push_back(std::move(result));
  }
  return results;
}

// --- ctest -----------------------------------------------------------------------------------

// " 3/12 Test  #3: name ....................***Skipped   0.01 sec"
std::vector<TestResult> ParseCtest(const std::string& output) {
  std::vector<TestResult> results;
  for (std::string_view line : SplitLines(output)) {
    line = TrimWhitespace(WithoutCarriageReturn(line));
    const size_t slash = line.find('/');
    const size_t test = line.find(" Test ");
    if (slash == std::string_view::npos || test == std::string_view::npos || slash > test ||
        line.substr(0, slash).find_first_not_of("0123456789") != std::string_view::npos) {
      continue;
    }
    const size_t hash = line.find('#', test);
    const size_t colon = hash == std::string_view::npos ? hash : line.find(": ", hash);
    if (colon == std::string_view::npos) continue;
    std::string_view rest = line.substr(colon + 2);
    // The name ends where ctest's dot padding starts, or at the status when it is too long
    // to be padded.
    size_t name_end = rest.find(" .");
    for (std::string_view status : {"   Passed", "***", " Passed"}) {
      if (name_end == std::string_view::npos) name_end = rest.find(status);
    }
    if (name_end == std::string_view::npos || name_end == 0) continue;
    const std::string_view status = rest.substr(name_end);
    TestResult result;
    result.framework = TestFramework::kCtest;
    result.name = std::string(TrimWhitespace(rest.substr(0, name_end)));
    result.id = result.name;
    if (status.find("***Skipped") != std::string_view::npos ||
        status.find("Not Run (Disabled)") != std::string_view::npos) {
      result.outcome = TestOutcome::kSkipped;
    } else if (status.find("***") == std::string_view::npos &&
               status.find(" Passed") != std::string_view::npos) {
      result.outcome = TestOutcome::kPassed;
    } else {
      result.outcome = TestOutcome::kFailed;
    }
    results.push_back(std::move(result));
  }
  return results;
}

// --- go test -json ---------------------------------------------------------------------------

std::vector<TestResult> ParseGoTestJson(const std::string& output) {
  std::vector<TestResult> results;
  for (std::string_view line : SplitLines(output)) {
    line = WithoutCarriageReturn(line);
    if (!StartsWith(line, "{")) continue;
    const nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
    if (!event.is_object()) continue;
    const auto action = event.find("Action");
    const auto test = event.find("Test");
    const auto package = event.find("Package");
    if (action == event.end() || test == event.end() || package == event.end() ||
        !action->is_string() || !test->is_string() || !package->is_string()) {
      continue;
    }
    const std::string verb = action->get<std::string>();
    if (verb != "pass" && verb != "fail" && verb != "skip") continue;
    TestResult result;
    result.framework = TestFramework::kGoTest;
    const std::string name = test->get<std::string>();
    result.id = package->get<std::string>() + "::" + name;
    result.name = name.substr(0, name.find('/'));  // subtests go by their test's name
    result.outcome = verb == "pass"   ? TestOutcome::kPassed
                     : verb == "skip" ? TestOutcome::kSkipped
                                      : TestOutcome::kFailed;
    results.push_back(std::move(result));
  }
  return results;
}

// --- cargo test ------------------------------------------------------------------------------

// "     Running unittests src/lib.rs (target/debug/deps/calc-1f2e)" -> "src/lib.rs";
// "     Running tests/api.rs (...)" -> "tests/api.rs"; older cargo prints only the binary:
// "     Running target/debug/deps/api-1f2e" -> "api".
std::string CargoTarget(std::string_view running, const std::string& root) {
  running = TrimWhitespace(running.substr(running.find("Running") + 7));
  if (StartsWith(running, "unittests ")) running.remove_prefix(10);
  const size_t paren = running.find(" (");
  if (paren != std::string_view::npos) return StorePath(running.substr(0, paren), root);
  std::string_view binary = running.substr(running.rfind('/') + 1);
  const size_t dash = binary.rfind('-');
  if (dash != std::string_view::npos) binary = binary.substr(0, dash);
  return std::string(binary);
}

std::vector<TestResult> ParseCargoTest(const std::string& output, const std::string& root) {
  std::vector<TestResult> results;
  std::string target;
  bool doc_tests = false;
  for (std::string_view line : SplitLines(output)) {
    line = WithoutCarriageReturn(line);
    const std::string_view trimmed = TrimWhitespace(line);
    if (StartsWith(trimmed, "Running ")) {
      target = CargoTarget(trimmed, root);
      doc_tests = false;
      continue;
    }
    if (StartsWith(trimmed, "Doc-tests ")) {
      target = "doc";
      doc_tests = true;
      continue;
    }
    if (!StartsWith(line, "test ") || StartsWith(line, "test result:")) continue;
    const size_t dots = line.rfind(" ... ");
    if (dots == std::string_view::npos) continue;
    std::string name(line.substr(5, dots - 5));
    const std::string_view verdict = TrimWhitespace(line.substr(dots + 5));
    TestResult result;
    result.framework = TestFramework::kCargoTest;
    if (StartsWith(verdict, "ok")) {
      result.outcome = TestOutcome::kPassed;
    } else if (StartsWith(verdict, "ignored")) {
      result.outcome = TestOutcome::kSkipped;
    } else if (StartsWith(verdict, "FAILED")) {
      result.outcome = TestOutcome::kFailed;
    } else {
      continue;
    }
    if (doc_tests) {
      // "src/lib.rs - add (line 3)": the line moves whenever the file above it changes.
      const size_t line_note = name.rfind(" (line ");
      if (line_note != std::string::npos) name.resize(line_note);
      result.file = name.substr(0, name.find(" - "));
      result.name = name;
    } else {
      const size_t last = name.rfind("::");
      result.name = last == std::string::npos ? name : name.substr(last + 2);
    }
    result.id = (target.empty() ? "" : target + "::") + name;
    results.push_back(std::move(result));
  }
  return results;
}

// Repeated ids get " #2", " #3", ... so each stays unique and stable while the order is.
void NumberRepeatedIds(std::vector<TestResult>& results) {
  std::map<std::string, int> seen;
  for (TestResult& result : results) {
    const int count = ++seen[result.id];
    if (count > 1) result.id += " #" + std::to_string(count);
  }
}

}  // namespace

const char* TestOutcomeName(TestOutcome outcome) {
  switch (outcome) {
    case TestOutcome::kPassed:
      return "passed";
    case TestOutcome::kFailed:
      return "failed";
    case TestOutcome::kSkipped:
      return "skipped";
    case TestOutcome::kXfailed:
      return "xfailed";
  }
  return "failed";
}

std::vector<TestResult> ParseJunitTestResults(const std::string& xml, const std::string& root) {
  std::vector<TestResult> results;
  size_t pos = 0;
  while ((pos = xml.find("<testcase", pos)) != std::string::npos) {
    const size_t tag_end = xml.find('>', pos);
    if (tag_end == std::string::npos) break;
    const std::string_view tag(xml.data() + pos, tag_end - pos);
    std::string_view body;
    if (xml[tag_end - 1] == '/') {
      pos = tag_end + 1;
    } else {
      size_t body_end = xml.find("</testcase>", tag_end);
      if (body_end == std::string::npos) body_end = xml.size();
      body = std::string_view(xml).substr(tag_end + 1, body_end - tag_end - 1);
      pos = body_end;
    }
    TestResult result;
    result.framework = TestFramework::kPytest;
    const std::string name = XmlAttribute(tag, "name");
    result.file = StorePath(XmlAttribute(tag, "file"), root);
    if (name.empty() || result.file.empty()) continue;  // a module that failed to import
    result.id = PytestNodeId(result.file, XmlAttribute(tag, "classname"), name);
    result.name = name.substr(0, name.find('['));
    if (body.find("<failure") != std::string_view::npos ||
        body.find("<error") != std::string_view::npos) {
      result.outcome = TestOutcome::kFailed;
    } else if (const size_t skipped = body.find("<skipped"); skipped != std::string_view::npos) {
      const std::string type =
          XmlAttribute(body.substr(skipped, body.find('>', skipped) - skipped), "type");
      result.outcome = type == "pytest.xfail" ? TestOutcome::kXfailed : TestOutcome::kSkipped;
    }
    results.push_back(std::move(result));
  }
  NumberRepeatedIds(results);
  return results;
}

std::vector<TestResult> ParseTestResults(ResultParser parser, const std::string& output,
                                         const std::string& root, const std::string& file) {
  std::vector<TestResult> results;
  switch (parser) {
    case ResultParser::kJunitXml:
      return ParseJunitTestResults(output, root);
    case ResultParser::kTap:
      results = ParseTap(output, root, file);
      break;
    case ResultParser::kCtest:
      results = ParseCtest(output);
      break;
    case ResultParser::kGoTestJson:
      results = ParseGoTestJson(output);
      break;
    case ResultParser::kCargo:
      results = ParseCargoTest(output, root);
      break;
    case ResultParser::kExitCode:
    case ResultParser::kCompiler:
    case ResultParser::kNodeCheck:
      break;
  }
  NumberRepeatedIds(results);
  return results;
}

}  // namespace l2mac::toolchains
