#include "storage/sqlite/sqlite_catalog.h"

#include <gtest/gtest.h>

#include "profiles/profile_codec.h"
#include "storage/sqlite/schema.h"
#include "storage/sqlite/sqlite_profile_store.h"
#include "testing/providers.h"
#include "testing/temp_dir.h"

// What only the SQLite catalog has: its migrations (the behaviour every backend shares is in
// storage/contract/catalog_contract_test.cc).
namespace wsync::catalog {
namespace {

TEST(SqliteCatalogMigrationTest, Version5RunsAreNumberedPerWorkspace) {
  testing::TempDir dir;
  const std::string path = dir.File("w.db");
  {
    auto db = db::Db::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db::MigrateTo(db->get(), 5).ok());
    // Global ids: workspace 1 ran 1, 3 and 6; workspace 2 ran 2, 4 and 5.
    core::Status s = (*db)->Exec(
        "INSERT INTO runs (run_id, workspace_id, pipeline_id, run_type, state, created_at, "
        "row_errors_total) VALUES (1, 1, 'p', 'manual', 'succeeded', 10, 0), "
        "(2, 2, 'p', 'manual', 'succeeded', 20, 0), (3, 1, 'p', 'manual', 'succeeded', 30, 1), "
        "(4, 2, 'p', 'manual', 'failed', 40, 2), (5, 2, 'q', 'manual', 'succeeded', 50, 0), "
        "(6, 1, 'p', 'manual', 'queued', 60, 0);"
        "INSERT INTO row_errors (run_id, seq, row, key, column_name, code, message) VALUES "
        "(3, 0, 7, 'k7', 'email', 'invalid_value', 'global run 3'), "
        "(4, 0, 2, 'k2', '', 'no_identity', 'global run 4, first'), "
        "(4, 1, 5, 'k5', '', 'no_identity', 'global run 4, second');"
        "INSERT INTO events (workspace_id, environment, dedup_key, mpid, body, pipeline_id, "
        "run_id, created_at) VALUES (1, 'production', 'm:a', 100, '{}', 'p', 3, 1), "
        "(2, 'production', 'm:b', 200, '{}', 'q', 5, 1);");
    ASSERT_TRUE(s.ok()) << s.ToString();
    // Workspace 1's profile in the current attribute format, workspace 2's in version 1.
    const std::string ws1_attributes =
        profiles::EncodeAttributes({{"plan", {core::Value::String("pro"), false, 5, "p", 3, 9}},
                                    {"seats", {core::Value::Int64(4), false, 6, "p", 6, 9}}});
    const std::string ws2_attributes = R"({"plan":{"v":"free","s":5,"p":"p","r":4,"u":9},)"
                                       R"("seats":{"v":2,"s":5,"p":"q","r":1,"u":9}})";
    auto insert = (*db)->Prepare(
        "INSERT INTO profiles (mpid, workspace_id, environment, identities, attributes, "
        "created_at, updated_at, updated_run) VALUES (?1, ?2, 'production', '{}', ?3, 1, 1, ?4)");
    ASSERT_TRUE(insert.ok());
    insert->Bind(1, int64_t{100}).Bind(2, int64_t{1}).Bind(3, ws1_attributes).Bind(4, int64_t{6});
    ASSERT_TRUE(insert->Run().ok());
    insert->Reset();
    insert->Bind(1, int64_t{200}).Bind(2, int64_t{2}).Bind(3, ws2_attributes).Bind(4, int64_t{5});
    ASSERT_TRUE(insert->Run().ok());
    ASSERT_TRUE(db::Migrate(db->get()).ok());
    auto version = (*db)->Prepare("PRAGMA user_version");
    ASSERT_TRUE(version.ok() && *version->Step());
    EXPECT_EQ(version->Int(0), db::LatestSchemaVersion());
  }

