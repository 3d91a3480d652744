// End-to-end full syncs from a real SQLite warehouse into the embedded profile store.
#include <gtest/gtest.h>

#include "sync_fixture.h"

namespace wsync::testing {
namespace {

using core::Value;

constexpr const char* kCustomers =
    "CREATE TABLE customers (customer_id INTEGER, email TEXT, plan TEXT, visits INTEGER, "
    "note TEXT);";

class SyncTest : public SyncFixture {};

TEST_F(SyncTest, FullSyncAppliesRowsAndReportsRowErrors) {
  Warehouse(
      std::string(kCustomers) +
      "INSERT INTO customers VALUES (1, ' Ada@Example.com ', 'pro', 3, 'x');"
      "INSERT INTO customers VALUES (2, 'grace@example.com', 'free', 1, NULL);"
      "INSERT INTO customers VALUES (NULL, NULL, 'free', 0, 'no identity');"
      "INSERT INTO customers VALUES (4, 'long@example.com', 'free', 0, printf('%.4097c', 'y'));");
  Define("SELECT * FROM customers");
  catalog::Run run = Run();
  EXPECT_EQ(run.state, catalog::RunState::kSucceeded);
  EXPECT_EQ(run.counters.records_extracted, 4);
  EXPECT_EQ(run.counters.records_mapped, 2);
  EXPECT_EQ(run.counters.records_failed, 2);
  EXPECT_EQ(run.counters.profiles_created, 2);
  EXPECT_EQ(run.counters.profiles_updated, 0);
  std::vector<mapping::RowError> errors = Errors(run.run_id);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].row, 3);
  EXPECT_EQ(errors[0].code, mapping::RowErrorCode::kNoIdentity);
  EXPECT_EQ(errors[1].row, 4);
  EXPECT_EQ(errors[1].code, mapping::RowErrorCode::kLimitExceeded);
  EXPECT_EQ(errors[1].column, "note");
  EXPECT_EQ(errors[1].key, "customer_id:4");

  profiles::Profile ada = Find("email", "ada@example.com");
  EXPECT_EQ(ada.identities.at("customer_id"), "1");
  EXPECT_EQ(ada.attributes.at("plan").value, Value::String("pro"));
  EXPECT_EQ(ada.attributes.at("visits").value, Value::Int64(3));
  EXPECT_EQ(ada.attributes.at("plan").run_id, run.run_id);
  EXPECT_EQ(ada.attributes.at("plan").pipeline_id, "p");
  // A NULL on a new profile stores nothing.
  EXPECT_EQ(Find("email", "grace@example.com").attributes.count("note"), 0u);
}

TEST_F(SyncTest, SecondFullRunLeavesTheSameProfilesAndAppliesNothing) {
  Warehouse(std::string(kCustomers) +
            "INSERT INTO customers WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
            "FROM n WHERE i < 2500) SELECT i, 'u' || i || '@x.com', 'free', i, 'n' FROM n;");
  Define("SELECT * FROM customers");
  batch_rows_ = 1000;  // several batches
  catalog::Run first = Run();
  ASSERT_EQ(first.state, catalog::RunState::kSucceeded);
  EXPECT_EQ(first.counters.profiles_created, 2500);
  int64_t mpid = Find("customer_id", "17").mpid;

  catalog::Run second = Run();
  EXPECT_EQ(second.state, catalog::RunState::kSucceeded);
  EXPECT_EQ(second.counters.records_extracted, 2500);
  EXPECT_EQ(second.counters.records_unchanged, 2500);
  EXPECT_EQ(second.counters.profiles_created, 0);
  EXPECT_EQ(second.counters.profiles_updated, 0);
  EXPECT_EQ(CountProfiles(), 2500);
  EXPECT_EQ(Find("customer_id", "17").mpid, mpid);

  // One changed row is applied; the rest stay unchanged.
  Warehouse("UPDATE customers SET plan = 'pro' WHERE customer_id = 17;");
  catalog::Run third = Run();
  EXPECT_EQ(third.counters.records_unchanged, 2499);
  EXPECT_EQ(third.counters.profiles_updated, 1);
  EXPECT_EQ(Find("customer_id", "17").attributes.at("plan").value, Value::String("pro"));
  EXPECT_EQ(CountProfiles(), 2500);
}

