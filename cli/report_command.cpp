#include "cli/report_command.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/exit_codes.hpp"
#include "control_unit/report_data.hpp"
#include "control_unit/report_html.hpp"
#include "control_unit/workspace.hpp"

namespace l2mac::cli {
namespace {

int Fail(const Status& status) {
  std::cerr << "l2mac: error: " << status.message() << "\n";
  return ExitCodeFor(status, /*model_failed=*/false);
}

// Writes `content` to `path` through a temporary file beside it, so a reader (a browser
// reloading the page) never sees half a report.
Status WriteFileAtomically(const std::filesystem::path& path, const std::string& content) {
  auto cannot = [&path](const std::string& why) {
    return Status::IoError("cannot write the report to " + path.string() + " (" + why +
                           "): choose another file with -o FILE");
  };
  std::filesystem::path temp = path;
  temp += ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return cannot(std::strerror(errno));
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temp, ignored);
      return cannot("write failed, the disk may be full");
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    return cannot(ec.message());
  }
  return Status::Ok();
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
  auto workspace = control_unit::Workspace::Open(flags.dir, control_unit::OpenMode::kReadOnlyView);
  if (!workspace.ok()) return Fail(workspace.status());
  auto data = control_unit::GatherReportData(**workspace);
  if (!data.ok()) return Fail(data.status());
  const std::filesystem::path output =
      flags.output.empty()
          ? control_unit::Workspace::StatePath(flags.dir).parent_path() / "report.html"
          : std::filesystem::path(flags.output);
  if (Status written = WriteFileAtomically(output, control_unit::RenderReportHtml(*data));
      !written.ok()) {
    return Fail(written);
  }
  std::cout << output.string() << "\n";
  return kExitOk;
}

}  // namespace l2mac::cli
