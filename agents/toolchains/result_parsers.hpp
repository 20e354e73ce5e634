// Turns a check's output into findings: the failing tests and diagnostics, each with file,
// line and message where the tool says them. Internal to the toolchains module.
#pragma once

#include <string>
#include <vector>

#include "agents/toolchains/profile.hpp"

namespace l2mac::toolchains {

struct Finding {
  std::string file;  // relative to the snapshot when the tool gave an absolute path inside it
  int line = 0;      // 0: unknown
  std::string test;  // the failing test, for test runners
  std::string message;

  // "file:line: test: message", leaving out what is unknown.
  std::string Format() const;
};

// `root` is the snapshot path, stripped from absolute file names.
std::vector<Finding> ParseFindings(ResultParser parser, const std::string& output,
                                   const std::string& root);

// JUnit XML (pytest --junitxml, and others): one finding per failed or errored test case.
std::vector<Finding> ParseJunitXml(const std::string& xml, const std::string& root);

// "N problems:\n- finding\n..." with at most `max_items` listed (and how many more there
// are); empty when there are none.
std::string FormatFindings(const std::vector<Finding>& findings, size_t max_items);

}  // namespace l2mac::toolchains
