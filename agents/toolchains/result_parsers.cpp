#include "agents/toolchains/result_parsers.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <regex>
#include <sstream>

namespace l2mac::toolchains {
namespace {

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
  static const std::regex kLine(
      R"(^([^\s:]+\.[A-Za-z0-9+]+):(\d+)(?::\d+)?:\s+(?:(fatal error|error|warning|note)(?:\[\w+\])?\s*:\s*)?(.*)$)");
  static const std::regex kParenthesized(
      R"(^([^\s:()]+\.[A-Za-z0-9+]+)\((\d+),\d+\):\s+(error|warning|note)\s+(\w+:\s*.*)$)");
  std::vector<Finding> findings;
  for (const std::string& raw : Lines(output)) {
    const std::string line = Trim(raw);
    std::smatch match;
    if (!std::regex_match(line, match, kLine) && !std::regex_match(line, match, kParenthesized)) {
      continue;
    }
    const std::string severity = match[3].str();
    if (severity == "warning" || severity == "note") continue;
    Finding finding;
    finding.file = Relative(match[1].str(), root);
    finding.line = std::stoi(match[2].str());
    finding.message = (severity.empty() ? "" : severity + ": ") + match[4].str();
    findings.push_back(std::move(finding));
  }
  return findings;
}

std::vector<Finding> ParseNodeCheck(const std::string& output, const std::string& root) {
  static const std::regex kWhere(R"(^(\S+\.[cm]?[jt]s):(\d+)$)");
  static const std::regex kError(R"(^(\w*Error): (.*)$)");
  std::vector<Finding> findings;
  Finding current;
  bool open = false;
  for (const std::string& line : Lines(output)) {
    std::smatch match;
    if (std::regex_match(line, match, kWhere)) {
      current = Finding{Relative(match[1].str(), root), std::stoi(match[2].str()), "", ""};
      open = true;
    } else if (open && std::regex_match(line, match, kError)) {
      current.message = match[1].str() + ": " + match[2].str();
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
  static const std::regex kAttribute(R"re(([\w:-]+)="([^"]*)")re");
  std::map<std::string, std::string> attributes;
  for (std::sregex_iterator it(tag.begin(), tag.end(), kAttribute), end; it != end; ++it) {
    attributes[(*it)[1].str()] = Unescape((*it)[2].str());
  }
  return attributes;
}

std::string FirstLine(const std::string& text) {
  const std::string trimmed = Trim(text.substr(0, text.find('\n')));
  return trimmed.size() > 300 ? trimmed.substr(0, 300) + "..." : trimmed;
}

std::vector<Finding> ParseTap(const std::string& output, const std::string& root) {
  static const std::regex kNotOk(R"(^(\s*)not ok \d+ - (.*?)(?:\s+#.*)?$)");
  static const std::regex kLocation(R"re(^\s*location: '(.*):(\d+):\d+'$)re");
  static const std::regex kError(R"re(^\s*error: (.*)$)re");
  static const std::regex kStack(R"(\(?((?:file://)?/[^():]+):(\d+):\d+\)?)");
  std::vector<Finding> findings;
  const std::vector<std::string> lines = Lines(output);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::smatch match;
    if (!std::regex_match(lines[i], match, kNotOk)) continue;
    Finding finding;
    finding.test = match[2].str();
    bool has_subtests = false;
    for (size_t j = i + 1; j < lines.size(); ++j) {
      if (std::regex_search(lines[j], match, kNotOk) || lines[j].find("ok ") == 0) break;
      if (lines[j].find("...") != std::string::npos && Trim(lines[j]) == "...") break;
      if (std::regex_match(lines[j], match, kLocation)) {
        if (finding.file.empty()) {
          finding.file = Relative(match[1].str(), root);
          finding.line = std::stoi(match[2].str());
        }
      } else if (std::regex_match(lines[j], match, kError)) {
        std::string error = match[1].str();
        if (error == "|-" || error == "|" || error == ">-") {
          error = j + 1 < lines.size() ? Trim(lines[j + 1]) : "";
        }
        if (error.size() >= 2 && error.front() == '\'' && error.back() == '\'') {
          error = error.substr(1, error.size() - 2);
        }
        finding.message = FirstLine(error);
        if (finding.message.find("subtest") != std::string::npos) has_subtests = true;
      } else if (finding.file.empty() || finding.line == 0) {
        std::smatch stack;
        if (lines[j].find("node:") == std::string::npos &&
            std::regex_search(lines[j], stack, kStack) &&
            stack[1].str().find("node_modules") == std::string::npos) {
          finding.file = Relative(stack[1].str(), root);
          finding.line = std::stoi(stack[2].str());
        }
      }
    }
    if (!has_subtests) findings.push_back(std::move(finding));
  }
  return findings;
}

std::vector<Finding> ParseCtest(const std::string& output, const std::string& root) {
  static const std::regex kFailed(R"(^\s*\d+ - (\S+) \((.*)\)$)");
  std::vector<Finding> findings;
  bool in_list = false;
  for (const std::string& line : Lines(output)) {
    if (line.find("The following tests FAILED") != std::string::npos) {
      in_list = true;
      continue;
    }
    std::smatch match;
    if (in_list && std::regex_match(line, match, kFailed)) {
      findings.push_back(Finding{"", 0, match[1].str(), match[2].str()});
    }
  }
  // Assertion messages and compiler-style lines in the failing tests' output.
  for (Finding& finding : ParseCompiler(output, root)) findings.push_back(std::move(finding));
  static const std::regex kAssert(R"(^(?:\S+: )?(\S+\.\w+):(\d+): (.*Assertion.*)$)");
  for (const std::string& line : Lines(output)) {
    std::smatch match;
    if (std::regex_match(line, match, kAssert)) {
      bool seen = false;
      for (const Finding& f : findings) seen = seen || f.message == match[3].str();
      if (!seen) {
        findings.push_back(
            Finding{Relative(match[1].str(), root), std::stoi(match[2].str()), "", match[3].str()});
      }
    }
  }
  return findings;
}

std::vector<Finding> ParseGoTestJson(const std::string& output, const std::string& root) {
  static const std::regex kWhere(R"(^\s*([\w./-]+\.go):(\d+): (.*)$)");
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
        std::smatch match;
        std::string trimmed = text;
        if (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
        if (std::regex_match(trimmed, match, kWhere)) {
          if (finding.file.empty()) {
            finding.file = match[1].str();
            finding.line = std::stoi(match[2].str());
          }
          finding.message += (finding.message.empty() ? "" : "; ") + match[3].str();
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
  static const std::regex kError(R"(^error(\[\w+\])?: (.*)$)");
  static const std::regex kArrow(R"(^\s*--> (\S+):(\d+):\d+$)");
  static const std::regex kPanicNew(R"(^thread '(.*)'(?: \(\d+\))? panicked at (\S+):(\d+):\d+:$)");
  static const std::regex kPanicOld(
      R"(^thread '(.*)'(?: \(\d+\))? panicked at '(.*)', (\S+):(\d+):\d+$)");
  const std::vector<std::string> lines = Lines(output);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::smatch match;
    if (std::regex_match(lines[i], match, kError) && i + 1 < lines.size()) {
      const std::string message = "error" + match[1].str() + ": " + match[2].str();
      std::smatch where;
      if (std::regex_match(lines[i + 1], where, kArrow)) {
        findings.push_back(
            Finding{Relative(where[1].str(), root), std::stoi(where[2].str()), "", message});
      }
    } else if (std::regex_match(lines[i], match, kPanicNew)) {
      std::string message = i + 1 < lines.size() ? Trim(lines[i + 1]) : "panicked";
      for (size_t j = i + 2; j < lines.size() && j < i + 4; ++j) {
        const std::string extra = Trim(lines[j]);
        if (extra.rfind("left", 0) == 0 || extra.rfind("right", 0) == 0) message += " " + extra;
      }
      findings.push_back(Finding{Relative(match[2].str(), root), std::stoi(match[3].str()),
                                 match[1].str(), message});
    } else if (std::regex_match(lines[i], match, kPanicOld)) {
      findings.push_back(Finding{Relative(match[3].str(), root), std::stoi(match[4].str()),
                                 match[1].str(), match[2].str()});
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
  static const std::regex kWhere(R"(^(\S+\.\w+):(\d+): )");
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
    finding.line = test["line"].empty() ? 0 : std::stoi(test["line"]) + 1;  // pytest: 0-based
    finding.message = FirstLine(problem["message"]);
    // The traceback's last "file:line: " is where the test failed.
    const size_t text_start = body.find('>', failure) + 1;
    const std::string text =
        Unescape(body.substr(text_start, body.find("</", text_start) - text_start));
    for (const std::string& line : Lines(text)) {
      std::smatch match;
      if (std::regex_search(line, match, kWhere)) {
        finding.file = Relative(match[1].str(), root);
        finding.line = std::stoi(match[2].str());
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
