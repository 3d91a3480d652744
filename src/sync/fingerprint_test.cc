#include "sync/fingerprint.h"

#include <gtest/gtest.h>

namespace wsync::sync {
namespace {

using core::Value;

mapping::Record Person(const std::string& email, const std::string& plan) {
  mapping::Record r;
  r.identities.push_back({2, email});  // email
  r.attributes.push_back({"plan", Value::String(plan)});
  return r;
}

mapping::Record Order(const std::string& email, double amount) {
  mapping::Record r;
  r.identities.push_back({2, email});  // email
  mapping::Event e;
  e.event_type = "custom_event";
  e.event_name = "Order";
  e.custom_attributes.emplace_back("amount", Value::Double(amount));
  r.event = e;
  return r;
}

TEST(RowKeyTest, APrimaryKeyColumnPastTheRowNamesTheRowByNumber) {
  // A model that lost a column between discovery and extraction: never read past the row.
  core::Row row = {Value::String("a@x.com")};
  EXPECT_EQ(RowKey(row, {3}, Person("a@x.com", "pro"), 7), "row 7");
  EXPECT_EQ(RowKey(row, {0}, Person("a@x.com", "pro"), 7), "a@x.com");
}

TEST(RowKeyTest, AnEventRowIsKeyedByItsIdentityAndItsEvent) {
  core::Row row;
  const std::string first = RowKey(row, {}, Order("a@x.com", 10), 1);
  EXPECT_EQ(first.rfind("email:a@x.com#", 0), 0u) << first;
  EXPECT_NE(first, RowKey(row, {}, Order("a@x.com", 20), 2));
  EXPECT_EQ(first, RowKey(row, {}, Order("a@x.com", 10), 3));
  EXPECT_EQ(RowKey(row, {}, Person("a@x.com", "pro"), 4), "email:a@x.com");
  EXPECT_EQ(RowKey(row, {}, mapping::Record(), 5), "row 5");
}

TEST(FingerprintTest, CoversWhatTheRowWritesAndTheSourceTimeTheDataGave) {
  const uint64_t base = RecordFingerprint(Person("a@x.com", "pro"), std::nullopt, 1);
  EXPECT_EQ(base, RecordFingerprint(Person("a@x.com", "pro"), std::nullopt, 1));
  EXPECT_NE(base, RecordFingerprint(Person("a@x.com", "free"), std::nullopt, 1));
  EXPECT_NE(base, RecordFingerprint(Person("b@x.com", "pro"), std::nullopt, 1));
  EXPECT_NE(base, RecordFingerprint(Person("a@x.com", "pro"), std::nullopt, 2));  // settings
  EXPECT_NE(base, RecordFingerprint(Person("a@x.com", "pro"), 0, 1));
  EXPECT_NE(RecordFingerprint(Person("a@x.com", "pro"), 5, 1),
            RecordFingerprint(Person("a@x.com", "pro"), 6, 1));
  // Field boundaries count: ("ab","c") is not ("a","bc").
  mapping::Record split = Person("a@x.com", "c");
  split.attributes[0].name = "ab";
  mapping::Record joined = Person("a@x.com", "bc");
  joined.attributes[0].name = "a";
  EXPECT_NE(RecordFingerprint(split, std::nullopt, 1), RecordFingerprint(joined, std::nullopt, 1));
  // A value's type counts: the string "1" is not the integer 1.
  mapping::Record text = Person("a@x.com", "1");
  mapping::Record number = Person("a@x.com", "1");
  number.attributes[0].value = Value::Int64(1);
  EXPECT_NE(RecordFingerprint(text, std::nullopt, 1), RecordFingerprint(number, std::nullopt, 1));
}

TEST(EventHashTest, IgnoresAttributesButNotWhoseEventItIs) {
  mapping::Record with_plan = Order("a@x.com", 10);
  with_plan.attributes.push_back({"plan", Value::String("pro")});
  EXPECT_EQ(EventHash(Order("a@x.com", 10)), EventHash(with_plan));
  EXPECT_NE(EventHash(Order("a@x.com", 10)), EventHash(Order("b@x.com", 10)));
  EXPECT_NE(EventHash(Order("a@x.com", 10)), EventHash(Order("a@x.com", 11)));
  EXPECT_EQ(EventHash(Person("a@x.com", "pro")), 0u);
}

}  // namespace
}  // namespace wsync::sync
