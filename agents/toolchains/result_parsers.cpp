#include "agents/toolchains/result_parsers.hpp"

#include <re2/re2.h>

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <sstream>

namespace l2mac::toolchains {
namespace {

// The output parsed here comes from the generated code's tools, so a model controls it:
// every pattern is RE2 (linear time in the line, whatever the line; Latin-1, so any byte
// is a character, as tools print whatever bytes they like), and every number is read
// without throwing.

// The number the digits say; nullopt when there are none, others, or too many to be a line.
std::optional<int> ParseNumber(const std::string& digits) {
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  int value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// A line number, 0 (unknown) when the text is not one.
int LineNumber(const std::string& digits) { return ParseNumber(digits).value_or(0); }

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::string Trim(const std::string& text) {
  const size_t start = text.find_first_not_of(" \t");
  if (start == std::string::npos) return "";
  return text.substr(start, text.find_last_not_of(" \t") - start + 1);
}

std::string Relative(std::string file, const std::string& root) {
  if (file.rfind("file://", 0) == 0) file = file.substr(7);
  if (!root.empty() && file.rfind(root + "/", 0) == 0) file = file.substr(root.size() + 1);
  if (file.rfind("./", 0) == 0) file = file.substr(2);
  return file;
}

// "path:line[:col]: [severity:] message" (gcc, clang, go) or "path(line,col): severity
// CODE: message" (tsc); warnings and notes are dropped.
std::vector<Finding> ParseCompiler(const std::string& output, const std::string& root) {
  static const RE2 kLine(
      R"(([^\s:]+\.[A-Za-z0-9+]+):(\d+)(?::\d+)?:\s+(?:(fatal error|error|warning|note)(?:\[\w+\])?\s*:\s*)?(.*))",
      RE2::Latin1);
  static const RE2 kParenthesized(
      R"(([^\s:()]+\.[A-Za-z0-9+]+)\((\d+),\d+\):\s+(error|warning|note)\s+(\w+:\s*.*))",
      RE2::Latin1);
  std::vector<Finding> findings;
  for (const std::string& raw : Lines(output)) {
    const std::string line = Trim(raw);
    std::string file, number, severity, message;
    if (!RE2::FullMatch(line, kLine, &file, &number, &severity, &message) &&
        !RE2::FullMatch(line, kParenthesized, &file, &number, &severity, &message)) {
      continue;
    }
    if (severity == "warning" || severity == "note") continue;
    Finding finding;
    finding.file = Relative(file, root);
    finding.line = LineNumber(number);
    finding.message = (severity.empty() ? "" : severity + ": ") + message;
    findings.push_back(std::move(finding));
  }
  return findings;
}

std::vector<Finding> ParseNodeCheck(const std::string& output, const std::string& root) {
  static const RE2 kWhere(R"((\S+\.[cm]?[jt]s):(\d+))", RE2::Latin1);
  static const RE2 kError(R"((\w*Error): (.*))", RE2::Latin1);
  std::vector<Finding> findings;
  Finding current;
  bool open = false;
  for (const std::string& line : Lines(output)) {
    std::string first, second;
    if (RE2::FullMatch(line, kWhere, &first, &second)) {
      current = Finding{Relative(first, root), LineNumber(second), "", ""};
      open = true;
    } else if (open && RE2::FullMatch(line, kError, &first, &second)) {
      current.message = first + ": " + second;
      findings.push_back(current);
      open = false;
    }
  }
  return findings;
}

std::string Unescape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const size_t end = text.find(';', i);
    if (end == std::string::npos) {
      out += text[i];
      continue;
    }
    const std::string entity = text.substr(i + 1, end - i - 1);
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
    } else if (!entity.empty() && entity[0] == '#') {
      const long code = entity.size() > 1 && entity[1] == 'x'
                            ? std::strtol(entity.c_str() + 2, nullptr, 16)
                            : std::strtol(entity.c_str() + 1, nullptr, 10);
      out += code > 0 && code < 128 ? static_cast<char>(code) : '?';
    } else {
      out += text.substr(i, end - i + 1);
    }
    i = end;
  }
  return out;
}

