#include "cli/status_command.hpp"

#include <iostream>

#include "cli/exit_codes.hpp"
#include "cli/status_text.hpp"
#include "control_unit/run_status.hpp"
#include "control_unit/workspace.hpp"

namespace l2mac::cli {

int StatusCommand(const std::string& out, bool json) {
  auto workspace = control_unit::Workspace::Open(out, control_unit::OpenMode::kReadOnlyView);
  auto status = workspace.ok() ? control_unit::ReadRunStatus(**workspace)
                               : Result<control_unit::RunStatus>(workspace.status());
  if (!status.ok()) {
    std::cerr << "l2mac: error: " << status.status().message() << "\n";
    return ExitCodeFor(status.status(), false);
  }
  if (json) {
    std::cout
        << StatusJson(*status, out).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
        << "\n";
  } else {
    std::cout << StatusText(*status, out);
  }
  return kExitOk;
}

}  // namespace l2mac::cli