  core::FakeClock clock{1'700'000'000'000'000};
  auto catalog = SqliteCatalog::Open(path, &clock, &testing::BuiltinProviders());
  ASSERT_TRUE(catalog.ok());
  // (workspace, run id) → created_at: the order of creation within each workspace.
  const std::vector<std::tuple<int64_t, int64_t, int64_t>> expected = {
      {1, 1, 10}, {1, 2, 30}, {1, 3, 60}, {2, 1, 20}, {2, 2, 40}, {2, 3, 50}};
  for (const auto& [ws, id, created_at] : expected) {
    auto run = (*catalog)->GetRun(ws, id);
    ASSERT_TRUE(run.ok()) << ws << "/" << id;
    EXPECT_EQ(run->created_at, created_at) << ws << "/" << id;
  }
  for (int64_t ws : {1, 2}) {
    for (int64_t id : {4, 5, 6}) {
      EXPECT_EQ((*catalog)->GetRun(ws, id).status().code(), core::StatusCode::kNotFound);
    }
  }

  // Row errors stay with their runs: global 3 is workspace 1's run 2, global 4 workspace 2's.
  auto messages = [&](int64_t ws, int64_t id) {
    int64_t total = -1;
    std::vector<std::string> out;
    auto errors = (*catalog)->RowErrors(ws, id, {1, 50}, &total);
    EXPECT_TRUE(errors.ok());
    if (errors.ok()) {
      for (const mapping::RowError& e : *errors) out.push_back(e.message);
    }
    EXPECT_EQ(total, static_cast<int64_t>(out.size()));
    return out;
  };
  using Messages = std::vector<std::string>;
  EXPECT_EQ(messages(1, 2), Messages{"global run 3"});
  EXPECT_EQ(messages(2, 2), (Messages{"global run 4, first", "global run 4, second"}));
  for (const auto& [ws, id] :
       std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {1, 3}, {2, 1}, {2, 3}, {1, 4}, {2, 4}}) {
    EXPECT_TRUE(messages(ws, id).empty()) << ws << "/" << id;
  }

  auto store = profiles::SqliteProfileStore::Open(path);
  ASSERT_TRUE(store.ok());
  auto ada = (*store)->Get(1, 100);
  ASSERT_TRUE(ada.ok()) << ada.status().ToString();
  EXPECT_EQ(ada->attributes.at("plan").run_id, 2);
  EXPECT_EQ(ada->attributes.at("plan").value, core::Value::String("pro"));
  EXPECT_EQ(ada->attributes.at("seats").run_id, 3);
  EXPECT_EQ(ada->attributes.at("seats").value, core::Value::Int64(4));
  EXPECT_EQ(ada->updated_run, 3);
  auto bob = (*store)->Get(2, 200);
  ASSERT_TRUE(bob.ok()) << bob.status().ToString();
  EXPECT_EQ(bob->attributes.at("plan").run_id, 2);
  EXPECT_EQ(bob->attributes.at("plan").value, core::Value::String("free"));
  EXPECT_EQ(bob->attributes.at("plan").source_time, 5);
  EXPECT_EQ(bob->attributes.at("seats").run_id, 0);  // named workspace 1's run
  EXPECT_EQ(bob->attributes.at("seats").value, core::Value::Int64(2));
  EXPECT_EQ(bob->updated_run, 3);
  auto ada_events = (*store)->Events(1, 100, 10);
  ASSERT_TRUE(ada_events.ok() && ada_events->size() == 1u);
  EXPECT_EQ((*ada_events)[0].run_id, 2);
  auto bob_events = (*store)->Events(2, 200, 10);
  ASSERT_TRUE(bob_events.ok() && bob_events->size() == 1u);
  EXPECT_EQ((*bob_events)[0].run_id, 3);

