#include "cli/commands.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/engine.h"
#include "app/sample_data.h"
#include "catalog/config_file.h"
#include "core/time.h"
#include "profiles/profile_store.h"
#include "runner/lease_keeper.h"
#include "sync/run_executor.h"
#include "sync/run_spec.h"

namespace wsync::cli {

namespace {

using nlohmann::json;

constexpr int kExitOk = 0;
constexpr int kExitRunFailed = 1;
constexpr int kExitBadInput = 2;

void PrintRunSummary(const catalog::Run& run, catalog::Catalog* catalog) {
  const core::RunCounters& c = run.counters;
  double seconds = 0;
  if (run.started_at && run.ended_at) seconds = (*run.ended_at - *run.started_at) / 1e6;
  std::printf("run %lld of pipeline '%s': %s in %.2f s\n", static_cast<long long>(run.run_id),
              run.pipeline_id.c_str(), std::string(Name(run.state)).c_str(), seconds);
  if (run.error) std::printf("  error: %s\n", run.error->c_str());
  std::printf("  records: %lld extracted, %lld mapped, %lld unchanged, %lld skipped, %lld failed\n",
              static_cast<long long>(c.records_extracted), static_cast<long long>(c.records_mapped),
              static_cast<long long>(c.records_unchanged),
              static_cast<long long>(c.records_skipped), static_cast<long long>(c.records_failed));
  if (c.records_duplicate > 0) {
    std::printf(
        "  warning: %lld rows had the key of an earlier row and were skipped; give the "
        "data model a primary_key that tells them apart\n",
        static_cast<long long>(c.records_duplicate));
  }
  std::printf(
      "  profiles: %lld created, %lld updated; identity conflicts: %lld; events: %lld\n",
      static_cast<long long>(c.profiles_created), static_cast<long long>(c.profiles_updated),
      static_cast<long long>(c.identity_conflicts), static_cast<long long>(c.events_created));
  if (seconds > 0) {
    std::printf("  throughput: %.0f rows/s\n", c.records_extracted / seconds);
  }
  if (c.row_errors_total > 0) {
    int64_t total = 0;
    auto errors = catalog->RowErrors(run.workspace_id, run.run_id, {1, 5}, &total);
    std::printf("  row errors: %lld (first %zu shown)\n",
                static_cast<long long>(c.row_errors_total), errors.ok() ? errors->size() : 0);
    if (errors.ok()) {
      for (const auto& e : *errors) {
        std::printf("    row %lld [%s] %s: %s\n", static_cast<long long>(e.row),
                    std::string(Name(e.code)).c_str(), e.key.c_str(),
                    e.message.substr(0, 160).c_str());
      }
    }
  }
}

json ProfileJson(const profiles::Profile& p) {
  json attrs = json::object();
  for (const auto& [name, a] : p.attributes) {
    if (!a.removed) attrs[name] = json::parse(a.value.ToJson());
  }
  return {{"mpid", std::to_string(p.mpid)},
          {"environment", p.environment},
          {"identities", p.identities},
          {"user_attributes", attrs}};
}

// Runs one pipeline now and prints its summary; returns the exit code.
// A `wsync serve` sharing the deployment took the run before this process could: it runs
// there, and this process waits for its end.
void AwaitRunElsewhere(catalog::Catalog* catalog, int64_t workspace_id, int64_t run_id,
                       const std::string& owner) {
  while (true) {
    core::StatusOr<catalog::Run> run = catalog->GetRun(workspace_id, run_id);
    if (!run.ok() || run->lease_owner == owner || !catalog::IsUnfinished(run->state)) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int RunPipeline(app::Engine* engine, storage::Session* session, int64_t workspace_id,
                const std::string& pipeline_id) {
  catalog::Catalog* catalog = session->catalog();
  core::StatusOr<catalog::Run> run = sync::CreateRun(
      catalog, workspace_id, pipeline_id, catalog::RunType::kManual, engine->clock()->NowMicros());
  if (!run.ok()) {
    std::cerr << "wsync: " << run.status().message() << "\n";
    return run.status().code() == core::StatusCode::kInvalidArgument ? kExitBadInput
                                                                     : kExitRunFailed;
  }
  // The run is claimed under this process's lease, renewed while it goes, so a `wsync serve`
  // sharing the deployment neither takes it nor mistakes it for the run of a dead process.
  auto lease_session = engine->NewSession();
  if (!lease_session.ok()) {
    std::cerr << "wsync: " << lease_session.status().message() << "\n";
    return kExitRunFailed;
  }
  runner::LeaseKeeper leases(std::move(*lease_session), engine->clock(),
                             runner::LeaseOptions{.expire_others = false});
  leases.Start();
  sync::ExecutorDeps deps = engine->executor_deps();
  deps.lease_owner = leases.owner();
  deps.lease_until = [&leases] { return leases.LeaseUntil(); };
  sync::RunExecutor executor(deps, session);
  if (isatty(STDERR_FILENO)) std::cerr << "running pipeline '" << pipeline_id << "'...\n";
  core::Status s;
  try {
    s = executor.Execute(workspace_id, run->run_id);
    if (s.code() == core::StatusCode::kFailedPrecondition) {
      AwaitRunElsewhere(catalog, workspace_id, run->run_id, leases.owner());
    }
  } catch (const std::exception& e) {
    // Never leave the run `running`: it would block every later run of the pipeline.
    s = core::Internal(std::string("run crashed: ") + e.what());
    core::Status failed =
        catalog->SetRunState(workspace_id, run->run_id, catalog::RunState::kFailed, s.message(),
                             engine->clock()->NowMicros());
    if (!failed.ok()) std::cerr << "wsync: cannot record the crash: " << failed.message() << "\n";
    core::Status faulted = catalog->SetHealth(
        workspace_id, pipeline_id, catalog::Health::kFaulted,
        json::array({{{"code", "internal"}, {"message", s.message()}, {"run_id", run->run_id}}}));
    if (!faulted.ok()) {
      std::cerr << "wsync: cannot mark the pipeline faulted: " << faulted.message() << "\n";
    }
  }
  core::StatusOr<catalog::Run> done = catalog->GetRun(workspace_id, run->run_id);
  if (!done.ok()) {
    std::cerr << "wsync: " << done.status().message() << "\n";
    return kExitRunFailed;
  }
  PrintRunSummary(*done, catalog);
  if (done->state == catalog::RunState::kSucceeded) return kExitOk;
  // A model or mapping that does not fit is bad input, not a failed warehouse.
  return s.code() == core::StatusCode::kInvalidArgument ? kExitBadInput : kExitRunFailed;
}

}  // namespace

int Demo(const std::string& data_dir) {
  std::string dir = std::filesystem::absolute(data_dir).lexically_normal().string();
  auto engine = app::Engine::Open(dir, core::SystemClock::Default());
  if (!engine.ok()) {
    std::cerr << "wsync: " << engine.status().message() << "\n";
    return kExitBadInput;
  }
  std::string warehouse = dir + "/warehouse.db";
  std::printf("creating a sample warehouse with 10,000 customers (and 3 bad rows): %s\n",
              warehouse.c_str());
  if (core::Status s = app::WriteSampleWarehouse(warehouse, {}); !s.ok()) {
    std::cerr << "wsync: " << s.message() << "\n";
    return kExitRunFailed;
  }
  json config = {{"connections",
                  {{{"id", "demo-warehouse"},
                    {"name", "Demo warehouse"},
                    {"service_provider", "sqlite"},
                    {"config", {{"path", warehouse}}}}}},
                 {"data_models",
                  {{{"id", "customers"},
                    {"name", "Customers"},
                    {"sql_query",
                     "SELECT customer_id, email, first_name, plan, lifetime_value, orders, is_vip, "
                     "signup_date, last_seen, score FROM customers"}}}},
                 {"pipelines",
                  {{{"id", "demo-customers"},
                    {"name", "Customers to profiles"},
                    {"pipeline_type", "user_attributes"},
                    {"connection_id", "demo-warehouse"},
                    {"data_model_id", "customers"},
                    {"environment", "development"},
                    {"sync_mode", {{"type", "full"}}},
                    {"schedule", {{"type", "on_demand"}}}}}}};
  auto session = (*engine)->NewSession();
  if (!session.ok()) {
    std::cerr << "wsync: " << session.status().message() << "\n";
    return kExitRunFailed;
  }
  auto applied = catalog::ApplyConfig((*session)->catalog(), 1, config, "demo");
  if (!applied.ok()) {
    std::cerr << "wsync: " << applied.status().message() << "\n";
    return kExitRunFailed;
  }
  std::printf("pipeline 'demo-customers': sqlite warehouse -> development profiles (full sync)\n");
  int code = RunPipeline(engine->get(), session->get(), 1, "demo-customers");
  for (const char* email : {"customer1@example.com", "customer2@example.com"}) {
    auto page =
        (*session)->store()->List(1, "development", profiles::IdentityRef{"email", email}, 1, 1);
    if (page.ok() && !page->items.empty()) {
      std::printf("sample profile:\n%s\n", ProfileJson(page->items.front()).dump(2).c_str());
    }
  }
  std::printf("\nwhere to look:\n");
  std::printf(
      "  profile store and catalog: %s/wsync.db (SQLite; tables profiles, identities, "
      "runs, row_errors)\n",
      dir.c_str());
  std::printf("  sample warehouse:          %s\n", warehouse.c_str());
  std::printf("  try: sqlite3 %s/wsync.db \"SELECT * FROM runs\"\n", dir.c_str());
  return code;
}

core::StatusOr<std::unique_ptr<app::Engine>> OpenEngine(
    const std::optional<std::string>& store, const std::optional<std::string>& data_dir) {
  ASSIGN_OR_RETURN(storage::StoreLocation location,
                   storage::ChooseStore(store, data_dir, kDefaultDataDir));
  return app::Engine::Open(location, core::SystemClock::Default());
}

int RunConfig(const RunArgs& args) {
  auto config = catalog::LoadConfigFile(args.config_file);
  if (!config.ok()) {
    std::cerr << "wsync: " << config.status().message() << "\n";
    return kExitBadInput;
  }
  auto engine = OpenEngine(args.store, args.data_dir);
  if (!engine.ok()) {
    std::cerr << "wsync: " << engine.status().message() << "\n";
    return kExitBadInput;
  }
  auto session = (*engine)->NewSession();
  if (!session.ok()) {
    std::cerr << "wsync: " << session.status().message() << "\n";
    return kExitRunFailed;
  }
  auto applied = catalog::ApplyConfig((*session)->catalog(), args.workspace_id, *config, "cli");
  if (!applied.ok()) {
    std::cerr << "wsync: " << applied.status().message() << "\n";
    return kExitBadInput;
  }
  std::vector<std::string> pipelines;
  if (args.pipeline_id) {
    pipelines.push_back(*args.pipeline_id);
  } else if (config->contains("pipelines")) {
    for (const json& p : (*config)["pipelines"]) pipelines.push_back(p["id"].get<std::string>());
  }
  if (pipelines.empty()) {
    std::cerr << "wsync: the config file defines no pipeline to run\n";
    return kExitBadInput;
  }
  int code = kExitOk;
  for (const std::string& id : pipelines) {
    int c = RunPipeline(engine->get(), session->get(), args.workspace_id, id);
    code = std::max(code, c);
  }
  return code;
}

int ApplyConfigFile(const RunArgs& args) {
  auto config = catalog::LoadConfigFile(args.config_file);
  if (!config.ok()) {
    std::cerr << "wsync: " << config.status().message() << "\n";
    return kExitBadInput;
  }
  auto engine = OpenEngine(args.store, args.data_dir);
  if (!engine.ok()) {
    std::cerr << "wsync: " << engine.status().message() << "\n";
    return kExitBadInput;
  }
  auto session = (*engine)->NewSession();
  if (!session.ok()) {
    std::cerr << "wsync: " << session.status().message() << "\n";
    return kExitRunFailed;
  }
  auto applied = catalog::ApplyConfig((*session)->catalog(), args.workspace_id, *config, "cli");
  if (!applied.ok()) {
    std::cerr << "wsync: " << applied.status().message() << "\n";
    return kExitBadInput;
  }
  for (const auto& change : *applied) {
    std::printf("%s %s '%s'\n", change.action.c_str(),
                std::string(catalog::KindName(change.kind)).c_str(), change.id.c_str());
  }
  return kExitOk;
}

}  // namespace wsync::cli
