// How l2mac reports a command line it cannot parse: one "l2mac: error: ..." line naming
// the problem (an unknown command or option with the nearest known one suggested, a
// missing or invalid value), then one line pointing at the right --help; exit status 2.
#pragma once

#include <CLI/CLI.hpp>

namespace l2mac::cli {

// Prints `error` from parsing `app`'s command line and returns the exit status: 0 after
// printing the help or the version on stdout (--help, --version), else kExitUsage after
// the error on stderr.
int ReportParseError(const CLI::App& app, const CLI::ParseError& error);

}  // namespace l2mac::cli
