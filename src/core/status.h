// Status and StatusOr<T>: how every component reports failure across its boundary.
//
// A Status is a code plus an operator-facing message; an OK status holds no allocation, so
// returning one costs nothing on the happy path (the leveldb way). Codes carry meaning: the API
// maps them to HTTP statuses in one place, and the run executor retries only the retryable ones.
// Values are immutable once built and safe to share between threads.
#pragma once

#include <cassert>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace wsync::core {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kUnauthenticated,
  kPermissionDenied,
  kUnavailable,
  kDeadlineExceeded,
  kResourceExhausted,
  kCancelled,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

// Why, more precisely than the code, a status failed — where the API must answer differently
// for two failures of one code. Set by the code that creates the error, never derived from the
// message; the API maps (code, reason) to its answer in one table (api/http_status.cc). Names are
// the API's error codes.
enum class Reason {
  kNone = 0,              // the code says it all
  kUnknownField,          // a request body names a field the resource does not have
  kInUse,                 // a resource cannot go: another one refers to it
  kWarehouseRejected,     // the warehouse refused (credentials, SQL, missing object)
  kWarehouseUnreachable,  // the warehouse could not be reached or timed out
};

// "unknown_field", …; "" for kNone.
std::string_view ReasonName(Reason reason);

// One problem with one input field; `field` is a path such as "config.port" or
// "mappings[2].source", or empty when the problem is not about one field.
struct FieldError {
  std::string field;
  std::string message;
  Reason reason = Reason::kNone;
};

// The detail for a field a body should not have: message "unknown field", reason kUnknownField.
FieldError UnknownField(std::string field);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, Reason reason = Reason::kNone);
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  Reason reason() const { return state_ ? state_->reason : Reason::kNone; }
  const std::string& message() const;
  // "InvalidArgument: message", or "OK".
  std::string ToString() const;
  // Unavailable, DeadlineExceeded and ResourceExhausted: worth retrying later.
  bool retryable() const;
  // Returns a copy with `reason` (an OK status stays OK).
  Status WithReason(Reason reason) const;
  // For the rare call whose failure truly changes nothing (say why at the call): makes the
  // choice to drop a status visible instead of silent.
  void IgnoreError() const {}
  // Returns a copy whose message is `prefix + ": " + message()`; code, reason and details kept.
  Status Annotate(std::string_view prefix) const;
  // Field-level detail (validation errors); empty for most statuses.
  const std::vector<FieldError>& details() const;
  Status WithDetails(std::vector<FieldError> details) const;
  // InvalidArgument naming `field`: message "field: message" and one detail.
  static Status InvalidField(std::string field, std::string message);
  // InvalidArgument holding every error, messages joined with "; "; OK when `errors` is empty.
  static Status FromFieldErrors(std::vector<FieldError> errors);

 private:
  struct State {
    StatusCode code;
    std::string message;
    Reason reason = Reason::kNone;
    std::vector<FieldError> details;
  };
  std::unique_ptr<State> state_;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status Unauthenticated(std::string m) {
  return {StatusCode::kUnauthenticated, std::move(m)};
}
inline Status PermissionDenied(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DeadlineExceeded(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status ResourceExhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Holds either a value or a non-OK status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }
  StatusOr(T value) : v_(std::move(value)) {}
  template <typename U>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, Status> &&
           !std::is_same_v<std::decay_t<U>, T> && !std::is_same_v<std::decay_t<U>, StatusOr>)
      StatusOr(U&& value)
      : v_(T(std::forward<U>(value))) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<Status, T> v_;
};

}  // namespace wsync::core

#define WSYNC_CONCAT_INNER(a, b) a##b
#define WSYNC_CONCAT(a, b) WSYNC_CONCAT_INNER(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    ::wsync::core::Status wsync_status_ = (expr);  \
    if (!wsync_status_.ok()) return wsync_status_; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, Foo());` declares x from a StatusOr or returns its status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(WSYNC_CONCAT(wsync_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
