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