  // New runs continue each workspace's count; a new workspace starts at 1.
  for (const auto& [ws, next] : std::vector<std::pair<int64_t, int64_t>>{{1, 4}, {2, 4}, {3, 1}}) {
    catalog::Run run;
    run.workspace_id = ws;
    run.pipeline_id = "new";
    auto created = (*catalog)->CreateRun(run);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    EXPECT_EQ(created->run_id, next) << ws;
  }
}

// States are parsed where the catalog reads its rows: a name this version does not know (a
// newer version's, or a hand edit) is an error naming the column, never a silent default.
TEST(SqliteCatalogStatesTest, UnknownStoredStatesAreInternalErrors) {
  testing::TempDir dir;
  auto opened = db::Db::Open(dir.File("w.db"));
  ASSERT_TRUE(opened.ok());
  std::shared_ptr<db::Db> db = std::move(*opened);
  ASSERT_TRUE(db::Migrate(db.get()).ok());
  core::FakeClock clock{1'700'000'000'000'000};
  auto catalog = SqliteCatalog::OnConnection(db, &clock, &testing::BuiltinProviders(), nullptr);
  catalog::Run run;
  run.workspace_id = 1;
  run.pipeline_id = "p";
  auto created = catalog->CreateRun(run);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_EQ(created->state, RunState::kQueued);
  ASSERT_EQ(created->run_type, RunType::kManual);
  core::Status s = db->Exec(
      "INSERT INTO pipeline_state (workspace_id, pipeline_id, state) VALUES (1, 'p', 'archived');"
      "INSERT INTO pipeline_state (workspace_id, pipeline_id, status) VALUES (1, 'q', 'sick');"
      "INSERT INTO connection_state (workspace_id, connection_id, state, status) VALUES "
      "(1, 'c', 'pending', 'healthy'), (1, 'd', 'verified', 'Healthy');"
      "INSERT INTO row_errors (run_key, seq, row, key, column_name, code, message) "
      "SELECT run_key, 0, 1, 'k', '', 'mystery', 'm' FROM runs;");
  ASSERT_TRUE(s.ok()) << s.ToString();

  auto expect_internal = [](const core::Status& status, const std::string& message) {
    EXPECT_EQ(status.code(), core::StatusCode::kInternal) << status.ToString();
    EXPECT_EQ(status.message(), message);
  };
  expect_internal(catalog->GetState(1, "p").status(),
                  "the catalog's pipeline_state.state holds 'archived', which this version does "
                  "not know");
  expect_internal(catalog->GetState(1, "q").status(),
                  "the catalog's pipeline_state.status holds 'sick', which this version does not "
                  "know");
  expect_internal(catalog->GetConnectionState(1, "c").status(),
                  "the catalog's connection_state.state holds 'pending', which this version does "
                  "not know");
  expect_internal(catalog->GetConnectionState(1, "d").status(),
                  "the catalog's connection_state.status holds 'Healthy', which this version "
                  "does not know");
  int64_t total = 0;
  expect_internal(catalog->RowErrors(1, created->run_id, {1, 50}, &total).status(),
                  "the catalog's row_errors.code holds 'mystery', which this version does not "
                  "know");

  ASSERT_TRUE(db->Exec("UPDATE runs SET state = 'paused'").ok());
  const std::string bad_state =
      "the catalog's runs.state holds 'paused', which this version does not know";
  expect_internal(catalog->GetRun(1, created->run_id).status(), bad_state);
  auto unfinished = catalog->UnfinishedRuns();  // a query that does not select the row
  ASSERT_TRUE(unfinished.ok()) << unfinished.status().ToString();
  EXPECT_TRUE(unfinished->empty());
  ASSERT_TRUE(db->Exec("UPDATE runs SET state = 'queued', run_type = 'adhoc'").ok());
  expect_internal(catalog->UnfinishedRuns().status(),
                  "the catalog's runs.run_type holds 'adhoc', which this version does not know");
  // Writes still name states as before: a known state read back is the one written.
  ASSERT_TRUE(db->Exec("UPDATE runs SET run_type = 'historical'").ok());
  ASSERT_TRUE(catalog->SetRunState(1, created->run_id, RunState::kCancelled, std::nullopt, 5).ok());
  auto back = catalog->GetRun(1, created->run_id);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->state, RunState::kCancelled);
  EXPECT_EQ(back->run_type, RunType::kHistorical);
}

}  // namespace
}  // namespace wsync::catalog