std::map<std::string, std::string> Attributes(const std::string& tag) {
  static const RE2 kAttribute(R"re(([\w:-]+)="([^"]*)")re", RE2::Latin1);
  std::map<std::string, std::string> attributes;
  re2::StringPiece input(tag);
  std::string name, value;
  while (RE2::FindAndConsume(&input, kAttribute, &name, &value)) {
    attributes[name] = Unescape(value);
  }
  return attributes;
}

std::string FirstLine(const std::string& text) {
  const std::string trimmed = Trim(text.substr(0, text.find('\n')));
  return trimmed.size() > 300 ? trimmed.substr(0, 300) + "..." : trimmed;
}

std::vector<Finding> ParseTap(const std::string& output, const std::string& root) {
  static const RE2 kNotOk(R"(\s*not ok \d+ - (.*?)(?:\s+#.*)?)", RE2::Latin1);
  static const RE2 kLocation(R"re(\s*location: '(.*):(\d+):\d+')re", RE2::Latin1);
  static const RE2 kError(R"re(\s*error: (.*))re", RE2::Latin1);
  static const RE2 kStack(R"(\(?((?:file://)?/[^():]+):(\d+):\d+\)?)", RE2::Latin1);
  std::vector<Finding> findings;
  const std::vector<std::string> lines = Lines(output);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string test;
    if (!RE2::FullMatch(lines[i], kNotOk, &test)) continue;
    Finding finding;
    finding.test = test;
    bool has_subtests = false;
    for (size_t j = i + 1; j < lines.size(); ++j) {
      if (RE2::FullMatch(lines[j], kNotOk) || lines[j].find("ok ") == 0) break;
      if (lines[j].find("...") != std::string::npos && Trim(lines[j]) == "...") break;
      std::string file, number, error;
      if (RE2::FullMatch(lines[j], kLocation, &file, &number)) {
        if (finding.file.empty()) {
          finding.file = Relative(file, root);
          finding.line = LineNumber(number);
        }
      } else if (RE2::FullMatch(lines[j], kError, &error)) {
        if (error == "|-" || error == "|" || error == ">-") {
          error = j + 1 < lines.size() ? Trim(lines[j + 1]) : "";
        }
        if (error.size() >= 2 && error.front() == '\'' && error.back() == '\'') {
          error = error.substr(1, error.size() - 2);
        }
        finding.message = FirstLine(error);
        if (finding.message.find("subtest") != std::string::npos) has_subtests = true;
      } else if (finding.file.empty() || finding.line == 0) {
        if (lines[j].find("node:") == std::string::npos &&
            RE2::PartialMatch(lines[j], kStack, &file, &number) &&
            file.find("node_modules") == std::string::npos) {
          finding.file = Relative(file, root);
          finding.line = LineNumber(number);
        }
      }
    }
    if (!has_subtests) findings.push_back(std::move(finding));
  }
  return findings;
}

std::vector<Finding> ParseCtest(const std::string& output, const std::string& root) {
  static const RE2 kFailed(R"(\s*\d+ - (\S+) \((.*)\))", RE2::Latin1);
  std::vector<Finding> findings;
  bool in_list = false;
  for (const std::string& line : Lines(output)) {
    if (line.find("The following tests FAILED") != std::string::npos) {
      in_list = true;
      continue;
    }
    std::string test, reason;
    if (in_list && RE2::FullMatch(line, kFailed, &test, &reason)) {
      findings.push_back(Finding{"", 0, test, reason});
    }
  }
  // Assertion messages and compiler-style lines in the failing tests' output.
  for (Finding& finding : ParseCompiler(output, root)) findings.push_back(std::move(finding));
  static const RE2 kAssert(R"((?:\S+: )?(\S+\.\w+):(\d+): (.*Assertion.*))", RE2::Latin1);
  for (const std::string& line : Lines(output)) {
    std::string file, number, message;
    if (RE2::FullMatch(line, kAssert, &file, &number, &message)) {
      bool seen = false;
      for (const Finding& f : findings) seen = seen || f.message == message;
      if (!seen) findings.push_back(Finding{Relative(file, root), LineNumber(number), "", message});
    }
  }
  return findings;
}

std::vector<Finding> ParseGoTestJson(const std::string& output, const std::string& root) {
  static const RE2 kWhere(R"(\s*([\w./-]+\.go):(\d+): (.*))", RE2::Latin1);
  std::map<std::string, std::vector<std::string>> test_output;
  std::vector<Finding> findings;
  std::string plain;
  for (const std::string& line : Lines(output)) {
    nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
    if (!event.is_object()) {
      plain += line + "\n";
      continue;
    }
    const std::string action = event.value("Action", "");
    const std::string test = event.value("Test", "");
    const std::string key = event.value("Package", "") + "/" + test;
    if (action == "output") {
      test_output[key].push_back(event.value("Output", ""));
    } else if (action == "fail" && !test.empty()) {
      Finding finding;
      finding.test = test;
      for (const std::string& text : test_output[key]) {
        std::string trimmed = text;
        if (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
        std::string file, number, message;
        if (RE2::FullMatch(trimmed, kWhere, &file, &number, &message)) {
          if (finding.file.empty()) {
            finding.file = file;
            finding.line = LineNumber(number);
          }
          finding.message += (finding.message.empty() ? "" : "; ") + message;
        }
      }
      if (finding.message.empty()) finding.message = "failed";
      findings.push_back(std::move(finding));
    } else if (action == "fail" || action == "output") {
      // Package-level output (build failures) is plain text in the events.
    }
  }
  // Build errors: printed as plain text before the JSON, or as package output.
  std::string package_output = plain;
  for (const auto& [key, texts] : test_output) {
    if (key.back() != '/') continue;
    for (const std::string& text : texts) package_output += text;
  }
  for (Finding& finding : ParseCompiler(package_output, root))
    findings.push_back(std::move(finding));
  return findings;
}

std::vector<Finding> ParseCargo(const std::string& output, const std::string& root) {
  // Compile errors: the short format ("src/lib.rs:2:5: error[E0308]: ...") or the long one
  // ("error[E0308]: ..." then " --> src/lib.rs:2:5").
  std::vector<Finding> findings = ParseCompiler(output, root);
  static const RE2 kError(R"(error(\[\w+\])?: (.*))", RE2::Latin1);
  static const RE2 kArrow(R"(\s*--> (\S+):(\d+):\d+)", RE2::Latin1);
  static const RE2 kPanicNew(R"(thread '(.*)'(?: \(\d+\))? panicked at (\S+):(\d+):\d+:)",
                             RE2::Latin1);
  static const RE2 kPanicOld(R"(thread '(.*)'(?: \(\d+\))? panicked at '(.*)', (\S+):(\d+):\d+)",
                             RE2::Latin1);
  const std::vector<std::string> lines = Lines(output);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string code, text, test, file, number;
    if (RE2::FullMatch(lines[i], kError, &code, &text) && i + 1 < lines.size()) {
      const std::string message = "error" + code + ": " + text;
      if (RE2::FullMatch(lines[i + 1], kArrow, &file, &number)) {
        findings.push_back(Finding{Relative(file, root), LineNumber(number), "", message});
      }
    } else if (RE2::FullMatch(lines[i], kPanicNew, &test, &file, &number)) {
      std::string message = i + 1 < lines.size() ? Trim(lines[i + 1]) : "panicked";
      for (size_t j = i + 2; j < lines.size() && j < i + 4; ++j) {
        const std::string extra = Trim(lines[j]);
        if (extra.rfind("left", 0) == 0 || extra.rfind("right", 0) == 0) message += " " + extra;
      }
      findings.push_back(Finding{Relative(file, root), LineNumber(number), test, message});
    } else if (RE2::FullMatch(lines[i], kPanicOld, &test, &text, &file, &number)) {
      findings.push_back(Finding{Relative(file, root), LineNumber(number), test, text});
    }
  }
  return findings;
}

}  // namespace

