// A real SQLite warehouse and a real data directory for end-to-end sync tests: write rows with
// SQL, define resources with the API's bodies, run a pipeline through the RunExecutor, then
// read the resulting run record and profiles. Test-only; one thread.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "app/engine.h"
#include "catalog/config_file.h"
#include "profiles/profile_store.h"
#include "storage/sqlite/sqlite_db.h"
#include "sync/run_executor.h"
#include "sync/run_spec.h"
#include "testing/temp_dir.h"

namespace wsync::testing {

class SyncFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    warehouse_path_ = dir_.File("warehouse.db");
    auto engine = app::Engine::Open(dir_.File("data"), &clock_);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    auto session = engine_->NewSession();
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    session_ = std::move(*session);
    catalog_ = session_->catalog();
    store_ = session_->store();
  }

  // Runs SQL against the warehouse file (creating it on first use).
  void Warehouse(const std::string& sql) {
    auto db = db::Db::Open(warehouse_path_);
    ASSERT_TRUE(db.ok());
    core::Status s = (*db)->Exec(sql);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // A connection to the warehouse plus one model and one pipeline; `pipeline` overrides fields.
  void Define(const std::string& sql, nlohmann::json pipeline = nlohmann::json::object(),
              nlohmann::json field_transformation = nullptr, nlohmann::json model_extra = {}) {
    nlohmann::json model = {{"id", "m"}, {"sql_query", sql}};
    if (model_extra.is_object()) model.update(model_extra);
    nlohmann::json p = {{"id", "p"},
                        {"pipeline_type", "user_attributes"},
                        {"connection_id", "wh"},
                        {"data_model_id", "m"},
                        {"environment", "production"}};
    if (pipeline.is_object()) p.update(pipeline);
    nlohmann::json config = {
        {"connections",
         {{{"id", "wh"}, {"service_provider", "sqlite"}, {"config", {{"path", warehouse_path_}}}}}},
        {"data_models", {model}},
        {"pipelines", {p}}};
    if (!field_transformation.is_null()) {
      config["field_transformations"] = {field_transformation};
      config["pipelines"][0]["field_transformation_id"] = field_transformation["id"];
    }
    auto applied = catalog::ApplyConfig(catalog_, 1, config, "test");
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  }

  // Runs pipeline `id` once and returns its finished run record; checks the counter rules.
  catalog::Run Run(const std::string& id = "p") {
    auto run = sync::CreateRun(catalog_, 1, id, catalog::RunType::kManual, clock_.NowMicros());
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    if (!run.ok()) return {};
    sync::ExecutorDeps deps = engine_->executor_deps();
    deps.batch_rows = batch_rows_;
    deps.retry_backoff_ms = 1;
    if (after_batch_) deps.after_batch = after_batch_;
    sync::RunExecutor executor(deps, session_.get());
    last_status_ = executor.Execute(1, run->run_id, stop_);
    auto done = catalog_->GetRun(1, run->run_id);
    EXPECT_TRUE(done.ok());
    const core::RunCounters& c = done->counters;
    EXPECT_TRUE(c.Consistent()) << "extracted " << c.records_extracted << " mapped "
                                << c.records_mapped << " failed " << c.records_failed
                                << " unchanged " << c.records_unchanged << " skipped "
                                << c.records_skipped;
    clock_.Advance(core::kMicrosPerSecond);
    return *done;
  }

  // The one profile holding identity type=value in `environment`, or an empty profile.
  profiles::Profile Find(const std::string& type, const std::string& value,
                         const std::string& environment = "production") {
    auto page = store_->List(1, environment, profiles::IdentityRef{type, value}, 1, 10);
    EXPECT_TRUE(page.ok());
    if (!page.ok() || page->items.size() != 1) return {};
    return page->items.front();
  }

  int64_t CountProfiles(const std::string& environment = "production") {
    auto page = store_->List(1, environment, std::nullopt, 1, 1);
    return page.ok() ? page->total : -1;
  }

  std::vector<mapping::RowError> Errors(int64_t run_id) {
    int64_t total = 0;
    auto errors = catalog_->RowErrors(1, run_id, {1, 500}, &total);
    return errors.ok() ? *errors : std::vector<mapping::RowError>{};
  }

  TempDir dir_;
  core::FakeClock clock_{1'767'225'600'000'000};  // 2026-01-01T00:00:00Z
  std::string warehouse_path_;
  std::unique_ptr<app::Engine> engine_;
  std::unique_ptr<storage::Session> session_;
  catalog::Catalog* catalog_ = nullptr;      // the session's
  profiles::ProfileStore* store_ = nullptr;  // the session's
  size_t batch_rows_ = 10'000;
  std::function<void(int64_t run_id)> after_batch_;  // run by the executor after each batch
  const sync::RunStop* stop_ = nullptr;              // given to the executor when set
  core::Status last_status_;
};

}  // namespace wsync::testing
