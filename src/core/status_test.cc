#include "core/status.h"

#include <gtest/gtest.h>

namespace wsync::core {
namespace {

TEST(StatusTest, OkHasNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, CarriesCodeAndMessage) {
  Status s = NotFound("pipeline 'p1' not found");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ToString(), "NotFound: pipeline 'p1' not found");
  EXPECT_FALSE(s.retryable());
  EXPECT_TRUE(Unavailable("x").retryable());
}

TEST(StatusTest, FieldErrorsJoin) {
  Status s = Status::FromFieldErrors({{"a", "bad"}, {"b", "worse"}});
  EXPECT_EQ(s.message(), "a: bad; b: worse");
  ASSERT_EQ(s.details().size(), 2u);
  EXPECT_EQ(s.details()[1].field, "b");
  EXPECT_EQ(s.Annotate("pipeline p").details().size(), 2u);
}

TEST(StatusTest, CarriesAReason) {
  EXPECT_EQ(NotFound("x").reason(), Reason::kNone);
  EXPECT_EQ(Status::Ok().reason(), Reason::kNone);
  Status s = Status(StatusCode::kFailedPrecondition, "in use", Reason::kInUse);
  EXPECT_EQ(s.reason(), Reason::kInUse);
  EXPECT_EQ(s.ToString(), "FailedPrecondition: in use");
  EXPECT_EQ(s.Annotate("delete").reason(), Reason::kInUse);
  EXPECT_EQ(s.WithDetails({{"a", "b"}}).reason(), Reason::kInUse);
  EXPECT_EQ(Status(s).reason(), Reason::kInUse);
  Status w = FailedPrecondition("x").WithReason(Reason::kWarehouseRejected);
  EXPECT_EQ(w.reason(), Reason::kWarehouseRejected);
  EXPECT_EQ(w.message(), "x");
  // An OK status has no room for a reason.
  EXPECT_TRUE(Status::Ok().WithReason(Reason::kInUse).ok());
  EXPECT_EQ(Status::Ok().WithReason(Reason::kInUse).reason(), Reason::kNone);
  // The names are the API's error codes.
  EXPECT_EQ(ReasonName(Reason::kNone), "");
  EXPECT_EQ(ReasonName(Reason::kUnknownField), "unknown_field");
  EXPECT_EQ(ReasonName(Reason::kInUse), "in_use");
  EXPECT_EQ(ReasonName(Reason::kWarehouseRejected), "warehouse_rejected");
  EXPECT_EQ(ReasonName(Reason::kWarehouseUnreachable), "warehouse_unreachable");
}

TEST(StatusTest, UnknownFieldDetail) {
  FieldError e = UnknownField("colour");
  EXPECT_EQ(e.field, "colour");
  EXPECT_EQ(e.message, "unknown field");
  EXPECT_EQ(e.reason, Reason::kUnknownField);
  Status s = Status::FromFieldErrors({e, {"b", "bad"}});
  EXPECT_EQ(s.reason(), Reason::kNone);
  EXPECT_EQ(s.details()[0].reason, Reason::kUnknownField);
  EXPECT_EQ(s.details()[1].reason, Reason::kNone);
  EXPECT_EQ(Status::InvalidField("a", "bad").details()[0].reason, Reason::kNone);
}

StatusOr<int> Half(int x) {
  if (x % 2) return InvalidArgument("odd");
  return x / 2;
}

Status UseHalf(int x, int* out) {
  ASSIGN_OR_RETURN(*out, Half(x));
  return Status::Ok();
}

TEST(StatusOrTest, ValueOrStatus) {
  int out = 0;
  EXPECT_TRUE(UseHalf(4, &out).ok());
  EXPECT_EQ(out, 2);
  EXPECT_EQ(UseHalf(3, &out).message(), "odd");
}

}  // namespace
}  // namespace wsync::core
