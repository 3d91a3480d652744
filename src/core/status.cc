#include "core/status.h"

namespace wsync::core {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case StatusCode::kNotFound:
      return "NotFound";
    case StatusCode::kAlreadyExists:
      return "AlreadyExists";
    case StatusCode::kFailedPrecondition:
      return "FailedPrecondition";
    case StatusCode::kUnauthenticated:
      return "Unauthenticated";
    case StatusCode::kPermissionDenied:
      return "PermissionDenied";
    case StatusCode::kUnavailable:
      return "Unavailable";
    case StatusCode::kDeadlineExceeded:
      return "DeadlineExceeded";
    case StatusCode::kResourceExhausted:
      return "ResourceExhausted";
    case StatusCode::kCancelled:
      return "Cancelled";
    case StatusCode::kInternal:
      return "Internal";
  }
  return "Unknown";
}

std::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kNone:
      return "";
    case Reason::kUnknownField:
      return "unknown_field";
    case Reason::kInUse:
      return "in_use";
    case Reason::kWarehouseRejected:
      return "warehouse_rejected";
    case Reason::kWarehouseUnreachable:
      return "warehouse_unreachable";
  }
  return "";
}

FieldError UnknownField(std::string field) {
  return FieldError{std::move(field), "unknown field", Reason::kUnknownField};
}

Status::Status(StatusCode code, std::string message, Reason reason) {
  if (code != StatusCode::kOk)
    state_ = std::make_unique<State>(State{code, std::move(message), reason, {}});
}

Status Status::WithReason(Reason reason) const {
  Status s(*this);
  if (s.state_) s.state_->reason = reason;
  return s;
}

Status::Status(const Status& other)
    : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
  return *this;
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(StatusCodeName(code())) + ": " + message();
}

bool Status::retryable() const {
  StatusCode c = code();
  return c == StatusCode::kUnavailable || c == StatusCode::kDeadlineExceeded ||
         c == StatusCode::kResourceExhausted;
}

Status Status::Annotate(std::string_view prefix) const {
  if (ok()) return *this;
  Status s(code(), std::string(prefix) + ": " + message(), reason());
  s.state_->details = state_->details;
  return s;
}

const std::vector<FieldError>& Status::details() const {
  static const std::vector<FieldError> kNone;
  return state_ ? state_->details : kNone;
}

Status Status::WithDetails(std::vector<FieldError> details) const {
  Status s(*this);
  if (s.state_) s.state_->details = std::move(details);
  return s;
}

Status Status::InvalidField(std::string field, std::string message) {
  std::string text = field.empty() ? message : field + ": " + message;
  return Status(StatusCode::kInvalidArgument, std::move(text))
      .WithDetails({FieldError{std::move(field), std::move(message)}});
}

Status Status::FromFieldErrors(std::vector<FieldError> errors) {
  if (errors.empty()) return Status();
  std::string text;
  for (const FieldError& e : errors) {
    if (!text.empty()) text += "; ";
    text += e.field.empty() ? e.message : e.field + ": " + e.message;
  }
  return Status(StatusCode::kInvalidArgument, std::move(text)).WithDetails(std::move(errors));
}

}  // namespace wsync::core
