// How a full sync names rows across runs and tells whether they changed: rows sharing a key
// (first row wins, counted and warned), events pipelines without a primary key, fingerprints of
// what a row writes (ignored columns and attribute-only columns do not count), and the same
// outcome whatever the batch size.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "sync_fixture.h"

namespace wsync::testing {
namespace {

using nlohmann::json;

json Column(const std::string& source, const std::string& destination) {
  return {{"mapping_type", "column"}, {"source", source}, {"destination", destination}};
}
json Static(const std::string& destination, const std::string& value) {
  return {{"mapping_type", "static"},
          {"destination", destination},
          {"value", value},
          {"value_type", "string"}};
}

// email → identity, plan → attribute, every other column ignored.
json PlanOnly() {
  return {{"id", "ft"},
          {"destination_type", "user_attributes"},
          {"mappings",
           {Column("email", "user_identities.email"),
            Column("plan", "user_attributes.plan"),
            {{"mapping_type", "ignore"}, {"source", "loaded_at"}}}}};
}

// An "Order" event per row with its amount; `plan` also feeds a user attribute when asked.
json OrderEvents(bool with_plan) {
  json mappings = {
      Column("email", "user_identities.email"), Static("events.event_type", "custom_event"),
      Static("events.event_name", "Order"), Static("events.custom_event_type", "transaction"),
      Column("amount", "events.custom_attributes.amount")};
  if (with_plan) mappings.push_back(Column("plan", "user_attributes.plan"));
  return {{"id", "ft"}, {"destination_type", "event_batch"}, {"mappings", mappings}};
}

class RowIdentityTest : public SyncFixture, public ::testing::WithParamInterface<size_t> {
 protected:
  void SetUp() override {
    SyncFixture::SetUp();
    batch_rows_ = GetParam();
  }
  std::string Plan(const std::string& email) {
    profiles::Profile p = Find("email", email);
    auto it = p.attributes.find("plan");
    return it == p.attributes.end() ? "" : it->second.value.ToText();
  }
  size_t EventCount(const std::string& email) {
    auto events = store_->Events(1, Find("email", email).mpid, 1000);
    return events.ok() ? events->size() : 0;
  }
};

TEST_P(RowIdentityTest, RowsSharingAKeyApplyTheFirstRowAndAreCountedAsDuplicates) {
  Warehouse(
      "CREATE TABLE users (email TEXT, plan TEXT);"
      "INSERT INTO users VALUES ('a@x.com', 'free'), ('b@x.com', 'basic'), ('a@x.com', 'pro'),"
      " ('a@x.com', 'team');");
  Define("SELECT * FROM users", {}, PlanOnly());
  catalog::Run first = Run();
  ASSERT_EQ(first.state, catalog::RunState::kSucceeded) << first.error.value_or("");
  EXPECT_EQ(first.counters.records_duplicate, 2);
  EXPECT_EQ(first.counters.records_skipped, 2);
  EXPECT_EQ(first.counters.profiles_created, 2);
  EXPECT_EQ(Plan("a@x.com"), "free");
  // An unchanged warehouse changes nothing, run after run (it used to flip free/team).
  for (int i = 0; i < 3; ++i) {
    catalog::Run again = Run();
    ASSERT_EQ(again.state, catalog::RunState::kSucceeded);
    EXPECT_EQ(again.counters.profiles_updated, 0);
    EXPECT_EQ(again.counters.records_unchanged, 2);
    EXPECT_EQ(again.counters.records_duplicate, 2);
    EXPECT_EQ(Plan("a@x.com"), "free");
  }
}

TEST_P(RowIdentityTest, AnEventsPipelineWithoutPrimaryKeyIsUnchangedOnAnUnchangedWarehouse) {
  Warehouse(
      "CREATE TABLE orders (email TEXT, amount REAL, plan TEXT);"
      "INSERT INTO orders VALUES ('a@x.com', 10, 'free'), ('a@x.com', 20, 'free'),"
      " ('b@x.com', 10, 'pro'), ('a@x.com', 30, 'free'), ('b@x.com', 5, 'pro');");
  Define("SELECT * FROM orders", {{"pipeline_type", "events"}}, OrderEvents(false));
  catalog::Run first = Run();
  ASSERT_EQ(first.state, catalog::RunState::kSucceeded) << first.error.value_or("");
  EXPECT_EQ(first.counters.events_created, 5);
  EXPECT_EQ(first.counters.records_duplicate, 0);
  catalog::Run second = Run();
  EXPECT_EQ(second.counters.records_unchanged, 5);
  EXPECT_EQ(second.counters.events_created, 0);
  EXPECT_EQ(second.counters.profiles_updated, 0);
  EXPECT_EQ(EventCount("a@x.com"), 3u);
  EXPECT_EQ(EventCount("b@x.com"), 2u);
}

TEST_P(RowIdentityTest, AChangedAttributeColumnDoesNotStoreEventsAgain) {
  Warehouse(
      "CREATE TABLE orders (email TEXT, amount REAL, plan TEXT);"
      "INSERT INTO orders VALUES ('a@x.com', 10, 'free'), ('a@x.com', 20, 'free'),"
      " ('b@x.com', 10, 'free');");
  Define("SELECT * FROM orders", {{"pipeline_type", "events"}}, OrderEvents(true));
  ASSERT_EQ(Run().counters.events_created, 3);
  Warehouse("UPDATE orders SET plan = 'pro' WHERE email = 'a@x.com';");
  catalog::Run second = Run();
  ASSERT_EQ(second.state, catalog::RunState::kSucceeded) << second.error.value_or("");
  EXPECT_EQ(second.counters.events_created, 0);
  EXPECT_EQ(second.counters.records_unchanged, 1);  // b's row
  EXPECT_EQ(second.counters.profiles_updated, 1);   // a's plan
  EXPECT_EQ(Plan("a@x.com"), "pro");
  EXPECT_EQ(EventCount("a@x.com"), 2u);
  EXPECT_EQ(EventCount("b@x.com"), 1u);
}

TEST_P(RowIdentityTest, EqualEventsOfTwoPeopleAreTwoEvents) {
  Warehouse(
      "CREATE TABLE orders (email TEXT, amount REAL, plan TEXT);"
      "INSERT INTO orders VALUES ('a@x.com', 10, 'free'), ('b@x.com', 10, 'free');");
  Define("SELECT * FROM orders", {{"pipeline_type", "events"}}, OrderEvents(false));
  EXPECT_EQ(Run().counters.events_created, 2);
  EXPECT_EQ(EventCount("a@x.com"), 1u);
  EXPECT_EQ(EventCount("b@x.com"), 1u);
}

TEST_P(RowIdentityTest, AChangedIgnoredColumnKeepsRowsUnchanged) {
  Warehouse(
      "CREATE TABLE users (email TEXT, plan TEXT, loaded_at TEXT);"
      "INSERT INTO users VALUES ('a@x.com', 'free', 'mon'), ('b@x.com', 'pro', 'mon');");
  Define("SELECT * FROM users", {}, PlanOnly());
  ASSERT_EQ(Run().counters.profiles_created, 2);
  Warehouse("UPDATE users SET loaded_at = 'tue';");
  catalog::Run second = Run();
  EXPECT_EQ(second.counters.records_unchanged, 2);
  EXPECT_EQ(second.counters.profiles_updated, 0);
}

TEST_P(RowIdentityTest, ANewerSourceTimeReappliesAnEqualRow) {
  Warehouse(
      "CREATE TABLE users (email TEXT, plan TEXT, updated_at TEXT);"
      "INSERT INTO users VALUES ('a@x.com', 'free', '2025-01-01T00:00:00Z');");
  Define("SELECT * FROM users", {}, PlanOnly(), {{"timestamp_field", "updated_at"}});
  ASSERT_EQ(Run().counters.profiles_created, 1);
  Warehouse("UPDATE users SET updated_at = '2025-03-01T00:00:00Z';");
  catalog::Run second = Run();
  EXPECT_EQ(second.counters.records_unchanged, 0);  // re-confirmed at its newer source time
  EXPECT_EQ(second.counters.profiles_updated, 0);
  EXPECT_EQ(Find("email", "a@x.com").attributes.at("plan").source_time,
            *core::ParseTimestamp("2025-03-01T00:00:00Z"));
}

// Random tables of a few people with repeated rows: a full sync in batches of this size gives
// the same profiles and counters as one row per batch, and a second run changes nothing.
TEST_P(RowIdentityTest, RandomRowsGiveTheSameOutcomeAsOneRowPerBatch) {
  std::mt19937 rng(static_cast<uint32_t>(GetParam()) * 7919u + 1);
  std::string sql = "CREATE TABLE users (email TEXT, plan TEXT);INSERT INTO users VALUES ";
  for (int i = 0; i < 60; ++i) {
    if (i > 0) sql += ',';
    sql += "('u" + std::to_string(rng() % 8) + "@x.com', 'p" + std::to_string(rng() % 4) + "')";
  }
  Warehouse(sql + ";");
  Define("SELECT * FROM users", {}, PlanOnly());
  catalog::Run batched = Run();
  std::map<std::string, std::string> plans;
  for (int u = 0; u < 8; ++u) {
    const std::string user = "u" + std::to_string(u);
    plans[user] = Plan(user + "@x.com");
  }
  catalog::Run again = Run();
  EXPECT_EQ(again.counters.profiles_updated, 0);
  EXPECT_EQ(again.counters.records_unchanged + again.counters.records_duplicate, 60);

  // The reference: the same rows one per batch, into the development environment.
  Define("SELECT * FROM users", {{"environment", "development"}}, PlanOnly());
  ASSERT_TRUE(store_->ClearFingerprints(1, "p").ok());
  batch_rows_ = 1;
  catalog::Run single = Run();
  EXPECT_EQ(single.counters.records_duplicate, batched.counters.records_duplicate);
  EXPECT_EQ(single.counters.profiles_created, batched.counters.profiles_created);
  for (const auto& [user, plan] : plans) {
    profiles::Profile p = Find("email", user + "@x.com", "development");
    auto it = p.attributes.find("plan");
    EXPECT_EQ(it == p.attributes.end() ? "" : it->second.value.ToText(), plan) << user;
  }
}

INSTANTIATE_TEST_SUITE_P(BatchSizes, RowIdentityTest, ::testing::Values(1, 2, 10'000),
                         [](const auto& info) { return "batch" + std::to_string(info.param); });

}  // namespace
}  // namespace wsync::testing
