// `l2mac trace DIR [--json]`: each requirement of the run's program -> the instructions
// covering it -> the files their commits changed -> the tests naming it, with pass/fail
// (control_unit/trace_data.hpp). Reads the folder as a read-only view, like `status`, so it
// works during a run. Output is bounded whatever the run's size.
#pragma once

#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace l2mac::cli {

struct TraceFlags {
  std::string dir;
  bool json = false;
};

// Registers the `trace` subcommand on `app`, bound to `flags` (which must outlive the
// parse). Returns the subcommand.
CLI::App* AddTraceCommand(CLI::App& app, TraceFlags& flags);

// Prints the trace on stdout. Exit status 0 (also for a run without requirements, which
// says so); 6 when DIR holds no run; 7 when its state database is damaged.
int TraceCommand(const TraceFlags& flags);

}  // namespace l2mac::cli
