// Incremental syncs (SPEC §5): the window previous mark < iterator <= upper bound, lookback,
// every iterator type, mixed text formats on SQLite, and the mark kept by a failed run.
#include <gtest/gtest.h>

#include "sync_fixture.h"

namespace wsync::testing {
namespace {

using core::Value;
using nlohmann::json;

class IncrementalTest : public SyncFixture {
 protected:
  void DefineIncremental(const std::string& type, int64_t lookback = 0) {
    Define("SELECT * FROM events", {{"sync_mode",
                                     {{"type", "incremental"},
                                      {"iterator", "it"},
                                      {"iterator_data_type", type},
                                      {"lookback", lookback}}}});
  }
  // The value of the stored mark (marks are {"iterator", "type", "value"}) as JSON text.
  std::optional<std::string> Mark() {
    std::optional<std::string> mark = catalog_->GetState(1, "p")->high_water_mark;
    if (!mark) return std::nullopt;
    json j = json::parse(*mark);
    EXPECT_EQ(j["iterator"], "it");
    return j["value"].dump();
  }
  std::string Plan(const std::string& email) {
    profiles::Profile p = Find("email", email);
    auto it = p.attributes.find("plan");
    return it == p.attributes.end() ? "" : it->second.value.ToText();
  }
};

TEST_F(IncrementalTest, RowsSharingTheBoundaryAreReadOnceAndLateRowsNeedLookback) {
  Warehouse(
      "CREATE TABLE events (email TEXT, plan TEXT, it TIMESTAMP);"
      "INSERT INTO events VALUES ('a@x.com', 'a1', '2025-05-01T10:00:00Z'),"
      "('b@x.com', 'b1', '2025-05-01T12:00:00Z'), ('c@x.com', 'c1', '2025-05-01T12:00:00Z');");
  DefineIncremental("timestamp");
  catalog::Run first = Run();
  EXPECT_EQ(first.counters.records_extracted, 3);
  EXPECT_EQ(Mark(), "\"2025-05-01T12:00:00Z\"");
  // Nothing new: nothing read, not even the rows on the boundary.
  EXPECT_EQ(Run().counters.records_extracted, 0);
  // A late row at the old boundary and a new one after it: without lookback only the new one.
  Warehouse(
      "INSERT INTO events VALUES ('d@x.com', 'd1', '2025-05-01T12:00:00Z'),"
      "('e@x.com', 'e1', '2025-05-01T13:00:00Z');");
  catalog::Run second = Run();
  EXPECT_EQ(second.counters.records_extracted, 1);
  EXPECT_EQ(Plan("e@x.com"), "e1");
  EXPECT_EQ(Plan("d@x.com"), "");
  EXPECT_EQ(Mark(), "\"2025-05-01T13:00:00Z\"");
  // With a lookback of two hours the late row comes in (and the rows in reach are re-read).
  Warehouse(
      "INSERT INTO events VALUES ('f@x.com', 'f1', '2025-05-01T12:30:00Z'),"
      "('g@x.com', 'g1', '2025-05-01T14:00:00Z');");
  DefineIncremental("timestamp", 7200);
  catalog::Run third = Run();
  EXPECT_EQ(third.counters.records_extracted, 6);  // (11:00, 14:00]: b, c, d, e, f, g
  EXPECT_EQ(Plan("d@x.com"), "d1");
  EXPECT_EQ(Plan("f@x.com"), "f1");
  EXPECT_EQ(Mark(), "\"2025-05-01T14:00:00Z\"");
}

TEST_F(IncrementalTest, UpperBoundIsCappedAtTheRunStart) {
  // The fixture clock reads 2026-01-01T00:00:00Z.
  Warehouse(
      "CREATE TABLE events (email TEXT, plan TEXT, it TIMESTAMP);"
      "INSERT INTO events VALUES ('a@x.com', 'now', '2025-12-31T23:00:00Z'),"
      "('b@x.com', 'future', '2026-01-02T00:00:00Z');");
  DefineIncremental("timestamp");
  EXPECT_EQ(Run().counters.records_extracted, 1);
  EXPECT_EQ(Plan("b@x.com"), "");
  EXPECT_EQ(Mark(), "\"2025-12-31T23:00:00Z\"");
  clock_.Set(*core::ParseTimestamp("2026-01-03T00:00:00Z"));
  EXPECT_EQ(Run().counters.records_extracted, 1);
  EXPECT_EQ(Plan("b@x.com"), "future");
}

TEST_F(IncrementalTest, MixedTextFormatsCompareAsTimes) {
  Warehouse(
      "CREATE TABLE events (email TEXT, plan TEXT, it TEXT);"
      "INSERT INTO events VALUES ('a@x.com', 'a', '2025-05-01 10:00:00'),"
      "('b@x.com', 'b', '2025-05-01T10:00:00.250Z'),"
      "('c@x.com', 'c', '2025-05-01T12:30:00+02:00'),"  // 10:30Z
      "('d@x.com', 'd', '2025-05-01T09:59:59.999Z');");
  DefineIncremental("timestamp");
  Run();
  EXPECT_EQ(Mark(), "\"2025-05-01T10:30:00Z\"");
  // A row at 10:20Z written with an offset is older than the mark; one at 11:00Z is newer.
  Warehouse(
      "INSERT INTO events VALUES ('e@x.com', 'e', '2025-05-01 12:20:00+02:00'),"
      "('f@x.com', 'f', '2025-05-01 11:00:00');");
  catalog::Run run = Run();
  EXPECT_EQ(run.counters.records_extracted, 1);
  EXPECT_EQ(Plan("f@x.com"), "f");
  EXPECT_EQ(Plan("e@x.com"), "");
}

TEST_F(IncrementalTest, UnparsableIteratorValuesAreRowErrors) {
  Warehouse(
      "CREATE TABLE events (email TEXT, plan TEXT, it TEXT);"
      "INSERT INTO events VALUES ('a@x.com', 'a', '2025-05-01 10:00:00'),"
      "('b@x.com', 'b', 'yesterday'), ('c@x.com', 'c', NULL);");
  DefineIncremental("timestamp");
  catalog::Run run = Run();
  EXPECT_EQ(run.counters.records_extracted, 2);  // the NULL iterator is never read
  EXPECT_EQ(run.counters.records_failed, 1);
  std::vector<mapping::RowError> errors = Errors(run.run_id);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, mapping::RowErrorCode::kInvalidIterator);
  EXPECT_EQ(errors[0].column, "it");
  EXPECT_NE(errors[0].message.find("'yesterday'"), std::string::npos);
}

struct TypeCase {
  const char* type;
  const char* column_type;
  const char* first_rows;  // (email, plan, it) values
  const char* mark;        // after the first run
  const char* more_rows;
  int64_t second_extracted;
};

class IteratorTypeTest : public IncrementalTest, public ::testing::WithParamInterface<TypeCase> {};

TEST_P(IteratorTypeTest, ReadsOnlyNewRows) {
  const TypeCase& c = GetParam();
  Warehouse(std::string("CREATE TABLE events (email TEXT, plan TEXT, it ") + c.column_type + ");" +
            "INSERT INTO events VALUES " + c.first_rows + ";");
  DefineIncremental(c.type);
  catalog::Run first = Run();
  EXPECT_EQ(first.state, catalog::RunState::kSucceeded) << first.error.value_or("");
  EXPECT_EQ(first.counters.records_failed, 0);
  EXPECT_EQ(Mark(), c.mark);
  Warehouse(std::string("INSERT INTO events VALUES ") + c.more_rows + ";");
  catalog::Run second = Run();
  EXPECT_EQ(second.counters.records_extracted, c.second_extracted);
  EXPECT_EQ(Plan("new@x.com"), c.second_extracted > 0 ? "new" : "");
  EXPECT_EQ(Plan("old@x.com"), "");
}

INSTANTIATE_TEST_SUITE_P(
    AllTypes, IteratorTypeTest,
    ::testing::Values(
        TypeCase{"timestamp_ltz", "TIMESTAMP",
                 "('a@x.com', 'a', '2025-01-01T00:00:00Z'), ('b@x.com', 'b', 1735693200)",
                 "\"2025-01-01T01:00:00Z\"",
                 "('old@x.com', 'old', '2025-01-01 00:30:00'), ('new@x.com', 'new', '2025-01-02')",
                 1},
        TypeCase{"datetime", "DATETIME", "('a@x.com', 'a', '2025-01-01 08:00:00.5')",
                 "\"2025-01-01T08:00:00.5Z\"", "('new@x.com', 'new', '2025-01-01 08:00:01')", 1},
        TypeCase{"date", "DATE",
                 "('a@x.com', 'a', '2025-03-01'), ('b@x.com', 'b', '2025-12-31'),"
                 "('today@x.com', 't', '2026-01-01')",
                 "\"2025-12-31\"", "('new@x.com', 'new', '2025-12-31')", 0},
        TypeCase{"timestamp_unixtime_ms", "INTEGER",
                 "('a@x.com', 'a', 1735689600000), ('b@x.com', 'b', '1735689600500')",
                 "1735689600500", "('new@x.com', 'new', 1735689600501)", 1},
        TypeCase{"timestamp_unixtime_s", "INTEGER", "('a@x.com', 'a', 1735689600)", "1735689600",
                 "('old@x.com', 'old', 1735689599), ('new@x.com', 'new', 1735689601)", 1},
        TypeCase{"integer", "TEXT", "('a@x.com', 'a', '9'), ('b@x.com', 'b', 10)", "10",
                 "('old@x.com', 'old', '9'), ('new@x.com', 'new', '11')", 1}));

TEST_F(IncrementalTest, DateIteratorReadsOnlyCompletedDays) {
  // Run start 2026-01-01T00:00Z: the last completed day is 2025-12-31; today waits.
  Warehouse(
      "CREATE TABLE events (email TEXT, plan TEXT, it DATE);"
      "INSERT INTO events VALUES ('a@x.com', 'a', '2025-12-31'), ('b@x.com', 'b', '2026-01-01');");
  DefineIncremental("date");
  EXPECT_EQ(Run().counters.records_extracted, 1);
  clock_.Set(*core::ParseTimestamp("2026-01-02T00:00:01Z"));
  EXPECT_EQ(Run().counters.records_extracted, 1);
  EXPECT_EQ(Plan("b@x.com"), "b");
  EXPECT_EQ(Mark(), "\"2026-01-01\"");
}

TEST_F(IncrementalTest, AFailedRunKeepsTheMark) {
  Warehouse(
      "CREATE TABLE events (email TEXT, plan TEXT, it INTEGER);"
      "INSERT INTO events VALUES ('a@x.com', 'a', 5);");
  DefineIncremental("integer");
  Run();
  EXPECT_EQ(Mark(), "5");
  // The model stops fitting the pipeline: the run fails and the mark stays.
  Define("SELECT email, plan FROM events",
         {{"sync_mode",
           {{"type", "incremental"}, {"iterator", "it"}, {"iterator_data_type", "integer"}}}});
  Warehouse("INSERT INTO events VALUES ('b@x.com', 'b', 6);");
  catalog::Run failed = Run();
  EXPECT_EQ(failed.state, catalog::RunState::kFailed);
  EXPECT_NE(failed.error->find("iterator column 'it'"), std::string::npos) << *failed.error;
  EXPECT_EQ(Mark(), "5");
  EXPECT_EQ(catalog_->GetState(1, "p")->status, catalog::Health::kFaulted);
}

}  // namespace
}  // namespace wsync::testing
