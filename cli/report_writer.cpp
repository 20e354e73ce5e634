#include "cli/report_writer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "control_unit/report_data.hpp"
#include "control_unit/report_html.hpp"
#include "control_unit/workspace.hpp"

namespace l2mac::cli {
namespace {

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

Result<std::filesystem::path> WriteRunReport(const std::string& dir, const std::string& output) {
  L2MAC_ASSIGN_OR_RETURN(auto workspace,
                         control_unit::Workspace::Open(dir, control_unit::OpenMode::kReadOnlyView));
  L2MAC_ASSIGN_OR_RETURN(auto data, control_unit::GatherReportData(*workspace));
  const std::filesystem::path path =
      output.empty() ? control_unit::Workspace::StatePath(dir).parent_path() / "report.html"
                     : std::filesystem::path(output);
  L2MAC_RETURN_IF_ERROR(WriteFileAtomically(path, control_unit::RenderReportHtml(data)));
  return path;
}

}  // namespace l2mac::cli
