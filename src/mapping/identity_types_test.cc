#include "mapping/identity_types.h"

#include <gtest/gtest.h>

namespace wsync::mapping {
namespace {

TEST(IdentityTypesTest, PriorityOrder) {
  const auto& types = IdentityTypes();
  ASSERT_EQ(types.size(), 34u);
  EXPECT_EQ(types[0].name, "mpid");
  EXPECT_EQ(types[1].name, "customer_id");
  EXPECT_EQ(types[2].name, "email");
  EXPECT_EQ(types[15].name, "other_id_10");
  EXPECT_EQ(types[21].name, "yahoo");
  EXPECT_FALSE(types[21].device);
  EXPECT_EQ(types[22].name, "ios_advertising_id");
  EXPECT_TRUE(types[22].device);
  EXPECT_EQ(types[33].name, "mp_deviceid");
  for (size_t i = 0; i < types.size(); ++i) EXPECT_EQ(types[i].priority, static_cast<int>(i));
}

TEST(IdentityTypesTest, LookupIsCaseInsensitiveWithAlias) {
  ASSERT_NE(FindIdentityType("Email"), nullptr);
  EXPECT_EQ(FindIdentityType("EMAIL")->priority, 2);
  EXPECT_EQ(FindIdentityType("CustomerID")->name, "customer_id");
  EXPECT_EQ(FindIdentityType("customer_id")->priority, 1);
  EXPECT_EQ(FindIdentityType("MPID")->priority, 0);
  EXPECT_TRUE(FindIdentityType("Android_UUID")->device);
  EXPECT_EQ(FindIdentityType("emial"), nullptr);
  EXPECT_EQ(FindIdentityType(""), nullptr);
  EXPECT_EQ(IdentityTypeAt(2).name, "email");
}

TEST(IdentityTypesTest, Normalize) {
  EXPECT_EQ(NormalizeIdentity(*FindIdentityType("email"), "  Ann@Example.COM \t"),
            "ann@example.com");
  EXPECT_EQ(NormalizeIdentity(*FindIdentityType("customer_id"), " AbC-1 "), "AbC-1");
  EXPECT_EQ(NormalizeIdentity(*FindIdentityType("customer_id"), "   "), "");
  std::string out = "previous";
  NormalizeIdentityTo(*FindIdentityType("email"), " X@Y.z", &out);
  EXPECT_EQ(out, "x@y.z");
}

}  // namespace
}  // namespace wsync::mapping
