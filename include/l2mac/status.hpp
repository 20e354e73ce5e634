// Status and Result<T>: how l2mac reports failures a caller is expected to handle, in the
// public API (<l2mac/run.hpp>, <l2mac/store.hpp>) as inside the library.
//
// A Status is either OK or carries a code and a message written for the person who will
// read it: it names the problem and, where there is one, the fix. Result<T> holds a value
// or a non-OK Status. Both are cheap to move and safe to copy; neither throws. The API
// throws no exceptions of its own: every failure comes back as one of these.
//
// Threads: plain values; distinct objects may be used from distinct threads, and a const
// object from many at once.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace l2mac {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad input from a user or a model: spec, config, program, tool call
  kNotFound,            // a file, instruction, commit or endpoint that does not exist
  kAlreadyExists,       // creating what is already there
  kFailedPrecondition,  // the system is not in the state the operation needs
  kPermissionDenied,    // refused on purpose: path escape, forbidden operation, HTTP 403
  kUnauthenticated,     // credentials missing or rejected (HTTP 401)
  kUnavailable,         // transient: connection refused, 5xx, 429 after retries
  kDeadlineExceeded,    // a timeout
  kResourceExhausted,   // a budget, a size limit, a bound on attempts
  kIoError,             // the local file system or database failed
  kCorruption,          // stored data does not parse or is inconsistent
  kCancelled,           // stopped on request (a signal, Run::Cancel())
  kInternal,            // a bug in l2mac
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status Unauthenticated(std::string m) {
    return {StatusCode::kUnauthenticated, std::move(m)};
  }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status DeadlineExceeded(std::string m) {
    return {StatusCode::kDeadlineExceeded, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "OK" or "<code name>: <message>".
  std::string ToString() const;
  // A copy with `context` prepended to the message ("context: message").
  Status WithContext(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value of type T, or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(data_).ok() && "Result built from an OK Status has no value");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(data_); }

  // Precondition for the accessors: ok().
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const& { return ok() ? std::get<T>(data_) : std::move(fallback); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace l2mac
