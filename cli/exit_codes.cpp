#include "cli/exit_codes.hpp"

namespace l2mac::cli {

int ExitCodeFor(const Status& status, bool model_failed) {
  if (status.ok()) return kExitOk;
  if (model_failed) return kExitModel;
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return kExitBadInput;
    case StatusCode::kAlreadyExists:
    case StatusCode::kNotFound:
    case StatusCode::kFailedPrecondition:
      return kExitWorkspace;
    case StatusCode::kIoError:
    case StatusCode::kCorruption:
      return kExitIo;
    case StatusCode::kUnauthenticated:
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted:
      return kExitModel;
    default:
      return kExitInternal;
  }
}

}  // namespace l2mac::cli
