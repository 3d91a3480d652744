#include "api/http_status.h"

#include <gtest/gtest.h>

#include "warehouse/warehouse_error.h"

namespace wsync::api {
namespace {

using core::Reason;
using core::StatusCode;

TEST(ApiHttpStatusTest, MapsCodes) {
  struct Case {
    core::Status status;
    int http;
    const char* code;
  } cases[] = {
      {core::InvalidArgument("bad"), 400, "invalid_argument"},
      {core::NotFound("x"), 404, "not_found"},
      {core::AlreadyExists("x"), 409, "already_exists"},
      {core::Status(StatusCode::kFailedPrecondition, "connection 'c' is in use by pipeline 'p'",
                    Reason::kInUse),
       409, "in_use"},
      {core::FailedPrecondition("pipeline 'p' is draft"), 409, "conflict"},
      {core::Unauthenticated("x"), 401, "unauthenticated"},
      {core::PermissionDenied("x"), 403, "permission_denied"},
      {core::Cancelled("x"), 409, "conflict"},
      {core::Internal("x"), 500, "internal"},
  };
  for (const Case& c : cases) {
    Response r = ErrorResponse(c.status);
    EXPECT_EQ(r.status, c.http) << c.status.ToString();
    EXPECT_EQ(r.body["errors"][0]["code"], c.code) << c.status.ToString();
    EXPECT_TRUE(r.body["errors"][0]["field"].is_null());
    EXPECT_EQ(r.body["errors"][0]["message"], c.status.message());
  }
}

// The code comes from the reason alone: a message that reads like another reason changes nothing.
TEST(ApiHttpStatusTest, MessageTextDoesNotPickTheCode) {
  Response r = ErrorResponse(core::FailedPrecondition("connection 'c' is in use by pipeline 'p'"));
  EXPECT_EQ(r.body["errors"][0]["code"], "conflict");
  r = ErrorResponse(core::Status::FromFieldErrors({{"colour", "unknown field"}}));
  EXPECT_EQ(r.body["errors"][0]["code"], "invalid_argument");
}

TEST(ApiHttpStatusTest, TheTable) {
  struct Case {
    StatusCode code;
    Reason reason;
    int http;
    std::string_view api_code;
    bool temporary;
  } cases[] = {
      {StatusCode::kInvalidArgument, Reason::kNone, 400, "invalid_argument", false},
      {StatusCode::kInvalidArgument, Reason::kUnknownField, 400, "unknown_field", false},
      {StatusCode::kFailedPrecondition, Reason::kInUse, 409, "in_use", false},
      {StatusCode::kFailedPrecondition, Reason::kNone, 409, "conflict", false},
      {StatusCode::kUnavailable, Reason::kNone, 503, "internal", true},
      {StatusCode::kDeadlineExceeded, Reason::kNone, 503, "internal", true},
      {StatusCode::kResourceExhausted, Reason::kNone, 503, "internal", true},
      {StatusCode::kInvalidArgument, Reason::kWarehouseRejected, 422, "warehouse_rejected", false},
      {StatusCode::kNotFound, Reason::kWarehouseRejected, 422, "warehouse_rejected", false},
      {StatusCode::kPermissionDenied, Reason::kWarehouseRejected, 422, "warehouse_rejected", false},
      {StatusCode::kUnauthenticated, Reason::kWarehouseRejected, 422, "warehouse_rejected", false},
      {StatusCode::kFailedPrecondition, Reason::kWarehouseRejected, 422, "warehouse_rejected",
       false},
      {StatusCode::kUnavailable, Reason::kWarehouseUnreachable, 502, "warehouse_unreachable",
       false},
      {StatusCode::kDeadlineExceeded, Reason::kWarehouseUnreachable, 502, "warehouse_unreachable",
       false},
      {StatusCode::kResourceExhausted, Reason::kWarehouseUnreachable, 502, "warehouse_unreachable",
       false},
      {StatusCode::kCancelled, Reason::kWarehouseUnreachable, 502, "warehouse_unreachable", false},
      // A reason not listed for its code answers as the code alone.
      {StatusCode::kNotFound, Reason::kInUse, 404, "not_found", false},
      {StatusCode::kInternal, Reason::kWarehouseRejected, 500, "internal", false},
      {StatusCode::kAlreadyExists, Reason::kUnknownField, 409, "already_exists", false},
  };
  for (const Case& c : cases) {
    HttpError e = MapStatus(c.code, c.reason);
    SCOPED_TRACE(std::string(core::StatusCodeName(c.code)) + " " +
                 std::string(core::ReasonName(c.reason)));
    EXPECT_EQ(e.http_status, c.http);
    EXPECT_EQ(e.code, c.api_code);
    EXPECT_EQ(e.temporary, c.temporary);
  }
}

TEST(ApiHttpStatusTest, TemporaryFailuresSaySo) {
  Response r = ErrorResponse(core::Unavailable("the store is busy"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body,
            ErrorBody("internal", std::nullopt, "the store is busy (temporary; try again)"));
}

TEST(ApiHttpStatusTest, OnlyA401AsksForBearer) {
  EXPECT_EQ(ErrorResponse(core::Unauthenticated("x")).www_authenticate, "Bearer");
  EXPECT_FALSE(ErrorResponse(core::Unauthenticated("x").WithReason(Reason::kWarehouseRejected))
                   .www_authenticate.has_value());
  EXPECT_FALSE(ErrorResponse(core::PermissionDenied("x")).www_authenticate.has_value());
}

TEST(ApiHttpStatusTest, AnOkStatusIsNotAnError) {
  Response r = ErrorResponse(core::Status::Ok());
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, ErrorBody("internal", std::nullopt, "an OK status is not an error"));
}

TEST(ApiHttpStatusTest, FieldDetailsBecomeOneErrorEach) {
  core::Status s = core::Status::FromFieldErrors(
      {core::UnknownField("colour"), {"config.port", "must be an integer"}});
  Response r = ErrorResponse(s);
  EXPECT_EQ(r.status, 400);
  ASSERT_EQ(r.body["errors"].size(), 2u);
  EXPECT_EQ(r.body["errors"][0], nlohmann::json({{"code", "unknown_field"},
                                                 {"field", "colour"},
                                                 {"message", "colour: unknown field"}}));
  EXPECT_EQ(r.body["errors"][1], nlohmann::json({{"code", "invalid_argument"},
                                                 {"field", "config.port"},
                                                 {"message", "config.port: must be an integer"}}));
}

TEST(ApiHttpStatusTest, AnnotatingKeepsTheReason) {
  core::Status s =
      core::Status(StatusCode::kFailedPrecondition, "in use", Reason::kInUse).Annotate("delete");
  EXPECT_EQ(ErrorResponse(s).body["errors"][0]["code"], "in_use");
}

TEST(ApiHttpStatusTest, WarehouseErrors) {
  for (auto s : {core::InvalidArgument("x"), core::NotFound("x"), core::PermissionDenied("x"),
                 core::Unauthenticated("x")}) {
    Response r = ErrorResponse(s.WithReason(Reason::kWarehouseRejected));
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(r.body["errors"][0]["code"], "warehouse_rejected");
  }
  for (auto s : {core::Unavailable("x"), core::DeadlineExceeded("timed out")}) {
    Response r = ErrorResponse(s.WithReason(Reason::kWarehouseUnreachable));
    EXPECT_EQ(r.status, 502);
    EXPECT_EQ(r.body, ErrorBody("warehouse_unreachable", std::nullopt, s.message()));
  }
  EXPECT_FALSE(ErrorResponse(core::NotFound("x").WithReason(Reason::kWarehouseRejected))
                   .body["errors"][0]
                   .contains("reason"));
  Response with_reason = ErrorResponse(
      warehouse::WarehouseError(core::StatusCode::kUnauthenticated,
                                warehouse::kReasonAuthenticationFailed, "wrong password")
          .Annotate("connection 'pg'")
          .WithReason(Reason::kWarehouseRejected));
  EXPECT_EQ(with_reason.status, 422);
  EXPECT_EQ(with_reason.body["errors"][0],
            nlohmann::json({{"code", "warehouse_rejected"},
                            {"field", nullptr},
                            {"message", "connection 'pg': wrong password"},
                            {"reason", "authentication_failed"}}));
}

}  // namespace
}  // namespace wsync::api
