#include "cli/exit_codes.hpp"

namespace l2mac::cli {

int ExitCodeFor(const Status& status, bool model_failed) {
  if (status.ok()) return kExitOk;
  // An interrupted model call is not the model's failure.
  if (status.code() == StatusCode::kCancelled) return kExitInterrupted;
  // Only the provider's own failures are model failures: the same codes from elsewhere
  // (a tool missing, a bound of l2mac's) mean something else.
  if (model_failed) return kExitModel;
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return kExitBadInput;
    case StatusCode::kAlreadyExists:
    case StatusCode::kNotFound:
    case StatusCode::kPermissionDenied:
    case StatusCode::kFailedPrecondition:
      return kExitWorkspace;
    case StatusCode::kIoError:
    case StatusCode::kCorruption:
      return kExitIo;
    case StatusCode::kResourceExhausted:
      return kExitIncomplete;
    case StatusCode::kUnavailable:
      return kExitEnvironment;
    case StatusCode::kUnauthenticated:
    case StatusCode::kDeadlineExceeded:
      return kExitModel;
    default:
      return kExitInternal;
  }
}

}  // namespace l2mac::cli
