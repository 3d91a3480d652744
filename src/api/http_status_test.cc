#include "api/http_status.h"

#include <gtest/gtest.h>

#include "warehouse/warehouse_error.h"

namespace wsync::api {
namespace {

TEST(ApiHttpStatusTest, MapsCodes) {
  struct Case {
    core::Status status;
    int http;
    const char* code;
  } cases[] = {
      {core::InvalidArgument("bad"), 400, "invalid_argument"},
      {core::NotFound("x"), 404, "not_found"},
      {core::AlreadyExists("x"), 409, "already_exists"},
      {core::FailedPrecondition("connection 'c' is in use by pipeline 'p'"), 409, "in_use"},
      {core::FailedPrecondition("pipeline 'p' is draft"), 409, "conflict"},
      {core::Unauthenticated("x"), 401, "unauthenticated"},
      {core::PermissionDenied("x"), 403, "permission_denied"},
      {core::Internal("x"), 500, "internal"},
  };
  for (const Case& c : cases) {
    Response r = ErrorResponse(c.status);
    EXPECT_EQ(r.status, c.http) << c.status.ToString();
    EXPECT_EQ(r.body["errors"][0]["code"], c.code) << c.status.ToString();
    EXPECT_TRUE(r.body["errors"][0]["field"].is_null());
  }
}

TEST(ApiHttpStatusTest, FieldDetailsBecomeOneErrorEach) {
  core::Status s = core::Status::FromFieldErrors(
      {{"colour", "unknown field"}, {"config.port", "must be an integer"}});
  Response r = ErrorResponse(s);
  EXPECT_EQ(r.status, 400);
  ASSERT_EQ(r.body["errors"].size(), 2u);
  EXPECT_EQ(r.body["errors"][0], nlohmann::json({{"code", "unknown_field"},
                                                 {"field", "colour"},
                                                 {"message", "colour: unknown field"}}));
  EXPECT_EQ(r.body["errors"][1]["code"], "invalid_argument");
  EXPECT_EQ(r.body["errors"][1]["field"], "config.port");
}

TEST(ApiHttpStatusTest, WarehouseErrors) {
  for (auto s : {core::InvalidArgument("x"), core::NotFound("x"), core::PermissionDenied("x"),
                 core::Unauthenticated("x")}) {
    Response r = WarehouseErrorResponse(s);
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(r.body["errors"][0]["code"], "warehouse_rejected");
  }
  for (auto s : {core::Unavailable("x"), core::DeadlineExceeded("timed out")}) {
    Response r = WarehouseErrorResponse(s);
    EXPECT_EQ(r.status, 502);
    EXPECT_EQ(r.body["errors"][0]["code"], "warehouse_unreachable");
  }
  EXPECT_FALSE(WarehouseErrorResponse(core::NotFound("x")).body["errors"][0].contains("reason"));
  Response with_reason = WarehouseErrorResponse(
      warehouse::WarehouseError(core::StatusCode::kUnauthenticated,
                                warehouse::kReasonAuthenticationFailed, "wrong password")
          .Annotate("connection 'pg'"));
  EXPECT_EQ(with_reason.status, 422);
  EXPECT_EQ(with_reason.body["errors"][0],
            nlohmann::json({{"code", "warehouse_rejected"},
                            {"field", nullptr},
                            {"message", "connection 'pg': wrong password"},
                            {"reason", "authentication_failed"}}));
}

}  // namespace
}  // namespace wsync::api