std::string Finding::Format() const {
  std::string text;
  if (!file.empty()) text += file + (line > 0 ? ":" + std::to_string(line) : "") + ": ";
  if (!test.empty()) text += test + ": ";
  text += message;
  return text;
}

std::vector<Finding> ParseJunitXml(const std::string& xml, const std::string& root) {
  static const RE2 kWhere(R"(^(\S+\.\w+):(\d+): )", RE2::Latin1);
  std::vector<Finding> findings;
  size_t pos = 0;
  while ((pos = xml.find("<testcase", pos)) != std::string::npos) {
    const size_t tag_end = xml.find('>', pos);
    if (tag_end == std::string::npos) break;
    const std::string tag = xml.substr(pos, tag_end - pos);
    if (xml[tag_end - 1] == '/') {  // <testcase ... />: passed
      pos = tag_end;
      continue;
    }
    size_t body_end = xml.find("</testcase>", tag_end);
    if (body_end == std::string::npos) body_end = xml.size();
    const std::string body = xml.substr(tag_end + 1, body_end - tag_end - 1);
    pos = body_end;
    size_t failure = body.find("<failure");
    if (failure == std::string::npos) failure = body.find("<error");
    if (failure == std::string::npos) continue;
    auto test = Attributes(tag);
    auto problem = Attributes(body.substr(failure, body.find('>', failure) - failure));
    Finding finding;
    finding.test = test["name"];
    if (!test["classname"].empty()) finding.test = test["classname"] + "::" + finding.test;
    finding.file = Relative(test["file"], root);
    const std::optional<int> zero_based = ParseNumber(test["line"]);  // pytest: 0-based
    finding.line = zero_based ? *zero_based + 1 : 0;
    finding.message = FirstLine(problem["message"]);
    // The traceback's last "file:line: " is where the test failed.
    const size_t text_start = body.find('>', failure) + 1;
    const std::string text =
        Unescape(body.substr(text_start, body.find("</", text_start) - text_start));
    for (const std::string& line : Lines(text)) {
      std::string file, number;
      if (RE2::PartialMatch(line, kWhere, &file, &number)) {
        finding.file = Relative(file, root);
        finding.line = LineNumber(number);
      }
    }
    if (finding.message.empty())
      finding.message = problem.count("type") ? problem["type"] : "failed";
    findings.push_back(std::move(finding));
  }
  return findings;
}