// Review B14: erasure forgets the rows that made the profile, so the next full run re-creates it
// from the warehouse (the source of truth) and counts it created; other rows stay unchanged.
TEST_F(SyncTest, ErasedProfileIsRecreatedByTheNextFullRun) {
  Warehouse(std::string(kCustomers) +
            "INSERT INTO customers VALUES (1, 'a@x.com', 'pro', 1, 'n');"
            "INSERT INTO customers VALUES (2, 'b@x.com', 'free', 2, 'n');");
  Define("SELECT * FROM customers");
  ASSERT_EQ(Run().counters.profiles_created, 2);
  const int64_t erased = Find("customer_id", "1").mpid;
  ASSERT_NE(erased, 0);
  ASSERT_TRUE(store_->Erase(1, erased).ok());
  EXPECT_EQ(CountProfiles(), 1);

  catalog::Run next = Run();
  EXPECT_EQ(next.state, catalog::RunState::kSucceeded);
  EXPECT_EQ(next.counters.records_unchanged, 1);
  EXPECT_EQ(next.counters.profiles_created, 1);
  EXPECT_EQ(next.counters.profiles_updated, 0);
  profiles::Profile back = Find("customer_id", "1");
  EXPECT_NE(back.mpid, 0);
  EXPECT_NE(back.mpid, erased);
  EXPECT_EQ(back.attributes.at("plan").value, Value::String("pro"));
  EXPECT_EQ(CountProfiles(), 2);
}

TEST_F(SyncTest, UpdateOnlyCreatesNoProfileAndReadOnlyWritesNothing) {
  Warehouse(std::string(kCustomers) +
            "INSERT INTO customers VALUES (1, 'a@x.com', 'pro', 1, 'n');");
  Define("SELECT * FROM customers", {{"input_protection", "update_only"}});
  catalog::Run run = Run();
  EXPECT_EQ(run.counters.records_skipped, 1);
  EXPECT_EQ(run.counters.profiles_created, 0);
  EXPECT_EQ(CountProfiles(), 0);

  Define("SELECT * FROM customers", {{"input_protection", "create_and_update"}});
  ASSERT_EQ(Run().counters.profiles_created, 1);
  Warehouse(
      "UPDATE customers SET plan = 'enterprise';"
      "INSERT INTO customers VALUES (2, 'b@x.com', 'free', 1, 'n');");
  Define("SELECT * FROM customers", {{"input_protection", "read_only"}});
  run = Run();
  EXPECT_EQ(run.counters.records_skipped, 2);
  EXPECT_EQ(run.counters.profiles_created, 0);
  EXPECT_EQ(run.counters.profiles_updated, 0);
  EXPECT_EQ(CountProfiles(), 1);
  EXPECT_EQ(Find("email", "a@x.com").attributes.at("plan").value, Value::String("pro"));

  Define("SELECT * FROM customers", {{"input_protection", "update_only"}});
  run = Run();
  EXPECT_EQ(run.counters.records_skipped, 1);  // b@x.com matches nobody
  EXPECT_EQ(run.counters.profiles_updated, 1);
  EXPECT_EQ(CountProfiles(), 1);
  EXPECT_EQ(Find("email", "a@x.com").attributes.at("plan").value, Value::String("enterprise"));
}

TEST_F(SyncTest, DevelopmentAndProductionStayApart) {
  Warehouse(std::string(kCustomers) +
            "INSERT INTO customers VALUES (1, 'a@x.com', 'pro', 1, 'n');");
  Define("SELECT * FROM customers", {{"environment", "development"}});
  ASSERT_EQ(Run().counters.profiles_created, 1);
  EXPECT_EQ(CountProfiles("production"), 0);
  Define("SELECT * FROM customers", {{"environment", "production"}});
  ASSERT_EQ(Run().counters.profiles_created, 1);
  EXPECT_NE(Find("email", "a@x.com", "development").mpid, Find("email", "a@x.com").mpid);
  EXPECT_EQ(CountProfiles("development"), 1);
  EXPECT_EQ(CountProfiles("production"), 1);
}

