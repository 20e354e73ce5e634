// `l2mac report DIR [-o FILE]`: writes the run's HTML report (control_unit/report_html.hpp)
// to FILE, by default DIR/.l2mac/report.html, and prints its path. Reads the folder as a
// read-only view, like `status`: it works on a finished run and on one in progress.
#pragma once

#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace l2mac::cli {

struct ReportFlags {
  std::string dir;
  std::string output;  // empty: DIR/.l2mac/report.html
};

// Registers the `report` subcommand on `app`, bound to `flags` (which must outlive the
// parse). Returns the subcommand.
CLI::App* AddReportCommand(CLI::App& app, ReportFlags& flags);

// Exit status 0 when written; 6 when DIR holds no run; 7 when the file cannot be written
// or the state database is damaged.
int ReportCommand(const ReportFlags& flags);

}  // namespace l2mac::cli