std::vector<Finding> ParseFindings(ResultParser parser, const std::string& output,
                                   const std::string& root) {
  switch (parser) {
    case ResultParser::kExitCode:
      return {};
    case ResultParser::kCompiler:
      return ParseCompiler(output, root);
    case ResultParser::kNodeCheck:
      return ParseNodeCheck(output, root);
    case ResultParser::kJunitXml:
      return ParseJunitXml(output, root);
    case ResultParser::kTap:
      return ParseTap(output, root);
    case ResultParser::kCtest:
      return ParseCtest(output, root);
    case ResultParser::kGoTestJson:
      return ParseGoTestJson(output, root);
    case ResultParser::kCargo:
      return ParseCargo(output, root);
  }
  return {};
}

std::string FormatFindings(const std::vector<Finding>& findings, size_t max_items) {
  if (findings.empty()) return "";
  std::string text =
      std::to_string(findings.size()) + (findings.size() == 1 ? " problem:\n" : " problems:\n");
  for (size_t i = 0; i < findings.size() && i < max_items; ++i) {
    text += "- " + findings[i].Format() + "\n";
  }
  if (findings.size() > max_items) {
    text += "- ... and " + std::to_string(findings.size() - max_items) + " more\n";
  }
  return text;
}

}  // namespace l2mac::toolchains