TEST_F(SyncTest, NullRemovesAnAttributeUnlessSkipped) {
  Warehouse(std::string(kCustomers) +
            "INSERT INTO customers VALUES (1, 'a@x.com', 'pro', 1, 'n');");
  Define("SELECT * FROM customers");
  Run();
  Warehouse("UPDATE customers SET plan = NULL;");
  Define("SELECT * FROM customers", {{"null_values", "skip"}});
  catalog::Run run = Run();
  EXPECT_EQ(run.counters.profiles_updated, 0);
  EXPECT_EQ(Find("email", "a@x.com").attributes.at("plan").value, Value::String("pro"));
  Define("SELECT * FROM customers", {{"null_values", "remove"}});
  run = Run();
  EXPECT_EQ(run.counters.profiles_updated, 1);
  EXPECT_TRUE(Find("email", "a@x.com").attributes.at("plan").removed);
}

TEST_F(SyncTest, IdentityChangesAndConflictsAcrossRuns) {
  Warehouse(std::string(kCustomers) +
            "INSERT INTO customers VALUES (1, 'old@x.com', 'pro', 1, 'n');"
            "INSERT INTO customers VALUES (2, 'b@x.com', 'free', 1, 'n');");
  Define("SELECT * FROM customers");
  Run();
  int64_t one = Find("customer_id", "1").mpid;
  int64_t two = Find("customer_id", "2").mpid;
  // Customer 1's email changes; customer 3 arrives with customer 2's email.
  Warehouse(
      "UPDATE customers SET email = 'new@x.com' WHERE customer_id = 1;"
      "INSERT INTO customers VALUES (3, 'b@x.com', 'enterprise', 1, 'n');");
  catalog::Run run = Run();
  EXPECT_EQ(run.counters.identity_conflicts, 1);
  EXPECT_EQ(run.counters.profiles_created, 1);
  EXPECT_EQ(run.counters.profiles_updated, 1);
  EXPECT_EQ(Find("email", "new@x.com").mpid, one);
  EXPECT_EQ(Find("email", "old@x.com").mpid, 0);
  EXPECT_EQ(Find("email", "b@x.com").mpid, two);
  EXPECT_EQ(Find("email", "b@x.com").attributes.at("plan").value, Value::String("free"));
  profiles::Profile three = Find("customer_id", "3");
  EXPECT_NE(three.mpid, two);
  EXPECT_EQ(three.identities.count("email"), 0u);
}

TEST_F(SyncTest, TwoNewRowsWithOneEmailInOneBatchMakeOneProfile) {
  Warehouse(
      "CREATE TABLE t (email TEXT, plan TEXT);"
      "INSERT INTO t VALUES ('same@x.com', 'free'), ('SAME@x.com ', 'pro');");
  Define("SELECT * FROM t");
  catalog::Run run = Run();
  EXPECT_EQ(run.counters.profiles_created, 1);
  EXPECT_EQ(CountProfiles(), 1);
  // The rows share their key (the email): the first is applied, the second is a duplicate.
  EXPECT_EQ(run.counters.records_duplicate, 1);
  EXPECT_EQ(Find("email", "same@x.com").attributes.at("plan").value, Value::String("free"));
}

TEST_F(SyncTest, FieldTransformationWithStaticIgnoreAndUnmapped) {
  Warehouse(std::string(kCustomers) +
            "INSERT INTO customers VALUES (1, 'a@x.com', 'pro', 1, 'n');");
  nlohmann::json ft = {
      {"id", "ft"},
      {"destination_type", "user_attributes"},
      {"mappings",
       {{{"mapping_type", "column"},
         {"source", "customer_id"},
         {"destination", "user_identities.customer_id"}},
        {{"mapping_type", "column"}, {"source", "plan"}, {"destination", "user_attributes.tier"}},
        {{"mapping_type", "static"},
         {"destination", "user_attributes.source"},
         {"value", "warehouse"},
         {"value_type", "string"}},
        {{"mapping_type", "ignore"}, {"source", "note"}},
        {{"mapping_type", "column"},
         {"source", "$unmapped"},
         {"destination", "user_attributes.*"}}}}};
  Define("SELECT * FROM customers", {}, ft);
  ASSERT_EQ(Run().state, catalog::RunState::kSucceeded);
  profiles::Profile p = Find("customer_id", "1");
  EXPECT_EQ(p.identities.count("email"), 0u);  // email is unmapped: an attribute here
  EXPECT_EQ(p.attributes.at("email").value, Value::String("a@x.com"));
  EXPECT_EQ(p.attributes.at("tier").value, Value::String("pro"));
  EXPECT_EQ(p.attributes.at("source").value, Value::String("warehouse"));
  EXPECT_EQ(p.attributes.at("visits").value, Value::Int64(1));
  EXPECT_EQ(p.attributes.count("note"), 0u);
  EXPECT_EQ(p.attributes.count("plan"), 0u);
}

