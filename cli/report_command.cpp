#include "cli/report_command.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/exit_codes.hpp"
#include "cli/report_writer.hpp"

namespace l2mac::cli {
namespace {

int Fail(const Status& status) {
  std::cerr << "l2mac: error: " << status.message() << "\n";
  return ExitCodeFor(status, /*model_failed=*/false);
}

}  // namespace

CLI::App* AddReportCommand(CLI::App& app, ReportFlags& flags) {
  auto* command = app.add_subcommand(
      "report", "Write the run's report as one self-contained HTML page and print its path.");
  command->footer(
      "The page shows the summary and outcome, the prompt program as a graph, a timeline of\n"
      "the model calls, tokens and cost per instruction, context fill, every failed check\n"
      "with the report the model received, and each file's history. It has no script and\n"
      "loads nothing from the network. The folder is read without taking its lock, so this\n"
      "works while the run is in progress. Exit status: 0 written; 6 DIR holds no run; 7 the\n"
      "file cannot be written or the state database is damaged.");
  command->add_option("DIR", flags.dir, "the run's output folder")->required();
  command->add_option("-o,--output", flags.output,
                      "where to write the page (default: DIR/.l2mac/report.html)");
  return command;
}

int ReportCommand(const ReportFlags& flags) {
  auto written = WriteRunReport(flags.dir, flags.output);
  if (!written.ok()) return Fail(written.status());
  std::cout << written->string() << "\n";
  return kExitOk;
}

}  // namespace l2mac::cli