TEST_F(SyncTest, UnknownMappingSourceFailsTheRunNamingTheMapping) {
  Warehouse(std::string(kCustomers));
  nlohmann::json ft = {{"id", "ft"},
                       {"destination_type", "user_attributes"},
                       {"mappings",
                        {{{"mapping_type", "column"},
                          {"source", "emial"},
                          {"destination", "user_identities.email"}}}}};
  Define("SELECT * FROM customers", {}, ft);
  catalog::Run run = Run();
  EXPECT_EQ(run.state, catalog::RunState::kFailed);
  ASSERT_TRUE(run.error.has_value());
  EXPECT_NE(run.error->find("mapping 0"), std::string::npos) << *run.error;
  EXPECT_NE(run.error->find("'emial'"), std::string::npos) << *run.error;
  EXPECT_EQ(last_status_.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_->GetState(1, "p")->status, catalog::Health::kFaulted);
}

TEST_F(SyncTest, RefusedModelsNeverReachTheWarehouse) {
  for (const char* sql :
       {"DELETE FROM customers", "DROP TABLE customers", "INSERT INTO customers VALUES (1)",
        "SELECT * INTO copy FROM customers", "SELECT 1; SELECT 2"}) {
    nlohmann::json config = {{"data_models", {{{"id", "bad"}, {"sql_query", sql}}}}};
    auto applied = catalog::ApplyConfig(catalog_, 1, config, "test");
    ASSERT_FALSE(applied.ok()) << sql;
    EXPECT_EQ(applied.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_NE(applied.status().message().find("sql_query"), std::string::npos)
        << applied.status().message();
  }
  nlohmann::json ok = {{"data_models", {{{"id", "ok"}, {"sql_query", "SELECT 'DELETE' AS op"}}}}};
  EXPECT_TRUE(catalog::ApplyConfig(catalog_, 1, ok, "test").ok());
}

TEST_F(SyncTest, UnreachableWarehouseFailsTheRunAndFaultsThePipeline) {
  Define("SELECT 1 AS customer_id");  // the file never gets created
  catalog::Run run = Run();
  EXPECT_EQ(run.state, catalog::RunState::kFailed);
  ASSERT_TRUE(run.error.has_value());
  EXPECT_NE(run.error->find("does not exist"), std::string::npos) << *run.error;
  auto state = catalog_->GetState(1, "p");
  EXPECT_EQ(state->status, catalog::Health::kFaulted);
  // The next good run makes it healthy again.
  Warehouse("CREATE TABLE t (x INTEGER);");
  EXPECT_EQ(Run().state, catalog::RunState::kSucceeded);
  EXPECT_EQ(catalog_->GetState(1, "p")->status, catalog::Health::kHealthy);
}

TEST_F(SyncTest, OlderSourceTimeNeverOverwritesNewerValues) {
  Warehouse(
      "CREATE TABLE t (email TEXT, plan TEXT, updated_at TIMESTAMP);"
      "INSERT INTO t VALUES ('a@x.com', 'new', '2025-06-01T00:00:00Z');");
  Define("SELECT * FROM t", {}, nullptr, {{"timestamp_field", "updated_at"}});
  Run();
  Warehouse("UPDATE t SET plan = 'stale', updated_at = '2025-01-01 00:00:00';");
  catalog::Run run = Run();
  EXPECT_EQ(run.counters.profiles_updated, 0);
  profiles::Profile p = Find("email", "a@x.com");
  EXPECT_EQ(p.attributes.at("plan").value, Value::String("new"));
  EXPECT_EQ(p.attributes.at("plan").source_time, *core::ParseTimestamp("2025-06-01T00:00:00Z"));
  EXPECT_EQ(p.attributes.count("updated_at"), 0u);  // the timestamp field is not an attribute
}

}  // namespace
}  // namespace wsync::testing
